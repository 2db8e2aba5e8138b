"""One training run in a child process, seen from the window's process.

Why a process: see :mod:`nnstudio.trainer.driver`. Children come from a *forkserver*: it is
started once (and can be warmed up early, :func:`warm_up`) with numpy and the engine already
imported, so a run starts in a few milliseconds, and the child never inherits the window's
threads or Qt state as a plain ``fork`` would.

Typical use (the window's worker thread runs :meth:`TrainerProcess.messages`)::

    proc = TrainerProcess(job)
    proc.command("slow", 0.1)          # any thread, before or after start
    proc.start()
    for message in proc.messages():    # blocks between messages; ends after "finished"
        ...
"""
from __future__ import annotations

import collections
import multiprocessing
import os
import threading
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from nnstudio.trainer.driver import Job, run_job
from nnstudio.trainer.transport import receive_job, send_job

#: Seconds to wait for a child to exit after its "finished" message, or after terminate().
JOIN_TIMEOUT_S = 5.0

#: Multiply-adds per training step (6 x parameters x batch size) from which a run stays in
#: the window's process: its matrix products release the GIL for ~1 ms at a time, and copying
#: its data to a child (150 MB for MNIST) costs more than the child saves.
THREAD_MIN_FLOP_PER_STEP = 40e6


def runs_in_child(n_params: int, batch_size: int) -> bool:
    """True when a run of a network of ``n_params`` parameters goes to a child process:
    small networks, whose steps are mostly Python and would hold the GIL away from the
    window (the spiral: 60-90 ms stalls)."""
    return 6.0 * int(n_params) * max(1, int(batch_size)) < THREAD_MIN_FLOP_PER_STEP

_context_lock = threading.Lock()
# A ForkServerContext or a SpawnContext: Any, as BaseContext's stub has no Process and the
# forkserver one does not exist on Windows.
_context: Any = None


def _get_context() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            ctx: Any
            if "forkserver" in multiprocessing.get_all_start_methods():
                ctx = multiprocessing.get_context("forkserver")
                # Imported once in the server, so every child starts with them loaded.
                ctx.set_forkserver_preload(["nnstudio._trainer_env", "numpy", "nnstudio.engine",
                                            "nnstudio.trainer.driver"])
            else:  # Windows: each child is a fresh interpreter (~0.5 s to start) ...
                ctx = multiprocessing.get_context("spawn")
                # ... which inherits this environment: one BLAS thread there too. This
                # process's BLAS is loaded already and keeps its threads.
                import nnstudio._trainer_env  # noqa: F401
            _context = ctx
        return _context


def warm_up() -> None:
    """Start the forkserver now (~0.3 s, blocking) so that the first run starts at once."""
    if _get_context().get_start_method() == "forkserver":
        from multiprocessing import forkserver
        forkserver.ensure_running()


def serve(messages, commands) -> None:
    """The child's entry point: receive the job, run it, report; never raises."""
    try:
        job = receive_job(messages)
    except Exception as exc:  # noqa: BLE001 - e.g. the window closed while sending
        try:
            messages.send(("failed", f"The trainer could not receive its data: {exc}."))
            messages.send(("finished", "stopped", None, None, None, None))
        except OSError:
            pass
        return
    try:
        run_job(job, messages.send, commands)
    except (BrokenPipeError, EOFError, OSError):
        pass  # the window's process went away mid-send: nobody to report to


class ProcessUnavailable(RuntimeError):
    """No trainer process could be started here."""


