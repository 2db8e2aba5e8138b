"""The data panel's plot for pictures: a few training pictures of each class, one class a row."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from nnstudio.ui.gallery.pictures import to_qimage
from nnstudio.ui.views.palette import class_color

#: Pictures kept per class (as many as fit the width are drawn).
PER_CLASS = 12
#: Classes drawn as rows; more are left to the gallery.
MAX_CLASSES = 10
GAP = 2
TIP = ("A few training pictures of each class, one class a row. Click one to follow it through "
       "a training step under the magnifying glass; the Pictures tab shows them all.")


class PictureGridWidget(QWidget):
    """Training pictures by class. ``sample_clicked(index in the training part)`` on a click;
    :meth:`show_chosen` frames the chosen one when it is drawn."""

    sample_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ds = None
        self._names: list[str] = []
        self._rows: list[np.ndarray] = []       # per class: training positions shown
        self._train_rows = np.zeros(0, dtype=np.int64)
        self._images: dict[int, QImage] = {}
        self._chosen = -1                       # training position
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(TIP)
        self.setMouseTracking(False)

    # ------------------------------------------------------------------ public
    def set_data(self, dataset, train_rows: np.ndarray | None) -> None:
        """Pictures of ``dataset`` (None to clear); ``train_rows``: the data rows of the
        training part in order (``split.train_indices``; None: every row)."""
        self._ds = dataset
        self._images.clear()
        self._rows = []
        if dataset is None or not dataset.is_image:
            self._names = []
            self._train_rows = np.zeros(0, dtype=np.int64)
        else:
            n = dataset.n_samples
            self._train_rows = (np.arange(n, dtype=np.int64) if train_rows is None
                                else np.asarray(train_rows, dtype=np.int64))
            y = dataset.y[self._train_rows]
            self._names = list(dataset.class_names[:MAX_CLASSES])
            for c in range(len(self._names)):
                self._rows.append(np.flatnonzero(y == c)[:PER_CLASS])
        self.updateGeometry()
        self.update()

    def show_chosen(self, index: int) -> None:
        """Frame training picture ``index`` (-1: none)."""
        self._chosen = int(index)
        self.update()

    def shown_positions(self) -> list[np.ndarray]:
        """Per class drawn, the training positions of the pictures kept for it."""
        return self._rows

    # ------------------------------------------------------------------ geometry
    def _cell(self) -> int:
        h, w = self._ds.sample_shape[:2] if self._ds is not None else (28, 28)
        side = max(h, w)
        return side * max(1, 36 // side) if side <= 36 else 36

    def _name_width(self) -> int:
        fm = self.fontMetrics()
        return min(max((fm.horizontalAdvance(n) for n in self._names), default=0) + 22, 96)

    def _columns(self) -> int:
        return max(1, (self.width() - self._name_width()) // (self._cell() + GAP))

    def cell_rect(self, cls: int, col: int) -> QRect:
        c = self._cell()
        return QRect(self._name_width() + col * (c + GAP), cls * (c + GAP), c, c)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return False

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(300, max(len(self._names), 1) * (self._cell() + GAP))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(120, self.sizeHint().height())

    def position_at(self, x: int, y: int) -> int:
        """Training position of the picture at widget point (x, y); -1 for none."""
        for cls, rows in enumerate(self._rows):
            for col in range(min(len(rows), self._columns())):
                if self.cell_rect(cls, col).contains(x, y):
                    return int(rows[col])
        return -1

    # ------------------------------------------------------------------ Qt events
    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        if self._ds is None or not self._rows:
            return
        painter = QPainter(self)
        fm = self.fontMetrics()
        cols = self._columns()
        name_w = self._name_width()
        for cls, rows in enumerate(self._rows):
            r0 = self.cell_rect(cls, 0)
            dot = QRect(2, r0.center().y() - 4, 8, 8)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(class_color(cls))
            painter.drawEllipse(dot)
            painter.setPen(self.palette().windowText().color())
            painter.drawText(QRect(14, r0.y(), name_w - 16, r0.height()),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             fm.elidedText(self._names[cls], Qt.TextElideMode.ElideRight, name_w - 16))
            for col, pos in enumerate(rows[:cols]):
                rect = self.cell_rect(cls, col)
                painter.drawImage(rect, self._image(int(pos)))
                if int(pos) == self._chosen:
                    painter.setPen(QPen(Qt.GlobalColor.red, 2))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawRect(rect.adjusted(-1, -1, 0, 0))

    def _image(self, pos: int) -> QImage:
        img = self._images.get(pos)
        if img is None:
            img = to_qimage(self._ds.X[self._train_rows[pos]])
            self._images[pos] = img
        return img

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.button() != Qt.MouseButton.LeftButton:
            return
        p = event.position().toPoint()
        pos = self.position_at(p.x(), p.y())
        if pos >= 0:
            self.sample_clicked.emit(pos)
