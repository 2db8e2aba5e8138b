"""Turning a project document into live objects: data split, scaler and network.

Both the command line and the window start training or evaluation from
:func:`build_from_project`, so they always see the same split, scaling and weights.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath
from typing import Callable, Sequence

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


def default_network_config(dataset, hidden: Sequence[int] = (16, 16), activation: str = "relu",
                           seed: int = 0) -> dict:
    """``Network.get_config()`` of a plain network for ``dataset``.

    Parameters
    ----------
    dataset : Dataset
        Gives the number of inputs and the output layer (see :func:`output_layer_config`).
    hidden : sequence of int
        Units of each hidden Dense layer; empty for no hidden layer.
    activation : str
        Activation of the hidden layers.
    """
    from nnstudio.engine import Network, layer_from_config

    layers = [layer_from_config({"class": "Dense", "config": {"units": int(u), "activation": activation}})
              for u in hidden]
    layers.append(layer_from_config(output_layer_config(dataset)))
    return Network(n_inputs=dataset.n_features, layers=layers, loss="auto", seed=seed).get_config()


def optimizer_from_project(project: Project):
    """A fresh optimizer built from ``project.training["optimizer"]``."""
    from nnstudio.engine import optimizer_from_config

    return optimizer_from_config(project.training["optimizer"])


def build_from_project(
    project: Project,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    dataset=None,
):
    """Load the project's data, split it, and build its network with any saved weights.

    Parameters
    ----------
    project : Project
        Needs a ``data_source`` and a ``network``.
    progress, cancel : callable, optional
        Passed to the data loader (CSV files report progress and can be cancelled).
    dataset : Dataset, optional
        An already loaded copy of ``project.data_source``, to avoid reading it twice.

    Returns
    -------
    network : Network
        Built from ``project.network``; carries ``project.weights`` when present. Its target
        scaling (regression) is the saved one when the project is trained (none for projects
        saved before there was any: those weights answer unscaled), else fitted on the
        training split only. Save ``network.get_config()`` with the weights it trains.
    split : Split
        Train / validation / test ``Dataset`` objects holding the *raw* features; pass them
        through :func:`scaled_split` (or ``scaler.transform``) before the network sees them.
    scaler : Standardizer or None
        The saved scaler when the project is trained (so the weights see the scaling they
        were trained with), else one fitted on the training split only; None when the
        project does not standardize.

    Raises
    ------
    ConfigError
        When the project has no data or network, or they do not fit together.
    DataError, Cancelled
        From the data loader.
    """
    from nnstudio.data import Standardizer, load_dataset_source, split_dataset
    from nnstudio.engine import Network

    if not project.data_source:
        raise ConfigError("This project has no data yet; choose a data set first.")
    if not project.network:
        raise ConfigError("This project has no network yet; add some layers first.")
    if dataset is None:
        dataset = load_dataset_source(project.data_source, progress=progress, cancel=cancel)
    split = split_dataset(dataset, val_fraction=project.split["val"],
                          test_fraction=project.split["test"], seed=project.split["seed"])
    network = Network.from_config(project.network, seed=project.training.get("seed", 0))
    check_fits(network, dataset)

    scaler = None
    if project.split.get("standardize", True):
        if project.weights and project.scaler:
            scaler = Standardizer.from_config(project.scaler)
        else:
            scaler = Standardizer.fit(split.train.X)
    if project.weights:
        network.set_weights(project.weights)
    else:  # fresh weights learn in the scale of this data, whatever was saved before
        network.fit_target_scaling(split.train.y)
    return network, split, scaler


def data_label(source: dict) -> str:
    """A short name for a data source: the built-in's display name or the CSV file's name."""
    if source.get("kind") == "csv":
        return PurePath(str(source.get("path", "?"))).name
    if source.get("kind") == "builtin":
        from nnstudio.data import BUILTINS

        info = BUILTINS.get(source.get("name"))
        return info.display_name if info is not None else str(source.get("name"))
    return "no data"


def check_fits(network, dataset) -> None:
    """Raise :class:`ConfigError` when ``network`` cannot take ``dataset``'s inputs or targets."""
    if network.n_inputs != dataset.n_features:
        raise ConfigError(f"The network expects {network.n_inputs} inputs but the data "
                          f"{dataset.name!r} has {dataset.n_features} feature columns.")
    n_out = network.get_config()["layers"][-1]["config"].get("units")
    if dataset.task == "classification" and n_out is not None:
        if n_out != dataset.n_classes and not (n_out == 1 and dataset.n_classes == 2):
            raise ConfigError(f"The output layer has {n_out} units but the data {dataset.name!r} "
                              f"has {dataset.n_classes} classes.")


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
