"""The magnifying glass's detail widgets: the output's probabilities as bars, and a table of
every neuron of one layer (the canvas draws big layers cut short; here none is left out)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from nnstudio.explain.numbers import num, percent

BAR = "#8e44c9"        # the output layer's colour on the canvas
TRUE_BAR = "#188038"   # the right answer
TEXT = "#202124"
RIGHT = Qt.AlignRight | Qt.AlignVCenter


class ProbabilityBarsWidget(QWidget):
    """One horizontal bar per class: its probability, the true class in green."""

    ROW = 22

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._names: list[str] = []
        self._p = np.zeros(0)
        self._true = -1
        self.setAccessibleName("Probabilities per class")

    def set_probabilities(self, names: list[str], probabilities, true_class: int) -> None:
        self._names = list(names)
        self._p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
        self._true = int(true_class)
        self.setToolTip("<br>".join(f"{n}: {percent(v)}" for n, v in zip(self._names, self._p)))
        self.updateGeometry()
        self.update()

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
        fm = QFontMetricsF(self.font())
        rows = min(len(self._p), max(1, (self.height() - 6) // self.ROW))
        name_w = min(self.width() * 0.35,
                     max((fm.horizontalAdvance(n) for n in self._names[:rows]), default=0) + 8)
        pct_w = fm.horizontalAdvance("100 %") + 8
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
            p.setPen(QColor(TEXT))
            p.drawText(QRectF(name_w + bar_w + 4, y, pct_w, self.ROW - 4),
                       Qt.AlignLeft | Qt.AlignVCenter, percent(float(self._p[k])))


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
        self.setAccessibleName("All neurons of the layer")
        self.layer = None
        self._shown: tuple | None = None

    def show_layer(self, walk, layer: int, names: list[str] | None = None,
                   with_gradient: bool = True) -> None:
        """Fill with layer ``layer`` of ``walk`` (-1: the input features)."""
        key = (id(walk), layer, with_gradient)
        if key == self._shown:  # a stage changed, not the numbers: 256 rows cost ~8 ms
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
            grad = np.asarray(lt.grad_output).reshape(-1) if with_gradient else None
        self.setUpdatesEnabled(False)
        self.setRowCount(len(out))
        for j in range(len(out)):
            label = names[j] if names and j < len(names) else f"{j + 1}"
            cells = [label, "" if z is None else num(z[j]), num(out[j]),
                     "" if grad is None else num(grad[j])]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(RIGHT)
                self.setItem(j, c, item)
        self.setColumnHidden(1, z is None)
        self.setColumnHidden(3, grad is None)
        self.setUpdatesEnabled(True)

    def clear_rows(self) -> None:
        self._shown = None
        self.layer = None
        self.setRowCount(0)
