"""The gallery's list model: one item per picture shown, thumbnails made only when asked.

A model over the arrays, never 10,000 items: the view asks only for the pictures on screen,
and each thumbnail is made the first time it is asked for (~20 us for a 28x28 digit) and kept
in a bounded cache, so scrolling through 10,000 pictures stays smooth.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QAbstractListModel, Qt
from PySide6.QtGui import QColor, QPixmap

from nnstudio.ui.gallery.pictures import PART_NAMES, TRAIN, to_pixmap
from nnstudio.ui.views.palette import BAD_COLOR

#: Thumbnails kept: a screenful is ~100, a fast scroll passes a few hundred.
CACHE_SIZE = 2000
#: The data row of an item, for callers and tests.
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


def percent(p: float) -> str:
    """A probability as whole percent, rounded down: a network that is 99.7 % sure is not
    "100 %" sure (it never is), and a beginner reads 100 % as certainty."""
    return f"{min(int(float(p) * 100), 99)}%"


class GalleryModel(QAbstractListModel):
    """Pictures ``X[rows]`` with their class; after training, the network's answer.

    ``set_data`` gives the pictures, labels and parts; ``set_rows`` which rows to show and in
    what order; ``set_answers`` the network's answer and confidence per data row (or None).
    """

    def __init__(self, side: int = 56, parent=None) -> None:
        super().__init__(parent)
        self.side = side
        self._X: np.ndarray | None = None
        self._y = np.zeros(0, dtype=np.int64)
        self._parts = np.zeros(0, dtype=np.int8)
        self._pos = np.zeros(0, dtype=np.int64)
        self._names: list[str] = []
        self._rows = np.zeros(0, dtype=np.int64)
        self._answers: np.ndarray | None = None
        self._confidence: np.ndarray | None = None
        self._cache: OrderedDict[int, QPixmap] = OrderedDict()

    # ------------------------------------------------------------------ data
    def set_data(self, X, y, class_names, parts, positions) -> None:
        """Pictures uint8 (n, H, W, C) (or None), labels (n,), names, part and position per row."""
        self.beginResetModel()
        self._X = X
        self._y = np.asarray(y if y is not None else [], dtype=np.int64)
        self._names = list(class_names or [])
        self._parts, self._pos = parts, positions
        self._rows = np.zeros(0, dtype=np.int64)
        self._answers = self._confidence = None
        self._cache.clear()
        self.endResetModel()

    def set_rows(self, rows: np.ndarray) -> None:
        self.beginResetModel()
        self._rows = np.asarray(rows, dtype=np.int64)
        self.endResetModel()

    def set_answers(self, answers: np.ndarray | None, confidence: np.ndarray | None) -> None:
        self._answers, self._confidence = answers, confidence
        if self.rowCount():
            self.dataChanged.emit(self.index(0), self.index(self.rowCount() - 1),
                                  [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                   Qt.ItemDataRole.ForegroundRole])

    def set_side(self, side: int) -> None:
        self.beginResetModel()
        self.side = int(side)
        self._cache.clear()
        self.endResetModel()

    def rows(self) -> np.ndarray:
        """Data rows shown, in view order."""
        return self._rows

    def data_row(self, view_row: int) -> int:
        return int(self._rows[view_row])

    def part_of(self, data_row: int) -> tuple[int, int]:
        """``(part, position in that part)`` of ``data_row``."""
        return int(self._parts[data_row]), int(self._pos[data_row])

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent=None) -> int:  # noqa: N802 - Qt override
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self._X is None:
            return None
        row = int(self._rows[index.row()])
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.label(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole and self._wrong(row):
            return QColor(BAD_COLOR)
        if role == ROW_ROLE:
            return row
        return None

    def flags(self, index):
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable if index.isValid() \
            else Qt.ItemFlag.NoItemFlags

    # ------------------------------------------------------------------ texts
    def _name(self, c: int) -> str:
        return self._names[c] if 0 <= c < len(self._names) else str(c)

    def _wrong(self, row: int) -> bool:
        return self._answers is not None and int(self._answers[row]) != int(self._y[row])

    def label(self, row: int) -> str:
        """Under the picture: its class; a wrong answer as "4 → 9 87%"."""
        true = self._name(int(self._y[row]))
        if self._answers is None or not self._wrong(row):
            return true
        return f"{true} \u2192 {self._name(int(self._answers[row]))} {percent(self._confidence[row])}"

    def tooltip(self, row: int) -> str:
        part, pos = self.part_of(row)
        true = self._name(int(self._y[row]))
        text = f"Row {row} \u00b7 {PART_NAMES[part]} sample {pos} \u00b7 class {true}"
        if self._answers is not None:
            verdict = "wrong" if self._wrong(row) else "right"
            text += (f"\nThe network answers {self._name(int(self._answers[row]))} "
                     f"({percent(self._confidence[row])} sure): {verdict}.")
        if part == TRAIN:
            text += "\nClick to look at it under the magnifying glass."
        return text

    def _thumbnail(self, row: int) -> QPixmap:
        pix = self._cache.get(row)
        if pix is None:
            pix = to_pixmap(self._X[row], self.side)
            self._cache[row] = pix
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(row)
        return pix
