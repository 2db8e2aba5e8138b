"""One training step on one sample, with everything it computed kept: the data behind the
step-through view (every layer's input, weighted sums, activations, dropout mask, the output,
the loss and the gradient of every parameter)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class LayerTrace:
    """What one layer did for the sample (arrays without the batch axis).

    Attributes
    ----------
    name, kind : str
    input : ndarray of shape input_shape
    weighted_sum : ndarray of shape output_shape or None
        ``x @ W + b`` before the activation (Dense), None for layers without one.
    output : ndarray of shape output_shape
        The activations the layer handed on.
    mask : ndarray or None
        Dropout's keep-mask (0 or ``1 / (1 - rate)``) when dropout was on, else None.
    grad_output, grad_input : ndarray
        dL/d(output) and dL/d(input) (for the output layer of a fused loss, ``grad_output``
        is taken before the activation: ``p - y``).
    frozen : bool
    """

    name: str
    kind: str
    input: np.ndarray
    weighted_sum: np.ndarray | None
    output: np.ndarray
    mask: np.ndarray | None
    grad_output: np.ndarray
    grad_input: np.ndarray
    frozen: bool


@dataclass
class Trace:
    """A whole step on one sample: :attr:`layers` in order, the network's :attr:`output`
    (probabilities for classifiers), the :attr:`loss` and :attr:`gradients` of every
    parameter by name, with the names of frozen ones in :attr:`frozen` (their gradient is
    shown but training never applies it). With target scaling the output, loss and
    gradients are in the scaled units training works in."""

    layers: list[LayerTrace]
    output: np.ndarray
    loss: float
    gradients: dict[str, np.ndarray]
    frozen: set[str] = field(default_factory=set)


def trace(network, x: np.ndarray, y, rng: np.random.Generator | None = None) -> Trace:
    """Run one sample ``x`` (shape ``network.input_shape``) with target ``y`` forward and
    backward and keep every intermediate. Dropout is on only when ``rng`` is given. The
    network's own buffers and gradients are left untouched."""
    X = np.asarray(x, dtype=network.dtype).reshape((1, *network.input_shape))
    X = network._check_X(X)
    loss = network.loss
    Y = loss.prepare_targets(np.asarray([y]) if np.ndim(y) == 0 else np.asarray(y).reshape(1, -1),
                             network.n_outputs, network.dtype)
    if network.target_scaling is not None:
        Y = network.target_scaling.transform(Y, network.dtype)
    layers = network.layers
    dt = network.dtype
    caches = [layer.new_cache(1, dt) for layer in layers]
    outs = [np.empty((1, *layer.output_shape), dt) for layer in layers]
    for layer, cache in zip(layers, caches):
        cache.grad_in = np.empty((1, *layer.input_shape), dt)  # every layer's, even the first
    caches[-1].fused = loss.fused_with is not None
    inputs, sums = [], []
    a = X
    for layer, out, cache in zip(layers, outs, caches):
        inputs.append(a[0].copy())
        z = layer.weighted_sum(a)
        sums.append(None if z is None else z[0])
        a = layer.forward(a, out, cache, rng is not None, rng)
    p = outs[-1]
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        value = float(loss.value(p, Y))
    grads = np.zeros_like(network.params)  # a buffer of its own: frozen layers get theirs too
    slices = network.param_slices()
    g = np.empty_like(p)
    loss.gradient(p, Y, out=g)
    traces: list[LayerTrace] = []
    for i in range(len(layers) - 1, -1, -1):
        layer, cache = layers[i], caches[i]
        views = tuple(grads[s:s + n].reshape(shape) for s, n, shape in
                      (slices[f"{layer.name}/{p}"] for p in layer.param_names))
        grad_out = g[0].copy()
        g = layer.backward(g, cache, views if views else None)
        traces.append(LayerTrace(layer.name, layer.kind, inputs[i], sums[i], outs[i][0].copy(),
                                 cache.mask[0].copy() if cache.masked else None, grad_out,
                                 g[0].copy(), not layer.trainable))
    traces.reverse()
    gradients = {name: grads[s:s + n].reshape(shape).copy() for name, (s, n, shape) in slices.items()}
    frozen = {name for name in slices if not network.param_trainable(name)}
    return Trace(traces, p[0].copy(), value, gradients, frozen)
