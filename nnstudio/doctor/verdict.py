"""The verdict on a finished training run, as findings (pure python: no Qt here).

A run that "finished" is not always a success: a learning rate that is too high can leave a
network that answers the same class for everything, or a loss that grew. The verdict says so
and what to try. The curves are read by :func:`~nnstudio.doctor.curves.curve_findings`, the
same reading the hints under the loss plot show while the run goes; the advice for a run that
did not learn follows what the loss did (:func:`~nnstudio.doctor.curves.loss_trend`): a smaller
learning rate only when the loss rose or jumped, more epochs or a larger rate when it was still
falling steadily when the run ended.
"""
from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import replace

import numpy as np

from nnstudio.doctor import thresholds as T
from nnstudio.doctor.curves import as_array, curve_findings, jump_finding, loss_trend, tail_window
from nnstudio.doctor.findings import Finding, Remedy, level
from nnstudio.doctor.run_end import RunEnd, after_stop, kept_history, run_end_of, stopped_finding

#: What the window's verdict says instead of a finding shown under the loss plot.
ELSEWHERE = "What the curves show is said under the loss plot."


def diagnose_run(history: dict, run_start: int, dataset, val_y, test_metrics: tuple | None,
                 learning_rate: float, typical_errors: tuple | None = None,
                 highest_rate: float | None = None, stopped: bool = False, *,
                 network=None, X_train=None, diverged=None, run_end=None) -> list[Finding]:
    """The findings for the epochs ``history[...][run_start:]`` of one run, most important first.

    Parameters
    ----------
    history : dict
        The project's history (lists of per-epoch metrics; None where not measured).
    run_start : int
        Index of this run's first epoch in the history lists.
    dataset : Dataset
        For the task, class names and targets.
    val_y : ndarray of shape (n_val,) or (n_val, n_outputs)
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
    stopped : bool
        The user stopped the run (the ``finished`` finding says "stopped").
    network, X_train : Network and ndarray of shape (n_train, n_features), or None
        When given, the newer rules join in (:func:`~nnstudio.doctor.after_run_findings`):
        a loss that exploded, flat curves and their cause (dead ReLU neurons measured on
        ``X_train``), too few rows for the weights.
    diverged : Diverged or None
        The run stopped because its loss stopped being finite: the verdict is ``exploded``.
    run_end : EpochRecord, RunEnd or None
        The run's last epoch record (or :class:`~nnstudio.doctor.run_end.RunEnd`): when its
        stop rule ended the run, a ``stopped`` finding comes first and says so; after early
        stopping went back to its best epoch the rest judges that epoch's weights (the ones
        kept), and neither early stopping nor more epochs are suggested again.
    """
    end = run_end_of(run_end, run_start) if diverged is None else None
    if end is not None:
        return _after_stop(history, run_start, dataset, val_y, test_metrics, learning_rate,
                           typical_errors, highest_rate, network, X_train, end)
    if network is not None and X_train is not None or diverged is not None:
        return _with_newer_rules(history, run_start, dataset, val_y, test_metrics, learning_rate,
                                 typical_errors, highest_rate, stopped, network, X_train, diverged)
    n_rows = len(history.get("train_loss", [])[run_start:])
    column = {k: _column(history, k, run_start, n_rows)
              for k in ("train_loss", "val_loss", "val_acc", "train_acc")}
    column["epoch"] = np.arange(run_start + 1, run_start + n_rows + 1, dtype=float)
    ok = np.isfinite(column["train_loss"])
    losses, epochs = column["train_loss"][ok], column["epoch"][ok]
    if len(losses) == 0:
        return [Finding("no_epochs")]
    classes = dataset.task == "classification"
    naive: float | None
    if classes:
        naive = math.log(max(2, dataset.n_classes))
    else:
        y = np.asarray(dataset.y, dtype=float)
        naive = float(np.nanmean(y * y)) if y.size else None
    trend = loss_trend(losses, naive_loss=naive)
    curve = curve_findings(column["epoch"], column["train_loss"], column["val_loss"],
                           column["val_acc"], learning_rate, highest_rate)
    if trend == "jumped" and not (curve and curve[0].kind in ("unstable", "loss_rose")):
        # Far above a naive answer, which the plot cannot know: that overshoot points at the
        # step size first (as a jump does), however the validation scores went meanwhile.
        # It finds the jump: loss_trend said "jumped" from the same losses and naive loss.
        found = jump_finding(losses, epochs, naive, learning_rate, highest_rate)
        curve = [found] if found is not None else curve
    cause = curve[0] if curve else _trend_finding(trend, losses, learning_rate)
    val_y = np.asarray(val_y) if val_y is not None and len(val_y) else np.asarray(dataset.y)
    if not classes:
        return _regression(dataset, val_y, losses, column["val_loss"], curve, cause,
                           typical_errors, stopped)
    counts = np.bincount(val_y.astype(np.int64).ravel(), minlength=dataset.n_classes)
    majority = dataset.class_names[int(counts.argmax())]
    baseline = float(counts.max() / max(1, counts.sum()))
    acc, on = _last(column["val_acc"]), "validation"
    if acc is None:
        acc, on = _last(column["train_acc"]), "training"
    if acc is not None and acc <= baseline + T.NOT_LEARNED_MARGIN and dataset.n_classes > 1:
        return [Finding("not_learned", "warning", None,
                        {"accuracy": acc, "on": on, "baseline": baseline, "majority": majority}),
                _fresh_start(cause)]
    if curve and curve[0].kind in ("unstable", "loss_rose") and \
            (curve[0].kind == "loss_rose" or curve[0].evidence.get("signal") == "val_acc"):
        return curve  # the run got worse: that is the verdict, not its scores
    evidence = {"epochs": len(losses), "stopped": stopped, "baseline": baseline,
                "majority": majority}
    if _last(column["val_acc"]) is not None:
        evidence["val_accuracy"] = _last(column["val_acc"])
    if test_metrics is not None and test_metrics[1] is not None:
        evidence["test_accuracy"] = float(test_metrics[1])
    findings = [Finding("finished", "info", None, evidence)]
    if _improving(column["val_loss"], losses) and not curve and (acc if acc is not None else 0) < 1:
        findings.append(Finding("still_improving", "info", None, {}, (Remedy("more_epochs"),)))
    return findings + curve


