"""Training policies: what :func:`~nnstudio.engine.fit` does to batches, to the learning rate
and about stopping, as small config objects.

Each policy has ``get_config()`` (JSON only) and ``from_config()``, is picklable (a run goes to
the trainer process with its policies) and is registered in :data:`POLICIES`, so a project can
save it as ``{"class": ..., "config": ...}`` (:func:`policy_to_config`,
:func:`policy_from_config`).

- A **batch transform** (augmentation) is called as ``transform(x, y, rng)`` on each training
  batch only, never on validation or test data; ``x`` and ``y`` are read-only (a transform
  returns new arrays) and ``rng`` is fit's generator, so a run stays reproducible per seed.
- A **schedule** gives the learning rate of an epoch: ``schedule(epoch)`` with epochs counted
  over the network's whole training (continued runs go on where the last one ended). A
  schedule that reacts to the scores (:class:`ReduceOnPlateau`) sets ``sees_records = True``:
  fit then calls ``schedule.start()`` once per run for a fresh copy with its own bookkeeping
  and asks that copy ``schedule(epoch, last)``, ``last`` being the previous epoch's
  :class:`~nnstudio.engine.training.EpochRecord` (None before the run's first epoch).
- A **stop rule** watches the epoch records and ends the run: :class:`EarlyStopping` when the
  watched score stops improving, :class:`TargetStop` when it reaches a goal.
"""
from __future__ import annotations

import math

import numpy as np

from nnstudio.errors import ConfigError


def _number(name: str, value, minimum: float = 0.0, strict: bool = False) -> float:
    bad = isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
    if bad or value < minimum or (strict and value == minimum):
        bound = f"> {minimum:g}" if strict else f">= {minimum:g}"
        raise ConfigError(f"{name} must be a number {bound}, got {value!r}")
    return float(value)


