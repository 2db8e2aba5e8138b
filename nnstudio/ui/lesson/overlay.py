"""What the canvas shows of a step at each stage (a
:class:`~nnstudio.ui.network.canvas_sample.SampleOverlay`), read from the walk's trace and
preview; the words come from :mod:`nnstudio.explain`.

- input: the input neurons hold the sample's (scaled) values;
- layers, output, loss: every layer's activations (the output's are probabilities for a
  classifier);
- backward: each neuron's gradient dL/d(its output), each connection's dL/dw;
- update: the activations again, each connection by its change (after - before).
"""
from __future__ import annotations

import html

import numpy as np

from nnstudio.errors import NNStudioError
from nnstudio.explain.conv_math import pixel_of
from nnstudio.explain.numbers import num
from nnstudio.ui.lesson.details import gradient_name
from nnstudio.ui.network.canvas_sample import SampleOverlay


def _flat(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float64).reshape(-1)


def build(walk, stage: str, selection: tuple | None, network=None) -> SampleOverlay:
    """The canvas's picture of ``walk`` at ``stage``; with the walk's ``network`` a selected
    pixel of a Conv2D or MaxPool2D map also outlines the window it sees on the maps before."""
    layers = walk.trace.layers
    last = len(layers) - 1
    ov = SampleOverlay(neuron_tip=lambda layer, j: neuron_tip(walk, stage, layer, j),
                       weight_tip=lambda layer, i, j: weight_tip(walk, stage, layer, i, j))
    if selection and selection[0] == "neuron":
        ov.selected_neuron = (selection[1], selection[2])
        ov.patch = window_of(walk, network, selection[1], selection[2])
    elif selection and selection[0] == "weight":
        ov.selected_weight = (selection[1], selection[2], selection[3])
    ov.layer_names = [lt.name for lt in layers]
    ov.values[-1] = _flat(layers[0].input)
    ov.value_label = "input" if stage == "input" else "activation"
    if stage == "input":
        return ov
    if stage == "backward":
        ov.values = {k: _flat(lt.grad_output) for k, lt in enumerate(layers)}
        ov.value_label, ov.edge_label = "gradient dL/d(output)", "gradient dL/dw"
        for k, lt in enumerate(layers):
            if lt.kind == "Dense":
                g = walk.trace.gradients
                ov.edges[k] = (g[f"{lt.name}/W"], g.get(f"{lt.name}/b"))
        return ov
    for k in range(last + 1):  # the layers stage's caption works the output's sum out too
        ov.values[k] = _flat(layers[k].output)
    if walk.probabilities is not None and last in ov.values:
        ov.scales[last] = 1.0  # probabilities: full colour at 100 %
    if stage == "update":
        ov.edge_label = "change of the weight"
        for k, lt in enumerate(layers):
            if lt.kind == "Dense":
                pw, pb = walk.preview[f"{lt.name}/W"], walk.preview.get(f"{lt.name}/b")
                ov.edges[k] = (-np.asarray(pw["update"]),
                               None if pb is None else -np.asarray(pb["update"]))
    return ov


def window_of(walk, network, layer: int, j: int) -> tuple[int, int, int, int] | None:
    """``(layer before, top, left, k)``: the window of the maps before that pixel ``j`` of a
    Conv2D or MaxPool2D ``layer`` looks at (None for other layers or without ``network``)."""
    layers = walk.trace.layers
    if network is None or not 0 <= layer < len(layers) or layers[layer].kind not in (
            "Conv2D", "MaxPool2D") or len(network.layers) != len(layers):
        return None
    try:
        r, c, _m = pixel_of(layers[layer].output.shape, j)
        g = network.layers[layer].geometry(layers[layer].input.shape)
    except (NNStudioError, AttributeError, ValueError):
        return None
    return layer - 1, r * g.stride - g.top, c * g.stride - g.left, g.k


def pixel_words(shape, j: int) -> str:
    """``"map 3, row 5, column 7"`` for value ``j`` of maps of ``shape`` (H, W, C)."""
    r, c, m = pixel_of(shape, j)
    return f"map {m + 1}, row {r + 1}, column {c + 1}"


def neuron_tip(walk, stage: str, layer: int, j: int) -> str:
    """Rich text for the neuron (or map pixel) under the mouse."""
    layers = walk.trace.layers
    try:
        values = layers[0].input if layer < 0 else layers[layer].output
        if np.ndim(values) == 3:  # a pixel of the picture or of a map
            name = "input picture" if layer < 0 else layers[layer].name
            shown = _flat(layers[layer].grad_output)[j] if stage == "backward" and layer >= 0 \
                else _flat(values)[j]
            what = gradient_name(walk, layer) if stage == "backward" and layer >= 0 else "value"
            click = "<br><i>Click for its arithmetic.</i>" if layer >= 0 and \
                layers[layer].kind in ("Conv2D", "MaxPool2D") else ""
            return (f"<b>{html.escape(name)}, {pixel_words(np.shape(values), j)}</b><br>"
                    f"{what} = {num(shown)}{click}")
        if layer < 0:
            name = walk.feature_names[j] if j < len(walk.feature_names) else f"input {j + 1}"
            return (f"<b>{html.escape(name)}</b> = {num(_flat(layers[0].input)[j])}"
                    "<br>(scaled as the network sees it)")
        lt = layers[layer]
        if stage == "backward":
            return (f"<b>{html.escape(lt.name)} neuron {j + 1}</b><br>{gradient_name(walk, layer)} = "
                    f"{num(_flat(lt.grad_output)[j])}<br><i>Click for its arithmetic.</i>")
        if lt.kind != "Dense":
            return f"<b>{html.escape(lt.name)} {j + 1}</b> = {num(_flat(lt.output)[j])}"
        return html.escape(walk.neuron(layer, j).caption) + "<br><i>Click to see it in the panel.</i>"
    except (NNStudioError, IndexError, KeyError):
        return ""


def weight_tip(walk, stage: str, layer: int, i: int, j: int) -> str:
    """Rich text for the connection under the mouse: its value, gradient and update."""
    try:
        name, index = param_of(walk, layer, i, j)
        chain = walk.weight_chain(name, index)
    except (NNStudioError, IndexError, KeyError):
        return ""
    what = "bias" if i < 0 else "weight"
    head = (f"<b>bias of {html.escape(chain.target)}</b>" if i < 0 else
            f"<b>weight {html.escape(chain.source)} \u2192 {html.escape(chain.target)}</b>")
    if stage == "backward":
        body = chain.chain_caption
    elif stage == "update":
        body = chain.update_caption
    else:
        body = f"{what} = {num(chain.before)}"
    return f"{head}<br>{html.escape(body)}<br><i>Click for the chain rule and the update.</i>"


def param_of(walk, layer: int, i: int, j: int) -> tuple[str, tuple[int, ...]]:
    """Parameter name and index of connection ``(i, j)`` of ``layer`` (``i == -1``: bias)."""
    name = walk.trace.layers[layer].name
    return (f"{name}/b", (j,)) if i < 0 else (f"{name}/W", (i, j))
