"""The data panel: pick or import data, see what it holds, set the split, glance at a plot."""
from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.data import BUILTINS, list_builtins, load_builtin
from nnstudio.errors import NNStudioError
from nnstudio.ui.data.csv_dialog import CsvImportDialog
from nnstudio.ui.data.image_dialog import ImageFolderDialog
from nnstudio.ui.data.picture_grid import PictureGridWidget
from nnstudio.ui.data.rows_panel import not_training_text
from nnstudio.ui.data.scatter import DataScatterWidget
from nnstudio.ui.data.split_editor import SplitEditorWidget
from nnstudio.ui.data.summary_box import DataSummaryBox
from nnstudio.ui.files.file_actions import start_folder
from nnstudio.ui.text_style import mute

CSV_ITEM = "__csv__"
CSV_FILTER = "CSV files (*.csv *.tsv *.txt);;All files (*)"
LAST_CSV_DIR_KEY = "last_csv_dir"
PARAM_DEBOUNCE_MS = 300
#: What each generator setting is called on screen, its tooltip, and the spin box maximum we
#: offer (the data package allows more samples, but a class-room laptop should stay snappy).
PARAM_UI = {
    "n_samples": ("Samples:", "How many points to draw.", 20000),
    "n_classes": ("Classes:", "How many groups (arms, blobs) the points fall into.", None),
    "noise": ("Noise:", "How much the points are jittered; more noise makes the groups overlap "
                        "and the problem harder.", None),
    "seed": ("Seed:", "Which random draw to use: the same number always gives the same points.",
             2**31 - 1),
}


