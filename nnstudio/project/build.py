"""Plain helpers about a project's data and network configs that the session builds on.

The default network for a data set, the output layer it needs, whether a network fits the
data, the scaled copy of a split, and the data fingerprint rules. Live state lives in
:class:`~nnstudio.project.session.Session`.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePath

import numpy as np

from nnstudio.errors import ConfigError
from nnstudio.project.document import Project


def output_layer_config(dataset) -> dict:
    """The output layer ``dataset`` needs, as a layer config (the engine's usual choice:
    one sigmoid neuron for two classes, softmax for more, linear neurons for numbers).

    Parameters
    ----------
    dataset : Dataset
        Its ``task``, ``n_classes`` and, for regression, the number of target columns.
    """
    from nnstudio.engine import layer_to_config, output_layer_for

    n_targets = 1 if dataset.y.ndim == 1 else int(dataset.y.shape[1])
    try:
        layer = output_layer_for(dataset.task, int(dataset.n_classes), n_targets)
    except ValueError as exc:  # e.g. a single class: nothing to tell apart
        raise ConfigError(f"Cannot build a network for the data {dataset.name!r}: {exc}.") from None
    return layer_to_config(layer)


def input_config(dataset) -> dict:
    """The input entry of a network config for ``dataset``: ``{"n_inputs": n}`` for a table,
    ``{"input_shape": [H, W, C]}`` for pictures."""
    shape = list(getattr(dataset, "sample_shape", (dataset.n_features,)))
    return {"n_inputs": shape[0]} if len(shape) == 1 else {"input_shape": shape}


def default_network_config(dataset, hidden: Sequence[int] | None = None, activation: str = "relu",
                           seed: int = 0) -> dict:
    """``Network.get_config()`` of a plain network for ``dataset``.

    Parameters
    ----------
    dataset : Dataset
        Gives the number of inputs and the output layer (see :func:`output_layer_config`).
        Pictures start with :func:`~nnstudio.project.defaults.image_input_layers` (Rescaling,
        Flatten).
    hidden : sequence of int, optional
        Units of each hidden Dense layer; empty for no hidden layer. Default: (16, 16) for a
        table, :data:`~nnstudio.project.defaults.IMAGE_HIDDEN` for pictures.
    activation : str
        Activation of the hidden layers.
    """
    from nnstudio.engine import Network, layer_from_config
    from nnstudio.project.defaults import IMAGE_HIDDEN, image_input_layers

    image = bool(getattr(dataset, "is_image", False))
    if hidden is None:
        hidden = IMAGE_HIDDEN if image else (16, 16)
    specs = image_input_layers() if image else []
    specs += [{"class": "Dense", "config": {"units": int(u), "activation": activation}} for u in hidden]
    layers = [layer_from_config(spec) for spec in specs + [output_layer_config(dataset)]]
    shape = getattr(dataset, "sample_shape", (dataset.n_features,))
    return Network(shape, layers=layers, loss="auto", seed=seed).get_config()


def updated_training(training: dict, **changes) -> dict:
    """A copy of the training settings ``training`` with ``changes``.

    ``optimizer`` names a class of the optimizer registry: a new class starts from its own
    defaults, keeping the learning rate and L2. The optimizer's settings (``learning_rate``,
    ``momentum``, ``weight_decay`` ...) go into its config, other keys (``batch_size``,
    ``epochs``, ``seed``, ``epochs_per_second``) next to it; settings the class does not take
    are dropped (momentum after switching to Adam).

    Raises
    ------
    ConfigError
        For an unknown optimizer or a setting it refuses (``learning_rate must be a positive
        number, got 0``).
    """
    from nnstudio.engine import OPTIMIZERS, optimizer_from_config
    from nnstudio.engine.optimizer_choices import DEFAULT_LEARNING_RATE, settings_of

    t = copy.deepcopy(training)
    opt = t["optimizer"]
    optimizer_settings = set().union(*(settings_of(name) for name in OPTIMIZERS))
    for key, value in changes.items():
        if key == "optimizer":
            if value != opt["class"]:
                old = opt["config"]
                opt = t["optimizer"] = {"class": value, "config": {
                    "learning_rate": old.get("learning_rate", DEFAULT_LEARNING_RATE),
                    "weight_decay": old.get("weight_decay", 0.0)}}
        elif key in optimizer_settings:
            opt["config"][key] = value
        else:
            t[key] = value
    taken = settings_of(opt["class"])
    opt["config"] = {key: value for key, value in opt["config"].items() if key in taken}
    optimizer_from_config(opt)
    return t


def optimizer_from_project(project: Project):
    """A fresh optimizer built from ``project.training["optimizer"]``."""
    from nnstudio.engine import optimizer_from_config

    return optimizer_from_config(project.training["optimizer"])


def data_label(source: dict) -> str:
    """A short name for a data source: the built-in's display name or the CSV file's name."""
    if source.get("kind") in ("csv", "images"):
        return PurePath(str(source.get("path", "?"))).name
    if source.get("kind") == "builtin":
        from nnstudio.data import BUILTINS

        info = BUILTINS.get(str(source.get("name")))
        return info.display_name if info is not None else str(source.get("name"))
    return "no data"


def check_fits(network, dataset) -> None:
    """Raise :class:`ConfigError` when ``network`` cannot take ``dataset``'s inputs or targets."""
    shape = tuple(getattr(dataset, "sample_shape", (dataset.n_features,)))
    if tuple(network.input_shape) != shape:
        if len(shape) == 3:
            got = "x".join(map(str, network.input_shape))
            raise ConfigError(f"The network expects inputs of shape {got} but the data "
                              f"{dataset.name!r} holds {shape[0]}x{shape[1]} pictures with "
                              f"{shape[2]} channel{'s' if shape[2] != 1 else ''}.")
        raise ConfigError(f"The network expects {network.n_inputs} inputs but the data "
                          f"{dataset.name!r} has {dataset.n_features} feature columns.")
    n_out = network.get_config()["layers"][-1]["config"].get("units")
    if dataset.task == "classification" and n_out is not None:
        if n_out != dataset.n_classes and not (n_out == 1 and dataset.n_classes == 2):
            raise ConfigError(f"The output layer has {n_out} units but the data {dataset.name!r} "
                              f"has {dataset.n_classes} classes.")


