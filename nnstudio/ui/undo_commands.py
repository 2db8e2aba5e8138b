"""The undo stack's commands for the controller's edits: layers, data, weight resets, and the
magnifying glass's applied step.

Each keeps what undo needs to bring back (layers, weight identities, results, weights); the
session does the work (``ctl.session``) and the controller's ``_apply_*`` methods emit its
signals.
"""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from nnstudio.engine import get_activation
from nnstudio.explain import apply_step
from nnstudio.project.layer_edits import LayerEdit

if TYPE_CHECKING:
    from nnstudio.ui.controller import ProjectController


def describe_change(changes: dict) -> str:
    """Undo-menu wording in the words the panels use: "Set neurons to 32", "Freeze layer"."""
    parts = []
    for key, value in changes.items():
        if key == "units":
            parts.append(f"neurons to {value}")
        elif key == "activation":
            parts.append(f"activation to {get_activation(value).display_name}")
        elif key == "rate":
            parts.append(f"dropout rate to {value:.0%}")
        elif key == "trainable":
            return "Unfreeze layer" if value else "Freeze layer"
        else:
            parts.append(f"{key} to {value}")
    return "Set " + ", ".join(parts)


class LayersCommand(QUndoCommand):
    """Apply a planned layer edit, and put the layers (and their results) back on undo."""

    def __init__(self, ctl: ProjectController, edit: LayerEdit):
        super().__init__(edit.text)
        self._ctl = ctl
        session = ctl.session
        self._before = LayerEdit(edit.text, copy.deepcopy(session.layers), list(session.ids),
                                 ctl.selected, edit.keep_history)
        self._after = edit
        self._results = session.results()  # undo brings the history and fingerprint back too

    def redo(self):
        self._ctl._apply_layers(self._after)

    def undo(self):
        self._ctl._apply_layers(self._before)
        if not self._after.keep_history:  # else the history went on (e.g. training while frozen)
            self._ctl._restore_results(self._results)


class DatasetCommand(QUndoCommand):
    """Switch to another data set (and the output layer it needs) and back on undo; a table
    may bring its own training settings (early stopping...), which undo takes back too."""

    def __init__(self, ctl: ProjectController, text: str, dataset, layers: list[dict],
                 ids: list[int], keep_learning: bool):
        super().__init__(text)
        self._ctl = ctl
        session = ctl.session
        self._before = (session.dataset, copy.deepcopy(session.layers), list(session.ids), False,
                        copy.deepcopy(session.project.training))
        self._after = (dataset, layers, ids, keep_learning, None)  # None: the data's own choice
        self._results = session.results()

    def redo(self):
        self._ctl._apply_data(*self._after)

    def undo(self):
        self._ctl._apply_data(*self._before)
        self._ctl._restore_results(self._results)


class ResetCommand(QUndoCommand):
    """Fresh random weights and no history; undo brings the trained weights and history back."""

    def __init__(self, ctl: ProjectController):
        super().__init__("Reset weights")
        self._ctl = ctl
        self._state = ctl.session.weights_state()

    def redo(self):
        self._ctl.session.reset_weights()
        self._ctl.weights_changed.emit()
        self._ctl.history_changed.emit()

    def undo(self):
        self._ctl.session.restore_weights(self._state)
        self._ctl.history_changed.emit()
        self._ctl.weights_changed.emit()


class ApplyStepCommand(QUndoCommand):
    """The magnifying glass's Apply this step: one sample's update, worked out by ``walk``
    (a :class:`~nnstudio.explain.StepWalk`), made by :func:`~nnstudio.explain.apply_step`.

    The step is made once, here (so a step that no longer fits raises before anything is on
    the stack); redo and undo then put the exact weights and optimizer state of after and
    before back, bit for bit.
    """

    def __init__(self, ctl: ProjectController, walk):
        super().__init__(f"Apply the step of sample #{walk.sample_index}")
        self._ctl = ctl
        net = ctl.network
        self._state_before = ctl.project.optimizer_state
        optimizer = ctl.make_optimizer()
        optimizer.attach(net)
        optimizer.load_state_dict(self._state_before)  # the state the walk worked from
        applied = apply_step(net, optimizer, walk)  # raises (nothing changed) when it no longer fits
        self._state_after = optimizer.state_dict()
        self._before, self._after = applied.params_before, applied.params_after
        net.params[...] = self._before  # made for real by redo, which push() calls

    def redo(self):
        self._ctl.network.params[...] = self._after
        self._ctl.project.optimizer_state = self._state_after
        self._ctl.weights_changed.emit()

    def undo(self):
        self._ctl.network.params[...] = self._before
        self._ctl.project.optimizer_state = self._state_before
        self._ctl.weights_changed.emit()
