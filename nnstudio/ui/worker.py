"""The trainer worker: drives the engine's ``fit`` generator in a QThread.

The worker never touches widgets. Between two records of the generator it applies a pending
learning rate, honours stop / pause requests and, at most every ~150 ms, sends a
:class:`TrainingSnapshot` of copies (histograms, weights, decision map, confusion matrix, the
regression curve and error), so the views never share arrays with the network that keeps
changing in this thread. Snapshots themselves live in :mod:`nnstudio.ui.snapshots`.

Typical use from the window::

    worker = TrainerWorker(net, Xtr, ytr, Xva, yva, optimizer, epochs=100, batch_size=32,
                           seed=0, boundary_grid=boundary_grid_for(Xtr), n_classes=3)
    worker.epoch_finished.connect(...)
    thread = start_worker_thread(worker)
    ...
    stop_worker_thread(worker, thread)      # in closeEvent / before starting another run

Connect the signals to methods of QObjects (widgets, the controller): Qt then queues the call
to the GUI thread. PySide6 calls a plain function or a lambda in the *worker* thread.
"""
from __future__ import annotations

import math
import threading
import time

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from nnstudio.engine import Diverged, EpochRecord, Network, fit
from nnstudio.errors import NNStudioError
# Re-exported: the window and the tests import the snapshot API from here.
from nnstudio.ui.snapshots import (HISTOGRAM_BINS, TrainingSnapshot, boundary_grid_for,  # noqa: F401
                                   boundary_points, fit_points, fit_range_for, layer_names,
                                   make_snapshot, snapshot_for)
from nnstudio.ui.snapshots import SCORE_FIELDS

#: Minimum wall time between two snapshots: they cost the trainer a prediction on the grid.
SNAPSHOT_INTERVAL_S = 0.15
#: Snapshots may take at most ~20 % of the trainer's time (big validation sets, e.g. 12 000
#: MNIST-sized rows, take tens of ms to predict): the interval grows to 4x their cost.
SNAPSHOT_SHARE = 0.2
#: Records that follow each other within RECORDS_GAP_S (the spiral: ~1000 epochs a second) go
#: to the GUI thread in one list, at most every RECORDS_INTERVAL_S: one queued call per record
#: makes the GUI thread take the GIL a thousand times a second, away from the trainer.
RECORDS_INTERVAL_S = 0.025
RECORDS_GAP_S = 0.005