def _after_stop(history, run_start, dataset, val_y, test_metrics, learning_rate, typical_errors,
                highest_rate, network, X_train, end: RunEnd) -> list[Finding]:
    """The verdict on a run its stop rule ended: ``stopped``, then the findings on the weights
    kept (see :mod:`~nnstudio.doctor.run_end`)."""
    memorised = False
    if end.restored_epoch is not None:  # what the thrown-away epochs did, said in words only
        n = len(history.get("train_loss", [])[run_start:])
        train, val, acc = (_column(history, k, run_start, n)
                           for k in ("train_loss", "val_loss", "val_acc"))
        epochs = np.arange(run_start + 1, run_start + n + 1, dtype=float)
        memorised = any(f.kind == "overfitting" for f in
                        curve_findings(epochs, train, val, acc, learning_rate, highest_rate))
    kept = kept_history(history, run_start, end)
    found = after_stop(diagnose_run(kept, run_start, dataset, val_y, test_metrics, learning_rate,
                                    typical_errors, highest_rate, network=network, X_train=X_train),
                       end)
    found = [replace(f, evidence={**f.evidence, "after_stop": True}) if f.kind == "finished" else f
             for f in found]
    return [stopped_finding(end, history, run_start, memorised)] + found


def _naive(dataset) -> float | None:
    """The loss of a constant answer: ln(n_classes), or mean(y²) for numbers."""
    if dataset.task == "classification":
        return math.log(max(2, dataset.n_classes))
    y = np.asarray(dataset.y, dtype=float)
    return float(np.nanmean(y * y)) if y.size else None


#: Findings the newer rules replace: one cause, said once.
_REPLACED = {"exploded": {"unstable", "loss_rose", "still_improving", "stalled", "too_short"},
             "flat": {"still_improving", "stalled"}}


def _with_newer_rules(history, run_start, dataset, val_y, test_metrics, learning_rate,
                      typical_errors, highest_rate, stopped, network, X_train,
                      diverged) -> list[Finding]:
    from nnstudio.doctor.live import live_findings

    images = getattr(dataset, "image_shape", None) is not None
    n_params = int(network.n_params) if network is not None else None
    n_train = len(X_train) if X_train is not None else None
    newer = live_findings(history, run_start, learning_rate=learning_rate,
                          highest_rate=highest_rate, n_params=n_params, n_train=n_train,
                          naive_loss=_naive(dataset), diverged=diverged, images=images,
                          network=network, X_train=X_train)
    if diverged is not None:
        return newer
    base = diagnose_run(history, run_start, dataset, val_y, test_metrics, learning_rate,
                        typical_errors, highest_rate, stopped)
    if images:
        from nnstudio.doctor.live import with_augment

        base = [with_augment(f) for f in base]
    kinds = {f.kind for f in newer}
    drop = set().union(*(_REPLACED.get(k, set()) for k in kinds))
    kept = [f for f in base if f.kind not in drop]
    extra = [f for f in newer if f.kind not in {k.kind for k in kept}]
    if extra and kept and kept[0].kind == "not_learned":  # the cause follows "not learned"
        return kept[:1] + extra + kept[1:]
    return kept + extra


