"""The network canvas's pictures: the input as a picture, Conv2D / MaxPool2D / Rescaling as
stacks of feature maps, Flatten as a funnel, a layer that does not fit in red, and, while the
magnifying glass shows a sample, that sample's feature maps as small images.

Plain functions over the cached :class:`~nnstudio.ui.network.canvas_layout.Column` geometry
(like :mod:`~nnstudio.ui.network.canvas_paint`); no arithmetic about the network lives here.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPen, QPolygonF

from nnstudio.ui.network import canvas_paint as paint
from nnstudio.ui.network.canvas_layout import Column

#: (fill, outline) of each kind's maps.
MAP_COLOURS = {"Input": ("#e6f4ea", "#34a853"), "Conv2D": ("#e8f0fe", "#4a7bd0"),
               "MaxPool2D": ("#e0f2f1", "#00897b"), "Rescaling": ("#fef7e0", "#c58f00"),
               "Dropout": ("#ffffff", "#80868b")}
#: At most this many maps of a layer are drawn as images while a sample is shown.
MAX_TILES = 6
TILE_GAP = 4.0
#: Columns narrower than this (px) write the maps' size smaller.
NARROW = 64.0
#: Room under the maps for the line saying how many are shown.
LABEL_ROOM = 16.0


def picture_image(values: np.ndarray) -> QImage:
    """A picture (H, W) or (H, W, C) of values 0..255 (or 0..1) as a QImage: grey for one
    channel, colour for three (other channel counts: the first)."""
    a = np.asarray(values, dtype=np.float64)
    if a.ndim == 3 and a.shape[2] != 3:
        a = a[:, :, 0]
    top = float(np.nanmax(a)) if a.size else 1.0
    if top <= 1.0 + 1e-6:  # rescaled pixels
        a = a * 255.0
    a = np.clip(np.nan_to_num(a), 0, 255).astype(np.uint8)
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    a = np.ascontiguousarray(a)
    h, w = a.shape[:2]
    return QImage(a.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def value_image(values: np.ndarray, scale: float) -> QImage:
    """A map (H, W) coloured as the canvas colours values: orange for positive, blue for
    negative, white for 0, full colour at ``|v| >= scale``."""
    v = np.nan_to_num(np.asarray(values, dtype=np.float64))
    t = np.clip(np.abs(v) / max(scale, 1e-12), 0, 1)[:, :, None]
    k = 0.04 + 0.96 * t
    pos, neg = QColor(paint.POSITIVE), QColor(paint.NEGATIVE)
    base = np.where(v[:, :, None] >= 0, np.array([pos.red(), pos.green(), pos.blue()], float),
                    np.array([neg.red(), neg.green(), neg.blue()], float))
    rgb = np.ascontiguousarray(np.round(255 + (base - 255) * k).astype(np.uint8))
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def draw_stack(p: QPainter, col: Column, picture: QImage | None = None) -> None:
    """A stack of ``col.depth`` maps, the front one lower left; the input's front map is
    ``picture`` (a sample of the data) when given, other maps show their pixel grid when
    there is room for it (pooling makes it visibly coarser)."""
    if col.stack is None:
        return
    fill, outline = MAP_COLOURS.get(col.kind, MAP_COLOURS["Dropout"])
    front, d = col.stack, col.offset
    pen = QPen(QColor(outline), 1.2, Qt.DashLine if col.kind == "Dropout" else Qt.SolidLine)
    for j in reversed(range(col.depth)):
        r = front.translated(j * d, -j * d)
        p.setPen(pen)
        p.setBrush(QColor(fill) if j else QColor("white"))
        p.drawRect(r)
    if picture is not None and col.kind == "Input":
        p.drawImage(front, picture)
        p.setPen(pen)
        p.setBrush(Qt.NoBrush)
        p.drawRect(front)
        return
    p.setBrush(QColor(fill))
    p.drawRect(front)
    h, w = col.shape[0], col.shape[1]  # type: ignore[index]
    if front.width() / max(w, 1) >= 3.5:  # a grid only where its lines stay apart
        p.setPen(QPen(QColor(outline).lighter(150), 0.6))
        for i in range(1, h):
            y = front.top() + front.height() * i / h
            p.drawLine(QPointF(front.left(), y), QPointF(front.right(), y))
        for i in range(1, w):
            x = front.left() + front.width() * i / w
            p.drawLine(QPointF(x, front.top()), QPointF(x, front.bottom()))
    if col.kind == "Rescaling":  # the step it takes: a small stair on the map
        s = min(front.width(), front.height()) * 0.45
        c = front.center()
        p.setPen(QPen(QColor(outline), 2.0, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        pts = [QPointF(c.x() - s / 2, c.y() + s / 2), QPointF(c.x() - s / 2, c.y()),
               QPointF(c.x(), c.y()), QPointF(c.x(), c.y() - s / 2), QPointF(c.x() + s / 2, c.y() - s / 2)]
        p.drawPolyline(QPolygonF(pts))


def draw_stack_label(p: QPainter, col: Column) -> None:
    """The maps' size under the stack, on two short lines (``"16 maps"``, ``"of 26x26"``),
    so it reads in full in a narrow column."""
    if col.stack is None or col.shape is None:
        return
    fm = QFontMetricsF(p.font())
    lh = fm.height()
    h, w, c = col.shape
    if col.kind == "Input":
        lines = [f"{h}x{w}", "pixels" if c == 1 else f"x {c} colours" if c == 3 else f"x {c} channels"]
    elif col.kind == "Rescaling":
        lines = ["same", f"{h}x{w}" + ("" if c == 1 else f"x{c}")]
    else:
        lines = [f"{c} map{'s' if c != 1 else ''}", f"of {h}x{w}"]
        if max(fm.horizontalAdvance(t) for t in lines) > col.width - 4:  # a narrow column
            lines = [f"{c} \u00d7", f"{h}x{w}"]
    base = p.font()
    if col.width < NARROW:  # every column is as wide: all labels get the same size
        small = p.font()
        small.setPointSizeF(base.pointSizeF() * 0.85)
        p.setFont(small)
        fm = QFontMetricsF(small)
        lh = fm.height()
    y = col.stack.bottom() + 6
    p.setPen(QColor(paint.TEXT))
    for k, line in enumerate(lines):
        p.setPen(QColor(paint.TEXT if k == 0 else paint.SUBTLE))
        p.drawText(QRectF(col.cx - col.width / 2, y, col.width, lh), Qt.AlignCenter,
                   fm.elidedText(line, Qt.ElideRight, col.width - 2))
        y += lh
    p.setFont(base)


def draw_funnel(p: QPainter, col: Column, r: float) -> None:
    """Flatten: a funnel from the maps' height down to its column of values."""
    box = col.funnel
    if box is None or not col.points:
        return
    ys = [pt.y() for pt in col.points]
    lo, hi = min(ys) - r, max(ys) + r
    right = col.cx - r - 3
    poly = QPolygonF([QPointF(box.left(), box.top()), QPointF(right, lo), QPointF(right, hi),
                      QPointF(box.left(), box.bottom())])
    p.setPen(QPen(QColor("#9aa0a6"), 1.2))
    p.setBrush(QColor("#f1f3f4"))
    p.drawPolygon(poly)


