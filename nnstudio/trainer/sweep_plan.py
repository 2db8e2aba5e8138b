"""What a sweep trains: the runs of "Which learning rate?" and "Would more data help?".

A plan is built from a :class:`~nnstudio.project.Session` and holds everything the runs
share: one set of fresh starting weights (drawn from the training seed, like Reset weights:
a sweep on weights already trained for one rate would favour small rates), the seed, the
validation part and the training settings. Each :class:`SweepRun` differs from the project's
settings in one thing only, which :func:`adopted_training` can carry over to the project.
"""
from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.errors import ConfigError
from nnstudio.trainer.driver import Job

if TYPE_CHECKING:
    from nnstudio.project.session import Session

#: Learning rates tried: the project's rate times these. Whole decades, two each way: short
#: runs then differ clearly (too slow / fine / unstable), four decades span the rates that
#: work for SGD and Adam alike, and asking again after adopting one re-centres the sweep.
RATE_FACTORS = (0.01, 0.1, 1.0, 10.0, 100.0)
#: Shares of the training part for "Would more data help?".
DATA_FRACTIONS = (0.1, 0.25, 0.5, 1.0)
#: A run needs at least this many training rows to say anything.
MIN_ROWS = 10
#: Default epochs: the project's, but a run sees at most about this many samples, so a sweep
#: on a big file stays a quick question (MNIST-sized: 20 epochs).
SAMPLE_BUDGET = 1_000_000
#: Schedule settings that are rates, scaled with the learning rate.
SCHEDULE_RATE_KEYS = ("rate", "final_rate", "min_rate")


@dataclass(frozen=True)
class SweepRun:
    """One run of a sweep.

    ``changes``: the training settings this run uses instead of the project's (see
    :func:`adopted_training`); ``rows``: indices into the training part (None = all of it).
    """

    index: int
    label: str
    learning_rate: float
    fraction: float
    n_train: int
    epochs: int
    changes: dict = field(default_factory=dict)
    rows: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass
class SweepPlan:
    """The runs of one sweep and what they share (see :func:`plan_rate_sweep`,
    :func:`plan_data_sweep`). ``metric``: the history key the answer compares
    (``val_loss``, ``val_acc`` or, without validation rows, ``train_loss``)."""

    kind: str
    runs: list[SweepRun]
    training: dict
    config: dict
    start_params: np.ndarray
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    n_classes: int
    base_rate: float
    metric: str
    standardize: bool = True
    raw_X_train: np.ndarray | None = field(default=None, repr=False)
    raw_X_val: np.ndarray | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)

    @property
    def n_val(self) -> int:
        return 0 if self.y_val is None else len(self.y_val)

    def make_job(self, index: int) -> Job:
        """A fresh :class:`Job` for run ``index`` (a job is changed by being sent)."""
        from nnstudio.engine import optimizer_from_config
        from nnstudio.project.run_policies import run_policies

        run = self.runs[index]
        training = adopted_training(self.training, run)
        policies = run_policies(training)
        # A target would end the good runs early, and the answer compares how far each got.
        policies.pop("target", None)
        names = {f.name for f in dataclasses.fields(Job)}
        X, y, X_val = self.X_train, self.y_train, self.X_val
        if run.rows is not None:
            X, y, X_val = self._subset(run.rows)
        return Job(copy.deepcopy(self.config), self.start_params.copy(), self.start_params.dtype.str,
                   X, y, X_val, self.y_val, optimizer_from_config(training["optimizer"]),
                   run.epochs, int(training.get("batch_size", 32)), int(training.get("seed", 0)),
                   None, self.n_classes,
                   **{k: v for k, v in policies.items() if k in names})

    def _subset(self, rows: np.ndarray):
        """The rows' training data, scaled as the project would scale that much data: the
        scaler learns from those rows only (the validation part is scaled the same way)."""
        from nnstudio.data import Standardizer

        y = self.y_train[rows]
        if self.raw_X_train is None or not self.standardize:
            return self.X_train[rows], y, self.X_val
        raw = self.raw_X_train[rows]
        scaler = Standardizer.fit(raw)
        X_val = None if self.raw_X_val is None else scaler.transform(self.raw_X_val).astype(np.float32)
        return scaler.transform(raw).astype(np.float32), y, X_val


