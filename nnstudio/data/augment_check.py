"""The class-change check: does a transform keep a picture's class?

With a model trained on clean pictures, every validation picture it reads correctly is
transformed (each transform alone, at full probability) and read again. Each picture then
either

- **keeps its class** (still read as its own class),
- **turns into another class** (read as one specific other class with confidence at least
  :data:`CONFIDENT`: a 6 turned upside down reads as a 9), or
- **is no longer recognised** (read wrongly, but without confidence: spread over classes).

The report says it in plain words with numbers, per transform and per class ("Turn by 180
degrees: 31 % keep their class; 62 % turn into another class (90 % of 6s read as 9s) ...")
and can suggest per-class rules for the pipeline. Pure numpy; ``predict`` is any callable
from pictures to class probabilities (``Network.predict``).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from nnstudio.data.augment import AugmentPipeline
from nnstudio.data.augment_transforms import FlipHorizontal, FlipVertical, Rotate, Transform
from nnstudio.errors import Cancelled, ConfigError

#: A wrong answer at least this far from chance (1 / classes) towards certainty "turns into
#: another class"; a vaguer one "is no longer recognised" (10 classes: 0.55; 2 classes: 0.75).
CONFIDENT = 0.5
#: Share of pictures that must keep their class for a transform to be called safe ...
SAFE = 0.9
#: ... and below which it "changes the class" (between the two: "changes some").
CHANGES = 0.7
#: A class is named in the sentence when at least this share of it reads as one other class.
NAMED_SHARE = 0.3


def reference_probes() -> list[tuple[str, Transform]]:
    """Transforms worth checking even when the pipeline does not use them (the usual traps)."""
    return [("mirror", FlipHorizontal(probability=1.0)),
            ("upside_down", FlipVertical(probability=1.0)),
            ("turn_180", Rotate(180, 1.0, min_degrees=180)),
            ("turn_10", Rotate(10, 1.0))]


@dataclass
class ClassResult:
    """How one class fared under one transform (shares of its pictures that were judged)."""

    index: int
    name: str
    n: int
    kept: float
    changed: float
    lost: float
    #: The class most of the changed ones read as (None: none changed), and its share.
    became: int | None = None
    became_name: str = ""
    became_share: float = 0.0


@dataclass
class ProbeResult:
    """One transform's result over all judged pictures."""

    key: str
    label: str
    transform: dict
    in_pipeline: bool
    n: int
    kept: float
    changed: float
    lost: float
    verdict: str  # "safe", "changes_some", "changes_class"
    sentence: str
    per_class: list[ClassResult] = field(default_factory=list)


