"""Doing what the magnifying glass showed: apply the step for real (and undo it), check a
gradient against finite differences, and nudge a weight to see what it does to the loss."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.errors import ConfigError
from nnstudio.explain.numbers import fixed, num

if TYPE_CHECKING:
    from nnstudio.engine import Network, Optimizer
    from nnstudio.explain.walk import StepWalk


@dataclass
class AppliedStep:
    """What :func:`undo_step` needs: the parameters (flat, as ``network.params``) and the
    optimizer's :meth:`~Optimizer.state_dict` from before the step, and the parameters after."""

    params_before: np.ndarray
    state_before: dict
    params_after: np.ndarray
    learning_rate: float


def apply_step(network: Network, optimizer: Optimizer, walk: StepWalk) -> AppliedStep:
    """Really make the update ``walk`` worked out: its sample's gradients go into the network's
    gradient buffer and ``optimizer.step()`` runs at the walk's learning rate (the optimizer's
    own rate is put back afterwards; its state moves on, as in training).

    The result equals ``walk.preview[name]["params_after"]`` bit for bit, and with plain SGD
    the engine's own per-sample step (:func:`~nnstudio.engine.fit` with ``batch_size=1``).
    Redo after :func:`undo_step` is ``apply_step`` again with the same walk (the weights and
    the optimizer's state are then exactly those the walk started from). A network with
    dropout trains with some neurons switched off at random; the walk's step (traced without
    a generator) has every neuron on, and so does this update.

    Raises
    ------
    ConfigError
        When the network's weights, or the optimizer's kind or step count, are no longer
        those the walk started from (work the step out again).
    """
    if network.params.shape != walk.params_before.shape or \
            not np.array_equal(network.params, walk.params_before):
        raise ConfigError("The network's weights changed since this step was worked out; "
                          "work the step out again before applying it.")
    kind = type(optimizer).display_name
    if kind != walk.optimizer_kind:
        raise ConfigError(f"This step was worked out for {walk.optimizer_kind}, but the optimizer "
                          f"is now {kind}; work the step out again.")
    state = optimizer.state_dict()
    optimizer.attach(network)  # keeps the state when bound to this network already
    if state["params"]:
        optimizer.load_state_dict(state)  # bound elsewhere before: carry the same state over
    if optimizer.iterations != walk.iterations:
        raise ConfigError(f"The optimizer has made {optimizer.iterations} steps, but this step was "
                          f"worked out after {walk.iterations}; work the step out again.")
    before = optimizer.state_dict()
    for name, (s, n, _shape) in network.param_slices().items():
        network.grads[s:s + n] = walk.trace.gradients[name].reshape(-1)
    rate = optimizer.learning_rate
    optimizer.learning_rate = walk.learning_rate
    try:
        optimizer.step()
    finally:
        optimizer.learning_rate = rate
    return AppliedStep(walk.params_before.copy(), before, network.params.copy(), walk.learning_rate)


def undo_step(network: Network, optimizer: Optimizer, applied: AppliedStep) -> None:
    """Put back the weights and the optimizer's state from before :func:`apply_step`."""
    network.params[...] = applied.params_before
    optimizer.attach(network)
    if applied.state_before["params"] or applied.state_before["iterations"]:
        optimizer.load_state_dict(applied.state_before)


# ------------------------------------------------------------------ gradient check
@dataclass
class GradientCheck:
    """Backprop's gradient of one weight next to the finite-difference estimate.

    Unpacks as ``backprop, finite_difference, relative_error``.
    """

    backprop: float
    finite_difference: float
    relative_error: float
    agree: bool
    caption: str

    def __iter__(self):
        return iter((self.backprop, self.finite_difference, self.relative_error))


