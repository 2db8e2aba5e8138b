"""The training loop of the trainer process: drives ``fit``, obeys commands, sends messages.

It runs in its own process (see :mod:`nnstudio.trainer.process`) because the engine, on
small networks, is mostly Python: in a thread of the window's process it held the GIL and the
window's event loop stalled for up to 90 ms. Here the window's process keeps its GIL.

Between two records of the generator the driver applies the commands that arrived on its
command pipe and sends, on its message pipe:

- ``("records", [EpochRecord | BatchRecord, ...])`` oldest first, batched when they come thick
  and fast (the spiral: ~1000 epochs a second);
- ``("snapshot", TrainingSnapshot, params)`` at most every ~150 ms, with a copy of the flat
  parameter vector so the window's network follows the run;
- ``("state", "running" | "paused")``, a paused one after ``("optimizer_state", state)``, the
  optimizer's :meth:`~nnstudio.engine.Optimizer.state_dict` where the run paused;
- ``("note", message)``: plain words worth showing (e.g. the saved optimizer state did not fit
  the network, so the optimizer starts afresh);
- ``("diverged", epoch, learning_rate)`` just before ``failed`` when the loss stopped being
  finite (the weights sent with ``finished`` are then the last good ones);
- ``("failed", message)`` in plain words;
- ``("finished", reason, params, test_metrics, snapshot_interval, optimizer_state)`` last,
  always; ``optimizer_state`` is None when the run failed (a diverged run's averages saw the
  bad steps) or never started.

Commands: ``("stop",)``, ``("pause",)``, ``("resume",)``, ``("step",)`` (run until the next
epoch ends, then pause), ``("lr", float)``, ``("slow", seconds)`` (each epoch lasts at least
that long; 0 = full speed). A closed command pipe (the window's process died) means stop.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from nnstudio.engine import Diverged, EpochRecord, Network, Optimizer, fit
from nnstudio.engine.policies import EarlyStopping, TargetStop
from nnstudio.errors import NNStudioError
from nnstudio.trainer.snapshots import (
    SCORE_FIELDS,
    boundary_points,
    fit_points,
    fit_range_for,
    make_snapshot,
    scores_from_outputs,
)

#: Minimum wall time between two snapshots: they cost the trainer a prediction on the grid.
SNAPSHOT_INTERVAL_S = 0.15
#: Snapshots may take at most ~20 % of the trainer's time (big validation sets, e.g. 12 000
#: MNIST-sized rows, take tens of ms to predict): the interval grows to 4x their cost.
SNAPSHOT_SHARE = 0.2
#: Records that follow each other within RECORDS_GAP_S go to the window in one list, at most
#: every RECORDS_INTERVAL_S: each message costs the window's GUI thread a queued call.
RECORDS_INTERVAL_S = 0.025
RECORDS_GAP_S = 0.005


def sentence(text: str) -> str:
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


@dataclass
class Job:
    """Everything one run needs; pickled to the trainer process (arrays out of band).

    ``boundary_grid``: see :func:`~nnstudio.trainer.snapshots.boundary_grid_for` (2-feature
    classification only); ``n_classes`` 0 = regression; ``fit_range``: where to draw the
    1-feature regression curve (None = over the training data); ``test``: ``(X, y)`` scored
    when the run completes. ``optimizer_state``: where the last run's optimizer stopped
    (:meth:`~nnstudio.engine.Optimizer.state_dict`; dropped with a note when it does not fit);
    ``epochs_before``: epochs trained in earlier runs, so the run continues exactly (see
    :func:`~nnstudio.engine.fit`); ``transform``, ``schedule``, ``stop``, ``target``: fit's policies
    (config objects from :mod:`nnstudio.engine.policies`: they must pickle).
    """

    config: dict
    params: np.ndarray
    dtype: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    optimizer: Optimizer
    epochs: int
    batch_size: int
    seed: int = 0
    boundary_grid: tuple | None = None
    n_classes: int = 0
    fit_range: tuple | None = None
    test: tuple | None = None
    commands: list = field(default_factory=list)
    optimizer_state: dict | None = None
    epochs_before: int = 0
    transform: object = None
    schedule: object = None
    stop: EarlyStopping | None = None
    target: TargetStop | None = None


class Driver:
    """Runs one :class:`Job`; ``send(message)`` and ``commands`` (a Connection: ``poll``,
    ``recv``) are the two pipes. :meth:`run` never raises."""

    def __init__(self, job: Job, send, commands):
        self.job, self._send, self._cmd = job, send, commands
        self.network = Network.from_config(job.config, dtype=np.dtype(job.dtype))
        self.network.params[...] = job.params
        # The data is read-only here: the shared-memory block (or, in a thread, the window's
        # own arrays) must come out of a run as it went in, whatever a batch transform does.
        X_train, y_train = _read_only(job.X_train), _read_only(job.y_train)
        self.X_train, self.y_train = X_train, y_train
        # Validation rows and targets together, or neither (no rows count as none).
        self._validation: tuple[np.ndarray, np.ndarray] | None = None
        self.X_val: np.ndarray | None = None
        self.y_val: np.ndarray | None = None
        if job.X_val is not None and job.y_val is not None and len(job.X_val) > 0:
            self.X_val, self.y_val = _read_only(job.X_val), _read_only(job.y_val)
            self._validation = (self.X_val, self.y_val)
        self.test = tuple(_read_only(a) for a in job.test) \
            if job.test is not None and len(job.test[0]) else None
        self.boundary_grid = job.boundary_grid if self.network.n_inputs == 2 else None
        self._grid_points = boundary_points(self.boundary_grid)
        self._fit_x = None
        if job.n_classes == 0 and self.network.n_inputs == 1:
            self._fit_x = fit_points(job.fit_range if job.fit_range is not None
                                     else fit_range_for(job.X_train))
        # What the snapshots score on: validation data; for regression without it, the
        # training data (an error number still tells more than nothing).
        self._score = (self.X_val, self.y_val, "validation")
        if self.X_val is None and job.n_classes == 0:
            self._score = (X_train, y_train, "training")
        self.snapshot_interval = SNAPSHOT_INTERVAL_S
        self.report_every = choose_report_every(len(job.X_train), job.batch_size)
        self._stop = self._paused = self._step = False
        self._min_epoch_seconds = 0.0
        self._state_valid = False  # the optimizer's state belongs to the network's weights
        for command in job.commands:
            self._apply(command)

    # ------------------------------------------------------------------ commands
    def _apply(self, command: tuple) -> None:
        kind = command[0]
        if kind == "stop":
            self._stop = True
        elif kind == "pause":
            self._paused, self._step = True, False
        elif kind == "resume":
            self._paused, self._step = False, False
        elif kind == "step":
            self._paused, self._step = False, True
        elif kind == "lr":
            self.job.optimizer.learning_rate = float(command[1])
        elif kind == "slow":
            self._min_epoch_seconds = max(0.0, float(command[1]))

    def _take_commands(self, timeout: float | None = 0.0) -> None:
        """Apply what has arrived; wait up to ``timeout`` s (None: forever) for the first."""
        try:
            if timeout is not None and not self._cmd.poll(timeout):
                return
            self._apply(self._cmd.recv())
            while self._cmd.poll():
                self._apply(self._cmd.recv())
        except (EOFError, OSError):  # the window's process is gone: nobody to train for
            self._stop = True

    # ------------------------------------------------------------------ the run
    def run(self) -> None:
        reason = "stopped"
        self._epoch = self._epochs_done = 0
        self._scores: dict = {}
        self._scores_epoch = -1
        self._last_snapshot = -math.inf
        self._dirty = False  # the network changed since the last snapshot
        self._records: list = []
        self._records_sent = self._last_record = time.perf_counter()
        try:
            reason = self._drive()
        except (Diverged, NNStudioError) as exc:  # already plain words
            if isinstance(exc, Diverged):  # the window rewinds and offers a smaller rate
                self._send(("diverged", exc.epoch, exc.learning_rate))
            self._send(("failed", sentence(str(exc))))
        except Exception as exc:  # noqa: BLE001 - the run must always end in a message
            self._send(("failed", sentence(f"Training stopped because of an unexpected error: "
                                           f"{type(exc).__name__}: {exc}")))
        self._send_records()
        state = self._optimizer_state()
        test_metrics = None
        try:
            if self._dirty:
                self._send_snapshot()
            if reason == "completed" and self.test is not None:
                test_metrics = self.network.evaluate(*self.test)
        except Exception:  # noqa: BLE001 - a failed last picture must not hide finished
            pass
        self._send(("finished", reason, self.network.params.copy(), test_metrics,
                    self.snapshot_interval, state))

    def _optimizer_state(self) -> dict | None:
        """The optimizer's state to continue from, or None when it is of no use."""
        if not self._state_valid:
            return None
        try:
            return self.job.optimizer.state_dict()
        except Exception:  # noqa: BLE001 - losing the state only restarts Adam's averages
            return None

    def _drive(self) -> str:
        job = self.job
        validation = self._validation
        self._send_snapshot()  # epoch 0: the weights this run starts from, shown at once
        optimizer = job.optimizer
        optimizer.attach(self.network)
        for note in optimizer.load_state_dict(job.optimizer_state):
            self._send(("note", note))
        self._state_valid = True
        epoch_started = time.perf_counter()
        gen = fit(self.network, self.X_train, self.y_train, optimizer=optimizer,
                  epochs=job.epochs, batch_size=job.batch_size, seed=job.seed,
                  validation=validation, report_every=self.report_every,
                  on_validation=self._on_validation, epochs_before=job.epochs_before,
                  transform=job.transform, schedule=job.schedule, stop=job.stop,
                  target=job.target)
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
                except Exception:
                    self._state_valid = False  # e.g. Diverged: the averages saw the bad steps
                    raise
                self._dirty = True
                self._epoch = rec.epoch
                self._queue_record(rec)
                if isinstance(rec, EpochRecord):
                    self._epochs_done = rec.epoch
                    self._take_commands()
                    if self._step:  # "step": this was the one epoch asked for
                        self._paused, self._step = True, False
                    else:
                        self._slow_down(epoch_started)
                    epoch_started = time.perf_counter()
                if time.perf_counter() - self._last_snapshot >= self.snapshot_interval:
                    self._send_snapshot()
        finally:
            gen.close()

    def _on_validation(self, epoch: int, outputs) -> None:
        """fit scored the validation rows: the snapshot's scores come from the same outputs."""
        if self._score[2] == "validation" and self.y_val is not None:  # fit validates: it is set
            self._scores = {k: v for k, v in scores_from_outputs(
                outputs, self.y_val, self.job.n_classes).items() if v is not None}
            self._scores_epoch = epoch

    def _slow_down(self, epoch_started: float) -> None:
        """Slow motion: wait out the rest of the epoch's time slot, waking for any command."""
        while not (self._stop or self._paused or self._step):
            left = epoch_started + self._min_epoch_seconds - time.perf_counter()
            if left <= 0:
                return
            self._send_records()  # nothing else to do meanwhile: show this epoch now
            self._take_commands(timeout=left)

    def _wait_while_paused(self, state: str | None) -> str:
        """Apply commands; block (no busy loop) while paused; report state changes."""
        self._take_commands()
        if self._paused and not self._stop:
            if state != "paused":
                self._send_records()
                if self._dirty:
                    self._send_snapshot()  # the views show where it paused
                opt_state = self._optimizer_state()
                if opt_state is not None:  # saving while paused keeps where the optimizer is
                    self._send(("optimizer_state", opt_state))
                self._send(("state", "paused"))
                state = "paused"
            while self._paused and not self._stop:
                self._take_commands(timeout=None)
        if self._stop:
            return "stopped"
        if state != "running":
            self._send(("state", "running"))
        return "running"

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
            self._send(("records", records))
        self._records_sent = time.perf_counter()

    def _send_snapshot(self) -> None:
        net = self.network
        if not np.isfinite(net.params).all():
            return  # mid-divergence (between batch records): fit restores and raises next
        start = time.perf_counter()
        X, y, split = self._score
        # The scores on the validation data (confusion matrix, regression errors) predict every
        # row: once per finished epoch, like the validation curves, not every snapshot.
        done = self._epochs_done
        snap = make_snapshot(net, self._epoch, self.boundary_grid, self._grid_points,
                             X, y, self.job.n_classes, fit_x=self._fit_x, error_split=split,
                             scores=self._scores if self._scores_epoch == done else None)
        self._scores_epoch = done
        self._scores = {k: getattr(snap, k) for k in SCORE_FIELDS if getattr(snap, k) is not None}
        self._last_snapshot = time.perf_counter()
        cost = self._last_snapshot - start
        self.snapshot_interval = max(SNAPSHOT_INTERVAL_S, cost * (1 - SNAPSHOT_SHARE) / SNAPSHOT_SHARE)
        self._dirty = False
        self._send(("snapshot", snap, net.params.copy()))


def run_job(job: Job, send, commands) -> None:
    """Run ``job`` to its "finished" message, in whichever process or thread calls it; a job
    the engine rejects (a bad network config, say) ends in a "failed" message, not a raise."""
    try:
        driver = Driver(job, send, commands)
    except Exception as exc:  # noqa: BLE001 - the run must always end in a message
        send(("failed", f"Training could not start: {type(exc).__name__}: {exc}."))
        send(("finished", "stopped", None, None, None, None))
        return
    driver.run()


def _read_only(a) -> np.ndarray:
    """A read-only view of array ``a``; the array itself is not changed."""
    view = np.asarray(a).view()
    view.flags.writeable = False
    return view