def draw_misfit(p: QPainter, col: Column) -> None:
    """A layer whose size is not known: red "does not fit" on the layer that does not fit
    (its reason is in the tooltip, the inspector and the line under the canvas), a grey
    question mark on the layers after it."""
    fm = QFontMetricsF(p.font())
    box = QRectF(col.cx - min(34.0, col.width / 2 - 4), col.rect.center().y() - 34,
                 min(68.0, col.width - 8), 68)
    bad = bool(col.problem)
    p.setPen(QPen(QColor(paint.ERROR if bad else "#bdc1c6"), 1.5, Qt.DashLine))
    p.setBrush(QColor("#fdecea" if bad else "#f8f9fa"))
    p.drawRoundedRect(box, 8, 8)
    p.setPen(QColor(paint.ERROR if bad else paint.SUBTLE))
    big = p.font()
    f = p.font()
    f.setPointSizeF(f.pointSizeF() * 1.8)
    f.setBold(True)
    p.setFont(f)
    p.drawText(box.adjusted(0, 0, 0, -fm.height() * 0.6), Qt.AlignCenter, "\u26a0" if bad else "?")
    p.setFont(big)
    text = "does not fit" if bad else "unknown"
    p.drawText(QRectF(col.cx - col.width / 2, box.bottom() - fm.height() - 4, col.width, fm.height()),
               Qt.AlignCenter, fm.elidedText(text, Qt.ElideRight, col.width - 6))


def draw_problem_line(p: QPainter, rect: QRectF, text: str) -> float:
    """The reason a layer does not fit, in red across the bottom of the canvas (elided; the
    tooltip and the inspector have it whole). Returns its height."""
    fm = QFontMetricsF(p.font())
    lh = fm.height()
    box = QRectF(rect.left() + 8, rect.bottom() - lh - 6, rect.width() - 16, lh + 2)
    p.setPen(Qt.NoPen)
    p.setBrush(QColor("#fdecea"))
    p.drawRoundedRect(box.adjusted(-4, -1, 4, 1), 4, 4)
    p.setPen(QColor(paint.ERROR))
    p.drawText(box, Qt.AlignVCenter | Qt.AlignLeft,
               fm.elidedText("\u26a0 " + text, Qt.ElideRight, box.width()))
    return lh + 8