def _sentence(text: str) -> str:
    """``"every layer is frozen"`` -> ``"Every layer is frozen."``: engine errors are written
    Keras-style, lower case without a full stop; the message bar shows whole sentences."""
    text = text.strip() or "Training stopped because of an unknown error"
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def choose_report_every(n_samples: int, batch_size: int) -> int:
    """Batches between two BatchRecords: ~20 per epoch for big data, none for small data.

    Small data sets (spiral: a few batches per epoch) finish epochs in a millisecond, so epoch
    records are frequent enough; big ones (digits, CSVs) would leave the progress silent.
    """
    n_batches = math.ceil(n_samples / batch_size)
    return max(1, n_batches // 20) if n_batches >= 40 else 0


class TrainerWorker(QObject):
    """Trains ``network`` with ``fit`` in the thread it was moved to; see module docstring.

    Parameters
    ----------
    X_train, y_train : ndarray of shape (n, n_features), (n,) or (n, k)
        Scaled training data.
    X_val, y_val : ndarray or None
        Validation data (may be None or empty).
    boundary_grid : (xmin, xmax, ymin, ymax, resolution) or None
        Where to draw the decision map (2-feature classification only); see
        :func:`boundary_grid_for`.
    n_classes : int
        0 for regression: no decision map and no confusion matrix; instead the error (on the
        validation data, else the training data) and, for 1 feature, the network's curve.
    fit_range : (xmin, xmax, resolution) or None
        Where to draw that curve; None = over the training data (:func:`fit_range_for`).
    """

    epoch_finished = Signal(object)   # EpochRecord
    batch_finished = Signal(object)   # BatchRecord
    records_ready = Signal(object)    # list of EpochRecord / BatchRecord, oldest first
    snapshot_ready = Signal(object)   # TrainingSnapshot
    finished = Signal(str)            # "completed" | "stopped"
    failed = Signal(str)              # plain-language message; finished("stopped") follows
    state_changed = Signal(str)       # "running" | "paused"

    def __init__(self, network: Network, X_train, y_train, X_val, y_val, optimizer, epochs: int,
                 batch_size: int, seed: int = 0, boundary_grid: tuple | None = None,
                 n_classes: int = 0, parent=None, fit_range: tuple | None = None,
                 test: tuple | None = None):
        super().__init__(parent)
        self.network = network
        #: (X_test, y_test): scored here when the run completes, so the window's summary does
        #: not predict 12,000 rows in the GUI thread; the result is ``test_metrics``.
        self.test = test if test is not None and len(test[0]) else None
        self.test_metrics: tuple | None = None
        self.X_train, self.y_train = X_train, y_train
        has_val = X_val is not None and len(X_val) > 0
        self.X_val, self.y_val = (X_val, y_val) if has_val else (None, None)
        self.optimizer = optimizer
        self.epochs, self.batch_size, self.seed = epochs, batch_size, seed
        self.n_classes = int(n_classes)
        #: Slow motion for watching: each epoch takes at least this long (0 = full speed).
        self.min_epoch_seconds = 0.0
        self._epoch_started = 0.0
        self.boundary_grid = boundary_grid if network.n_inputs == 2 else None
        self._grid_points = boundary_points(self.boundary_grid)
        self._fit_x = None
        if self.n_classes == 0 and network.n_inputs == 1:
            self._fit_x = fit_points(fit_range if fit_range is not None
                                     else fit_range_for(X_train))
        # What the snapshots score on: validation data; for regression without it, the
        # training data (an error number still tells more than nothing).
        self._score = (self.X_val, self.y_val, "validation")
        if self.X_val is None and self.n_classes == 0:
            self._score = (X_train, y_train, "training")
        self._snapshot_interval = SNAPSHOT_INTERVAL_S
        self.report_every = choose_report_every(len(X_train), batch_size)
        # One condition guards every flag the GUI thread sets; the worker waits on it to pause.
        self._cond = threading.Condition()
        self._stop = False
        self._paused = False
        self._step = False
        self._pending_lr: float | None = None

    # ------------------------------------------------------------------ control (GUI thread)
    def stop(self) -> None:
        """Ask the run to end after the current record; ``finished("stopped")`` follows."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:
            self._paused, self._step = True, False

    def resume(self) -> None:
        with self._cond:
            self._paused, self._step = False, False
            self._cond.notify_all()

    def step_epoch(self) -> None:
        """Run until the next epoch ends, then pause again."""
        with self._cond:
            self._paused, self._step = False, True
            self._cond.notify_all()

    def set_learning_rate(self, lr: float) -> None:
        """Use ``lr`` from the next step on (applied between two records)."""
        with self._cond:
            self._pending_lr = float(lr)

    @property
    def is_paused(self) -> bool:
        with self._cond:
            return self._paused

    # ------------------------------------------------------------------ the run (worker thread)
    @Slot()
    def run(self) -> None:
        """Train to the end, or until stopped; never raises."""
        reason = "stopped"
        self._epoch = self._epochs_done = 0
        self._scores, self._scores_epoch = {}, -1
        self._last_snapshot = -math.inf
        self._dirty = False  # the network changed since the last snapshot
        self._records: list = []
        self._records_sent = self._last_record = time.perf_counter()
        try:
            reason = self._drive()
        except Diverged as exc:
            self.failed.emit(_sentence(str(exc)))
        except NNStudioError as exc:  # e.g. every layer frozen: already plain words
            self.failed.emit(_sentence(str(exc)))
        except Exception as exc:  # noqa: BLE001 - the thread must never die silently
            self.failed.emit(_sentence(f"Training stopped because of an unexpected error: "
                                       f"{type(exc).__name__}: {exc}"))
        self._send_records()
        try:
            if self._dirty:
                self._send_snapshot()
            if reason == "completed" and self.test is not None:
                self.test_metrics = self.network.evaluate(*self.test)
        except Exception:  # noqa: BLE001 - a failed last picture must not hide finished
            pass
        self.finished.emit(reason)

    def _queue_record(self, rec) -> None:
        """Send ``rec`` now, or with the next ones when records come thick and fast."""
        now = time.perf_counter()
        self._records.append(rec)
        quick = now - self._last_record < RECORDS_GAP_S
        self._last_record = now
        if not quick or now - self._records_sent >= RECORDS_INTERVAL_S:
            self._send_records()

    def _send_records(self) -> None:
        if self._records:
            records, self._records = self._records, []
            self.records_ready.emit(records)
        self._records_sent = time.perf_counter()

    def _drive(self) -> str:
        validation = (self.X_val, self.y_val) if self.X_val is not None else None
        self._send_snapshot()  # epoch 0: the weights this run starts from, shown at once
        self._epoch_started = time.perf_counter()
        gen = fit(self.network, self.X_train, self.y_train, optimizer=self.optimizer,
                  epochs=self.epochs, batch_size=self.batch_size, seed=self.seed,
                  validation=validation, report_every=self.report_every)
        state = None
        try:
            while True:
                state = self._wait_while_paused(state)
                if state == "stopped":
                    return "stopped"
                try:
                    rec = next(gen)
                except StopIteration:
                    return "completed"
                self._dirty = True
                if isinstance(rec, EpochRecord):
                    self._epoch = self._epochs_done = rec.epoch
                    self.epoch_finished.emit(rec)
                    self._queue_record(rec)
                    with self._cond:
                        if self._step:  # step_epoch: this was the one epoch asked for
                            self._paused, self._step = True, False
                        elif self.min_epoch_seconds > 0:
                            # Slow motion: wait out the rest of the epoch's time slot, but wake
                            # at once for stop or pause.
                            left = self._epoch_started + self.min_epoch_seconds - time.perf_counter()
                            if left > 0:
                                self._cond.wait_for(lambda: self._stop or self._paused, timeout=left)
                    self._epoch_started = time.perf_counter()
                else:
                    self._epoch = rec.epoch
                    self.batch_finished.emit(rec)
                    self._queue_record(rec)
                if time.perf_counter() - self._last_snapshot >= self._snapshot_interval:
                    self._send_snapshot()
        finally:
            gen.close()

    def _wait_while_paused(self, state: str | None) -> str:
        """Apply a pending learning rate; block (no busy loop) while paused; report state."""
        with self._cond:
            if self._paused and not self._stop:
                if state != "paused":
                    self._cond.release()  # never emit or predict while holding the lock
                    try:
                        self._send_records()
                        if self._dirty:
                            self._send_snapshot()  # the views show where it paused
                        self.state_changed.emit("paused")
                    finally:
                        self._cond.acquire()
                    state = "paused"
                while self._paused and not self._stop:
                    self._cond.wait()
            if self._stop:
                return "stopped"
            if self._pending_lr is not None:
                self.optimizer.learning_rate = self._pending_lr
                self._pending_lr = None
        if state != "running":
            self.state_changed.emit("running")
        return "running"

    def _send_snapshot(self) -> None:
        if not np.isfinite(self.network.params).all():
            return  # mid-divergence (between batch records): fit restores and raises next
        start = time.perf_counter()
        X, y, split = self._score
        # The scores on the validation data (confusion matrix, regression errors) predict every
        # row: once per finished epoch, like the validation curves, not every snapshot.
        done = self._epochs_done
        snap = make_snapshot(self.network, self._epoch, self.boundary_grid, self._grid_points,
                             X, y, self.n_classes, fit_x=self._fit_x, error_split=split,
                             scores=self._scores if self._scores_epoch == done else None)
        self._scores_epoch = done
        self._scores = {k: getattr(snap, k) for k in SCORE_FIELDS if getattr(snap, k) is not None}
        self._last_snapshot = time.perf_counter()
        cost = self._last_snapshot - start
        self._snapshot_interval = max(SNAPSHOT_INTERVAL_S, cost * (1 - SNAPSHOT_SHARE) / SNAPSHOT_SHARE)
        self._dirty = False
        self.snapshot_ready.emit(snap)


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
    return bool(thread.wait(timeout_ms))
