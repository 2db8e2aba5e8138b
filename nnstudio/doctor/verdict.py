"""Plain-words verdict on a finished training run (pure python: no Qt here).

A run that "finished" is not always a success: a learning rate that is too high can leave a
network that answers the same class for everything, or a loss that grew. The window says so
and what to try, instead of only "finished". The advice follows what the loss did
(:func:`loss_trend`): a smaller learning rate only when the loss rose or jumped, more epochs
or a larger rate when it was still falling steadily when the run ended.
"""
from __future__ import annotations

import math

import numpy as np

#: The last epoch's loss above the first one by this factor: the run made things worse.
ROSE = 1.05
#: A loss this many times the lowest one before it: a step overshot ...
JUMPED = 1.2
#: ... when the rise is also at least this share of the run's first loss. Near zero a loss
#: wobbles by large factors (0.044 -> 0.057 late in a run that began at 1.3) without any step
#: overshooting: that wobble is not what "the learning rate is too high" means.
JUMP_SHARE = 0.05
#: A loss this many times that of a naive constant answer (see :func:`loss_trend`): answers
#: confidently wrong by far, which steps that are too large produce.
ABOVE_NAIVE = 2.0
#: Regression: a final validation loss this many times its lowest in the run, while the
#: training loss kept falling, is memorising (overfitting).
OVERFIT_LOSS = 1.05
#: Share of the epochs, at the end of the run, in which "still falling" is judged ...
TAIL = 0.2
#: ... where the loss must have fallen by more than this fraction ...
STILL_FALLING = 0.01
#: ... in at least this share of those epochs.
STEADY = 0.75


def _pct(x: float) -> str:
    return f"{x:.1%}"


def plain_number(x: float) -> str:
    """3 significant digits, without e-notation for everyday sizes: 7507 -> '7,510'."""
    if not math.isfinite(x) or x == 0 or not 1e3 <= abs(x) < 1e12:
        return f"{x:.3g}"
    return f"{round(x, 2 - int(math.floor(math.log10(abs(x))))):,.0f}"


def loss_trend(losses: list[float], naive_loss: float | None = None) -> str:
    """What the loss of one run did, as evidence for the advice.

    Parameters
    ----------
    losses : list of float
        The run's training loss per epoch, oldest first.
    naive_loss : float or None
        The loss of a naive constant answer, near where fresh weights start: ln(n_classes)
        for classes (each equally likely), mean(y²) for numbers (always 0).

    Returns
    -------
    str
        ``"rose"`` (it ended above where it started), ``"jumped"`` (it went well above a value
        it had already reached, by a visible share of where it started, or far above
        ``naive_loss``), ``"falling"`` (still falling steadily
        over the last fifth of the epochs), ``"flat"`` (none of these: it stopped improving) or
        ``"short"`` (under 3 epochs and no jump: too few to tell).
    """
    n = len(losses)
    if n >= 3 and losses[-1] > losses[0] * ROSE:
        return "rose"
    lowest = math.inf
    floor = JUMP_SHARE * abs(losses[0]) if n else 0.0
    for value in losses:
        if value > JUMPED * lowest and value - lowest > floor:
            return "jumped"
        lowest = min(lowest, value)
    if naive_loss and max(losses) > ABOVE_NAIVE * naive_loss:
        return "jumped"
    if n < 3:
        return "short"
    window = min(n - 1, max(2, round(n * TAIL)))
    tail = losses[-window - 1:]
    falls = sum(b < a for a, b in zip(tail, tail[1:]))
    if falls >= STEADY * window and tail[-1] < (1 - STILL_FALLING) * tail[0]:
        return "falling"
    return "flat"


def _tail_words(losses: list[float]) -> str:
    window = min(len(losses) - 1, max(2, round(len(losses) * TAIL)))
    first, last = plain_number(losses[-window - 1]), plain_number(losses[-1])
    return f"{first} → {last} in the last {window} epochs"


