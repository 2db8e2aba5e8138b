"""The six stages of a step in plain words, each with the step's own numbers."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nnstudio.explain.arithmetic import chance_of, output_math
from nnstudio.explain.chain import dz_origin
from nnstudio.explain.numbers import decimals_to_tell_apart, fixed, log_argument, num, plain, term

if TYPE_CHECKING:
    from nnstudio.explain.walk import Stage, StepWalk

#: Up to this many features the input caption names every one.
ALL_FEATURES = 8


def featured_weight(walk: StepWalk) -> tuple[str, tuple[int, ...]]:
    """The trainable Dense weight (a W entry) with the largest gradient, the captions'
    example; any such weight when every layer is frozen."""
    best: tuple[float, str, tuple[int, ...]] | None = None
    for name, g in walk.trace.gradients.items():
        if not name.endswith("/W") or g.size == 0 or g.ndim != 2:  # a Dense layer's (conv
            # kernels have their own view: a clicked pixel of a map, explain/conv_math.py)
            continue
        trainable = walk.preview[name]["trainable"]
        idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(np.abs(g))), g.shape))
        score = (1.0 if trainable else 0.0, abs(float(g[idx])))
        if best is None or score > best[0]:  # type: ignore[operator]
            best = (score, name, idx)  # type: ignore[assignment]
    if best is None:
        return "", ()
    return best[1], best[2]


def build_stages(walk: StepWalk) -> list[Stage]:
    from nnstudio.explain.walk import Stage

    return [Stage("input", "1. Input", input_caption(walk)),
            Stage("layers", "2. Through each layer", layers_caption(walk)),
            Stage("output", "3. Output", output_caption(walk)),
            Stage("loss", "4. Loss", loss_caption(walk)),
            Stage("backward", "5. Backward", backward_caption(walk)),
            Stage("update", "6. Update", update_caption(walk))]


def _sample_name(walk: StepWalk) -> str:
    return f"Training row {walk.sample_index}" if walk.sample_index is not None else "The sample"


def input_caption(walk: StepWalk) -> str:
    n = walk.x.size
    names = walk.feature_names
    raw = walk.x_raw
    scaled = raw is not None and not np.allclose(raw, walk.x, rtol=0, atol=1e-6)
    if n <= ALL_FEATURES:
        parts = []
        for i in range(n):
            value = f"{plain(raw[i])} (scaled to {num(walk.x[i])})" if scaled and raw is not None \
                else num(walk.x[i])
            parts.append(f"{names[i]} = {value}")
        values = ", ".join(parts)
        text = f"{_sample_name(walk)} goes in, one value per input neuron: {values}."
    elif walk.trace.layers and np.ndim(walk.trace.layers[0].input) == 3:  # a picture
        from nnstudio.engine.layers import describe_shape

        h, w, c = np.shape(walk.trace.layers[0].input)
        nonzero = int(np.count_nonzero(walk.x))
        what = "grey picture" if c == 1 else "colour picture" if c == 3 else describe_shape((h, w, c))
        text = (f"{_sample_name(walk)} goes in as a {h}x{w} {what}: {n:,} pixel values "
                f"({nonzero:,} of them not 0; from {num(walk.x.min())} to {num(walk.x.max())}).")
    else:
        nonzero = int(np.count_nonzero(walk.x))
        text = (f"{_sample_name(walk)} goes in as {n} values, one per input neuron "
                f"({nonzero} of them not 0; from {num(walk.x.min())} to {num(walk.x.max())}).")
    if scaled:
        text += " The network sees each value standardised: minus the column's mean, divided by its spread."
    if walk.task == "classification":
        text += f" Its true class is {walk.label_name!r}."
    else:
        y = np.asarray(walk.y, dtype=np.float64).reshape(-1)
        text += f" Its true value{' is' if y.size == 1 else 's are'} {', '.join(plain(v) for v in y)}."
    return text


#: What each picture layer does, for the "through each layer" caption.
PICTURE_WORDS = {
    "Conv2D": "slides each of its filters over {inp} and makes {out} ({act})",
    "MaxPool2D": "keeps the largest value of each window: {inp} become {out}",
    "Flatten": "lays {inp} out as one list of {out}",
    "Rescaling": "multiplies every value of {inp} by a fixed number (1/255 turns pixels of "
                 "0 to 255 into 0 to 1)",
}


def picture_layer_line(walk: StepWalk, i: int) -> str:
    """One line on a picture layer of the step: ``"conv2d_1 (Conv2D) slides each of its
    filters over 1 map of 28x28 and makes 16 maps of 26x26 (ReLU)."``"""
    from nnstudio.engine.layers import describe_shape

    lt = walk.trace.layers[i]
    words = PICTURE_WORDS[lt.kind].format(inp=describe_shape(lt.input.shape),
                                          out=describe_shape(lt.output.shape),
                                          act=walk.activation_names[i])
    return f"{lt.name} ({lt.kind}) {words}."


