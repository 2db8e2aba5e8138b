"""The doctor's rules, live (cheap, from the history alone: call every few epochs) and after a
run (they may look at the network and the data once).

- :func:`live_findings`: what a run shows so far: ``exploded``, the curve findings
  (``unstable``, ``loss_rose``, ``overfitting``, ``overconfident``), ``flat`` (its cause read
  from the curves) and ``too_little_data``. Vectorised; no network needed.
- :func:`after_run_findings`: the same, with the ``flat`` cause settled by measuring the dead
  ReLU neurons on the training rows (:func:`~nnstudio.doctor.neurons.dead_relu_share`).
- :func:`exploded_finding`: from the :class:`~nnstudio.engine.Diverged` a run raised.
"""
from __future__ import annotations

import numpy as np

from nnstudio.doctor import thresholds as T
from nnstudio.doctor.curves import as_array, curve_findings, rate_advice
from nnstudio.doctor.findings import Finding, Remedy
from nnstudio.doctor.neurons import DeadReLUs, dead_relu_share
from nnstudio.doctor.run_end import after_stop, kept_history, run_end_of


def exploded_finding(diverged, run_start: int = 0, learning_rate: float | None = None) -> Finding:
    """``exploded`` for a run that stopped because its loss became NaN or infinite.

    Parameters
    ----------
    diverged : Diverged or dict
        The exception fit raised (its ``epoch`` counts this run's epochs from 1, and its
        ``learning_rate`` is the rate of that epoch), or ``{"epoch", "learning_rate"}``.
    run_start : int
        Epochs trained before this run: the finding's epochs count over all runs.
    learning_rate : float or None
        Used when ``diverged`` does not carry the rate.
    """
    get = diverged.get if isinstance(diverged, dict) else lambda k: getattr(diverged, k, None)
    epoch = get("epoch")
    rate = get("learning_rate") if get("learning_rate") is not None else learning_rate
    at = None if epoch is None else run_start + int(epoch)
    good = None if at is None else at - 1
    evidence: dict = {"signal": "not_finite", "last_good_epoch": good}
    _, lower = rate_advice(rate, None)
    if rate is not None:
        evidence["learning_rate"] = float(rate)
    return Finding("exploded", "warning", at, evidence, (lower, Remedy("rewind", good)))


def _grew(epochs: np.ndarray, losses: np.ndarray, rate: float | None) -> Finding | None:
    """``exploded`` for a finite loss that grew to :data:`~T.EXPLODED` times its lowest."""
    if len(losses) < 2:
        return None
    lowest = np.minimum.accumulate(losses)[:-1]
    over = np.nonzero(losses[1:] > T.EXPLODED * np.maximum(lowest, 1e-12))[0]
    if not len(over):
        return None
    i = int(over[0]) + 1
    _, lower = rate_advice(rate, None)
    evidence = {"signal": "grew", "lowest_before": float(lowest[i - 1]),
                "grew_to": float(losses[i]), "last_good_epoch": int(epochs[i - 1])}
    if rate is not None:
        evidence["learning_rate"] = float(rate)
    return Finding("exploded", "warning", int(epochs[i]), evidence,
                   (lower, Remedy("rewind", int(epochs[i - 1]))))


def data_size_finding(n_params: int | None, n_train: int | None) -> Finding | None:
    """``too_little_data`` when the network has more than
    :data:`~nnstudio.doctor.thresholds.WEIGHTS_PER_ROW` weights per training row."""
    if not n_params or not n_train or n_params <= T.WEIGHTS_PER_ROW * n_train:
        return None
    return Finding("too_little_data", "warning", None,
                   {"weights": int(n_params), "rows": int(n_train),
                    "weights_per_row": float(n_params / n_train)},
                   (Remedy("more_data"), Remedy("fewer_neurons"), Remedy("l2", 0.001),
                    Remedy("restore_best")))


