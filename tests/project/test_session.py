"""The project document and building live objects from it (real engine and data)."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from nnstudio.engine import EpochRecord, Network
from nnstudio.errors import ConfigError
from nnstudio.project import (
    Project,
    build_from_project,
    default_network_config,
    demo_project,
    optimizer_from_project,
    scaled_split,
)
from nnstudio.project.evaluation import confusion_matrix, evaluate_dataset


def test_demo_project():
    project = demo_project()
    assert project.data_source["kind"] == "builtin" and project.data_source["name"] == "spiral"
    layers = project.network["layers"]
    first_two = [(layer["class"], layer["config"]["units"], layer["config"]["activation"])
                 for layer in layers[:2]]
    assert first_two == [("Dense", 16, "relu"), ("Dense", 16, "relu")]
    assert len(layers) == 3
    assert project.training["optimizer"] == {"class": "Adam", "config": {"learning_rate": 0.01}}
    assert (project.training["batch_size"], project.training["epochs"]) == (32, 200)
    assert not project.is_trained and project.epochs_trained == 0
    assert type(optimizer_from_project(project)).__name__ == "Adam"


def test_build_untrained_fits_scaler_on_train_only(spiral_source):
    project = Project(data_source=spiral_source)
    with pytest.raises(ConfigError, match="no network"):
        build_from_project(project)
    from nnstudio.data import load_dataset_source

    dataset = load_dataset_source(spiral_source)
    project.network = default_network_config(dataset, hidden=(8,))
    network, split, scaler = build_from_project(project)
    assert isinstance(network, Network)
    n = dataset.n_samples
    assert split.train.n_samples + split.val.n_samples + split.test.n_samples == n
    assert split.val.n_samples == pytest.approx(0.2 * n, abs=2)
    scaled = scaled_split(split, scaler)
    np.testing.assert_allclose(scaled.train.X.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(scaled.train.X.std(axis=0), 1, atol=1e-3)
    assert scaled.train.X.dtype == np.float32
    np.testing.assert_array_equal(scaled.train.y, split.train.y)  # targets untouched
    assert not np.allclose(scaled.val.X.mean(axis=0), 0, atol=1e-5)  # not refitted on val


def test_build_trained_uses_saved_scaler_and_weights(trained_project):
    network, split, scaler = build_from_project(trained_project)
    for name, array in network.get_weights().items():
        np.testing.assert_array_equal(array, trained_project.weights[name])
    np.testing.assert_allclose(scaler.transform(np.array([[0.1, -0.2]], np.float32)), 0, atol=1e-6)


def test_no_standardize(trained_project):
    trained_project.split["standardize"] = False
    _, split, scaler = build_from_project(trained_project)
    assert scaler is None and scaled_split(split, None) is split


def test_mismatched_network_is_refused(trained_project):
    trained_project.network["n_inputs"] = 5
    trained_project.weights = None
    with pytest.raises(ConfigError, match="expects 5 inputs"):
        build_from_project(trained_project)


def test_append_epoch_and_copy(trained_project):
    rec = EpochRecord(epoch=1, epochs=5, train_loss=0.25, train_acc=0.9, val_loss=float("nan"),
                      val_acc=None, samples_seen=10, seconds=0.1, samples_per_second=100.0,
                      learning_rate=0.01)
    copy = trained_project.copy()
    copy.append_epoch(rec)
    assert (copy.history["epoch"][-1] == 4 and isinstance(copy.history["epoch"][-1], int)
            and copy.history["val_loss"][-1] is None)
    assert trained_project.epochs_trained == 3  # the copy is independent
    copy.weights["dense_1/W"][...] = 0
    assert trained_project.weights["dense_1/W"].any()
    copy.clear_results()
    assert copy.weights is None and copy.epochs_trained == 0


def test_confusion_matrix_and_evaluation(trained_project):
    m = confusion_matrix(np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0]), 3)
    np.testing.assert_array_equal(m, [[1, 1, 0], [0, 1, 0], [1, 0, 1]])
    network, split, scaler = build_from_project(trained_project)
    scores = evaluate_dataset(network, scaled_split(split, scaler).test)
    assert scores["n_samples"] == split.test.n_samples
    assert 0 <= scores["accuracy"] <= 1
    assert np.sum(scores["confusion_matrix"]) == split.test.n_samples


def test_project_and_cli_never_import_qt():
    code = ("import sys, nnstudio.project, nnstudio.cli, nnstudio.commands.train, "
            "nnstudio.commands.evaluate, nnstudio.commands.datasets; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')];"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
