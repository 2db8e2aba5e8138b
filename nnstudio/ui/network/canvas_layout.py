"""Where the network canvas puts its columns, neurons and labels (geometry only, no painting).

Kept apart from :mod:`nnstudio.ui.network.canvas` so the widget only paints and handles events; the
layout is recomputed on resize and on project changes, never inside ``paintEvent``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF

from nnstudio.engine import get_activation
from nnstudio.engine.layers import describe_shape
from nnstudio.engine.shapes import sizes_of
from nnstudio.project.layer_edits import check_shapes, input_shape_of

#: Columns with more neurons than this are drawn collapsed (first and last few, then "⋮").
MAX_DRAWN = 10
#: Neurons drawn at each end of a collapsed column.
EDGE = 4
#: Names beside neurons are shortened down to this width (px) before being left out.
NAME_MIN = 34.0
#: Label sizes tried (share of the widget's font) until the feature and class names fit.
FONT_SCALES = (1.0, 0.9, 0.8)
#: Distance from a column's last neuron to its bias node, in neuron spacings.
BIAS_GAP = 1.3


@dataclass
class Column:
    """One column of the picture: the input (``layer == -1``) or a layer of the network."""

    layer: int
    kind: str                      # "Input" | "Dense" | "Dropout"
    size: int
    title_lines: list[str]                               # two lines, elided to the column
    heading: str = ""                                    # the same on one line (tooltips)
    is_output: bool = False
    frozen: bool = False
    rate: float = 0.0
    drawn: list[int] = field(default_factory=list)       # neuron indices drawn
    points: list[QPointF] = field(default_factory=list)  # their centres
    ellipsis: QPointF | None = None                      # where "⋮" goes when collapsed
    bias: QPointF | None = None                          # bias node feeding the next Dense layer
    names: list[str] = field(default_factory=list)       # labels beside the neurons
    wanted: list[str] = field(default_factory=list)      # the labels it would have with room
    names_width: float = 0.0                             # room for those labels
    names_cut: bool = False                              # some are shortened to fit
    title_cut: bool = False                              # the title is shortened to fit
    rect: QRectF = field(default_factory=QRectF)         # highlight and click area
    cx: float = 0.0
    width: float = 0.0                                   # horizontal room of the column
    #: What one sample becomes here: ``(n,)`` or ``(H, W, C)``; None when unknown (this layer
    #: or one before it does not fit).
    shape: tuple[int, ...] | None = None
    problem: str = ""                                    # why this layer does not fit
    #: Where a stack of maps is drawn (pictures): the front map's square and the offset of
    #: each map behind it; ``depth`` maps are drawn.
    stack: QRectF | None = None
    depth: int = 0
    offset: float = 0.0
    funnel: QRectF | None = None                         # Flatten: the wide end's box
    area: QRectF = field(default_factory=QRectF)         # between the titles and the count
    #: Narrower titles, tried in turn when the usual one would be cut (13 layers at 1366x768).
    short_lines: list[list[str]] = field(default_factory=list)
    tier: int = 0                                        # which title is used (0: the usual)

    @property
    def is_maps(self) -> bool:
        """The column is pictures / feature maps (height x width x channels), not neurons."""
        return self.shape is not None and len(self.shape) == 3

    @property
    def collapsed(self) -> bool:
        return self.size > len(self.drawn)

    @property
    def count_text(self) -> str:
        if self.shape is None:
            return "does not fit" if self.problem else "size not known"
        if self.is_maps:
            return self.count_texts[0]
        noun = "inputs" if self.kind == "Input" else "values" if self.kind == "Flatten" else "neurons"
        return f"{self.size:,} {noun}" if self.kind == "Flatten" else f"\u2026 {self.size:,} {noun}"

    @property
    def size_text(self) -> str:
        """``"16 maps of 26x26"``, ``"128 neurons"``, ``"2,704 values"``, ``"28x28 pixels"``."""
        if self.shape is None or self.is_maps:
            return self.count_texts[0]
        noun = "inputs" if self.kind == "Input" else "values" if self.kind == "Flatten" else "neurons"
        return f"{self.size:,} {noun}"

    @property
    def count_texts(self) -> list[str]:
        """The size under the column, longest first (the first that fits is drawn):
        ``"16 maps of 26x26"``, ``"16 × 26x26"``; ``"28x28 pixels"`` for a picture input."""
        if self.shape is None:
            return ["does not fit" if self.problem else "size not known", "\u26a0" if self.problem else "?"]
        if not self.is_maps:
            return [self.count_text]
        h, w, c = self.shape  # type: ignore[misc]
        if self.kind == "Input":
            pixels = f"{h}x{w} pixels" if c == 1 else f"{h}x{w}x{c} pixels"
            return [pixels, f"{h}x{w}" if c == 1 else f"{h}x{w}x{c}"]
        return [describe_shape(self.shape), f"{c} \u00d7 {h}x{w}", f"{h}x{w}x{c}"]


def drawn_indices(n: int) -> list[int]:
    """Neuron indices drawn for a column of ``n`` neurons: all, or the first and last ``EDGE``."""
    if n <= MAX_DRAWN:
        return list(range(n))
    return list(range(EDGE)) + list(range(n - EDGE, n))


def layer_title(spec: dict, is_output: bool, pictures: bool = False) -> list[str]:
    """Two-line column heading: ``["Dense 16", "ReLU"]``, ``["Dropout", "20 % off"]``,
    ``["Conv2D 16", "3x3 · ReLU"]``, ``["Rescaling", "pixels / 255"]`` (``pictures``: the data
    are pictures), ...

    Every column uses the same two lines (what it is and how big, then how it works), so the
    headings line up and each stays as narrow as its column.
    """
    cfg, kind = spec["config"], spec["class"]
    if kind == "Dropout":
        return ["Dropout", f"{round(100 * float(cfg.get('rate', 0)))} % off"]
    if kind == "Conv2D":
        k, stride = _side(cfg.get("kernel_size", 3)), _side(cfg.get("strides", 1))
        act = get_activation(cfg.get("activation", "relu")).display_name
        step = f" step {stride}" if stride != 1 else ""
        return [f"Conv2D {cfg.get('filters')}", f"{k}x{k}{step} \u00b7 {act}"]
    if kind == "MaxPool2D":
        p = _side(cfg.get("pool_size", 2))
        return ["MaxPool2D", f"{p}x{p} \u2192 max"]
    if kind == "Flatten":
        return ["Flatten", "maps \u2192 list"]
    if kind == "Rescaling":
        return ["Rescaling", scale_text(cfg, pictures)]
    if "units" not in cfg:  # a kind without a look of its own yet
        return [kind, ""]
    act = get_activation(cfg.get("activation", "linear")).display_name
    return [f"{'Output' if is_output else kind} {cfg.get('units')}", act]


def _side(value) -> int:
    return int(value[0] if isinstance(value, (list, tuple)) else value)


def scale_text(cfg: dict, pictures: bool = True) -> str:
    """What a Rescaling layer does, short: ``"pixels / 255"``, ``"values × 0.5"``."""
    scale, offset = float(cfg.get("scale", 1 / 255)), float(cfg.get("offset", 0.0))
    what = "pixels" if pictures else "values"
    inv = 1 / scale if scale else 0.0
    text = f"{what} / {round(inv)}" if scale and inv > 1 and abs(inv - round(inv)) < 1e-6 \
        else f"{what} \u00d7 {scale:.4g}"
    sign = "+" if offset > 0 else "\u2212"
    return text + (f" {sign} {abs(offset):g}" if offset else "")


def layer_heading(spec: dict, is_output: bool, pictures: bool = False) -> str:
    """The heading on one line for tooltips: ``"Dense 16 · ReLU"``, ``"Dropout 20 %"``."""
    if spec["class"] == "Dropout":
        return f"Dropout {round(100 * float(spec['config'].get('rate', 0)))} %"
    return " \u00b7 ".join(t for t in layer_title(spec, is_output, pictures) if t)


def layer_sizes(n_inputs: int, layers: list[dict]) -> list[int]:
    """``[n_inputs, size after layer 0, ...]`` from configs (works when no network was built):
    the engine's shape inference, the one the inspector and the file validator use."""
    return sizes_of(n_inputs, layers)


