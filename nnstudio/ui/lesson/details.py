"""The magnifying glass's detail widgets: the output's probabilities as bars, and a table of
every neuron of one layer (the canvas draws big layers cut short; here none is left out)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from nnstudio.explain.numbers import num, percent

BAR = "#8e44c9"        # the output layer's colour on the canvas
TRUE_BAR = "#188038"   # the right answer
TEXT = "#202124"
RIGHT = Qt.AlignRight | Qt.AlignVCenter
#: Rows the layer table fills at most (the canvas reaches every pixel of a map).
MAX_ROWS = 2000


def probabilities(output) -> np.ndarray:
    """A classifier's output as one probability per class (one sigmoid: ``[1 - p, p]``)."""
    out = np.asarray(output, dtype=np.float64).reshape(-1)
    return np.array([1.0 - out[0], out[0]]) if out.size == 1 else out


class ProbabilityBarsWidget(QWidget):
    """One horizontal bar per class: its probability, the true class in green; with
    ``before`` given (the Update stage) the bar shows the probability after the update and a
    dark tick where it was before."""

    ROW = 22
    #: A class's bar was clicked (its index): the panel shows the output's arithmetic.
    class_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._names: list[str] = []
        self._p = np.zeros(0)
        self._before: np.ndarray | None = None
        self._true = -1
        self.setAccessibleName("Probabilities per class")
        self.setCursor(Qt.PointingHandCursor)

    def set_probabilities(self, names: list[str], probabilities, true_class: int,
                          before=None) -> None:
        self._names = list(names)
        self._p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
        self._before = None if before is None else np.asarray(before, dtype=np.float64).reshape(-1)
        self._true = int(true_class)
        if self._before is None:
            lines = [f"{n}: {percent(v)}" for n, v in zip(self._names, self._p)]
        else:
            lines = [f"{n}: {percent(b)} \u2192 {percent(v)}"
                     for n, v, b in zip(self._names, self._p, self._before)]
        self.setToolTip("<br>".join(lines) + "<br><i>Click for the arithmetic.</i>")
        self.updateGeometry()
        self.update()

    def mousePressEvent(self, e) -> None:  # Qt override
        k = int(e.position().y() - 3) // self.ROW
        if 0 <= k < len(self._p):
            self.class_clicked.emit(k)

    @property
    def probabilities(self) -> np.ndarray:
        return self._p.copy()

    def sizeHint(self) -> QSize:  # Qt override
        return QSize(240, self.ROW * max(1, min(len(self._p), 10)) + 6)

    def minimumSizeHint(self) -> QSize:  # Qt override
        return QSize(120, self.ROW * max(1, min(len(self._p), 10)) + 6)

    def paintEvent(self, event) -> None:  # Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        bold_font = QFont(self.font())
        bold_font.setBold(True)
        fm = QFontMetricsF(bold_font)  # the true class is bold: measure the widest
        rows = min(len(self._p), max(1, (self.height() - 6) // self.ROW))
        name_w = min(self.width() * 0.35,
                     max((fm.horizontalAdvance(n) for n in self._names[:rows]), default=0) + 10)
        pct_w = fm.horizontalAdvance("100 % \u2192 100 %" if self._before is not None else "100 %") + 8
        bar_w = max(10.0, self.width() - name_w - pct_w - 8)
        for k in range(rows):
            y = 3 + k * self.ROW
            name = self._names[k] if k < len(self._names) else f"class {k}"
            bold = k == self._true
            font = self.font()
            font.setBold(bold)
            p.setFont(font)
            p.setPen(QColor(TRUE_BAR if bold else TEXT))
            p.drawText(QRectF(0, y, name_w - 6, self.ROW - 4), Qt.AlignRight | Qt.AlignVCenter,
                       fm.elidedText(name, Qt.ElideRight, name_w - 6))
            p.setPen(QPen(QColor("#dadce0"), 1))
            p.setBrush(QColor("#f1f3f4"))
            p.drawRect(QRectF(name_w, y + 3, bar_w, self.ROW - 10))
            p.setPen(Qt.NoPen)
            p.setBrush(QColor(TRUE_BAR if bold else BAR))
            p.drawRect(QRectF(name_w, y + 3, bar_w * float(np.clip(self._p[k], 0, 1)), self.ROW - 10))
            text = percent(float(self._p[k]))
            if self._before is not None and k < len(self._before):
                x = name_w + bar_w * float(np.clip(self._before[k], 0, 1))
                p.setPen(QPen(QColor(TEXT), 2))
                p.drawLine(QPointF(x, y + 1), QPointF(x, y + self.ROW - 5))
                text = f"{percent(float(self._before[k]))} \u2192 {text}"
            p.setPen(QColor(TEXT))
            p.drawText(QRectF(name_w + bar_w + 4, y, pct_w, self.ROW - 4),
                       Qt.AlignLeft | Qt.AlignVCenter, text)


class LayerNeuronsTable(QTableWidget):
    """Every neuron of one layer with its numbers for this sample: weighted sum z, output a,
    and (from the backward stage on) the gradient dL/d(output)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, 4, parent)
        self.setHorizontalHeaderLabels(["Neuron", "Sum z", "Output a", "dL/d(output)"])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.setAccessibleName("All neurons of the layer")
        self.layer = None
        self._shown: tuple | None = None

    def show_layer(self, walk, layer: int, names: list[str] | None = None,
                   with_gradient: bool = True) -> None:
        """Fill with layer ``layer`` of ``walk`` (-1: the input features)."""
        key = (id(walk), layer)
        if key == self._shown:  # a stage changed, not the numbers: 256 rows cost ~8 ms
            self.setColumnHidden(3, layer < 0 or not with_gradient)
            return
        self._shown = key
        self.layer = layer
        lt = walk.trace.layers[max(layer, 0)]
        if layer < 0:
            out = np.asarray(lt.input).reshape(-1)
            z = grad = None
        else:
            out = np.asarray(lt.output).reshape(-1)
            z = None if lt.weighted_sum is None else np.asarray(lt.weighted_sum).reshape(-1)
            grad = np.asarray(lt.grad_output).reshape(-1)
        values = lt.input if layer < 0 else lt.output
        maps = np.shape(values) if np.ndim(values) == 3 else None
        shown = min(len(out), MAX_ROWS)
        self.setUpdatesEnabled(False)
        self.clearSpans()
        self.setRowCount(shown + (1 if shown < len(out) else 0))
        if shown < len(out):  # 10,816 rows of a conv layer took half a second to fill
            more = QTableWidgetItem(f"\u2026 {len(out) - shown:,} more: click a pixel of a map "
                                    "on the canvas")
            self.setItem(shown, 0, more)
            self.setSpan(shown, 0, 1, 4)
        for j in range(shown):
            if maps is not None:  # a pixel: its map and place (rows in the engine's order)
                rest, m = divmod(j, maps[2])
                r, c = divmod(rest, maps[1])
                label = f"map {m + 1} ({r + 1}, {c + 1})"
            else:
                label = names[j] if names and j < len(names) else f"{j + 1}"
            cells = [label, "" if z is None else num(z[j]), num(out[j]),
                     "" if grad is None else num(grad[j])]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(RIGHT)
                self.setItem(j, c, item)
        self.horizontalHeaderItem(2).setText("Value" if layer < 0 else "Output a")
        self.horizontalHeaderItem(3).setText(gradient_name(walk, layer))
        self.setColumnHidden(1, z is None)
        self.setColumnHidden(3, grad is None or not with_gradient)
        self.setUpdatesEnabled(True)

    def clear_rows(self) -> None:
        self._shown = None
        self.layer = None
        self.setRowCount(0)


def gradient_name(walk, layer: int) -> str:
    """What the backward pass hands neuron ``layer`` back: dL/d(output) for a hidden neuron;
    at a sigmoid or softmax output measured with cross-entropy the engine hands back dL/dz =
    p - y straight away (dL/da would be -1/p for the true class: another number)."""
    last = len(walk.trace.layers) - 1
    return "dL/dz = p - y" if layer == last and walk.fused else "dL/d(output)"
