"""Short real training runs of the real engine, for the doctor's tests."""
from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from nnstudio.engine import Diverged, fit, optimizer_from_config
from nnstudio.project import Project, build_from_project, default_network_config, scaled_split


def _real_run(dataset, hidden, optimizer: str, lr: float, epochs: int):
    """Train like the window does (session split, scaling, defaults otherwise); returns the
    history and the validation targets."""
    project = Project(data_source=dict(dataset.source),
                      network=default_network_config(dataset, hidden=hidden))
    network, split, scaler = build_from_project(project, dataset=dataset)
    data = scaled_split(split, scaler)
    opt = optimizer_from_config({"class": optimizer, "config": {"learning_rate": lr}})
    for rec in fit(network, data.train.X, data.train.y, optimizer=opt, epochs=epochs,
                   validation=(data.val.X, data.val.y)):
        project.append_epoch(rec)
    return project.history, data.val.y


@pytest.fixture
def real_run():
    """``real_run(dataset, hidden, optimizer, lr, epochs) -> (history, val_y)``."""
    return _real_run


@dataclass
class Run:
    """A finished real run: what the doctor's rules read."""

    project: Project
    network: object
    data: object
    diverged: Diverged | None
    naive_loss: float | None

    @property
    def history(self) -> dict:
        return self.project.history


def _full_run(dataset, hidden, optimizer: str, lr: float, epochs: int, first_bias: float | None = None,
              **training) -> Run:
    """As :func:`_real_run`, keeping the network, the scaled data and a Diverged it raised;
    ``first_bias`` sets the first layer's biases before training (a bad start); ``training``
    adds settings (policies) to the project's training dict, passed to fit as the window does."""
    from nnstudio.project.run_policies import run_policies

    project = Project(data_source=dict(dataset.source),
                      network=default_network_config(dataset, hidden=hidden))
    project.training["optimizer"] = {"class": optimizer, "config": {"learning_rate": lr}}
    project.training["epochs"] = epochs
    project.training.update(training)
    network, split, scaler = build_from_project(project, dataset=dataset)
    if first_bias is not None:
        weights = network.get_weights()
        weights["dense_1/b"][:] = first_bias
        network.set_weights(weights)
    data = scaled_split(split, scaler)
    opt = optimizer_from_config(project.training["optimizer"])
    diverged = None
    try:
        for rec in fit(network, data.train.X, data.train.y, optimizer=opt, epochs=epochs,
                       validation=(data.val.X, data.val.y), **run_policies(project.training)):
            project.append_epoch(rec)
    except Diverged as exc:
        diverged = exc
    naive = math.log(max(2, dataset.n_classes)) if dataset.task == "classification" else None
    return Run(project, network, data, diverged, naive)


@pytest.fixture
def full_run():
    """``full_run(dataset, hidden, optimizer, lr, epochs, first_bias=None, **training) -> Run``."""
    return _full_run
