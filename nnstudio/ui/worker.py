"""The trainer worker: drives the engine's ``fit`` generator in a QThread.

The worker never touches widgets. Between two records of the generator it applies a pending
learning rate, honours stop / pause requests and, at most every ~150 ms, sends a
:class:`TrainingSnapshot` of copies (histograms, weights, decision map, confusion matrix), so the
views never share arrays with the network that keeps changing in this thread.

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
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from nnstudio.engine import Dense, Diverged, EpochRecord, Network, fit
from nnstudio.errors import NNStudioError

#: Minimum wall time between two snapshots: they cost the trainer a prediction on the grid.
SNAPSHOT_INTERVAL_S = 0.15
HISTOGRAM_BINS = 30


@dataclass(frozen=True)
class TrainingSnapshot:
    """What the views show of the network at one moment; every array is a read-only copy.

    Attributes
    ----------
    epoch : int
        Epoch the snapshot belongs to (completed, or in progress for big data).
    histograms : list of (str, ndarray of shape (bins + 1,), ndarray of shape (bins,))
        ``(layer name, edges, counts)`` of each Dense layer's weights; bins = 30, fewer for
        layers with under 225 weights.
    weights : list of ndarray of shape (n_in, n_out)
        Each Dense layer's weight matrix.
    boundary : ndarray of shape (gh, gw, n_classes) or None
        Class probabilities on the grid over ``boundary_extent`` (row 0 = ``ymin``); None
        unless the data has 2 features and the task is classification.
    boundary_extent : (xmin, xmax, ymin, ymax) or None
    confusion : ndarray of shape (n_classes, n_classes) or None
        Validation counts, rows = true class, columns = predicted class.
    """

    epoch: int
    histograms: list
    weights: list
    boundary: np.ndarray | None = None
    boundary_extent: tuple | None = None
    confusion: np.ndarray | None = None


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.flags.writeable = False  # shared between threads and widgets: nobody may change it
    return a


def boundary_grid_for(X: np.ndarray, resolution: int = 80, margin: float = 0.15) -> tuple | None:
    """The ``boundary_grid`` argument for 2-feature data ``X`` of shape (n, 2), else None.

    The grid covers the data plus ``margin`` of its span on each side, so points never sit on
    the edge of the map.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        return None
    lo, hi = X.min(axis=0).astype(float), X.max(axis=0).astype(float)
    pad = np.maximum(hi - lo, 1e-6) * margin
    return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1], int(resolution))


def layer_names(network: Network) -> list[str]:
    """Display names of the Dense layers: ``"Layer 1 (2→16)"`` ..., ``"Output (16→3)"``."""
    sizes = network.layer_sizes()
    names = []
    for i, layer in enumerate(network.layers):
        if isinstance(layer, Dense):
            label = "Output" if i == len(network.layers) - 1 else f"Layer {i + 1}"
            names.append(f"{label} ({sizes[i]}→{sizes[i + 1]})")
    return names


def make_snapshot(network: Network, epoch: int, grid: tuple | None, grid_points: np.ndarray | None,
                  X_val: np.ndarray | None, y_val: np.ndarray | None, n_classes: int) -> TrainingSnapshot:
    """Compute a :class:`TrainingSnapshot` of ``network`` (called in the worker thread)."""
    dense = [l for l in network.layers if isinstance(l, Dense)]
    histograms, weights = [], []
    for name, layer in zip(layer_names(network), dense):
        # Up to 30 bins; fewer for small layers (32 weights in 30 bins is mostly gaps).
        bins = int(np.clip(2 * np.sqrt(layer.W.size), 10, HISTOGRAM_BINS))
        counts, edges = np.histogram(layer.W, bins=bins)
        histograms.append((name, _frozen(edges), _frozen(counts)))
        weights.append(_frozen(layer.W))
    boundary = extent = None
    if grid_points is not None and n_classes >= 2:
        res = grid[4]
        p = network.predict(grid_points)
        if p.shape[1] == 1:  # one sigmoid neuron: probability of class 1
            p = np.concatenate([1.0 - p, p], axis=1)
        boundary = _frozen(p.reshape(res, res, -1))
        extent = tuple(float(v) for v in grid[:4])
    confusion = None
    if n_classes >= 2 and X_val is not None and len(X_val):
        true = np.asarray(y_val).astype(np.int64).ravel()
        pred = network.predict_classes(X_val)
        ok = (true >= 0) & (true < n_classes) & (pred < n_classes)  # an output sized wrong
        cm = np.bincount(true[ok] * n_classes + pred[ok], minlength=n_classes * n_classes)
        cm = cm.reshape(n_classes, n_classes)
        confusion = _frozen(cm)
    return TrainingSnapshot(epoch, histograms, weights, boundary, extent, confusion)


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
        0 for regression: no decision map and no confusion matrix.
    """

    epoch_finished = Signal(object)   # EpochRecord
    batch_finished = Signal(object)   # BatchRecord
    snapshot_ready = Signal(object)   # TrainingSnapshot
    finished = Signal(str)            # "completed" | "stopped"
    failed = Signal(str)              # plain-language message; finished("stopped") follows
    state_changed = Signal(str)       # "running" | "paused"

    def __init__(self, network: Network, X_train, y_train, X_val, y_val, optimizer, epochs: int,
                 batch_size: int, seed: int = 0, boundary_grid: tuple | None = None,
                 n_classes: int = 0, parent=None):
        super().__init__(parent)
        self.network = network
        self.X_train, self.y_train = X_train, y_train
        has_val = X_val is not None and len(X_val) > 0
        self.X_val, self.y_val = (X_val, y_val) if has_val else (None, None)
        self.optimizer = optimizer
        self.epochs, self.batch_size, self.seed = epochs, batch_size, seed
        self.n_classes = int(n_classes)
        self.boundary_grid = boundary_grid if network.n_inputs == 2 else None
        self._grid_points = None
        if self.boundary_grid is not None:
            xmin, xmax, ymin, ymax, res = self.boundary_grid
            gx, gy = np.meshgrid(np.linspace(xmin, xmax, res), np.linspace(ymin, ymax, res))
            self._grid_points = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)
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
        self._epoch = 0
        self._last_snapshot = -math.inf
        self._dirty = False  # the network changed since the last snapshot
        try:
            reason = self._drive()
        except Diverged as exc:
            self.failed.emit(str(exc))
        except NNStudioError as exc:  # e.g. every layer frozen: already plain words
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - the thread must never die silently
            self.failed.emit(f"Training stopped because of an unexpected error: "
                             f"{type(exc).__name__}: {exc}")
        try:
            if self._dirty:
                self._send_snapshot()
        except Exception:  # noqa: BLE001 - a failed last picture must not hide finished
            pass
        self.finished.emit(reason)

    def _drive(self) -> str:
        validation = (self.X_val, self.y_val) if self.X_val is not None else None
        self._send_snapshot()  # epoch 0: the weights this run starts from, shown at once
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
                    self._epoch = rec.epoch
                    self.epoch_finished.emit(rec)
                    with self._cond:
                        if self._step:  # step_epoch: this was the one epoch asked for
                            self._paused, self._step = True, False
                else:
                    self._epoch = rec.epoch
                    self.batch_finished.emit(rec)
                if time.perf_counter() - self._last_snapshot >= SNAPSHOT_INTERVAL_S:
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
        snap = make_snapshot(self.network, self._epoch, self.boundary_grid, self._grid_points,
                             self.X_val, self.y_val, self.n_classes)
        self._last_snapshot = time.perf_counter()
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
