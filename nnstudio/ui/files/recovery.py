"""Nothing lost on a crash: unsaved work is copied to a recovery file every minute, and offered
back the next time nnstudio starts if it did not close normally."""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal

from nnstudio.errors import NNStudioError
from nnstudio.project import load_project, save_project

AUTOSAVE_INTERVAL_MS = 60_000
#: After a run pauses or stops: wait until the window has drawn the end of the run, so the
#: writer thread (which needs the GIL for the project's JSON) does not compete with that.
AFTER_RUN_DELAY_MS = 1500


def recovery_dir(scope: str) -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.GenericDataLocation) or os.path.expanduser("~")
    return Path(base) / "nnstudio" / scope / "recovery"


class RecoveryManager(QObject):
    """Writes ``recovery.nnproj`` (+ a small JSON note) while there are unsaved changes.

    The copy of the project is taken in the GUI thread; the file is written in a short-lived
    thread: zipping and fsync-ing the weights of an MNIST-sized network takes ~50-150 ms, a
    visible freeze each time training stops or pauses.
    """

    _write_failed = Signal(str)  # emitted by the writer thread, handled in the GUI thread

    def __init__(self, ctl, scope: str, interval_ms: int = AUTOSAVE_INTERVAL_MS, parent=None):
        super().__init__(parent)
        self._ctl = ctl
        self._writer: threading.Thread | None = None
        self._write_failed.connect(self._on_write_failed)
        self.folder = recovery_dir(scope)
        self.project_file = self.folder / "recovery.nnproj"
        self.note_file = self.folder / "recovery.json"
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.autosave)
        self._timer.start()
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(AFTER_RUN_DELAY_MS)
        self._soon.timeout.connect(self.autosave)

    def autosave_soon(self) -> None:
        """Write the recovery copy in a moment (at the end of a run: see AFTER_RUN_DELAY_MS)."""
        self._soon.start()

    def autosave(self) -> bool:
        """Start writing the recovery copy if there is unsaved work; True when started.

        :meth:`wait` waits until it is on disk.
        """
        ctl = self._ctl
        # Also while training: a long run is what a crash would hurt most. The trainer works on
        # its own copy; the window's network takes its weights at each snapshot (~150 ms), so
        # the copy's weights may trail its history by a moment.
        if not ctl.dirty or ctl.dataset is None:
            return False
        project = ctl.project_to_save()  # copies: the weights may change again as soon as we return
        note = {"original_path": ctl.path, "saved_at": time.time(), "name": ctl.project.name}
        self.wait()  # one write at a time; the last one is long done at a minute's interval
        self._writer = threading.Thread(target=self._write, args=(project, note),
                                        name="nnstudio-recovery", daemon=True)
        self._writer.start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a recovery copy being written; True when none is being written any more."""
        writer = self._writer
        if writer is not None:
            writer.join(timeout)
            if writer.is_alive():
                return False
            self._writer = None
        return True

    def _write(self, project, note: dict) -> None:  # in the writer thread
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            save_project(project, self.project_file)
            self.note_file.write_text(json.dumps(note))
        except (NNStudioError, OSError) as exc:
            self._write_failed.emit(str(exc))

    def _on_write_failed(self, reason: str) -> None:
        self._ctl.message_posted.emit(f"Could not write the recovery copy of your work: {reason}",
                                      "warning")

    def pending(self) -> dict | None:
        """What a previous session left behind: ``{"original_path", "saved_at", "name"}`` or None."""
        self.wait()
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
        self.wait()  # a copy still being written would otherwise appear after this
        for f in (self.project_file, self.note_file):
            try:
                f.unlink()
            except FileNotFoundError:
                pass

    def shutdown(self) -> None:
        self._timer.stop()
        self._soon.stop()
        self.discard()
