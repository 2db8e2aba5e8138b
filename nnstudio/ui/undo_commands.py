"""The undo stack's commands for the controller's edits: layers, data, weight resets.

Each keeps what undo needs to bring back (layers, weight identities, history, weights) and
calls the controller's ``_apply_*`` methods, which do the work and emit its signals.
"""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from nnstudio.engine import get_activation

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
    """Replace the layer list (and its weight identities) and put it back on undo."""

    def __init__(self, ctl: "ProjectController", text: str, layers: list[dict], ids: list[int],
                 select: int, keep_history: bool = False):
        super().__init__(text)
        self._ctl = ctl
        self._before = (copy.deepcopy(ctl.layers), list(ctl._ids), ctl.selected)
        self._after = (layers, ids, select)
        self._history = copy.deepcopy(ctl.project.history)  # undo brings the results back too
        self._keep = keep_history

    def redo(self):
        self._ctl._apply_layers(*self._after, keep_history=self._keep)

    def undo(self):
        self._ctl._apply_layers(*self._before, keep_history=self._keep)
        self._ctl._restore_history(self._history)


class DatasetCommand(QUndoCommand):
    """Switch to another data set (and the output layer it needs) and back on undo."""

    def __init__(self, ctl: "ProjectController", text: str, dataset, layers: list[dict], ids: list[int]):
        super().__init__(text)
        self._ctl = ctl
        self._before = (ctl.dataset, copy.deepcopy(ctl.layers), list(ctl._ids))
        self._after = (dataset, layers, ids)
        self._history = copy.deepcopy(ctl.project.history)

    def redo(self):
        self._ctl._apply_dataset(*self._after)

    def undo(self):
        self._ctl._apply_dataset(*self._before)
        self._ctl._restore_history(self._history)


class ResetCommand(QUndoCommand):
    """Fresh random weights and no history; undo brings the trained weights and history back."""

    def __init__(self, ctl: "ProjectController"):
        super().__init__("Reset weights")
        self._ctl = ctl
        self._params = ctl.network.params.copy()
        self._history = copy.deepcopy(ctl.project.history)
        self._scaling = ctl._target_scaling()
        self._data_check = ctl.project.data_check

    def redo(self):
        ctl = self._ctl
        ctl.network.reinitialize(ctl.project.training.get("seed", 0))
        ctl._refit_target_scaling()  # e.g. an old project trained unscaled: start scaled
        ctl.project.clear_results()
        ctl.kept_learning = False
        ctl.weights_changed.emit()
        ctl.history_changed.emit()

    def undo(self):
        self._ctl.network.params[...] = self._params
        self._ctl._set_target_scaling(self._scaling)
        self._ctl._restore_history(self._history)
        self._ctl.project.data_check = self._data_check