def _advice(trend: str, losses: list[float], too_high: str, smaller: str, learning_rate: float) -> str:
    """What to try, from what the loss did (the sentence after the diagnosis)."""
    if trend in ("rose", "jumped"):
        what = "got worse" if trend == "rose" else "jumped up"
        return (f"The loss {what} during the run: {too_high}. {smaller}, press Reset weights "
                "(Ctrl+R) and train again.")
    if trend == "short":
        return (f"{len(losses)} epoch{'s are' if len(losses) > 1 else ' is'} too few to tell what "
                "the loss will do: train for more epochs.")
    if trend == "falling":
        return (f"The loss was still falling steadily when the run ended ({_tail_words(losses)}): "
                f"it is learning, slowly. Train for more epochs, or try a larger learning rate "
                f"(now {learning_rate:g}; try {learning_rate * 10:g}).")
    return (f"The loss stopped improving (it ended at {plain_number(losses[-1])}), so more epochs "
            "of the same will not help: press Reset weights (Ctrl+R) and train again, and if it gets "
            "stuck again, try another learning rate or more neurons.")


def summarize_run(history: dict, run_start: int, dataset, val_y, test_metrics: tuple | None,
                  learning_rate: float, typical_errors: tuple | None = None,
                  highest_rate: float | None = None) -> tuple[str, str]:
    """Return ``(message, level)`` for the epochs ``history[...][run_start:]`` of one run.

    Parameters
    ----------
    history : dict
        The project's history (lists of per-epoch metrics; None where not measured).
    run_start : int
        Index of this run's first epoch in the history lists.
    dataset : Dataset
        For the task, class names and targets.
    val_y : ndarray
        Validation targets (used for the "always the same answer" baselines).
    test_metrics : (loss, accuracy or None) or None
        On the test part, which training never saw.
    learning_rate : float
        The rate the run ended with.
    typical_errors : (validation, test) mean absolute errors, or None
        Regression only: the same "typical error" the Fit view shows.
    highest_rate : float or None
        The highest learning rate of the run (it can be changed while training): when it was
        well above the final one, that is what the advice blames.
    """
    losses = [v for v in history.get("train_loss", [])[run_start:] if v is not None]
    n = len(losses)
    if n == 0:
        return "Training stopped before the first epoch ended.", "info"
    raised = highest_rate is not None and highest_rate > 1.5 * learning_rate
    if raised:  # the user turned it up and back down: blame the high value, not today's
        too_high = (f"the learning rate was {highest_rate:g} for part of this run (it is "
                    f"{learning_rate:g} now), which was probably too high")
        smaller = f"Keep it nearer {learning_rate:g}"
    else:
        too_high = f"the learning rate ({learning_rate:g}) is probably too high"
        smaller = f"Try {learning_rate / 10:g}"
    val_y = np.asarray(val_y) if val_y is not None and len(val_y) else np.asarray(dataset.y)
    last_val_acc = _last(history.get("val_acc", []))
    last_train_acc = _last(history.get("train_acc", []))
    classes = dataset.task == "classification"
    run_val_loss = [v for v in history.get("val_loss", [])[run_start:] if v is not None]
    # A training loss still falling while the validation loss climbs is memorising, not a
    # network that learns slowly: where it applies, that evidence comes first.
    if classes:
        trend = loss_trend(losses, naive_loss=math.log(max(2, dataset.n_classes)))
    else:
        y = np.asarray(dataset.y, dtype=float)
        trend = loss_trend(losses, naive_loss=float(np.nanmean(y * y)) if y.size else None)
    memorising = _memorising(run_val_loss, losses, run_start, trend)
    if classes:
        counts = np.bincount(val_y.astype(np.int64).ravel(), minlength=dataset.n_classes)
        majority = dataset.class_names[int(counts.argmax())]
        baseline = counts.max() / max(1, counts.sum())
        acc = last_val_acc if last_val_acc is not None else last_train_acc
        if acc is not None and acc <= baseline + 0.02 and dataset.n_classes > 1:
            return (f"The network has not learned: it gets {_pct(acc)} right, no better than always "
                    f"answering “{majority}” ({_pct(baseline)}). "
                    + (memorising.strip() or _advice(trend, losses, too_high, smaller, learning_rate)),
                    "warning")
    run_val_acc = [v for v in history.get("val_acc", [])[run_start:] if v is not None]
    if len(run_val_acc) >= 5 and max(run_val_acc) - run_val_acc[-1] > 0.10:
        best = max(run_val_acc)
        at = run_start + run_val_acc.index(best) + 1
        fell = (f"validation accuracy reached {_pct(best)} at epoch {at} but ended at "
                f"{_pct(run_val_acc[-1])}")
        if losses[-1] <= 1.05 * min(losses[len(losses) // 2:]):
            # The training loss kept falling meanwhile: memorising, not a too-large step.
            return (f"The network started memorising the training data (overfitting): {fell}, while "
                    "the training loss kept falling. Fewer epochs, more data, a Dropout layer or some "
                    "L2 penalty help; the loss plot marks the best epoch.", "warning")
        return (f"Training was unstable: {fell}. {too_high[0].upper()}{too_high[1:]}; "
                f"{smaller[0].lower()}{smaller[1:]}.", "warning")
    if trend == "rose":
        return (f"The training loss got worse during this run ({plain_number(losses[0])} → "
                f"{plain_number(losses[-1])}): "
                f"{too_high}. {smaller}, press Reset weights (Ctrl+R) and train again.", "warning")
    # Still improving at the end: on validation data when there is some (what counts).
    improving = loss_trend(run_val_loss or losses) == "falling"
    more = " The loss was still falling when the run ended: more epochs may improve it."
    if not classes:
        return _regression(dataset, val_y, losses, run_val_loss, trend, typical_errors, too_high,
                           smaller, learning_rate, improving, more, memorising)
    parts = [f"Training finished: {n} epochs."]
    if last_val_acc is not None:
        parts.append(f"Validation accuracy {_pct(last_val_acc)} (always answering “{majority}” "
                     f"would get {_pct(baseline)}).")
    if test_metrics is not None and test_metrics[1] is not None:
        parts.append(f"Test accuracy {_pct(test_metrics[1])} (data the network never saw).")
    if improving and (last_val_acc if last_val_acc is not None else last_train_acc or 0) < 1:
        parts.append(more.strip())
    return " ".join(parts), "info"


def _regression(dataset, val_y, losses, run_val_loss, trend, typical_errors, too_high, smaller,
                learning_rate, improving, more, memorising) -> tuple[str, str]:
    y = np.asarray(dataset.y, dtype=float)
    on_val = bool(run_val_loss)
    loss = run_val_loss[-1] if on_val else losses[-1]
    # The error of always answering the average, on the same rows as the loss.
    rows = np.asarray(val_y, dtype=float) if on_val else y
    centre = np.nanmean(y, axis=0) if y.size else 0.0
    baseline_mse = float(np.mean((rows - centre) ** 2)) if rows.size else 0.0
    if baseline_mse > 0 and loss > baseline_mse:
        return (f"The predictions are worse than always answering the average value (error "
                f"{plain_number(math.sqrt(loss))} vs {plain_number(math.sqrt(baseline_mse))}). "
                + (memorising.strip() or _advice(trend, losses, too_high, smaller, learning_rate)),
                "warning")
    val_err, test_err = typical_errors or (None, None)
    if val_err is None or not math.isfinite(val_err):
        val_err = math.sqrt(loss)
    text = f"Training finished: {len(losses)} epochs. Typical error (validation): {plain_number(val_err)}"
    if rows.size:
        text += f" (always answering the average: {plain_number(float(np.mean(np.abs(rows - centre))))})"
    if test_err is not None and math.isfinite(test_err):
        text += f"; on the test data, which training never saw: {plain_number(test_err)}"
    scale = (f" For scale: the values to predict range from {plain_number(np.nanmin(y))} to "
             f"{plain_number(np.nanmax(y))}.") if y.size else ""
    return text + "." + scale + (more if improving else memorising), "info"


def _memorising(run_val_loss: list, losses: list, run_start: int, trend: str) -> str:
    """A sentence when the validation loss turned back up while the training loss kept falling
    (for numbers, and for classes whose accuracy never rose); else ""."""
    if len(run_val_loss) < 5 or len(run_val_loss) != len(losses) or trend in ("rose", "jumped"):
        return ""  # a loss that rose or jumped points at the step size first
    best = int(np.argmin(run_val_loss))
    if run_val_loss[-1] <= OVERFIT_LOSS * run_val_loss[best] or losses[-1] > 0.95 * losses[best]:
        return ""
    # plain_number: a price model's loss is in the tens of millions; "7.14e+07" reads as code.
    return (f" The network started memorising the training data (overfitting): the validation loss "
            f"was lowest at epoch {run_start + best + 1} ({plain_number(run_val_loss[best])}) and "
            f"ended at {plain_number(run_val_loss[-1])}, while the training loss kept falling. "
            "Fewer epochs, a Dropout layer or some L2 penalty help; the loss plot marks the best "
            "epoch.")


def _last(values: list):
    for v in reversed(values):
        if v is not None:
            return v
    return None