def output_names(dataset, units: int) -> list[str]:
    """What each output neuron stands for, in plain words."""
    if dataset.task == "classification":
        if units == 1 and len(dataset.class_names) == 2:
            return [f"chance of {dataset.class_names[1]}"]
        if units == len(dataset.class_names):
            return list(dataset.class_names)
        return []
    return ["value"] if units == 1 else [f"value {k + 1}" for k in range(units)]


def _feeds_dense(cols: list[Column], k: int) -> bool:
    """Whether column ``k`` holds a bias node: it is not a Dropout and the next column that is
    not a Dropout is Dense (a Dropout only passes values on, so the bias of the Dense layer
    after it sits with the column the values came from)."""
    if cols[k].kind == "Dropout":
        return False
    nxt = next((c for c in cols[k + 1:] if c.kind != "Dropout"), None)
    return nxt is not None and nxt.kind == "Dense"


def bias_source(cols: list[Column], k: int) -> Column | None:
    """The column whose bias node feeds column ``k`` (None if ``k`` takes no bias)."""
    if cols[k].kind != "Dense":
        return None
    return next((c for c in reversed(cols[:k]) if c.bias is not None), None)


def _share(full: tuple[float, float], room: float) -> tuple[float, float]:
    """Split ``room`` between the left and right names: the shorter side keeps its full width
    when it can, the longer one gets the rest."""
    a, b = full
    if a + b <= room:
        return a, b
    if min(a, b) <= room / 2:
        return (a, room - a) if a <= b else (room - b, b)
    return room / 2, room / 2


