"""One-click fixes for the doctor's findings: each a plain-data edit of a project's settings.

A finding's advice (:class:`~nnstudio.doctor.findings.Remedy`) says what to try; a
:class:`Fix` is the part of that advice a button can do: it names itself in plain words
("Lower the learning rate to 0.0003") and applies as a pure function on the settings

    ``{"training": project.training, "layers": project.network["layers"]}``

returning new settings (nothing is changed in place), so the window can apply it through its
controller (undoably) and :func:`~nnstudio.doctor.prove.prove_fix` can run with and without it.
Fixes are picklable and JSON-ready (:meth:`Fix.to_dict` / :meth:`Fix.from_dict`).

Advice no button can follow (more data, train again from fresh weights, rewind) has no fix.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from nnstudio.doctor.findings import Finding
from nnstudio.doctor.render import plain_number
from nnstudio.errors import ConfigError

#: What a fix does.
#:
#: - ``learning_rate`` (params ``learning_rate``): a new rate (lower or higher); a schedule
#:   in the settings starts from it too;
#: - ``early_stopping`` (``monitor``, ``patience``): stop when the watched score stalls and
#:   go back to the best epoch;
#: - ``l2`` (``weight_decay``): an L2 penalty on the weights;
#: - ``dropout`` (``rate``): a Dropout layer before the output layer;
#: - ``neurons`` (``factor``): every hidden Dense layer's units times ``factor`` (0.5 fewer,
#:   2 more); those layers start from fresh weights;
#: - ``hidden_layer`` (``units``): a hidden Dense ReLU layer before the output layer (for a
#:   network without one; the output layer then starts from fresh weights);
#: - ``leaky_relu``: Leaky ReLU instead of ReLU in the hidden layers (same weights);
#: - ``plateau``: lower the rate (by half) when the validation loss stalls for 5 epochs;
#: - ``noise`` (``std``): Gaussian noise on the training inputs (augmentation).
FIX_KINDS = ("learning_rate", "early_stopping", "l2", "dropout", "neurons", "hidden_layer",
             "leaky_relu", "plateau", "noise")
#: Where each kind changes the settings: the training dict, its policies, or the layer list.
CHANGES = {"learning_rate": "training", "l2": "training", "early_stopping": "policies",
           "plateau": "policies", "noise": "policies", "dropout": "layers", "neurons": "layers",
           "hidden_layer": "layers", "leaky_relu": "layers"}

#: Suggested values (the advice may name others).
L2_PENALTY = 0.001
DROPOUT_RATE = 0.2
NOISE_STD = 0.1
PATIENCE = 10


@dataclass(frozen=True)
class Fix:
    """One change a button can make, as data.

    Attributes
    ----------
    kind : str
        One of :data:`FIX_KINDS`.
    label : str
        In plain words, for the button: "Lower the learning rate to 0.0003".
    params : dict
        JSON-ready values of the change, e.g. ``{"learning_rate": 0.0003}``.
    finding : str
        The finding kind it answers ("" when made by hand).
    judge_by : str
        What a proof compares: ``"val_loss"`` (default), ``"val_acc"``; without validation
        data the proof falls back to the training score.
    """

    kind: str
    label: str
    params: dict = field(default_factory=dict, hash=False)
    finding: str = ""
    judge_by: str = "val_loss"

    def __post_init__(self) -> None:
        if self.kind not in FIX_KINDS:
            raise ConfigError(f"fix kind must be one of {', '.join(FIX_KINDS)}, got {self.kind!r}")

    @property
    def changes(self) -> str:
        """``"training"``, ``"policies"`` or ``"layers"``: what the fix edits."""
        return CHANGES[self.kind]

    def apply(self, settings: dict) -> dict:
        """New settings with this fix applied (``settings`` is left as it was).

        Parameters
        ----------
        settings : dict
            ``{"training": dict, "layers": list of {"class", "config"}}``: the project's
            training settings and its network's layer list (the output layer last).

        Raises
        ------
        ConfigError
            When the settings lack what the fix changes (e.g. no hidden layer to widen).
        """
        new = {"training": copy.deepcopy(settings.get("training", {})),
               "layers": copy.deepcopy(settings.get("layers", []))}
        _APPLY[self.kind](new, self.params)
        return new

    def to_dict(self) -> dict:
        return {"kind": self.kind, "label": self.label, "params": dict(self.params),
                "finding": self.finding, "judge_by": self.judge_by}

    @classmethod
    def from_dict(cls, data: dict) -> Fix:
        return cls(data["kind"], data["label"], dict(data.get("params", {})),
                   data.get("finding", ""), data.get("judge_by", "val_loss"))


def settings_of(project) -> dict:
    """``{"training", "layers"}`` of a :class:`~nnstudio.project.Project` (copies)."""
    return {"training": copy.deepcopy(project.training),
            "layers": copy.deepcopy(project.network.get("layers", []))}


# ------------------------------------------------------------------ the edits
def _rate(settings: dict) -> float:
    return float(settings["training"]["optimizer"]["config"].get("learning_rate", 0.01))


def _set_rate(new: dict, params: dict) -> None:
    rate = float(params["learning_rate"])
    training = new["training"]
    training["optimizer"]["config"]["learning_rate"] = rate
    schedule = training.get("schedule")
    if schedule and "rate" in schedule.get("config", {}):  # the schedule starts there too
        config = schedule["config"]
        config["rate"] = rate
        for key in ("final_rate", "min_rate"):
            if key in config and config[key] > rate:
                config[key] = rate * (1e-3 if key == "final_rate" else 1e-2)


def _set_l2(new: dict, params: dict) -> None:
    new["training"]["optimizer"]["config"]["weight_decay"] = float(params["weight_decay"])


def _policy(key: str, policy) -> Callable[[dict, dict], None]:
    from nnstudio.engine.policies import policy_to_config

    def edit(new: dict, params: dict) -> None:
        new["training"][key] = policy_to_config(policy(new, params))
    return edit


def _early_stopping(new: dict, params: dict):
    from nnstudio.engine.policies import EarlyStopping

    return EarlyStopping(params.get("monitor", "val_loss"), int(params.get("patience", PATIENCE)),
                         restore_best=True)


def _plateau(new: dict, params: dict):
    from nnstudio.engine.policies import ReduceOnPlateau

    rate = _rate(new)
    return ReduceOnPlateau(rate, 0.5, 5, min(1e-6, rate), params.get("monitor", "val_loss"))


def _noise(new: dict, params: dict):
    from nnstudio.engine.policies import GaussianNoise

    return GaussianNoise(float(params.get("std", NOISE_STD)))


def _hidden(layers: list) -> list[dict]:
    """The hidden Dense layers (all Dense layers but the last one)."""
    dense = [spec for spec in layers if spec.get("class") == "Dense"]
    return dense[:-1]


def _add_dropout(new: dict, params: dict) -> None:
    from nnstudio.engine.layers.naming import fresh_layer_name, layer_names

    layers = new["layers"]
    if not _hidden(layers):
        raise ConfigError("there is no hidden layer to put a Dropout layer after")
    present = [spec for spec in layers if spec.get("class") == "Dropout"]
    if present:
        raise ConfigError(f"the network already has a Dropout layer "
                          f"({present[0].get('config', {}).get('name', 'dropout')})")
    out = max(i for i, spec in enumerate(layers) if spec.get("class") == "Dense")
    name = fresh_layer_name("dropout", layer_names(layers))
    layers.insert(out, {"class": "Dropout", "config": {"rate": float(params.get("rate", DROPOUT_RATE)),
                                                      "trainable": True, "name": name}})


def _neurons(new: dict, params: dict) -> None:
    hidden = _hidden(new["layers"])
    if not hidden:
        raise ConfigError("there is no hidden layer to change the neurons of")
    for spec in hidden:
        units = int(spec["config"]["units"])
        spec["config"]["units"] = max(2, round(units * float(params["factor"])))


def _hidden_layer(new: dict, params: dict) -> None:
    from nnstudio.engine.layers.naming import fresh_layer_name, layer_names

    layers = new["layers"]
    dense = [i for i, spec in enumerate(layers) if spec.get("class") == "Dense"]
    if not dense:
        raise ConfigError("the network has no output layer to put a hidden layer before")
    name = fresh_layer_name("dense", layer_names(layers))
    layers.insert(dense[-1], {"class": "Dense", "config": {
        "units": int(params.get("units", 16)), "activation": "relu", "trainable": True, "name": name}})


def _leaky(new: dict, params: dict) -> None:
    hidden = [spec for spec in _hidden(new["layers"]) if spec["config"].get("activation") == "relu"]
    if not hidden:
        raise ConfigError("no hidden layer uses ReLU")
    for spec in hidden:
        spec["config"]["activation"] = "leaky_relu"


_APPLY: dict[str, Callable[[dict, dict], None]] = {
          "learning_rate": _set_rate, "l2": _set_l2, "early_stopping": _policy("stop", _early_stopping),
          "plateau": _policy("schedule", _plateau), "noise": _policy("augment", _noise),
          "dropout": _add_dropout, "neurons": _neurons, "hidden_layer": _hidden_layer,
          "leaky_relu": _leaky}


# ------------------------------------------------------------------ advice -> fixes
def fixes_for(finding: Finding, settings: dict, has_validation: bool = True) -> list[Fix]:
    """The fixes a button can apply for ``finding``, most useful first; none that would
    change nothing (early stopping already on, a Dropout layer already there ...).

    Parameters
    ----------
    finding : Finding
        From :func:`~nnstudio.doctor.live_findings` or :func:`~nnstudio.doctor.diagnose_run`.
    settings : dict
        ``{"training": dict, "layers": list}`` as for :meth:`Fix.apply`.
    has_validation : bool
        Whether the split keeps validation rows: stop rules watch the training loss if not.
    """
    out: list[Fix] = []
    for remedy in finding.advice:
        for fix in _from_remedy(remedy.kind, remedy.value, settings, finding, has_validation):
            if fix is not None and fix not in out and _changes_something(fix, settings):
                out.append(fix)
    return out


def _from_remedy(kind: str, value, settings: dict, finding: Finding,
                 has_validation: bool) -> list[Fix | None]:
    f = finding.kind
    rate = _rate(settings)
    monitor = "val_loss" if has_validation else "train_loss"
    if kind in ("lower_rate", "keep_rate_near"):
        to = float(value) if value is not None else rate / 10
        return [Fix("learning_rate", f"Lower the learning rate to {to:g}", {"learning_rate": to}, f)]
    if kind == "raise_rate":
        to = float(value) if value is not None else rate * 10
        return [Fix("learning_rate", f"Raise the learning rate to {to:g}", {"learning_rate": to}, f)]
    if kind in ("restore_best", "fewer_epochs"):
        if _goes_back_already(settings, monitor):
            return []  # another patience is not a fix: the run already returns to its best
        return [Fix("early_stopping", "Add early stopping that goes back to the best epoch",
                    {"monitor": monitor, "patience": PATIENCE}, f)]
    if kind == "watch_accuracy" and has_validation:
        return [Fix("early_stopping", "Stop by the validation accuracy and go back to its best "
                    "epoch", {"monitor": "val_acc", "patience": PATIENCE}, f, "val_acc")]
    if kind in ("l2", "dropout_or_l2", "dropout"):
        fixes: list[Fix | None] = []
        if kind != "dropout":
            l2 = float(value) if kind == "l2" and value is not None else L2_PENALTY
            now = float(settings["training"]["optimizer"]["config"].get("weight_decay", 0.0))
            l2 = l2 if now < l2 else now * 10
            fixes.append(Fix("l2", f"Add an L2 penalty of {l2:g}", {"weight_decay": l2}, f))
        if kind != "l2":
            r = float(value) if kind == "dropout" and value is not None else DROPOUT_RATE
            fixes.append(Fix("dropout", f"Add a Dropout layer ({r:g})", {"rate": r}, f))
        return fixes
    if kind == "fewer_neurons":
        return [Fix("neurons", "Halve the neurons of each hidden layer", {"factor": 0.5}, f)]
    if kind == "more_neurons":
        if not _hidden(settings.get("layers", [])):
            return [Fix("hidden_layer", "Add a hidden layer of 16 neurons (ReLU)", {"units": 16}, f)]
        return [Fix("neurons", "Double the neurons of each hidden layer", {"factor": 2.0}, f)]
    if kind == "leaky_relu":
        return [Fix("leaky_relu", "Use Leaky ReLU in the hidden layers (its neurons cannot go "
                    "silent)", {}, f)]
    if kind == "rate_when_stuck":
        return [Fix("plateau", "Halve the learning rate whenever the validation loss stalls",
                    {"monitor": monitor}, f)]
    if kind == "augment":
        return [Fix("noise", f"Add a little noise to the training inputs ({plain_number(NOISE_STD)})",
                    {"std": NOISE_STD}, f)]
    return []  # reset, more epochs, more data, rewind: no settings edit does these


def _goes_back_already(settings: dict, monitor: str) -> bool:
    """Whether the settings' early stopping already watches ``monitor`` and goes back to the
    best epoch."""
    stop = settings.get("training", {}).get("stop") or {}
    config = stop.get("config", {}) if stop.get("class") == "EarlyStopping" else {}
    return bool(config) and config.get("monitor", "val_loss") == monitor and \
        bool(config.get("restore_best", True))


def _changes_something(fix: Fix, settings: dict) -> bool:
    try:
        return fix.apply(settings) != {"training": settings.get("training", {}),
                                       "layers": settings.get("layers", [])}
    except (ConfigError, KeyError, TypeError, ValueError):
        return False  # it cannot apply to these settings: no button for it
