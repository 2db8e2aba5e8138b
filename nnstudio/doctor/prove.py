"""Proving a fix: a short run with it and one without it, from the same starting weights and
seed, with the real engine, and a sentence saying whether it helped (pure python, no Qt).

The inputs are plain data (:class:`ProofSetup`: configs and arrays), so the window can run a
proof in a worker thread or send it to a trainer process; :func:`prove_fix` checks a
``cancelled()`` callable between epochs and reports ``progress(fraction)``.

What counts as "helped" is deliberately strict (:data:`~nnstudio.doctor.thresholds.PROOF_LOSS`,
:data:`~nnstudio.doctor.thresholds.PROOF_ACC`): one seed's runs differ by a few per cent on
their own, so a smaller gap is reported as "no clear difference".
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from nnstudio.doctor import thresholds as T
from nnstudio.doctor.fixes import Fix
from nnstudio.doctor.render import plain_number

#: The per-epoch values a proof run keeps.
_KEYS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "learning_rate")
#: What a proof can conclude.
OUTCOMES = ("helped", "no_difference", "worse", "cancelled")


@dataclass
class ProofSetup:
    """Everything a proof run needs, as plain data (picklable).

    Attributes
    ----------
    network : dict
        ``Network.get_config()`` (layers, loss, target scaling).
    training : dict
        The project's training settings (optimizer, batch size, seed, policies ...).
    X_train : ndarray of shape (n_train, n_features)
        Scaled as the network sees them; ``y_train`` of shape (n_train,) or (n_train, k).
    X_val, y_val : ndarray or None
        Validation rows (None or empty: the proof compares training scores).
    weights : dict of str to ndarray, or None
        The weights both runs start from, by name (``"dense_1/W"``); None: fresh weights
        drawn with the proof's seed. Layers a fix reshapes start fresh (named in the proof).
    dtype : str
        The network's float type.
    """

    network: dict
    training: dict
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    weights: dict | None = None
    dtype: str = "float32"

    @property
    def has_validation(self) -> bool:
        return self.X_val is not None and self.y_val is not None and len(self.X_val) > 0

    @property
    def settings(self) -> dict:
        """``{"training", "layers"}``: what :meth:`Fix.apply` edits."""
        return {"training": self.training, "layers": self.network.get("layers", [])}


def setup_from_session(session, weights: dict | None = None) -> ProofSetup:
    """A :class:`ProofSetup` from an open :class:`~nnstudio.project.Session` (copies).

    ``weights``: the starting weights by name; None for fresh ones (e.g. the weights the
    last run started from, which the window may have kept, are the fairest start).
    """
    import copy

    data = session.scaled_split
    network = session.network
    return ProofSetup(copy.deepcopy(network.get_config()), copy.deepcopy(session.project.training),
                      data.train.X, data.train.y, data.val.X, data.val.y,
                      None if weights is None else {k: np.array(v) for k, v in weights.items()},
                      network.dtype.str)


def setup_from_project(project, dataset=None) -> ProofSetup:
    """A :class:`ProofSetup` for a project (its data loaded unless ``dataset`` is given),
    starting from fresh weights."""
    from nnstudio.project import Session

    return setup_from_session(Session.open(project.copy(), dataset=dataset))


@dataclass
class ProofRun:
    """One of the two runs.

    Attributes
    ----------
    history : dict of str to list
        Per epoch: ``epoch``, ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc``,
        ``learning_rate`` (None where not measured).
    final : dict
        Scores of the weights the run ended with (after any go-back-to-best), ``val_loss``,
        ``val_acc``, ``train_loss``, ``train_acc`` (None where not measured).
    stopped : str or None
        Why a stop rule ended it early, in words.
    diverged_epoch : int or None
        The epoch in which the loss stopped being finite.
    """

    history: dict = field(default_factory=lambda: {k: [] for k in _KEYS})
    final: dict = field(default_factory=dict)
    stopped: str | None = None
    diverged_epoch: int | None = None

    def to_dict(self) -> dict:
        return {"history": self.history, "final": self.final, "stopped": self.stopped,
                "diverged_epoch": self.diverged_epoch}


@dataclass
class Proof:
    """The outcome of :func:`prove_fix`.

    Attributes
    ----------
    fix : Fix
    without, with_fix : ProofRun
        The run without and with the fix (the plot overlays their histories).
    metric : str
        What was compared: ``"val_loss"``, ``"val_acc"``, ``"train_loss"`` or ``"train_acc"``.
    before, after : float or None
        That score of the final weights without and with the fix (None: diverged, cancelled).
    outcome : str
        One of :data:`OUTCOMES`.
    sentence : str
        "With the fix, validation loss ended at 0.31 instead of 0.52: it helped."
    epochs, seed : int
        Epochs each run was given, and the seed both used.
    fresh_layers : list of str
        Parameters of the fixed network that started from fresh weights (a fix changed
        their shape), e.g. ``["dense_1/W", ...]``.
    """

    fix: Fix
    without: ProofRun
    with_fix: ProofRun
    metric: str
    before: float | None
    after: float | None
    outcome: str
    sentence: str
    epochs: int
    seed: int
    fresh_layers: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"fix": self.fix.to_dict(), "without": self.without.to_dict(),
                "with_fix": self.with_fix.to_dict(), "metric": self.metric, "before": self.before,
                "after": self.after, "outcome": self.outcome, "sentence": self.sentence,
                "epochs": self.epochs, "seed": self.seed, "fresh_layers": list(self.fresh_layers)}


class _Cancelled(Exception):
    pass


def prove_fix(setup, fix: Fix, epochs: int | None = None, seed: int | None = None,
              cancelled: Callable[[], bool] | None = None,
              progress: Callable[[float], None] | None = None) -> Proof:
    """Run ``epochs`` epochs without and with ``fix`` from the same weights and seed.

    Parameters
    ----------
    setup : ProofSetup or Session
        What to train (a Session is turned into a setup with fresh starting weights).
    fix : Fix
    epochs : int or None
        Epochs of each run; None: the training settings' epochs, at most
        :data:`~nnstudio.doctor.thresholds.PROOF_MAX_EPOCHS`.
    seed : int or None
        Seeds the fresh weights (when the setup has none), shuffling and dropout of both
        runs; None: the training settings' seed.
    cancelled : callable or None
        Asked between epochs; when it returns True the proof ends with outcome
        ``"cancelled"``.
    progress : callable or None
        Called with the fraction done (0..1) after each epoch of either run.

    Returns
    -------
    Proof
    """
    if not isinstance(setup, ProofSetup):
        setup = setup_from_session(setup)
    training = setup.training
    if epochs is None:
        epochs = min(int(training.get("epochs", 100)), T.PROOF_MAX_EPOCHS)
    seed = int(training.get("seed", 0) if seed is None else seed)
    fixed = fix.apply(setup.settings)
    metric = fix.judge_by if setup.has_validation else fix.judge_by.replace("val_", "train_")
    is_classes = _classifies(setup.network)
    if metric.endswith("_acc") and not is_classes:
        metric = metric.replace("_acc", "_loss")
    runs: list[ProofRun] = []
    fresh: list[str] = []
    try:
        for i, (network_config, train_settings) in enumerate((
                (setup.network, training),
                ({**setup.network, "layers": fixed["layers"]}, fixed["training"]))):
            done = i * epochs

            def tick(epoch: int, done: int = done) -> None:
                if cancelled is not None and cancelled():
                    raise _Cancelled
                if progress is not None:
                    progress(min(1.0, (done + epoch) / (2 * epochs)))

            run, new = _run(setup, network_config, train_settings, epochs, seed, tick)
            runs.append(run)
            if i == 1:
                fresh = new
    except _Cancelled:
        runs += [ProofRun()] * (2 - len(runs))
        return Proof(fix, runs[0], runs[1], metric, None, None, "cancelled",
                     "The comparison was cancelled before it finished.", epochs, seed, fresh)
    if progress is not None:
        progress(1.0)  # a stop rule may have ended a run before its last epoch
    before, after = (r.final.get(metric) for r in runs)
    outcome = _outcome(metric, runs[0], runs[1], before, after)
    return Proof(fix, runs[0], runs[1], metric, before, after, outcome,
                 _sentence(metric, runs[0], runs[1], before, after, outcome), epochs, seed, fresh)


def _classifies(network_config: dict) -> bool:
    last = network_config.get("layers", [{}])[-1].get("config", {})
    return last.get("activation") in ("softmax", "sigmoid")


def _run(setup: ProofSetup, network_config: dict, training: dict, epochs: int, seed: int,
         tick) -> tuple[ProofRun, list[str]]:
    """One proof run; returns it and the parameters that started fresh."""
    from nnstudio.engine import Diverged, EpochRecord, Network, fit, optimizer_from_config
    from nnstudio.project.defaults import stop_for_validation
    from nnstudio.project.run_policies import run_policies

    network = Network.from_config(network_config, seed=seed, dtype=np.dtype(setup.dtype))
    fresh: list[str] = []
    if setup.weights is not None:
        fresh = list(network.load_weights(setup.weights, skip_mismatch=True).new)
    optimizer = optimizer_from_config(training["optimizer"])
    validation = None
    if setup.X_val is not None and setup.y_val is not None and len(setup.X_val):
        validation = (setup.X_val, setup.y_val)
    run = ProofRun()
    training = stop_for_validation(training, validation is not None)[0]  # as the window's run
    gen = fit(network, setup.X_train, setup.y_train, optimizer=optimizer, epochs=epochs,
              batch_size=int(training.get("batch_size", 32)), seed=seed, validation=validation,
              **run_policies(training))
    try:
        for rec in gen:
            if not isinstance(rec, EpochRecord):
                continue
            for key in _KEYS:
                value = getattr(rec, key)
                run.history[key].append(None if value is None or not math.isfinite(value)
                                        else float(value))
            run.stopped = rec.stopped
            tick(rec.epoch)
    except Diverged as exc:
        run.diverged_epoch = exc.epoch
    finally:
        gen.close()
    with np.errstate(all="ignore"):
        train_loss, train_acc = network.evaluate(setup.X_train, setup.y_train)
        run.final = {"train_loss": _finite(train_loss), "train_acc": _finite(train_acc)}
        if validation is not None:
            val_loss, val_acc = network.evaluate(*validation)
            run.final.update(val_loss=_finite(val_loss), val_acc=_finite(val_acc))
    return run, fresh


def _finite(x) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _outcome(metric: str, without: ProofRun, with_fix: ProofRun, before, after) -> str:
    if with_fix.diverged_epoch is not None and without.diverged_epoch is None:
        return "worse"
    if without.diverged_epoch is not None:
        return "helped" if with_fix.diverged_epoch is None else "no_difference"
    if before is None or after is None:
        return "no_difference"
    if metric.endswith("_acc"):
        gain = after - before
        return "helped" if gain >= T.PROOF_ACC else "worse" if gain <= -T.PROOF_ACC else "no_difference"
    first = next((v for v in without.history[metric] if v is not None), None)
    floor = T.PROOF_FLOOR * abs(first) if first is not None else 0.0
    if abs(after - before) <= floor:
        return "no_difference"
    if after < before * (1 - T.PROOF_LOSS):
        return "helped"
    if after > before * (1 + T.PROOF_LOSS):
        return "worse"
    return "no_difference"


def _words(metric: str) -> str:
    part, what = metric.split("_")
    return f"{'validation' if part == 'val' else 'training'} {'accuracy' if what == 'acc' else 'loss'}"


def _value(metric: str, x: float) -> str:
    return f"{x:.1%}" if metric.endswith("_acc") else plain_number(x)


_VERDICT = {"helped": "it helped.", "worse": "it made things worse.",
            "no_difference": "it made no clear difference."}


def _sentence(metric: str, without: ProofRun, with_fix: ProofRun, before, after, outcome) -> str:
    what = _words(metric)
    if without.diverged_epoch is not None and with_fix.diverged_epoch is not None:
        return (f"Training diverged with the fix too (in epoch {with_fix.diverged_epoch}; without "
                f"it in epoch {without.diverged_epoch}): it did not help.")
    if without.diverged_epoch is not None:
        ended = f"{what} ended at {_value(metric, after)}" if after is not None else "it trained"
        return (f"Without the fix training diverged in epoch {without.diverged_epoch}; with it, "
                f"{ended}: {_VERDICT[outcome]}")
    if with_fix.diverged_epoch is not None:
        return (f"With the fix training diverged in epoch {with_fix.diverged_epoch}; without it, "
                f"{what} ended at {_value(metric, before)}: {_VERDICT[outcome]}")
    if before is None or after is None:
        return f"The {what} could not be compared: {_VERDICT[outcome]}"
    tail = _VERDICT[outcome]
    if outcome == "no_difference" and metric.endswith("_acc"):
        tail = f"it made no clear difference (less than {T.PROOF_ACC * 100:g} points apart)."
    elif outcome == "no_difference" and abs(after - before) <= T.PROOF_LOSS * abs(before):
        tail = f"it made no clear difference (less than {T.PROOF_LOSS:.0%} apart)."
    elif outcome == "no_difference":
        tail = "it made no clear difference (both are close to zero)."
    return (f"With the fix, {what} ended at {_value(metric, after)} instead of "
            f"{_value(metric, before)}: {tail}")