def layout_columns(layers: list[dict], dataset, width: float, height: float,
                   font: QFont, legend_h: float,
                   flag_output: bool = False) -> tuple[list[Column], float, QFont]:
    """Place every column inside a ``width`` x ``height`` canvas.

    Returns the columns (input first), the neuron radius and the font of the column labels.
    The top strip holds the two-line titles, the bottom strip the "… 128 neurons" counts and
    (``legend_h`` high) the legend. ``flag_output`` leaves room for the red flag of an output
    layer that does not fit the data. Feature and class names beside the first and last
    columns are kept whenever they can be: columns are first narrowed to their titles, then
    long names shortened, then the labels drawn smaller; only then are names left out.
    """
    best, best_score = None, (-1, -1, 0, 0)
    for scale in FONT_SCALES:
        f = QFont(font)
        if scale != 1.0:
            f.setPointSizeF(font.pointSizeF() * scale)
        cols, radius = _place(layers, dataset, width, height, QFontMetricsF(f), legend_h,
                              flag_output)
        ends = (cols[0], cols[-1])
        # Names shown, then names shown in full, then titles in full; ties: larger labels.
        # ... then the fullest titles (a smaller font before "Conv / 16" for "Conv2D 16 / ReLU").
        score = (sum(1 for c in ends if c.names), sum(1 for c in ends if c.names and not c.names_cut),
                 -sum(1 for c in cols if c.title_cut), -sum(c.tier for c in cols))
        if score > best_score:
            best, best_score = (cols, radius, f), score
        if all(c.names == c.wanted and not c.names_cut for c in ends) and score[2:] == (0, 0):
            break
    return best


