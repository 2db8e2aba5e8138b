"""What the doctor hands back: findings with their evidence and remedies, as data (no words).

Words come later, from :mod:`nnstudio.doctor.render`, once per audience: the window names its
buttons ("press Reset weights (Ctrl+R)"), the command line its flags ("--reset", "--lr 0.1"),
and a report can lay the same evidence out as a table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

#: What a finding is about.
#:
#: - ``no_epochs``: the run stopped before its first epoch ended.
#: - ``not_learned``: classes no better than always giving the most common answer.
#: - ``worse_than_average``: numbers worse than always answering their average.
#: - ``finished``: how the run ended (scores), when nothing above applies.
#: - ``unstable``: a step overshot (the training loss jumped) or the validation accuracy fell
#:   back without the training loss falling: the learning rate is too high.
#: - ``loss_rose``: the training loss ended above where the run started.
#: - ``overfitting``: the validation loss climbed back (or the accuracy fell) while the
#:   training loss kept falling: memorising.
#: - ``still_improving``: the loss was still falling steadily when the run ended.
#: - ``stalled``: the loss stopped improving.
#: - ``too_short``: too few epochs to tell what the loss does.
#: - ``exploded``: the loss became NaN or infinite (training stopped, the last good weights
#:   were kept) or grew to a hundred times its lowest: far too large steps.
#: - ``overconfident``: the validation loss climbed back while the validation accuracy still
#:   rose: the network is surer of its answers (right and wrong), not memorising (fastai).
#: - ``flat``: both curves flat at a loss far from good; ``evidence["cause"]`` says why:
#:   ``"rate_too_low"`` (still falling, slowly), ``"dead_relus"`` (most hidden ReLU neurons
#:   never fire), ``"too_small"`` (stuck: the network cannot draw the answer).
#: - ``too_little_data``: far more weights to learn than training rows.
#: - ``stopped``: the stop rule ended the run: early stopping (``evidence["stop"] == "early"``;
#:   with ``restored_epoch`` when it went back to that epoch, whose weights the other findings
#:   then judge) or the target was reached (``"target"``).
KINDS = ("no_epochs", "not_learned", "worse_than_average", "finished", "unstable", "loss_rose",
         "overfitting", "still_improving", "stalled", "too_short", "exploded", "overconfident",
         "flat", "too_little_data", "stopped")

#: What a remedy asks for.
#:
#: - ``lower_rate`` (value: the rate to try), ``keep_rate_near`` (value: the rate the run ended
#:   with, when a higher one was used for part of it), ``raise_rate`` (value: the rate to try);
#: - ``reset``: train again from fresh weights;
#: - ``more_epochs``; ``fewer_epochs`` (value: the best epoch, where to stop);
#: - ``more_data``; ``dropout_or_l2``;
#: - ``other_rate_or_size``: if it gets stuck again, another learning rate or more neurons.
#: - ``rewind``: go back to the last good weights (value: their epoch);
#: - ``restore_best``: early stopping that goes back to the best epoch (value: that epoch);
#: - ``l2`` (value: the penalty), ``dropout`` (value: the rate), ``fewer_neurons``,
#:   ``more_neurons``, ``augment`` (images: shifted and flipped copies);
#: - ``watch_accuracy``: stop and pick the best epoch by the validation accuracy;
#: - ``rate_when_stuck``: lower the learning rate when the validation loss stalls;
#: - ``leaky_relu``: Leaky ReLU in the hidden layers, whose neurons cannot go silent.
REMEDIES = ("lower_rate", "keep_rate_near", "raise_rate", "reset", "more_epochs", "fewer_epochs",
            "more_data", "dropout_or_l2", "other_rate_or_size", "rewind", "restore_best", "l2",
            "dropout", "fewer_neurons", "more_neurons", "augment", "watch_accuracy",
            "rate_when_stuck", "leaky_relu")


@dataclass(frozen=True)
class Remedy:
    """One thing to try, e.g. ``Remedy("lower_rate", value=0.001)``."""

    kind: str
    value: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in REMEDIES:
            raise ValueError(f"remedy kind must be one of {', '.join(REMEDIES)}, got {self.kind!r}")


@dataclass(frozen=True)
class Finding:
    """One thing the doctor read from a run.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    severity : {"info", "warning"}
    epoch : int or None
        Where the evidence points, counted like the history's ``epoch`` (from 1): the best
        validation epoch for ``overfitting``, the jump for ``unstable``.
    evidence : dict
        The numbers behind it (plain floats, ints, strings and bools: JSON-ready), e.g.
        ``{"best_val_loss": 0.31, "final_val_loss": 0.45}``.
    advice : tuple of Remedy
        What to try, most useful first.
    """

    kind: str
    severity: Literal["info", "warning"] = "info"
    epoch: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    advice: tuple[Remedy, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"finding kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.severity not in ("info", "warning"):
            raise ValueError(f"severity must be 'info' or 'warning', got {self.severity!r}")

    def to_dict(self) -> dict:
        """JSON-ready: ``{"kind", "severity", "epoch", "evidence", "advice": [{"kind", "value"}]}``."""
        return {"kind": self.kind, "severity": self.severity, "epoch": self.epoch,
                "evidence": dict(self.evidence),
                "advice": [{"kind": r.kind, "value": r.value} for r in self.advice]}


def level(findings: list[Finding]) -> str:
    """``"warning"`` when any finding warns, else ``"info"``."""
    return "warning" if any(f.severity == "warning" for f in findings) else "info"
