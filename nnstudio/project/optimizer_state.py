"""The optimizer's state inside a project file, so that Train after Open continues Adam's
averages where the saved run left them.

A state (:meth:`nnstudio.engine.Optimizer.state_dict`) is stored in two parts:

- ``project.json`` key ``"optimizer_state"``: ``{"class", "config", "iterations", "slots":
  {parameter name: [slot names]}}`` (JSON only);
- ``weights.npz``: one array per parameter and slot, named
  ``"optimizer/<parameter name>/<slot>"`` (e.g. ``"optimizer/dense_1/W/m_sum"``), beside the
  weights themselves.

Reading never fails because of the state: one that is damaged or incomplete is dropped with a
note (the optimizer then starts afresh, as it did before states were saved).
"""
from __future__ import annotations

import numpy as np

#: Prefix of the state's arrays in ``weights.npz``.
PREFIX = "optimizer/"
#: Key of the state's JSON part in ``project.json``.
KEY = "optimizer_state"


def to_file(state: dict | None) -> tuple[dict | None, dict[str, np.ndarray]]:
    """``state`` as its JSON part and its arrays (named for ``weights.npz``)."""
    if not state:
        return None, {}
    arrays, slots = {}, {}
    for name, per_slot in state["params"].items():
        slots[name] = list(per_slot)
        for slot, arr in per_slot.items():
            arrays[f"{PREFIX}{name}/{slot}"] = np.ascontiguousarray(arr)
    meta = {"class": state["class"], "config": state["config"], "iterations": int(state["iterations"]),
            "slots": slots}
    return meta, arrays


def split_arrays(arrays: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``weights.npz``'s arrays as (weights, optimizer state arrays)."""
    weights = {k: v for k, v in arrays.items() if not k.startswith(PREFIX)}
    state = {k: v for k, v in arrays.items() if k.startswith(PREFIX)}
    return weights, state


def from_file(meta, arrays: dict[str, np.ndarray], weights: dict | None,
              notes: list[str]) -> dict | None:
    """The state stored as ``meta`` (the JSON part, or None) and ``arrays``; None, with a note
    appended to ``notes``, when it is damaged or does not fit ``weights`` (the project's
    weights by name). Whether it fits the optimizer is decided when training starts."""
    if meta is None and not arrays:
        return None
    state = _read(meta, arrays, weights or {})
    if isinstance(state, str):
        notes.append(f"The optimizer's saved state was left out ({state}); the next run starts "
                     "its averages afresh.")
        return None
    return state


def _read(meta, arrays: dict[str, np.ndarray], weights: dict) -> dict | str:
    if not weights:
        return "the project has no trained weights"
    if not isinstance(meta, dict) or not isinstance(meta.get("slots"), dict):
        return "its description is missing"
    iterations = meta.get("iterations")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        return f"its step count {iterations!r} is not a whole number >= 0"
    if not isinstance(meta.get("class"), str) or not isinstance(meta.get("config"), dict):
        return "it does not say which optimizer it belongs to"
    params: dict[str, dict[str, np.ndarray]] = {}
    used = set()
    for name, slots in meta["slots"].items():
        if name not in weights:
            return f"it names {name!r}, which is not one of the network's weights"
        if not isinstance(slots, list) or not all(isinstance(s, str) for s in slots):
            return f"its slots for {name!r} are not a list of names"
        params[name] = {}
        for slot in slots:
            key = f"{PREFIX}{name}/{slot}"
            arr = arrays.get(key)
            if arr is None:
                return f"{key!r} is missing"
            if arr.dtype.kind != "f" or arr.shape != np.shape(weights[name]) or not np.isfinite(arr).all():
                return f"{key!r} does not fit the weights of {name!r}"
            params[name][slot] = arr
            used.add(key)
    extra = sorted(set(arrays) - used)
    if extra:
        return f"{extra[0]!r} belongs to no parameter"
    return {"class": meta["class"], "config": meta["config"], "iterations": iterations, "params": params}
