"""The optimizer choices a person picks from: one list for the window's combo box, the command
line's ``--optimizer`` and the project's settings.

A choice is an optimizer class of the registry (:data:`~nnstudio.engine.optimizers.OPTIMIZERS`)
with a few settings fixed: "SGD + momentum" is :class:`SGD` with ``momentum=0.9``. The combo
box lists :data:`OPTIMIZER_CHOICES` by ``label`` with ``description`` as tooltip, the command
line by ``key``; :func:`choice_of` tells which choice a saved config shows.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from nnstudio.engine.optimizers import OPTIMIZERS, SGD, Adam, Optimizer
from nnstudio.errors import ConfigError

#: The learning rate a new project starts with (the classes' own default is Keras' 0.001,
#: which makes the small demos crawl).
DEFAULT_LEARNING_RATE = 0.01
#: Momentum of the momentum choices (PyTorch's and Keras' usual value).
MOMENTUM = 0.9


@dataclass(frozen=True)
class OptimizerChoice:
    """One entry of the optimizer list.

    Attributes
    ----------
    label : str
        What the combo box shows ("SGD + momentum").
    key : str
        The command line's name (``--optimizer momentum``).
    cls : type of Optimizer
        The registry class.
    settings : dict
        Settings the choice fixes (``{"momentum": 0.9, "nesterov": False}``).
    description : str
        One plain sentence for tooltips and help.
    """

    label: str
    key: str
    cls: type[Optimizer]
    settings: dict = field(default_factory=dict)
    description: str = ""

    def config(self, learning_rate: float = DEFAULT_LEARNING_RATE, weight_decay: float = 0.0) -> dict:
        """``{"class", "config"}`` of this choice with ``learning_rate`` and ``weight_decay``."""
        return {"class": self.cls.display_name,
                "config": {"learning_rate": learning_rate, "weight_decay": weight_decay, **self.settings}}


OPTIMIZER_CHOICES: tuple[OptimizerChoice, ...] = (
    OptimizerChoice("Adam", "adam", Adam, {}, Adam.description),
    OptimizerChoice("SGD", "sgd", SGD, {"momentum": 0.0, "nesterov": False}, SGD.description),
    OptimizerChoice("SGD + momentum", "momentum", SGD, {"momentum": MOMENTUM, "nesterov": False},
                    "Gradient descent that keeps some speed from earlier steps, like a rolling ball."),
    OptimizerChoice("SGD + Nesterov", "nesterov", SGD, {"momentum": MOMENTUM, "nesterov": True},
                    "Momentum that looks one step ahead before correcting; often a little steadier."),
)


def choice_by_key(key: str) -> OptimizerChoice:
    """The choice named ``key`` ("adam", "sgd", "momentum", "nesterov")."""
    return _find("key", key)


def choice_by_label(label: str) -> OptimizerChoice:
    """The choice the combo box shows as ``label`` ("SGD + momentum")."""
    return _find("label", label)


def _find(field: str, value: str) -> OptimizerChoice:
    for choice in OPTIMIZER_CHOICES:
        if getattr(choice, field) == value:
            return choice
    raise ConfigError(f"unknown optimizer {value!r}; choose one of "
                      f"{', '.join(getattr(c, field) for c in OPTIMIZER_CHOICES)}")


def choice_of(spec: dict) -> OptimizerChoice:
    """The choice that shows the optimizer config ``spec`` (``{"class", "config"}``): its
    class, and of that class's choices the last whose fixed settings are all on (so SGD with
    momentum and Nesterov shows as "SGD + Nesterov"; a momentum of 0.5 as "SGD + momentum")."""
    cfg = spec.get("config", {})
    found = None
    for choice in OPTIMIZER_CHOICES:
        if choice.cls.display_name != spec.get("class"):
            continue
        if found is None or all(bool(cfg.get(k)) == bool(v) for k, v in choice.settings.items()):
            found = choice
    if found is None:
        raise ConfigError(f"unknown optimizer {spec.get('class')!r}; choose one of {sorted(OPTIMIZERS)}")
    return found


def settings_of(cls_name: str) -> set[str]:
    """The settings the optimizer class ``cls_name`` takes (its ``__init__`` parameters)."""
    cls = OPTIMIZERS.get(cls_name)
    if cls is None:
        raise ConfigError(f"unknown optimizer {cls_name!r}; choose one of {sorted(OPTIMIZERS)}")
    return set(inspect.signature(cls).parameters)
