"""Drawing helpers of the network canvas: colours, neurons, labels, glyphs and the legend.

Plain functions taking a QPainter and the cached :class:`~nnstudio.ui.network.canvas_layout.Column`
geometry, so the widget's ``paintEvent`` stays a short list of steps.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF

from nnstudio.ui.network.canvas_layout import Column

POSITIVE = "#e8710a"       # orange: positive weight
NEGATIVE = "#1a73e8"       # blue: negative weight
UNKNOWN = "#c8ccd2"        # weights not known (e.g. training just started)
DROPOUT_LINE = "#9aa0a6"
TEXT = "#202124"
SUBTLE = "#5f6368"
ACCENT = "#1a5fd0"
ERROR = "#d93025"
# (fill, outline) of the neurons of each kind of column.
FILLS = {"Input": ("#e6f4ea", "#34a853"), "Dense": ("#e8f0fe", "#4a7bd0"),
         "Output": ("#f3e8fd", "#8e44c9"), "Frozen": ("#eceff1", "#80868b"),
         "Dropout": ("#ffffff", "#80868b")}
BIAS = ("#fef7e0", "#c58f00")


def legend_height(fm: QFontMetricsF) -> float:
    return fm.height() + 10


def draw_empty_hint(p: QPainter, rect: QRectF, no_data: bool) -> None:
    """What to do first, in the middle of an empty canvas."""
    box = rect.adjusted(16, 16, -16, -16)
    p.setPen(QPen(QColor("#dadce0"), 1.5, Qt.DashLine))
    p.setBrush(QColor("#fafbfc"))
    p.drawRoundedRect(box, 12, 12)
    title = "Choose a data set on the left to start." if no_data else "No network to draw yet."
    body = ("Then drag layers from the palette onto this canvas to build your network, "
            "and press Train to watch it learn.")
    base = QFont(p.font())
    font = QFont(base)
    font.setPointSizeF(base.pointSizeF() * 1.25)
    p.setFont(font)
    p.setPen(QColor(TEXT))
    lh = QFontMetricsF(font).height()
    mid = box.center().y()
    p.drawText(QRectF(box.left() + 12, mid - lh - 6, box.width() - 24, lh),
               Qt.AlignCenter, title)
    p.setFont(base)
    p.setPen(QColor(SUBTLE))
    p.drawText(QRectF(box.left() + 24, mid + 2, box.width() - 48, box.height() / 2 - 10),
               Qt.AlignHCenter | Qt.AlignTop | Qt.TextWordWrap, body)


def _pill(col: Column, r: float) -> QRectF:
    """A rounded box hugging the column's neurons (and its bias node)."""
    ys = [pt.y() for pt in col.points] + ([col.bias.y()] if col.bias is not None else [])
    return QRectF(col.cx - r - 9, min(ys) - r - 7, 2 * r + 18, max(ys) - min(ys) + 2 * r + 14)


def draw_column_background(p: QPainter, col: Column, r: float, selected: bool,
                           flagged: bool) -> None:
    if selected or flagged:
        p.setPen(QPen(QColor(ERROR if flagged else "#8ab4f8"), 1.5))
        p.setBrush(QColor("#eaf2ff") if selected else QColor("#fff8f7"))
        p.drawRoundedRect(col.rect.adjusted(1, 1, -1, -1), 10, 10)
    if not col.points:
        return  # pictures, maps or an unknown size: no neurons to hug
    if col.kind == "Dropout":
        # Hatched and dashed: nothing is learnt here, values are only switched off.
        box = _pill(col, r)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("white"))
        p.drawRoundedRect(box, r + 6, r + 6)
        p.setBrush(QBrush(QColor("#d5dae1"), Qt.BDiagPattern))
        p.setPen(QPen(QColor("#aeb5bf"), 1.2, Qt.DashLine))
        p.drawRoundedRect(box, r + 6, r + 6)
    elif col.frozen:
        p.setPen(QPen(QColor("#c4c7cc"), 1.2))
        p.setBrush(QColor("#f1f3f4"))
        p.drawRoundedRect(_pill(col, r), r + 6, r + 6)


