"""Owns one training run at a time: builds the worker from the controller, keeps its thread,
forwards its records to the controller, and always ends the thread cleanly."""
from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QTimer, Signal

from nnstudio.doctor.thresholds import EXPLODED
from nnstudio.engine import EpochRecord
from nnstudio.errors import NNStudioError
from nnstudio.project.defaults import stop_for_validation
from nnstudio.project.run_policies import run_policies
from nnstudio.trainer.snapshots import boundary_grid_for
from nnstudio.trainer.transport import release_shared_data
from nnstudio.ui.training.settings_undo import lower_rate
from nnstudio.ui.training.worker import TrainerWorker, start_worker_thread, stop_worker_thread


@dataclass(frozen=True)
class BlowUp:
    """What the window did when a run's loss blew up: ``epoch`` (counted over the whole
    history) blew up at ``rate``; the weights of ``good_epoch`` are back (0: those from
    before training) and the rate is now ``new_rate`` (None when it could not be lowered)."""

    epoch: int
    good_epoch: int
    rate: float
    new_rate: float | None

    def sentence(self) -> str:
        back = (f"the weights from the end of epoch {self.good_epoch:,} are back" if self.good_epoch
                else "the weights from before training are back")
        lowered = (f" and the learning rate went from {self.rate:g} to {self.new_rate:g} (Undo "
                   "puts it back)" if self.new_rate is not None else "")
        return (f"Training blew up in epoch {self.epoch:,}: the loss became too large to compute, "
                f"a sign that the steps were too big. Nothing is lost: {back}{lowered}. Press "
                "Continue to go on training.")


def seconds_per_epoch(epochs_per_second: float | None) -> float:
    """The shortest time an epoch may take at the speed the training panel shows (0 = no limit)."""
    return 1.0 / float(epochs_per_second) if epochs_per_second and epochs_per_second > 0 else 0.0


