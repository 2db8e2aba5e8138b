"""Training-setting changes the window makes for the user (the doctor's rate cut after a
blow-up, a fix's settings), as one undoable step each.

The panels' own edits are not on the undo stack (a spin box is its own undo); a change the
user did not type must be: Undo (Ctrl+Z) puts the settings back as they were.
"""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from nnstudio.errors import NNStudioError
from nnstudio.project.build import updated_training
from nnstudio.ui.training.schedule_specs import with_rate

if TYPE_CHECKING:
    from nnstudio.ui.controller import ProjectController


class TrainingSettingsCommand(QUndoCommand):
    """Replace ``ctl.project.training`` with ``after``; undo puts ``before`` back."""

    def __init__(self, ctl: ProjectController, text: str, before: dict, after: dict):
        super().__init__(text)
        self._ctl = ctl
        self._before, self._after = copy.deepcopy(before), copy.deepcopy(after)

    def redo(self) -> None:
        self._set(self._after)

    def undo(self) -> None:
        self._set(self._before)

    def _set(self, training: dict) -> None:
        self._ctl.session.project.training = copy.deepcopy(training)
        self._ctl.touch()
        self._ctl.settings_changed.emit()


def push_training(ctl: ProjectController, text: str, after: dict) -> bool:
    """Put ``after`` (whole training settings) on the undo stack as one step named ``text``;
    False (and nothing changes) when it equals the current settings."""
    before = ctl.project.training
    if after == before:
        return False
    ctl.undo_stack.push(TrainingSettingsCommand(ctl, text, before, after))
    return True


def lower_rate(ctl: ProjectController, factor: float = 0.1, text: str | None = None) -> float | None:
    """Multiply the learning rate (and a schedule's starting rate) by ``factor`` as one undoable
    step; returns the new rate, or None when the optimizer refuses it (said in the message bar)."""
    training = ctl.project.training
    rate = float(training["optimizer"]["config"].get("learning_rate", 0.01))
    new = float(f"{rate * factor:.3g}")
    try:
        after = updated_training(training, **with_rate(training, new))
    except NNStudioError as exc:
        ctl.message_posted.emit(str(exc), "error")
        return None
    push_training(ctl, text or f"Lower the learning rate to {new:g}", after)
    return new
