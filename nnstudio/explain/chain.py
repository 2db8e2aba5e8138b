"""The chain rule and the update of one weight, with the engine's own numbers.

For a single sample ``dL/dz`` of a neuron *is* its bias gradient, and ``dL/dw = dL/dz x
input`` is the very float32 product the engine formed; the update is the optimizer's
:meth:`~nnstudio.engine.Optimizer.preview`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.errors import ConfigError
from nnstudio.explain.arithmetic import input_names, neuron_label, sum_text
from nnstudio.explain.numbers import decimals_to_tell_apart, fixed, num, signed, term

if TYPE_CHECKING:
    from nnstudio.explain.walk import StepWalk


@dataclass
class WeightMath:
    """The chain rule and the update of one parameter entry, with numbers.

    Attributes
    ----------
    param_name : str
        ``"dense_1/W"`` or ``"dense_1/b"``.
    index : tuple of int
        ``(i, j)`` into W (input i -> neuron j) or ``(j,)`` into b.
    source, target : str
        What the weight connects, in words (``"x1"`` -> ``"dense_1 neuron 3"``); a bias has
        ``"1 (the bias input)"`` as its source.
    input : float
        The value that the weight multiplies (1 for a bias).
    dz : float
        dL/dz of the neuron the weight feeds (its bias gradient).
    gradient : float
        dL/dw = dz x input, as the engine computed it (float32).
    l2 : float
        The L2 penalty's part of the gradient (weight_decay x w; 0 for biases).
    before, update, after : float
        ``after = before - update`` exactly (float32).
    trainable : bool
        False in a frozen layer: the gradient is shown, the weight never changes.
    step_size, m_hat, v_hat : float or None
        Adam only: its effective learning rate ``lr / (sqrt(v_hat) + eps)`` and averages.
    chain_caption, update_caption, why_caption : str
        ``caption`` is all three joined.
    """

    param_name: str
    index: tuple[int, ...]
    source: str
    target: str
    input: float
    dz: float
    gradient: float
    l2: float
    before: float
    update: float
    after: float
    trainable: bool
    step_size: float | None
    m_hat: float | None
    v_hat: float | None
    chain_caption: str
    update_caption: str
    why_caption: str

    @property
    def caption(self) -> str:
        return " ".join(t for t in (self.chain_caption, self.update_caption, self.why_caption) if t)


def weight_math(walk: StepWalk, param_name: str, index) -> WeightMath:
    """The chain rule and the update of ``param_name[index]`` (see :class:`WeightMath`)."""
    if param_name not in walk.weights_before:
        raise ConfigError(f"this network has no parameter named {param_name!r}; it has "
                          f"{', '.join(walk.weights_before)}")
    layer_name, kind = param_name.rsplit("/", 1)
    layer_index = next(i for i, lt in enumerate(walk.trace.layers) if lt.name == layer_name)
    values = walk.weights_before[param_name]
    idx = tuple(int(i) for i in np.atleast_1d(index))
    if len(idx) != values.ndim or not all(0 <= i < n for i, n in zip(idx, values.shape)):
        raise ConfigError(f"index {index!r} is outside {param_name}, whose shape is {values.shape}")
    lt = walk.trace.layers[layer_index]
    j = idx[-1]
    dz = float(walk.trace.gradients[f"{layer_name}/b"][j])
    target = neuron_label(walk, layer_index, j)
    if kind == "W":
        x = float(lt.input.reshape(-1)[idx[0]])
        source = input_names(walk, layer_index)[idx[0]]
    else:
        x, source = 1.0, "1 (the bias input)"
    gradient = float(walk.trace.gradients[param_name][idx])
    entry = walk.preview[param_name]
    before = float(values[idx])
    update = float(entry["update"][idx])
    after = float(entry["params_after"][idx])
    trainable = bool(entry["trainable"])
    total = float(entry["gradient"][idx]) if trainable else gradient
    l2 = total - gradient if kind == "W" and walk.weight_decay else 0.0
    adam = {k: float(entry[k][idx]) for k in ("step_size", "m_hat", "v_hat") if k in entry}
    what = "w" if kind == "W" else "b"
    origin = dz_origin(walk, layer_index, j)
    if kind == "W":
        chain = (f"Chain rule for the weight from {source} to {target}: {origin} So dL/d{what} = "
                 f"dL/dz x input = {term(dz)} x {term(x)} = {num(gradient)}.")
    else:
        chain = (f"Chain rule for the bias of {target}: {origin} A bias's input is always 1, so "
                 f"dL/db = dL/dz = {num(gradient)}.")
    upd, why = _update_text(walk, what, before, after, update, gradient, l2, trainable, adam)
    return WeightMath(param_name, idx, source, target, x, dz, gradient, l2, before, update, after,
                      trainable, adam.get("step_size"), adam.get("m_hat"), adam.get("v_hat"),
                      chain, upd, why)


def _answer_near(p: float, y: float) -> str:
    """``p`` written so that ``p - y`` can be worked out from the text to two digits:
    ``0.99927`` (not ``1.00``) next to 1; ``7.4e-13`` next to 0; ``(1 - 1.2e-07)`` when more
    than 6 decimals would be needed (``0.000000 - 0 = 7.4e-13`` did not add up on paper)."""
    if p == y or abs(p - y) >= 0.01 or y == 0:
        return num(p)
    d = -math.floor(math.log10(abs(p - y))) + 1
    if d <= 6:
        return fixed(p, d)
    return f"({num(y)} {'+' if p > y else '-'} {num(abs(p - y))})"


def dz_origin(walk: StepWalk, layer_index: int, j: int) -> str:
    """Where neuron ``j``'s dL/dz comes from, in words and numbers: ``p - y`` at a softmax or
    sigmoid output, the error's slope at an MSE output, and for a hidden neuron what it sent
    on (each next neuron's dL/dz times the weight to it, summed) times its activation's slope."""
    lt = walk.trace.layers[layer_index]
    label = neuron_label(walk, layer_index, j)
    dz = float(walk.trace.gradients[f"{lt.name}/b"][j])
    last = layer_index == len(walk.trace.layers) - 1
    key = walk.activation_keys[layer_index]
    if last and walk.fused:
        p = float(lt.output[j])
        y = walk.target_vector()[j]
        return (f"at the output, {label}'s dL/dz = p - y (its answer minus the right answer) = "
                f"{_answer_near(p, y)} - {num(y)} = {num(dz)}.")
    da = float(lt.grad_output[j])
    slope = _slope(key or "linear", float(lt.output[j]), walk.leaky_alpha(layer_index))
    act = walk.activation_names[layer_index]
    if last:
        n = len(lt.output)
        per = f" / {n}" if n > 1 else ""
        y = walk.target_vector()[j]
        head = (f"at the output, dL/dprediction = 2 x (prediction - target){per} = 2 x "
                f"({num(lt.output[j])} - {term(y)}){per} = {num(da)}")
    else:
        head = f"{label}'s dL/da = {_sent_on(walk, layer_index, j, da)}"
    if key in (None, "linear"):
        return f"{head}, and a linear neuron passes it on unchanged: dL/dz = {num(dz)}."
    return f"{head}; times the slope of {act} at z, {num(slope)}, gives dL/dz = {num(dz)}."


def _sent_on(walk: StepWalk, layer_index: int, j: int, da: float) -> str:
    """``0.42 x 0.52 + (-0.30) x 0.10 = 0.19``: the next Dense layer's dL/dz times the
    weights from neuron ``j`` (through a dropout layer that was off), or words when that
    would not add up (dropout on)."""
    nxt = layer_index + 1
    layers = walk.trace.layers
    while nxt < len(layers) and layers[nxt].kind != "Dense":
        if layers[nxt].mask is not None:
            return (f"{num(da)} (what it sent on through the dropout mask, each next neuron's "
                    "dL/dz times the weight to it, summed)")
        nxt += 1
    if nxt >= len(layers):
        return num(da)
    name = layers[nxt].name
    w = walk.weights_before[f"{name}/W"][j]
    dz_next = walk.trace.gradients[f"{name}/b"]
    return (f"the sum, over the neurons of {name} it feeds, of their dL/dz x the weight to them "
            f"= {sum_text(dz_next, w, 0.0, bias_term=False)} = {num(da)}")


def _slope(key: str, a: float, alpha: float) -> float:
    if key == "relu":
        return 1.0 if a > 0 else 0.0
    if key == "leaky_relu":
        return 1.0 if a > 0 else alpha
    if key == "sigmoid":
        return a * (1 - a)
    if key == "tanh":
        return 1 - a * a
    return 1.0


def _update_text(walk: StepWalk, what: str, before: float, after: float, update: float,
                 gradient: float, l2: float, trainable: bool, adam: dict) -> tuple[str, str]:
    if not trainable:
        return (f"This layer is frozen: {what} stays {num(before)}.", "")
    # Enough decimals to see the weight move, and to show the move itself to two digits.
    shown = -math.floor(math.log10(abs(update))) + 1 if update else 2
    d = max(decimals_to_tell_apart(before, after), min(6, shown))
    lr = walk.learning_rate
    b, a = fixed(before, d), fixed(after, d)
    g = gradient + l2
    l2_text = f" (with the L2 penalty {num(walk.weight_decay)} x {num(before)} = {num(l2)} added)" \
        if l2 else ""
    if walk.optimizer_kind == "SGD" and not walk.momentum:
        return (f"Update{l2_text}: {what} = {what} - learning rate x gradient = {b} - {lr:g} x "
                f"{term(g)} = {a}.", "")
    plain_change, change = -lr * g, -update
    if walk.optimizer_kind == "SGD":
        v = update / lr
        return (f"Update with momentum {walk.momentum:g}{l2_text}: the velocity v = momentum x v + "
                f"gradient = {num(v)}, and {what} = {b} - {lr:g} x {term(v)} = {a}.",
                f"Plain SGD would change it by -lr x gradient = -{lr:g} x {term(g)} = "
                f"{signed(plain_change)}; momentum keeps part of the earlier steps' direction, so "
                f"it changed by {signed(change)}.")
    step = adam.get("step_size", math.nan)
    m_hat = adam.get("m_hat", math.nan)
    v_hat = adam.get("v_hat", math.nan)
    text = (f"Adam's update{l2_text}: {what} = {what} - lr / (sqrt(v_hat) + eps) x m_hat = "
            f"{b} - {lr:g} / (sqrt({num(v_hat)}) + {walk.epsilon:g}) x {term(m_hat)} = {b} - "
            f"{num(step)} x {term(m_hat)} = {a}.")
    why = (f"Plain gradient descent would change it by -lr x gradient = -{lr:g} x {term(g)} = "
           f"{signed(plain_change)}; Adam changed it by {signed(change)}. Adam divides by the "
           f"running size of this weight's gradients (sqrt(v_hat) = "
           f"{num(math.sqrt(v_hat)) if v_hat >= 0 else '?'}) and follows their running average "
           "m_hat rather than this one gradient, so each weight moves by roughly the learning "
           "rate, whatever the size of its gradient.")
    if plain_change * change < 0:
        why += (f" Here it even went the other way: m_hat = {num(m_hat)} still points where the "
                "earlier samples pushed this weight.")
    return text, why
