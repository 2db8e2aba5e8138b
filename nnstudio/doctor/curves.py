"""What the loss and accuracy curves show, read the same way while a run goes and when it ends.

:func:`curve_findings` is what the hints under the loss plot show and what the end-of-run
verdict starts from, so both name the same thing for the same history: a step that overshot
(``unstable``, ``loss_rose``) or memorising (``overfitting``). :func:`loss_trend` adds what
only makes sense once a run has ended (still falling, stuck, too short).

Everything here is vectorised: the plot asks again at every redraw of a 10,000-epoch run.
"""
from __future__ import annotations

import numpy as np

from nnstudio.doctor import thresholds as T
from nnstudio.doctor.findings import Finding, Remedy


def as_array(values) -> np.ndarray:
    """``values`` (a list that may hold None, or an array) as float64, NaN where missing."""
    return np.array([np.nan if v is None else v for v in values], float) \
        if isinstance(values, list) else np.asarray(values, float)


def patience(n: int) -> int:
    """Epochs the best validation score must lie back before memorising is called."""
    return max(T.PATIENCE, int(T.PATIENCE_SHARE * n))


def last_jump(losses: np.ndarray) -> int | None:
    """Index of the first epoch of the last recent stretch where the loss stood well above the
    lowest it had reached before (see :mod:`~nnstudio.doctor.thresholds`); None if none.

    ``losses`` has shape (n,) without NaN.
    """
    n = len(losses)
    if n < 2:
        return None
    lowest_before = np.minimum.accumulate(losses)[:-1]
    high = np.concatenate([[False], (losses[1:] > T.JUMPED * lowest_before)
                           & (losses[1:] - lowest_before > T.JUMP_SHARE * abs(losses[0]))])
    starts = np.nonzero(high[1:] & ~high[:-1])[0] + 1
    if len(starts) == 0:
        return None
    i = int(starts[-1])
    return i if _recent(i, n) else None  # long ago, and training has since settled


def _recent(i: int, n: int) -> bool:
    """Epoch index ``i`` of ``n`` lies near enough the end to speak about the rate now."""
    return n - 1 - i <= max(T.RECENT_EPOCHS, T.RECENT_SHARE * n)


def rose(losses: np.ndarray) -> bool:
    """The loss ended above where the run started (``losses`` without NaN)."""
    return len(losses) >= T.MIN_TREND_EPOCHS and losses[-1] > losses[0] * T.ROSE


def loss_trend(losses, naive_loss: float | None = None) -> str:
    """What the loss of one run did, as evidence for the advice.

    Parameters
    ----------
    losses : sequence of float, shape (n_epochs,)
        The run's training loss per epoch, oldest first.
    naive_loss : float or None
        The loss of a naive constant answer, near where fresh weights start: ln(n_classes)
        for classes (each equally likely), mean(y²) for numbers (always 0).

    Returns
    -------
    str
        ``"rose"`` (it ended above where it started), ``"jumped"`` (recently it went well above
        a value it had already reached, by a visible share of where it started, or it went far
        above ``naive_loss``), ``"falling"`` (still falling steadily over the last fifth of the
        epochs), ``"flat"`` (none of these: it stopped improving) or ``"short"`` (under 3
        epochs and no jump: too few to tell).
    """
    losses = np.asarray(losses, float)
    n = len(losses)
    if rose(losses):
        return "rose"
    if last_jump(losses) is not None or _above_naive(losses, naive_loss) is not None:
        return "jumped"
    if n < T.MIN_TREND_EPOCHS:
        return "short"
    window = tail_window(n)
    tail = losses[-window - 1:]
    falls = int(np.sum(tail[1:] < tail[:-1]))
    if falls >= T.STEADY * window and tail[-1] < (1 - T.STILL_FALLING) * tail[0]:
        return "falling"
    return "flat"


def tail_window(n: int) -> int:
    """Epochs at the end of an ``n``-epoch run in which "still falling" is judged."""
    return min(n - 1, max(2, round(n * T.TAIL)))


