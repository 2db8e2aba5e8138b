"""Throttled progress reports and cancellation checks for long loads."""
from __future__ import annotations

from collections.abc import Callable

from nnstudio.errors import Cancelled

ProgressFn = Callable[[float], None]
CancelFn = Callable[[], bool]


class Progress:
    """Forward a fraction 0..1 to ``progress`` at most ~100 times and honour ``cancel``.

    Parameters
    ----------
    progress : callable(float) or None
        Receives fractions that only ever grow; 1.0 is sent once by ``done``.
    cancel : callable() -> bool or None
        Polled at each report; returning True raises ``Cancelled(message)``.
    message : str
        What ``Cancelled`` says, e.g. "Loading 'data.csv' was cancelled."
    """

    def __init__(self, progress: ProgressFn | None, cancel: CancelFn | None, message: str) -> None:
        self._progress = progress
        self._cancel = cancel
        self._message = message
        self._last = -1.0

    def check(self) -> None:
        """Raise Cancelled if the user asked to stop."""
        if self._cancel is not None and self._cancel():
            raise Cancelled(self._message)

    def report(self, fraction: float) -> None:
        """Report ``fraction`` if it moved by at least 1 % since the last report; poll cancel."""
        # 1.0 is reserved for done(), so the caller sees "finished" exactly once.
        fraction = min(max(float(fraction), 0.0), 0.999)
        if fraction - self._last >= 0.01:
            self._last = fraction
            self.check()
            if self._progress is not None:
                self._progress(fraction)

    def done(self) -> None:
        self.check()
        if self._progress is not None:
            self._progress(1.0)
