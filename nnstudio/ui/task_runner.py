"""One long job at a time off the GUI thread (the class-change check, the compare runs, a
fix's proof), with progress and cancel: the job runs in a QThread, progress and its answer
arrive by queued signals, Cancel is a flag the job reads between steps.
:meth:`TaskRunner.shutdown` stops and joins the thread (a QThread still running at exit
aborts the process)."""
from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from nnstudio.errors import Cancelled, NNStudioError


class _Worker(QObject):
    progressed = Signal(float)
    answered = Signal(object)
    failed = Signal(str)
    done = Signal()

    def __init__(self, job: Callable, what: str, failure: Callable[[Exception], str] | None):
        super().__init__()
        self._job, self._what, self._failure = job, what, failure
        self.cancel_flag = threading.Event()

    @Slot()
    def run(self) -> None:
        try:
            self.answered.emit(self._job(self.progressed.emit, self.cancel_flag.is_set))
        except Exception as exc:  # noqa: BLE001 - the thread must end in a message, not die
            self.failed.emit(self._failure(exc) if self._failure is not None else self._words(exc))
        self.done.emit()

    def _words(self, exc: Exception) -> str:
        if isinstance(exc, Cancelled):
            return f"The {self._what} was cancelled."
        if isinstance(exc, NNStudioError):
            return str(exc)
        return f"The {self._what} failed: {type(exc).__name__}: {exc}."


class TaskRunner(QObject):
    """Runs ``job(progress, cancelled)`` in a thread; ``busy`` while it runs."""

    progressed = Signal(float)
    answered = Signal(object)
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, what: str, parent=None, failure: Callable[[Exception], str] | None = None):
        """``what`` names the job in messages; ``failure`` words an error instead of the
        default ("The <what> failed: ...")."""
        super().__init__(parent)
        self._what, self._failure = what, failure
        self._worker: _Worker | None = None
        self._thread: QThread | None = None

    @property
    def busy(self) -> bool:
        return self._worker is not None

    def start(self, job: Callable) -> bool:
        if self.busy:
            return False
        worker = _Worker(job, self._what, self._failure)
        thread = QThread()
        thread.setObjectName(f"nnstudio-{self._what.replace(' ', '-')}")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progressed.connect(self._on_worker_progressed)
        worker.answered.connect(self._on_worker_answered)
        worker.failed.connect(self._on_worker_failed)
        worker.done.connect(self._on_worker_done)
        worker.done.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        self._worker, self._thread = worker, thread
        thread.start()
        self.busy_changed.emit(True)
        return True

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.cancel_flag.set()

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Cancel and wait for the thread (dialog closing, tests)."""
        if self._worker is None or self._thread is None:
            return
        self._worker.cancel_flag.set()
        self._thread.quit()
        self._thread.wait(timeout_ms)
        self._on_worker_done()

    def _on_worker_progressed(self, fraction: float) -> None:
        if self._worker is not None:
            self.progressed.emit(fraction)

    def _on_worker_answered(self, answer) -> None:
        if self._worker is not None:
            self.answered.emit(answer)

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