def _above_naive(losses: np.ndarray, naive_loss: float | None) -> int | None:
    if not naive_loss or not len(losses):
        return None
    if losses.max() < T.NAIVE_MOVED * losses.min():
        return None  # it started far off and steps too small to move it kept it there
    above = np.nonzero(losses > T.ABOVE_NAIVE * naive_loss)[0]
    if not len(above) or not _recent(int(above[-1]), len(losses)):
        return None  # none, or long ago (as for jumps)
    return int(above[-1])


def rate_advice(learning_rate: float | None, highest_rate: float | None) -> tuple[dict, Remedy]:
    """Evidence about the rate and the remedy for a step that overshot.

    Without a rate (the plot does not know it) the remedy is "a tenth of it" (value None).
    """
    if learning_rate is None:
        return {}, Remedy("lower_rate")
    if highest_rate is not None and highest_rate > T.RAISED_RATE * learning_rate:
        # The user turned it up and back down: blame the high value, not today's.
        return ({"learning_rate": learning_rate, "highest_rate": highest_rate},
                Remedy("keep_rate_near", learning_rate))
    return {"learning_rate": learning_rate}, Remedy("lower_rate", learning_rate / T.RATE_STEP)


def curve_findings(epochs, train_loss, val_loss=None, val_acc=None,
                   learning_rate: float | None = None,
                   highest_rate: float | None = None) -> list[Finding]:
    """What the curves show so far: at most one of ``unstable``, ``loss_rose``,
    ``overfitting`` or ``overconfident``.

    Parameters
    ----------
    epochs, train_loss, val_loss, val_acc : array-like of shape (n_epochs,)
        Per epoch, oldest first; NaN or None where not measured (no validation part).
    learning_rate, highest_rate : float or None
        When known, the advice names the rate to try (see :func:`rate_advice`).

    Notes
    -----
    A step that overshot comes first: a training loss that jumped or rose points at the
    learning rate, and a validation score that got worse with it is no sign of memorising.
    A validation loss that climbed back while the validation accuracy still rose is
    ``overconfident``, not memorising (fastai's rule: the network grows surer of its answers,
    wrong ones too, and still gets more of them right).
    """
    epochs, train = as_array(epochs), as_array(train_loss)
    n = len(train)
    val = as_array(val_loss) if val_loss is not None else np.full(n, np.nan)
    acc = as_array(val_acc) if val_acc is not None else np.full(n, np.nan)
    ok = np.isfinite(train)
    e, losses = epochs[ok], train[ok]
    if len(losses) == 0:
        return []
    jump, went_up = last_jump(losses), rose(losses)
    by_loss = _climbed(epochs, train, val, best=np.argmin,
                       worse=lambda b, last: last > T.OVERFIT_LOSS * b)
    by_acc = _climbed(epochs, train, acc, best=np.argmax,
                      worse=lambda b, last: b - last > T.ACCURACY_DROP)
    rate, lower = rate_advice(learning_rate, highest_rate)
    memorising = [m for m in (by_loss, by_acc)
                  if m is not None and m["train_fell"] and _gap_opened(train, val)]
    if memorising and jump is None and not went_up:
        m = memorising[0]  # the validation loss, the finer measure, when it shows it
        evidence = {"signal": m["signal"], "epochs_since_best": m["since"],
                    f"best_{m['signal']}": m["best"], f"final_{m['signal']}": m["last"],
                    "train_loss_at_best": m["train_at_best"], "final_train_loss": m["train_last"]}
        rising = _accuracy_rose(epochs, acc, m["epoch"]) if m["signal"] == "val_loss" else None
        if rising is not None:
            evidence.update(rising)
            return [Finding("overconfident", "info", m["epoch"], evidence,
                            (Remedy("watch_accuracy"), Remedy("rate_when_stuck")))]
        return [Finding("overfitting", "warning", m["epoch"], evidence, overfitting_advice(m["epoch"]))]
    if by_acc is not None:  # accuracy fell back, and the training loss did not keep falling
        evidence = {"signal": "val_acc", "best_val_acc": by_acc["best"],
                    "final_val_acc": by_acc["last"], **rate}
        if jump is not None:
            evidence["jump_epoch"] = int(e[jump])
        return [Finding("unstable", "warning", by_acc["epoch"], evidence, (lower,))]
    if went_up:
        return [Finding("loss_rose", "warning", None,
                        {"first_loss": float(losses[0]), "final_loss": float(losses[-1]), **rate},
                        (lower, Remedy("reset")))]
    # jump_finding finds the same jump in the same losses (typed: it may find none).
    found = jump_finding(losses, e, None, learning_rate, highest_rate) if jump is not None else None
    return [found] if found is not None else []


