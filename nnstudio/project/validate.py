"""Checking a project document read from disk before anything else trusts it.

Every check raises :class:`~nnstudio.errors.ProjectError` naming the setting and the value
found, prefixed with the file name, so a person knows which file is wrong and why.
"""
from __future__ import annotations

import math

import numpy as np

from nnstudio.errors import NNStudioError, ProjectError
from nnstudio.project.document import HISTORY_KEYS, Project

_PREFIX = "{label!r} is damaged or was edited by hand: "


def damaged(label: str, message: str) -> ProjectError:
    """``'<label>' is damaged or was edited by hand: <message>`` as a ProjectError."""
    return ProjectError(_PREFIX.format(label=label) + message)


_fail = damaged


def too_big(label: str, exc: Exception) -> ProjectError:
    """The file may be fine, made on a bigger computer: say so rather than 'damaged'."""
    return ProjectError(f"{label!r} cannot be opened on this computer. {exc}")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _expect(label: str, value, kind: type | tuple, what: str):
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise _fail(label, f"{what} should be {_kind_name(kind)}, got {value!r:.80}")
    return value


def _kind_name(kind) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true or false", int: "a whole number"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def validate_document(document: dict, label: str) -> Project:
    """Turn a migrated document into a checked :class:`Project`.

    Parameters
    ----------
    document : dict
        ``{"metadata": dict, "project": dict, "weights": dict[str, ndarray]}``.
    label : str
        The file name, used in messages.
    """
    body = _expect(label, document.get("project"), dict, "project.json")
    metadata = document.get("metadata") or {}
    name = _expect(label, body.get("name", "Untitled"), str, "name")
    data_source = _check_source(label, body.get("data_source", {}))
    split = _check_split(label, body.get("split"))
    training = _check_training(label, body.get("training"))
    history = _check_history(label, body.get("history", {}))
    network_cfg = _expect(label, body.get("network", {}), dict, "network")
    network = _build_network(label, network_cfg) if network_cfg else None
    weights = _check_weights(label, document.get("weights") or {}, network)
    scaler = _check_scaler(label, body.get("scaler"), network)
    data_check = _check_data_check(label, body.get("data_check"))
    created = metadata.get("created") if isinstance(metadata.get("created"), str) else None
    modified = metadata.get("modified") if isinstance(metadata.get("modified"), str) else None
    return Project(name=name, data_source=data_source, split=split, network=network_cfg,
                   training=training, history=history, weights=weights or None, scaler=scaler,
                   data_check=data_check,
                   created=created, modified=modified)


def _check_source(label: str, source) -> dict:
    _expect(label, source, dict, "data_source")
    if not source:
        return source
    kind = source.get("kind")
    if kind == "builtin":
        _expect(label, source.get("name"), str, "data_source.name")
        _expect(label, source.get("params", {}), dict, "data_source.params")
    elif kind == "csv":
        _expect(label, source.get("path"), str, "data_source.path")
        _expect(label, source.get("options", {}), dict, "data_source.options")
    elif kind == "images":
        _expect(label, source.get("path"), str, "data_source.path")
        _expect(label, source.get("size", [28, 28]), list, "data_source.size")
        _expect(label, source.get("colour", "auto"), str, "data_source.colour")
    else:
        raise _fail(label, f"data_source.kind should be 'builtin', 'csv' or 'images', got {kind!r}")
    return source


def _check_split(label: str, split) -> dict:
    _expect(label, split, dict, "split")
    for key in ("val", "test"):
        value = split.get(key)
        if not _is_number(value) or not 0 <= value < 1:
            raise _fail(label, f"split.{key} should be a fraction in [0, 1), got {value!r}")
    if split["val"] + split["test"] >= 1:
        raise _fail(label, f"split.val + split.test must stay below 1, got "
                           f"{split['val']} + {split['test']}")
    _check_seed(label, "split.seed", split.get("seed"))
    _expect(label, split.get("standardize", True), bool, "split.standardize")
    return split


def _check_training(label: str, training) -> dict:
    from nnstudio.engine import optimizer_from_config

    _expect(label, training, dict, "training")
    for key in ("batch_size", "epochs"):
        value = training.get(key)
        if not _is_int(value) or value < 1:
            raise _fail(label, f"training.{key} should be a positive whole number, got {value!r}")
    _check_seed(label, "training.seed", training.get("seed"))
    # The window's speed (epochs a second, 0 = as fast as possible). Files from before it
    # have none (0), or the old "slow motion" switch: about 10 epochs a second.
    speed = training.setdefault("epochs_per_second", 10 if training.pop("slow_motion", False) is True else 0)
    if not _is_number(speed) or speed < 0:
        raise _fail(label, f"training.epochs_per_second should be a number of 0 or more (0 = as fast "
                           f"as possible), got {speed!r}")
    try:
        optimizer_from_config(_expect(label, training.get("optimizer"), dict, "training.optimizer"))
    except (NNStudioError, KeyError, TypeError, ValueError) as exc:
        raise _fail(label, f"training.optimizer is not valid ({exc})") from None
    return training


