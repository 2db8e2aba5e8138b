"""The trainer worker: a QObject in a QThread that drives one training run.

Small networks train in a child process (:mod:`nnstudio.trainer`): their steps are mostly
Python, and in a thread of the window's process they held the GIL so that the event loop
stalled for up to 90 ms. Big ones (MNIST-sized) train in this worker's thread: their steps are
matrix products that release the GIL, and copying their data to a child would cost more. The
same driver runs in both, on its own copy of the network; this worker turns its messages into
Qt signals. The control methods (pause, stop, learning rate, ...) may be called from the GUI
thread at any time. The worker never touches widgets; the snapshots it forwards are read-only
copies. ``network`` follows the run: it gets the driver's weights with every snapshot (~every
150 ms) and the final weights before ``finished`` -- assigned in the thread that created the
worker (the GUI thread), never from the worker's thread, since the window reads and edits the
same arrays.

Typical use from the window::

    worker = TrainerWorker(net, Xtr, ytr, Xva, yva, optimizer, epochs=100, batch_size=32,
                           seed=0, boundary_grid=boundary_grid_for(Xtr), n_classes=3)
    worker.records_ready.connect(...)       # lists of EpochRecord / BatchRecord
    thread = start_worker_thread(worker)
    ...
    stop_worker_thread(worker, thread)      # in closeEvent / before starting another run

Connect the signals to methods of QObjects (widgets, the controller): Qt then queues the call
to the GUI thread. PySide6 calls a plain function or a lambda in the *worker* thread.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from nnstudio.engine import Network
from nnstudio.trainer.driver import SNAPSHOT_INTERVAL_S, Job, sentence
from nnstudio.trainer.process import ProcessUnavailable, ThreadRun, TrainerProcess, runs_in_child


class _WeightsSink(QObject):
    """Lives in the thread that created the worker: copies of the run's weights arrive here
    by a queued signal and are assigned into the caller's network in that thread."""

    def __init__(self, network: Network):
        super().__init__()
        self.network = network

    @Slot(object)
    def take(self, params) -> None:
        if params is not None and params.shape == self.network.params.shape:
            self.network.params[...] = params