def overfitting_advice(best_epoch: int) -> tuple[Remedy, ...]:
    """What helps against memorising, most direct first."""
    return (Remedy("restore_best", best_epoch), Remedy("l2", 0.001), Remedy("dropout", 0.2),
            Remedy("fewer_neurons"), Remedy("more_data"))


def _accuracy_rose(epochs, acc, best_epoch: int) -> dict | None:
    """The validation accuracy at the end above where it stood at ``best_epoch`` (means over
    a few epochs, see :data:`~nnstudio.doctor.thresholds.ACC_SMOOTH`); None if it did not
    rise or was not measured."""
    ok = np.isfinite(acc)
    if not ok.any():
        return None
    e, a = epochs[ok], acc[ok]
    i = int(np.searchsorted(e, best_epoch))
    half = T.ACC_SMOOTH // 2
    at_best = float(np.mean(a[max(0, i - half):i + half + 1]))
    final = float(np.mean(a[-T.ACC_SMOOTH:]))
    if final - at_best < T.ACC_STILL_RISING:
        return None
    return {"val_acc_at_best": at_best, "final_val_acc": final}


def _gap_opened(train: np.ndarray, val: np.ndarray) -> bool:
    """The last training loss lies clearly below the last validation loss (both measured at
    the same epoch); True when the validation loss was not measured (nothing to compare)."""
    both = np.isfinite(train) & np.isfinite(val)
    if not both.any():
        return True
    i = int(np.nonzero(both)[0][-1])
    return bool(train[i] < T.MEMORISED_GAP * val[i])


def _climbed(epochs, train, score, best, worse) -> dict | None:
    """The validation ``score`` got worse than its best (``worse(best, last)``), at least
    :func:`patience` epochs ago; with whether the training loss fell meanwhile."""
    ok = np.isfinite(score) & np.isfinite(train)
    n = int(ok.sum())
    if n < T.MIN_EPOCHS:
        return None
    e, tr, s = epochs[ok], train[ok], score[ok]
    i = int(best(s))
    since = n - 1 - i
    if since < patience(n) or not worse(s[i], s[-1]):
        return None
    return {"signal": "val_loss" if best is np.argmin else "val_acc", "epoch": int(e[i]),
            "since": since, "best": float(s[i]), "last": float(s[-1]),
            "train_at_best": float(tr[i]), "train_last": float(tr[-1]),
            "train_fell": bool(tr[-1] < (1 - T.TRAIN_FELL) * tr[i]
                               and tr[-1] <= T.KEPT_FALLING * tr[i:].min())}


def jump_finding(losses, epochs, naive_loss: float | None, learning_rate: float | None,
                 highest_rate: float | None) -> Finding | None:
    """``unstable`` for a run whose loss jumped (:func:`last_jump`) or went far above a naive
    answer's; None otherwise."""
    losses, epochs = np.asarray(losses, float), np.asarray(epochs, float)
    rate, lower = rate_advice(learning_rate, highest_rate)
    jump = last_jump(losses)
    if jump is not None:
        return Finding("unstable", "warning", int(epochs[jump]),
                       {"signal": "train_loss", "lowest_before": float(np.min(losses[:jump])),
                        "jumped_to": float(losses[jump]), **rate}, (lower, Remedy("reset")))
    above = _above_naive(losses, naive_loss)
    if above is None or naive_loss is None:  # (the second follows from the first)
        return None
    return Finding("unstable", "warning", int(epochs[above]),
                   {"signal": "above_naive", "jumped_to": float(losses[above]),
                    "naive_loss": float(naive_loss), **rate}, (lower, Remedy("reset")))
