"""The magnifying glass's text for a clicked pixel of a picture layer: a Conv2D pixel's kernel
x patch + bias -> activation as small grids (CNN Explainer's view) with its backward pass,
a MaxPool2D pixel's window and its largest value, a Flatten value's place in the maps.

The numbers come from :mod:`nnstudio.explain.conv_math` (Qt-free); this only lays them out
as rich text for the panel's label.
"""
from __future__ import annotations

import html

import numpy as np

from nnstudio.explain.conv_math import ConvPixelMath, conv_pixel_math, pixel_of
from nnstudio.explain.numbers import num

_CELL = "padding: 1px 5px; border: 1px solid #dadce0; text-align: right;"
#: Grids larger than this per side are not drawn (the sentence still has every number).
MAX_GRID = 7


def _grid(values: np.ndarray, colour_sign: bool = False) -> str:
    rows = []
    for row in np.asarray(values, dtype=np.float64):
        cells = []
        for v in row:
            style = _CELL
            if colour_sign and v:
                style += f" color: {'#b45309' if v > 0 else '#1a56c4'};"
            cells.append(f"<td style='{style}'>{html.escape(num(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table cellspacing='0'>" + "".join(rows) + "</table>"


def conv_grids(m: ConvPixelMath, channel: int = 0) -> str:
    """patch × kernel = products for one channel, side by side (empty for big kernels)."""
    if m.k > MAX_GRID:
        return ""
    sep = "<td style='padding: 0 6px; vertical-align: middle;'><b>{}</b></td>"
    head = "" if m.channels == 1 else f"<p>Channel {channel + 1} of {m.channels}:</p>"
    return (head + "<table><tr><td>patch</td><td></td><td>kernel</td><td></td><td>products</td></tr><tr>"
            f"<td>{_grid(m.patch[:, :, channel])}</td>" + sep.format("\u00d7")
            + f"<td>{_grid(m.kernel[:, :, channel], True)}</td>" + sep.format("=")
            + f"<td>{_grid(m.products[:, :, channel], True)}</td></tr></table>")


def conv_pixel_html(walk, network, layer: int, j: int, backward: bool) -> tuple[str, str]:
    """(title, rich text) for pixel ``j`` (flat, channels-last) of Conv2D ``layer``."""
    r, c, f = pixel_of(walk.trace.layers[layer].output.shape, j)
    m = conv_pixel_math(walk, network, layer, r, c, f)
    text = f"<p>{html.escape(m.caption)}</p>{conv_grids(m)}"
    if backward:
        text += f"<p>{html.escape(m.backward_caption)}</p>"
        if m.k <= MAX_GRID:
            text += ("<p>This pixel's share of each kernel weight's gradient (dL/dz \u00d7 patch), "
                     f"and the whole gradient over all {m.positions:,} pixels:</p><table><tr>"
                     f"<td>{_grid(m.weight_grads[:, :, 0], True)}</td><td>&nbsp;&nbsp;</td>"
                     f"<td>{_grid(m.total_weight_grads[:, :, 0], True)}</td></tr></table>")
    return f"{m.layer_name}, {m.where}:", text


def pool_pixel_html(walk, network, layer: int, j: int) -> tuple[str, str]:
    """(title, rich text) for pixel ``j`` of MaxPool2D ``layer``: its window and the largest."""
    lt = walk.trace.layers[layer]
    r, c, m = pixel_of(lt.output.shape, j)
    g = network.layers[layer].geometry(lt.input.shape)
    window = np.asarray(lt.input)[r * g.stride:r * g.stride + g.k, c * g.stride:c * g.stride + g.k, m]
    where = f"map {m + 1}, row {r + 1}, column {c + 1}"
    text = (f"<p>{html.escape(lt.name)} looks at the {g.k}x{g.k} window of map {m + 1} before it "
            f"(rows {r * g.stride + 1}-{r * g.stride + g.k}, columns {c * g.stride + 1}-"
            f"{c * g.stride + g.k}) and keeps its largest value: {html.escape(num(window.max()))}. "
            "No weights: in the backward pass the whole gradient goes to that largest value, "
            "the others get 0.</p>" + _grid(window))
    return f"{lt.name}, {where}:", text


def flat_value_html(walk, layer: int, j: int) -> tuple[str, str]:
    """(title, text) for value ``j`` of a Flatten layer: where it sat in the maps."""
    lt = walk.trace.layers[layer]
    r, c, m = pixel_of(lt.input.shape, j)
    return (f"{lt.name}, value {j + 1:,}:",
            f"{html.escape(num(lt.output.reshape(-1)[j]))}: map {m + 1}, row {r + 1}, column "
            f"{c + 1} of the layer before, now number {j + 1:,} of the list "
            f"({lt.output.size:,} values, map by map interleaved: all maps of a pixel, then the next pixel).")


def picture_text(walk, network, layer: int, j: int, backward: bool) -> tuple[str, str] | None:
    """(title, rich text) for a pixel of the input picture or of a picture layer's maps, or
    a value of a Flatten; None for a neuron of a flat layer (the panel's usual text)."""
    layers = walk.trace.layers
    values = layers[0].input if layer < 0 else layers[layer].output
    kind = "" if layer < 0 else layers[layer].kind
    if kind == "Flatten":
        return flat_value_html(walk, layer, j)
    if np.ndim(values) != 3:
        return None
    if kind == "Conv2D" and network is not None:
        return conv_pixel_html(walk, network, layer, j, backward)
    if kind == "MaxPool2D" and network is not None:
        return pool_pixel_html(walk, network, layer, j)
    r, c, m = pixel_of(np.shape(values), j)
    where = f"map {m + 1}, row {r + 1}, column {c + 1}"
    if layer < 0:
        raw = walk.x_raw[j] if walk.x_raw is not None else walk.x[j]
        where = f"row {r + 1}, column {c + 1}" + (f", colour {m + 1}" if np.shape(values)[2] > 1 else "")
        return f"Input picture, {where}:", f"pixel value {num(raw)} (0 is black, 255 white)."
    return (f"{html.escape(layers[layer].name)}, {where}:",
            f"{num(np.asarray(values).reshape(-1)[j])} ({html.escape(kind)}).")
