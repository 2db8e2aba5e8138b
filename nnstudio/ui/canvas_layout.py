"""Where the network canvas puts its columns, neurons and labels (geometry only, no painting).

Kept apart from :mod:`nnstudio.ui.canvas` so the widget only paints and handles events; the
layout is recomputed on resize and on project changes, never inside ``paintEvent``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF

from nnstudio.engine import get_activation

#: Columns with more neurons than this are drawn collapsed (first and last few, then "⋮").
MAX_DRAWN = 10
#: Neurons drawn at each end of a collapsed column.
EDGE = 4
#: Labels beside neurons (feature or class names) are shown for at most this many neurons.
MAX_NAMED = 10


@dataclass
class Column:
    """One column of the picture: the input (``layer == -1``) or a layer of the network."""

    layer: int
    kind: str                      # "Input" | "Dense" | "Dropout"
    size: int
    title_lines: list[str]
    is_output: bool = False
    frozen: bool = False
    rate: float = 0.0
    drawn: list[int] = field(default_factory=list)       # neuron indices drawn
    points: list[QPointF] = field(default_factory=list)  # their centres
    ellipsis: QPointF | None = None                      # where "⋮" goes when collapsed
    bias: QPointF | None = None                          # bias node feeding the next Dense layer
    names: list[str] = field(default_factory=list)       # labels beside the neurons
    names_width: float = 0.0                             # room for those labels
    rect: QRectF = field(default_factory=QRectF)         # highlight and click area
    cx: float = 0.0
    width: float = 0.0                                   # horizontal room of the column

    @property
    def collapsed(self) -> bool:
        return self.size > len(self.drawn)

    @property
    def count_text(self) -> str:
        noun = "inputs" if self.kind == "Input" else "neurons"
        return f"\u2026 {self.size:,} {noun}"


def drawn_indices(n: int) -> list[int]:
    """Neuron indices drawn for a column of ``n`` neurons: all, or the first and last ``EDGE``."""
    if n <= MAX_DRAWN:
        return list(range(n))
    return list(range(EDGE)) + list(range(n - EDGE, n))


def layer_title(spec: dict, is_output: bool) -> str:
    """Column heading, e.g. ``"Dense 16 · ReLU"``, ``"Dropout 20 %"``, ``"Output 3 · Softmax"``."""
    cfg = spec["config"]
    if spec["class"] == "Dropout":
        return f"Dropout {round(100 * float(cfg.get('rate', 0)))} %"
    act = get_activation(cfg.get("activation", "linear")).display_name
    return f"{'Output' if is_output else spec['class']} {cfg.get('units')} \u00b7 {act}"


def layer_sizes(n_inputs: int, layers: list[dict]) -> list[int]:
    """``[n_inputs, size after layer 0, ...]`` from configs (works when no network was built)."""
    sizes = [n_inputs]
    for spec in layers:
        sizes.append(int(spec["config"]["units"]) if spec["class"] == "Dense" else sizes[-1])
    return sizes


def output_names(dataset, units: int) -> list[str]:
    """What each output neuron stands for, in plain words."""
    if dataset.task == "classification":
        if units == 1 and len(dataset.class_names) == 2:
            return [f"chance of {dataset.class_names[1]}"]
        if units == len(dataset.class_names):
            return list(dataset.class_names)
        return []
    return ["value"] if units == 1 else [f"value {k + 1}" for k in range(units)]


def _wrap_title(title: str, width: float, fm: QFontMetricsF) -> list[str]:
    # One line when it fits; else break at the " · " (or the first space) and elide each half.
    if fm.horizontalAdvance(title) <= width:
        return [title]
    parts = title.split(" \u00b7 ", 1) if " \u00b7 " in title else title.split(" ", 1)
    return [fm.elidedText(p, Qt.ElideRight, width) for p in parts]


def layout_columns(layers: list[dict], dataset, width: float, height: float,
                   fm: QFontMetricsF, legend_h: float,
                   flag_output: bool = False) -> tuple[list[Column], float]:
    """Place every column inside a ``width`` x ``height`` canvas.

    Returns the columns (input first) and the neuron radius. The top strip holds the titles,
    the bottom strip the "… 128 neurons" counts and (``legend_h`` high) the legend.
    ``flag_output`` leaves room for the red flag of an output layer that does not fit the data.
    """
    lh = fm.height()
    sizes = layer_sizes(dataset.n_features, layers)
    cols = [Column(-1, "Input", sizes[0], [f"Input {sizes[0]:,}"])]
    for i, spec in enumerate(layers):
        cfg = spec["config"]
        last = i == len(layers) - 1
        cols.append(Column(i, spec["class"], sizes[i + 1], [layer_title(spec, last)], is_output=last,
                           frozen=not cfg.get("trainable", True), rate=float(cfg.get("rate", 0.0))))
    for k, col in enumerate(cols):
        col.drawn = drawn_indices(col.size)
        nxt = layers[k] if k < len(layers) else None
        col.bias = QPointF() if nxt is not None and nxt["class"] == "Dense" else None

    top = 10 + 2 * lh + 10
    bottom = height - (legend_h + lh + 10)
    avail_h = max(20.0, bottom - top)
    slots = [len(c.drawn) + (1 if c.collapsed else 0) + (1.3 if c.bias is not None else 0)
             for c in cols]
    spacing = min(44.0, avail_h / max(1.0, max(slots)))
    radius = max(2.5, min(11.0, spacing * 0.32))

    # Feature names on the left and class names on the right when there is room for them.
    named_ok = spacing >= lh * 0.95
    if named_ok and not cols[0].collapsed:
        cols[0].names = list(dataset.feature_names)
    if named_ok and not cols[-1].collapsed:
        cols[-1].names = output_names(dataset, cols[-1].size)
    cap = max(40.0, min(140.0, width * 0.2))

    def names_w(col: Column) -> float:
        return min(cap, max((fm.horizontalAdvance(n) for n in col.names), default=0.0))

    for _ in range(2):
        for col in (cols[0], cols[-1]):
            col.names_width = names_w(col)
        left = 12 + (cols[0].names_width + radius + 6 if cols[0].names else 0)
        right = 12 + (cols[-1].names_width + radius + 6 if cols[-1].names else 0)
        colw = max(10.0, (width - left - right) / len(cols))
        if colw >= 80:
            break
        cols[0].names, cols[-1].names = [], []  # too narrow: the titles need the room more

    for k, col in enumerate(cols):
        col.cx = cx = left + (k + 0.5) * colw
        col.width = colw
        # Frozen and flagged columns show a glyph beside the title: leave room for it.
        glyphs = (col.frozen or (col.is_output and flag_output)) * 2 * (lh + 4)
        col.title_lines = _wrap_title(col.title_lines[0], colw - 10 - glyphs, fm)
        n_slots = slots[k]
        y = top + avail_h / 2 - (n_slots - 1) * spacing / 2
        col.points = []
        for j, idx in enumerate(col.drawn):
            if col.collapsed and j == EDGE:
                col.ellipsis = QPointF(cx, y)
                y += spacing
            col.points.append(QPointF(cx, y))
            y += spacing
        if col.bias is not None:
            col.bias = QPointF(cx, y + 0.3 * spacing)  # a little apart from the neurons
        title_w = max(fm.horizontalAdvance(t) for t in col.title_lines)
        w = min(colw - 6, max(title_w + 34 + glyphs, 4 * radius + 40))
        col.rect = QRectF(cx - w / 2, 4, w, bottom + lh + 6 - 4)
    return cols, radius


def insert_gap_at(cols: list[Column], x: float) -> int:
    """Insert position (before layer ``k``) whose gap between two columns is nearest ``x``.

    Gap ``k`` lies between column ``k`` (the input when 0) and column ``k + 1``; there is no gap
    after the output layer because it stays last.
    """
    gaps = [gap_x(cols, k) for k in range(len(cols) - 1)]
    return min(range(len(gaps)), key=lambda k: abs(gaps[k] - x)) if gaps else 0


def gap_x(cols: list[Column], k: int) -> float:
    """x of the gap where a layer inserted before layer ``k`` would go."""
    return (cols[k].cx + cols[k + 1].cx) / 2