def layer_activation(spec: dict) -> str:
    """The activation key of the layer config ``spec`` ("linear" when it has none)."""
    act = spec["config"].get("activation", "linear")
    return act if isinstance(act, str) else act.get("name", "linear")


def output_issue(spec: dict, dataset) -> str | None:
    """Why the output layer ``spec`` does not fit ``dataset``, in plain words, or None."""
    units, act = spec["config"].get("units"), layer_activation(spec)
    if dataset.task == "classification":
        k = dataset.n_classes
        if act not in ("softmax", "sigmoid"):
            return (f"The data has {k} classes, so the output layer needs softmax (or one sigmoid "
                    f"neuron for two classes), not {act}.")
        if act == "sigmoid" and k == 2 and units != 1:
            return (f"A sigmoid output for two classes has 1 neuron (the chance of the second class), "
                    f"not {units}: set it to 1, or use softmax with 2 neurons.")
        if act == "sigmoid" and k != 2:
            return (f"A sigmoid output fits two classes with 1 neuron; this data has {k} classes: "
                    f"use softmax with {k} neurons.")
        if act == "softmax" and units != k:
            return f"The data has {k} classes but the output layer has {units} neurons; set it to {k}."
        return None
    n_targets = target_count(dataset)
    if act in ("softmax", "sigmoid"):
        return (f"This data asks for numbers, not classes: the output layer should be linear, "
                f"not {act}.")
    if units != n_targets:
        return f"The data has {n_targets} value(s) to predict but the output layer has {units} neurons."
    return None


def target_count(dataset) -> int:
    """How many numbers each sample of ``dataset`` has to predict (1 for classes)."""
    return 1 if dataset.y.ndim == 1 else dataset.y.shape[1]


def scaled_split(split, scaler):
    """A copy of ``split`` whose three parts have standardized features (``X`` float32).

    Returns ``split`` itself when ``scaler`` is None.
    """
    if scaler is None:
        return split

    def part(ds):
        X = scaler.transform(ds.X) if len(ds.X) else ds.X
        return replace(ds, X=np.asarray(X, dtype=np.float32))

    return replace(split, train=part(split.train), val=part(split.val), test=part(split.test))


def stamp_data(project: Project, split) -> None:
    """Remember which data and split ``project``'s weights start training on.

    Call when a run starts. A project that already carries a fingerprint keeps it: its
    weights saw that data, so if the data or split changed since, the held-out rows may hold
    rows it trained on, and only fresh weights (``clear_results``) earn a new fingerprint.
    """
    from nnstudio.project.fingerprint import split_data_fingerprint

    if not project.data_check:
        project.data_check = split_data_fingerprint(split)


def data_changed(project: Project, split) -> str | None:
    """Plain words when ``split``'s data is not what ``project``'s weights were trained on."""
    from nnstudio.project.fingerprint import compare_fingerprint

    if not project.weights:
        return None
    return compare_fingerprint(project.data_check, split=split)
