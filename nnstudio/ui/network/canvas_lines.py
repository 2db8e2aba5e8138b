"""The network canvas's connections: drawn lines grouped by pen, so a repaint switches pens
only a few times (values are drawn in :data:`LEVELS` steps of strength).

Kept apart from the widget (:mod:`nnstudio.ui.network.canvas`): it turns the cached column
geometry and one array per layer (the weights, or a sample's gradients or changes) into
batches of lines.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, Qt
from PySide6.QtGui import QColor, QPen

from nnstudio.ui.network import canvas_paint as paint
from nnstudio.ui.network.canvas_layout import Column, bias_source

#: Weight magnitudes are drawn in this many steps, so a repaint switches pens only a few times.
LEVELS = 6


def weight_style(w: float, scale: float) -> tuple[QColor, float]:
    """Colour and line width of a connection of weight ``w``.

    Orange for positive, blue for negative; the larger ``|w| / scale`` (clipped to 1), the
    stronger the colour and the wider the line. Colours are opaque (mixed with the white
    background) because alpha-blended wide lines are ~20x slower to paint in software.
    """
    t = min(1.0, abs(float(w)) / scale) if scale > 0 else 0.0
    base = QColor(paint.POSITIVE if w >= 0 else paint.NEGATIVE)
    k = 0.15 + 0.85 * t  # share of the full colour; the rest is white
    color = QColor(round(255 + (base.red() - 255) * k), round(255 + (base.green() - 255) * k),
                   round(255 + (base.blue() - 255) * k))
    return color, 0.6 + 3.0 * t


class ConnectionLines:
    """The drawn connections: :attr:`batches` of (pen, lines), faint ones first, and the pen
    of every connection into each layer (:attr:`pens_by_layer`: weights, then biases)."""

    def __init__(self) -> None:
        self.batches: list[tuple[QPen, list[QLineF]]] = []
        self.pens_by_layer: dict[int, list[QPen]] = {}
        self._pen_cache: dict[tuple, QPen] = {}

    def pen(self, key: tuple) -> QPen:
        pen = self._pen_cache.get(key)
        if pen is None:
            kind, sign, level = key
            if kind == "unknown":
                pen = QPen(QColor(paint.UNKNOWN), 1.0)
            elif kind == "dropout":
                pen = QPen(QColor(paint.DROPOUT_LINE), 1.2, Qt.DashLine)
            else:
                color, width = weight_style(sign * level / LEVELS, 1.0)
                pen = QPen(color, width)
            pen.setCapStyle(Qt.FlatCap)  # round caps make software painting ~25x slower
            self._pen_cache[key] = pen
        return pen

    def build(self, cols: list[Column],
              values: dict[int, tuple[np.ndarray | None, np.ndarray | None]]) -> None:
        """Group the connections between ``cols`` by pen; ``values`` holds per layer index
        the (W, b) to draw them by (missing: drawn as unknown)."""
        batches: dict[tuple, list[QLineF]] = {}
        self.pens_by_layer = {}
        for k, (prev, cur) in enumerate(zip(cols, cols[1:]), start=1):
            pairs = [(p, q) for p in prev.points for q in cur.points]
            if cur.kind == "Dropout":  # passes each value straight on (or switches it off)
                pairs = list(zip(prev.points, cur.points))
                keys = [("dropout", 0, 0)] * len(pairs)
            else:
                W, b = values.get(cur.layer, (None, None))
                keys = _weight_keys(W, prev, cur)
                # After a Dropout the bias sits with the last column that has one (a Dropout
                # learns nothing, so it has no bias of its own).
                src = bias_source(cols, k)
                if src is not None:
                    pairs += [(src.bias, q) for q in cur.points]
                    keys += _bias_keys(W, b, prev, cur)
            self.pens_by_layer[cur.layer] = [self.pen(key) for key in keys]
            for (p, q), key in zip(pairs, keys):
                batches.setdefault(key, []).append(QLineF(p, q))
        # Faint lines first so strong ones are drawn on top.
        order = sorted(batches, key=lambda key: (key[0] != "unknown", key[2]))
        self.batches = [(self.pen(key), batches[key]) for key in order]


def _scale(W, prev: Column, cur: Column) -> float:
    sub = np.nan_to_num(W[np.ix_(prev.drawn, cur.drawn)])
    return max(float(np.abs(sub).max(initial=0.0)), 1e-6)


def _weight_keys(W, prev: Column, cur: Column) -> list[tuple]:
    if W is None or W.shape != (prev.size, cur.size):
        return [("unknown", 0, 0)] * (len(prev.points) * len(cur.points))
    sub = np.nan_to_num(W[np.ix_(prev.drawn, cur.drawn)])
    return _keys(sub.ravel(), _scale(W, prev, cur))


def _bias_keys(W, b, prev: Column, cur: Column) -> list[tuple]:
    if W is None or b is None or W.shape != (prev.size, cur.size) or b.shape != (cur.size,):
        return [("unknown", 0, 0)] * len(cur.points)
    return _keys(np.nan_to_num(b[cur.drawn]), _scale(W, prev, cur))


def _keys(values: np.ndarray, scale: float) -> list[tuple]:
    levels = np.rint(np.clip(np.abs(values) / scale, 0, 1) * LEVELS).astype(int)
    return [("w", 1 if v >= 0 else -1, int(lv)) for v, lv in zip(values, levels)]
