"""The network as a person pictures it: columns of neurons joined by weighted connections.

Painted with QPainter from geometry cached in :mod:`nnstudio.ui.network.canvas_layout` (recomputed on
resize and on project changes), so a repaint costs a few hundred lines at most even for a
784-input network: large columns are drawn collapsed and connections only join drawn neurons.
"""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QByteArray, QMimeData, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QDrag, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from nnstudio.engine import LAYERS, layer_from_config
from nnstudio.errors import NNStudioError
from nnstudio.ui.network import canvas_lines as lines
from nnstudio.ui.network import canvas_maps as maps
from nnstudio.ui.network import canvas_paint as paint
from nnstudio.ui.network import canvas_sample as sample
from nnstudio.ui.network.canvas_layout import Column, gap_x, insert_gap_at, layout_columns
from nnstudio.ui.network.layer_specs import output_explanation

LAYER_MIME = "application/x-nnstudio-layer"
INDEX_MIME = "application/x-nnstudio-layer-index"


class NetworkCanvasWidget(QWidget):
    """Draws the controller's network and edits it by click, keyboard and drag and drop.

    Parameters
    ----------
    ctl : ProjectController
        Read on its signals; every edit goes through its methods (undoable).

    With a :class:`~nnstudio.ui.network.canvas_sample.SampleOverlay` (:meth:`set_overlay`) it
    shows one sample's values and reports clicks on neurons and connections.
    """

    neuron_clicked = Signal(int, int)        # layer (-1: input), neuron index
    weight_clicked = Signal(int, int, int)   # layer, input index (-1: bias), neuron index

    def __init__(self, ctl, parent: QWidget | None = None):
        super().__init__(parent)
        self._ctl = ctl
        self._cols: list[Column] = []
        self._radius = 8.0
        self._label_font = self.font()  # column labels: smaller when names need the room
        self._live: list[np.ndarray] | None = None  # weights sent while training
        self._lines = lines.ConnectionLines()
        # weights_changed comes with other work (the end of a run, an undo): rebuild the lines
        # in an event loop turn of their own, or on demand, whichever comes first.
        self._stale = False
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(0)
        self._rebuild_timer.timeout.connect(self._ensure_built)
        self._drop_gap: int | None = None
        self._press: tuple[QPointF, int] | None = None
        self._overlay: sample.SampleOverlay | None = None
        self._picture = None  # a sample of picture data, drawn as the input (QImage)
        self._problem = ""    # why a layer does not fit (the line under the canvas)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMinimumSize(320, 200)
        self.setAccessibleName("Network canvas")
        self.setAccessibleDescription("The network's layers as columns of neurons. Click a column "
                                      "to select it, Delete removes it, arrow keys move the selection.")
        ctl.network_changed.connect(self._on_ctl_network_changed)
        ctl.dataset_changed.connect(self._on_ctl_network_changed)
        ctl.weights_changed.connect(self._on_ctl_weights_changed)
        ctl.selection_changed.connect(self._on_ctl_selection_changed)
        ctl.sample_chosen.connect(self._on_ctl_sample_chosen)
        self._relayout()

    # ------------------------------------------------------------------ public API
    def show_weights(self, weights: list[np.ndarray]) -> None:
        """Colour the connections by ``weights``: one array (n_in, units) per Dense layer.

        Called by the window with the trainer's copies (~every 150 ms); arrays whose shape no
        longer matches the drawn layer are ignored.
        """
        self._live = list(weights)
        self._build_connections()
        self.update()

    weight_style = staticmethod(lines.weight_style)

    def set_overlay(self, overlay: sample.SampleOverlay | None) -> None:
        """Show one sample (None: the weights alone, as usual)."""
        self._overlay = overlay
        self._build_connections()
        self.update()

    @property
    def overlay(self) -> sample.SampleOverlay | None:
        return self._overlay

    def neuron_point(self, layer: int, j: int) -> QPointF | None:
        """Centre of neuron ``j`` of ``layer`` (-1: input) when it is drawn, else None."""
        col = self._column(layer)
        return col.points[col.drawn.index(j)] if col is not None and j in col.drawn else None

    def weight_point(self, layer: int, i: int, j: int) -> QPointF | None:
        """A point on the line of weight ``(i, j)`` of ``layer`` (``i == -1``: the bias)."""
        line = sample.weight_line(self._cols, layer, i, j)
        return None if line is None else (line[0] * 0.6 + line[1] * 0.4)

    def connection_pens(self, layer: int) -> list[QPen]:
        """The pens of the drawn connections into ``layer`` (weights, then bias), as painted."""
        self._ensure_built()
        return list(self._lines.pens_by_layer.get(layer, []))

    @property
    def columns(self) -> list[Column]:
        """The drawn columns, input first (cached geometry; for tests and tools)."""
        return list(self._cols)

    @property
    def label_font(self) -> QFont:
        """Font of the column titles and names (smaller than the widget's when space is short)."""
        return QFont(self._label_font)

    @property
    def drop_index(self) -> int | None:
        """Insert position shown by the drop indicator while a layer is dragged over, else None."""
        return self._drop_gap

    def column_rect(self, layer: int) -> QRect:
        """Rectangle of a column: ``layer`` is a layer index, or -1 for the input column."""
        col = self._column(layer)
        return col.rect.toRect() if col else QRect()

    def column_center(self, layer: int) -> QPoint:
        return self.column_rect(layer).center()

    def insert_index_at(self, x: float) -> int:
        """Insert position of a layer dropped at ``x`` (the nearest gap between two columns)."""
        return insert_gap_at(self._cols, x)

    def column_tooltip(self, layer: int) -> str:
        """Plain words about a column: what it is and its parameter arithmetic."""
        col, ctl = self._column(layer), self._ctl
        if col is None:
            return ""
        if col.layer < 0 and col.is_maps:
            return (f"<b>{html.escape(col.heading)}</b><br>Each sample is a picture of "
                    f"{html.escape(col.count_texts[0])}; the network reads every pixel."
                    "<br>The input has no settings: it follows the data set.")
        if col.layer < 0:
            names = ctl.dataset.feature_names if ctl.dataset is not None else []
            listed = (f": {html.escape(', '.join(names))}" if 0 < len(names) <= 10  # cut on the canvas
                      else "")
            return (f"<b>Input</b><br>One circle per feature of the data ({col.size:,} features"
                    f"{listed}).<br>The input has no settings: it follows the data set.")
        spec = ctl.layers[col.layer]
        lines = [f"<b>{html.escape(col.heading)}</b>",
                 html.escape(LAYERS[spec["class"]].description)]
        received = self._cols[col.layer].shape  # column k holds what layer k receives
        if col.problem:
            lines.append(f"<span style='color:#c5221f'>\u26a0 Does not fit: "
                         f"{html.escape(col.problem)}</span>")
        elif received is not None and col.shape is not None:
            try:
                arithmetic = layer_from_config(spec).param_text(received)
            except (NNStudioError, IndexError, ValueError):
                arithmetic = ""
            lines.append(f"Gives {html.escape(col.size_text)}"
                         + (f"; {html.escape(arithmetic)}" if arithmetic else ""))
        else:
            lines.append("Its size is not known: a layer before it does not fit.")
        if col.frozen:
            lines.append("\U0001F512 Frozen: its weights stay fixed while training.")
        if col.is_output:
            lines.append(html.escape(output_explanation(ctl.dataset, spec)))
            issue = ctl.output_issue()
            if issue:
                lines.append(f"<span style='color:#c5221f'>\u26a0 {html.escape(issue)}</span>")
        else:
            lines.append("<i>Click to edit it · drag it to move it · Delete removes it.</i>")
        return "<br>".join(lines)

    # ------------------------------------------------------------------ model -> view
    def _on_ctl_network_changed(self) -> None:
        if not self._ctl.training_active:
            self._live = None  # the layers changed: the old copies no longer match
        self._relayout()

    def _on_ctl_weights_changed(self) -> None:
        if not self._ctl.training_active:
            self._live = None  # the network's own weights are current again
        self._stale = True
        self._rebuild_timer.start()

    def _ensure_built(self, repaint: bool = True) -> None:
        if self._stale:
            self._build_connections()
            if repaint:
                self.update()

    def _on_ctl_selection_changed(self, _index: int) -> None:
        self.update()

    def _on_ctl_sample_chosen(self, _index: int) -> None:
        self._picture = self._sample_picture()  # the input column shows the chosen picture
        self.update()

    def _relayout(self) -> None:
        ctl = self._ctl
        self._problem, self._picture = "", None
        if ctl.dataset is None or not ctl.layers:
            self._cols = []
        else:
            check = ctl.shape_check()
            self._problem = check.problem if check is not None else ""
            self._picture = self._sample_picture()
            fm = QFontMetricsF(self.font())
            self._cols, self._radius, self._label_font = layout_columns(
                ctl.layers, ctl.dataset, self.width(), self.height(), self.font(),
                paint.legend_height(fm), flag_output=ctl.output_issue() is not None)
        self._build_connections()
        self.update()

    def _sample_picture(self):
        """The chosen sample (else the first of the training part) as a QImage, for the
        input column of picture data; None for a table."""
        ctl = self._ctl
        split = ctl.scaled_split
        if ctl.dataset is None or not ctl.dataset.is_image or split is None or not len(split.train.X):
            return None
        row = ctl.chosen_sample if 0 <= ctl.chosen_sample < len(split.train.X) else 0
        return maps.picture_image(split.train.X[row])

    def _weights(self) -> dict[int, tuple[np.ndarray, np.ndarray | None]]:
        """Weights (and biases when known) by layer index."""
        ctl = self._ctl
        dense = [i for i, s in enumerate(ctl.layers) if s["class"] == "Dense"]
        net = ctl.network
        # The trainer writes into the live network while training: read it only when idle.
        idle = net is not None and not ctl.training_active and len(net.layers) == len(ctl.layers)
        own = {i: (layer.W, layer.b) for i, layer in enumerate(net.layers)
               if getattr(layer, "W", None) is not None} if idle else {}
        if self._live is not None:  # the trainer's copies hold no biases: take them when idle
            return {i: (w, own.get(i, (None, None))[1]) for i, w in zip(dense, self._live)}
        return own

    def _build_connections(self) -> None:
        self._stale = False
        values = self._weights() if self._cols else {}
        if self._overlay is not None:  # a gradient or a change instead of the weights
            values.update(self._overlay.edges)
        self._lines.build(self._cols, values)

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:
        self._ensure_built(repaint=False)  # being painted already
        p = QPainter(self)
        try:  # a painter left open by an exception crashes PySide; the exception still shows
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        if not self._cols:
            paint.draw_empty_hint(p, QRectF(self.rect()), self._ctl.dataset is None)
            return
        ctl = self._ctl
        issue = ctl.output_issue()
        overlay = self._overlay
        for col in self._cols:
            paint.draw_column_background(p, col, self._radius, col.layer == ctl.selected and
                                         col.layer >= 0, self._flagged(col, issue))
            maps.draw_funnel(p, col, self._radius)
            if col.shape is None:
                maps.draw_misfit(p, col)
            elif overlay is not None and col.is_maps and col.layer in overlay.values:
                maps.draw_sample_maps(p, col, overlay.values[col.layer], overlay.scale(col.layer),
                                      col.area.top(), col.area.bottom(),
                                      _pick(overlay.selected_neuron, col.layer),
                                      _pick(overlay.patch, col.layer))
            else:
                maps.draw_stack(p, col, self._picture)
        for pen, batch in self._lines.batches:
            p.setPen(pen)
            p.drawLines(batch)
        if overlay is not None:
            sample.draw_selected_weight(p, self._cols, overlay)
        for col in self._cols:
            paint.draw_neurons(p, col, self._radius)
        if overlay is not None:
            sample.draw_values(p, self._cols, self._radius, overlay)
        p.setFont(self._label_font)
        for col in self._cols:
            paint.draw_labels(p, col, self._radius, col.layer == ctl.selected and col.layer >= 0,
                              self._flagged(col, issue), self.height(),
                              sample.bottom_texts(col, overlay) or
                              ([""] if col.is_maps else col.count_texts if col.shape is None
                               else None))
            if col.is_maps and (overlay is None or col.layer not in overlay.values):
                maps.draw_stack_label(p, col)
        p.setFont(self.font())
        if self._problem:  # the reason stays in sight, not only in a tooltip
            maps.draw_problem_line(p, QRectF(self.rect()), self._problem)
        elif overlay is not None:
            sample.draw_legend(p, QRectF(self.rect()), overlay)
        else:
            paint.draw_legend(p, QRectF(self.rect()), tip=len(ctl.layers) == 1)
        if self._drop_gap is not None and self._cols:
            x = gap_x(self._cols, self._drop_gap)
            paint.draw_drop_indicator(p, x, self._cols[0].rect.top() + 4,
                                      self._cols[0].rect.bottom() - 4)
        if self.hasFocus():  # keyboard users see where the arrow keys and Delete act
            p.setPen(QPen(self.palette().highlight().color(), 2))
            p.setBrush(Qt.NoBrush)
            p.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))

    @staticmethod
    def _flagged(col: Column, issue: str | None) -> bool:
        return bool(col.problem) or (bool(issue) and col.is_output)

    def focusInEvent(self, event) -> None:  # Qt override: the focus frame comes and goes
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:  # Qt override
        super().focusOutEvent(event)
        self.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    # ------------------------------------------------------------------ mouse and keys
    def _column(self, layer: int) -> Column | None:
        return next((c for c in self._cols if c.layer == layer), None)

    def _column_at(self, pos: QPointF) -> Column | None:
        return next((c for c in self._cols if c.rect.contains(pos)), None)

    def event(self, e) -> bool:
        if e.type() == e.Type.ToolTip:
            pos = QPointF(e.pos())
            col = self._column_at(pos)
            tip = self._sample_tip(pos)
            if tip:
                QToolTip.showText(e.globalPos(), tip, self)
            elif col is not None:
                QToolTip.showText(e.globalPos(), self.column_tooltip(col.layer), self,
                                  col.rect.toRect())
            elif self.toolTip():  # the window's own note (e.g. while training)
                QToolTip.showText(e.globalPos(), self.toolTip(), self)
            else:
                QToolTip.hideText()
                e.ignore()
            return True
        return super().event(e)

    def mousePressEvent(self, e) -> None:
        if e.button() != Qt.LeftButton:
            return super().mousePressEvent(e)
        self.setFocus(Qt.MouseFocusReason)
        col = self._column_at(e.position())
        layer = col.layer if col is not None else -1
        if self._overlay is not None and self._sample_click(e.position()):
            if col is not None:
                self._ctl.select(layer)
            return
        self._ctl.select(layer)
        hidden = col is not None and col.layer >= 0 and not col.is_output
        self._press = (e.position(), layer) if hidden else None

    def _sample_tip(self, pos: QPointF) -> str:
        if self._overlay is None:
            return ""
        hit = sample.neuron_at(self._cols, self._radius, pos) or self._pixel_at(pos)
        if hit is not None:
            return self._overlay.neuron_tip(*hit)
        hit_w = sample.weight_at(self._cols, pos)
        return self._overlay.weight_tip(*hit_w) if hit_w is not None else ""

    def _sample_click(self, pos: QPointF) -> bool:
        """A click on a neuron or a connection while a sample is shown: reported, True."""
        hit = sample.neuron_at(self._cols, self._radius, pos) or self._pixel_at(pos)
        if hit is not None:
            self.neuron_clicked.emit(*hit)
            return True
        hit_w = sample.weight_at(self._cols, pos)
        if hit_w is not None:
            self.weight_clicked.emit(*hit_w)
            return True
        return False

    def _pixel_at(self, pos: QPointF) -> tuple[int, int] | None:
        """``(layer, flat index)`` of the pixel of a sample's map under ``pos``."""
        overlay = self._overlay
        col = self._column_at(pos)
        if overlay is None or col is None or col.layer not in overlay.values:
            return None
        j = maps.pixel_at(col, pos, col.area.top(), col.area.bottom())
        return None if j is None else (col.layer, j)

    def mouseMoveEvent(self, e) -> None:
        if self._press is None or not e.buttons() & Qt.LeftButton:
            return
        start, layer = self._press
        if (e.position() - start).manhattanLength() >= QApplication.startDragDistance():
            self._press = None
            self._start_drag(layer, start)

    def mouseReleaseEvent(self, e) -> None:
        self._press = None

    def _start_drag(self, layer: int, start: QPointF) -> None:
        mime = QMimeData()
        mime.setData(INDEX_MIME, QByteArray(str(layer).encode()))
        drag = QDrag(self)
        drag.setMimeData(mime)
        rect = self.column_rect(layer)
        drag.setPixmap(self.grab(rect))
        drag.setHotSpot(start.toPoint() - rect.topLeft())
        drag.exec(Qt.MoveAction)

    def keyPressEvent(self, e) -> None:
        ctl, key = self._ctl, e.key()
        if key in (Qt.Key_Delete, Qt.Key_Backspace) and ctl.selected >= 0:
            ctl.remove_layer(ctl.selected)
        elif key in (Qt.Key_Left, Qt.Key_Right) and ctl.layers:
            step = -1 if key == Qt.Key_Left else 1
            ctl.select(max(0, min(len(ctl.layers) - 1, ctl.selected + step)))
        elif key == Qt.Key_Escape and not ctl.training_active:  # during a run Esc stops it (the window)
            ctl.select(-1)
        else:
            return super().keyPressEvent(e)
        e.accept()

    # ------------------------------------------------------------------ drag and drop
    @staticmethod
    def _accepts(mime: QMimeData) -> bool:
        return mime.hasFormat(LAYER_MIME) or mime.hasFormat(INDEX_MIME)

    def dragEnterEvent(self, e) -> None:
        if not self._accepts(e.mimeData()):
            return e.ignore()
        e.acceptProposedAction()
        self._show_drop_gap(e.position().x())

    def dragMoveEvent(self, e) -> None:
        if not self._accepts(e.mimeData()):
            return e.ignore()
        e.acceptProposedAction()
        self._show_drop_gap(e.position().x())

    def dragLeaveEvent(self, e) -> None:
        self._drop_gap = None
        self.update()

    def _show_drop_gap(self, x: float) -> None:
        gap = self.insert_index_at(x) if len(self._cols) > 1 else None
        if gap != self._drop_gap:
            self._drop_gap = gap
            self.update()

    def dropEvent(self, e) -> None:
        self._drop_gap = None
        self.update()
        mime, ctl = e.mimeData(), self._ctl
        if not self._accepts(mime):
            return e.ignore()
        if not self._cols:
            ctl.message_posted.emit("Choose a data set first: the network is built around it.",
                                    "warning")
            return e.ignore()
        index = self.insert_index_at(e.position().x())
        if mime.hasFormat(INDEX_MIME):
            src = int(bytes(mime.data(INDEX_MIME)).decode() or -1)
            ctl.move_layer(src, index)
            e.setDropAction(Qt.MoveAction)
            return e.accept()
        kind = bytes(mime.data(LAYER_MIME)).decode("utf-8")
        if kind not in LAYERS:
            ctl.message_posted.emit(f"Unknown layer type {kind!r}; choose one of "
                                    f"{', '.join(LAYERS)}.", "error")
            return e.ignore()
        if not ctl.insert_layer(index, kind):  # refused (a picture layer on a table): said why
            return e.ignore()
        e.acceptProposedAction()


def _pick(value: tuple | None, layer: int):
    """The part of ``value`` = (layer, ...) for ``layer``: the rest (one item alone), or None."""
    if value is None or value[0] != layer:
        return None
    return value[1] if len(value) == 2 else tuple(value[1:])
