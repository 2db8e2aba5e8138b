"""Proving a fix off the GUI thread: :func:`nnstudio.doctor.prove.prove_fix` in a QThread,
with progress and cancel.

The proof is two short real runs (without and with the fix, same weights and seed); on the
spiral they take a second or two, on bigger data longer, so the window keeps answering: the
runs happen in a worker thread, progress arrives by queued signals, and Cancel is a flag the
proof reads between epochs. :meth:`ProofRunner.shutdown` stops and joins the thread (a QThread
still running at exit aborts the process).
"""
from __future__ import annotations

from nnstudio.doctor.fixes import Fix
from nnstudio.doctor.prove import ProofSetup, prove_fix
from nnstudio.ui.task_runner import TaskRunner


def _failure(exc: Exception) -> str:
    return f"The fix could not be tried out: {type(exc).__name__}: {exc}."


class ProofRunner(TaskRunner):
    """One proof at a time; ``busy`` while it runs. ``proved`` is ``answered`` under the name
    the doctor's strip reads: a Proof (outcome "cancelled" when cancelled)."""

    def __init__(self, parent=None):
        super().__init__("proof", parent, failure=_failure)
        self.proved = self.answered

    def start(self, setup: ProofSetup, fix: Fix, epochs: int | None = None) -> bool:  # type: ignore[override]
        """Prove ``fix`` on ``setup``; False when a proof is already running."""
        return super().start(lambda progress, cancelled: prove_fix(
            setup, fix, epochs, cancelled=cancelled, progress=progress))
