"""How busy the rest of the machine was during a measurement (Linux), shared by the benches.

These build machines are shared: a run during which something else was busy is flagged rather
than silently averaged in. Imported as a sibling module: the benches run as scripts, so their
folder is on ``sys.path``.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable

_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def own_process_ticks() -> float:
    """CPU ticks of this process, all its threads (OpenBLAS's and torch's count as ours)."""
    t = os.times()
    return (t.user + t.system) * _HZ


class OtherLoad:
    """Share of all CPUs that *other* processes used between ``start()`` and ``stop()``: the
    machine's busy ticks from ``/proc/stat`` minus ``own_ticks()`` (this process's by default;
    the GUI bench also counts its trainer processes as its own)."""

    def __init__(self, own_ticks: Callable[[], float] = own_process_ticks) -> None:
        self._own_ticks = own_ticks
        self._t0: tuple[int, int, float] | None = None

    def _read(self) -> tuple[int, int, float] | None:
        try:
            with open("/proc/stat") as f:
                vals = [int(v) for v in f.readline().split()[1:9]]
            return sum(vals), vals[3] + vals[4], self._own_ticks()
        except (OSError, ValueError, IndexError):
            return None

    def start(self) -> None:
        self._t0 = self._read()

    def stop(self) -> float:
        """Fraction (0..1) of the machine's CPU time used by other processes; NaN if unknown."""
        t1 = self._read()
        if self._t0 is None or t1 is None or t1[0] <= self._t0[0]:
            return float("nan")
        total = t1[0] - self._t0[0]
        busy = total - (t1[1] - self._t0[1])
        return max(0.0, (busy - (t1[2] - self._t0[2])) / total)

    def wait_quiet(self, limit: float = 0.05, timeout: float = 20.0) -> bool:
        """Wait (at most ``timeout`` s) until other processes use under ``limit`` for 0.5 s."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            self.start()
            time.sleep(0.5)
            if self.stop() < limit:
                return True
        return False