class DataPanel(QWidget):
    """Left-dock panel for the project's data; edits go through ``ctl`` only.

    Public: ``open_csv(path)`` (dropped or menu-chosen file), ``open_csv_dialog()`` (Ctrl+O),
    ``shutdown()`` (stop a CSV load; call from the window's closeEvent).

    ``settings`` (QSettings) remembers the last CSV folder under "last_csv_dir"; when not
    given, the window's ``settings`` attribute is used if it has one, else nnstudio's own.

    A click on a training dot of the plot chooses that sample (``ctl.choose_sample``); the
    chosen sample wears a ring. "Show rows" emits ``rows_requested`` (the window shows the
    table of rows); for pictures the plot is a grid of pictures and "Show pictures" emits
    ``pictures_requested`` (the window shows the gallery). ``open_image_folder(path)`` (a
    dropped folder, Ctrl+Shift+I) opens the image-folder dialog.
    """

    rows_requested = Signal()
    pictures_requested = Signal()

    def __init__(self, ctl, parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.ctl = ctl
        self.settings = settings
        self.dialog: CsvImportDialog | None = None
        self.image_dialog: ImageFolderDialog | None = None
        self._shown = None          # the Dataset the widgets currently describe
        self._param_timer = QTimer(self)
        self._param_timer.setSingleShot(True)
        self._param_timer.setInterval(PARAM_DEBOUNCE_MS)
        self._param_timer.timeout.connect(self.load_selected)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._build_source_box())
        self.summary_box = DataSummaryBox()
        self.summary_box.rows_requested.connect(self.rows_requested)
        self.summary_box.pictures_requested.connect(self.pictures_requested)
        # The box's parts, by the names the panel has always had (tests and callers use them).
        for name in ("summary_label", "classes_label", "balance_label", "details_button",
                     "notes_label", "rows_button"):
            setattr(self, name, getattr(self.summary_box, name))
        layout.addWidget(self.summary_box)
        split_box = QGroupBox("Training / validation / test")
        self.split_editor = SplitEditorWidget()
        self.split_editor.split_edited.connect(self._on_split_editor_edited)
        QVBoxLayout(split_box).addWidget(self.split_editor)
        layout.addWidget(split_box)
        self.plot_box = QGroupBox("Plot")
        self.scatter = DataScatterWidget()
        self.scatter.sample_clicked.connect(ctl.choose_sample)
        self.scatter.other_part_clicked.connect(self._on_scatter_other_part_clicked)
        self.picture_grid = PictureGridWidget()  # instead of the scatter, for pictures
        self.picture_grid.sample_clicked.connect(ctl.choose_sample)
        plot_layout = QVBoxLayout(self.plot_box)
        plot_layout.addWidget(self.scatter)
        plot_layout.addWidget(self.picture_grid)
        layout.addWidget(self.plot_box)
        layout.addStretch(1)

        # The dock may be short: scroll vertically, never sideways (text wraps instead).
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setMinimumWidth(260)

        ctl.dataset_changed.connect(self._on_ctl_dataset_changed)
        ctl.sample_chosen.connect(self._on_ctl_sample_chosen)
        self._on_ctl_dataset_changed()

    # ------------------------------------------------------------------ building
    def _build_source_box(self) -> QGroupBox:
        box = QGroupBox("Data set")
        self.builtin_combo = QComboBox()
        self.builtin_combo.setToolTip("Pick a ready-made data set. Drawn ones (top) can be "
                                      "regenerated with other settings; real ones (bottom) are "
                                      "measurements shipped with nnstudio.")
        self.builtin_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.builtin_combo.setMinimumContentsLength(10)
        infos = list_builtins()
        for kind in ("synthetic", "bundled"):
            if kind == "bundled":
                self.builtin_combo.insertSeparator(self.builtin_combo.count())
            for info in (i for i in infos if i.kind == kind):
                self.builtin_combo.addItem(info.display_name, info.name)
                self.builtin_combo.setItemData(self.builtin_combo.count() - 1, info.description,
                                               Qt.ItemDataRole.ToolTipRole)
        self.builtin_combo.activated.connect(self._on_builtin_combo_activated)
        self.description_label = QLabel()
        self.description_label.setWordWrap(True)
        mute(self.description_label)

        self.params_form = QFormLayout()
        self.params_form.setContentsMargins(0, 0, 0, 0)
        self.param_spins: dict[str, QSpinBox | QDoubleSpinBox] = {}
        self._param_fields: dict[str, QWidget] = {}
        for key, (text, tip, _) in PARAM_UI.items():
            spin = QDoubleSpinBox() if key == "noise" else QSpinBox()
            if key == "noise":
                spin.setDecimals(2)
                spin.setSingleStep(0.05)
            elif key == "n_samples":
                spin.setSingleStep(100)
            spin.setKeyboardTracking(False)  # typing "1000" is one change, not four
            spin.setToolTip(tip)
            spin.valueChanged.connect(self._on_param_spin_changed)
            self.param_spins[key] = spin
            label = QLabel(text)
            label.setToolTip(tip)
            field: QWidget = spin
            if key == "seed":
                self.new_draw_button = QToolButton()
                self.new_draw_button.setText("New draw")
                self.new_draw_button.setToolTip("Draw a fresh set of random points (next seed).")
                self.new_draw_button.clicked.connect(lambda: self.param_spins["seed"].stepBy(1))
                field = QWidget()
                row = QHBoxLayout(field)
                row.setContentsMargins(0, 0, 0, 0)
                row.addWidget(spin, 1)
                row.addWidget(self.new_draw_button)
            self._param_fields[key] = field
            self.params_form.addRow(label, field)
            label.setBuddy(spin)

        self.open_button = QPushButton("Open CSV\u2026")
        self.open_button.setToolTip("Use your own table of data: a CSV file from a spreadsheet, "
                                    "one row per sample (Ctrl+O).")
        self.open_button.clicked.connect(self.open_csv_dialog)
        self.open_images_button = QPushButton("Open image folder\u2026")
        self.open_images_button.setToolTip("Use your own pictures: a folder with one sub-folder per "
                                           "class, e.g. pets/cat/*.jpg and pets/dog/*.jpg "
                                           "(Ctrl+Shift+I, or drop the folder on the window).")
        self.open_images_button.clicked.connect(self.open_image_folder_dialog)

        layout = QVBoxLayout(box)
        layout.addWidget(self.builtin_combo)
        layout.addWidget(self.description_label)
        layout.addLayout(self.params_form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.open_images_button)
        layout.addLayout(buttons)
        return box

    # ------------------------------------------------------------------ built-in data
    def selected_builtin(self) -> str | None:
        name = self.builtin_combo.currentData()
        return name if name in BUILTINS else None

    def builtin_params(self) -> dict:
        """The settings shown for the selected synthetic data set."""
        name = self.selected_builtin()
        if name is None:
            return {}
        return {k: self.param_spins[k].value() for k in BUILTINS[name].params if k in self.param_spins}

    def select_builtin(self, name: str) -> None:
        """Choose built-in ``name`` with its default settings and load it (as a click would)."""
        index = self.builtin_combo.findData(name)
        if index < 0:
            raise ValueError(f"no built-in data set {name!r}")
        self.builtin_combo.setCurrentIndex(index)
        self._on_builtin_combo_activated(index)

    def load_selected(self) -> None:
        """Load the selected built-in with the shown settings and hand it to the controller."""
        self._param_timer.stop()
        name = self.selected_builtin()
        if name is None:
            return
        try:
            dataset = load_builtin(name, **self.builtin_params())
        except NNStudioError as exc:
            self.ctl.message_posted.emit(str(exc), "error")
            self._refresh(force=True)
            return
        self._set_dataset(dataset)

    def _set_dataset(self, dataset) -> None:
        try:
            self.ctl.set_dataset(dataset)
        except NNStudioError as exc:
            self.ctl.message_posted.emit(str(exc), "error")
        # The controller may have refused (training running and not stopped): show what it holds.
        self._refresh(force=self.ctl.dataset is not dataset)

    def _on_builtin_combo_activated(self, index: int) -> None:
        name = self.builtin_combo.itemData(index)
        if name not in BUILTINS:
            return  # the CSV entry: that file is already the data
        self._show_params(name, BUILTINS[name].params)
        self.load_selected()

    def _on_param_spin_changed(self, _value) -> None:
        self._param_timer.start()

    def _show_params(self, name: str | None, values: dict) -> None:
        info = BUILTINS.get(name) if name else None
        for key, spin in self.param_spins.items():
            present = info is not None and key in info.params
            self.params_form.setRowVisible(self._param_fields[key], present)
            if not present:
                continue
            lo, hi = info.limits.get(key, (0, 2**31 - 1))
            value = values.get(key, info.params[key])
            cap = PARAM_UI[key][2]
            if cap:  # our friendlier cap never hides a bigger value a project already uses
                hi = min(hi, max(cap, value))
            spin.blockSignals(True)
            spin.setRange(lo, hi)
            spin.setValue(value)
            spin.blockSignals(False)

    # ------------------------------------------------------------------ model -> UI
    def _on_ctl_dataset_changed(self) -> None:
        self._refresh()

    def _refresh(self, force: bool = False) -> None:
        ds = self.ctl.dataset
        if ds is not self._shown or force:
            # dataset_changed also fires for a new split: redraw the rest only for new data.
            self._shown = ds
            self._param_timer.stop()
            self._sync_source(ds)
            self.summary_box.show_dataset(ds)
            pictures = ds is not None and ds.is_image
            self.scatter.set_dataset(None if pictures else ds)
            self.scatter.setVisible(not pictures)
            self.picture_grid.setVisible(pictures)
            self.plot_box.setTitle("Some of the pictures" if pictures else "Plot")
            # Pictures are never standardised (Rescaling 1/255 in the network): a box that
            # did nothing would only confuse.
            self.split_editor.standardize_check.setVisible(not pictures)
        self.split_editor.set_split(self.ctl.project.split)
        split = self.ctl.split
        self.scatter.set_train_rows(split.train_indices if split is not None else None)
        self.picture_grid.set_data(ds if ds is not None and ds.is_image else None,
                                   split.train_indices if split is not None else None)
        if split is not None:
            self.split_editor.set_sizes(split.train.n_samples, split.val.n_samples,
                                        split.test.n_samples)

    def _sync_source(self, ds) -> None:
        combo = self.builtin_combo
        combo.blockSignals(True)
        csv_index = combo.findData(CSV_ITEM)
        if csv_index >= 0:
            combo.removeItem(csv_index)
        source = ds.source if ds is not None else {}
        name = source.get("name") if source.get("kind") == "builtin" else None
        if name in BUILTINS:
            combo.setCurrentIndex(combo.findData(name))
            self._show_params(name, source.get("params") or {})
            self.description_label.setText(BUILTINS[name].description)
            self.description_label.setToolTip("")
        else:
            self._show_params(None, {})
            if ds is not None:
                path = str(source.get("path", ""))
                folder = source.get("kind") == "images"
                combo.insertItem(0, f"{'Folder' if folder else 'File'}: "
                                    f"{os.path.basename(path.rstrip(os.sep)) or ds.name}", CSV_ITEM)
                combo.setItemData(0, path, Qt.ItemDataRole.ToolTipRole)
                combo.setCurrentIndex(0)
                self.description_label.setText(
                    f"Imported from {'a folder of pictures' if folder else 'a CSV file'}. Pick a "
                    "data set above to switch back to a ready-made one.")
                self.description_label.setToolTip(path)
            else:
                combo.setCurrentIndex(-1)
                self.description_label.setText("No data yet: pick a data set or open a CSV file.")
        combo.blockSignals(False)

    # ------------------------------------------------------------------ the chosen sample
    def _on_ctl_sample_chosen(self, index: int) -> None:
        split = self.ctl.split
        self.scatter.show_chosen(int(split.train_indices[index])
                                 if split is not None and index >= 0 else -1)
        self.picture_grid.show_chosen(index)

    def _on_scatter_other_part_clicked(self, row: int) -> None:
        split = self.ctl.split
        part = 1 if split is not None and bool(np.any(split.val_indices == row)) else 2
        self.ctl.message_posted.emit(not_training_text(row, part), "info")

    # ------------------------------------------------------------------ split
    def _on_split_editor_edited(self, changes: dict) -> None:
        self.ctl.set_split(**changes)
        self._refresh()  # shows the controller's values, also when it refused the change

    # ------------------------------------------------------------------ CSV import
    def _settings(self) -> QSettings:
        if self.settings is None:
            window_settings = getattr(self.window(), "settings", None)
            # The window's settings keep tests and smoke runs apart from the user's own.
            self.settings = (window_settings if isinstance(window_settings, QSettings)
                             else QSettings("nnstudio", "nnstudio"))
        return self.settings

    def last_csv_dir(self) -> str:
        """The folder of the last CSV file opened, if it still exists; else beside the current
        project or the last file (see :func:`~nnstudio.ui.files.file_actions.start_folder`)."""
        return start_folder(self.ctl, self._settings(), first=(self._settings().value(LAST_CSV_DIR_KEY, ""),))

    def open_csv_dialog(self) -> CsvImportDialog | None:
        """Ask for a CSV file (Ctrl+O), starting in the last CSV folder, and open the import dialog."""
        path, _ = QFileDialog.getOpenFileName(self, "Open a CSV file", self.last_csv_dir(), CSV_FILTER)
        return self.open_csv(path) if path else None

    def open_csv(self, path: str) -> CsvImportDialog:
        """Open the import dialog for ``path`` (non-blocking, window-modal) and return it."""
        if self.dialog is not None:
            self.dialog.shutdown()
            self.dialog.close()
            self.dialog.deleteLater()
        self._settings().setValue(LAST_CSV_DIR_KEY, os.path.dirname(os.path.abspath(path)))
        dialog = CsvImportDialog(path, self.window())
        dialog.dataset_loaded.connect(self._on_dialog_dataset_loaded)
        # Without a window manager handing it back (or with a slow one), the keyboard stayed
        # with the closed dialog and F5 did nothing until a click.
        dialog.finished.connect(lambda _result: self.window().activateWindow())
        self.dialog = dialog
        dialog.open()
        return dialog

    def _on_dialog_dataset_loaded(self, dataset) -> None:
        self._set_dataset(dataset)
        dialog = self.image_dialog if dataset.is_image else self.dialog
        if self.ctl.dataset is not dataset and dialog is not None:
            why = ("training is still running" if self.ctl.training_active
                   else "see the message in the main window")
            what = "pictures were" if dataset.is_image else "file was"
            dialog.show_error(f"The {what} read but the data is not in use: {why}.")

    # ------------------------------------------------------------------ image folders
    def open_image_folder_dialog(self) -> ImageFolderDialog | None:
        """Ask for a folder of pictures (Ctrl+Shift+I) and open the image-folder dialog."""
        path = QFileDialog.getExistingDirectory(self, "Open a folder of pictures (one sub-folder "
                                                "per class)", self.last_csv_dir())
        return self.open_image_folder(path) if path else None

    def open_image_folder(self, path: str) -> ImageFolderDialog:
        """Open the image-folder dialog for ``path`` (non-blocking, window-modal) and return it."""
        if self.image_dialog is not None:
            self.image_dialog.shutdown()
            self.image_dialog.close()
            self.image_dialog.deleteLater()
        self._settings().setValue(LAST_CSV_DIR_KEY, os.path.dirname(os.path.abspath(path)))
        dialog = ImageFolderDialog(path, self.window())
        dialog.dataset_loaded.connect(self._on_dialog_dataset_loaded)
        dialog.finished.connect(lambda _result: self.window().activateWindow())
        self.image_dialog = dialog
        dialog.open()
        return dialog

    # ------------------------------------------------------------------ teardown
    def shutdown(self) -> None:
        """Stop timers and any CSV load (waits for its thread). Call from the window's closeEvent."""
        self._param_timer.stop()
        self.split_editor.discard_pending()
        for dialog in (self.dialog, self.image_dialog):
            if dialog is not None:
                dialog.shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)
