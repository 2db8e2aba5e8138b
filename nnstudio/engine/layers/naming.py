"""Layer names: they name the weights (``"dense_1/W"``), so weights follow their layer when
others are inserted, removed or moved, and can be matched by name when loading."""
from __future__ import annotations

import copy
from collections.abc import Iterable

from nnstudio.errors import ConfigError


def fresh_layer_name(prefix: str, taken: Iterable[str]) -> str:
    """The first free ``<prefix>_N`` (N from 1) not in ``taken`` (Keras style)."""
    taken = set(taken)
    n = 1
    while f"{prefix}_{n}" in taken:
        n += 1
    return f"{prefix}_{n}"


def _prefix(kind: str) -> str:
    from nnstudio.engine.layers import LAYERS

    cls = LAYERS.get(kind)
    return cls.prefix if cls is not None else kind.lower() or "layer"


def layer_names(layers: list) -> list[str]:
    """Every layer's name, input side first: its own, or for a layer without one the first
    free ``<prefix>_N`` in order (as files and code from before layer names are read).
    ``layers`` are ``Layer`` objects or ``{"class", "config"}`` dicts.

    Raises
    ------
    ConfigError
        When two layers carry the same name.
    """
    own = []
    for layer in layers:
        if isinstance(layer, dict):
            config = layer.get("config")
            own.append(config.get("name") if isinstance(config, dict) else None)
        else:
            own.append(layer.name)
    seen: set[str] = set()
    for name in own:
        if name is not None:
            if name in seen:
                raise ConfigError(f"two layers are named {name!r}; every layer needs its own name")
            seen.add(name)
    names = []
    for layer, name in zip(layers, own):
        if name is None:
            kind = layer.get("class", "") if isinstance(layer, dict) else layer.kind
            name = fresh_layer_name(_prefix(str(kind)), seen)
            seen.add(name)
        names.append(name)
    return names


def name_layer_configs(configs: list[dict]) -> list[dict]:
    """Copies of layer configs with every ``config["name"]`` filled in (see
    :func:`layer_names`); named ones keep their names."""
    out = copy.deepcopy(configs)
    for spec, name in zip(out, layer_names(out)):
        spec.setdefault("config", {})["name"] = name
    return out


def new_layer_config(config: dict, others: list[dict]) -> dict:
    """A copy of the layer ``config`` with a name free among ``others`` (a new layer's name
    is given once, at creation, and stays while other layers come and go)."""
    out = copy.deepcopy(config)
    taken = set(layer_names(others)) if others else set()
    name = out.get("config", {}).get("name")
    if name is None or name in taken:
        out.setdefault("config", {})["name"] = fresh_layer_name(_prefix(str(out.get("class", ""))), taken)
    return out
