"""Saving the trained project from the command line without losing it.

A Ctrl+C that arrived while the finished network was being written aborted the (atomic) save,
so the old file stayed and the training was thrown away. (The other way a run was lost, a
``--save`` target that cannot be written, is found before training by
:func:`nnstudio.project.check_writable`.)
"""
from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from nnstudio.project import save_project


class DeferCtrlC:
    """Hold a Ctrl+C back until the ``with`` block is done; ``received`` tells whether one came.

    The first Ctrl+C only prints a notice; a second one gives up and raises
    ``KeyboardInterrupt`` at once (the atomic save then keeps the old file), so a save stuck
    on a network drive can still be abandoned. Only the main thread may install signal
    handlers; elsewhere this does nothing.
    """

    NOTICE = "\nnnstudio: saving the trained network first (Ctrl+C again abandons the save)...\n"

    def __init__(self) -> None:
        self.received = False
        self._installed = False
        # What signal.signal returned: a Python handler, SIG_DFL / SIG_IGN (ints), or None.
        self._previous: Callable[[int, FrameType | None], Any] | int | None = signal.default_int_handler

    def _restore(self) -> None:
        if self._installed:
            # None means a handler not installed from Python: Python's default then. (Not
            # ``or``: SIG_DFL is 0, and a SIG_DFL before must be SIG_DFL again.)
            previous = self._previous
            signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)
            self._installed = False

    def _handle(self, signum, frame) -> None:
        if self.received:
            self._restore()
            raise KeyboardInterrupt
        self.received = True
        try:  # os.write, not print: print may be in the middle of a write to the same stream
            os.write(2, self.NOTICE.encode())
        except OSError:
            pass

    def __enter__(self) -> DeferCtrlC:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc) -> None:
        self._restore()


def save_despite_ctrl_c(project, path: str) -> tuple[str, bool]:
    """Save ``project`` at ``path`` even when Ctrl+C is pressed during the save.

    Returns
    -------
    saved : str
        The absolute path written.
    interrupted : bool
        Whether a Ctrl+C arrived during the save (the caller then stops with status 130).

    Raises
    ------
    ProjectError
        When the file cannot be written.
    KeyboardInterrupt
        On a second Ctrl+C during the save (the old file, if any, is kept).
    """
    with DeferCtrlC() as guard:
        saved = str(save_project(project, path))
    return saved, guard.received
