"""An optimizer's state as data, named by parameter: saved with a project, sent between the
trainer process and the window, and loaded again so that a run continues where the last one
stopped (Adam's averages carry on instead of restarting).

The optimizer keeps its state per *merged segment* (neighbouring trainable layers share one
array, so a step is a few passes over the whole network); this module slices it per
parameter name of :meth:`Network.param_slices` and back.

A state dict::

    {"class": "Adam", "config": {...}, "iterations": 1200,
     "params": {"0/W": {"m_sum": ndarray (2, 16), "v_sum": ndarray (2, 16)}, ...}}

``class``, ``config`` and ``iterations`` are JSON; ``params`` holds only numpy arrays.
"""
from __future__ import annotations

import numpy as np

from nnstudio.errors import ConfigError

#: Settings that change what the stored arrays mean: a state saved under other values is
#: not continued (the learning rate, epsilon and L2 can change freely between runs).
MEANING_KEYS = {"Adam": ("beta_1", "beta_2")}


def state_dict(opt) -> dict:
    """Copies of ``opt``'s state by parameter name (trainable parameters only).

    Parameters
    ----------
    opt : Optimizer
        Attached to a network (:meth:`Optimizer.attach`).
    """
    params: dict[str, dict[str, np.ndarray]] = {}
    for name, (i, off, size, shape) in opt._names.items():
        state = opt._state[i]
        params[name] = {slot: state[slot][off:off + size].reshape(shape).copy() for slot in state}
    return {"class": type(opt).display_name, "config": opt.get_config(),
            "iterations": int(opt.iterations), "params": params}


def load_state_dict(opt, state: dict | None) -> list[str]:
    """Put ``state`` (from :func:`state_dict`) into ``opt`` when it fits, all or nothing.

    It fits when it comes from the same kind of optimizer with the same averaging settings
    and holds, for every parameter ``opt`` trains, arrays of that parameter's shape (state
    for parameters now frozen or gone is ignored). One step count drives the bias
    correction of every average, so a state is never mixed with fresh averages.

    Returns
    -------
    list of str
        Plain-language notes on what was not continued; empty when all of it was (or
        ``state`` is None). A state that does not fit is dropped with a note, never raised.

    Raises
    ------
    ConfigError
        When ``opt`` is not attached to a network (a programming error, not the data's).
    """
    if state is None:
        return []
    if opt._network is None:
        raise ConfigError("the optimizer is not attached to a network yet; call attach(network)")
    why = _misfit(opt, state)
    if why:
        return [f"The optimizer starts afresh: {why}."]
    for name, (i, off, size, _shape) in opt._names.items():
        for slot, target in opt._state[i].items():
            target[off:off + size] = np.asarray(state["params"][name][slot]).reshape(-1)
    opt.iterations = int(state["iterations"])
    return []


def _misfit(opt, state) -> str | None:
    """Why ``state`` cannot continue in ``opt``, in plain words; None when it can."""
    if not isinstance(state, dict) or not isinstance(state.get("params"), dict):
        return "its saved state is not readable"
    kind, mine = state.get("class"), type(opt).display_name
    if kind != mine:
        return f"the saved state belongs to {kind}, and training now uses {mine}"
    iterations = state.get("iterations")
    if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) or iterations < 0:
        return f"its saved step count {iterations!r} is not a whole number >= 0"
    config = state.get("config")
    if not isinstance(config, dict):
        config = {}
    for key in MEANING_KEYS.get(mine, ()):
        old, new = config.get(key), getattr(opt, key)
        if isinstance(old, bool) or not isinstance(old, (int, float)) or old != new:
            return f"{key} changed from {old!r} to {new!r}, so the saved averages mean something else"
    slots = set(opt.slots)
    dtype = opt._segments[0][0].dtype if opt._segments else np.float32
    for name in opt._names:
        saved = state["params"].get(name)
        if not isinstance(saved, dict) or not slots <= set(saved):
            return f"there is no saved state for {name} (the network changed since)"
    for name, (_, _, _, shape) in opt._names.items():
        saved = state["params"][name]
        for slot in opt.slots:
            arr = saved[slot]
            if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f":
                return f"the saved {slot} of {name} is not an array of numbers"
            if arr.shape != tuple(shape):
                return (f"the saved state of {name} has shape {arr.shape}, the network needs "
                        f"{tuple(shape)} (the network changed since)")
            if not np.isfinite(arr).all() or not np.isfinite(arr.astype(dtype)).all():
                return f"the saved {slot} of {name} holds values that are not finite"
    return None