def _place(layers: list[dict], dataset, width: float, height: float, fm: QFontMetricsF,
           legend_h: float, flag_output: bool) -> tuple[list[Column], float]:
    lh = fm.height()
    cols = make_columns(layers, dataset)
    for k, col in enumerate(cols):
        # Maps are drawn as pictures, a layer of unknown size as a question mark: no neurons.
        col.drawn = drawn_indices(col.size) if col.shape is not None and not col.is_maps else []
        col.bias = QPointF() if _feeds_dense(cols, k) and col.drawn else None
    if not cols[0].collapsed:
        cols[0].wanted = list(dataset.feature_names)
    if not cols[-1].collapsed:
        cols[-1].wanted = output_names(dataset, cols[-1].size)

    # Vertically every column's neurons are centred on one line (so a Dropout's one-to-one
    # connections run straight across); bias nodes hang below their column's neurons.
    top = 10 + 2 * lh + 10
    bottom = height - (legend_h + lh + 10)
    avail_h = max(20.0, bottom - top)
    half = [max(0.0, (len(c.drawn) + (1 if c.collapsed else 0) - 1) / 2) if c.drawn else 0.0
            for c in cols]
    above = max(half)
    below = max(h + (BIAS_GAP if c.bias is not None else 0.0) for h, c in zip(half, cols))
    spacing = min(44.0, avail_h / (above + below + 1))
    radius = max(2.5, min(11.0, spacing * 0.32))
    mid = top + avail_h / 2 + (above - below) * spacing / 2

    # Horizontally: titles first (never wider than their column), then the names beside the
    # input and output neurons, shortened before they are left out.
    glyph_room = [2 * (0.75 * lh + 6) if c.frozen or c.problem or (c.is_output and flag_output)
                  else 0.0 for c in cols]
    need = max(max(fm.horizontalAdvance(t) for t in c.title_lines) + 12 + g
               for c, g in zip(cols, glyph_room))
    min_colw = max(need, 4 * radius + 16)
    ends = (cols[0], cols[-1])
    if spacing >= lh * 0.95:  # one line of text per neuron
        for col in ends:
            col.names = list(col.wanted)
    cap = max(NAME_MIN, min(160.0, width * 0.28))
    gap = radius + 6  # between a neuron and its name
    while True:
        full = [min(cap, max((fm.horizontalAdvance(n) for n in c.names), default=0.0))
                for c in ends]
        room = width - 24 - len(cols) * min_colw - sum(gap for w in full if w > 0)
        widths = _share(full, max(0.0, room))
        short = [w < min(f, NAME_MIN) for w, f in zip(widths, full)]  # cut to 2 letters
        if not any(short):
            break
        # Leave out the names cut too short (the longer ones if both are) and give the
        # other side the room.
        if all(short):
            ends[0 if full[0] >= full[1] else 1].names = []
        else:
            ends[short.index(True)].names = []
    for col, w, f in zip(ends, widths, full):
        col.names_width = w if col.names else 0.0
        col.names_cut = bool(col.names) and w < f - 0.5
    left = 12 + (cols[0].names_width + gap if cols[0].names else 0)
    right = 12 + (cols[-1].names_width + gap if cols[-1].names else 0)
    colw = max(10.0, (width - left - right) / len(cols))

    for k, col in enumerate(cols):
        col.cx = cx = left + (k + 0.5) * colw
        col.width = colw
        text_w = colw - 8 - glyph_room[k]
        for tier in col.short_lines:  # "Conv 16 / 3x3 ReLU", then "Conv / 16", for "Conv2D 16 / ..."
            if max(fm.horizontalAdvance(t) for t in col.title_lines) <= text_w:
                break
            col.title_lines = list(tier)
            col.tier += 1
        lines = [fm.elidedText(t, Qt.ElideRight, text_w) for t in col.title_lines]
        col.title_cut, col.title_lines = lines != col.title_lines, lines
        y = mid - half[k] * spacing
        col.points = []
        for j, _idx in enumerate(col.drawn):
            if col.collapsed and j == EDGE:
                col.ellipsis = QPointF(cx, y)
                y += spacing
            col.points.append(QPointF(cx, y))
            y += spacing
        if col.bias is not None:  # a little apart from the neurons
            col.bias = QPointF(cx, col.points[-1].y() + BIAS_GAP * spacing)
        title_w = max(fm.horizontalAdvance(t) for t in col.title_lines)
        count_w = fm.horizontalAdvance(col.count_text) + 12 if col.collapsed else 0.0
        w = min(colw - 2, max(title_w + 20 + glyph_room[k], count_w, 2 * radius + 36))
        if col.shape is None or col.is_maps or col.kind == "Flatten":
            w = colw - 2  # pictures and funnels take the column's room
        col.rect = QRectF(cx - w / 2, 4, w, bottom + lh + 6 - 4)
        col.area = QRectF(cx - colw / 2, top, colw, bottom - top)
    _place_maps(cols, mid, avail_h, top, bottom)
    return cols, radius


