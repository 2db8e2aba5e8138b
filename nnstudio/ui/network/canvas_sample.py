"""One sample on the network canvas: neurons coloured by its values, connections by its
gradients or by the step's change, and where a click lands (a neuron or a connection).

The magnifying glass (:mod:`nnstudio.ui.lesson`) builds a :class:`SampleOverlay` from the
engine's numbers; the canvas only paints it and reports clicks, so no arithmetic lives here.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from nnstudio.explain.numbers import num
from nnstudio.ui.network import canvas_paint as paint
from nnstudio.ui.network.canvas_layout import Column, bias_source

#: A click this close (px) to a connection picks it.
LINE_PICK = 4.0
SELECTED = "#d93025"


@dataclass
class SampleOverlay:
    """What the canvas shows of one sample at one stage of its training step.

    Attributes
    ----------
    values : dict of int to ndarray of shape (size,)
        Per column (a layer index, -1 for the input) the numbers its neurons are coloured by;
        columns left out are drawn plain (the step has not reached them).
    scales : dict of int to float
        Per column the magnitude drawn at full colour (default: its largest ``|value|``).
    edges : dict of int to (ndarray of shape (n_in, units), ndarray of shape (units,) or None)
        Per Dense layer what its connections are drawn by instead of the weights (a gradient,
        a change); empty: the weights, as always.
    value_label, edge_label : str
        What the colours mean, for the legend ("activation", "dL/dw", ...).
    neuron_tip, weight_tip : callables returning rich text
        ``neuron_tip(layer, j)`` and ``weight_tip(layer, i, j)`` (``i == -1``: the bias).
    selected_neuron : (layer, j) or None
    selected_weight : (layer, i, j) or None
    layer_names : list of str or None
        The engine's name of each layer ("dense_1", as the captions say), written under its
        column.
    patch : (layer, top, left, k) or None
        Outlined on the maps of ``layer`` (-1: the input picture).
    """

    values: dict[int, np.ndarray] = field(default_factory=dict)
    scales: dict[int, float] = field(default_factory=dict)
    edges: dict[int, tuple[np.ndarray, np.ndarray | None]] = field(default_factory=dict)
    value_label: str = "value"
    edge_label: str = ""
    neuron_tip: Callable[[int, int], str] = lambda layer, j: ""
    weight_tip: Callable[[int, int, int], str] = lambda layer, i, j: ""
    selected_neuron: tuple[int, int] | None = None
    selected_weight: tuple[int, int, int] | None = None
    layer_names: list[str] | None = None
    #: (layer, top, left, k): the window of that layer's maps a selected pixel of the next
    #: Conv2D layer sees, outlined on its maps.
    patch: tuple[int, int, int, int] | None = None

    def scale(self, layer: int) -> float:
        if layer in self.scales:
            return max(float(self.scales[layer]), 1e-12)
        v = self.values.get(layer)
        if v is None or v.size == 0:
            return 1.0
        return max(float(np.nanmax(np.abs(v))), 1e-12)


def value_color(v: float, scale: float) -> QColor:
    """Orange for positive, blue for negative, the stronger the larger ``|v| / scale``
    (the canvas's weight colours, so one legend reads both)."""
    if not math.isfinite(v):
        return QColor("#bdbdbd")
    t = min(1.0, abs(v) / scale) if scale > 0 else 0.0
    base = QColor(paint.POSITIVE if v >= 0 else paint.NEGATIVE)
    k = 0.08 + 0.92 * t
    return QColor(round(255 + (base.red() - 255) * k), round(255 + (base.green() - 255) * k),
                  round(255 + (base.blue() - 255) * k))


def draw_values(p: QPainter, cols: list[Column], r: float, overlay: SampleOverlay) -> None:
    """Fill the neurons of the columns the overlay has values for, and write the values
    beside them when there is room (a radius of 6 px or more)."""
    base = QFont(p.font())
    small = QFont(base)
    small.setPointSizeF(max(6.5, base.pointSizeF() * 0.78))
    fm = QFontMetricsF(small)
    for col in cols:
        values = overlay.values.get(col.layer)
        if values is None or values.size != col.size:
            continue
        scale = overlay.scale(col.layer)
        p.setPen(QPen(QColor("#3c4043"), 1.3))
        for j, pt in zip(col.drawn, col.points):
            p.setBrush(value_color(float(values[j]), scale))
            p.drawEllipse(pt, r, r)
        if r < 6:
            continue
        p.setFont(small)
        left = col.is_output and bool(col.names)  # the class names sit right of the output
        for j, pt in zip(col.drawn, col.points):
            text = num(float(values[j]))
            w = fm.horizontalAdvance(text) + 4
            x = pt.x() - r * 0.55 - w if left else pt.x() + r * 0.55
            box = QRectF(x, pt.y() - r - fm.height() * 0.75, w, fm.height())
            p.setPen(Qt.NoPen)
            p.setBrush(QColor(255, 255, 255, 225))
            p.drawRoundedRect(box, 3, 3)
            p.setPen(QColor(paint.TEXT))
            p.drawText(box, Qt.AlignCenter, text)
        p.setFont(base)
    sel = overlay.selected_neuron
    col = next((c for c in cols if sel is not None and c.layer == sel[0]), None)
    if col is not None and sel[1] in col.drawn:
        p.setPen(QPen(QColor(SELECTED), 2.5))
        p.setBrush(Qt.NoBrush)
        p.drawEllipse(col.points[col.drawn.index(sel[1])], r + 3, r + 3)


def bottom_texts(col: Column, overlay: SampleOverlay | None) -> list[str] | None:
    """What goes under a layer's column while a sample is shown: its name as the captions
    say it, with the count of a collapsed column when there is room."""
    names = overlay.layer_names if overlay is not None else None
    if not names or not 0 <= col.layer < len(names):
        return None
    name = names[col.layer]
    return [f"{name} \u00b7 {col.count_text}", f"{name} \u00b7 {col.size:,}", name] if col.collapsed \
        else [name]


def weight_line(cols: list[Column], layer: int, i: int, j: int) -> tuple[QPointF, QPointF] | None:
    """The drawn line of weight ``(i, j)`` of ``layer`` (``i == -1``: the bias of neuron j),
    or None when either end is not drawn."""
    k = next((n for n, c in enumerate(cols) if c.layer == layer), None)
    if k is None or k == 0:
        return None
    prev, cur = cols[k - 1], cols[k]
    if j not in cur.drawn:
        return None
    q = cur.points[cur.drawn.index(j)]
    if i < 0:
        src = bias_source(cols, k)
        return (src.bias, q) if src is not None else None
    if i not in prev.drawn:
        return None
    return prev.points[prev.drawn.index(i)], q


def draw_selected_weight(p: QPainter, cols: list[Column], overlay: SampleOverlay) -> None:
    sel = overlay.selected_weight
    line = weight_line(cols, *sel) if sel is not None else None
    if line is None:
        return
    p.setPen(QPen(QColor(SELECTED), 3.0, Qt.SolidLine, Qt.RoundCap))
    p.drawLine(*line)


def neuron_at(cols: list[Column], r: float, pos: QPointF) -> tuple[int, int] | None:
    """``(layer, j)`` of the drawn neuron under ``pos`` (a little margin around it)."""
    reach = (r + 3) ** 2
    for col in cols:
        for j, pt in zip(col.drawn, col.points):
            d = pt - pos
            if d.x() ** 2 + d.y() ** 2 <= reach:
                return col.layer, j
    return None


def _distance(pos: QPointF, a: QPointF, b: QPointF) -> float:
    ax, ay, bx, by, px, py = a.x(), a.y(), b.x(), b.y(), pos.x(), pos.y()
    dx, dy = bx - ax, by - ay
    n = dx * dx + dy * dy
    t = 0.0 if n == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / n))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def weight_at(cols: list[Column], pos: QPointF) -> tuple[int, int, int] | None:
    """``(layer, i, j)`` of the Dense connection nearest ``pos`` within :data:`LINE_PICK` px
    (``i == -1``: a bias line)."""
    best, best_d = None, LINE_PICK
    for k in range(1, len(cols)):
        prev, cur = cols[k - 1], cols[k]
        if cur.kind != "Dense" or not (prev.cx - 2 <= pos.x() <= cur.cx + 2):
            continue
        src = bias_source(cols, k)
        starts = list(zip(prev.drawn, prev.points)) + ([(-1, src.bias)] if src is not None else [])
        for i, a in starts:
            for j, b in zip(cur.drawn, cur.points):
                d = _distance(pos, a, b)
                if d < best_d:
                    best, best_d = (cur.layer, i, j), d
    return best


