"""Short real training runs of the real engine, for the doctor's tests."""
from __future__ import annotations

import pytest

from nnstudio.engine import fit, optimizer_from_config
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
