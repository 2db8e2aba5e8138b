"""The one object through which the window reads and edits the project.

A thin Qt adapter over the Qt-free :class:`~nnstudio.project.session.Session`, which owns the
data, split, scaler, network, weights and the rules of what survives an edit. The controller
adds what only a window needs: signals the panels redraw on, the ``QUndoStack`` network and
data edits go through (Ctrl+Z / Ctrl+Shift+Z), the dirty flag, the selected layer and the
messages for the message bar. Panels never change the project behind its back.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMessageBox, QWidget

from nnstudio.data import Dataset
from nnstudio.errors import NNStudioError
from nnstudio.project import Project
from nnstudio.project.layer_edits import (
    DataSwitch,
    EditRefused,
    LayerEdit,
    ShapeCheck,
    check_shapes,
    default_layer_config,
    input_shape_of,
    picture_refusal,
    plan_insert,
    plan_move,
    plan_remove,
    plan_update,
)
from nnstudio.project.session import Session
from nnstudio.ui.network.layer_specs import output_explanation
from nnstudio.ui.undo_commands import DatasetCommand, LayersCommand, ResetCommand, describe_change


class ProjectController(QObject):
    """Holds the session and the window's view of it; every edit goes through here.

    ``layers`` holds the hidden layers and the output layer as engine layer configs
    (``{"class": "Dense", "config": {...}}``); the input layer is the data's features.
    """

    network_changed = Signal()           # layer list or a layer's settings changed
    dataset_changed = Signal()           # new data or new split
    settings_changed = Signal()          # training settings changed
    history_changed = Signal()           # history replaced or cleared (not per epoch)
    epoch_recorded = Signal(object)      # one EpochRecord appended to the history
    weights_changed = Signal()           # weights replaced (reset, loaded, trained)
    selection_changed = Signal(int)      # selected layer index, -1 for none
    dirty_changed = Signal(bool)
    path_changed = Signal(str)
    message_posted = Signal(str, str)    # text, level ("info" | "warning" | "error")
    #: The sample the magnifying glass looks at: a row of the training part, -1 for none.
    sample_chosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.session = Session()
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_undo_clean_changed)
        self.selected = -1
        self.path: str | None = None
        self.dirty = False
        self._changed_outside = False  # touch() since the last save or load
        self.training_active = False
        self.chosen_sample = -1
        self.dataset_changed.connect(lambda: self.choose_sample(-1))
        #: Set by the window: asks the user to stop training, returns True when stopped.
        self.confirm_stop_training = lambda: False
        #: Asks whether layers that fit new data keep what they learned (True) or start afresh.
        self.ask_keep_learning = self._ask_keep_learning

    # The session's state, read by the panels (they change it only through the methods below).
    project = property(lambda self: self.session.project)
    dataset = property(lambda self: self.session.dataset)
    split = property(lambda self: self.session.split, doc="The raw split (features unscaled).")
    scaled_split = property(lambda self: self.session.scaled_split,
                            doc="The split with scaled features: what the network trains on.")
    scaler = property(lambda self: self.session.scaler)
    network = property(lambda self: self.session.network)
    layers = property(lambda self: self.session.layers)
    kept_learning = property(lambda self: self.session.kept_learning)

    # ------------------------------------------------------------------ project
    def load(self, project: Project, dataset: Dataset, path: str | None = None) -> None:
        """Show ``project`` (with its already loaded ``dataset``) in the window."""
        error = self.session.load(project, dataset)
        self.selected = -1
        self.undo_stack.clear()
        self.path = path
        self.path_changed.emit(path or "")
        self._changed_outside = False
        self._set_dirty(False)
        if error:
            self.message_posted.emit(error, "error")
        for sig in (self.dataset_changed, self.network_changed, self.settings_changed,
                    self.history_changed, self.weights_changed):
            sig.emit()
        self.selection_changed.emit(-1)

    def project_to_save(self) -> Project:
        """The project as it would be saved now (weights copied from the live network)."""
        return self.session.to_project()

    def mark_saved(self, path: str) -> None:
        self.path = path
        self._changed_outside = False
        self.undo_stack.setClean()
        self._set_dirty(False)
        self.path_changed.emit(path)

    def _on_undo_clean_changed(self, clean: bool) -> None:
        # Undoing back to the saved state does not undo a setting changed meanwhile.
        self._set_dirty(not clean or self._changed_outside)

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self.dirty:
            self.dirty = dirty
            self.dirty_changed.emit(dirty)

    def touch(self) -> None:
        """Something outside the undo stack changed (settings, data, training)."""
        self._changed_outside = True
        self._set_dirty(True)

    # ------------------------------------------------------------------ the chosen sample
    def choose_sample(self, index: int) -> None:
        """Look at row ``index`` of the training part (-1: none); new data or a new split
        clears the choice, since the row numbers then mean other samples."""
        split = self.session.scaled_split
        n = 0 if split is None else len(split.train.y)
        index = int(index) if 0 <= int(index) < n else -1
        if index != self.chosen_sample:
            self.chosen_sample = index
            self.sample_chosen.emit(index)

    # ------------------------------------------------------------------ data
    def set_dataset(self, dataset: Dataset) -> bool:
        """Use new data (undoable): the input follows its features, the output layer its task.

        When the network has learned something and some layers still fit the new data, asks
        once (:attr:`ask_keep_learning`) whether they keep what they learned.
        """
        if self.session.uses_data(dataset):
            return True  # the same data again: nothing to change or undo
        if not self._may_edit():
            return False
        try:  # checked before anything changes, so nothing is half-done
            switch = self.session.plan_data_switch(dataset)
        except NNStudioError as exc:
            self.message_posted.emit(str(exc), "error")
            return False
        keep = switch.can_keep and bool(self.ask_keep_learning(switch))
        ids = switch.kept_ids if keep else switch.fresh_ids  # undo brings the old weights back
        self.undo_stack.push(DatasetCommand(self, f"Use data “{dataset.name}”", dataset,
                                            switch.layers, ids, keep))
        self.message_posted.emit(output_explanation(dataset), "info")
        return True

    def _ask_keep_learning(self, switch: DataSwitch) -> bool:
        n, total = len(switch.fitting), sum(1 for spec in switch.layers if spec["class"] == "Dense")
        which = "every layer" if n == total else f"{n} of the {total} layers with weights"
        text = (f"The network has learned from the data in use, and {which} still fit "
                f"“{switch.dataset.name}” (same settings, same number of weights).\n\n"
                "Yes: keep what they learned and go on learning from there.\n"
                "No: start every layer afresh.\n\nEither way the history starts again; Undo "
                "brings the old data and weights back.")
        parent = self.parent() if isinstance(self.parent(), QWidget) else None
        answer = QMessageBox.question(parent, "Keep what was learned?", text,
                                      QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        return answer == QMessageBox.Yes

    def _apply_data(self, dataset: Dataset, layers: list[dict], ids: list[int], keep: bool,
                    training: dict | None = None) -> None:
        self._report(self.session.apply_data(dataset, layers, ids, keep, training))
        for sig in (self.weights_changed, self.dataset_changed, self.network_changed, self.history_changed,
                    self.settings_changed):  # a table may bring its own training settings
            sig.emit()
        self.select(-1)

    def set_split(self, **changes) -> None:
        """Change ``val``, ``test``, ``seed`` or ``standardize`` of the split."""
        if not self._may_edit():
            return
        try:
            changed, warning = self.session.set_split(**changes)
        except NNStudioError as exc:
            self.message_posted.emit(str(exc), "error")
            self.dataset_changed.emit()
            return
        if not changed:
            return
        self.touch()
        self.dataset_changed.emit()
        self.history_changed.emit()
        if warning:
            self.message_posted.emit(warning, "warning")

    # ------------------------------------------------------------------ network edits
    def network_config(self) -> dict:
        return self.session.network_config()

    def output_issue(self) -> str | None:
        """Why the output layer does not fit the data, or None when it does."""
        return self.session.output_issue()

    def insert_layer(self, index: int, kind: str) -> bool:
        """Insert a new layer of ``kind`` ("Dense", "Conv2D", ...) before position ``index``;
        a picture layer on a table is refused in plain words (nothing changes)."""
        s = self.session

        def plan() -> LayerEdit:
            refusal = picture_refusal(kind, s.dataset)
            if refusal:
                raise EditRefused(refusal)
            config = default_layer_config(kind, s.layers, max(0, min(index, len(s.layers) - 1)))
            return plan_insert(s.layers, s.ids, index, config)

        return self._push(plan)

    def shape_check(self) -> ShapeCheck | None:
        """Every layer's shape, and the first layer that does not fit (None: no data or
        layers); the canvas, the inspector and Train read this one answer."""
        if self.dataset is None or not self.layers:
            return None
        return check_shapes(input_shape_of(self.dataset), self.layers)

    def network_problem(self) -> str | None:
        """Why the network cannot train, in plain words (a layer that does not fit what it
        receives, or an output layer that does not fit the data); None when it can."""
        check = self.shape_check()
        if check is not None and check.problem:
            return check.problem
        return self.output_issue()

    def remove_layer(self, index: int) -> bool:
        return self._push(lambda: plan_remove(self.session.layers, self.session.ids, index))

    def move_layer(self, src: int, dst: int) -> bool:
        """Move hidden layer ``src`` so it lands before position ``dst`` (output stays last)."""
        return self._push(lambda: plan_move(self.session.layers, self.session.ids, src, dst))

    def update_layer(self, index: int, **changes) -> bool:
        """Change settings of layer ``index`` (units, activation, rate, trainable)."""
        s = self.session
        return self._push(lambda: plan_update(s.layers, s.ids, index, changes, describe_change(changes)))

    def select(self, index: int) -> None:
        index = index if 0 <= index < len(self.layers) else -1
        if index != self.selected:
            self.selected = index
            self.selection_changed.emit(index)

    def _push(self, plan) -> bool:
        """Plan an edit (``plan()`` returns a :class:`LayerEdit` or None for no change) and
        push it onto the undo stack; refusals and bad values go to the message bar."""
        try:
            edit = plan()
        except EditRefused as exc:
            self.message_posted.emit(str(exc), "warning")
            return False
        except NNStudioError as exc:
            self.message_posted.emit(str(exc), "error")
            self.network_changed.emit()  # let the inspector show the valid value again
            return False
        if edit is None or not self._may_edit():
            return False
        self.undo_stack.push(LayersCommand(self, edit))
        return True

    def _may_edit(self) -> bool:
        return not self.training_active or bool(self.confirm_stop_training())

    def _apply_layers(self, edit: LayerEdit) -> None:
        self._report(self.session.apply_edit(edit))
        self.weights_changed.emit()
        self.network_changed.emit()
        self.history_changed.emit()
        self.select(edit.select)

    def _restore_results(self, results: tuple) -> None:
        # The weights came back from the cache by layer identity; their history comes with them.
        self.session.restore_results(results)
        self.history_changed.emit()
        self.weights_changed.emit()

    def _report(self, error: str | None) -> None:
        if error:
            self.message_posted.emit(error, "error")

    def reset_weights(self) -> None:
        """Fresh random weights (from the training seed) and an empty history (undoable)."""
        if not self._may_edit() or self.network is None:
            return
        self.undo_stack.push(ResetCommand(self))  # undoable: a click should not lose a model

    # ------------------------------------------------------------------ training settings
    def set_training(self, **changes) -> None:
        """Change batch_size, epochs, seed or optimizer settings (see :meth:`Session.set_training`)."""
        try:
            changed = self.session.set_training(**changes)
        except NNStudioError as exc:
            self.message_posted.emit(str(exc), "error")
            self.settings_changed.emit()
            return
        if changed:
            self.touch()
            self.settings_changed.emit()

    def make_optimizer(self):
        return self.session.make_optimizer()

    def record_epoch(self, record) -> None:
        self.session.record_epoch(record)
        self.touch()
        self.epoch_recorded.emit(record)