def flat_finding(epochs, train_loss, val_loss=None, naive_loss: float | None = None,
                 learning_rate: float | None = None,
                 dead: DeadReLUs | None = None) -> Finding | None:
    """``flat`` when both losses barely moved over the last half of the run and stayed high.

    The cause: ``dead_relus`` when ``dead`` (measured) has at least
    :data:`~nnstudio.doctor.thresholds.DEAD_SHARE` of the hidden ReLU neurons silent;
    ``rate_too_low`` when the training loss still fell in most epochs of the last half, and
    by about as much as in the first half (learning at a slow, even pace, not settling);
    ``too_small`` otherwise (settled where this network can get).
    """
    e, train = as_array(epochs), as_array(train_loss)
    ok = np.isfinite(train)
    e, losses = e[ok], train[ok]
    n = len(losses)
    if n < T.FLAT_MIN_EPOCHS:
        return None
    half = n // 2
    if not _flat_and_high(losses, half, naive_loss):
        return None
    evidence: dict = {"epochs": n, "first_loss": float(losses[0]), "final_loss": float(losses[-1]),
                      "half_loss": float(losses[half])}
    if val_loss is not None:
        val = as_array(val_loss)
        val = val[np.isfinite(val)]
        if len(val) >= T.FLAT_MIN_EPOCHS:
            if not _flat_and_high(val, len(val) // 2, naive_loss):
                return None
            evidence["final_val_loss"] = float(val[-1])
    if naive_loss:
        evidence["naive_loss"] = float(naive_loss)
    if learning_rate is not None:
        evidence["learning_rate"] = float(learning_rate)
    tail = losses[half:]
    falls = float(np.mean(tail[1:] < tail[:-1]))
    evidence["falling_share"] = falls
    if dead is not None:
        evidence.update(dead_neurons=dead.dead, relu_neurons=dead.total, rows_checked=dead.rows)
    advice: tuple[Remedy, ...]
    if dead is not None and dead.total and dead.share >= T.DEAD_SHARE:
        lower = None if learning_rate is None else learning_rate / T.RATE_STEP
        cause, advice = "dead_relus", (Remedy("leaky_relu"), Remedy("lower_rate", lower),
                                       Remedy("reset"))
    elif falls >= T.FLAT_STEADY and \
            losses[half] - losses[-1] >= T.FLAT_PACE * (losses[0] - losses[half]):
        cause = "rate_too_low"
        advice = (Remedy("raise_rate", None if learning_rate is None else learning_rate * T.RATE_STEP),)
    else:
        cause, advice = "too_small", (Remedy("more_neurons"),)
    evidence["cause"] = cause
    return Finding("flat", "warning", None, evidence, advice)


def _flat_and_high(losses: np.ndarray, half: int, naive_loss: float | None) -> bool:
    """The last half fell by under FLAT_FALL, and the loss stayed above FLAT_HIGH of where
    it started (or of the naive answer's loss)."""
    start, mid, end = float(losses[0]), float(losses[half]), float(losses[-1])
    if mid <= 0 or end < (1 - T.FLAT_FALL) * mid:
        return False
    reference = naive_loss if naive_loss else start
    return end >= T.FLAT_HIGH * reference


def live_findings(history: dict, run_start: int = 0, *, learning_rate: float | None = None,
                  highest_rate: float | None = None, n_params: int | None = None,
                  n_train: int | None = None, naive_loss: float | None = None,
                  diverged=None, images: bool = False, dead: DeadReLUs | None = None,
                  network=None, X_train: np.ndarray | None = None,
                  run_end=None) -> list[Finding]:
    """The findings of the run so far, most urgent first (cheap: call every few epochs).

    Parameters
    ----------
    history : dict
        The project's history (lists ``epoch``, ``train_loss``, ``val_loss``, ``val_acc``
        ...; None where not measured).
    run_start : int
        Index of this run's first epoch in the history lists.
    learning_rate, highest_rate : float or None
        The rate now and the highest of the run: the advice names the rate to try.
    n_params, n_train : int or None
        The network's weights and the training rows (``too_little_data``).
    naive_loss : float or None
        The loss of a constant answer (ln(n_classes) for classes): ``flat`` judges "high"
        against it.
    diverged : Diverged, dict or None
        When the run stopped because the loss stopped being finite: the finding is
        ``exploded`` (with the rate to try and the epoch to rewind to).
    images : bool
        Image data: memorising also suggests augmentation.
    dead : DeadReLUs or None
        A measurement of the silent neurons, when the caller made one.
    network, X_train : Network and ndarray of shape (n_train, n_features), or None
        When given and the curves are flat, the silent ReLU neurons are measured on (at most
        10,000 of) the training rows to tell dead ReLUs from a network too small; without
        them a flat run is put down to the rate or the size only.
    run_end : EpochRecord, RunEnd or None
        The run's last epoch record, when it has ended: after early stopping went back to its
        best epoch the findings judge the history up to that epoch (the weights kept), and
        no finding suggests early stopping or more epochs again
        (:mod:`~nnstudio.doctor.run_end`).

    Returns
    -------
    list of Finding
        At most one of ``exploded`` / the curve findings / ``flat``, then ``too_little_data``.
    """
    end = run_end_of(run_end, run_start) if diverged is None else None
    history = kept_history(history, run_start, end)
    column = {k: as_array(list(history.get(k, [])[run_start:]))
              for k in ("train_loss", "val_loss", "val_acc")}
    n = len(column["train_loss"])
    epochs = np.arange(run_start + 1, run_start + n + 1, dtype=float)
    for k in ("val_loss", "val_acc"):
        if len(column[k]) != n:
            column[k] = np.full(n, np.nan)
    found: list[Finding] = []
    ok = np.isfinite(column["train_loss"])
    if diverged is not None:
        found.append(exploded_finding(diverged, run_start, learning_rate))
    else:
        grew = _grew(epochs[ok], column["train_loss"][ok], learning_rate)
        if grew is not None:
            found.append(grew)
    if not found:
        curve = curve_findings(epochs, column["train_loss"], column["val_loss"], column["val_acc"],
                               learning_rate, highest_rate)
        if images:
            curve = [with_augment(f) for f in curve]
        found += curve
    if not found:
        flat = flat_finding(epochs, column["train_loss"], column["val_loss"], naive_loss,
                            learning_rate, dead)
        if flat is not None and dead is None and network is not None and X_train is not None:
            dead = dead_relu_share(network, X_train, max_rows=10_000)
            flat = flat_finding(epochs, column["train_loss"], column["val_loss"], naive_loss,
                                learning_rate, dead)
        if flat is not None:
            found.append(flat)
    size = data_size_finding(n_params, n_train)
    if size is not None:
        found.append(with_augment(size) if images else size)
    return after_stop(found, end)


def with_augment(f: Finding) -> Finding:
    if f.kind not in ("overfitting", "too_little_data"):
        return f
    from dataclasses import replace

    return replace(f, advice=f.advice + (Remedy("augment"),))


def after_run_findings(history: dict, run_start: int, network, X_train: np.ndarray, *,
                       learning_rate: float | None = None, highest_rate: float | None = None,
                       naive_loss: float | None = None, diverged=None,
                       images: bool = False, run_end=None) -> list[Finding]:
    """:func:`live_findings` for a finished run, with the network and its training rows: the
    weights and rows are counted, and flat curves get their cause measured (``run_end``: the
    run's last epoch record)."""
    return live_findings(history, run_start, learning_rate=learning_rate,
                         highest_rate=highest_rate, n_params=int(network.n_params),
                         n_train=len(X_train), naive_loss=naive_loss, diverged=diverged,
                         images=images, network=network, X_train=X_train, run_end=run_end)
