"""The arithmetic of one neuron, of the output layer and of one weight's update, with the
engine's own numbers and a caption in plain words for each.

Every number here is read from the step's :class:`~nnstudio.engine.trace.Trace` and the
optimizer's :meth:`~nnstudio.engine.Optimizer.preview`, never recomputed another way: for a
single sample ``dL/dz`` of a neuron *is* its bias gradient, and ``dL/dw = dL/dz x input`` is
the very float32 product the engine formed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.errors import ConfigError
from nnstudio.explain.numbers import decimals_to_tell_apart, fixed, num, percent, signed, term

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


# ------------------------------------------------------------------ names
def neuron_label(walk: StepWalk, layer_index: int, j: int) -> str:
    """``"dense_1 neuron 3"`` (neurons counted from 1 in words)."""
    return f"{walk.trace.layers[layer_index].name} neuron {j + 1}"


def input_names(walk: StepWalk, layer_index: int) -> list[str]:
    """Names of a layer's inputs: the features for the first layer, else the neurons below
    (a dropout layer passes its input's names on)."""
    below = layer_index - 1
    while below >= 0 and walk.trace.layers[below].kind != "Dense":
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


# ------------------------------------------------------------------ backward and update
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
        # Decimals enough to show p - y itself to two digits (0.99927 - 1, not 1.00 - 1).
        d = min(6, -math.floor(math.log10(abs(p - y))) + 1) if p != y else 2
        return (f"at the output, {label}'s dL/dz = p - y (its answer minus the right answer) = "
                f"{fixed(p, d) if abs(p - y) < 0.01 else num(p)} - {num(y)} = {num(dz)}.")
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


def chance_of(walk: StepWalk, probabilities: np.ndarray, k: int) -> str:
    """``"'setosa' (27 %)"``."""
    name = walk.class_names[k] if k < len(walk.class_names) else str(k)
    return f"{name!r} ({percent(probabilities[k])})"
