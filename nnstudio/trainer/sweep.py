"""One-click experiments: small runs side by side in trainer processes, answered in a sentence.

"Which learning rate?" (:func:`~nnstudio.trainer.sweep_plan.plan_rate_sweep`) and "Would more
data help?" (:func:`~nnstudio.trainer.sweep_plan.plan_data_sweep`) each plan a few runs from the
same starting weights and seed; a :class:`SweepRunner` trains them, about as many at a time as
there are cores, spread so that no core idles at the end (:func:`workers_for`), and
:attr:`SweepResult.sentence` answers the question (:mod:`~nnstudio.trainer.sweep_answer`).

The runner never blocks its caller: each run's process is started and listened to by a thread
of its own, which puts the child's messages on one queue; :meth:`SweepRunner.poll` drains it.
The window polls from a timer; :func:`run_sweep` is the blocking loop for the command line::

    plan = plan_rate_sweep(session)
    result = run_sweep(plan, progress=print_progress, cancel=lambda: stop_requested)
    print(result.sentence)
"""
from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from nnstudio.engine import EpochRecord
from nnstudio.engine.stopping import stop_label
from nnstudio.trainer.process import ProcessUnavailable, ThreadRun, TrainerProcess
from nnstudio.trainer.sweep_answer import HISTORY_KEYS, RunResult, answer_data, answer_rates
from nnstudio.trainer.sweep_plan import (
    SweepPlan,
    SweepRun,
    adopted_training,
    plan_data_sweep,
    plan_rate_sweep,
    stratified_rows,
    sweep_rates,
)

__all__ = ["RunResult", "SweepPlan", "SweepResult", "SweepRun", "SweepRunner", "adopted_training",
           "plan_data_sweep", "plan_rate_sweep", "run_sweep", "stratified_rows", "sweep_rates",
           "workers_for"]

#: Seconds a cancelled run may take to answer its stop before its process is terminated.
CANCEL_GRACE_S = 2.0