class TrainerProcess:
    """A child process training one :class:`Job`; :meth:`messages` yields what it sends."""

    _target = staticmethod(serve)  # what the child runs (tests make it fail on purpose)

    def __init__(self, job: Job):
        self.job = job
        self._lock = threading.Lock()
        self._pending: list = []
        self._commands: Connection | None = None  # our end of the command pipe, once started
        self._messages: Connection | None = None
        self._process: BaseProcess | None = None
        self._heard_from = False  # the child has sent at least one message

    def command(self, *command) -> None:
        """Send a command (see :mod:`nnstudio.trainer.driver`); queued until :meth:`start`.
        Thread-safe; a command to a process that has ended is dropped."""
        with self._lock:
            if self._commands is None:
                self._pending.append(command)
                return
            try:
                self._commands.send(command)
            except (OSError, ValueError):  # ended, or our end closed: nothing to steer
                pass

    def lower_priority(self, niceness: int = 10) -> bool:
        """Let the child yield the CPU to the window (POSIX nice; False where that is not
        possible): background runs such as a sweep's, which would otherwise take both cores
        from the event loop."""
        proc = self._process
        setpriority = getattr(os, "setpriority", None)
        if proc is None or proc.pid is None or setpriority is None:
            return False
        try:
            setpriority(os.PRIO_PROCESS, proc.pid, niceness)
        except OSError:  # ended already, or not allowed
            return False
        return True

    def start(self) -> None:
        """Start the child and send it the job (blocks while the arrays are written).

        Raises :class:`ProcessUnavailable` when no child can be started (a sandbox that forbids
        it, no semaphores, ...); :meth:`take_pending` then hands the queued commands to the job.
        """
        try:
            ctx = _get_context()
            messages, child_messages = ctx.Pipe(duplex=True)  # job one way, messages the other
            child_commands, commands = ctx.Pipe(duplex=False)
            self._process = ctx.Process(target=self._target, args=(child_messages, child_commands),
                                        name="nnstudio-trainer", daemon=True)
            self._process.start()
        except Exception as exc:  # noqa: BLE001 - OSError, ValueError, PermissionError, ...
            raise ProcessUnavailable(f"{type(exc).__name__}: {exc}") from exc
        child_messages.close()
        child_commands.close()
        self._messages = messages
        with self._lock:
            self.job.commands = self._pending
            self._pending = []
            self._commands = commands
        try:
            send_job(messages, self.job)
        except (OSError, EOFError):
            pass  # the child died at once; messages() reports it

    def take_pending(self) -> None:
        """Move commands still queued (start failed before taking them) into the job, for
        whoever runs it instead."""
        with self._lock:
            self.job.commands = self.job.commands + self._pending
            self._pending = []

    def run(self, on_message) -> None:
        """Start, pass every message to ``on_message`` (the last is "finished"), close."""
        try:
            self.start()
            for message in self.messages():
                on_message(message)
        finally:
            self.close()

    def messages(self):
        """Yield the child's messages until ``("finished", ...)``, which is always last: a
        child that dies without one gives a ``failed`` message and a ``finished`` of its own.

        Raises :class:`ProcessUnavailable` when the child dies before its first message (it
        could not even start here: a broken install, a sandbox): the run can go elsewhere.
        """
        assert self._messages is not None and self._process is not None  # start() set them
        while True:
            try:
                message = self._messages.recv()
            except (EOFError, OSError):
                self._process.join(JOIN_TIMEOUT_S)
                code = self._process.exitcode
                if not self._heard_from:
                    raise ProcessUnavailable(
                        f"the trainer process ended at once (code {code})") from None
                yield ("failed", "The trainer stopped unexpectedly (its process ended with "
                                 f"code {code}). The network keeps the weights of its last "
                                 "picture; press Train to go on.")
                yield ("finished", "stopped", None, None, None, None)
                return
            self._heard_from = True
            yield message
            if message[0] == "finished":
                return

    def close(self) -> None:
        """Wait for the child to exit (terminate it if it will not) and close the pipes."""
        if self._process is not None:
            self._process.join(JOIN_TIMEOUT_S)
            if self._process.is_alive():
                self.terminate()
        with self._lock:
            for conn in (self._commands, self._messages):
                if conn is not None:
                    conn.close()
            self._commands = None

    def terminate(self) -> None:
        """End the child now (it ignored a stop, e.g. stuck in one huge batch)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join(JOIN_TIMEOUT_S)


class LocalPipe:
    """The command pipe's stand-in within one process: ``send`` on one side, ``poll`` and
    ``recv`` (as on a Connection) on the other."""

    def __init__(self):
        self._items: collections.deque = collections.deque()
        self._cond = threading.Condition()

    def send(self, item) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def poll(self, timeout: float | None = 0.0) -> bool:
        with self._cond:
            return bool(self._cond.wait_for(lambda: self._items, timeout))

    def recv(self):
        with self._cond:
            self._cond.wait_for(lambda: self._items)
            return self._items.popleft()


class ThreadRun:
    """The same run as :class:`TrainerProcess`, in the calling thread: for networks whose steps
    are big matrix products, which release the GIL anyway (MNIST-sized: ~1 ms each); copying
    their data to a child would cost more than the GIL does."""

    def __init__(self, job: Job):
        self.job = job
        self._commands = LocalPipe()

    def command(self, *command) -> None:
        self._commands.send(command)

    def run(self, on_message) -> None:
        run_job(self.job, on_message, self._commands)

    def terminate(self) -> None:
        """A thread cannot be killed; the driver answers stops between records."""