def _regression(dataset, val_y, losses, val_loss, curve, cause, typical_errors,
                stopped) -> list[Finding]:
    y = np.asarray(dataset.y, dtype=float)
    run_val = val_loss[np.isfinite(val_loss)]
    on_val = bool(len(run_val))
    loss = float(run_val[-1] if on_val else losses[-1])
    # The error of always answering the average, on the same rows as the loss.
    rows = np.asarray(val_y, dtype=float) if on_val else y
    centre = np.nanmean(y, axis=0) if y.size else 0.0
    baseline_mse = float(np.mean((rows - centre) ** 2)) if rows.size else 0.0
    if curve and curve[0].kind == "loss_rose":
        return curve  # the run made things worse: that is the verdict, not its scores
    if baseline_mse > 0 and loss > baseline_mse:
        return [Finding("worse_than_average", "warning", None,
                        {"error": math.sqrt(loss), "average_error": math.sqrt(baseline_mse)}),
                _fresh_start(cause)]
    val_err, test_err = typical_errors or (None, None)
    if val_err is None or not math.isfinite(val_err):
        val_err = math.sqrt(loss)
    evidence = {"epochs": len(losses), "stopped": stopped, "typical_error": float(val_err)}
    if rows.size:
        evidence["average_error"] = float(np.mean(np.abs(rows - centre)))
    if test_err is not None and math.isfinite(test_err):
        evidence["test_typical_error"] = float(test_err)
    if y.size:
        evidence["target_min"], evidence["target_max"] = float(np.nanmin(y)), float(np.nanmax(y))
    findings = [Finding("finished", "info", None, evidence)]
    if _improving(val_loss, losses) and not curve:
        findings.append(Finding("still_improving", "info", None, {}, (Remedy("more_epochs"),)))
    return findings + curve


def _fresh_start(cause: Finding) -> Finding:
    """A network that learned nothing gains nothing from its weights: a rate remedy comes with
    training again from fresh ones."""
    kinds = {r.kind for r in cause.advice}
    if kinds & {"lower_rate", "keep_rate_near"} and "reset" not in kinds:
        return replace(cause, advice=cause.advice + (Remedy("reset"),))
    return cause


def _trend_finding(trend: str, losses: np.ndarray, learning_rate: float) -> Finding:
    """What the loss did, for a run that did not learn: the cause and what to try."""
    n = len(losses)
    if trend == "short":
        return Finding("too_short", "info", None, {"epochs": n}, (Remedy("more_epochs"),))
    if trend == "falling":
        window = tail_window(n)
        return Finding("still_improving", "info", None,
                       {"window": window, "loss_before": float(losses[-window - 1]),
                        "final_loss": float(losses[-1]), "learning_rate": learning_rate},
                       (Remedy("more_epochs"), Remedy("raise_rate", learning_rate * T.RATE_STEP)))
    # "flat" (rose and jumped arrive as curve findings)
    return Finding("stalled", "warning", None, {"final_loss": float(losses[-1])},
                   (Remedy("reset"), Remedy("other_rate_or_size")))


def _improving(val_loss: np.ndarray, losses: np.ndarray) -> bool:
    """Still improving at the end: on validation data when there is some (what counts)."""
    run_val = val_loss[np.isfinite(val_loss)]
    return loss_trend(run_val if len(run_val) else losses) == "falling"


def _column(history: dict, key: str, run_start: int, n: int) -> np.ndarray:
    """``history[key][run_start:]`` as floats, NaN where None (all NaN if not recorded)."""
    values = as_array(list(history.get(key, [])[run_start:]))
    return values if len(values) == n else np.full(n, np.nan)


def _last(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if len(finite) else None


def summarize_run(history: dict, run_start: int, dataset, val_y, test_metrics: tuple | None,
                  learning_rate: float, typical_errors: tuple | None = None,
                  highest_rate: float | None = None, stopped: bool = False,
                  for_: str = "window", run_end=None,
                  leave_out: Collection[str] = ()) -> tuple[str, str]:
    """``(message, level)`` for one run: :func:`diagnose_run` rendered for ``for_``
    (``run_end``: the run's last epoch record, see :func:`diagnose_run`).

    ``leave_out``: kinds of finding already in words elsewhere (the window's tips under the
    loss plot), so each is said once; the message then points there, and its level is that
    of what it says.
    """
    from nnstudio.doctor.render import render

    findings = diagnose_run(history, run_start, dataset, val_y, test_metrics, learning_rate,
                            typical_errors, highest_rate, stopped, run_end=run_end)
    shown = [f for f in findings if f.kind not in leave_out]
    text = render(shown, for_=for_)
    if len(shown) < len(findings):
        text += (" " if text else "") + ELSEWHERE
    return text, level(shown)


__all__ = ["diagnose_run", "summarize_run", "loss_trend"]
