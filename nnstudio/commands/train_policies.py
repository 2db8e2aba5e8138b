"""``nnstudio train``'s flags for the training policies: a learning-rate schedule, early
stopping that restores the best epoch, and a target to stop at. They are saved into the
project's training settings (``schedule``, ``stop``, ``target``: see
:mod:`nnstudio.project.run_policies`), so the window trains a saved project the same way.
"""
from __future__ import annotations

import argparse

from nnstudio.errors import ConfigError

SCHEDULES = ("step", "cosine", "plateau", "none")


def _whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0 (0 turns it off), got {text!r}")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}")
    return value


def add_policy_flags(group) -> None:
    """Add ``--schedule``, ``--early-stop``, ``--target-accuracy``, ``--target-loss`` to an
    argparse group of ``nnstudio train``."""
    group.add_argument("--schedule", choices=SCHEDULES, metavar="KIND",
                       help="change the learning rate while training: step (halve it every "
                            "quarter of the epochs), cosine (glide down to 0 by the last epoch), "
                            "plateau (halve it when the validation loss stalls for 5 epochs), "
                            "none (keep it)")
    group.add_argument("--early-stop", type=_whole, metavar="PATIENCE",
                       help="stop when the validation loss has not improved for PATIENCE "
                            "epochs and go back to the best epoch's weights (0: off)")
    goal = group.add_mutually_exclusive_group()
    goal.add_argument("--target-accuracy", type=_number, metavar="X",
                      help="stop as soon as the validation accuracy reaches X (0.95 for 95 %%)")
    goal.add_argument("--target-loss", type=_number, metavar="X",
                      help="stop as soon as the validation loss falls to X")


def apply_policy_flags(training: dict, args: argparse.Namespace, has_validation: bool) -> None:
    """Write the policy flags of ``args`` into the project's ``training`` settings (in place).

    Watches the validation scores when the split keeps validation rows, else the training
    ones. A schedule starts at the optimizer's learning rate; a new ``--lr`` moves the start
    of a saved schedule too.

    Raises
    ------
    ConfigError
        Naming the flag and the value, e.g. a target accuracy of 95 (0.95 is meant).
    """
    from nnstudio.engine.policies import (
        CosineDecay,
        EarlyStopping,
        ReduceOnPlateau,
        StepDecay,
        TargetStop,
        policy_to_config,
    )

    part = "val" if has_validation else "train"
    rate = float(training["optimizer"]["config"].get("learning_rate", 0.01))
    epochs = int(training.get("epochs", 100))
    kind = getattr(args, "schedule", None)
    if kind == "none":
        training["schedule"] = None
    elif kind is not None:
        policy = {"step": lambda: StepDecay(rate, 0.5, max(1, epochs // 4)),
                  "cosine": lambda: CosineDecay(rate, epochs, 0.0),
                  "plateau": lambda: ReduceOnPlateau(rate, monitor=f"{part}_loss")}[kind]()
        training["schedule"] = policy_to_config(policy)
    elif getattr(args, "lr", None) is not None and training.get("schedule"):
        training["schedule"]["config"]["rate"] = rate  # the schedule starts at the new rate
    patience = getattr(args, "early_stop", None)
    if patience == 0:
        training["stop"] = None
    elif patience is not None:
        training["stop"] = policy_to_config(EarlyStopping(f"{part}_loss", patience, restore_best=True))
    for flag, attr, monitor in (("--target-accuracy", "target_accuracy", f"{part}_acc"),
                                ("--target-loss", "target_loss", f"{part}_loss")):
        value = getattr(args, attr, None)
        if value is None:
            continue
        try:
            training["target"] = policy_to_config(TargetStop(monitor, value))
        except ConfigError as exc:
            raise ConfigError(f"{flag}: {exc}") from None
