"""The CSV dialog's preview table: a "Use" row of check boxes, then the first rows of the file.

Missing cells are marked from ``CsvPreview.missing_mask``, which the data package fills with
``read_csv``'s own rules, so the red cells here are exactly the values the import will fill
or drop.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTableWidget, QTableWidgetItem, QWidget

from nnstudio.data import CsvPreview

#: What each column kind reads like in the header.
KIND_LABELS = {"number": "numbers", "category": "categories", "text": "free text", "id": "ID",
               "date": "dates", "constant": "one value", "empty": "empty"}
USABLE_KINDS = ("number", "category")
#: Why a kind is left out unless the person ticks it, and what ticking does.
KEEP_HINTS = {
    "id": "looks like an ID or row number, which usually says nothing about the target. "
          "Tick to use it anyway (as a number, or as categories if it holds words).",
    "date": "holds dates, which the network cannot use directly. Tick to use it anyway: "
            "each date becomes the number of days since the earliest date.",
    "text": "holds too many different words to be categories. Tick to use it anyway: each "
            "different value becomes a yes/no input (at most 100).",
    "constant": "has the same value in every row checked, so it cannot help. Tick to use it anyway.",
}
MISSING_CELL = QColor("#fde2e1")
TARGET_CELL = QColor("#e1ecfb")
USE_ROW = QColor("#f2f2f2")


def rows_checked(p: CsvPreview) -> str:
    """Where the preview's missing-value counts come from, for a sentence: "" when they cover
    the whole file, else " in the first 2,000 rows" (the preview reads only the file's start)."""
    return "" if p.counts_whole_file else f" in the first {p.n_rows_checked:,} rows"


def default_use(kind: str) -> bool:
    """Whether the reader uses a column of ``kind`` as an input when nobody says otherwise."""
    return kind in USABLE_KINDS


class CsvPreviewTableWidget(QTableWidget):
    """Read-only table of a ``CsvPreview``; row 0 holds a "use as input" check box per column.

    Emits ``column_use_toggled(name, used)`` when the person ticks or unticks a column (in the
    "Use" row or from the header's right-click menu), and ``target_requested(index)`` when
    they choose "Predict this column" in that menu.
    """

    column_use_toggled = Signal(str, bool)
    target_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._preview: CsvPreview | None = None
        self._target = -1
        # Column name -> use as input, only where the person overrode the reader's choice.
        self._overrides: dict[str, bool] = {}
        self._filling = False
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setToolTip("The first rows of the file as they will be read. Top row: tick the columns "
                        "to use as inputs. Blue: the column to predict. Red: missing values. "
                        "Grey: columns left out. Right-click a column name for more.")
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_menu_requested)
        self.itemChanged.connect(self._on_item_changed)

    def clear_preview(self) -> None:
        self._preview = None
        self.clear()
        self.setRowCount(0)
        self.setColumnCount(0)

    def show_preview(self, p: CsvPreview, target: int) -> None:
        """Fill the table from ``p``; ``target`` is the 0-based column to predict.

        The person's ticks survive a new preview for columns that still exist.
        """
        self._preview, self._target = p, target
        self._overrides = {c: u for c, u in self._overrides.items() if c in p.columns}
        self._filling = True
        try:
            self.clear()
            self.setColumnCount(len(p.columns))
            self.setRowCount(len(p.rows) + 1)
            self.setVerticalHeaderLabels(["Use"] + [str(r + 1) for r in range(len(p.rows))])
            self.verticalHeaderItem(0).setToolTip("Tick the columns the network should learn from.")
            # Marker words kept as values ("None" among words): say so where the person sees them.
            kept = [{w.word for w in p.na_words.get(col, []) if not w.missing} for col in p.columns]
            for r, row in enumerate(p.rows):
                mask = p.missing_mask[r] if r < len(p.missing_mask) else [False] * len(row)
                for c, text in enumerate(row):
                    item = QTableWidgetItem(text)
                    if c < len(mask) and mask[c]:
                        item.setBackground(MISSING_CELL)
                        item.setToolTip("Missing: the import fills or drops this value.")
                    elif text.strip() in kept[c]:
                        item.setToolTip(f"{text.strip()!r} is read as a value here, not a gap; "
                                        "change that under 'Words for no value'.")
                    self.setItem(r + 1, c, item)
            for c, col in enumerate(p.columns):
                kind = p.column_kinds.get(col, "")
                self._style_column(c, self._overrides.get(col, default_use(kind)))
        finally:
            self._filling = False
        self.resizeColumnsToContents()

    def used_columns(self) -> list[str]:
        """Names of the columns shown as inputs (the target excluded)."""
        p = self._preview
        if p is None:
            return []
        return [col for c, col in enumerate(p.columns) if c != self._target
                and self._overrides.get(col, default_use(p.column_kinds.get(col, "")))]

    def column_choices(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(columns to leave out, columns to keep anyway): the person's overrides, by name,
        for ``CsvOptions.drop_columns`` and ``keep_columns``; the target is in neither."""
        target = self._preview.columns[self._target] if self._preview and self._target >= 0 else None
        chosen = {c: u for c, u in self._overrides.items() if c != target}
        return (tuple(c for c, u in chosen.items() if not u), tuple(c for c, u in chosen.items() if u))

    def missing_summary(self) -> str:
        """Gaps where the import will meet them (the inputs and the target), or "" when none."""
        p = self._preview
        if p is None:
            return ""
        used = set(self.used_columns())
        missing = [(c, n) for c, n in p.missing_counts.items() if n and c in used]
        parts = []
        where = rows_checked(p)
        if missing:
            listed = ", ".join(f"'{c}' {n}" for c, n in missing)
            parts.append(f"Missing values{where}: {listed}.")
        target = p.columns[self._target] if 0 <= self._target < len(p.columns) else None
        if target and p.missing_counts.get(target, 0):
            parts.append(f"{where.strip().capitalize() + ', ' if where else ''}{p.missing_counts[target]} "
                         f"row(s) have no '{target}' value to predict; they will be left out.")
        return " ".join(parts)

    def is_used(self, column: int) -> bool:
        """Whether column ``column`` is shown as an input (the target counts as not)."""
        item = self.item(0, column)
        return (item is not None and column != self._target
                and item.checkState() == Qt.CheckState.Checked)

    def set_used(self, column: int, used: bool) -> None:
        """Tick or untick column ``column`` as the person would (emits ``column_use_toggled``)."""
        item = self.item(0, column)
        if item is not None and item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            item.setCheckState(Qt.CheckState.Checked if used else Qt.CheckState.Unchecked)

    # ------------------------------------------------------------------ looks
    def _style_column(self, c: int, used: bool) -> None:
        p = self._preview
        col = p.columns[c]
        kind = p.column_kinds.get(col, "")
        is_target = c == self._target
        grey = self.palette().color(QPalette.ColorRole.PlaceholderText)
        text = self.palette().color(QPalette.ColorRole.Text)

        head = QTableWidgetItem(f"{col}\n{KIND_LABELS.get(kind, kind)}")
        font = QFont(head.font())
        font.setBold(is_target)
        head.setFont(font)
        if not is_target and not used:
            head.setForeground(QBrush(grey))
        missing = p.missing_counts.get(col, 0)
        head.setToolTip(f"'{col}': {KIND_LABELS.get(kind, kind)}, {missing} missing{rows_checked(p)}. "
                        "Right-click for choices.")
        self.setHorizontalHeaderItem(c, head)

        was_filling, self._filling = self._filling, True
        # Restyle the existing item rather than replace it: this may run inside its own
        # itemChanged signal, and deleting the sender there is asking for trouble.
        use = self.item(0, c)
        if use is None:
            use = QTableWidgetItem()
            self.setItem(0, c, use)
        use.setBackground(TARGET_CELL if is_target else USE_ROW)
        use.setFont(font)
        if is_target:
            use.setText("target")
            use.setFlags(Qt.ItemFlag.ItemIsEnabled)
            use.setToolTip(f"'{col}' is the column to predict.")
        elif kind == "empty":
            use.setText("empty")
            use.setFlags(Qt.ItemFlag.NoItemFlags)
            use.setToolTip(f"'{col}' has no values in the rows checked, so it cannot be used.")
        else:
            use.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            use.setCheckState(Qt.CheckState.Checked if used else Qt.CheckState.Unchecked)
            use.setText("input" if used else "left out")
            if default_use(kind):
                tip = f"'{col}' is used as an input. Untick to leave it out."
            else:
                tip = f"'{col}' {KEEP_HINTS.get(kind, 'is left out. Tick to use it anyway.')}"
            use.setToolTip(tip)
        self._filling = was_filling

        for r in range(1, self.rowCount()):
            item = self.item(r, c)
            if item is None or item.background().color() == MISSING_CELL:
                continue
            item.setBackground(TARGET_CELL if is_target else QBrush())
            item.setForeground(QBrush(text if is_target or used else grey))

    # ------------------------------------------------------------------ choices
    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.row() != 0 or self._preview is None:
            return
        c = item.column()
        used = item.checkState() == Qt.CheckState.Checked
        name = self._preview.columns[c]
        if used == default_use(self._preview.column_kinds.get(name, "")):
            self._overrides.pop(name, None)   # back to what the reader would do anyway
        else:
            self._overrides[name] = used
        self._style_column(c, used)
        self.resizeColumnToContents(c)
        self.column_use_toggled.emit(name, used)

    def _on_header_menu_requested(self, pos: QPoint) -> None:
        c = self.horizontalHeader().logicalIndexAt(pos)
        if self._preview is None or c < 0:
            return
        menu = self.header_menu(c)
        menu.exec(self.horizontalHeader().mapToGlobal(pos))

    def header_menu(self, c: int) -> QMenu:
        """The right-click menu of column ``c``'s heading (built fresh each time)."""
        col = self._preview.columns[c]
        menu = QMenu(self)
        use = menu.addAction(f"Use '{col}' as an input")
        use.setCheckable(True)
        use.setChecked(self.is_used(c))
        item = self.item(0, c)
        use.setEnabled(c != self._target and item is not None
                       and bool(item.flags() & Qt.ItemFlag.ItemIsUserCheckable))
        use.toggled.connect(lambda checked: self.set_used(c, checked))
        predict = menu.addAction(f"Predict '{col}'")
        predict.setEnabled(c != self._target)
        predict.triggered.connect(lambda: self.target_requested.emit(c))
        return menu
