"""Class probabilities as horizontal bars, one row per class, the network's answer in bold."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from nnstudio.ui.gallery.gallery_model import percent
from nnstudio.ui.views.palette import class_color


class ProbabilityBarsWidget(QWidget):
    """``set_probabilities(names, p)``: one bar per class, ``p`` of shape (n_classes,) summing
    to 1 (None: empty bars). ``probabilities`` keeps what is drawn."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names: list[str] = []
        self.probabilities: np.ndarray | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("How sure the network is of each class for the drawing: the bars add up "
                        "to 100 %. The longest bar is its answer.")

    def set_probabilities(self, names: list[str], p: np.ndarray | None) -> None:
        if list(names) != self.names:
            self.names = list(names)
            self.updateGeometry()
        self.probabilities = None if p is None else np.asarray(p, dtype=np.float64).copy()
        self.update()

    def _row_height(self) -> int:
        return self.fontMetrics().height() + 2

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(220, self._row_height() * max(len(self.names), 1) + 2)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(120, self.sizeHint().height())

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        fm = self.fontMetrics()
        rh = self._row_height()
        name_w = min(max((fm.horizontalAdvance(n) for n in self.names), default=0) + 8, self.width() // 3)
        bold = QFont(self.font())
        bold.setBold(True)
        pct_w = QFontMetrics(bold).horizontalAdvance("100 %") + 8
        bar_w = max(self.width() - name_w - pct_w, 10)
        p = self.probabilities
        best = int(np.argmax(p)) if p is not None and len(p) else -1
        text_colour = self.palette().windowText().color()
        track = self.palette().mid().color()
        track.setAlpha(60)
        for i, name in enumerate(self.names):
            y = i * rh
            painter.setFont(bold if i == best else self.font())
            painter.setPen(text_colour)
            painter.drawText(QRectF(0, y, name_w - 6, rh), Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, fm.elidedText(name, Qt.TextElideMode.ElideRight,
                                                                           name_w - 6))
            painter.fillRect(QRectF(name_w, y + 2, bar_w, rh - 4), track)
            if p is None or i >= len(p):
                continue
            colour = QColor(class_color(i))
            if i != best:
                colour.setAlpha(150)
            painter.fillRect(QRectF(name_w, y + 2, bar_w * float(np.clip(p[i], 0, 1)), rh - 4), colour)
            painter.drawText(QRectF(name_w + bar_w + 4, y, pct_w, rh), Qt.AlignmentFlag.AlignLeft
                             | Qt.AlignmentFlag.AlignVCenter, percent(p[i]).replace("%", " %"))