def layers_caption(walk: StepWalk) -> str:
    lines = []
    for i, lt in enumerate(walk.trace.layers):
        if lt.kind in PICTURE_WORDS:
            lines.append(picture_layer_line(walk, i))
            continue
        if lt.kind != "Dense":
            mask = "" if lt.mask is None else (
                f" ({int(np.count_nonzero(lt.mask == 0))} of {lt.mask.size} switched off this time)")
            lines.append(f"{lt.name} ({lt.kind}) passes its {lt.input.size} values on{mask}.")
            continue
        n = lt.output.size
        act = walk.activation_names[i]
        head = f"{lt.name} ({n} neuron{'s' if n != 1 else ''}, {act}"
        head += ", frozen)" if lt.frozen else ")"
        example = walk.neuron(i, example_neuron(walk, i)).caption
        how = "each neuron multiplies every input by its weight, adds them up with its bias " \
              f"(z) and applies {act} (a)"
        extra = ""
        if walk.activation_keys[i] == "relu":
            active = int(np.count_nonzero(lt.output > 0))
            extra = f" {active} of {n} neurons fire (a > 0) for this sample." if n > 1 else \
                f" The neuron {'fires' if active else 'does not fire'} (a {'>' if active else '='} 0)."
        if i == len(walk.trace.layers) - 1 and walk.activation_keys[i] in ("softmax", "sigmoid"):
            how = ("each neuron adds up its weighted inputs and bias (z); the output step turns "
                   "them into probabilities")
        lines.append(f"{head}: {how}. For example {example}.{extra}")
    return "\n".join(lines)


def example_neuron(walk: StepWalk, layer_index: int) -> int:
    """The neuron a layer's caption works through: the true class's at a softmax output,
    else the most active one (its arithmetic shows a neuron at work)."""
    lt = walk.trace.layers[layer_index]
    if layer_index == len(walk.trace.layers) - 1 and walk.task == "classification" \
            and lt.output.size > 1:
        return int(np.asarray(walk.y).reshape(-1)[0])
    return int(np.argmax(lt.output))


def output_caption(walk: StepWalk) -> str:
    om = output_math(walk)
    text = om.caption
    if om.probabilities is not None:
        p = om.probabilities
        guess = int(np.argmax(p))
        true = int(np.asarray(walk.y).reshape(-1)[0])
        if guess == true:
            text += f" The network's answer is {chance_of(walk, p, guess)}, the true class: right."
        else:
            text += (f" The network's answer is {chance_of(walk, p, guess)}; the true class is "
                     f"{chance_of(walk, p, true)}, so it is wrong.")
    return text


def loss_caption(walk: StepWalk) -> str:
    loss = walk.loss
    om = output_math(walk)
    if walk.loss_key == "categorical_crossentropy":
        true = int(np.asarray(walk.y).reshape(-1)[0])
        p = float(walk.trace.output[true])
        return (f"Cross-entropy: -log(the probability of the true class {walk.label_name!r}) = "
                f"-log({log_argument(p, loss)}) = {num(loss)}; a perfect answer would give -log(1) "
                "= 0, and the less probability the true class gets, the larger the loss.")
    if walk.loss_key == "binary_crossentropy" and walk.trace.output.size == 1:
        p = float(walk.trace.output[0])
        true = int(np.asarray(walk.y).reshape(-1)[0])
        if true == 1:
            calc = f"-log(p) = -log({log_argument(p, loss)}) = {num(loss)}"
        else:
            q = log_argument(1 - p, loss)
            shown = fixed(p, len(q.split(".")[1])) if "." in q else num(p)
            calc = f"-log(1 - p) = -log(1 - {shown}) = -log({q}) = {num(loss)}"
        return (f"Binary cross-entropy for the true class {walk.label_name!r}: {calc}; a perfect "
                "answer would give -log(1) = 0.")
    if walk.loss_key == "binary_crossentropy":
        return (f"Binary cross-entropy, averaged over the {walk.trace.output.size} outputs: "
                f"{num(loss)}; a perfect answer would give 0.")
    y = walk.target_vector()
    out = om.output.astype(np.float64)
    units = ""
    if walk.target_scaling is not None:
        real = np.asarray(walk.y, dtype=np.float64).reshape(-1)
        if real.size == 1:
            units = (f" (in standardised units, as training measures it: the true value "
                     f"{plain(real[0])} is {num(y[0])} there)")
        else:
            units = (f" (in standardised units, as training measures it: the true values "
                     f"{', '.join(plain(v) for v in real)} are {', '.join(num(v) for v in y)} there)")
    if out.size == 1:
        calc = f"(prediction - target)^2 = ({num(out[0])} - {term(y[0])})^2 = {num(loss)}"
    else:
        calc = f"the mean of (prediction - target)^2 over the {out.size} outputs = {num(loss)}"
    return (f"Mean squared error: {calc}{units}; a perfect prediction would give 0, and an "
            "error twice as large costs four times as much.")


