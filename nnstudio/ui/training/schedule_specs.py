"""The training panel's stop and rate choices as project settings, and back into words.

Qt-free helpers for :mod:`nnstudio.ui.training.stop_rate_box`: each builds the
``{"class": ..., "config": ...}`` spec that ``project.training`` keeps under ``"stop"``,
``"target"`` or ``"schedule"`` (see :mod:`nnstudio.engine.policies`), or None for "off".
"""
from __future__ import annotations

#: Schedule class -> (label, tooltip); "" = no schedule. The order is the combo box's.
SCHEDULES = {
    "": ("Keep it the same", "The learning rate stays as set above (you can still change it "
         "by hand while training)."),
    "StepDecay": ("Lower it in steps", "Multiply the rate by a factor every few epochs: big "
                  "steps first, finer ones later."),
    "CosineDecay": ("Glide it down (cosine)", "Lower the rate smoothly along half a cosine "
                    "curve: fast learning first, careful fine-tuning at the end."),
    "ReduceOnPlateau": ("Lower it when stuck", "Lower the rate whenever the validation loss "
                        "stops improving for a few epochs."),
}

#: Target monitor -> (label, tooltip, lower is better, unit: "%" or "").
TARGETS = {
    "val_acc": ("validation accuracy ≥", "Stop once this share of the validation samples is "
                "answered right.", False, "%"),
    "val_loss": ("validation loss ≤", "Stop once the validation loss is this low.", True, ""),
    "train_acc": ("training accuracy ≥", "Stop once this share of the training samples is "
                  "answered right.", False, "%"),
    "train_loss": ("training loss ≤", "Stop once the training loss is this low.", True, ""),
}


def stop_spec(on: bool, patience: int, restore_best: bool) -> dict | None:
    """Early stopping on the validation loss, or None when off."""
    if not on:
        return None
    return {"class": "EarlyStopping", "config": {"monitor": "val_loss", "patience": int(patience),
                                                 "min_delta": None,
                                                 "restore_best": bool(restore_best)}}


def target_spec(on: bool, monitor: str, value: float) -> dict | None:
    """Stop when ``monitor`` reaches ``value`` (an accuracy as a fraction), or None when off."""
    if not on:
        return None
    return {"class": "TargetStop", "config": {"monitor": monitor, "value": float(value)}}


def schedule_spec(kind: str, rate: float, first: float, second: float) -> dict | None:
    """The schedule ``kind`` (a key of :data:`SCHEDULES`) starting at ``rate``.

    ``first, second`` are the two settings the panel shows: every / factor (step), epochs /
    final rate (cosine), patience / factor (plateau).
    """
    if kind == "StepDecay":
        return {"class": kind, "config": {"rate": rate, "factor": float(second),
                                          "every": int(first)}}
    if kind == "CosineDecay":
        # The final rate cannot lie above the start: a lower start pulls it down with it.
        return {"class": kind, "config": {"rate": rate, "epochs": int(first),
                                          "final_rate": min(float(second), rate)}}
    if kind == "ReduceOnPlateau":
        return {"class": kind, "config": {"rate": rate, "factor": float(second),
                                          "patience": int(first), "monitor": "val_loss"}}
    return None


def with_rate(training: dict, rate: float) -> dict:
    """``set_training`` changes for a new learning rate: the schedule (when it has a starting
    rate) starts from it too, so the rate set above is the one the run begins with."""
    changes: dict = {"learning_rate": float(rate)}
    spec = training.get("schedule")
    if spec and "rate" in spec.get("config", {}):
        config = spec["config"]
        new = {**config, "rate": float(rate)}
        if "final_rate" in config:  # the end cannot lie above the start
            new["final_rate"] = min(float(config["final_rate"]), float(rate))
        if "min_rate" in config:
            new["min_rate"] = min(float(config["min_rate"]), float(rate))
        changes["schedule"] = {"class": spec["class"], "config": new}
    return changes


def summary(training: dict) -> str:
    """One line for the folded section: what stops the run and what the rate does."""
    parts = []
    stop = training.get("stop")
    if stop:
        c = stop.get("config", {})
        back = ", back to the best" if c.get("restore_best", True) else ""
        parts.append(f"stops after {c.get('patience', 10)} epochs without progress{back}")
    target = training.get("target")
    if target:
        c = target.get("config", {})
        monitor = c.get("monitor", "val_acc")
        label = TARGETS.get(monitor, (monitor,))[0]
        value = float(c.get("value", 0))
        shown = f"{value:.1%}" if TARGETS.get(monitor, ("", "", False, ""))[3] == "%" else f"{value:g}"
        parts.append(f"stops at {label} {shown}")
    schedule = training.get("schedule")
    if schedule:
        parts.append("rate: " + SCHEDULES.get(schedule.get("class", ""), (schedule.get("class"),))[0].lower())
    if not parts:
        return "Runs every epoch; the rate stays the same."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."