def make_columns(layers: list[dict], dataset) -> list[Column]:
    """One column per layer after the input's, with the shapes of the engine's shape
    inference (:func:`~nnstudio.project.layer_edits.check_shapes`: a layer that does not fit
    gets its reason, and the layers after it an unknown size)."""
    check = check_shapes(input_shape_of(dataset), layers)
    shape = check.input_shape
    size = _count(shape)
    pictures = len(shape) == 3
    if pictures:
        h, w, c = shape
        kind = "grey picture" if c == 1 else "colour picture" if c == 3 else f"{c} channels"
        first = Column(-1, "Input", size, [f"Input {h}x{w}", kind], heading=f"Input: {h}x{w} {kind}",
                       shape=shape, short_lines=[["Input", f"{h}x{w}" + ("" if c == 1 else f"x{c}")]])
    else:
        first = Column(-1, "Input", size, [f"Input {size:,}", "features"],
                       heading=f"Input {size:,}", shape=shape)
    cols = [first]
    for i, spec in enumerate(layers):
        cfg = spec["config"]
        last = i == len(layers) - 1
        info = check.shapes[i]
        out = tuple(info.output_shape) if info is not None else None
        cols.append(Column(i, spec["class"], _count(out) if out is not None else 0,
                           layer_title(spec, last, pictures), heading=layer_heading(spec, last, pictures),
                           is_output=last, frozen=not cfg.get("trainable", True),
                           rate=float(cfg.get("rate", 0.0)), shape=out,
                           problem=check.reason if check.bad == i else "",
                           short_lines=short_titles(spec, last)))
    return cols


def short_titles(spec: dict, is_output: bool = False) -> list[list[str]]:
    """Narrower two-line titles, tried in turn when the usual one would be cut in a narrow
    column: ``[["Conv 16", "3x3 ReLU"], ["Conv", "16"]]``; each still says the kind."""
    cfg, kind = spec["config"], spec["class"]
    if kind == "Conv2D":
        act = get_activation(cfg.get("activation", "relu")).display_name
        k = _side(cfg.get("kernel_size", 3))
        return [[f"Conv {cfg.get('filters')}", f"{k}x{k} {act}"], ["Conv", f"{cfg.get('filters')}"]]
    if kind == "MaxPool2D":
        p = _side(cfg.get("pool_size", 2))
        return [["Pool", f"{p}x{p} max"], ["Pool", f"{p}x{p}"]]
    if kind == "Rescaling":
        scale = float(cfg.get("scale", 1 / 255))
        inv = 1 / scale if scale else 0.0
        whole = inv > 1 and abs(inv - round(inv)) < 1e-6
        return [["Scale", f"/ {round(inv)}" if whole else f"\u00d7 {scale:.3g}"]]
    if kind == "Flatten":
        return [["Flatten", "to list"], ["Flat", ""]]
    if kind == "Dropout":
        return [["Drop", f"{round(100 * float(cfg.get('rate', 0)))} %"]]
    if "units" in cfg:
        return [["Output" if is_output else kind, f"{cfg.get('units')}"],
                ["Out" if is_output else kind[:5], f"{cfg.get('units')}"]]
    return []


def _count(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


#: Maps drawn one behind the other in a stack (more filters: the stack is as deep as this).
STACK_DEPTH = 5


def _place_maps(cols: list[Column], mid: float, avail_h: float, top: float, bottom: float) -> None:
    """Squares of the picture and map columns: the input's as large as the column allows,
    each later one smaller as its maps shrink (by the square root of their side, so 5x5 maps
    after two poolings stay visible), stacks as deep as their maps (up to :data:`STACK_DEPTH`);
    a Flatten's funnel opens as wide as the maps before it."""
    first = cols[0].shape
    base_h = first[0] if first is not None and len(first) == 3 else None
    for k, col in enumerate(cols):
        if col.is_maps:
            h, _w, c = col.shape  # type: ignore[misc]
            depth = min(int(c), STACK_DEPTH)
            offset = max(2.5, min(7.0, col.width * 0.05))
            base = min(col.width - 10 - (depth - 1) * offset, avail_h * 0.55, 170.0)
            side = base * max(0.3, min(1.0, (h / base_h) ** 0.5 if base_h else 1.0))
            if col.kind == "Rescaling":  # a small step: the pixels only change scale
                side *= 0.45
            side = max(8.0, side)
            span = side + (depth - 1) * offset
            left = col.cx - span / 2
            top_y = mid - span / 2 + (depth - 1) * offset
            col.stack = QRectF(left, top_y, side, side)
            col.depth, col.offset = depth, offset
        elif col.kind == "Flatten" and col.shape is not None:
            prev = cols[k - 1] if k > 0 else None
            h = prev.stack.height() if prev is not None and prev.stack is not None else avail_h * 0.3
            col.funnel = QRectF(col.cx - col.width * 0.46, mid - h / 2, col.width * 0.46, h)


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
