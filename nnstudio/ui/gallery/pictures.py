"""uint8 pictures -> Qt images, and the parts of a split as arrays (shared by the gallery, the
data panel's picture grid and the drawing pad)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap

#: Part of each data row, as the Rows table numbers them.
TRAIN, VAL, TEST = 0, 1, 2
PART_NAMES = ("training", "validation", "test")


def to_qimage(pixels: np.ndarray) -> QImage:
    """A QImage owning a copy of ``pixels``, uint8 of shape (H, W, 1) or (H, W, 3).

    The copy matters: a QImage made from a numpy buffer only points into it, and the array
    (a view into the data set) may be freed while the image is still on screen.
    """
    p = np.ascontiguousarray(pixels, dtype=np.uint8)
    h, w, c = p.shape
    fmt = QImage.Format.Format_Grayscale8 if c == 1 else QImage.Format.Format_RGB888
    return QImage(p.data, w, h, w * c, fmt).copy()


def to_pixmap(pixels: np.ndarray, side: int) -> QPixmap:
    """``pixels`` (H, W, C) scaled to fit ``side`` x ``side``: pixel blocks, not blur, when
    enlarged (a 28x28 digit blurred to 64x64 hides the very pixels the network sees)."""
    image = to_qimage(pixels)
    mode = (Qt.TransformationMode.FastTransformation if max(image.width(), image.height()) <= side
            else Qt.TransformationMode.SmoothTransformation)
    return QPixmap.fromImage(image.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio, mode))


def parts_of(n: int, split) -> tuple[np.ndarray, np.ndarray]:
    """``(part, position)`` of each of ``n`` data rows: int8 TRAIN / VAL / TEST and the row's
    index within its part (what ``ctl.choose_sample`` takes for a training row)."""
    parts = np.full(n, TRAIN, dtype=np.int8)
    pos = np.arange(n, dtype=np.int64)
    if split is not None and n:
        for part, rows in ((TRAIN, split.train_indices), (VAL, split.val_indices),
                           (TEST, split.test_indices)):
            rows = np.asarray(rows, dtype=np.int64)
            parts[rows] = part
            pos[rows] = np.arange(len(rows))
    return parts, pos
