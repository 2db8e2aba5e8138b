"""Does augmentation help? Train with and without it from the same start and seed, for one
or several seeds, and say so honestly (pure python, no Qt).

The runs are the doctor's proof runs (``nnstudio.doctor.prove._run``: the real
engine, the project's optimizer and policies, the same fresh or given starting weights),
once with ``training["augment"]`` off and once with the pipeline. The window overlays the two
validation curves; ``bench/augment.py`` and the tests use the same function.

"Helped" needs the mean gain in validation accuracy to reach
:data:`~nnstudio.doctor.thresholds.PROOF_ACC` (2 points) and more seeds to agree than not;
"worse" likewise; anything else is "no clear difference".
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from nnstudio.doctor import thresholds as T

# The proof's one-run helper: the same engine calls, records and final scores as a proof.
from nnstudio.doctor.prove import ProofRun, ProofSetup
from nnstudio.doctor.prove import _run as run_once
from nnstudio.errors import Cancelled, ConfigError


@dataclass
class AugmentComparison:
    """The outcome of :func:`compare_augmentation`.

    Attributes
    ----------
    seeds : list of int
    epochs : int
    without, with_augment : list of ProofRun
        One run per seed (histories per epoch: ``val_acc``, ``val_loss``, ...).
    metric : str
        ``"val_acc"`` (classification) or ``"val_loss"``.
    before, after : list of float or None
        That score of each seed's final weights without and with augmentation.
    outcome : str
        ``"helped"``, ``"no_difference"`` or ``"worse"``.
    sentence : str
    """

    seeds: list[int]
    epochs: int
    without: list[ProofRun]
    with_augment: list[ProofRun]
    metric: str
    before: list
    after: list
    outcome: str
    sentence: str
    notes: list[str] = field(default_factory=list)

    @property
    def mean_before(self) -> float | None:
        return _mean(self.before)

    @property
    def mean_after(self) -> float | None:
        return _mean(self.after)

    def to_dict(self) -> dict:
        return {"seeds": self.seeds, "epochs": self.epochs, "metric": self.metric,
                "before": self.before, "after": self.after, "outcome": self.outcome,
                "sentence": self.sentence, "notes": self.notes,
                "without": [r.to_dict() for r in self.without],
                "with_augment": [r.to_dict() for r in self.with_augment]}


def compare_augmentation(setup: ProofSetup, augment: dict, epochs: int | None = None,
                         seeds: Sequence[int] | None = None,
                         cancelled: Callable[[], bool] | None = None,
                         progress: Callable[[float], None] | None = None) -> AugmentComparison:
    """Train without and with ``augment`` (``{"class": "AugmentPipeline", "config": ...}``).

    Parameters
    ----------
    setup : ProofSetup
        The data and settings (its ``training["augment"]`` is ignored: one run has none, the
        other ``augment``). It needs validation pictures: augmentation is judged on them.
    epochs : int or None
        Epochs per run; None: the training settings' (at most
        :data:`~nnstudio.doctor.thresholds.PROOF_MAX_EPOCHS`).
    seeds : sequence of int or None
        Each seed draws the starting weights (unless the setup has them), the shuffling and
        the augmentation of both of its runs; None: the training settings' seed.
    cancelled, progress : callable or None
        ``cancelled()`` asked after every epoch (True raises
        :class:`~nnstudio.errors.Cancelled`); ``progress(fraction)``.
    """
    if not setup.has_validation:
        raise ConfigError("comparing runs with and without augmentation needs validation pictures: "
                          "set aside a validation share in the split")
    training = setup.training
    if epochs is None:
        epochs = min(int(training.get("epochs", 100)), T.PROOF_MAX_EPOCHS)
    seeds = [int(training.get("seed", 0))] if seeds is None else [int(s) for s in seeds]
    plain = {**copy.deepcopy(training), "augment": None}
    augmented = {**copy.deepcopy(training), "augment": copy.deepcopy(augment)}
    classes = _classifies(setup.network)
    metric = "val_acc" if classes else "val_loss"
    runs: dict[str, list[ProofRun]] = {"without": [], "with": []}
    total = 2 * len(seeds) * epochs
    done = 0
    for seed in seeds:
        for key, settings in (("without", plain), ("with", augmented)):
            start = done

            def tick(epoch: int, start: int = start) -> None:
                if cancelled is not None and cancelled():
                    raise Cancelled("The comparison was cancelled.")
                if progress is not None:
                    progress(min(1.0, (start + epoch) / total))

            run, _fresh = run_once(setup, setup.network, settings, epochs, seed, tick)
            runs[key].append(run)
            done += epochs
    if progress is not None:
        progress(1.0)
    before = [r.final.get(metric) for r in runs["without"]]
    after = [r.final.get(metric) for r in runs["with"]]
    outcome = _outcome(metric, before, after)
    notes = []
    if len(seeds) == 1:
        notes.append("One seed only: two runs of the same settings differ by a point or two on "
                     "their own; more seeds give a surer answer.")
    return AugmentComparison(seeds, epochs, runs["without"], runs["with"], metric, before, after,
                             outcome, _sentence(metric, before, after, outcome), notes)


def _classifies(network_config: dict) -> bool:
    last = network_config.get("layers", [{}])[-1].get("config", {})
    return last.get("activation") in ("softmax", "sigmoid")


def _mean(values: list) -> float | None:
    ok = [v for v in values if v is not None]
    return float(np.mean(ok)) if ok and len(ok) == len(values) else None


def _gains(metric: str, before: list, after: list) -> list[float]:
    sign = 1.0 if metric.endswith("_acc") else -1.0  # a lower loss is a gain
    return [sign * (a - b) for a, b in zip(after, before) if a is not None and b is not None]


def _outcome(metric: str, before: list, after: list) -> str:
    gains = _gains(metric, before, after)
    if not gains or len(gains) != len(before):
        return "no_difference"
    mean = float(np.mean(gains))
    if metric.endswith("_acc"):
        step = T.PROOF_ACC
    else:
        step = T.PROOF_LOSS * abs(float(np.mean([b for b in before if b is not None])))
    agree = sum(g > 0 for g in gains), sum(g < 0 for g in gains)
    if mean >= step and agree[0] > len(gains) / 2:
        return "helped"
    if mean <= -step and agree[1] > len(gains) / 2:
        return "worse"
    return "no_difference"


def _value(metric: str, x: float) -> str:
    return f"{x * 100:.1f} %" if metric.endswith("_acc") else f"{x:.3g}"


def _sentence(metric: str, before: list, after: list, outcome: str) -> str:
    what = "validation accuracy" if metric.endswith("_acc") else "validation loss"
    b, a = _mean(before), _mean(after)
    if b is None or a is None:
        return f"The {what} could not be compared (a run diverged): no clear answer."
    n = len(before)
    over = f" (mean of {n} seeds)" if n > 1 else ""
    text = f"With augmentation the {what} ended at {_value(metric, a)} instead of {_value(metric, b)}{over}"
    if n > 1 and metric.endswith("_acc"):
        gains = [(x - y) * 100 for x, y in zip(after, before)]
        text += f"; per seed {min(gains):+.1f} to {max(gains):+.1f} points"
    verdict = {"helped": "it helped.", "worse": "it made things worse.",
               "no_difference": "no clear difference" + (
                   f" (less than {T.PROOF_ACC * 100:g} points apart or the seeds disagree)."
                   if metric.endswith("_acc") else ".")}[outcome]
    return f"{text}: {verdict}"
