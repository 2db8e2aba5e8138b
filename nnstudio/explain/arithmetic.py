"""The forward arithmetic of one neuron and of the output layer, with the engine's own
numbers and a caption in plain words for each (a weight's chain rule and update: see
:mod:`nnstudio.explain.chain`).

Every number here is read from the step's :class:`~nnstudio.engine.trace.Trace` and the
weights before the step, never recomputed another way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.errors import ConfigError
from nnstudio.explain.numbers import num, percent, term

if TYPE_CHECKING:
    from nnstudio.explain.walk import StepWalk

#: Up to this many inputs a neuron's caption lists every product; above, the largest ones.
ALL_TERMS = 6


@dataclass
class NeuronMath:
    """One neuron's forward arithmetic: ``z = sum(inputs x weights) + bias``, ``a = f(z)``.

    Attributes
    ----------
    layer_index, neuron : int
        Index into ``network.layers`` and of the neuron in it (from 0).
    layer_name : str
    input_names : list of str
        What each input is: a feature name, or a neuron of the layer below.
    inputs, weights, products : ndarray of shape (n_inputs,)
        The layer's input, this neuron's column of ``W`` and their products (float32).
    bias, z, a : float
    activation : str
        Display name (``"ReLU"``).
    caption : str
        The arithmetic in words: ``"0.52 x 1.30 + (-0.81) x 0.20 + 0.10 = 0.61 -> ReLU -> 0.61"``.
    """

    layer_index: int
    layer_name: str
    neuron: int
    input_names: list[str]
    inputs: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    bias: float
    z: float
    activation: str
    a: float
    caption: str


@dataclass
class OutputMath:
    """How the output layer turns its weighted sums into the answer.

    ``kind`` is ``"softmax"`` (``exp`` holds ``e^(z - shift)``, ``total`` their sum),
    ``"sigmoid"`` (``1 / (1 + e^-z)``) or ``"identity"`` (a number, for regression; then
    ``real`` is the prediction in the target's own units). ``probabilities`` has one entry
    per class (for one sigmoid neuron: ``[1 - p, p]``).
    """

    kind: str
    z: np.ndarray
    exp: np.ndarray | None
    shift: float
    total: float | None
    output: np.ndarray
    probabilities: np.ndarray | None
    real: np.ndarray | None
    caption: str


# ------------------------------------------------------------------ names
def neuron_label(walk: StepWalk, layer_index: int, j: int) -> str:
    """``"dense_1 neuron 3"`` (neurons counted from 1 in words); a picture layer's values are
    ``"conv2d_1 map 2 (row 3, column 4)"``, a Flatten's ``"flatten_1 value 7"``."""
    lt = walk.trace.layers[layer_index]
    shape = np.shape(lt.output)
    if len(shape) == 3:
        rest, m = divmod(int(j), int(shape[2]))
        r, c = divmod(rest, int(shape[1]))
        return f"{lt.name} map {m + 1} (row {r + 1}, column {c + 1})"
    if lt.kind == "Flatten":
        return f"{lt.name} value {j + 1}"
    return f"{lt.name} neuron {j + 1}"


def input_names(walk: StepWalk, layer_index: int) -> list[str]:
    """Names of a layer's inputs: the features for the first layer, else the neurons (or map
    values) below (a dropout, flatten or rescaling layer passes its input's names on)."""
    below = layer_index - 1
    # Layers that keep each value in its place pass its name on (Flatten keeps the order:
    # the pixels' names, or "conv2d_1 map 2 (row 3, column 4)").
    while below >= 0 and walk.trace.layers[below].kind in ("Dropout", "Flatten", "Rescaling"):
        below -= 1
    n = walk.trace.layers[layer_index].input.size
    if below < 0:
        return list(walk.feature_names[:n])
    return [neuron_label(walk, below, k) for k in range(n)]


def _dense(walk: StepWalk, layer_index: int):
    if not 0 <= layer_index < len(walk.trace.layers):
        raise ConfigError(f"layer_index must be 0..{len(walk.trace.layers) - 1}, got {layer_index}")
    lt = walk.trace.layers[layer_index]
    if lt.kind != "Dense":
        raise ConfigError(f"layer {lt.name} is a {lt.kind} layer: it has no neurons with weights")
    return lt


# ------------------------------------------------------------------ forward
def neuron_math(walk: StepWalk, layer_index: int, j: int) -> NeuronMath:
    """The forward arithmetic of neuron ``j`` of layer ``layer_index`` (see :class:`NeuronMath`)."""
    lt = _dense(walk, layer_index)
    if not 0 <= j < lt.output.size:
        raise ConfigError(f"neuron must be 0..{lt.output.size - 1} in layer {lt.name}, got {j}")
    W = walk.weights_before[f"{lt.name}/W"]
    b = walk.weights_before[f"{lt.name}/b"]
    x = lt.input.reshape(-1).copy()
    w = W[:, j].copy()
    products = x * w
    assert lt.weighted_sum is not None  # a Dense layer has one
    z, a = float(lt.weighted_sum[j]), float(lt.output[j])
    act = walk.activation_names[layer_index]
    if walk.activation_keys[layer_index] == "softmax":
        tail = f"-> softmax (over all {lt.output.size} outputs, see the output step) -> {num(a)}"
    else:
        tail = f"-> {act} -> {num(a)}"
    caption = f"{neuron_label(walk, layer_index, j)}: {sum_text(w, x, float(b[j]))} = {num(z)} {tail}"
    return NeuronMath(layer_index, lt.name, j, input_names(walk, layer_index), x, w, products,
                      float(b[j]), z, act, a, caption)


def sum_text(weights: np.ndarray, inputs: np.ndarray, bias: float, bias_term: bool = True) -> str:
    """``0.52 x 1.30 + (-0.81) x 0.20 + 0.10`` (weight x input, then the bias). With more
    than :data:`ALL_TERMS` inputs: the largest products, and the others summed into one
    term (``+ 780 more products: 0.12``)."""
    products = weights * inputs
    n = len(products)
    if n <= ALL_TERMS:
        shown = list(range(n))
    else:
        shown = sorted(np.argsort(-np.abs(products), kind="stable")[:ALL_TERMS - 2].tolist())
    parts = [f"{term(weights[i])} x {term(inputs[i])}" for i in shown]
    if len(shown) < n:
        rest = float(np.sum(products, dtype=np.float64) - np.sum(products[shown], dtype=np.float64))
        parts.append(f"({n - len(shown)} more products: {num(rest)})")
    if bias_term:
        parts.append(term(bias))
    return " + ".join(parts)


# ------------------------------------------------------------------ output
def output_math(walk: StepWalk) -> OutputMath:
    """The output layer's last step: softmax, sigmoid or the number itself."""
    last = len(walk.trace.layers) - 1
    lt = walk.trace.layers[last]
    assert lt.weighted_sum is not None  # the output layer is Dense
    z = lt.weighted_sum.astype(np.float64)
    out = lt.output.copy()
    key = walk.activation_keys[last]
    if key == "softmax":
        # Shifted by the largest z, as the engine does, only when e^z would be unwieldy.
        shift = float(z.max()) if z.max() > 20 else 0.0
        e = np.exp(z - shift)
        total = float(e.sum())
        zs = ", ".join(num(v) for v in z[:8])
        es = ", ".join(num(v) for v in e[:8])
        ps = ", ".join(num(v) for v in out[:8])
        more = " ..." if len(z) > 8 else ""
        shifted = f" (each z less the largest, {num(shift)}, which changes nothing but keeps " \
                  "the numbers small)" if shift else ""
        caption = (f"Softmax turns the weighted sums z = [{zs}{more}] into probabilities: e to the "
                   f"power of each{shifted} gives [{es}{more}], which add up to {num(total)}; each "
                   f"divided by that sum gives [{ps}{more}], and these add up to 1.")
        return OutputMath("softmax", z, e, shift, total, out, out.astype(np.float64), None, caption)
    if key == "sigmoid" and walk.task == "classification":
        p = float(out[0])
        probs = np.array([1 - p, p]) if len(out) == 1 else out.astype(np.float64)
        names = walk.class_names
        yes = names[1] if len(names) > 1 else "yes"
        no = names[0] if names else "no"
        caption = (f"The sigmoid squashes z = {num(z[0])} into a probability: 1 / (1 + e^-z) = "
                   f"1 / (1 + e^{term(-z[0])}) = {num(p)}, the chance of {yes!r}; the chance of "
                   f"{no!r} is 1 - {num(p)} = {num(1 - p)}.")
        return OutputMath("sigmoid", z, None, 0.0, None, out, probs, None, caption)
    real = walk.real_units(out)
    act = walk.activation_names[last]
    how = "is z itself" if key == "linear" else f"is {act}(z)"
    parts = []
    for k in range(len(out)):
        text = num(out[k])
        if walk.target_scaling is not None:
            t_shift, t_scale = walk.target_scaling
            text += (f" (in the target's own units {num(out[k])} x {num(t_scale[k])} + "
                     f"{term(t_shift[k])} = {num(real[k])})")
        parts.append(text)
    caption = f"The prediction {how}: {parts[0]}." if len(parts) == 1 else \
        f"Each output {how}: " + "; ".join(f"output {k + 1}: {p}" for k, p in enumerate(parts)) + "."
    if walk.target_scaling is not None:
        caption += " The network works in standardised units, and its answer is turned back."
    return OutputMath("identity", z, None, 0.0, None, out, None, real, caption)


def chance_of(walk: StepWalk, probabilities: np.ndarray, k: int) -> str:
    """``"'setosa' (27 %)"``."""
    name = walk.class_names[k] if k < len(walk.class_names) else str(k)
    return f"{name!r} ({percent(probabilities[k])})"