def _check_seed(label: str, what: str, value) -> None:
    # numpy's random generators take seeds from 0 up only (default_rng(-1) is a ValueError).
    if not _is_int(value) or value < 0:
        raise _fail(label, f"{what} should be a whole number from 0 up, got {value!r:.80}")


def _check_history(label: str, history) -> dict:
    _expect(label, history, dict, "history")
    out: dict[str, list] = {}
    length = None
    for key in HISTORY_KEYS:
        values = _expect(label, history.get(key, []), list, f"history.{key}")
        if any(v is not None and not _is_number(v) for v in values):
            raise _fail(label, f"history.{key} should hold numbers only")
        if length is not None and len(values) != length:
            raise _fail(label, f"history.{key} has {len(values)} entries, other metrics have {length}")
        length = len(values)
        out[key] = values
    return out


def _build_network(label: str, config: dict):
    from nnstudio.engine import Network
    from nnstudio.engine.memory import MemoryLimitError, layers_from_config
    from nnstudio.engine.shapes import infer_shapes

    try:
        # The shape check first: it names the layer that does not fit and why, in plain words.
        infer_shapes(*layers_from_config(config))
        return Network.from_config(config)
    except MemoryLimitError as exc:
        raise too_big(label, exc) from None
    except (NNStudioError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _fail(label, f"the network description is not valid ({exc})") from None


def _check_weights(label: str, weights: dict, network) -> dict[str, np.ndarray]:
    if not weights:
        return {}
    if network is None:
        raise _fail(label, "it holds weights but no network")
    expected = network.get_weights()
    if set(weights) != set(expected):
        raise _fail(label, f"the weights ({sorted(weights)}) do not match the network's layers "
                           f"({sorted(expected)})")
    checked = {}
    for name, ref in expected.items():
        value = weights[name]
        if value.dtype.kind != "f":
            raise _fail(label, f"weights {name!r} should be decimal numbers, got dtype {value.dtype}")
        if value.shape != ref.shape:
            raise _fail(label, f"weights {name!r} have shape {value.shape}, the network needs {ref.shape}")
        if not np.isfinite(value).all():
            raise _fail(label, f"weights {name!r} contain NaN or infinite values")
        checked[name] = value.astype(ref.dtype, copy=False)
    try:
        network.set_weights(checked)  # the engine's own check, in case it knows more
    except NNStudioError as exc:
        raise _fail(label, f"the weights do not fit the network ({exc})") from None
    return checked


def _check_scaler(label: str, scaler, network) -> dict | None:
    if scaler is None:
        return None
    _expect(label, scaler, dict, "scaler")
    for key in ("mean", "std"):
        values = _expect(label, scaler.get(key), list, f"scaler.{key}")
        if not all(_is_number(v) for v in values):
            raise _fail(label, f"scaler.{key} should hold finite numbers only")
        if network is not None and len(values) != network.n_inputs:
            raise _fail(label, f"scaler.{key} has {len(values)} values, the network has "
                               f"{network.n_inputs} inputs")
    if any(v <= 0 for v in scaler["std"]):
        raise _fail(label, "scaler.std should hold positive numbers only")
    return scaler


_DATA_CHECK_TEXT = ("ordered", "rowset", "columns", "split")


def _check_data_check(label: str, check) -> dict | None:
    """The data fingerprint (see project/fingerprint.py): small ints and short hex strings."""
    if check is None:
        return None
    _expect(label, check, dict, "data_check")
    unknown = sorted(set(check) - {"rows", "features", *_DATA_CHECK_TEXT})
    if unknown:
        raise _fail(label, f"data_check has an unknown entry {unknown[0]!r}")
    for key in ("rows", "features"):
        value = check.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _fail(label, f"data_check.{key} should be a whole number from 0 up, got {value!r:.40}")
    for key in _DATA_CHECK_TEXT:
        value = check.get(key)
        if key == "split" and value is None:
            continue
        if not isinstance(value, str) or not 0 < len(value) <= 64:
            raise _fail(label, f"data_check.{key} should be a short text, got {value!r:.40}")
    return dict(check)

