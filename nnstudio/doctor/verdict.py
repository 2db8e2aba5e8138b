"""Plain-words verdict on a finished training run (pure python: no Qt here).

A run that "finished" is not always a success: a learning rate that is too high can leave a
network that answers the same class for everything, or a loss that grew. The window says so
and what to try, instead of only "finished".
"""
from __future__ import annotations

import math

import numpy as np


def _pct(x: float) -> str:
    return f"{x:.1%}"


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
        Validation targets (used for the "always the same answer" baseline).
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
    smaller = f"{learning_rate / 10:g}"
    raised = highest_rate is not None and highest_rate > 1.5 * learning_rate
    if raised:  # the user turned it up and back down: blame the high value, not today's
        too_high = (f"the learning rate was {highest_rate:g} for part of this run (it is "
                    f"{learning_rate:g} now), which was probably too high")
        advice = f"Keep it nearer {learning_rate:g}"
    else:
        too_high = f"the learning rate ({learning_rate:g}) is probably too high"
        advice = f"Try {smaller}"
    last_val_acc = _last(history.get("val_acc", []))
    last_train_acc = _last(history.get("train_acc", []))
    if dataset.task == "classification":
        acc = last_val_acc if last_val_acc is not None else last_train_acc
        counts = np.bincount(np.asarray(val_y if len(val_y) else dataset.y), minlength=dataset.n_classes)
        majority = counts.argmax()
        baseline = counts.max() / max(1, counts.sum())
        if acc is not None and acc <= baseline + 0.02 and dataset.n_classes > 1:
            return (f"The network has not learned: it gets {_pct(acc)} right, no better than always "
                    f"answering “{dataset.class_names[majority]}” ({_pct(baseline)}). Try a smaller "
                    f"learning rate (now {learning_rate:g}; try {smaller}), press Reset weights (Ctrl+R) "
                    "and train again.", "warning")
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
                f"{advice[0].lower()}{advice[1:]}.", "warning")
    if n >= 3 and losses[-1] > losses[0] * 1.05:
        return (f"The training loss got worse during this run ({losses[0]:.3g} → {losses[-1]:.3g}): "
                f"{too_high}. {advice}, press Reset weights (Ctrl+R) and train again.", "warning")
    if dataset.task == "regression":
        target_var = float(np.var(dataset.y)) or 1.0
        val_loss = _last(history.get("val_loss", [])) or losses[-1]
        if val_loss > target_var:
            return (f"The predictions are worse than always answering the average value (error "
                    f"{math.sqrt(val_loss):.3g} vs {math.sqrt(target_var):.3g}). Try a smaller learning "
                    f"rate (try {smaller}), Reset weights (Ctrl+R) and train again.", "warning")
        val_err, test_err = typical_errors or (None, None)
        if val_err is None or not math.isfinite(val_err):
            val_err = math.sqrt(val_loss)
        text = f"Training finished: {n} epochs. Typical error (validation): {val_err:.3g}"
        if test_err is not None and math.isfinite(test_err):
            text += f"; on the test data, which training never saw: {test_err:.3g}"
        y = np.asarray(dataset.y, dtype=float)
        scale = (f" For scale: the values to predict range from {np.nanmin(y):.3g} to "
                 f"{np.nanmax(y):.3g}.") if y.size else ""
        return text + "." + scale, "info"
    parts = [f"Training finished: {n} epochs."]
    if last_val_acc is not None:
        parts.append(f"Validation accuracy {_pct(last_val_acc)}.")
    if test_metrics is not None and test_metrics[1] is not None:
        parts.append(f"Test accuracy {_pct(test_metrics[1])} (data the network never saw).")
    return " ".join(parts), "info"


def _last(values: list):
    for v in reversed(values):
        if v is not None:
            return v
    return None
