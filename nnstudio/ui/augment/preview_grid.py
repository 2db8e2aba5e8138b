"""The preview grid: one picture and many augmented versions of it, made by the very pipeline
the trainer uses (:meth:`~nnstudio.data.augment.AugmentPipeline.preview`, seeded)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.data.augment import AugmentPipeline


def to_pixmap(image: np.ndarray, size: int) -> QPixmap:
    """A uint8 picture (H, W, 1 or 3) as a pixmap about ``size`` px on its longer side: small
    pictures scaled up with hard pixel edges (an 8x8 digit stays 64 crisp squares)."""
    img = np.ascontiguousarray(image, dtype=np.uint8)
    h, w, c = img.shape
    fmt = QImage.Format.Format_Grayscale8 if c == 1 else QImage.Format.Format_RGB888
    q = QImage(img.data, w, h, w * c, fmt).copy()  # copy: the array may go away
    mode = Qt.TransformationMode.FastTransformation if max(h, w) < size else \
        Qt.TransformationMode.SmoothTransformation
    return QPixmap.fromImage(q).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, mode)


class PreviewGridWidget(QWidget):
    """The original (first cell, framed) and ``count`` augmented versions."""

    def __init__(self, count: int = 15, columns: int = 4, cell: int = 84, parent=None):
        super().__init__(parent)
        self.count, self.cell = count, cell
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        grid.setSpacing(4)
        outer.addLayout(grid)
        self.cells: list[QLabel] = []
        for i in range(count + 1):
            label = QLabel()
            label.setFixedSize(cell + 4, cell + 4)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("border: 2px solid #3a7bd5;" if i == 0 else "border: 1px solid #ccc;")
            label.setToolTip("The picture as it is" if i == 0 else
                             "One way training may see it this epoch (drawn at random)")
            grid.addWidget(label, i // columns, i % columns)
            self.cells.append(label)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        outer.addWidget(self.caption)
        #: The last augmented pictures shown, (count, H, W, C) uint8 (for tests and checks).
        self.shown: np.ndarray | None = None

    def show_preview(self, pipeline: AugmentPipeline, image: np.ndarray, seed: int,
                     label: int | None = None, caption: str = "") -> None:
        images = pipeline.preview(image, self.count, seed=seed, label=label)
        self.shown = images
        self.cells[0].setPixmap(to_pixmap(image, self.cell))
        for cell, img in zip(self.cells[1:], images):
            cell.setPixmap(to_pixmap(img, self.cell))
        self.caption.setText(caption)