def _switched_off(col: Column) -> set[int]:
    """Which drawn dropout neurons to show switched off: about ``rate`` of them, spread out."""
    n = len(col.points)
    k = round(col.rate * n)
    return {int((j + 0.5) * n / k) for j in range(k)} if k else set()


def draw_neurons(p: QPainter, col: Column, r: float) -> None:
    kind = "Frozen" if col.frozen and col.kind == "Dense" else (
        "Output" if col.is_output else col.kind)
    # Kinds without a look of their own yet (Rescaling, Flatten...) are drawn plain, not a crash.
    fill, outline = FILLS.get(kind, FILLS["Dropout"])
    pen = QPen(QColor(outline), 1.4, Qt.DashLine if col.kind == "Dropout" else Qt.SolidLine)
    off = _switched_off(col) if col.kind == "Dropout" else set()
    for j, pt in enumerate(col.points):
        p.setPen(pen)
        p.setBrush(QColor("#e8eaed") if j in off else QColor(fill))
        p.drawEllipse(pt, r, r)
        if j in off and r >= 4:  # a small cross: this neuron is switched off for this step
            d = r * 0.45
            p.setPen(QPen(QColor("#80868b"), 1.2))
            p.drawLine(QPointF(pt.x() - d, pt.y() - d), QPointF(pt.x() + d, pt.y() + d))
            p.drawLine(QPointF(pt.x() - d, pt.y() + d), QPointF(pt.x() + d, pt.y() - d))
    if col.ellipsis is not None:
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(SUBTLE))
        gap = min(5.0, r * 0.7)
        for dy in (-gap, 0, gap):
            p.drawEllipse(QPointF(col.ellipsis.x(), col.ellipsis.y() + dy), 1.4, 1.4)
    if col.bias is not None:
        s = max(3.0, r * 0.75)
        p.setPen(QPen(QColor(BIAS[1]), 1.3))
        p.setBrush(QColor(BIAS[0]))
        p.drawRect(QRectF(col.bias.x() - s, col.bias.y() - s, 2 * s, 2 * s))


def draw_lock(p: QPainter, x: float, y: float, size: float, color: str = SUBTLE) -> None:
    """A small padlock: the layer is frozen."""
    p.setPen(QPen(QColor(color), 1.4))
    p.setBrush(Qt.NoBrush)
    p.drawArc(QRectF(x + size * 0.22, y, size * 0.56, size * 0.8), 0, 180 * 16)
    p.setPen(Qt.NoPen)
    p.setBrush(QColor(color))
    p.drawRoundedRect(QRectF(x, y + size * 0.42, size, size * 0.58), 1.5, 1.5)


def draw_flag(p: QPainter, x: float, y: float, size: float) -> None:
    """A small red flag: the output layer does not fit the data."""
    p.setPen(QPen(QColor(ERROR), 1.5))
    p.drawLine(QPointF(x, y), QPointF(x, y + size))
    p.setPen(Qt.NoPen)
    p.setBrush(QColor(ERROR))
    p.drawPolygon(QPolygonF([QPointF(x, y), QPointF(x + size * 0.85, y + size * 0.27),
                             QPointF(x, y + size * 0.55)]))


