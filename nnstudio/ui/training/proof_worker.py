"""Proving a fix off the GUI thread: :func:`nnstudio.doctor.prove.prove_fix` in a QThread,
with progress and cancel.

The proof is two short real runs (without and with the fix, same weights and seed); on the
spiral they take a second or two, on bigger data longer, so the window keeps answering: the
runs happen in a worker thread, progress arrives by queued signals, and Cancel is a flag the
proof reads between epochs. :meth:`ProofRunner.shutdown` stops and joins the thread (a QThread
still running at exit aborts the process).
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from nnstudio.doctor.fixes import Fix
from nnstudio.doctor.prove import ProofSetup, prove_fix


class _ProofWorker(QObject):
    progressed = Signal(float)   # fraction done, 0..1
    proved = Signal(object)      # Proof (outcome "cancelled" when cancelled)
    failed = Signal(str)         # plain words
    done = Signal()              # last, always

    def __init__(self, setup: ProofSetup, fix: Fix, epochs: int | None):
        super().__init__()
        self._setup, self._fix, self._epochs = setup, fix, epochs
        self.cancel_flag = threading.Event()

    @Slot()
    def run(self) -> None:
        try:
            proof = prove_fix(self._setup, self._fix, self._epochs,
                              cancelled=self.cancel_flag.is_set, progress=self.progressed.emit)
            self.proved.emit(proof)
        except Exception as exc:  # noqa: BLE001 - the thread must end in a message, not die
            self.failed.emit(f"The fix could not be tried out: {type(exc).__name__}: {exc}.")
        self.done.emit()


class ProofRunner(QObject):
    """One proof at a time; ``busy`` while it runs."""

    progressed = Signal(float)
    proved = Signal(object)      # Proof
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._worker: _ProofWorker | None = None
        self._thread: QThread | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def start(self, setup: ProofSetup, fix: Fix, epochs: int | None = None) -> bool:
        """Prove ``fix`` on ``setup``; False when a proof is already running."""
        if self.busy:
            return False
        worker = _ProofWorker(setup, fix, epochs)
        thread = QThread()
        thread.setObjectName("nnstudio-proof")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progressed.connect(self._on_worker_progressed)
        worker.proved.connect(self._on_worker_proved)
        worker.failed.connect(self._on_worker_failed)
        worker.done.connect(self._on_worker_done)
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        self._worker, self._thread = worker, thread
        thread.start()
        self.busy_changed.emit(True)
        return True

    def cancel(self) -> None:
        """Ask the running proof to stop after its current epoch (it then reports "cancelled")."""
        if self._worker is not None:
            self._worker.cancel_flag.set()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel and wait for the thread (window closing, tests)."""
        if self._worker is None or self._thread is None:
            return
        self._worker.cancel_flag.set()
        self._thread.quit()
        self._thread.wait(timeout_ms)
        self._on_worker_done()

    # ------------------------------------------------------------------ worker -> GUI thread
    def _on_worker_progressed(self, fraction: float) -> None:
        if self._worker is not None:
            self.progressed.emit(fraction)

    def _on_worker_proved(self, proof) -> None:
        if self._worker is not None:
            self.proved.emit(proof)

    def _on_worker_failed(self, message: str) -> None:
        if self._worker is not None:
            self.failed.emit(message)

    def _on_worker_done(self) -> None:
        if self._worker is None:
            return
        if self._thread is not None:
            self._thread.wait(5000)
        self._worker, self._thread = None, None
        self.busy_changed.emit(False)
