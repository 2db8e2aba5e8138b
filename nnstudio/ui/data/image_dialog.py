"""The image-folder dialog: what the folder holds, the size and colour to read it at, and
the reading itself in the background with progress and a real cancel."""
from __future__ import annotations

import html
import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnstudio.data.images import AUTO_MAX, DEFAULT_SIZE, MAX_SIDE, MIN_SIDE
from nnstudio.data.images_scan import FolderScan, scan_folder
from nnstudio.engine.memory import format_bytes
from nnstudio.errors import NNStudioError
from nnstudio.ui.data.image_loader import ImageLoadThread
from nnstudio.ui.text_style import error, mute, warn

#: Classes listed by name in the dialog before "and N more".
LISTED_CLASSES = 30
COLOURS = (("auto", "Decide for me", "Grey when every picture is grey, colour otherwise."),
           ("grey", "Grey", "One brightness value a pixel: a third of the memory, and enough for "
                            "digits, letters and X-rays."),
           ("colour", "Colour", "Red, green and blue a pixel: needed when colour tells the classes "
                                "apart (ripe and unripe fruit)."))


def found_text(scan: FolderScan) -> str:
    """What :func:`scan_folder` found, as rich text: pictures per class."""
    counts: dict[int, int] = {}
    for _path, _rel, label in scan.files:
        counts[label] = counts.get(label, 0) + 1
    n, k = len(scan.files), len(scan.classes)
    listed = " \u00b7 ".join(f"<b>{html.escape(name)}</b>&nbsp;{counts.get(i, 0):,}"
                             for i, name in enumerate(scan.classes[:LISTED_CLASSES]))
    more = f" \u00b7 and {k - LISTED_CLASSES} more" if k > LISTED_CLASSES else ""
    return (f"Found <b>{n:,} pictures</b> in <b>{k} classes</b> (one sub-folder per class; the "
            f"folder names become the class names):<br>{listed}{more}")