class TrainerWorker(QObject):
    """Trains ``network`` in a child process, driven from the thread it was moved to.

    Parameters
    ----------
    X_train, y_train : ndarray of shape (n, n_features), (n,) or (n, k)
        Scaled training data.
    X_val, y_val : ndarray or None
        Validation data (may be None or empty).
    boundary_grid : (xmin, xmax, ymin, ymax, resolution) or None
        Where to draw the decision map (2-feature classification only); see
        :func:`~nnstudio.trainer.snapshots.boundary_grid_for`.
    n_classes : int
        0 for regression: no decision map and no confusion matrix; instead the error (on the
        validation data, else the training data) and, for 1 feature, the network's curve.
    fit_range : (xmin, xmax, resolution) or None
        Where to draw that curve; None = over the training data (:func:`fit_range_for`).
    test : (X_test, y_test) or None
        Scored when the run completes (``test_metrics``), so the window's summary does not
        predict 12,000 rows in the GUI thread.
    isolation : "process", "thread" or None
        Where the engine runs; None (the window) chooses by the network's size.
    optimizer_state : dict or None
        The last run's :meth:`~nnstudio.engine.Optimizer.state_dict`, to continue from (a
        state that does not fit is dropped with a ``noted`` message).
    epochs_before : int
        Epochs the network trained before: the run continues them exactly (see ``fit``).
    transform, schedule, stop, target : policy or None
        ``fit``'s batch transform, learning-rate schedule, stop rule and target (picklable config
        objects from :mod:`nnstudio.engine.policies`).
    """

    records_ready = Signal(object)    # list of EpochRecord / BatchRecord, oldest first
    snapshot_ready = Signal(object)   # TrainingSnapshot
    finished = Signal(str)            # "completed" | "stopped"
    failed = Signal(str)              # plain-language message; finished("stopped") follows
    #: The loss stopped being finite: (epoch of this run, its learning rate); failed follows,
    #: and the weights that come with finished are the last good ones.
    diverged = Signal(int, float)
    noted = Signal(str)               # plain-language note (e.g. the optimizer starts afresh)
    weights_arrived = Signal(object)  # a copy of the run's flat weights, for the GUI thread
    state_changed = Signal(str)       # "running" | "paused"

    def __init__(self, network: Network, X_train, y_train, X_val, y_val, optimizer, epochs: int,
                 batch_size: int, seed: int = 0, boundary_grid: tuple | None = None,
                 n_classes: int = 0, parent=None, fit_range: tuple | None = None,
                 test: tuple | None = None, isolation: str | None = None,
                 optimizer_state: dict | None = None, epochs_before: int = 0,
                 transform=None, schedule=None, stop=None, target=None):
        super().__init__(parent)
        self.network = network
        # Not a child of the worker: it must stay in this thread when the worker moves.
        self._sink = _WeightsSink(network)
        self.weights_arrived.connect(self._sink.take, Qt.ConnectionType.QueuedConnection)
        #: The caller's optimizer shows the rate in use (a child has its own copy of it).
        self.optimizer = optimizer
        self.test_metrics: tuple | None = None
        #: The optimizer's state where the run paused or ended (its ``state_dict``; None
        #: before that, or when the run failed): the next run continues from it.
        self.optimizer_state: dict | None = None
        #: The child's snapshot pacing at the end of the run (see driver.SNAPSHOT_SHARE).
        self.snapshot_interval = SNAPSHOT_INTERVAL_S
        job = Job(network.get_config(), network.params.copy(), network.dtype.str, X_train, y_train,
                  X_val, y_val, optimizer, int(epochs), int(batch_size), int(seed), boundary_grid,
                  int(n_classes), fit_range, test, optimizer_state=optimizer_state,
                  epochs_before=int(epochs_before), transform=transform, schedule=schedule, stop=stop,
                  target=target)
        #: "process" or "thread": where the engine runs; None chooses by the network's size
        #: (:func:`~nnstudio.trainer.process.runs_in_child`).
        if isolation is None:
            isolation = "process" if runs_in_child(network.n_params, batch_size) else "thread"
        if isolation not in ("process", "thread"):
            raise ValueError(f"isolation must be 'process', 'thread' or None, got {isolation!r}")
        self.isolation = isolation
        self._run = TrainerProcess(job) if self.isolation == "process" else ThreadRun(job)
        self._lock = threading.Lock()
        self._paused = False
        self._min_epoch_seconds = 0.0

    # ------------------------------------------------------------------ control (any thread)
    def _command(self, *command, paused: bool | None = None) -> None:
        with self._lock:  # one lock with the fallback's swap: no command is lost in between
            if paused is not None:
                self._paused = paused
            self._run.command(*command)

    def stop(self) -> None:
        """Ask the run to end after the current record; ``finished("stopped")`` follows."""
        self._command("stop")

    def pause(self) -> None:
        self._command("pause", paused=True)

    def resume(self) -> None:
        self._command("resume", paused=False)

    def step_epoch(self) -> None:
        """Run until the next epoch ends, then pause again."""
        self._command("step", paused=False)

    def set_learning_rate(self, lr: float) -> None:
        """Use ``lr`` from the next record on."""
        self.optimizer.learning_rate = float(lr)
        self._command("lr", float(lr))

    @property
    def min_epoch_seconds(self) -> float:
        """Slow motion for watching: each epoch takes at least this long (0 = full speed)."""
        return self._min_epoch_seconds

    @min_epoch_seconds.setter
    def min_epoch_seconds(self, seconds: float) -> None:
        self._min_epoch_seconds = float(seconds)
        self._command("slow", float(seconds))

    @property
    def is_paused(self) -> bool:
        with self._lock:
            return self._paused

    def terminate(self) -> None:
        """End the child now, when it does not answer a stop."""
        self._run.terminate()

    # ------------------------------------------------------------------ the run (worker thread)
    @Slot()
    def run(self) -> None:
        """Run the training and forward its messages until it finishes; never raises."""
        self._reason = "stopped"
        try:
            try:
                self._run.run(self._on_message)
            except ProcessUnavailable:
                # E.g. a sandbox that forbids child processes: train here instead; the window
                # may stutter on small networks, but training works.
                with self._lock:
                    self._run.take_pending()  # commands given before the start still count
                    self._run = ThreadRun(self._run.job)
                    self.isolation = "thread"
                self._run.run(self._on_message)
        except Exception as exc:  # noqa: BLE001 - the thread must never die silently
            self.failed.emit(sentence(f"Training stopped because of an unexpected error: "
                                      f"{type(exc).__name__}: {exc}"))
        self.finished.emit(self._reason)

    def _on_message(self, message: tuple) -> None:
        kind = message[0]
        if kind == "records":  # in lists: one queued signal per message, not per record
            self.records_ready.emit(message[1])
        elif kind == "snapshot":
            self._take_weights(message[2])
            self.snapshot_ready.emit(message[1])
        elif kind == "optimizer_state":
            self.optimizer_state = message[1]
        elif kind == "note":
            self.noted.emit(message[1])
        elif kind == "state":
            with self._lock:
                self._paused = message[1] == "paused"
            self.state_changed.emit(message[1])
        elif kind == "diverged":
            epoch, rate = message[1:]
            rate = self.optimizer.learning_rate if rate is None else rate
            self.diverged.emit(int(epoch or 0), float(rate))
        elif kind == "failed":
            self.failed.emit(message[1])
        elif kind == "finished":
            self._reason, params, self.test_metrics, interval, self.optimizer_state = message[1:]
            self._take_weights(params)
            if interval is not None:
                self.snapshot_interval = interval

    def _take_weights(self, params) -> None:
        if params is not None:  # the driver sent a copy: the sink assigns it in the GUI thread
            self.weights_arrived.emit(params)

    def deliver_weights(self) -> None:
        """Assign weights still queued for the GUI thread now (after the thread has ended,
        before reading ``network``: the event loop may not have run since)."""
        QCoreApplication.sendPostedEvents(self._sink)


def start_worker_thread(worker: TrainerWorker) -> QThread:
    """Move ``worker`` to a new QThread, start it and return the thread (keep a reference)."""
    thread = QThread()
    thread.setObjectName("nnstudio-trainer")
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    # Direct: quit() is thread-safe, and the thread ends even if the GUI loop is busy.
    worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
    thread.start()
    return thread


def stop_worker_thread(worker: TrainerWorker | None, thread: QThread | None,
                       timeout_ms: int = 5000) -> bool:
    """Stop the run, quit the thread and wait for it; True when the thread has ended.

    A QThread still running when it is destroyed aborts the process, so the window calls this
    in ``closeEvent`` and before starting another run.
    """
    if worker is not None:
        worker.stop()
    if thread is None:
        return True
    thread.quit()  # takes effect once run() has returned to the thread's event loop
    if thread.wait(timeout_ms):
        if worker is not None:
            worker.deliver_weights()
        return True
    if worker is not None:  # the child ignores the stop (stuck in one huge step): end it
        worker.terminate()
    ended = bool(thread.wait(timeout_ms))
    if ended and worker is not None:
        worker.deliver_weights()
    return ended
