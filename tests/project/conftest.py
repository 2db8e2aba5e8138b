"""Small real projects for the project tests (real engine and data, no training needed)."""
from __future__ import annotations

import pytest

from nnstudio.engine import Network
from nnstudio.project import Project, default_network_config
from nnstudio.project.document import default_split, default_training


@pytest.fixture
def spiral_source():
    return {"kind": "builtin", "name": "spiral", "params": {"n_samples": 120}}


@pytest.fixture
def trained_project(spiral_source) -> Project:
    """A spiral project with (random, untrained) weights, a scaler and three epochs of history."""
    from nnstudio.data import load_dataset_source

    dataset = load_dataset_source(spiral_source)
    network_cfg = default_network_config(dataset, hidden=(8, 4))
    weights = Network.from_config(network_cfg, seed=3).get_weights()
    return Project(
        name="Spiral test", data_source=spiral_source, split=default_split(), network=network_cfg,
        training=default_training(),
        history={"epoch": [1, 2, 3], "train_loss": [0.9, 0.7, 0.5], "train_acc": [0.5, 0.6, 0.7],
                 "val_loss": [1.0, 0.8, 0.6], "val_acc": [0.4, 0.55, None]},
        weights=weights,
        scaler={"mean": [0.1, -0.2], "std": [1.5, 0.5]},
    )

