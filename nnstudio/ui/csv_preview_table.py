"""The CSV dialog's preview table: the first rows, each column's kind, missing cells marked."""
from __future__ import annotations

from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem, QWidget

from nnstudio.data import CsvPreview
from nnstudio.data.columns import NA_MARKERS  # the reader's own list of "missing" words

#: How each column kind reads in the header; kinds other than number/category are left out.
KIND_LABELS = {"number": "number", "category": "category", "text": "free text \u00b7 left out",
               "id": "ID \u00b7 left out", "date": "date \u00b7 left out",
               "constant": "one value \u00b7 left out", "empty": "empty \u00b7 left out"}
MISSING_CELL = QColor("#fde2e1")
TARGET_CELL = QColor("#e1ecfb")


class CsvPreviewTableWidget(QTableWidget):
    """Read-only table of a ``CsvPreview``; the target column is blue, missing cells red."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setToolTip("The first rows of the file as they will be read. Blue: the column to "
                        "predict. Red: missing values. Grey headings: columns left out.")
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 4)

    def clear_preview(self) -> None:
        self.clear()
        self.setRowCount(0)
        self.setColumnCount(0)

    def show_preview(self, p: CsvPreview, target: int) -> None:
        """Fill the table from ``p``; ``target`` is the 0-based column to predict."""
        self.clear()
        self.setColumnCount(len(p.columns))
        self.setRowCount(len(p.rows))
        grey = self.palette().color(QPalette.ColorRole.PlaceholderText)
        for c, col in enumerate(p.columns):
            kind = p.column_kinds.get(col, "")
            head = QTableWidgetItem(f"{col}\n{'target' if c == target else KIND_LABELS.get(kind, kind)}")
            if c == target:
                font = QFont(head.font())
                font.setBold(True)
                head.setFont(font)
            elif kind not in ("number", "category"):
                head.setForeground(QBrush(grey))
            head.setToolTip(f"'{col}': {KIND_LABELS.get(kind, kind)}, "
                            f"{p.missing_counts.get(col, 0)} missing in the rows checked.")
            self.setHorizontalHeaderItem(c, head)
        for r, row in enumerate(p.rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if text.strip() in NA_MARKERS:
                    item.setBackground(MISSING_CELL)
                elif c == target:
                    item.setBackground(TARGET_CELL)
                self.setItem(r, c, item)
        self.resizeColumnsToContents()
