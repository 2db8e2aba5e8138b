"""The data's rows as a table: pick a training row to look at it under the magnifying glass."""
from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from nnstudio.ui.data.rows_model import ANSWER_COL, PART_COL, PART_NAMES, TRAIN, DataRowsModel
from nnstudio.ui.text_style import mute, muted_color, warn

HINT = ("Click a training row to follow that sample through one training step under the "
        "magnifying glass. Click a column title to sort.")


def not_training_text(data_row: int, part: int) -> str:
    """What a click on a validation or test row says, in plain words."""
    return (f"Row {data_row} is a {PART_NAMES[part]} sample. The magnifying glass shows a "
            "training step, and the network never trains on validation or test rows (they "
            "check it on samples it has not learned from), so pick a training row.")


class DataRowsPanel(QWidget):
    """Table of the project's rows with part and class filters; follows the chosen sample.

    Selecting a training row calls ``ctl.choose_sample`` with its index in the training part;
    the controller's ``sample_chosen`` selects that row here (and scrolls to it).
    """

    def __init__(self, ctl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctl = ctl
        self.model = DataRowsModel(self)
        self._syncing = False  # True while the table follows the controller

        self.part_combo = QComboBox()
        self.part_combo.addItem("All parts", None)
        for part, name in enumerate(PART_NAMES):
            self.part_combo.addItem(name.capitalize(), part)
        self.part_combo.setToolTip("Show the rows of one part only: the network learns from the "
                                   "training rows; validation and test rows check it.")
        self.class_combo = QComboBox()
        self.class_combo.setToolTip("Show the rows of one class only.")
        for combo in (self.part_combo, self.class_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._on_filter_changed)
        self.count_label = QLabel()
        mute(self.count_label)
        show = QLabel("Sho&w:")
        show.setBuddy(self.part_combo)
        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        for w in (show, self.part_combo, self.class_combo):
            filters.addWidget(w)
        filters.addStretch(1)
        filters.addWidget(self.count_label)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed row heights: with ResizeToContents Qt would measure all 50,000 rows.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.horizontalHeader().setDefaultSectionSize(78)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setToolTip(HINT)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)

        self.note = QLabel(HINT)
        self.note.setWordWrap(True)
        # Taken once: muting again would mix the already muted colour paler each time.
        self._muted = f"color: {muted_color(self.note).name()};"
        self.note.setStyleSheet(self._muted)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)

        ctl.dataset_changed.connect(self._on_ctl_dataset_changed)
        ctl.sample_chosen.connect(self._on_ctl_sample_chosen)
        self._on_ctl_dataset_changed()

    # ------------------------------------------------------------------ model -> UI
    def _on_ctl_dataset_changed(self) -> None:
        ds = self.ctl.dataset
        if ds is not self.model.dataset:  # other columns: their old order means nothing
            self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.model.set_data(ds, self.ctl.split)
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        self.class_combo.addItem("All classes", None)
        if self.model.has_classes():
            for i, name in enumerate(ds.class_names):
                self.class_combo.addItem(name, i)
        self.class_combo.setCurrentIndex(max(0, self.class_combo.findData(self.model.filters()[1])))
        self.class_combo.blockSignals(False)
        self.class_combo.setVisible(self.model.has_classes())
        self._fit_columns()
        self._show_count()
        self._set_note(HINT)
        self._on_ctl_sample_chosen(self.ctl.chosen_sample)

    def _on_ctl_sample_chosen(self, index: int) -> None:
        split = self.ctl.split
        row = int(split.train_indices[index]) if split is not None and index >= 0 else -1
        self.model.set_chosen(row)
        if row < 0:
            return
        if self.model.view_row(row) < 0:  # hidden by a filter: show everything again
            self.part_combo.setCurrentIndex(0)
            self.class_combo.setCurrentIndex(0)
        self._select_data_row(row)
        self._set_note(f"Training sample {index} (row {row}) is under the magnifying glass.")

    def _select_data_row(self, row: int) -> None:
        view = self.model.view_row(row)
        if view < 0:
            return
        index = self.model.index(view, 0)
        self._syncing = True
        try:
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            self._syncing = False
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    # ------------------------------------------------------------------ UI -> controller
    def _on_table_current_changed(self, current, _previous) -> None:
        if self._syncing or not current.isValid():
            return
        row = self.model.data_row(current.row())
        part = self.model.part_of(row)
        if part == TRAIN:
            self.ctl.choose_sample(self.model.position_in_part(row))
        else:
            self._set_note(not_training_text(row, part), warning=True)

    def _on_filter_changed(self, _index: int) -> None:
        self.model.set_filter(self.part_combo.currentData(), self.class_combo.currentData())
        self._show_count()
        chosen = self.ctl.chosen_sample
        if chosen >= 0 and self.ctl.split is not None:
            self._select_data_row(int(self.ctl.split.train_indices[chosen]))

    # ------------------------------------------------------------------ helpers
    def _show_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.n_rows()
        self.count_label.setText(f"{total:,} rows" if shown == total
                                 else f"{shown:,} of {total:,} rows")

    def _set_note(self, text: str, warning: bool = False) -> None:
        self.note.setText(text)
        if warning:
            warn(self.note)
        else:
            self.note.setStyleSheet(self._muted)

    def _fit_columns(self) -> None:
        header = self.table.horizontalHeader()
        metrics = self.fontMetrics()
        bold = QFontMetrics(_bold(self.font()))  # the chosen sample's row is drawn in bold
        for col in range(self.model.columnCount()):
            title = str(self.model.headerData(col, Qt.Orientation.Horizontal))
            # From the title and the longest of the first 200 values, not from 50,000 cells;
            # the class column also holds its colour swatch, a sorted column's title its arrow.
            texts = [str(self.model.data(self.model.index(r, col)) or "")
                     for r in range(min(200, self.model.rowCount()))]
            if col == PART_COL:
                texts.append(f"training {self.model.n_rows()}")
            longest = max(texts, key=len, default="")
            icon = 22 if col == ANSWER_COL and self.model.has_classes() else 0
            width = max(metrics.horizontalAdvance(title) + 24,
                        bold.horizontalAdvance(longest) + 14 + icon, 40)
            header.resizeSection(col, min(width, 180))


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold


class RowsDockSwitch:
    """Hides the Rows dock, and its entry in the View menu, while the data are pictures.

    A picture's row has one column per pixel (784 for MNIST): unreadable, and the "Pictures"
    tab shows the same samples as pictures (the data panel's button then reads "Show
    pictures"). For a table the dock comes back if it was open before.
    """

    def __init__(self, dock: QDockWidget, ctl) -> None:
        self.dock, self.ctl = dock, ctl
        self._reopen = False  # the dock was open when pictures hid it
        ctl.dataset_changed.connect(self.follow_data)
        self.follow_data()

    @property
    def hidden_for_pictures(self) -> bool:
        return not self.dock.toggleViewAction().isVisible()

    def follow_data(self) -> None:
        """Slot for ``dataset_changed``: hide the dock for pictures, bring it back for a table."""
        ds = self.ctl.dataset
        pictures = ds is not None and ds.is_image
        if pictures == self.hidden_for_pictures:
            return
        toggle = self.dock.toggleViewAction()
        if pictures:
            self._reopen = toggle.isChecked()
            self.dock.hide()
        elif self._reopen:
            self.dock.show()
        toggle.setVisible(not pictures)

    def before_saving_layout(self) -> None:
        """Put the dock back as the user left it, so closing on pictures does not save the Rows
        tab as closed for the next table."""
        if self.hidden_for_pictures and self._reopen:
            self.dock.show()