def draw_labels(p: QPainter, col: Column, r: float, selected: bool, flagged: bool,
                height: float, bottom: list[str] | None = None) -> None:
    """Titles, names beside the neurons and the count under a collapsed column; ``bottom``:
    other texts for the count's place, the first that fits is drawn."""
    fm = QFontMetricsF(p.font())
    lh = fm.height()
    y = 10.0
    for k, line in enumerate(col.title_lines):
        p.setPen(QColor(ERROR if flagged else ACCENT if selected else TEXT if k == 0 else SUBTLE))
        p.drawText(QRectF(col.cx - 300, y, 600, lh), Qt.AlignHCenter | Qt.AlignVCenter, line)
        y += lh
    glyph = lh * 0.75
    half = fm.horizontalAdvance(col.title_lines[0]) / 2
    gy = 10 + (lh - glyph) / 2
    if col.frozen:
        draw_lock(p, min(col.cx + half + 5, col.rect.right() - glyph - 3), gy, glyph)
    if flagged:
        draw_flag(p, max(col.cx - half - glyph - 3, col.rect.left() + 4), gy, glyph)
    p.setPen(QColor(SUBTLE))
    if col.names:
        width = col.names_width
        for name, pt in zip(col.names, col.points):
            text = fm.elidedText(name, Qt.ElideRight, width)
            if col.layer < 0:  # feature names left of the input neurons
                box = QRectF(pt.x() - r - 6 - width, pt.y() - lh / 2, width, lh)
                p.drawText(box, Qt.AlignRight | Qt.AlignVCenter, text)
            else:              # class names right of the output neurons
                box = QRectF(pt.x() + r + 6, pt.y() - lh / 2, width, lh)
                p.drawText(box, Qt.AlignLeft | Qt.AlignVCenter, text)
    room = col.rect.width() - 6  # stay inside the column's highlight
    if bottom:
        text = next((t for t in bottom if fm.horizontalAdvance(t) <= room),
                    fm.elidedText(bottom[-1], Qt.ElideRight, room))
        p.drawText(QRectF(col.cx - 150, col.rect.bottom() - lh - 3, 300, lh),
                   Qt.AlignHCenter | Qt.AlignVCenter, text)
    elif col.collapsed:
        text = col.count_text
        if fm.horizontalAdvance(text) > room:  # narrow: the number alone
            text = fm.elidedText(f"{col.size:,}", Qt.ElideRight, room)
        p.drawText(QRectF(col.cx - 150, col.rect.bottom() - lh - 3, 300, lh),
                   Qt.AlignHCenter | Qt.AlignVCenter, text)


def draw_legend(p: QPainter, rect: QRectF, tip: bool) -> None:
    """Weight colours and the bias node, bottom left; a first-steps tip bottom right."""
    fm = QFontMetricsF(p.font())
    lh = fm.height()
    y = rect.bottom() - legend_height(fm) + 4
    cy = y + lh / 2
    wide = rect.width() >= 560
    items = [("line", POSITIVE, "positive weight" if wide else "+ weight"),
             ("line", NEGATIVE, "negative weight" if wide else "\u2212 weight"),
             ("square", None, "bias")]
    if wide:
        items.append(("text", None, "thicker = stronger"))
    x = 12.0
    for kind, color, text in items:
        if kind == "line":
            p.setPen(QPen(QColor(color), 3, Qt.SolidLine, Qt.RoundCap))
            p.drawLine(QPointF(x, cy), QPointF(x + 18, cy))
            x += 23
        elif kind == "square":
            p.setPen(QPen(QColor(BIAS[1]), 1.3))
            p.setBrush(QColor(BIAS[0]))
            p.drawRect(QRectF(x + 1, cy - 4.5, 9, 9))
            x += 15
        p.setPen(QColor(SUBTLE))
        w = fm.horizontalAdvance(text)
        p.drawText(QRectF(x, y, w + 2, lh), Qt.AlignLeft | Qt.AlignVCenter, text)
        x += w + 16
    hint = "Tip: drag a layer from the palette between two columns"
    if tip and x + fm.horizontalAdvance(hint) + 12 < rect.right():
        p.setPen(QColor(ACCENT))
        p.drawText(QRectF(x, y, rect.right() - 12 - x, lh), Qt.AlignRight | Qt.AlignVCenter, hint)


def draw_drop_indicator(p: QPainter, x: float, top: float, bottom: float) -> None:
    """Where a dragged layer would land."""
    color = QColor(ACCENT)
    p.setPen(QPen(color, 3, Qt.SolidLine, Qt.RoundCap))
    p.drawLine(QPointF(x, top + 5), QPointF(x, bottom - 5))
    p.setPen(Qt.NoPen)
    p.setBrush(color)
    for y in (top + 5, bottom - 5):
        p.drawEllipse(QPointF(x, y), 4.5, 4.5)
