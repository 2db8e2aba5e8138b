"""The answer to a sweep in one sentence: which rate, and whether more data would help.

Each run is judged by its best epoch (the lowest validation loss, the highest validation
accuracy): what early stopping with restore-best would keep, and fair to a run that
overfits late.

The learning curve ("Would more data help?") is the validation error rate (1 - accuracy;
the loss for numbers to predict) against the number of training rows, both on log scales:
a power law, a straight line there, is the usual shape of a learning curve (Hestness et al.
2017, "Deep learning scaling is predictable, empirically"), and it never promises more than
100 %. The estimate for twice the data is the line's slope per doubling fitted on the top
three points; when the last doubling gained less than that line says, the curve is bending,
and the estimate is the mean of the two (both named as the range). A gain smaller than the
noise of the validation score (see :func:`noise_of`) is reported as "little".
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nnstudio.trainer.sweep_plan import SweepPlan, SweepRun

HISTORY_KEYS = ("epoch", "samples_seen", "train_loss", "train_acc", "val_loss", "val_acc")
#: A run this close to the best (relative loss) "came close".
CLOSE = 0.05
#: A run this much worse than the best (loss ratio) is named as too slow / unstable.
MUCH_WORSE = 1.5
#: ... unless the gap is below these shares of the runs' first-epoch loss (close / clearly worse).
NEGLIGIBLE, CLEARLY = 0.02, 0.05


@dataclass
class RunResult:
    """What one run did: ``status`` is "completed", "diverged", "failed" or "cancelled";
    ``history`` holds lists per :data:`HISTORY_KEYS`; ``start_params`` the weights the
    trainer started from (its first picture)."""

    run: SweepRun
    status: str = "waiting"
    message: str | None = None
    history: dict = field(default_factory=lambda: {k: [] for k in HISTORY_KEYS})
    seconds: float = 0.0
    start_params: np.ndarray | None = field(default=None, repr=False)

    @property
    def epochs_done(self) -> int:
        return len(self.history["epoch"])

    def best(self, key: str) -> tuple[float, int] | None:
        """(best value, its epoch) of history ``key`` (lowest loss, highest accuracy), or None."""
        values = [(v, e) for v, e in zip(self.history[key], self.history["epoch"])
                  if v is not None and math.isfinite(v)]
        if not values:
            return None
        pick = max if key.endswith("acc") else min
        return pick(values, key=lambda ve: ve[0])

    def to_dict(self, metric: str) -> dict:
        best = self.best(metric)
        return {"index": self.run.index + 1, "label": self.run.label,
                "learning_rate": self.run.learning_rate, "fraction": self.run.fraction,
                "n_train": self.run.n_train, "epochs_planned": self.run.epochs,
                "epochs_done": self.epochs_done, "status": self.status, "message": self.message,
                "best": None if best is None else {"value": best[0], "epoch": best[1]},
                "settings": self.run.changes, "seconds": round(self.seconds, 3),
                "history": {k: list(v) for k, v in self.history.items()}}


def _num(v: float) -> str:
    return f"{v + 0.0:.3g}"  # + 0.0: a loss of -0.0 reads "0"


def _points(share: float) -> str:
    """0.03 -> "3 points" (of accuracy), 0.01 -> "1 point"."""
    n = round(100 * share)
    return f"{n} point" if n == 1 else f"{n} points"


def _names(results: Sequence[RunResult]) -> str:
    labels = [r.run.label for r in results]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def answer_rates(plan: SweepPlan, results: Sequence[RunResult]) -> tuple[str, int | None]:
    """The sentence for a learning-rate sweep and the index of the best run (None if none)."""
    key = plan.metric
    what = "validation loss" if key == "val_loss" else "training loss"
    diverged = [r for r in results if r.status == "diverged"]
    scored: list[tuple[tuple[float, int], RunResult]] = []
    for r in results:
        b = r.best(key)
        if r.status != "diverged" and b is not None:
            scored.append((b, r))
    tail = f" {_names(diverged)} diverged." if diverged else ""
    if not scored:
        if diverged and len(diverged) == len(results):
            return (f"Every rate diverged, even {results[0].run.label}: look for extreme values "
                    "in the data, or try a smaller network.", None)
        return "No run got far enough to compare." + tail, None
    (low_value, _low_epoch), lowest = min(scored, key=lambda br: br[0][0])
    # Gaps are judged against the loss the runs started from too: 0.0004 is "four times"
    # 0.0001, but both are a task learned perfectly.
    firsts = [r.history[key][0] for _b, r in scored if r.history[key]]
    scale = float(np.median(firsts)) if firsts else 0.0

    def gap_ok(v: float, share: float, floor: float) -> bool:
        return v - low_value <= max(share * low_value, floor * scale)

    # Runs this close to the lowest are a tie the validation rows cannot split: recommend the
    # one nearest the project's rate (the smallest change), not an extreme that happened to
    # win by a hair (on easy data a rate of 1 can drive the loss to 0 and still be a bad rate).
    ties = [(b, r) for b, r in scored if gap_ok(b[0], CLOSE, NEGLIGIBLE)]
    (best_value, best_epoch), best = min(ties, key=lambda br: (
        abs(math.log(br[1].run.learning_rate / plan.base_rate)), br[1].run.learning_rate))
    yours = lambda r: math.isclose(r.run.learning_rate, plan.base_rate, rel_tol=1e-3)  # noqa: E731
    if best is lowest:
        parts = [f"{best.run.label} reached the lowest {what}, {_num(best_value)} (epoch {best_epoch})"
                 + (": that is already your rate" if yours(best) else "")]
    elif yours(best):
        parts = [f"Your rate, {best.run.label}, can stay: its {what}, {_num(best_value)} (epoch "
                 f"{best_epoch}), is as good as the lowest ({lowest.run.label}: {_num(low_value)})"]
    else:
        parts = [f"{best.run.label} reached a {what} of {_num(best_value)} (epoch {best_epoch}), as "
                 f"good as the lowest ({lowest.run.label}: {_num(low_value)}), nearer your rate"]
    close = [r for _b, r in ties if r is not best and r is not lowest]
    worse = [r for (v, _e), r in scored if not gap_ok(v, MUCH_WORSE - 1, CLEARLY)]
    if close:
        parts.append(f"{_names(close)} came close")
    slow = [r for r in worse if r.run.learning_rate < best.run.learning_rate]
    shaky = [r for r in worse if r.run.learning_rate > best.run.learning_rate]
    if slow:
        parts.append(f"{_names(slow)} learned too slowly in {best.run.epochs} epochs")
    if shaky:
        parts.append(f"{_names(shaky)} {'was' if len(shaky) == 1 else 'were'} too large to settle")
    sentence = "; ".join(parts) + "." + tail
    rates = [r.run.learning_rate for r in results]
    for edge, pick in (("smallest", min), ("largest", max)):
        if best.run.learning_rate == pick(rates):
            sentence += (f" It is the {edge} rate tried: a {edge[:-3]}er one may be better still "
                         "(use it and ask again).")
    return sentence, best.run.index


def _badness(plan: SweepPlan, score: float) -> float:
    """What the learning curve falls along: the error rate (1 - accuracy) or the loss, kept
    above half a validation row's worth so its log stays finite."""
    floor = 0.5 / max(1, plan.n_val)
    return max(1.0 - score if plan.metric == "val_acc" else score, floor)


