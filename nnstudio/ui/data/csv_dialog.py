"""The CSV import dialog: preview the file, choose the options, load it off the GUI thread."""
from __future__ import annotations

import html
import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnstudio.data import CsvOptions, CsvPreview, preview_csv
from nnstudio.errors import NNStudioError
from nnstudio.ui.data.csv_loader import CsvLoadThread
from nnstudio.ui.data.csv_na_words import NaWordsWidget
from nnstudio.ui.data.csv_preview_table import CsvPreviewTableWidget, rows_checked
from nnstudio.ui.text_style import error, mute, warn

PREVIEW_ROWS = 20
DELIMITERS = [(",", "Comma  ,"), (";", "Semicolon  ;"), ("\t", "Tab"), ("|", "Vertical bar  |"),
              (" ", "Space")]
TASKS = [(None, "Decide for me"), ("classification", "Sort into classes"),
         ("regression", "Predict a number")]


class CsvImportDialog(QDialog):
    """Preview ``path``, let the person pick the options, and load it with a progress bar.

    Emits ``dataset_loaded(Dataset)`` after each successful import and then shows the
    data set's notes (what was done with each column); the dialog stays open until closed.
    Errors stay in the dialog (red text) so the options can be fixed and the import retried.
    """

    dataset_loaded = Signal(object)
    load_finished = Signal(str)   # "loaded" | "failed" | "cancelled", after the thread ended

    def __init__(self, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = os.fspath(path)
        self.preview: CsvPreview | None = None
        self.dataset = None
        self._thread: CsvLoadThread | None = None
        self._outcome = ""
        # None = let the reader detect it; set once the person chooses.
        self._delimiter: str | None = None
        self._has_header: bool | None = None
        self.setWindowTitle(f"Import {os.path.basename(self.path)}")
        self.setSizeGripEnabled(True)
        self.resize(680, 620)
        self._build()
        self._refresh_preview()

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.file_label = QLabel()
        self.file_label.setWordWrap(True)
        self.file_label.setToolTip(self.path)

        self.delimiter_combo = QComboBox()
        for char, label in DELIMITERS:
            self.delimiter_combo.addItem(label, char)
        self.delimiter_combo.setToolTip("The character that separates the values on each line. "
                                        "It was detected for you; change it if the columns look wrong.")
        self.delimiter_combo.activated.connect(self._on_delimiter_activated)
        self.header_check = QCheckBox("First row holds the column &names")
        self.header_check.setToolTip("Tick when the first line of the file names the columns "
                                     "instead of holding data.")
        self.header_check.toggled.connect(self._on_header_toggled)
        self.target_combo = QComboBox()
        self.target_combo.setToolTip("The column the network should learn to predict. "
                                     "Every other usable column becomes an input.")
        self.target_combo.currentIndexChanged.connect(self._on_target_changed)
        self.task_combo = QComboBox()
        for task, label in TASKS:
            self.task_combo.addItem(label, task)
        self.task_combo.setToolTip("'Sort into classes' when the target names groups (cat / dog), "
                                   "'Predict a number' when it is an amount (a price, a height). "
                                   "'Decide for me' looks at the values.")
        self.missing_drop = QRadioButton("&Drop rows with missing values")
        self.missing_drop.setToolTip("Leave out every row that has an empty or NA cell.")
        # Word columns get their most common word, not a mean: the label says both (survey.csv's
        # 'Sex' or 'Smoke' gaps made "column mean" read as untrue).
        self.missing_mean = QRadioButton("&Fill in: the column's average, or its most common word")
        self.missing_mean.setToolTip("Fill empty number cells with the column's average and empty "
                                     "category cells with the most common value; keeps every row.")
        self.missing_mean.setChecked(True)
        self._missing_group = QButtonGroup(self)
        self._missing_group.addButton(self.missing_drop)
        self._missing_group.addButton(self.missing_mean)
        self.missing_label = QLabel()
        self.missing_label.setWordWrap(True)
        self.na_words = NaWordsWidget()
        self.na_words.choices_changed.connect(self._on_na_words_choices_changed)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        sep_row = QHBoxLayout()
        sep_row.addWidget(self.delimiter_combo)
        sep_row.addSpacing(12)
        sep_row.addWidget(self.header_check, 1)
        form.addRow(self._buddy("&Separator:", self.delimiter_combo), sep_row)
        form.addRow(self._buddy("&Predict column:", self.target_combo), self.target_combo)
        form.addRow(self._buddy("&Task:", self.task_combo), self.task_combo)
        missing_box = QVBoxLayout()
        missing_box.setSpacing(2)
        for w in (self.missing_drop, self.missing_mean, self.missing_label):
            missing_box.addWidget(w)
        form.addRow("Missing values:", missing_box)
        form.addRow(self._buddy("&Words for no value:", self.na_words), self.na_words)
        self._form = form
        self._options_widgets = [self.delimiter_combo, self.header_check, self.target_combo,
                                 self.task_combo, self.missing_drop, self.missing_mean, self.na_words]

        self.table = CsvPreviewTableWidget()
        self.table.column_use_toggled.connect(self._on_table_column_use_toggled)
        self.table.target_requested.connect(self._on_table_target_requested)
        self.preview_note = QLabel()
        self.preview_note.setWordWrap(True)
        warn(self.preview_note)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("Loading\u2026 %p %")
        self.progress.setToolTip("How much of the file has been read.")
        self.cancel_button = QPushButton("&Stop loading")
        self.cancel_button.setToolTip("Stop reading the file; the data you had stays in place.")
        self.cancel_button.clicked.connect(self.cancel_load)
        self._busy_row = QWidget()
        busy = QHBoxLayout(self._busy_row)
        busy.setContentsMargins(0, 0, 0, 0)
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)
        self._busy_row.hide()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        error(self.error_label)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        self.info = QTextBrowser()
        self.info.setToolTip("What was done with each column of the file.")
        self.info.setMaximumHeight(150)
        self.info.hide()

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("&Import", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.setToolTip("Read the whole file with these options and use it as the data.")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setToolTip("Close this window (a load in progress is stopped). "
                                     "Esc stops a load first, then closes.")
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.preview_note)
        layout.addWidget(self._busy_row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.info)
        layout.addWidget(self.buttons)

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    # ------------------------------------------------------------------ preview
    def _refresh_preview(self) -> None:
        options = CsvOptions(delimiter=self._delimiter, has_header=self._has_header,
                             na_values=self.na_words.na_values())
        try:
            self.preview = preview_csv(self.path, PREVIEW_ROWS, options)
        except NNStudioError as exc:
            self.preview = None
            self.table.clear_preview()
            self.file_label.setText(f"<b>{html.escape(os.path.basename(self.path))}</b>")
            self.show_error(str(exc))
            self.import_button.setEnabled(False)
            return
        self.error_label.hide()
        self.import_button.setEnabled(True)
        self._show_preview(self.preview)

    def _show_preview(self, p: CsvPreview) -> None:
        name = html.escape(os.path.basename(self.path))
        about = "" if p.n_rows_exact else "about "  # only big files are estimated
        shown = (f"The first {len(p.rows)} rows are shown." if p.rows
                 else "No rows could be shown (see below).")
        self.file_label.setText(f"<b>{name}</b> \u2014 {about}{p.n_rows_total_estimate:,} rows, "
                                f"{len(p.columns)} columns. {shown}")
        for w in (self.delimiter_combo, self.header_check):
            w.blockSignals(True)
        index = self.delimiter_combo.findData(p.delimiter)
        if index < 0:  # an unusual separator the reader detected: offer it too
            self.delimiter_combo.addItem(repr(p.delimiter), p.delimiter)
            index = self.delimiter_combo.count() - 1
        self.delimiter_combo.setCurrentIndex(index)
        self.header_check.setChecked(p.has_header)
        for w in (self.delimiter_combo, self.header_check):
            w.blockSignals(False)

        previous = self.target_combo.currentData()
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        for col in p.columns:
            self.target_combo.addItem(col, col)
        keep = self.target_combo.findData(previous) if previous is not None else -1
        self.target_combo.setCurrentIndex(keep if keep >= 0 else len(p.columns) - 1)
        self.target_combo.blockSignals(False)

        self.preview_note.setText(" ".join(p.notes))
        self.preview_note.setVisible(bool(p.notes))
        self.na_words.show_preview(p)
        self._form.setRowVisible(self.na_words, self.na_words.count() > 0)
        self._fill_table(p)

    def _fill_table(self, p: CsvPreview) -> None:
        self.table.show_preview(p, self.target_combo.currentIndex())
        self._show_missing(p)

    def _show_missing(self, p: CsvPreview) -> None:
        text = self.table.missing_summary()
        where = rows_checked(p) or " in the file"
        self.missing_label.setText(text or f"No missing values{where}.")
        (warn if text else mute)(self.missing_label)

    def set_column_used(self, name: str, used: bool) -> None:
        """Tick or untick column ``name`` as an input, as a click in the "Use" row would."""
        if self.preview is None or name not in self.preview.columns:
            raise ValueError(f"no column named {name!r} in {self.path}")
        self.table.set_used(self.preview.columns.index(name), used)

    def _on_table_column_use_toggled(self, _name: str, _used: bool) -> None:
        self._show_missing(self.preview)

    def _on_na_words_choices_changed(self) -> None:
        self._refresh_preview()

    def set_na_word(self, column: str, word: str, missing: bool) -> None:
        """Count ``word`` in ``column`` as missing or keep it as a value, as a click would."""
        self.na_words.set_missing(column, word, missing)

    def _on_table_target_requested(self, index: int) -> None:
        self.target_combo.setCurrentIndex(index)

    def _on_delimiter_activated(self, index: int) -> None:
        self._delimiter = self.delimiter_combo.itemData(index)
        self._has_header = None  # the header guess depends on how the line is cut
        self._refresh_preview()

    def _on_header_toggled(self, checked: bool) -> None:
        self._has_header = checked
        self._refresh_preview()

    def _on_target_changed(self, _index: int) -> None:
        if self.preview is not None:
            self._fill_table(self.preview)

    # ------------------------------------------------------------------ options and loading
    def options(self) -> CsvOptions:
        """The options the dialog currently shows (delimiter and header as previewed)."""
        p = self.preview
        drop, keep = self.table.column_choices()
        return CsvOptions(target=self.target_combo.currentIndex() if self.target_combo.count() else None,
                          missing="drop" if self.missing_drop.isChecked() else "mean",
                          delimiter=p.delimiter if p else self._delimiter,
                          has_header=p.has_header if p else self._has_header,
                          task=self.task_combo.currentData(),
                          drop_columns=drop, keep_columns=keep,
                          na_values=self.na_words.na_values(p.columns if p else None))

    def set_target(self, name: str) -> None:
        """Choose the column to predict by name (for callers and tests)."""
        index = self.target_combo.findData(name)
        if index < 0:
            raise ValueError(f"no column named {name!r} in {self.path}")
        self.target_combo.setCurrentIndex(index)

    def is_loading(self) -> bool:
        return self._thread is not None

    def start_import(self) -> None:
        """Read the whole file in a worker thread; the result arrives as ``dataset_loaded``."""
        if self._thread is not None or self.preview is None:
            return
        try:
            options = self.options()
        except NNStudioError as exc:
            self.show_error(str(exc))
            return
        self.error_label.hide()
        self.status_label.hide()
        self.info.hide()
        self._outcome = ""
        self._set_busy(True)
        # No Qt parent: deleting the dialog must never delete a thread that is still running.
        thread = CsvLoadThread(self.path, options)
        thread.progressed.connect(self._on_loader_progressed)
        thread.loaded.connect(self._on_loader_loaded)
        thread.failed.connect(self._on_loader_failed)
        thread.cancelled.connect(self._on_loader_cancelled)
        thread.finished.connect(self._on_loader_finished)
        self._thread = thread
        thread.start()

    def cancel_load(self) -> None:
        if self._thread is not None:
            self._thread.cancel()
            self.cancel_button.setEnabled(False)
            self.progress.setFormat("Stopping\u2026")

    def shutdown(self) -> None:
        """Stop a running load and wait for its thread; safe to call more than once."""
        thread, self._thread = self._thread, None  # late queued results are then ignored
        if thread is not None:
            thread.stop_and_wait()
            self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        for w in self._options_widgets:
            w.setEnabled(not busy)
        self.import_button.setEnabled(not busy and self.preview is not None)
        self.table.setEnabled(not busy)
        self._busy_row.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.progress.setValue(0)
        self.progress.setFormat("Loading\u2026 %p %")

    def _current(self) -> bool:
        # Results from a thread that was stopped or replaced must not change anything.
        return self._thread is not None and not self._thread.is_cancelling()

    def _on_loader_progressed(self, fraction: float) -> None:
        if self._current():
            self.progress.setValue(int(fraction * 1000))

    def _on_loader_loaded(self, dataset) -> None:
        if not self._current():
            return
        self._outcome = "loaded"
        self.dataset = dataset
        self.show_notes(dataset)
        self.dataset_loaded.emit(dataset)

    def _on_loader_failed(self, message: str) -> None:
        if self._current():
            self._outcome = "failed"
            self.show_error(message)

    def _on_loader_cancelled(self, _message: str) -> None:
        pass  # reported in _on_loader_finished, which also covers a cancel that came too late

    def _on_loader_finished(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return  # shutdown() already waited for it
        thread.wait()  # finished is emitted just before run() returns; let it end for good
        if thread.is_cancelling():
            self._outcome = "cancelled"
            self.status_label.setText("Loading was stopped; the data you had is still in use.")
            mute(self.status_label)
            self.status_label.show()
        self._set_busy(False)
        if self._outcome == "loaded":
            self.close_button.setFocus()
        self.load_finished.emit(self._outcome)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def show_notes(self, dataset) -> None:
        """Show what the import did, so the person knows how the file was understood."""
        what = (f"{dataset.n_classes} classes" if dataset.task == "classification"
                else "a number to predict")
        self.status_label.setText(f"<b>Imported</b> {dataset.n_samples:,} samples with "
                                  f"{dataset.n_features} features and {what}. Here is what was done:")
        self.status_label.setStyleSheet("")
        self.status_label.show()
        items = "".join(f"<li>{html.escape(n)}</li>" for n in dataset.notes)
        self.info.setHtml(f"<ul style='margin-left:-20px'>{items}</ul>")
        self.info.show()

    def notes_text(self) -> str:
        """The notes as shown (plain text), empty before an import."""
        return "" if self.info.isHidden() else self.info.toPlainText()

    # ------------------------------------------------------------------ closing
    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        # Esc during a load means "stop that", not "throw the window away": the person keeps
        # the preview and the options to try again. When idle, Esc closes as usual.
        if event.key() == Qt.Key.Key_Escape and self.is_loading():
            self.cancel_load()
            event.accept()
            return
        super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self.shutdown()
        super().done(result)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)
