"""One training step on one sample, worked out with the engine's own numbers: the data behind
the magnifying glass and ``nnstudio step``.

:func:`walk_step` traces the sample (:meth:`Network.trace`), previews the optimizer's update
(:meth:`Optimizer.preview`) and measures the same sample's loss after it, all without
changing the network or the optimizer. :func:`~nnstudio.explain.apply.apply_step` then
really makes that update.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.errors import ConfigError
from nnstudio.explain import arithmetic, chain

if TYPE_CHECKING:
    from nnstudio.engine import Network, Optimizer
    from nnstudio.engine.trace import Trace

STAGE_KEYS = ("input", "layers", "output", "loss", "backward", "update")


@dataclass
class Stage:
    """One of the six stages: ``key`` (one of :data:`STAGE_KEYS`), a short ``title`` and a
    ``caption`` in plain words with the step's numbers."""

    key: str
    title: str
    caption: str


@dataclass
class StepWalk:
    """One sample through one training step.

    Attributes
    ----------
    x : ndarray of shape (n_inputs,)
        The sample as the network sees it (scaled), float32.
    x_raw : ndarray of shape (n_inputs,) or None
        The same sample in the data's own units.
    y : int or ndarray
        The true class number (classification) or the target values in their own units
        (regression, shape (n_outputs,)).
    sample_index : int or None
        Its row in the training part.
    feature_names, class_names : list of str
    task : {"classification", "regression"}
    trace : Trace
        Every intermediate of the step (the engine's own :meth:`Network.trace`).
    preview : dict of str to dict
        :meth:`Optimizer.preview` of the update this sample's gradients make.
    weights_before : dict of str to ndarray
        Copies of every parameter before the step, named as in the project file.
    optimizer_kind : str
        ``"SGD"`` or ``"Adam"``; with ``optimizer_config`` (its settings) and ``iterations``
        (steps it had made before this one).
    learning_rate : float
    loss, loss_after : float
        This sample's loss before and after the update (scaled units for regression with
        target scaling: those training works in).
    output_after : ndarray of shape (n_outputs,)
    stages : list of Stage
        The six stages, in order.
    featured : tuple of (str, tuple of int)
        The weight the captions use as their example (the trainable weight with the largest
        gradient).
    notes : list of str
        What the walk left out or assumed (dropout off, a saved optimizer state not used...).
    """

    x: np.ndarray
    x_raw: np.ndarray | None
    y: int | np.ndarray
    sample_index: int | None
    feature_names: list[str]
    class_names: list[str]
    task: str
    trace: Trace
    preview: dict[str, dict]
    weights_before: dict[str, np.ndarray]
    optimizer_kind: str
    optimizer_config: dict
    iterations: int
    learning_rate: float
    loss: float
    loss_after: float
    output_after: np.ndarray
    activation_keys: list[str | None]
    activation_names: list[str]
    loss_key: str
    fused: bool
    target_scaling: tuple[np.ndarray, np.ndarray] | None
    params_before: np.ndarray
    featured: tuple[str, tuple[int, ...]] = ("", ())
    stages: list[Stage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    alphas: dict[int, float] = field(default_factory=dict)
    _chains: dict = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ settings in words
    @property
    def weight_decay(self) -> float:
        return float(self.optimizer_config.get("weight_decay", 0.0))

    @property
    def momentum(self) -> float:
        return float(self.optimizer_config.get("momentum", 0.0))

    @property
    def epsilon(self) -> float:
        return float(self.optimizer_config.get("epsilon", 1e-7))

    def leaky_alpha(self, layer_index: int) -> float:
        return self.alphas.get(layer_index, 0.01)

    def stage(self, key: str) -> Stage:
        """The stage with ``key`` (one of :data:`STAGE_KEYS`)."""
        for s in self.stages:
            if s.key == key:
                return s
        raise ConfigError(f"there is no stage {key!r}; the stages are {', '.join(STAGE_KEYS)}")

    # ------------------------------------------------------------------ targets
    @property
    def label_name(self) -> str | None:
        """The true class's name (classification), else None."""
        if self.task != "classification":
            return None
        k = int(np.asarray(self.y).reshape(-1)[0])
        return self.class_names[k] if k < len(self.class_names) else str(k)

    def target_vector(self) -> np.ndarray:
        """The targets the loss compares the output with, shape (n_outputs,): one-hot for
        softmax, 0/1 for a sigmoid, scaled values for regression."""
        n = self.trace.output.size
        if self.task == "classification":
            k = int(np.asarray(self.y).reshape(-1)[0])
            if self.activation_keys[-1] == "softmax":
                return np.eye(n)[k]
            return np.array([float(k)]) if n == 1 else np.asarray(self.y, dtype=np.float64).reshape(-1)
        y = np.asarray(self.y, dtype=np.float64).reshape(-1)
        if self.target_scaling is not None:
            shift, scale = self.target_scaling
            y = (y - shift) / scale
        return y

    def real_units(self, out: np.ndarray) -> np.ndarray:
        """Network outputs in the target's own units (regression), float64."""
        out = np.asarray(out, dtype=np.float64)
        if self.target_scaling is None:
            return out
        shift, scale = self.target_scaling
        return out * scale + shift

    @property
    def probabilities(self) -> np.ndarray | None:
        """One probability per class (classification; one sigmoid gives ``[1 - p, p]``)."""
        return arithmetic.output_math(self).probabilities

    # ------------------------------------------------------------------ the arithmetic
    def neuron(self, layer_index: int, j: int) -> arithmetic.NeuronMath:
        """Neuron ``j`` of ``network.layers[layer_index]``: inputs x weights + bias = z -> a."""
        return arithmetic.neuron_math(self, layer_index, j)

    def output_math(self) -> arithmetic.OutputMath:
        """The output layer's softmax, sigmoid or identity, with its arithmetic."""
        return arithmetic.output_math(self)

    def softmax_math(self) -> arithmetic.OutputMath:
        """:meth:`output_math` (kept under the name the issue uses; works for sigmoid and
        identity outputs too)."""
        return arithmetic.output_math(self)

    def weight_chain(self, param_name: str, index) -> chain.WeightMath:
        """The chain rule and the update of ``param_name[index]`` (``"dense_1/W"``, ``(i, j)``)."""
        key = (param_name, tuple(int(i) for i in np.atleast_1d(index)))
        found = self._chains.get(key)
        if found is None:  # the captions ask for the featured weight three times
            found = self._chains[key] = chain.weight_math(self, param_name, index)
        return found

    def to_dict(self) -> dict:
        """The step as JSON-ready data (see :func:`nnstudio.explain.export.walk_to_dict`)."""
        from nnstudio.explain.export import walk_to_dict

        return walk_to_dict(self)


# ------------------------------------------------------------------ building a walk
def walk_step(network: Network, optimizer: Optimizer, x, y, *, feature_names: list[str] | None = None,
              class_names: list[str] | None = None, sample_index: int | None = None, x_raw=None,
              learning_rate: float | None = None, rng: np.random.Generator | None = None) -> StepWalk:
    """Work out one training step of ``network`` on the sample ``x`` with target ``y``.

    Parameters
    ----------
    network : Network
        Left untouched (its parameters, gradients and buffers).
    optimizer : Optimizer
        Its kind, settings and state (Adam's averages, momentum) decide the update; it is
        left untouched. Attached to ``network`` or to a network with the same parameter
        names (its :meth:`~Optimizer.state_dict` is what counts), or never attached (fresh).
    x : array-like of shape network.input_shape
        The sample as the network sees it (scaled).
    y : int or array-like
        The class number, or the target value(s) in their own units (regression).
    feature_names, class_names : list of str, optional
        For the captions (``x1, x2, ...`` and ``0, 1, ...`` when not given).
    sample_index : int, optional
        Its row in the training part, for the captions.
    x_raw : array-like, optional
        The sample in the data's own units, for the captions.
    learning_rate : float, optional
        Instead of the optimizer's.
    rng : numpy Generator, optional
        Turns dropout on (the mask it draws is in the trace); without it dropout is off.

    Returns
    -------
    StepWalk

    Raises
    ------
    ConfigError
        For a sample of the wrong shape, a bad target or learning rate.
    """
    from nnstudio.engine import optimizer_from_config, optimizer_to_config
    from nnstudio.explain.captions import build_stages, featured_weight
    from nnstudio.explain.twin import twin_of

    x = np.asarray(x, dtype=network.dtype).reshape(-1)
    if x.size != network.n_inputs:
        raise ConfigError(f"the sample has {x.size} values, the network expects {network.n_inputs}")
    task = "classification" if network.loss.is_classification else "regression"
    y_kept: int | np.ndarray = int(np.asarray(y).reshape(-1)[0]) if task == "classification" \
        and np.ndim(y) == 0 else np.asarray(y)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        tr = network.trace(x, y, rng)
    # A twin of the network with this sample's gradients in its buffer, for the optimizer's
    # preview and for the loss after the update: the network itself is never written.
    slices = network.param_slices()
    shadow = optimizer_from_config(optimizer_to_config(optimizer))
    if learning_rate is not None:
        shadow.learning_rate = learning_rate
    notes: list[str] = []
    state = optimizer.state_dict()
    with twin_of(network) as twin:
        for name, (s, n, _shape) in slices.items():
            twin.grads[s:s + n] = tr.gradients[name].reshape(-1)
        shadow.attach(twin)
        if state["params"]:
            notes += shadow.load_state_dict(state)
        preview = shadow.preview()
        for name, (s, n, _shape) in slices.items():
            twin.params[s:s + n] = preview[name]["params_after"].reshape(-1)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            after = twin.trace(x, y, None)
    layers = network.layers
    keys = [getattr(getattr(layer, "activation", None), "key", None) for layer in layers]
    names = [getattr(getattr(layer, "activation", None), "display_name", layer.kind) for layer in layers]
    alphas = {i: float(getattr(getattr(layer, "activation", None), "alpha", 0.01))
              for i, layer in enumerate(layers) if keys[i] == "leaky_relu"}
    ts = network.target_scaling
    n_in = network.n_inputs
    feats = list(feature_names or [])[:n_in]
    feats += [f"x{i + 1}" for i in range(len(feats), n_in)]
    classes = list(class_names or [])
    if task == "classification" and not classes:
        classes = [str(k) for k in range(max(2, network.n_outputs))]
    if any(getattr(layer, "rate", 0) for layer in layers) and rng is None:
        notes.append("Dropout is off in this step (as when predicting), so every neuron takes part.")
    walk = StepWalk(
        x=x.copy(), x_raw=None if x_raw is None else np.asarray(x_raw, dtype=np.float64).reshape(-1),
        y=y_kept, sample_index=sample_index, feature_names=feats, class_names=classes, task=task,
        trace=tr, preview=preview, weights_before=network.get_weights(),
        optimizer_kind=type(optimizer).display_name, optimizer_config=shadow.get_config(),
        iterations=int(state["iterations"]) if state["params"] else 0,
        learning_rate=float(shadow.learning_rate), loss=float(tr.loss), loss_after=float(after.loss),
        output_after=after.output.copy(), activation_keys=keys, activation_names=names,
        loss_key=network.loss.key, fused=network.loss.fused_with is not None,
        target_scaling=None if ts is None else (ts.shift.copy(), ts.scale.copy()),
        params_before=network.params.copy(), notes=notes, alphas=alphas)
    walk.featured = featured_weight(walk)
    walk.stages = build_stages(walk)
    return walk


def walk_session_step(session, index: int, learning_rate: float | None = None) -> StepWalk:
    """:func:`walk_step` for row ``index`` of the session's training part, with the project's
    optimizer and its saved state (Adam's averages carry on as Train would continue them).

    Raises
    ------
    ConfigError
        When there is no data or network, or ``index`` is not a row of the training part
        (the message names the valid range).
    """
    network, data, raw = session.network, session.scaled_split, session.split
    if session.dataset is None or data is None or raw is None:
        raise ConfigError("This project has no data yet; choose a data set first.")
    if network is None:
        raise ConfigError("There is no network to step through; add layers that fit the data first.")
    n = len(data.train.X)
    if n == 0:
        raise ConfigError("The training part has no rows, so there is no sample to step through.")
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < n:
        raise ConfigError(f"sample must be a row of the training part, 0 to {n - 1}, got {index!r}")
    optimizer = session.make_optimizer()
    optimizer.attach(network)  # a fresh optimizer: binding it changes nothing in the network
    notes = optimizer.load_state_dict(session.project.optimizer_state)
    train = data.train
    walk = walk_step(network, optimizer, train.X[index], train.y[index],
                     feature_names=list(train.feature_names), class_names=list(train.class_names),
                     sample_index=int(index), x_raw=raw.train.X[index], learning_rate=learning_rate)
    walk.notes[:0] = notes
    return walk