# ---------------------------------------------------------------------- a sample's maps
def tiles(col: Column, top: float, bottom: float) -> list[tuple[QRectF, int]]:
    """Where the sample's maps of ``col`` go while the magnifying glass is on: one square per
    map (the first :data:`MAX_TILES`), one above the other between ``top`` and ``bottom``;
    a picture input (grey or colour) is one square. ``[(rect, channel), ...]``."""
    if not col.is_maps:
        return []
    h, w, c = col.shape  # type: ignore[misc]
    n = 1 if col.kind == "Input" or (col.kind == "Rescaling" and c in (1, 3)) else min(int(c), MAX_TILES)
    if n < c:
        bottom -= LABEL_ROOM  # for "first 6 of 16" under the last map
    room = bottom - top
    while n > 1 and (room - (n - 1) * TILE_GAP) / n < 18:
        n -= 1
    side = max(8.0, min(col.width - 12, (room - (n - 1) * TILE_GAP) / n, 150.0))
    tw = side * (w / h) if h else side
    span = n * side + (n - 1) * TILE_GAP
    y = top + (room - span) / 2
    return [(QRectF(col.cx - tw / 2, y + k * (side + TILE_GAP), tw, side), k) for k in range(n)]


def draw_sample_maps(p: QPainter, col: Column, values: np.ndarray, scale: float, top: float,
                     bottom: float, selected: int | None, patch: tuple | None) -> None:
    """The sample's maps of ``col`` (``values`` flat, channels-last) as small images (each
    at full colour for its own largest value; ``scale`` for a map of zeros), the
    selected pixel (flat index) ringed in red and ``patch`` = (top, left, k) outlined on every
    map shown (the window a clicked pixel of the next layer sees)."""
    h, w, c = col.shape  # type: ignore[misc]
    maps = np.asarray(values, dtype=np.float64).reshape(h, w, c)
    grey = col.kind in ("Input", "Rescaling") and float(np.nanmin(maps)) >= 0
    placed = tiles(col, top, bottom)
    for rect, ch in placed:
        # Each map at its own full colour: scaled by the whole layer, the maps of a trained
        # net are mostly too pale to read (the tooltip gives every value).
        own = float(np.nanmax(np.abs(maps[:, :, ch]))) if maps.size else 0.0
        img = picture_image(maps) if grey and len(placed) == 1 else \
            value_image(maps[:, :, ch], own if own > 0 else scale)
        p.drawImage(rect, img)
        p.setPen(QPen(QColor("#5f6368"), 1.0))
        p.setBrush(Qt.NoBrush)
        p.drawRect(rect)
        if patch is not None:
            pt, pl, k = patch
            cell_w, cell_h = rect.width() / w, rect.height() / h
            p.setPen(QPen(QColor(paint.ERROR), 1.6))
            p.drawRect(QRectF(rect.left() + pl * cell_w, rect.top() + pt * cell_h, k * cell_w, k * cell_h))
    if selected is not None:
        rest, ch = divmod(int(selected), c)
        r, s = divmod(rest, w)
        for rect, shown in placed:
            if shown == ch or len(placed) == 1:
                cell_w, cell_h = rect.width() / w, rect.height() / h
                cell = QRectF(rect.left() + s * cell_w, rect.top() + r * cell_h, cell_w, cell_h)
                p.setPen(QPen(QColor(paint.ERROR), 2.0))
                p.drawRect(cell.adjusted(-1.5, -1.5, 1.5, 1.5))
    if c > len(placed) and placed and col.kind != "Input":
        fm = QFontMetricsF(p.font())
        last = placed[-1][0]
        p.setPen(QColor(paint.SUBTLE))
        text = f"first {len(placed)} of {c}"
        if fm.horizontalAdvance(text) > col.width - 4:
            text = f"{len(placed)} of {c}"
        p.drawText(QRectF(col.cx - col.width / 2, last.bottom() + 1, col.width, fm.height()),
                   Qt.AlignCenter, text)


def pixel_at(col: Column, pos: QPointF, top: float, bottom: float) -> int | None:
    """Flat (channels-last) index of the map pixel of ``col`` under ``pos`` while a sample's
    maps are shown, or None."""
    if not col.is_maps:
        return None
    h, w, c = col.shape  # type: ignore[misc]
    placed = tiles(col, top, bottom)
    for rect, ch in placed:
        if rect.contains(pos):
            r = min(h - 1, int((pos.y() - rect.top()) / rect.height() * h))
            s = min(w - 1, int((pos.x() - rect.left()) / rect.width() * w))
            return (r * w + s) * c + (ch if len(placed) > 1 or c == 1 else 0)
    return None