class ImageFolderDialog(QDialog):
    """Show what ``path`` holds, let the person pick size and colour, read it with progress.

    Emits ``dataset_loaded(Dataset)`` after a successful read and then lists what was left out
    (in plain words); the dialog stays open until closed. Errors stay in the dialog.
    """

    dataset_loaded = Signal(object)
    load_finished = Signal(str)   # "loaded" | "failed" | "cancelled", after the thread ended

    def __init__(self, path: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = os.fspath(path)
        self.scan: FolderScan | None = None
        self.dataset = None
        self._thread: ImageLoadThread | None = None
        self._outcome = ""
        self.setSizeGripEnabled(True)
        self.resize(600, 560)
        self._build()
        self.set_folder(self.path)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.folder_label = QLabel()
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.other_button = QPushButton("Other folder\u2026")
        self.other_button.setToolTip("Choose another folder of pictures.")
        self.other_button.clicked.connect(self._on_other_button_clicked)
        top = QHBoxLayout()
        top.addWidget(self.folder_label, 1)
        top.addWidget(self.other_button)
        self.found_label = QLabel()
        self.found_label.setWordWrap(True)
        self.skipped_label = QLabel()
        self.skipped_label.setWordWrap(True)
        self.skipped_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        warn(self.skipped_label)

        size_box = QGroupBox("Size: every picture is resized to")
        self.size_group = QButtonGroup(self)
        self.size_28 = QRadioButton(f"{DEFAULT_SIZE} \u00d7 {DEFAULT_SIZE} pixels (as the MNIST digits)")
        self.size_auto = QRadioButton(f"The pictures' usual size (their median, at most {AUTO_MAX} "
                                      f"\u00d7 {AUTO_MAX})")
        self.size_custom = QRadioButton("Custom:")
        self.height_spin, self.width_spin = QSpinBox(), QSpinBox()
        for spin, what in ((self.height_spin, "high"), (self.width_spin, "wide")):
            spin.setRange(MIN_SIDE, MAX_SIDE)
            spin.setValue(64)
            spin.setSuffix(" px")
            spin.setToolTip(f"How many pixels {what}. Bigger pictures keep more detail but need "
                            "more memory and train more slowly.")
            spin.valueChanged.connect(self._on_choice_changed)
        self.size_28.setToolTip("Small and quick to train; enough for digits, letters and simple shapes.")
        self.size_auto.setToolTip("Keeps the pictures' own shape and size, up to a limit, so "
                                  "training stays quick.")
        for i, b in enumerate((self.size_28, self.size_auto, self.size_custom)):
            self.size_group.addButton(b, i)
        self.size_28.setChecked(True)
        self.size_group.idToggled.connect(self._on_choice_changed)
        grid = QGridLayout(size_box)
        grid.addWidget(self.size_28, 0, 0, 1, 4)
        grid.addWidget(self.size_auto, 1, 0, 1, 4)
        grid.addWidget(self.size_custom, 2, 0)
        grid.addWidget(self.height_spin, 2, 1)
        grid.addWidget(QLabel("high \u00d7"), 2, 2)
        grid.addWidget(self.width_spin, 2, 3)
        grid.addWidget(QLabel("wide"), 2, 4)
        grid.setColumnStretch(5, 1)

        colour_box = QGroupBox("Colour")
        self.colour_group = QButtonGroup(self)
        self.colour_buttons: dict[str, QRadioButton] = {}
        row = QHBoxLayout(colour_box)
        for i, (key, text, tip) in enumerate(COLOURS):
            b = QRadioButton(text)
            b.setToolTip(tip)
            self.colour_group.addButton(b, i)
            self.colour_buttons[key] = b
            row.addWidget(b)
        row.addStretch(1)
        self.colour_buttons["auto"].setChecked(True)
        self.colour_group.idToggled.connect(self._on_choice_changed)
        self.memory_label = QLabel()
        mute(self.memory_label)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("Reading the pictures\u2026 %p %")
        self.cancel_button = QPushButton("&Stop reading")
        self.cancel_button.setToolTip("Stop reading the pictures; the data you had stays in place (Esc).")
        self.cancel_button.clicked.connect(self.cancel_load)
        self._busy_row = QWidget()
        busy = QHBoxLayout(self._busy_row)
        busy.setContentsMargins(0, 0, 0, 0)
        busy.addWidget(self.progress, 1)
        busy.addWidget(self.cancel_button)
        self._busy_row.hide()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        error(self.error_label)
        self.error_label.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        self.info = QTextBrowser()
        self.info.setToolTip("What was read, and every file left out with the reason.")
        self.info.hide()

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("&Read pictures", QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.setToolTip("Read every picture at this size and colour and use them as the data.")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setToolTip("Close this window (a read in progress is stopped).")
        self.buttons.rejected.connect(self.reject)
        self._options = (size_box, colour_box, self.other_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.found_label)
        layout.addWidget(self.skipped_label)
        layout.addWidget(size_box)
        layout.addWidget(colour_box)
        layout.addWidget(self.memory_label)
        layout.addWidget(self._busy_row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.info, 1)
        layout.addStretch(0)
        layout.addWidget(self.buttons)

    # ------------------------------------------------------------------ the folder
    def set_folder(self, path: str) -> None:
        """Look at ``path`` (class sub-folders, candidate pictures) and show what is there."""
        self.path = os.fspath(path)
        self.setWindowTitle(f"Open image folder {os.path.basename(self.path.rstrip(os.sep)) or self.path}")
        self.folder_label.setText(f"Folder: <b>{html.escape(self.path)}</b>")
        for w in (self.error_label, self.status_label, self.info, self.skipped_label):
            w.hide()
        try:
            self.scan = scan_folder(self.path)
        except NNStudioError as exc:
            self.scan = None
            self.found_label.setText("")
            self.show_error(str(exc))
        else:
            self.found_label.setText(found_text(self.scan))
            notes = self.scan.skipped.notes() + [f"The class folder {name!r} holds no pictures; it is "
                                                 "left out." for name in self.scan.empty_classes]
            if notes:
                self.skipped_label.setText("\u26a0 Left out so far: " + " ".join(notes))
                self.skipped_label.show()
        self.import_button.setEnabled(self.scan is not None)
        self._on_choice_changed()

    def _on_other_button_clicked(self) -> None:
        start = os.path.dirname(self.path.rstrip(os.sep)) or self.path
        path = QFileDialog.getExistingDirectory(self, "Open a folder of pictures", start)
        if path:
            self.set_folder(path)

    # ------------------------------------------------------------------ choices
    def size(self):
        """The size chosen: an int, ``(height, width)`` or ``"auto"``."""
        if self.size_auto.isChecked():
            return "auto"
        if self.size_custom.isChecked():
            return (self.height_spin.value(), self.width_spin.value())
        return DEFAULT_SIZE

    def colour(self) -> str:
        return next(k for k, b in self.colour_buttons.items() if b.isChecked())

    def set_choices(self, size=None, colour: str | None = None) -> None:
        """Choose a size (int, (h, w) or "auto") and a colour, as clicks would."""
        if size == "auto":
            self.size_auto.setChecked(True)
        elif size == DEFAULT_SIZE:
            self.size_28.setChecked(True)
        elif size is not None:
            h, w = (size, size) if isinstance(size, int) else size
            self.height_spin.setValue(h)
            self.width_spin.setValue(w)
            self.size_custom.setChecked(True)
        if colour is not None:
            self.colour_buttons[colour].setChecked(True)

    def _on_choice_changed(self, *_args) -> None:
        for spin in (self.height_spin, self.width_spin):
            spin.setEnabled(self.size_custom.isChecked())
        size, colour = self.size(), self.colour()
        if self.scan is None or size == "auto":
            self.memory_label.setText("")
            return
        h, w = (size, size) if isinstance(size, int) else size
        n = len(self.scan.files)
        per = h * w * (3 if colour == "colour" else 1)
        maybe = " (a third of that if every picture is grey)" if colour == "auto" else ""
        self.memory_label.setText(f"{n:,} pictures of {h} \u00d7 {w} take about "
                                  f"{format_bytes(n * per * (3 if colour == 'auto' else 1))} "
                                  f"in memory{maybe}.")

    # ------------------------------------------------------------------ reading
    def is_loading(self) -> bool:
        return self._thread is not None

    def start_import(self) -> None:
        """Read the pictures in a worker thread; the result arrives as ``dataset_loaded``."""
        if self._thread is not None or self.scan is None:
            return
        for w in (self.error_label, self.status_label, self.info):
            w.hide()
        self._outcome = ""
        self._set_busy(True)
        # No Qt parent: deleting the dialog must never delete a thread that is still running.
        thread = ImageLoadThread(self.path, self.size(), self.colour())
        thread.progressed.connect(self._on_loader_progressed)
        thread.loaded.connect(self._on_loader_loaded)
        thread.failed.connect(self._on_loader_failed)
        thread.finished.connect(self._on_loader_finished)
        self._thread = thread
        thread.start()

    def cancel_load(self) -> None:
        if self._thread is not None:
            self._thread.cancel()
            self.cancel_button.setEnabled(False)
            self.progress.setFormat("Stopping\u2026")

    def shutdown(self) -> None:
        """Stop a running read and wait for its thread; safe to call more than once."""
        thread, self._thread = self._thread, None  # late queued results are then ignored
        if thread is not None:
            thread.stop_and_wait()
            self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        for w in self._options:
            w.setEnabled(not busy)
        self.import_button.setEnabled(not busy and self.scan is not None)
        self._busy_row.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.progress.setValue(0)
        self.progress.setFormat("Reading the pictures\u2026 %p %")

    def _current(self) -> bool:
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

    def _on_loader_finished(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return  # shutdown() already waited for it
        thread.wait()
        if thread.is_cancelling():
            self._outcome = "cancelled"
            self.status_label.setText("Reading was stopped; the data you had is still in use.")
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
        """What was read and what was left out, in plain words."""
        h, w, c = dataset.sample_shape
        left_out = sum(1 for n in dataset.notes if n.startswith("Skipped "))
        self.status_label.setText(
            f"<b>Read</b> {dataset.n_samples:,} pictures of {h}\u00d7{w} ({'grey' if c == 1 else 'colour'}) "
            f"in {dataset.n_classes} classes; they are the data now (close this window to train)."
            + (" Some files were left out: see why below." if left_out else ""))
        self.status_label.setStyleSheet("")
        self.status_label.show()
        items = "".join(f"<li>{html.escape(n)}</li>" for n in dataset.notes)
        self.info.setHtml(f"<ul style='margin-left:-20px'>{items}</ul>")
        self.info.show()

    def notes_text(self) -> str:
        """The notes as shown (plain text), empty before a read."""
        return "" if self.info.isHidden() else self.info.toPlainText()

    # ------------------------------------------------------------------ closing
    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        # Esc during a read means "stop that", not "throw the window away".
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
