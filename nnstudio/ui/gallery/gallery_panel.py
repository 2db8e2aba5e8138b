"""The gallery: the pictures with their class; after training, the wrong answers; one
confusion-matrix cell's pictures; a click on a training picture puts it under the magnifying
glass."""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.ui.gallery.answers import AnswersThread
from nnstudio.ui.gallery.gallery_model import GalleryModel
from nnstudio.ui.gallery.pictures import PART_NAMES, TRAIN, VAL, parts_of
from nnstudio.ui.gallery.selection import ALL, CELL, WRONG, GalleryFilter, answers_of, select_rows
from nnstudio.ui.text_style import mute

HINT = ("Each picture with its class. Click a training picture to follow it through one "
        "training step under the magnifying glass.")
UNTRAINED = ("The network has not been trained yet, so its answers are guesses: train it (F5) "
             "and the wrong answers here become the ones worth a look.")
#: Answers are worked out again at most this often while training runs (ms).
RUN_REFRESH_MS = 3000


class GalleryPanel(QWidget):
    """The data's pictures in a grid (``view``, a QListView in icon mode over ``model``).

    ``ctl`` is the project controller; ``runner`` (optional) the training runner, whose
    snapshots mark the answers as out of date. :meth:`show_cell` shows a confusion cell.
    """

    #: The gallery wants to be seen (a confusion cell was clicked).
    show_requested = Signal()

    def __init__(self, ctl, runner=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctl, self.runner = ctl, runner
        self.filter = GalleryFilter()
        self.answers: np.ndarray | None = None      # class index per data row
        self.confidence: np.ndarray | None = None
        self._tag = 0              # bumps when the weights or the data change
        self._data_tag = 0         # the tag when the data last changed
        self._answered_tag = -1    # the tag the answers belong to
        self._thread: AnswersThread | None = None
        self._parts = np.zeros(0, dtype=np.int8)
        self._syncing = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._work_out_answers)

        self.mode_combo = QComboBox()
        self.mode_combo.addItem("All pictures", ALL)
        self.mode_combo.addItem("Wrong answers", WRONG)
        self.mode_combo.setToolTip("All pictures, or only those the network answers wrongly (most "
                                   "confident mistakes first: sometimes the label is the mistake).")
        self.part_combo = QComboBox()
        self.part_combo.addItem("All parts", None)
        for part, name in enumerate(PART_NAMES):
            self.part_combo.addItem(name.capitalize(), part)
        self.part_combo.setToolTip("Only the pictures of one part: the network learns from the "
                                   "training pictures; validation and test pictures check it.")
        self.class_combo = QComboBox()
        self.class_combo.setToolTip("Only the pictures of one class.")
        for combo in (self.mode_combo, self.part_combo, self.class_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.activated.connect(self._on_filter_combo_activated)
        self.count_label = QLabel()
        mute(self.count_label)
        show = QLabel("Sho&w:")
        show.setBuddy(self.mode_combo)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        for w in (show, self.mode_combo, self.part_combo, self.class_combo):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.count_label)

        self.cell_label = QLabel()
        self.cell_label.setWordWrap(True)
        self.all_button = QPushButton("Show all pictures")
        self.all_button.setToolTip("Leave this cell of the confusion matrix and show every picture.")
        self.all_button.clicked.connect(lambda: self.set_filter(GalleryFilter()))
        self._cell_row = QWidget()
        cell = QHBoxLayout(self._cell_row)
        cell.setContentsMargins(0, 0, 0, 0)
        cell.addWidget(self.cell_label, 1)
        cell.addWidget(self.all_button)
        self._cell_row.hide()

        self.model = GalleryModel(parent=self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(True)  # no measuring of 10,000 items
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(500)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setSpacing(2)
        self.view.clicked.connect(self._on_view_clicked)
        self._size_view()

        self.note = QLabel(HINT)
        self.note.setWordWrap(True)
        mute(self.note)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self._cell_row)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.note)

        ctl.dataset_changed.connect(self._on_ctl_dataset_changed)
        ctl.weights_changed.connect(self.answers_out_of_date)
        ctl.sample_chosen.connect(self._on_ctl_sample_chosen)
        if runner is not None:
            runner.snapshot_ready.connect(lambda _s: self.answers_out_of_date())
            runner.state_changed.connect(lambda _s: self.answers_out_of_date())
        self._on_ctl_dataset_changed()

    # ------------------------------------------------------------------ public
    def set_filter(self, f: GalleryFilter) -> None:
        """Show what ``f`` selects (also sets the combo boxes to match)."""
        self.filter = f
        for combo, value in ((self.mode_combo, WRONG if f.mode == WRONG else ALL),
                             (self.part_combo, f.part), (self.class_combo, f.true_class)):
            combo.setCurrentIndex(max(0, combo.findData(value)))
        self._show_rows()
        if f.needs_answers and self._answered_tag != self._tag:
            self._timer.start(0)

    def show_cell(self, true_class: int, answered: int) -> None:
        """The validation pictures of ``true_class`` the network answers as ``answered`` (a
        confusion-matrix cell; the matrix counts the validation part)."""
        self.set_filter(GalleryFilter(CELL, VAL, int(true_class), int(answered)))
        self.show_requested.emit()

    def answers_out_of_date(self) -> None:
        """The weights (or the data) changed: the answers shown are from before."""
        self._tag += 1
        if self._wants_answers():
            running = self.runner is not None and self.runner.state != "idle"
            if not self._timer.isActive():
                self._timer.start(RUN_REFRESH_MS if running else 200)

    def shown_rows(self) -> np.ndarray:
        """The data rows on show, in order."""
        return self.model.rows()

    def shutdown(self) -> None:
        """Stop the timer and wait for a running answers thread (call before closing)."""
        self._timer.stop()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.wait()

    # ------------------------------------------------------------------ model -> UI
    def _on_ctl_dataset_changed(self) -> None:
        ds = self.ctl.dataset
        image = ds is not None and ds.is_image and ds.task == "classification"
        if image:
            self._parts, pos = parts_of(ds.n_samples, self.ctl.split)
            self.model.set_data(ds.X, ds.y, ds.class_names, self._parts, pos)
        else:
            self._parts = np.zeros(0, dtype=np.int8)
            self.model.set_data(None, None, [], self._parts, np.zeros(0, dtype=np.int64))
        self._size_view()
        self.answers = self.confidence = None
        self._tag += 1
        self._data_tag = self._tag
        self.class_combo.clear()
        self.class_combo.addItem("All classes", None)
        for i, name in enumerate(ds.class_names if image else []):
            self.class_combo.addItem(name, i)
        keep = self.filter if image and self.filter.mode != CELL else GalleryFilter()
        if keep.true_class is not None and (keep.true_class >= ds.n_classes):
            keep = GalleryFilter(keep.mode, keep.part)
        self.answers_out_of_date()
        self.set_filter(keep)

    def _on_ctl_sample_chosen(self, index: int) -> None:
        split = self.ctl.split
        if index < 0 or split is None or not len(self.model.rows()):
            return
        row = int(split.train_indices[index])
        hit = np.flatnonzero(self.model.rows() == row)
        if len(hit):
            model_index = self.model.index(int(hit[0]))
            self._syncing = True
            try:
                self.view.selectionModel().setCurrentIndex(
                    model_index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            finally:
                self._syncing = False
            self.view.scrollTo(model_index)

    # ------------------------------------------------------------------ UI -> model
    def _on_filter_combo_activated(self, _index: int) -> None:
        self.set_filter(GalleryFilter(self.mode_combo.currentData(), self.part_combo.currentData(),
                                      self.class_combo.currentData()))

    def _on_view_clicked(self, index) -> None:
        if self._syncing or not index.isValid():
            return
        row = self.model.data_row(index.row())
        part, pos = self.model.part_of(row)
        if part == TRAIN:
            self.ctl.choose_sample(pos)
            self.note.setText(f"Training picture {pos} (row {row}) is under the magnifying glass.")
        else:
            self.note.setText(f"Row {row} is a {PART_NAMES[part]} picture. The magnifying glass "
                              "shows a training step, and the network never trains on validation "
                              "or test pictures (they check it on pictures it has not learned "
                              "from), so pick a training picture.")

    # ------------------------------------------------------------------ drawing
    def _size_view(self) -> None:
        ds = self.ctl.dataset
        h, w = (ds.sample_shape[:2] if ds is not None and ds.is_image else (28, 28))
        # Whole-pixel enlargement of small pictures (8x8 digits x6, 28x28 x2), big ones fit 64.
        side = max(h, w)
        side = side * max(1, 56 // side) if side <= 56 else 64
        self.model.set_side(side)
        self.view.setIconSize(QSize(side, side))
        self._size_grid()

    def _size_grid(self) -> None:
        """Room for the picture and its label: the class name, or "4 -> 9 87%" once answers
        are shown (sized for those only then: 'banana -> banana 99%' cost half the columns)."""
        ds, side = self.ctl.dataset, self.model.side
        names = ds.class_names if ds is not None and ds.is_image else ["0"]
        longest = max(names[:50], key=len, default="0")[:12]
        answers = self.answers is not None or self.filter.needs_answers
        text = f"{longest} \u2192 {longest} 99%" if answers else longest
        width = max(side, self.fontMetrics().horizontalAdvance(text)) + 24
        size = QSize(width, side + self.fontMetrics().height() + 8)
        if self.view.gridSize() != size:
            self.view.setGridSize(size)

    def _show_rows(self) -> None:
        f = self.filter
        ds = self.ctl.dataset
        if ds is None or not ds.is_image or ds.task != "classification":
            self.model.set_rows(np.zeros(0, dtype=np.int64))
            self.count_label.setText("")
            self.note.setText("The gallery shows picture data: open an image folder or pick a "
                              "picture set (MNIST digits).")
            self._cell_row.hide()
            return
        rows = select_rows(f, ds.y, self._parts, self.answers, self.confidence)
        self._size_grid()
        self.model.set_rows(rows)
        self.model.set_answers(self.answers, self.confidence)
        n = len(rows)
        self.count_label.setText(f"{n:,} picture{'s' if n != 1 else ''}")
        self._cell_row.setVisible(f.mode == CELL)
        if f.mode == CELL:
            names = ds.class_names
            what = "right answers" if f.true_class == f.answered else "mix-ups"
            self.cell_label.setText(
                f"Confusion-matrix cell ({what}): the {PART_NAMES[f.part or 0]} pictures of "
                f"<b>{html.escape(names[f.true_class])}</b> the network answers as "
                f"<b>{html.escape(names[f.answered])}</b>.")
        self._update_note()

    def _update_note(self) -> None:
        f = self.filter
        if not f.needs_answers:
            self.note.setText(HINT)
        elif self.ctl.network is None:
            self.note.setText("There is no network to answer yet.")
        elif self._answered_tag != self._tag or self.answers is None:
            self.note.setText("Working out the network's answers\u2026")
        elif not self.ctl.project.history.get("epoch"):
            self.note.setText(UNTRAINED)
        else:
            self.note.setText("Under each picture: its true class \u2192 the network's answer and how "
                              "sure it is. Most confident mistakes first.")

    # ------------------------------------------------------------------ the answers
    def _wants_answers(self) -> bool:
        # While training runs, only a view of mistakes is worth a prediction on every picture
        # every few seconds (both cores are busy training); the red labels catch up at the end.
        idle = self.runner is None or self.runner.state == "idle"
        return self.filter.needs_answers or (idle and self.isVisible() and self.answers is not None)

    def _work_out_answers(self) -> None:
        net, ds = self.ctl.network, self.ctl.dataset
        if net is None or ds is None or not ds.is_image or self._answered_tag == self._tag:
            self._update_note()
            return
        if self._thread is not None:  # one at a time; the newest weights are asked for next
            self._timer.start(200)
            return
        thread = AnswersThread(net.get_config(), net.params.copy(), ds.X, self._tag)
        thread.answered.connect(self._on_thread_answered)
        thread.failed.connect(self._on_thread_failed)
        thread.finished.connect(self._on_thread_finished)
        self._thread = thread
        self._update_note()
        thread.start()

    def _on_thread_answered(self, tag, outputs) -> None:
        ds = self.ctl.dataset
        if ds is None or tag < self._data_tag or len(outputs) != ds.n_samples:
            return  # answers for data that has gone
        self.answers, self.confidence = answers_of(outputs)
        self._answered_tag = tag
        self._show_rows()

    def _on_thread_failed(self, _tag, message: str) -> None:
        self.note.setText(message)

    def _on_thread_finished(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.wait()
            thread.deleteLater()
        if self._answered_tag != self._tag and self._wants_answers():
            self._timer.start(200)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self.filter.needs_answers and self._answered_tag != self._tag:
            self._timer.start(0)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.shutdown()
        super().closeEvent(event)