@dataclass
class ClassChangeReport:
    """The check's outcome.

    Attributes
    ----------
    base_accuracy : float
        Share of the clean pictures the model reads correctly (only those are judged).
    n_pictures : int
        Pictures checked (validation ones, or training ones when there are none).
    probes : list of ProbeResult
    notes : list of str
        Caveats in words (few pictures, a model trained with augmentation ...).
    """

    base_accuracy: float
    n_pictures: int
    probes: list[ProbeResult]
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as plain lines: a header, then one sentence per transform."""
        head = (f"Checked on {self.n_pictures} pictures; the model reads {_pct(self.base_accuracy)} of "
                "them correctly untouched, and those are the ones judged.")
        return [head, *[p.sentence for p in self.probes], *self.notes]

    def to_dict(self) -> dict:
        return asdict(self)

    def suggested_rules(self, threshold: float = CHANGES) -> dict[str, dict[str, list[str]]]:
        """Per-class rules that keep the pipeline's transforms away from the classes they
        change (a class under ``threshold`` kept): ``{"6": {"forbid": ["rotate"]}}``."""
        rules: dict[str, dict[str, list[str]]] = {}
        for probe in self.probes:
            if not probe.in_pipeline:
                continue
            for c in probe.per_class:
                if c.n and c.kept < threshold:
                    rules.setdefault(str(c.index), {"forbid": []})["forbid"].append(probe.key)
        return rules


def class_change_check(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray, y: np.ndarray,
                       class_names: Sequence[str], pipeline: AugmentPipeline | None = None,
                       references: bool = True, seed: int = 0,
                       progress: Callable[[float], None] | None = None,
                       cancelled: Callable[[], bool] | None = None) -> ClassChangeReport:
    """Measure per transform how many pictures keep their class.

    Parameters
    ----------
    predict : callable
        ``predict(X) -> P``, P of shape (n, n_classes) (probabilities; one sigmoid column
        is read as two classes).
    X : ndarray of shape (n, H, W, C)
        Pictures (uint8 or float, as the model takes them).
    y : ndarray of shape (n,)
        Their class numbers.
    class_names : sequence of str
    pipeline : AugmentPipeline or None
        Its transforms are checked one by one (each at probability 1; class rules aside).
    references : bool
        Also check :func:`reference_probes` the pipeline does not have (mirror, upside down,
        a 180-degree turn, +-10 degrees).
    seed : int
        Seeds the random strengths (each transform its own stream).
    progress, cancelled : callable or None
        ``progress(fraction)`` after each transform; ``cancelled()`` asked before each
        (True raises :class:`~nnstudio.errors.Cancelled`).
    """
    X = np.asarray(X)
    if X.ndim != 4:
        raise ConfigError(f"the class-change check needs pictures of shape (n, height, width, "
                          f"channels), got {X.shape}")
    y = np.asarray(y).astype(np.int64).reshape(-1)
    if len(X) == 0 or len(X) != len(y):
        raise ConfigError(f"the class-change check needs pictures with their classes, got {len(X)} "
                          f"pictures and {len(y)} classes")
    names = [str(c) for c in class_names]
    probes: list[tuple[str, Transform, bool]] = []
    for t in (pipeline.transforms if pipeline is not None else []):
        probe = type(t).from_config({**t.get_config(), "probability": 1.0})
        probes.append((t.name, probe, True))
    if references:
        have = {(type(t).__name__, repr(t)) for _, t, _ in probes}
        for key, t in reference_probes():
            if (type(t).__name__, repr(t)) not in have:
                probes.append((key, t, False))
    fill = pipeline.fill if pipeline is not None else "zeros"
    max_value = pipeline.max_value if pipeline is not None else 255.0
    clean = _probabilities(predict(X))
    right = clean.argmax(axis=1) == y
    base = float(right.mean())
    Xr, yr = X[right], y[right]
    results = []
    for i, (key, transform, mine) in enumerate(probes):
        if cancelled is not None and cancelled():
            raise Cancelled("The class-change check was cancelled.")
        alone = AugmentPipeline([transform], max_value=max_value, fill=fill)
        moved = alone.apply(Xr, np.random.default_rng([seed, i])) if len(Xr) else Xr
        P = _probabilities(predict(moved)) if len(Xr) else np.zeros((0, len(names)))
        results.append(_judge(key, transform, mine, P, yr, names))
        if progress is not None:
            progress((i + 1) / len(probes))
    notes = []
    if right.sum() < 20 * max(len(names), 1):
        notes.append(f"Only {int(right.sum())} pictures were judged: the shares per class are rough.")
    return ClassChangeReport(base, len(X), results, notes)


def _probabilities(P: np.ndarray) -> np.ndarray:
    P = np.asarray(P, dtype=np.float64)
    if P.ndim == 2 and P.shape[1] == 1:  # one sigmoid output: class 1's probability
        return np.hstack([1 - P, P])
    return P


def _judge(key: str, transform: Transform, mine: bool, P: np.ndarray, y: np.ndarray,
           names: list[str]) -> ProbeResult:
    n = len(y)
    guess = P.argmax(axis=1) if n else np.zeros(0, np.int64)
    k = len(names)
    sure_at = 1 / max(k, 1) + CONFIDENT * (1 - 1 / max(k, 1))
    sure = P.max(axis=1) >= sure_at if n else np.zeros(0, bool)
    kept = guess == y
    changed = ~kept & sure
    lost = ~kept & ~sure
    per_class = []
    for c in range(k):
        mask = y == c
        m = int(mask.sum())
        if m == 0:
            per_class.append(ClassResult(c, names[c], 0, 0.0, 0.0, 0.0))
            continue
        into = np.bincount(guess[mask & changed], minlength=k)
        became = int(into.argmax()) if into.any() else None
        per_class.append(ClassResult(
            c, names[c], m, float(kept[mask].mean()), float(changed[mask].mean()),
            float(lost[mask].mean()), became, names[became] if became is not None else "",
            float(into[became] / m) if became is not None else 0.0))
    share = (lambda a: float(a.mean())) if n else (lambda a: 0.0)
    k_share, c_share, l_share = share(kept), share(changed), share(lost)
    verdict = "safe" if k_share >= SAFE else "changes_some" if k_share >= CHANGES else "changes_class"
    label = _probe_label(key, transform)
    sentence = _sentence(label, n, k_share, c_share, l_share, verdict, per_class)
    return ProbeResult(key, label, {"class": type(transform).__name__, "config": transform.get_config()},
                       mine, n, k_share, c_share, l_share, verdict, sentence, per_class)


def _probe_label(key: str, t: Transform) -> str:
    if isinstance(t, Rotate) and t.min_degrees == t.strength:
        return f"Turn by {t.strength:g} degrees"
    if isinstance(t, Rotate):
        return f"Turn by up to +-{t.strength:g} degrees"
    return t.label + (f" {t.amount_words()}" if t.amount_words() else "")


def plural(name: str) -> str:
    """'3' -> '3s', 'cat' -> 'pictures of cat'."""
    return f"{name}s" if len(name) == 1 else f"pictures of {name!r}"


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def _sentence(label: str, n: int, kept: float, changed: float, lost: float, verdict: str,
              per_class: list[ClassResult]) -> str:
    if n == 0:
        return f"{label}: nothing to judge (the model reads none of the pictures correctly)."
    text = f"{label}: {_pct(kept)} keep their class"
    if kept < 1:
        named = sorted((c for c in per_class if c.n and c.became is not None
                        and c.became_share >= NAMED_SHARE), key=lambda c: -c.became_share)[:3]
        which = "; ".join(f"{_pct(c.became_share)} of {plural(c.name)} read as {plural(c.became_name)}"
                          for c in named)
        text += f"; {_pct(changed)} turn into another class" + (f" ({which})" if which else "")
        text += f"; {_pct(lost)} are no longer recognised"
    advice = {"safe": "safe to use.",
              "changes_some": "use it gently or keep it away from the classes it changes.",
              "changes_class": "it changes what the pictures show; do not use it here."}[verdict]
    return f"{text}: {advice}"


def check_session(session, pipeline: AugmentPipeline | None, references: bool = True, seed: int = 0,
                  progress=None, cancelled=None) -> ClassChangeReport:
    """:func:`class_change_check` with an open session's current network and its validation
    pictures (its training pictures when the split keeps none).

    Raises
    ------
    ConfigError
        When the data are not pictures of classes, or the network is not trained yet.
    """
    data = session.scaled_split
    dataset = session.dataset
    if dataset is None or not getattr(dataset, "is_image", False) or not dataset.class_names:
        raise ConfigError("the class-change check needs pictures with classes")
    if not session.trained:
        raise ConfigError("the class-change check needs a trained model: train the network "
                          "(without augmentation) first")
    part = data.val if len(data.val.y) else data.train
    report = class_change_check(session.network.predict, part.X, part.y, dataset.class_names,
                                pipeline, references, seed, progress, cancelled)
    if session.project.training.get("augment"):
        report.notes.append("The model was trained with augmentation, so it may have learned to "
                            "read transformed pictures; a model trained on clean pictures shows "
                            "more honestly what a transform does.")
    return report
