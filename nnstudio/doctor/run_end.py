"""How a run ended when its stop rule ended it, and what that changes in the doctor's reading
(pure python: no Qt).

Early stopping with restore-best puts the weights of the best epoch back: the epochs after it
were trained and thrown away. The doctor then judges the weights that were kept (the history
up to that epoch), says in words that training stopped early and went back, and no longer
suggests early stopping or more epochs (a stop rule ended the run: more of the same was not
helping). A run stopped at its target keeps its last weights; "more epochs" is not said there
either: the run reached what was asked of it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from nnstudio.doctor.findings import Finding

#: Remedies that make no sense once a stop rule ended the run (it stopped improving, or it
#: reached its target) ...
_AFTER_ANY_STOP = {"more_epochs"}
#: ... and once early stopping already went back to its best epoch.
_AFTER_RESTORE = _AFTER_ANY_STOP | {"restore_best", "fewer_epochs"}
#: Findings whose whole point is "train longer".
_LONGER = {"still_improving", "too_short"}


@dataclass(frozen=True)
class RunEnd:
    """The stop rule ended the run.

    Attributes
    ----------
    kind : {"early", "target"}
        Early stopping (the watched score stopped improving) or the target was reached.
    epoch : int
        The last epoch trained, counted over all runs (as the history's ``epoch``).
    reason : str
        The engine's words (``EpochRecord.stopped``).
    restored_epoch : int or None
        The epoch whose weights early stopping put back (counted over all runs), else None.
    monitor : str or None
        The score the rule watched (``"val_loss"`` ...), when its words name it.
    """

    kind: str
    epoch: int
    reason: str = ""
    restored_epoch: int | None = None
    monitor: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("early", "target"):
            raise ValueError(f"kind must be 'early' or 'target', got {self.kind!r}")


def run_end_of(last, run_start: int = 0) -> RunEnd | None:
    """The :class:`RunEnd` of a run whose last record is ``last``, or None when no stop rule
    ended it.

    Parameters
    ----------
    last : EpochRecord, RunEnd or None
        The run's last epoch record (its ``epoch`` counts the epochs of this run from 1; its
        ``stopped`` and ``restored_epoch`` say what the stop rule did). A RunEnd is returned
        as it is.
    run_start : int
        Epochs trained before this run.
    """
    if last is None or isinstance(last, RunEnd):
        return last
    from nnstudio.engine.policies import stop_kind

    reason = getattr(last, "stopped", None)
    kind, monitor = stop_kind(reason)
    restored = getattr(last, "restored_epoch", None)
    if kind is None and restored is None:
        return None
    return RunEnd(kind or "early", run_start + int(last.epoch), reason or "",
                  None if restored is None else int(restored), monitor)


def kept_history(history: dict, run_start: int, end: RunEnd | None) -> dict:
    """``history`` up to the epoch whose weights the network kept (all of it without a
    restore): the epochs early stopping threw away are no longer the network's."""
    if end is None or end.restored_epoch is None:
        return history
    n = len(history.get("epoch", []))
    keep = min(n, max(run_start + 1, end.restored_epoch))
    return {key: list(values[:keep]) for key, values in history.items()}


def after_stop(findings: list[Finding], end: RunEnd | None) -> list[Finding]:
    """``findings`` without the advice the stop already followed (or made moot): no "train
    longer", and after a restore no "go back to the best epoch"."""
    if end is None:
        return findings
    drop = _AFTER_RESTORE if end.restored_epoch is not None else _AFTER_ANY_STOP
    out = []
    for f in findings:
        if f.kind in _LONGER:
            continue
        advice = tuple(r for r in f.advice if r.kind not in drop)
        out.append(f if advice == f.advice else replace(f, advice=advice))
    return out


def stopped_finding(end: RunEnd, history: dict, run_start: int, memorised: bool) -> Finding:
    """``stopped``: what the stop rule did, with the kept epoch's value of the score it watched.

    ``memorising`` says the curves of the whole run showed overfitting (after the kept epoch).
    """
    evidence: dict = {"stop": end.kind, "stopped_at": end.epoch, "reason": end.reason,
                      "epochs": end.epoch - run_start, "memorising": bool(memorised)}
    if end.monitor is not None:
        evidence["monitor"] = end.monitor
    if end.restored_epoch is not None:
        evidence["restored_epoch"] = end.restored_epoch
        values = history.get(end.monitor or "", [])
        at = end.restored_epoch - 1
        if end.monitor is not None and 0 <= at < len(values) and values[at] is not None:
            evidence["best_value"] = float(values[at])
    return Finding("stopped", "info", end.restored_epoch, evidence)


__all__ = ["RunEnd", "after_stop", "kept_history", "run_end_of", "stopped_finding"]