def noise_of(plan: SweepPlan, badness: float) -> float:
    """The standard error of the log ratio of two validation scores of about ``badness``:
    for an error rate e on n rows, sqrt(2 (1 - e) / (e n)) (binomial); for a mean squared
    error, sqrt(2) x sqrt(2 / n) (squared normal errors)."""
    n = max(1, plan.n_val)
    if plan.metric == "val_acc":
        e = min(badness, 1 - 1.0 / n)
        return math.sqrt(2 * (1 - e) / (e * n))
    return math.sqrt(2) * math.sqrt(2.0 / n)


def learning_curve(plan: SweepPlan, results: Sequence[RunResult]) -> dict | None:
    """The fitted curve: per doubling of the rows, the fall of log(error rate) (or of
    log(loss)); None with fewer than three scored runs.

    Returns
    -------
    dict
        ``rows``, ``scores`` (per completed run: accuracy or loss), ``slope`` (per doubling,
        top three points), ``last`` (the last doubling's), ``estimate``, ``low``, ``high``
        (the next doubling's fall of log(error)), ``noise`` (see :func:`noise_of`), ``now``
        (the full data's score) and ``next`` (the score the estimate gives for twice the data).
    """
    acc = plan.metric == "val_acc"
    pts: list[tuple[int, float]] = []
    for r in results:
        b = r.best(plan.metric)
        if r.status == "completed" and b is not None:
            pts.append((r.run.n_train, b[0]))
    pts.sort()
    if len(pts) < 3:
        return None
    n = np.array([p[0] for p in pts], dtype=float)
    s = np.array([p[1] for p in pts], dtype=float)
    g = -np.log([_badness(plan, v) for v in s])  # higher is better
    x = np.log2(n)
    slope = float(np.polyfit(x[-3:], g[-3:], 1)[0])
    last = float((g[-1] - g[-2]) / (x[-1] - x[-2]))
    low, high = sorted((max(0.0, slope), max(0.0, last)))
    estimate = (low + high) / 2 if last < slope else max(0.0, slope)
    bad_now = _badness(plan, float(s[-1]))
    bad_next = bad_now * math.exp(-estimate)
    return {"rows": n.astype(int).tolist(), "scores": s.tolist(), "slope": slope, "last": last,
            "estimate": float(estimate), "low": float(low), "high": float(high),
            "noise": noise_of(plan, bad_now), "now": float(s[-1]),
            "next": float(1 - bad_next if acc else bad_next)}


