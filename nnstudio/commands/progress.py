"""Terminal feedback for long commands: a plain-text progress bar and metric lines.

No dependency: the bar is redrawn in place with ``\\r``, at most every ``min_interval``
seconds so a fast loop does not spend its time writing to the terminal.
"""
from __future__ import annotations

import time
from typing import TextIO


class ProgressBar:
    """A one-line progress bar, e.g. ``[#########-----------]  45%  epoch 9/20  loss 0.4321``.

    Parameters
    ----------
    stream : text stream
        Usually ``sys.stderr``.
    enabled : bool
        False makes every method a no-op (not a terminal, ``--quiet``...).
    width : int
        Characters between the brackets.
    min_interval : float
        Seconds between redraws; updates in between are dropped.
    """

    def __init__(self, stream: TextIO, enabled: bool = True, width: int = 24,
                 min_interval: float = 0.1):
        self.stream = stream
        self.enabled = enabled
        self.width = width
        self.min_interval = min_interval
        self._last_draw = 0.0
        self._shown = 0  # length of the line on screen, to blank it out

    def update(self, fraction: float, text: str = "", force: bool = False) -> None:
        """Redraw with ``fraction`` in [0, 1] done and a short ``text`` after the percentage."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        fraction = min(max(float(fraction), 0.0), 1.0)
        filled = int(round(fraction * self.width))
        line = f"[{'#' * filled}{'-' * (self.width - filled)}] {fraction * 100:3.0f}%  {text}".rstrip()
        pad = " " * max(self._shown - len(line), 0)
        self.stream.write("\r" + line + pad)
        self.stream.flush()
        self._shown = len(line)

    def clear(self) -> None:
        """Blank the bar's line so normal output can follow on a clean line."""
        if self.enabled and self._shown:
            self.stream.write("\r" + " " * self._shown + "\r")
            self.stream.flush()
            self._shown = 0
            self._last_draw = 0.0


def print_every(epochs: int, max_lines: int = 30) -> int:
    """Print one metrics line every this many epochs so a run stays under ``max_lines`` lines.

    A round step (1, 2, 5, 10, 20, 50...), so the lines show epochs 10, 20, 30 rather than
    7, 14, 21, which are harder to find again in a long run.
    """
    needed = -(-int(epochs) // max_lines)
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= needed:
                return step * factor
        step *= 10


def format_number(value, digits: int = 4) -> str:
    """``0.1234`` style, ``15,098,532,864`` for a big loss, or ``-`` for a missing value."""
    from nnstudio.commands.report import format_score

    return format_score(value, digits)


def epoch_line(record, epoch_number: int, total: int) -> str:
    """One metrics line for an ``EpochRecord``; accuracies only where they exist."""
    width = len(str(total))
    parts = [f"epoch {epoch_number:>{width}}/{total}", f"loss {format_number(record.train_loss)}"]
    if record.train_acc is not None:
        parts.append(f"acc {format_number(record.train_acc, 3)}")
    if record.val_loss is not None:
        parts.append(f"val_loss {format_number(record.val_loss)}")
    if record.val_acc is not None:
        parts.append(f"val_acc {format_number(record.val_acc, 3)}")
    return "  ".join(parts)