def draw_legend(p: QPainter, rect: QRectF, overlay: SampleOverlay) -> None:
    """What the colours mean while a sample is shown, bottom left: neurons, then lines."""
    fm = QFontMetricsF(p.font())
    lh = fm.height()
    y = rect.bottom() - paint.legend_height(fm) + 4
    cy = y + lh / 2
    x = 12.0
    groups = [("dot", overlay.value_label)]
    if overlay.edge_label:
        groups.append(("line", overlay.edge_label))
    groups.append(("text", "click a neuron or a connection for its arithmetic"))
    for kind, text in groups:
        glyphs = 0.0 if kind == "text" else (34.0 if kind == "dot" else 46.0)
        if kind != "text":
            text = f"+ / \u2212 {text}"
        w = fm.horizontalAdvance(text)
        if x + glyphs + w > rect.right() - 8:
            break  # a narrow canvas: the tooltips say the rest
        for color in (paint.POSITIVE, paint.NEGATIVE):
            if kind == "dot":
                p.setPen(QPen(QColor("#3c4043"), 1.2))
                p.setBrush(QColor(color))
                p.drawEllipse(QPointF(x + 6, cy), 5, 5)
                x += 17
            elif kind == "line":
                p.setPen(QPen(QColor(color), 3, Qt.SolidLine, Qt.RoundCap))
                p.drawLine(QPointF(x + 2, cy), QPointF(x + 18, cy))
                x += 23
        p.setPen(QColor(paint.SUBTLE))
        p.drawText(QRectF(x + 2, y, w + 2, lh), Qt.AlignLeft | Qt.AlignVCenter, text)
        x += w + 18
