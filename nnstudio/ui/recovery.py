"""Nothing lost on a crash: unsaved work is copied to a recovery file every minute, and offered
back the next time nnstudio starts if it did not close normally."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer

from nnstudio.errors import NNStudioError
from nnstudio.project import load_project, save_project

AUTOSAVE_INTERVAL_MS = 60_000


def recovery_dir(scope: str) -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.GenericDataLocation) or os.path.expanduser("~")
    return Path(base) / "nnstudio" / scope / "recovery"


class RecoveryManager(QObject):
    """Writes ``recovery.nnproj`` (+ a small JSON note) while there are unsaved changes."""

    def __init__(self, ctl, scope: str, interval_ms: int = AUTOSAVE_INTERVAL_MS, parent=None):
        super().__init__(parent)
        self._ctl = ctl
        self.folder = recovery_dir(scope)
        self.project_file = self.folder / "recovery.nnproj"
        self.note_file = self.folder / "recovery.json"
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.autosave)
        self._timer.start()

    def autosave(self) -> bool:
        """Write the recovery copy now if there is unsaved work; True when written."""
        ctl = self._ctl
        # While training the worker thread owns the weights; the copy is made once it pauses or stops.
        if not ctl.dirty or ctl.training_active or ctl.dataset is None:
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            save_project(ctl.snapshot(), self.project_file)
            self.note_file.write_text(json.dumps({"original_path": ctl.path, "saved_at": time.time(),
                                                  "name": ctl.project.name}))
        except (NNStudioError, OSError) as exc:
            ctl.message_posted.emit(f"Could not write the recovery copy of your work: {exc}", "warning")
            return False
        return True

    def pending(self) -> dict | None:
        """What a previous session left behind: ``{"original_path", "saved_at", "name"}`` or None."""
        if not self.project_file.exists():
            return None
        try:
            note = json.loads(self.note_file.read_text())
        except (OSError, ValueError):
            note = {}
        note.setdefault("saved_at", self.project_file.stat().st_mtime)
        note.setdefault("name", "Untitled")
        note.setdefault("original_path", None)
        return note

    def restore(self, dataset_loader) -> bool:
        """Open the recovery copy as unsaved work (its original file, if any, untouched)."""
        note = self.pending() or {}
        try:
            project = load_project(self.project_file)
            dataset = dataset_loader(project.data_source)
        except (NNStudioError, OSError) as exc:
            self._ctl.message_posted.emit(f"The recovery copy could not be opened: {exc}", "error")
            return False
        self._ctl.load(project, dataset, path=note.get("original_path"))
        self._ctl.touch()  # still unsaved until the user saves it
        self._ctl.message_posted.emit("Your unsaved work from the last session was restored. "
                                      "Save it to keep it.", "info")
        return True

    def discard(self) -> None:
        """Forget the recovery copy (after a normal close, or when the user declines it)."""
        for f in (self.project_file, self.note_file):
            try:
                f.unlink()
            except FileNotFoundError:
                pass

    def shutdown(self) -> None:
        self._timer.stop()
        self.discard()