def _integer(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class Policy:
    """Base of the config objects: ``get_config`` returns the constructor's arguments."""

    display_name = ""
    #: A schedule that needs the scores of the last epoch (see the module's notes).
    sees_records = False

    def get_config(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict) -> Policy:
        if not isinstance(config, dict):
            raise ConfigError(f"settings of {cls.display_name} must be a mapping, got {config!r}")
        try:
            return cls(**config)
        except TypeError as exc:
            raise ConfigError(f"invalid settings for {cls.display_name}: {config!r} ({exc})") from None

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


# ------------------------------------------------------------------ batch transforms
class GaussianNoise(Policy):
    """Adds noise of standard deviation ``std`` to every input of a training batch (in the
    scaled units the network sees): a simple augmentation for numeric columns."""

    display_name = "Gaussian noise"

    def __init__(self, std: float = 0.1):
        self.std = _number("std", std, 0.0, strict=True)

    def __call__(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator):
        noise = rng.standard_normal(x.shape, dtype=np.float32 if x.dtype == np.float32 else np.float64)
        noise *= self.std
        noise += x  # a new array: x is read-only
        return noise, y

    def get_config(self) -> dict:
        return {"std": self.std}


# ------------------------------------------------------------------ learning-rate schedules
class StepDecay(Policy):
    """``rate`` for the first ``every`` epochs, then multiplied by ``factor`` every ``every``
    epochs: epoch e (from 1) trains at ``rate * factor ** ((e - 1) // every)``."""

    display_name = "Step decay"

    def __init__(self, rate: float = 0.01, factor: float = 0.5, every: int = 10):
        self.rate = _number("rate", rate, 0.0, strict=True)
        self.factor = _number("factor", factor, 0.0, strict=True)
        self.every = _integer("every", every, 1)

    def __call__(self, epoch: int) -> float:
        return self.rate * self.factor ** ((epoch - 1) // self.every)

    def get_config(self) -> dict:
        return {"rate": self.rate, "factor": self.factor, "every": self.every}


class CosineDecay(Policy):
    """From ``rate`` down to ``final_rate`` along half a cosine over ``epochs`` epochs, then
    ``final_rate`` (Loshchilov & Hutter's SGDR without restarts)."""

    display_name = "Cosine decay"

    def __init__(self, rate: float = 0.01, epochs: int = 100, final_rate: float = 0.0):
        self.rate = _number("rate", rate, 0.0, strict=True)
        self.epochs = _integer("epochs", epochs, 1)
        self.final_rate = _number("final_rate", final_rate, 0.0)
        if self.final_rate > self.rate:
            raise ConfigError(f"final_rate must not exceed rate ({self.rate:g}), got {final_rate!r}")

    def __call__(self, epoch: int) -> float:
        done = min(max(epoch - 1, 0), self.epochs) / self.epochs
        rate = self.final_rate + 0.5 * (self.rate - self.final_rate) * (1 + math.cos(math.pi * done))
        return max(rate, self.final_rate) or self.rate * 1e-6  # an optimizer needs a rate > 0

    def get_config(self) -> dict:
        return {"rate": self.rate, "epochs": self.epochs, "final_rate": self.final_rate}


# ------------------------------------------------------------------ stop rules
#: What a stop rule (or a plateau schedule) may watch, and whether smaller is better.
MONITORS = {"val_loss": True, "train_loss": True, "val_acc": False, "train_acc": False}


def _monitor(value) -> str:
    if value not in MONITORS:
        raise ConfigError(f"monitor must be one of {sorted(MONITORS)}, got {value!r}")
    return value


#: How the stop rules' words begin (``EpochRecord.stopped``): :func:`stop_kind` reads them back.
EARLY_WORDS, TARGET_WORDS = "Stopped early", "Stopped at the target"


def stop_kind(reason: str | None) -> tuple[str | None, str | None]:
    """``(kind, monitor)`` of a stop rule's words: kind ``"early"`` or ``"target"`` (None for
    no words, or words of neither rule), monitor the score it watched (None if not named)."""
    if not reason:
        return None, None
    kind = "early" if reason.startswith(EARLY_WORDS) else \
        "target" if reason.startswith(TARGET_WORDS) else None
    named = [m for m in MONITORS if f"the {monitor_words(m)} " in reason]
    return kind, (named[0] if named else None)


def monitor_words(monitor: str) -> str:
    """``"val_acc"`` -> ``"validation accuracy"``: what a stop rule watches, in words."""
    what = monitor.replace("val_", "validation ").replace("train_", "training ")
    return what.replace("acc", "accuracy")


class ReduceOnPlateau(Policy):
    """Starts at ``rate`` and multiplies it by ``factor`` (never below ``min_rate``) each time
    ``monitor`` has not improved for ``patience`` epochs in a row (Keras'
    ``ReduceLROnPlateau`` without cooldown). A run starts again at ``rate``.

    Called as ``schedule(epoch, last)`` by fit (``sees_records``): ``last`` is the previous
    epoch's record, None before the first epoch of the run. Called as ``schedule(epoch)`` it
    gives ``rate``: a plot of the planned rates shows the start.
    """

    display_name = "Reduce on plateau"
    sees_records = True

    def __init__(self, rate: float = 0.01, factor: float = 0.5, patience: int = 5,
                 min_rate: float = 1e-6, monitor: str = "val_loss"):
        self.rate = _number("rate", rate, 0.0, strict=True)
        self.factor = _number("factor", factor, 0.0, strict=True)
        if self.factor >= 1:
            raise ConfigError(f"factor must be a number below 1 (the rate is multiplied by it), "
                              f"got {factor!r}")
        self.patience = _integer("patience", patience, 1)
        self.min_rate = _number("min_rate", min_rate, 0.0, strict=True)
        if self.min_rate > self.rate:
            raise ConfigError(f"min_rate must not exceed rate ({self.rate:g}), got {min_rate!r}")
        self.monitor = _monitor(monitor)
        self._reset()

    def _reset(self) -> None:
        self.current = self.rate
        self.best: float | None = None
        self.waited = 0

    def start(self) -> ReduceOnPlateau:
        """A fresh copy for one run (its bookkeeping starts empty; this object is untouched)."""
        return ReduceOnPlateau(**self.get_config())

    def __call__(self, epoch: int, last=None) -> float:
        value = getattr(last, self.monitor, None) if last is not None else None
        if value is None or not math.isfinite(value):
            return self.current
        better = self.best is None or (value < self.best if MONITORS[self.monitor] else value > self.best)
        if better:
            self.best, self.waited = value, 0
        else:
            self.waited += 1
            if self.waited >= self.patience:
                self.current = max(self.current * self.factor, self.min_rate)
                self.waited = 0
        return self.current

    def get_config(self) -> dict:
        return {"rate": self.rate, "factor": self.factor, "patience": self.patience,
                "min_rate": self.min_rate, "monitor": self.monitor}


class TargetStop(Policy):
    """Stop as soon as ``monitor`` reaches ``value``: a loss at or below it, an accuracy
    (a fraction, 0.95 for 95 %) at or above it. The weights stay those of that epoch."""

    display_name = "Stop at a target"

    def __init__(self, monitor: str = "val_acc", value: float = 0.95):
        self.monitor = _monitor(monitor)
        if monitor.endswith("_acc"):
            bad = isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or not 0 < value <= 1
            if bad:
                raise ConfigError(f"a target accuracy must be a fraction above 0 and at most 1 "
                                  f"(0.95 for 95 %), got {value!r}")
            self.value = float(value)
        else:
            self.value = _number("a target loss", value, 0.0)

    @property
    def lower_is_better(self) -> bool:
        return MONITORS[self.monitor]

    def reached(self, value: float | None) -> bool:
        """Whether the epoch's ``value`` of the monitored score meets the target."""
        if value is None or not math.isfinite(value):
            return False
        return value <= self.value if self.lower_is_better else value >= self.value

    def reason(self, value: float, epoch: int) -> str:
        """Plain words for the record: why the run ended."""
        if self.monitor.endswith("_acc"):
            got, goal = f"{value:.1%}", f"{self.value:.1%}"
        else:
            got, goal = f"{value:.4g}", f"{self.value:g}"
        return (f"{TARGET_WORDS}: the {monitor_words(self.monitor)} reached {got} "
                f"(target {goal}) at epoch {epoch}.")

    def get_config(self) -> dict:
        return {"monitor": self.monitor, "value": self.value}


#: ``EarlyStopping(min_delta=None)``: a loss must beat its best by more than this share of the
#: run's first value of it to count as better. The spiral demo's validation loss falls ~0.4 %
#: an epoch for ever (0.0035 at epoch 50, 1e-6 by epoch 1,800) once every point is right: a
#: share of the *best* value never stops that (20 epochs bring ~8 %), while 0.1 % of where
#: the run started is a change no score shows.
AUTO_DELTA_SHARE = 1e-3


class EarlyStopping(Policy):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs; with ``restore_best`` the network (and the optimizer's state) go back to the
    epoch that was best (Keras' ``EarlyStopping(restore_best_weights=True)``).

    ``min_delta=None`` (the default) is automatic: a loss must improve by more than
    :data:`AUTO_DELTA_SHARE` of the run's first value of it (an accuracy by anything). A
    number is used as it is, as before (a saved project's ``0.0`` keeps its runs exactly).
    """

    display_name = "Early stopping"

    def __init__(self, monitor: str = "val_loss", patience: int = 10,
                 min_delta: float | None = None, restore_best: bool = True):
        self.monitor = _monitor(monitor)
        self.patience = _integer("patience", patience, 1)
        self.min_delta = None if min_delta is None else _number("min_delta", min_delta, 0.0)
        if not isinstance(restore_best, bool):
            raise ConfigError(f"restore_best must be true or false, got {restore_best!r}")
        self.restore_best = restore_best

    @property
    def lower_is_better(self) -> bool:
        return MONITORS[self.monitor]

    def delta(self, first: float | None = None) -> float:
        """The improvement that counts: ``min_delta``, or (automatic) the share
        :data:`AUTO_DELTA_SHARE` of ``first``, the run's first value of a loss."""
        if self.min_delta is not None:
            return self.min_delta
        if not self.lower_is_better or first is None or not math.isfinite(first):
            return 0.0
        return AUTO_DELTA_SHARE * abs(first)

    def improved(self, value: float, best: float | None, first: float | None = None) -> bool:
        """Whether ``value`` beats ``best`` (None: nothing seen yet) by more than
        :meth:`delta` (``first``: the run's first value, for the automatic one)."""
        if value is None or not math.isfinite(value):
            return False
        if best is None:
            return True
        delta = self.delta(first)
        return value < best - delta if self.lower_is_better else value > best + delta

    def get_config(self) -> dict:
        return {"monitor": self.monitor, "patience": self.patience, "min_delta": self.min_delta,
                "restore_best": self.restore_best}


#: Display name -> class: one registry for transforms, schedules and stop rules.
POLICIES: dict[str, type[Policy]] = {cls.__name__: cls for cls in
                                     (GaussianNoise, StepDecay, CosineDecay, ReduceOnPlateau,
                                      EarlyStopping, TargetStop)}


def policy_from_config(spec: dict) -> Policy:
    """Build a policy from ``{"class": "StepDecay", "config": {...}}``."""
    if not isinstance(spec, dict) or spec.get("class") not in POLICIES:
        raise ConfigError(f"unknown training policy {spec!r}; choose one of {sorted(POLICIES)}")
    return POLICIES[spec["class"]].from_config(spec.get("config", {}))


def policy_to_config(policy: Policy) -> dict:
    return {"class": type(policy).__name__, "config": policy.get_config()}