def sweep_rates(base_rate: float) -> list[float]:
    """The rates tried around ``base_rate``, rounded to 3 significant digits.

    >>> sweep_rates(0.01)
    [0.0001, 0.001, 0.01, 0.1, 1.0]
    """
    return [float(f"{base_rate * factor:.3g}") for factor in RATE_FACTORS]


def default_epochs(training: dict, n_train: int) -> int:
    """The project's epochs, capped so one run sees about :data:`SAMPLE_BUDGET` samples."""
    epochs = int(training.get("epochs", 100))
    return max(1, min(epochs, max(5, SAMPLE_BUDGET // max(1, n_train))))


def base_rate(training: dict) -> float:
    """The rate the project trains at: its schedule's starting rate when it has one (the
    schedule sets the optimizer's rate every epoch), else the optimizer's."""
    schedule = training.get("schedule") or {}
    rate = (schedule.get("config") or {}).get("rate")
    if rate is None:
        rate = training["optimizer"]["config"].get("learning_rate", 0.01)
    return float(rate)


def rate_changes(training: dict, rate: float) -> dict:
    """The training settings that make the project train at ``rate``: the optimizer's
    learning rate, and a schedule's rates scaled by the same factor."""
    changes: dict = {"learning_rate": rate}
    schedule = training.get("schedule")
    if schedule and (schedule.get("config") or {}).get("rate"):
        factor = rate / float(schedule["config"]["rate"])
        new = copy.deepcopy(schedule)
        for key in SCHEDULE_RATE_KEYS:
            if new["config"].get(key) is not None:
                new["config"][key] = float(f"{new['config'][key] * factor:.3g}")
        changes["schedule"] = new
    return changes


def adopted_training(training: dict, run: SweepRun) -> dict:
    """The training settings ``training`` with run ``run``'s settings applied (a copy; pure).

    Raises
    ------
    ConfigError
        When the optimizer refuses the run's settings (nothing is changed).
    """
    from nnstudio.project.build import updated_training

    return updated_training(training, **copy.deepcopy(run.changes))


def _check_session(session: Session, what: str) -> None:
    if session.network is None or session.scaled_split is None or session.dataset is None:
        raise ConfigError(f"{what} needs data and a network: choose a data set and build a "
                          "network first.")
    issue = session.output_issue()
    if issue:
        raise ConfigError(f"{what} cannot train this network: {issue}")
    if len(session.scaled_split.train.y) == 0:
        raise ConfigError(f"{what} needs training rows, but the training part of the split is "
                          "empty; lower the validation or test share.")


def _plan(session: Session, kind: str, runs: list[SweepRun], metric: str) -> SweepPlan:
    from nnstudio.engine import Network

    assert session.scaled_split is not None and session.dataset is not None  # _check_session
    training = copy.deepcopy(session.project.training)
    config = session.network_config()
    start = Network.from_config(config, seed=int(training.get("seed", 0))).params.copy()
    d, raw = session.scaled_split, session.split
    has_val = len(d.val.y) > 0
    return SweepPlan(kind, runs, training, config, start, d.train.X, d.train.y,
                     d.val.X if has_val else None, d.val.y if has_val else None,
                     int(session.dataset.n_classes), base_rate(training), metric,
                     standardize=session.scaler is not None,
                     raw_X_train=None if raw is None else raw.train.X,
                     raw_X_val=None if raw is None or not has_val else raw.val.X)


def plan_rate_sweep(session: Session, epochs: int | None = None) -> SweepPlan:
    """"Which learning rate?": five runs at :func:`sweep_rates` of the project's rate.

    Raises
    ------
    ConfigError
        In plain words, when there is nothing to train or the settings are invalid.
    """
    _check_session(session, "Which learning rate?")
    assert session.scaled_split is not None  # _check_session
    training = session.project.training
    n = len(session.scaled_split.train.y)
    epochs = default_epochs(training, n) if epochs is None else _positive("epochs", epochs)
    rate = base_rate(training)
    runs = [SweepRun(i, f"{r:g}", r, 1.0, n, epochs, rate_changes(training, r))
            for i, r in enumerate(sweep_rates(rate))]
    has_val = len(session.scaled_split.val.y) > 0
    plan = _plan(session, "rates", runs, "val_loss" if has_val else "train_loss")
    if not has_val:
        plan.notes.append("This project keeps no rows for validation, so the runs are compared "
                          "on their training loss, which also rewards memorising the rows.")
    return plan


def stratified_rows(y: np.ndarray | None, n: int, fractions, seed: int,
                    classification: bool) -> list[np.ndarray]:
    """Nested row subsets of ``range(n)``, one per fraction, each keeping the class balance.

    Every class keeps its share of ``round(fraction x n)`` rows (at least one), so a subset
    has the classes in the same shares as the whole; each subset contains the smaller ones, so the
    runs differ by the added rows only (a smoother curve than independent draws).

    Returns
    -------
    list of ndarray of int64
        Sorted row indices, one array per fraction.
    """
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if classification and y is not None \
        else [np.arange(n)]
    orders = [rng.permutation(g) for g in groups]
    sizes = np.array([len(g) for g in groups])
    out = []
    for fraction in fractions:
        counts = _allocate(sizes, fraction)
        take = [g[:k] for g, k in zip(orders, counts)]
        out.append(np.sort(np.concatenate(take)).astype(np.int64))
    return out


def _allocate(sizes: np.ndarray, fraction: float) -> np.ndarray:
    """Rows per class (``sizes``: rows each class has) for ``fraction`` of them all: round(
    fraction x total) in all, shared by largest remainder, at least one row per class."""
    exact = fraction * sizes
    counts = np.maximum(1, np.floor(exact).astype(int))
    left = int(round(fraction * sizes.sum())) - int(counts.sum())
    for k in np.argsort(-(exact - np.floor(exact)), kind="stable")[:max(0, left)]:
        counts[k] = min(sizes[k], counts[k] + 1)
    return counts


def plan_data_sweep(session: Session, epochs: int | None = None) -> SweepPlan:
    """"Would more data help?": runs on 10 / 25 / 50 / 100 % of the training part.

    Subsets are stratified and nested (:func:`stratified_rows`); all runs are scored on the
    same validation part. Each run takes as many steps (batches) as the full run (a 10 % run
    trains about ten times the epochs), so a small subset is not judged on a tenth of the
    training, nor the full data on fewer steps than a subset.

    Raises
    ------
    ConfigError
        When there are no validation rows, or too few training rows for three subsets.
    """
    what = "Would more data help?"
    _check_session(session, what)
    assert session.scaled_split is not None and session.dataset is not None  # _check_session
    d = session.scaled_split
    if len(d.val.y) == 0:
        raise ConfigError(f"{what} compares scores on the validation part, and this project "
                          "keeps no rows for validation (validation share 0 %). Set a validation "
                          "share, such as 20 %, and ask again.")
    training = session.project.training
    n = len(d.train.y)
    classification = session.dataset.task == "classification"
    full_epochs = default_epochs(training, n) if epochs is None else _positive("epochs", epochs)
    subsets = stratified_rows(d.train.y, n, DATA_FRACTIONS, int(training.get("seed", 0)),
                              classification)
    batch = max(1, int(training.get("batch_size", 32)))
    runs: list[SweepRun] = []
    notes: list[str] = []
    for fraction, rows in zip(DATA_FRACTIONS, subsets):
        if len(rows) < MIN_ROWS:
            notes.append(f"{fraction:.0%} of the training part would be only {len(rows)} rows, "
                         "too few to train on; that run was left out.")
            continue
        k_epochs = max(1, int(math.ceil(full_epochs * math.ceil(n / batch) / math.ceil(len(rows) / batch))))
        runs.append(SweepRun(len(runs), f"{fraction:.0%} ({len(rows)} rows)", base_rate(training),
                             fraction, len(rows), k_epochs, {},
                             None if fraction >= 1 else rows))
    if len(runs) < 3:
        need = int(math.ceil(MIN_ROWS / DATA_FRACTIONS[-3]))
        raise ConfigError(f"{what} needs at least {need} training rows, so that {DATA_FRACTIONS[-3]:.0%} "
                          f"of them is {MIN_ROWS} rows; this project trains on {n}. Use more data, or "
                          "a smaller validation and test share.")
    plan = _plan(session, "data", runs, "val_acc" if classification else "val_loss")
    plan.notes.extend(notes)
    return plan


def _positive(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)