class TrainingRunner(QObject):
    """Start / pause / resume / step / stop; ``state`` is "idle", "running" or "paused"."""

    state_changed = Signal(str)
    epoch_finished = Signal(object)     # EpochRecord (already recorded in the history)
    snapshot_ready = Signal(object)     # TrainingSnapshot
    run_finished = Signal(str)          # "completed" | "stopped"
    run_failed = Signal(str)            # plain message (divergence, error)
    #: The loss blew up (NaN or too large) and the run stopped: a :class:`BlowUp` once the last
    #: good weights are back and the rate is a tenth (after ``run_finished``).
    run_diverged = Signal(object)

    def __init__(self, ctl, parent=None):
        super().__init__(parent)
        self._ctl = ctl
        # The trainer processes' copy of the last data in shared memory is of no use once
        # the data or split changed: free it rather than hold both until the next run.
        ctl.dataset_changed.connect(self._on_ctl_dataset_changed)
        self._worker: TrainerWorker | None = None
        self._thread = None
        self.state = "idle"
        self.started_at = 0.0
        self.epochs_this_run = 0
        self.epochs_done = 0
        self.run_start = 0
        self._paused_total = 0.0
        self._paused_since: float | None = None
        self.test_metrics = None
        #: True while (and after) a run started by Step epoch from idle: one epoch, no verdict.
        self.single_step = False
        #: The highest learning rate of the current (or last) run: it can change mid-run.
        self.highest_rate: float | None = None
        #: (epoch of the run, rate) when the current run's loss blew up, else None.
        self._blew_up: tuple[int, float] | None = None
        #: What the last blow-up did (None when the last run did not blow up).
        self.blow_up: BlowUp | None = None
        self._start_params = None

    def start(self, step: bool = False) -> bool:
        """Begin training with the current settings; ``step`` trains exactly one epoch (a run
        of its own that ends there, not a paused run of the whole epoch count)."""
        if self.state != "idle":
            return False
        ctl = self._ctl
        issue = ctl.network_problem()  # a layer that does not fit, or the output layer
        if issue and ctl.scaled_split is not None:
            ctl.message_posted.emit(f"Cannot train: {issue}", "error")
            return False
        if ctl.network is None or ctl.scaled_split is None:
            ctl.message_posted.emit("Nothing to train yet: choose a data set and build a network.", "warning")
            return False
        if issue:
            ctl.message_posted.emit(f"Cannot train: {issue}", "error")
            return False
        if len(ctl.scaled_split.train.X) == 0:
            ctl.message_posted.emit("The training part of the split is empty; lower the validation "
                                    "or test share.", "error")
            return False
        t = ctl.project.training
        frozen = [i + 1 for i, spec in enumerate(ctl.layers)
                  if spec["class"] == "Dense" and not spec["config"].get("trainable", True)]
        if frozen and not ctl.project.history.get("epoch"):
            which = ", ".join(str(i) for i in frozen)
            ctl.message_posted.emit(
                f"Layer {which} is frozen, but this network has not been trained yet: frozen random "
                "weights stay random, and the other layers must work around them. Freeze a layer "
                "after it has learned something.", "warning")
        try:
            optimizer = ctl.make_optimizer()
            # Validation at 0 %: early stopping watches the training loss in this run (as --val 0).
            run_settings, note = stop_for_validation(t, len(ctl.scaled_split.val.X) > 0)
            policies = run_policies(run_settings)  # batch transform, rate schedule, stop rule
        except NNStudioError as exc:
            ctl.message_posted.emit(str(exc), "error")
            return False
        if note:
            ctl.message_posted.emit(note, "info")
        d = ctl.scaled_split
        grid = boundary_grid_for(d.train.X) if ctl.dataset.task == "classification" else None
        # Continue exactly where earlier runs ended: their epoch count places this run in the
        # seed's random stream, and the optimizer's saved state carries on (Adam's averages).
        before = len(ctl.project.history.get("epoch", []))
        epochs = 1 if step else t.get("epochs", 100)
        self._worker = TrainerWorker(ctl.network, d.train.X, d.train.y, d.val.X, d.val.y, optimizer,
                                     epochs, t.get("batch_size", 32), seed=t.get("seed", 0),
                                     boundary_grid=grid, n_classes=ctl.dataset.n_classes,
                                     test=(d.test.X, d.test.y), epochs_before=before,
                                     optimizer_state=ctl.project.optimizer_state if before else None,
                                     **policies)
        #: Where this run started, for a rewind past weights that were finite but wild.
        self._start_params = ctl.network.params.copy()
        ctl.session.stamp_data()  # which rows these weights learn from, for later checks
        self.test_metrics = None
        self.highest_rate = float(optimizer.learning_rate)
        w = self._worker
        # The worker's records arrive in lists (see TrainerWorker.records_ready).
        w.records_ready.connect(self._on_worker_records)
        w.snapshot_ready.connect(self.snapshot_ready)
        w.state_changed.connect(self._on_worker_state)
        w.failed.connect(self._on_worker_failed)
        w.diverged.connect(self._on_worker_diverged)
        w.noted.connect(self._on_worker_noted)
        w.finished.connect(self._on_worker_finished)
        # One epoch needs no pacing: waiting out its time slot would only delay the end.
        w.min_epoch_seconds = 0.0 if step else seconds_per_epoch(t.get("epochs_per_second", 0))
        self.single_step = step
        self._blew_up, self.blow_up = None, None
        ctl.training_active = True
        self.started_at = time.monotonic()
        self._paused_total, self._paused_since = 0.0, None
        self.epochs_this_run = epochs
        self.run_start = len(ctl.project.history.get("epoch", []))
        self.epochs_done = 0
        self._thread = start_worker_thread(w)
        self._set_state("running")
        return True

    def _on_ctl_dataset_changed(self) -> None:
        if self.state == "idle":
            release_shared_data()

    def pause(self) -> None:
        if self._worker is not None and self.state == "running":
            self._worker.pause()

    def pause_and_wait(self, timeout_ms: int = 5000) -> bool:
        """Pause and wait (running the event loop) until the run has paused, so the network
        and its history show the same moment; True when paused or idle."""
        if self.state == "running" and self._worker is not None:
            self.pause()
            loop = QEventLoop()
            self.state_changed.connect(loop.quit)  # paused, or idle if it ended meanwhile
            timer = QTimer()
            timer.setSingleShot(True)
            timer.timeout.connect(loop.quit)
            timer.start(timeout_ms)
            loop.exec()
            timer.stop()
            self.state_changed.disconnect(loop.quit)
        return self.state != "running"

    def resume(self) -> None:
        if self._worker is not None and self.state == "paused":
            self._worker.resume()

    def toggle(self) -> None:
        """Space: train when idle, pause when running, resume when paused."""
        if self.state == "idle":
            self.start()
        elif self.state == "running":
            self.pause()
        else:
            self.resume()

    def step(self) -> None:
        """One more epoch: from idle a one-epoch run; in a run, one epoch and then pause."""
        if self.state == "idle":
            self.start(step=True)
        elif self._worker is not None:
            self._worker.step_epoch()

    def set_speed(self, epochs_per_second: float) -> None:
        """Pace the current run at ``epochs_per_second`` (0 = as fast as possible) from now on."""
        if self._worker is not None:
            self._worker.min_epoch_seconds = seconds_per_epoch(epochs_per_second)

    def set_learning_rate(self, lr: float) -> None:
        if self._worker is not None:
            self._worker.set_learning_rate(lr)
            self.highest_rate = max(self.highest_rate or 0.0, float(lr))

    def stop(self, wait: bool = True) -> bool:
        """Ask the run to stop; with ``wait`` block (briefly) until its thread has ended."""
        if self._worker is None:
            return True
        if not wait:
            self._worker.stop()
            return False
        ended = stop_worker_thread(self._worker, self._thread, timeout_ms=10_000)
        # Deliver the records already queued (those epochs are in the weights), then finish
        # here rather than waiting for the queued finished signal.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.MetaCall)
        self._finish("stopped")
        return ended

    # ------------------------------------------------------------------ worker signals
    def _on_worker_records(self, records) -> None:
        # Batch records (progress within a big epoch) have no view yet: only epochs count.
        for rec in records:
            if isinstance(rec, EpochRecord):
                self._on_worker_epoch(rec)

    def _on_worker_epoch(self, rec) -> None:
        if self._worker is None:
            return
        self.epochs_done = rec.epoch
        self._ctl.record_epoch(rec)
        self.epoch_finished.emit(rec)

    def _on_worker_state(self, state: str) -> None:
        if self._worker is not None:
            if state == "paused":  # saving while paused keeps where the optimizer is
                self._ctl.project.optimizer_state = self._worker.optimizer_state
            self._set_state(state)

    def _on_worker_noted(self, note: str) -> None:
        if self._worker is not None:
            self._ctl.message_posted.emit(note, "info")

    def elapsed(self) -> float:
        """Seconds this run has been training, pauses left out."""
        paused = self._paused_total
        if self._paused_since is not None:
            paused += time.monotonic() - self._paused_since
        return max(0.0, time.monotonic() - self.started_at - paused)

    def _on_worker_diverged(self, epoch: int, rate: float) -> None:
        if self._worker is not None:
            self._blew_up = (epoch, rate)

    def _on_worker_failed(self, message: str) -> None:
        if self._blew_up is None:  # a blow-up gets its own message once the rewind is done
            self._ctl.message_posted.emit(message, "error")
        self.run_failed.emit(message)

    def _on_worker_finished(self, reason: str) -> None:
        if self._thread is not None:
            self._thread.wait(5000)
        self._finish(reason)

    def _finish(self, reason: str) -> None:
        if self._worker is None:
            return
        # (loss, accuracy) on the test data when the run completed, else None.
        self.test_metrics = self._worker.test_metrics if reason == "completed" else None
        # Where the optimizer stopped, for the next run (None after a failure: Adam restarts).
        self._ctl.project.optimizer_state = self._worker.optimizer_state
        self._worker = None
        self._thread = None
        self._ctl.training_active = False
        self._set_state("idle")
        self._ctl.weights_changed.emit()
        self.run_finished.emit(reason)
        if self._blew_up is not None:
            self._after_blow_up(*self._blew_up)

    def _after_blow_up(self, epoch_of_run: int, rate: float) -> None:
        """The loss blew up: the engine already put the last good weights back (they came with
        ``finished``); lower the rate to a tenth as one undoable step and say what happened."""
        self._blew_up = None
        ctl = self._ctl
        good = len(ctl.project.history.get("epoch", []))  # the epochs before the blow-up
        if self._last_good_had_blown(good):
            good = self._rewind_to_run_start()
        new_rate = lower_rate(ctl, 0.1, "Lower the learning rate after the blow-up")
        self.blow_up = BlowUp(good + 1, good, rate, new_rate)
        ctl.message_posted.emit(self.blow_up.sentence(), "warning")
        self.run_diverged.emit(self.blow_up)

    def _last_good_had_blown(self, good: int) -> bool:
        """The last finite epoch's loss was already :data:`EXPLODED` times the loss the run
        started from: those weights are finite but wild (any rate blows up again from them)."""
        losses = self._ctl.project.history.get("train_loss", [])
        run = [v for v in losses[self.run_start:good] if v is not None]
        start = losses[self.run_start - 1] if self.run_start else (run[0] if run else None)
        return bool(run) and start is not None and run[-1] > EXPLODED * start

    def _rewind_to_run_start(self) -> int:
        """Put back the weights the run started from and cut the history to them; returns the
        epochs now trained."""
        ctl, start = self._ctl, self._start_params
        if start is None or ctl.network is None or start.shape != ctl.network.params.shape:
            return len(ctl.project.history.get("epoch", []))
        ctl.network.params[...] = start
        history, check, _state, kept = ctl.session.results()
        history = {key: values[:self.run_start] for key, values in history.items()}
        ctl.session.restore_results((history, check, None, kept))
        ctl.history_changed.emit()
        ctl.weights_changed.emit()
        return self.run_start

    def _set_state(self, state: str) -> None:
        now = time.monotonic()
        if state == "paused" and self._paused_since is None:
            self._paused_since = now
        elif state != "paused" and self._paused_since is not None:
            self._paused_total += now - self._paused_since
            self._paused_since = None
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)