def workers_for(n_runs: int, cores: int | None = None) -> int:
    """Runs at a time for ``n_runs`` runs on ``cores`` cores (default: those this process may
    use; each trainer process uses one BLAS thread).

    As many rounds as whole runs per core, the runs spread evenly over them: 5 runs on 2
    cores go 3 then 2, so no core idles while a fifth run trains alone (2.5 run-lengths
    instead of 3 for two at a time); 4 runs on 2 cores go 2 and 2; on 8 cores all at once.
    """
    if cores is None:
        try:
            cores = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # not Linux
            cores = os.cpu_count() or 1
    n_runs, cores = max(1, int(n_runs)), max(1, int(cores))
    rounds = max(1, n_runs // cores)
    return min(n_runs, -(-n_runs // rounds))


@dataclass
class SweepResult:
    """Every run's history and settings, and the answer.

    ``best``: the index of the best run (learning rates), else None; ``curve``: the fitted
    learning curve (data), else None (see :func:`~nnstudio.trainer.sweep_answer.learning_curve`).
    """

    kind: str
    metric: str
    runs: list[RunResult]
    sentence: str
    best: int | None = None
    curve: dict | None = None
    cancelled: bool = False
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready (no arrays)."""
        return {"kind": self.kind, "metric": self.metric, "sentence": self.sentence,
                "best": None if self.best is None else self.best + 1, "curve": self.curve,
                "cancelled": self.cancelled, "seconds": round(self.seconds, 3), "notes": self.notes,
                "runs": [r.to_dict(self.metric) for r in self.runs]}


class SweepRunner:
    """Trains a :class:`SweepPlan`'s runs, ``workers`` at a time; not thread-safe except
    :meth:`cancel`. Call :meth:`poll` until :attr:`done`, then :meth:`result`; :meth:`close`
    ends everything (also after a cancel)."""

    def __init__(self, plan: SweepPlan, workers: int | None = None):
        self.plan = plan
        self.workers = workers_for(len(plan.runs)) if workers is None else max(1, int(workers))
        self.results = [RunResult(run) for run in plan.runs]
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._trainers: dict[int, TrainerProcess | ThreadRun] = {}
        self._heard: list[threading.Event] = [threading.Event() for _ in plan.runs]
        self._go: set[int] = set()       # runs allowed to train (the others wait, paused)
        self._running: set[int] = set()  # allowed and not ended: the slots in use
        self._over: set[int] = set()     # ended
        self._started: dict[int, float] = {}
        self._next = 0     # the next run whose process starts
        self._next_go = 0  # the next run allowed to train
        self._ended = 0
        self._cancelled = False
        self._cancel_at: float | None = None
        self._t0: float | None = None
        self._t_end: float | None = None

    # ------------------------------------------------------------------ state
    @property
    def done(self) -> bool:
        return self._ended == len(self.plan.runs)

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def progress(self) -> float:
        """Share of the planned epochs done, 0..1 (a finished run counts in full)."""
        total = 0.0
        for r in self.results:
            total += 1.0 if r.status not in ("waiting", "running") else r.epochs_done / r.run.epochs
        return total / max(1, len(self.results))

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        self._t0 = time.perf_counter()
        self._fill_slots()

    def cancel(self) -> None:
        """Stop every run (thread-safe); processes that do not stop within
        :data:`CANCEL_GRACE_S` are terminated by the next :meth:`poll` or :meth:`close`."""
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            self._cancel_at = time.perf_counter()
            trainers = list(self._trainers.values())
        for trainer in trainers:
            trainer.command("stop")

    def poll(self, timeout: float = 0.0) -> list[tuple]:
        """Take what the runs sent (waiting up to ``timeout`` s for the first message) and start
        runs in free slots. Returns events: ``("epoch", index, EpochRecord)`` and
        ``("finished", index, RunResult)``."""
        events: list[tuple] = []
        try:
            item = self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()
            while True:
                self._handle(item[0], item[1], events)
                item = self._queue.get_nowait()
        except queue.Empty:
            pass
        if self._cancelled and self._cancel_at is not None \
                and time.perf_counter() - self._cancel_at > CANCEL_GRACE_S:
            self._terminate_all()
        self._fill_slots()
        return events

    def result(self) -> SweepResult:
        plan = self.plan
        if plan.kind == "rates":
            sentence, best = answer_rates(plan, self.results)
            curve = None
        else:
            (sentence, curve), best = answer_data(plan, self.results), None
        if self._cancelled:
            sentence = "Cancelled before every run finished. " + sentence
        end = self._t_end if self._t_end is not None else time.perf_counter()
        return SweepResult(plan.kind, plan.metric, self.results, sentence, best, curve,
                           self._cancelled, end - (self._t0 or end), list(plan.notes))

    def close(self, timeout: float = 10.0) -> None:
        """Cancel what still runs and wait for every run's thread (and process) to end."""
        if not self.done:
            self.cancel()
        deadline = time.perf_counter() + timeout
        for thread in self._threads:
            thread.join(max(0.0, min(deadline - time.perf_counter(), CANCEL_GRACE_S)))
            if thread.is_alive():  # a child that ignores its stop (one huge batch, say)
                self._terminate_all()
                thread.join(max(0.0, deadline - time.perf_counter()))
        self.poll()

    # ------------------------------------------------------------------ runs
    def _fill_slots(self) -> None:
        """Let waiting runs train while slots are free, and start every run's process early,
        paused: a process takes ~40 ms to start and receive its job, which then overlaps
        with the runs that train (the spiral demo's runs last ~50 ms each)."""
        n = len(self.plan.runs)
        while not self._cancelled and len(self._running) < self.workers and self._next_go < n:
            j = self._next_go
            self._next_go += 1
            if j in self._over:  # failed while it waited
                continue
            self._running.add(j)
            self.results[j].status = "running"
            self._started[j] = time.perf_counter()
            with self._lock:
                self._go.add(j)
                trainer = self._trainers.get(j)
            if trainer is not None:
                trainer.command("resume")
        while not self._cancelled and self._next < n and self._may_send(self._next):
            i = self._next
            self._next += 1
            thread = threading.Thread(target=self._serve, args=(i,), name=f"nnstudio-sweep-{i}",
                                      daemon=True)
            self._threads.append(thread)
            thread.start()
        if self._cancelled:  # runs never started end at once
            while self._next < n:
                r = self.results[self._next]
                r.status, r.message = "cancelled", "Cancelled before it started."
                self._heard[self._next].set()
                self._over.add(self._next)
                self._next += 1
                self._ended += 1
            if self.done and self._t_end is None:
                self._t_end = time.perf_counter()

    def _may_send(self, i: int) -> bool:
        """Runs' data goes through the transport's one shared-memory block, kept while the
        arrays stay the same (the learning rates: all runs share it). A run on other rows
        replaces the block, which it may do only once the child before it has mapped it (its
        first message): else that child would find its block gone."""
        runs = self.plan.runs
        same = i == 0 or (runs[i].rows is None and runs[i - 1].rows is None)
        return same or self._heard[i - 1].is_set()

    def _serve(self, i: int) -> None:
        """A run's thread: start its trainer, forward its messages, always end in "ended"."""
        def put(message) -> None:
            self._heard[i].set()
            self._queue.put((i, message))

        try:
            job = self.plan.make_job(i)
            proc = TrainerProcess(job)
            self._register(i, proc)
            try:
                proc.start()
                proc.lower_priority()  # the window's event loop first: sweeps fill both cores
                try:
                    for message in proc.messages():
                        put(message)
                finally:
                    proc.close()
            except ProcessUnavailable:  # no child process here: train in this thread instead
                proc.take_pending()
                local = ThreadRun(job)
                self._register(i, local)
                local.run(put)
        except Exception as exc:  # noqa: BLE001 - a run must always end in a message
            put(("failed", f"The run could not start: {type(exc).__name__}: {exc}."))
        finally:
            self._heard[i].set()
            self._queue.put((i, ("ended",)))

    def _register(self, i: int, trainer: TrainerProcess | ThreadRun) -> None:
        with self._lock:
            self._trainers[i] = trainer
            # Queued before the job is sent (or sent after): the run waits for its slot.
            trainer.command("resume" if i in self._go else "pause")
            if self._cancelled:  # cancelled while this run was being set up
                trainer.command("stop")

    def _handle(self, i: int, message: tuple, events: list) -> None:
        r = self.results[i]
        kind = message[0]
        if kind == "records":
            for rec in message[1]:
                if isinstance(rec, EpochRecord):
                    for key in HISTORY_KEYS:
                        r.history[key].append(getattr(rec, key))
                    if rec.stopped:  # "stopped early at epoch 17 (best 12)", not just "completed"
                        r.message = stop_label(rec)
                    events.append(("epoch", i, rec))
        elif kind == "snapshot" and r.start_params is None:
            r.start_params = message[2]
        elif kind == "failed":
            r.message = message[1]
            r.status = "diverged" if "diverged" in message[1] else "failed"
        elif kind == "finished":
            if r.status in ("waiting", "running"):
                r.status = "completed" if message[1] == "completed" else \
                    ("cancelled" if self._cancelled else "failed")
        elif kind == "ended":
            self._over.add(i)
            if r.status in ("waiting", "running"):
                r.status = "cancelled" if self._cancelled else "failed"
                r.message = r.message or "The run ended without finishing."
            r.seconds = time.perf_counter() - self._started.get(i, time.perf_counter())
            self._running.discard(i)
            with self._lock:
                self._trainers.pop(i, None)
            self._ended += 1
            if self.done:
                self._t_end = time.perf_counter()
            events.append(("finished", i, r))

    def _terminate_all(self) -> None:
        with self._lock:
            trainers = list(self._trainers.values())
        for trainer in trainers:
            trainer.terminate()


def run_sweep(plan: SweepPlan, progress: Callable[[int, EpochRecord | None, SweepRunner], None] | None = None,
              cancel: Callable[[], bool] | threading.Event | None = None,
              workers: int | None = None) -> SweepResult:
    """Train ``plan``'s runs and answer; blocks until they end or ``cancel`` says so.

    Parameters
    ----------
    progress : callable, optional
        ``progress(run_index, record, runner)`` after each epoch of any run (``record`` an
        :class:`~nnstudio.engine.EpochRecord`) and when a run ends (``record`` None);
        ``runner.progress()`` is the overall share done.
    cancel : callable or threading.Event, optional
        Checked between messages (at least every 50 ms); True ends every run (their processes
        end too) and the result says what finished.
    workers : int, optional
        Runs at a time (default: :func:`workers_for`).
    """
    if isinstance(cancel, threading.Event):
        cancel = cancel.is_set
    runner = SweepRunner(plan, workers)
    try:
        runner.start()
        while not runner.done:
            if cancel is not None and cancel():
                runner.cancel()
            for event in runner.poll(timeout=0.05):
                if progress is not None:
                    progress(event[1], event[2] if event[0] == "epoch" else None, runner)
    finally:
        runner.close()
    return runner.result()