def _gain_words(plan: SweepPlan, curve: dict, log_fall: float) -> str:
    """A fall of log(error) as a score change: "3 points" (accuracy) or "12 %" (loss)."""
    bad = _badness(plan, curve["now"])
    drop = bad * (1 - math.exp(-log_fall))
    if plan.metric == "val_acc":
        n = 100 * drop
        return f"{n:.1f} points" if n < 2 else _points(drop)
    return f"{100 * (1 - math.exp(-log_fall)):.0f} %"


def answer_data(plan: SweepPlan, results: Sequence[RunResult]) -> tuple[str, dict | None]:
    """The sentence for a data sweep and its :func:`learning_curve`."""
    curve = learning_curve(plan, results)
    if curve is None:
        failed = [r for r in results if r.status != "completed"]
        why = f" ({_names(failed)} did not finish)" if failed else ""
        return "Too few runs finished to draw a learning curve" + why + ".", None
    acc = plan.metric == "val_acc"
    rows, scores = curve["rows"], curve["scores"]
    est, noise, now = curve["estimate"], curve["noise"], curve["now"]
    if acc:
        span = (f"from {rows[-2]} to {rows[-1]} rows validation accuracy went from "
                f"{scores[-2]:.1%} to {now:.1%}")
        e = _badness(plan, now)  # the standard error of a difference of two accuracies
        noise_words = (f"the noise of {plan.n_val} validation rows is about "
                       f"±{100 * math.sqrt(2 * e * (1 - e) / max(1, plan.n_val)):.1f} points")
    else:
        span = (f"from {rows[-2]} to {rows[-1]} rows the validation loss went from "
                f"{_num(scores[-2])} to {_num(now)}")
        noise_words = f"the noise of {plan.n_val} validation rows is about ±{100 * noise:.0f} %"
    goodness = [-math.log(_badness(plan, v)) for v in scores]
    if max(goodness[:-1]) - goodness[-1] > noise:
        return (f"Unclear: the run on all {rows[-1]} rows did worse than one on fewer rows "
                f"({span}; {noise_words}). The runs are likely too short to learn what the "
                "rows hold: ask again with more epochs.", curve)
    if acc and now >= 0.995:
        return f"Little: validation accuracy is already {now:.1%} with all {rows[-1]} rows.", curve
    if est <= noise or (acc and 100 * (curve["next"] - now) < 0.5):
        return f"Little: the curve has levelled off ({span}; {noise_words}).", curve
    low, high = _gain_words(plan, curve, curve["low"]), _gain_words(plan, curve, curve["high"])
    spread = f"somewhere between {low.split()[0]} and {high}; " if low != high else ""
    if acc:
        gain = f"rise by ~{_gain_words(plan, curve, est)}, to about {curve['next']:.1%}"
    else:
        gain = f"fall by ~{_gain_words(plan, curve, est)}, to about {_num(curve['next'])}"
    what = "validation accuracy" if acc else "the validation loss"
    return (f"With twice the data {what} would likely {gain} ({spread}{span}; "
            f"{noise_words}, so treat this as a rough guide).", curve)