def check_gradient(network: Network, x, y, param_name: str, index, eps: float = 1e-4) -> GradientCheck:
    """Compare the engine's gradient of ``param_name[index]`` for the sample ``(x, y)`` with
    central differences ``(L(w + eps) - L(w - eps)) / (2 eps)`` on a float64 copy of the
    network (dropout off). The network is not changed.

    Returns
    -------
    GradientCheck
        ``relative_error = |backprop - fd| / max(|backprop|, |fd|)``; ``agree`` when it is
        below 1 % or both are within 1e-6 of each other (float32 rounding).
    """
    from nnstudio.engine import Network

    view, idx = _entry(network, param_name, index)
    if not (isinstance(eps, (int, float)) and math.isfinite(eps) and eps > 0):
        raise ConfigError(f"eps must be a positive number, got {eps!r}")
    backprop = float(network.trace(x, y).gradients[param_name][idx])
    twin = Network.from_config(network.get_config(), dtype=np.float64)
    twin.params[...] = network.params
    s, n, shape = twin.param_slices()[param_name]
    flat = int(np.ravel_multi_index(idx, shape)) + s
    w = float(twin.params[flat])
    losses = []
    for delta in (eps, -eps):
        twin.params[flat] = w + delta
        with np.errstate(all="ignore"):
            losses.append(twin.trace(x, y).loss)
    fd = (losses[0] - losses[1]) / (2 * eps)
    diff = abs(backprop - fd)
    rel = diff / max(abs(backprop), abs(fd)) if max(abs(backprop), abs(fd)) > 0 else 0.0
    agree = rel < 1e-2 or diff < 1e-6
    verdict = ("They agree: backprop computed this gradient correctly." if agree else
               "They differ: at a kink of the activation (a ReLU at exactly 0) finite differences "
               "straddle two slopes; elsewhere this would point at a wrong gradient.")
    up, down = difference_terms(losses[0], losses[1], 2 * eps, fd)
    caption = (f"Gradient of {param_name}{list(idx)}: backprop says {num(backprop)}; moving the "
               f"weight {eps:g} up and {eps:g} down and measuring the loss says ({up} - {down}) "
               f"/ {2 * eps:g} = {num(fd)}; relative difference {rel:.1e}. {verdict}")
    return GradientCheck(backprop, fd, rel, agree, caption)


def difference_terms(high: float, low: float, width: float, quotient: float) -> tuple[str, str]:
    """``high`` and ``low`` written with as many decimals (4 to 12) as it takes for
    ``(shown high - shown low) / width`` to round to the caption's ``quotient``: the two losses
    of a finite difference differ only far behind the point, and at two decimals the caption
    read ``(0.98 - 0.98) / 0.0002 = -0.42``."""
    for d in range(4, 13):
        a, b = fixed(high, d), fixed(low, d)
        if num((float(a) - float(b)) / width) == num(quotient):
            return a, b
    return fixed(high, 12), fixed(low, 12)


def nudge(network: Network, x, y, param_name: str, index, value: float) -> tuple[float, np.ndarray]:
    """This sample's loss and the network's output (shape (n_outputs,)) with
    ``param_name[index]`` set to ``value``; the network is restored before returning.

    Both are those of :meth:`Network.trace` (like :attr:`StepWalk.loss`): probabilities for a
    classifier; with target scaling, the loss and output in the scaled units training uses
    (:meth:`StepWalk.real_units` turns the output into the target's units)."""
    view, idx = _entry(network, param_name, index)
    value = float(value)
    if not math.isfinite(value):
        raise ConfigError(f"a weight must be a finite number, got {value!r}")
    old = view[idx].copy()
    try:
        view[idx] = value
        with np.errstate(all="ignore"):
            tr = network.trace(x, y)
    finally:
        view[idx] = old
    return float(tr.loss), tr.output.copy()


def _entry(network: Network, param_name: str, index) -> tuple[np.ndarray, tuple[int, ...]]:
    slices = network.param_slices()
    if param_name not in slices:
        raise ConfigError(f"this network has no parameter named {param_name!r}; it has "
                          f"{', '.join(slices)}")
    s, n, shape = slices[param_name]
    idx = tuple(int(i) for i in np.atleast_1d(index))
    if len(idx) != len(shape) or not all(0 <= i < d for i, d in zip(idx, shape)):
        raise ConfigError(f"index {index!r} is outside {param_name}, whose shape is {tuple(shape)}")
    return network.params[s:s + n].reshape(shape), idx
