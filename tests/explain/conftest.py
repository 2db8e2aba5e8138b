"""Small real networks, samples and sessions for the magnifying-glass tests."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import load_builtin
from nnstudio.engine import Dense, Network
from nnstudio.project import Session, default_network_config, demo_project


def hand_network() -> Network:
    """2 inputs -> 1 ReLU neuron with the issue's numbers -> 3 softmax outputs."""
    net = Network(2, [Dense(1, "relu"), Dense(3, "softmax")], seed=0)
    net.set_weights({"dense_1/W": np.array([[0.52], [-0.81]]), "dense_1/b": np.array([0.10]),
                     "dense_2/W": np.array([[0.9, -0.4, 0.3]]), "dense_2/b": np.array([0.1, 0.2, -0.1])})
    return net


HAND_X = np.array([1.30, 0.20], dtype=np.float32)


def session_for(name: str = "iris", hidden=(5,)) -> Session:
    project = demo_project()
    dataset = load_builtin(name)
    project.data_source = dict(dataset.source)
    project.network = default_network_config(dataset, hidden=hidden, activation="relu")
    return Session.open(project, dataset=dataset)


@pytest.fixture
def iris_session() -> Session:
    return session_for("iris")


@pytest.fixture
def make_session():
    """``make_session(name, hidden)``: a session on a built-in data set."""
    return session_for


@pytest.fixture
def hand():
    """``(network, x)``: :func:`hand_network` and its sample ``[1.30, 0.20]``."""
    return hand_network(), HAND_X.copy()
