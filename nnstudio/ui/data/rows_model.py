"""The rows of a data set as a Qt table model: row number, part, class (or value), features.

A model over the arrays, never one item per cell: only the cells on screen are asked for, so
50,000 rows cost a few arrays of 50,000 numbers. Sorting and filtering happen here with numpy
(a ``QSortFilterProxyModel`` would call back into Python for every comparison: a million calls
to sort 50,000 rows).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from nnstudio.ui.views.palette import class_color

TRAIN, VAL, TEST = 0, 1, 2
PART_NAMES = ("training", "validation", "test")
#: Columns before the features.
ROW_COL, PART_COL, ANSWER_COL = 0, 1, 2
FIRST_FEATURE_COL = 3
#: Background of the sample the magnifying glass looks at (soft yellow, like a highlighter).
CHOSEN_BACKGROUND = QColor("#FFE9A8")


def format_value(value: float) -> str:
    """A value as the data holds it, short enough for a narrow column: ``5.1``, ``-0.5631``,
    ``1200``, ``48213.5`` (never ``4.821e+04`` for an everyday number like a price)."""
    v = float(value)
    if not np.isfinite(v):
        return str(v)
    if v == round(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.1f}" if abs(v) >= 1000 else f"{v:.4g}"


class DataRowsModel(QAbstractTableModel):
    """Table of one data set's rows, filtered by part and class, sorted by any column.

    Columns: "Row" (the row of the data set), "Part" ("training 12": the 13th training
    sample, the number the magnifying glass and ``nnstudio step --sample`` use), "Class"
    (or "Value" for numbers to predict), then one column per feature in the data's own units.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._ds = None
        self._parts = np.zeros(0, dtype=np.int8)       # data row -> TRAIN / VAL / TEST
        self._part_pos = np.zeros(0, dtype=np.int64)   # data row -> position within its part
        self._order = np.zeros(0, dtype=np.int64)      # view row -> data row
        self._view_of = np.zeros(0, dtype=np.int64)    # data row -> view row, -1 when hidden
        self._part_filter: int | None = None
        self._class_filter: int | None = None
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._chosen = -1                              # data row of the chosen sample

    # ------------------------------------------------------------------ data
    def set_data(self, dataset, split) -> None:
        """Show ``dataset`` (or None) with the parts of ``split`` (its ``*_indices``)."""
        self.beginResetModel()
        self._ds = dataset
        n = 0 if dataset is None else dataset.n_samples
        self._parts = np.full(n, TRAIN, dtype=np.int8)
        self._part_pos = np.arange(n, dtype=np.int64)
        if split is not None and n:
            for part, rows in ((TRAIN, split.train_indices), (VAL, split.val_indices),
                               (TEST, split.test_indices)):
                rows = np.asarray(rows, dtype=np.int64)
                self._parts[rows] = part
                self._part_pos[rows] = np.arange(len(rows))
        self._chosen = -1
        if self._class_filter is not None and not self.has_classes():
            self._class_filter = None
        self._refilter()
        self.endResetModel()

    @property
    def dataset(self):
        return self._ds

    def has_classes(self) -> bool:
        return self._ds is not None and self._ds.task == "classification"

    def n_rows(self) -> int:
        """Rows of the data set, shown or not."""
        return len(self._parts)

    def part_of(self, data_row: int) -> int:
        return int(self._parts[data_row])

    def position_in_part(self, data_row: int) -> int:
        """Index of ``data_row`` within its part (for training: the sample number)."""
        return int(self._part_pos[data_row])

    def data_row(self, view_row: int) -> int:
        return int(self._order[view_row])

    def view_row(self, data_row: int) -> int:
        """Where ``data_row`` is shown, or -1 when the filter hides it."""
        return int(self._view_of[data_row]) if 0 <= data_row < len(self._view_of) else -1

    # ------------------------------------------------------------------ filter, sort, chosen
    def set_filter(self, part: int | None = None, cls: int | None = None) -> None:
        """Show only rows of ``part`` (TRAIN, VAL, TEST) and of class ``cls``; None: all."""
        if (part, cls) == (self._part_filter, self._class_filter):
            return
        self.beginResetModel()
        self._part_filter, self._class_filter = part, cls
        self._refilter()
        self.endResetModel()

    def filters(self) -> tuple[int | None, int | None]:
        return self._part_filter, self._class_filter

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:  # Qt override
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._refilter()
        self.layoutChanged.emit()

    def set_chosen(self, data_row: int) -> None:
        """Mark ``data_row`` (-1: none) as the sample the magnifying glass looks at."""
        old, self._chosen = self._chosen, data_row
        for row in (old, data_row):
            view = self.view_row(row)
            if view >= 0:
                self.dataChanged.emit(self.index(view, 0), self.index(view, self.columnCount() - 1))

    def _refilter(self) -> None:
        n = len(self._parts)
        keep = np.ones(n, dtype=bool)
        if self._part_filter is not None:
            keep &= self._parts == self._part_filter
        if self._class_filter is not None and self.has_classes():
            keep &= self._ds.y == self._class_filter
        rows = np.flatnonzero(keep)
        key = self._sort_key()
        if key is not None:
            key = key[rows]
            if self._sort[1] == Qt.SortOrder.DescendingOrder:
                # Negated ranks, not a reversed result: equal values stay in row order.
                key = -_rank(key)
            rows = rows[np.argsort(key, kind="stable")]
        self._order = rows
        self._view_of = np.full(n, -1, dtype=np.int64)
        self._view_of[rows] = np.arange(len(rows))

    def _sort_key(self) -> np.ndarray | None:
        if self._sort is None or self._ds is None:
            return None
        column = self._sort[0]
        if column == PART_COL:
            return self._parts.astype(np.int64) * (len(self._parts) + 1) + self._part_pos
        if column == ANSWER_COL:
            y = self._ds.y
            return y if y.ndim == 1 else y[:, 0]
        if column >= FIRST_FEATURE_COL:
            return self._ds.table[:, column - FIRST_FEATURE_COL]
        return np.arange(len(self._parts))  # the row number: the data's own order

    # ------------------------------------------------------------------ Qt model
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt override
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt override
        if parent.isValid() or self._ds is None:
            return 0
        return FIRST_FEATURE_COL + self._ds.n_features

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or self._ds is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section == ROW_COL:
                return "Row"
            if section == PART_COL:
                return "Part"
            if section == ANSWER_COL:
                return "Class" if self.has_classes() else "Value"
            return self._ds.feature_names[section - FIRST_FEATURE_COL]
        if role == Qt.ItemDataRole.ToolTipRole:
            if section == ROW_COL:
                return "The row's number in the data (counted from 0)."
            if section == PART_COL:
                return ("Which part the row is in. Training rows are numbered within the "
                        "training part: that number picks the sample for the magnifying glass "
                        "(and for `nnstudio step --sample N`).")
            if section == ANSWER_COL:
                return ("The right answer for the row: its class." if self.has_classes()
                        else "The right answer for the row: the value to predict.")
            return "A feature, in the data's own units (before standardisation)."
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self._ds is None:
            return None
        row, col = int(self._order[index.row()]), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col == PART_COL or (col == ANSWER_COL and self.has_classes()):
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.DecorationRole and col == ANSWER_COL and self.has_classes():
            return class_color(int(self._ds.y[row]))  # the plots' colour: the table is a legend
        if role == Qt.ItemDataRole.BackgroundRole and row == self._chosen:
            return CHOSEN_BACKGROUND
        if role == Qt.ItemDataRole.FontRole and row == self._chosen:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if row == self._chosen:
                return "The magnifying glass looks at this sample."
            if self._parts[row] == TRAIN:
                return "Click to look at this training sample under the magnifying glass."
            return (f"A {PART_NAMES[self._parts[row]]} sample: the network never learns from "
                    "it, so the magnifying glass, which shows a training step, uses training "
                    "rows only.")
        return None

    def _text(self, row: int, col: int) -> str:
        ds = self._ds
        if col == ROW_COL:
            return str(row)
        if col == PART_COL:
            part = int(self._parts[row])
            return f"training {self._part_pos[row]}" if part == TRAIN else PART_NAMES[part]
        if col == ANSWER_COL:
            if self.has_classes():
                return ds.class_names[int(ds.y[row])]
            y = ds.y[row]
            return format_value(float(y)) if np.ndim(y) == 0 else ", ".join(
                format_value(float(v)) for v in y)
        return format_value(float(ds.table[row, col - FIRST_FEATURE_COL]))


def _rank(key: np.ndarray) -> np.ndarray:
    """Dense rank of each value (equal values, equal rank), so negating it reverses the order."""
    _, inverse = np.unique(key, return_inverse=True)
    return inverse.ravel()
