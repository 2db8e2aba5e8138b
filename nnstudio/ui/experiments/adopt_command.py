"""Using a sweep run's settings: an undoable change of the project's training settings."""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from nnstudio.trainer.sweep import SweepRun, adopted_training

if TYPE_CHECKING:
    from nnstudio.ui.controller import ProjectController


class AdoptSettingsCommand(QUndoCommand):
    """Replace the training settings with ``run``'s (see
    :func:`~nnstudio.trainer.sweep_plan.adopted_training`); undo puts the old ones back.

    Raises ``ConfigError`` when built with settings the optimizer refuses (nothing changed).
    """

    def __init__(self, ctl: ProjectController, run: SweepRun):
        super().__init__(f"Use learning rate {run.learning_rate:g} from the sweep")
        self._ctl = ctl
        self._before = copy.deepcopy(ctl.project.training)
        self._after = adopted_training(self._before, run)

    def _set(self, training: dict) -> None:
        self._ctl.project.training = copy.deepcopy(training)
        self._ctl.settings_changed.emit()

    def redo(self) -> None:
        self._set(self._after)

    def undo(self) -> None:
        self._set(self._before)
