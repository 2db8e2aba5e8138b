"""The CSV dialog's list of words that may mean "no value", one check box per word and column.

"None" is a gap in a column of numbers but an answer in a column of words (the exercise
column Freq / Some / None of R's survey data). The reader decides per column; this list shows
each decision and lets the person switch it: ticked = counted as missing, unticked = a value.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from nnstudio.data import CsvPreview
from nnstudio.ui.data.csv_preview_table import rows_checked

_ROLE = Qt.ItemDataRole.UserRole


class NaWordsWidget(QListWidget):
    """Check boxes for ``CsvPreview.na_words``; keeps the person's choices as ``na_values``.

    Emits ``choices_changed()`` after the person switches a word; the dialog then previews
    again with ``na_values()`` so the red cells, the counts and the kinds follow the choice.
    """

    choices_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # {column: {word: "missing" | "value"}}, only where the person overrode the rule.
        self._choices: dict[str, dict[str, str]] = {}
        self._filling = False
        self._in_handler = False
        self.setToolTip("Words in the file that may mean 'no value'. Ticked: counted as missing "
                        "(filled or dropped on import). Unticked: kept as a value, such as an "
                        "answer 'None' or a class 'None'. Empty cells, 'NA', 'N/A', 'NaN' and "
                        "'#N/A' are missing unless you untick them; 'None', 'null', '?', '-' only "
                        "in columns of numbers.")
        self.itemChanged.connect(self._on_item_changed)

    def show_preview(self, p: CsvPreview) -> None:
        """List every marker word of ``p`` with how it is treated now."""
        # Words kept as values first: those are the reader's guesses worth a look ("None" in a
        # column of answers); the "NA" of every column of numbers is routine.
        listed = sorted(((col, w) for col in p.columns for w in p.na_words.get(col, [])),
                        key=lambda cw: cw[1].default_missing)
        same = [self.item(i).data(_ROLE)[:2] for i in range(self.count())] == [(c, w.word) for c, w in listed]
        if not same and self._in_handler:
            # This runs inside the itemChanged of the item just clicked; deleting that item
            # there is asking for trouble, so rebuild once the click is over.
            QTimer.singleShot(0, self, lambda: self.show_preview(p))
            return
        self._filling = True
        try:
            # The same words as shown (the usual case after a click): update them in place.
            if not same:
                self.clear()
                for _ in listed:
                    item = QListWidgetItem()
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                    self.addItem(item)
            where = rows_checked(p)
            for i, (col, w) in enumerate(listed):
                item = self.item(i)
                rows = f"{w.count} row{'s' if w.count != 1 else ''}{where}"
                how = "missing" if w.missing else "a value"
                item.setText(f"'{w.word}' in '{col}' ({rows}): {how}")
                item.setCheckState(Qt.CheckState.Checked if w.missing else Qt.CheckState.Unchecked)
                item.setData(_ROLE, (col, w.word, w.default_missing))
                item.setToolTip(f"Tick if {w.word!r} means 'no value' in '{col}'; untick to keep it "
                                "as a value" + (" (your choice)." if w.chosen else "."))
        finally:
            self._filling = False
        rows = min(max(self.count(), 1), 4)
        self.setFixedHeight(rows * (self.sizeHintForRow(0) if self.count() else 20) + 2 * self.frameWidth())

    def na_values(self, columns: list[str] | None = None) -> dict[str, dict[str, str]]:
        """The person's choices as ``CsvOptions.na_values``, limited to ``columns`` if given."""
        return {c: dict(w) for c, w in self._choices.items() if columns is None or c in columns}

    def states(self) -> dict[tuple[str, str], bool]:
        """(column, word) -> counted as missing, for every word listed."""
        out = {}
        for i in range(self.count()):
            col, word, _default = self.item(i).data(_ROLE)
            out[(col, word)] = self.item(i).checkState() == Qt.CheckState.Checked
        return out

    def set_missing(self, column: str, word: str, missing: bool) -> None:
        """Switch ``word`` in ``column`` as a click would (emits ``choices_changed``)."""
        for i in range(self.count()):
            item = self.item(i)
            if item.data(_ROLE)[:2] == (column, word):
                item.setCheckState(Qt.CheckState.Checked if missing else Qt.CheckState.Unchecked)
                return
        raise ValueError(f"no word {word!r} listed for column {column!r}")

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._filling:
            return
        col, word, default = item.data(_ROLE)
        missing = item.checkState() == Qt.CheckState.Checked
        words = self._choices.setdefault(col, {})
        if missing == default:
            words.pop(word, None)   # back to what the reader does anyway
            if not words:
                del self._choices[col]
        else:
            words[word] = "missing" if missing else "value"
        self._in_handler = True
        try:
            self.choices_changed.emit()
        finally:
            self._in_handler = False
