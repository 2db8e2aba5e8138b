"""fit's stop rules at work: checking them against the run, and early stopping's bookkeeping."""
from __future__ import annotations

import math

import numpy as np

from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import Optimizer
from nnstudio.engine.policies import EARLY_WORDS, EarlyStopping, TargetStop, monitor_words
from nnstudio.errors import ConfigError


def check_stop(stop, has_validation: bool, classification: bool) -> None:
    """Raises ConfigError when ``stop`` cannot watch what it names on this run."""
    if stop is None:
        return
    if not isinstance(stop, EarlyStopping):
        raise ConfigError(f"stop must be an EarlyStopping rule or None, got {stop!r:.80}")
    if stop.monitor.startswith("val_") and not has_validation:
        raise ConfigError(f"early stopping watches {stop.monitor}, but there is no validation "
                          "data; keep some rows for validation or watch train_loss")
    if stop.monitor.endswith("_acc") and not classification:
        raise ConfigError(f"early stopping watches {stop.monitor}, but a network that predicts "
                          "numbers has no accuracy; watch a loss")


def check_target(target, has_validation: bool, classification: bool) -> None:
    """Raises ConfigError when ``target`` cannot be reached on this run."""
    if target is None:
        return
    if not isinstance(target, TargetStop):
        raise ConfigError(f"target must be a TargetStop rule or None, got {target!r:.80}")
    if target.monitor.startswith("val_") and not has_validation:
        raise ConfigError(f"the target is a {monitor_words(target.monitor)}, but there is no "
                          "validation data; keep some rows for validation or aim at the "
                          "training " + target.monitor[4:].replace("acc", "accuracy"))
    if target.monitor.endswith("_acc") and not classification:
        raise ConfigError(f"the target is a {monitor_words(target.monitor)}, but a network that "
                          "predicts numbers has no accuracy; aim at a loss")


class Best:
    """The stop rule's bookkeeping: the best value so far, its epoch, and (for restore_best)
    copies of the weights and the optimizer's state from then."""

    def __init__(self, stop: EarlyStopping, network: Network, optimizer: Optimizer):
        self.stop, self.network, self.optimizer = stop, network, optimizer
        self.value: float | None = None
        self.epoch: int | None = None
        self.waited = 0
        #: The run's first finite value of the watched score (the automatic min_delta's scale).
        self.first: float | None = None
        self.params = np.empty_like(network.params) if stop.restore_best else None
        self.state: dict | None = None

    def update(self, epoch: int, scores: dict) -> tuple[str | None, int | None]:
        """Note epoch ``epoch``'s scores; when patience ran out, restore and say why."""
        stop = self.stop
        value = scores[stop.monitor]
        if self.first is None and value is not None and math.isfinite(value):
            self.first = float(value)
        if stop.improved(value, self.value, self.first):
            self.value, self.epoch, self.waited = scores[stop.monitor], epoch, 0
            if self.params is not None:
                self.params[...] = self.network.params
                self.state = self.optimizer.state_dict()
            return None, None
        self.waited += 1
        if self.waited < stop.patience:
            return None, None
        what = monitor_words(stop.monitor)
        text = f"{EARLY_WORDS}: the {what} has not improved for {stop.patience} epochs"
        if self.params is None or self.epoch is None:
            return text + ".", None
        self.network.params[...] = self.params
        self.optimizer.load_state_dict(self.state)
        return f"{text}; the network went back to epoch {self.epoch}, its best.", self.epoch


def stop_label(record) -> str | None:
    """A short label for a run its stop rule ended, from its last ``EpochRecord``: "stopped
    early at epoch 17 (best 12)", "stopped at the target at epoch 9"; None when no rule did.
    Epochs as the record counts them (``restored_epoch`` over all runs: equal for a fresh one)."""
    from nnstudio.engine.policies import stop_kind

    kind, _ = stop_kind(getattr(record, "stopped", None))
    if kind == "target":
        return f"stopped at the target at epoch {record.epoch}"
    if kind is None:
        return None
    best = getattr(record, "restored_epoch", None)
    return f"stopped early at epoch {record.epoch}" + (f" (best {best})" if best is not None else "")