def backward_caption(walk: StepWalk) -> str:
    layers = walk.trace.layers
    last = len(layers) - 1
    out = layers[last]
    dz_out = walk.trace.gradients[f"{out.name}/b"]
    lines = ["The backward pass asks, for every weight, how the loss would change if that weight "
             "grew a little: its gradient dL/dw. It starts at the output and works back."]
    if walk.fused and dz_out.size > 1:
        y = walk.target_vector()
        lines.append(f"At the output, dL/dz = p - y, the probabilities minus the right answer (1 for "
                     f"{walk.label_name!r}, 0 for the others): {_vec(out.output)} - {_vec(y)} = "
                     f"{_vec(dz_out)}.")
    else:
        lines.append(dz_origin(walk, last, 0)[0].upper() + dz_origin(walk, last, 0)[1:])
    for i in range(last - 1, -1, -1):
        lt = layers[i]
        if lt.kind != "Dense":
            continue
        dz = walk.trace.gradients[f"{lt.name}/b"]
        silent = int(np.count_nonzero(dz == 0))
        quiet = f" ({silent} of {dz.size} are 0: a neuron that did not fire passes nothing back)" \
            if silent and walk.activation_keys[i] == "relu" else ""
        lines.append(f"{lt.name}: each neuron's dL/dz is what it sent on, times the slope of its "
                     f"activation: {_vec(dz)}{quiet}.")
    name, idx = walk.featured
    if name:
        lines.append("For example, the " + walk.weight_chain(name, idx).chain_caption[0].lower()
                     + walk.weight_chain(name, idx).chain_caption[1:])
    frozen = sorted({n.rsplit("/", 1)[0] for n in walk.trace.frozen})
    if frozen:
        lines.append(f"Frozen layers ({', '.join(frozen)}) get gradients too, but they will not change.")
    return "\n".join(lines)


def _vec(values) -> str:
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    more = f", ... {flat.size - 8} more" if flat.size > 8 else ""
    return "[" + ", ".join(num(v) for v in flat[:8]) + more + "]"


def update_caption(walk: StepWalk) -> str:
    name, idx = walk.featured
    opt = walk.optimizer_kind
    text = f"{opt} changes every trainable weight with the learning rate {walk.learning_rate:g}."
    if name:
        wm = walk.weight_chain(name, idx)
        text += f" For the weight from {wm.source} to {wm.target}: {wm.update_caption}"
        if wm.why_caption:
            text += " " + wm.why_caption
    moved = [float(np.max(np.abs(e["update"]))) for e in walk.preview.values() if e["update"].size]
    if moved:
        text += f" The largest change of any weight is {num(max(moved))}."
    before, after = walk.loss, walk.loss_after
    if after < before:
        verb = "fell"
    elif after > before:
        verb = "rose"
    else:
        verb = "stayed the same:"
    text += f" This sample's loss {verb} from {num(before)} to {num(after)} after the update."
    if walk.task == "classification":
        true = int(np.asarray(walk.y).reshape(-1)[0])
        p0 = walk.probabilities
        p1 = _probabilities(walk, walk.output_after)
        if p0 is not None and p1 is not None:
            d = decimals_to_tell_apart(p0[true], p1[true], most=6)
            text += (f" The true class's probability went from {fixed(p0[true], d)} to "
                     f"{fixed(p1[true], d)}.")
    return text


def _probabilities(walk: StepWalk, out: np.ndarray) -> np.ndarray | None:
    out = np.asarray(out, dtype=np.float64)
    if walk.task != "classification":
        return None
    if out.size == 1:
        return np.array([1 - out[0], out[0]])
    return out
