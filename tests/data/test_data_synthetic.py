"""Built-in generators: shapes, classes, determinism, parameter checks, learnability."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.data import (
    BUILTINS,
    Standardizer,
    list_builtins,
    load_builtin,
    load_dataset_source,
    split_dataset,
)
from nnstudio.errors import DataError

SYNTHETIC = [info.name for info in list_builtins() if info.kind == "synthetic"]
CLASSES = {"spiral": 2, "moons": 2, "circles": 2, "xor": 2, "blobs": 3, "regression_1d": 0}


def test_catalogue_lists_every_generator_and_bundled_set():
    names = [info.name for info in list_builtins()]
    assert names == ["spiral", "moons", "circles", "xor", "blobs", "regression_1d",
                     "iris", "wine", "breast_cancer", "digits", "digits-images", "mnist"]
    spiral = BUILTINS["spiral"]
    assert spiral.kind == "synthetic" and spiral.display_name == "Spiral"
    assert spiral.params == {"n_samples": 400, "n_classes": 2, "noise": 0.05, "seed": 0}
    assert spiral.limits["n_samples"] == (10, 100_000)
    assert BUILTINS["iris"].kind == "bundled" and BUILTINS["iris"].params == {}
    assert BUILTINS["regression_1d"].task == "regression"
    json.dumps([info.params for info in list_builtins()])  # defaults are JSON-able


@pytest.mark.parametrize("name", SYNTHETIC)
def test_generator_shapes_dtypes_and_classes(name):
    ds = load_builtin(name, n_samples=150)
    n_features = 1 if name == "regression_1d" else 2
    assert ds.X.shape == (150, n_features) and ds.X.dtype == np.float32
    assert ds.n_classes == CLASSES[name]
    assert np.all(np.isfinite(ds.X))
    if ds.task == "classification":
        assert ds.y.dtype == np.int64 and ds.y.shape == (150,)
        assert set(np.unique(ds.y)) == set(range(ds.n_classes))
        assert len(ds.class_names) == ds.n_classes
        assert any("Rows per class" in note for note in ds.notes)
    else:
        assert ds.y.dtype == np.float32 and ds.class_names == []
    assert ds.source == {"kind": "builtin", "name": name,
                         "params": BUILTINS[name].params | {"n_samples": 150}}


@pytest.mark.parametrize("name", SYNTHETIC)
def test_generator_is_deterministic_per_seed(name):
    a, b = load_builtin(name, seed=3), load_builtin(name, seed=3)
    c = load_builtin(name, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", SYNTHETIC)
def test_source_reloads_identical_data_through_json(name):
    ds = load_builtin(name, n_samples=60, noise=0.2, seed=9)
    again = load_dataset_source(json.loads(json.dumps(ds.source)))
    np.testing.assert_array_equal(ds.X, again.X)
    np.testing.assert_array_equal(ds.y, again.y)
    assert again.name == ds.name


def test_noise_free_shapes_are_exact():
    circles = load_builtin("circles", noise=0.0, n_samples=100)
    radius = np.hypot(circles.X[:, 0], circles.X[:, 1])
    np.testing.assert_allclose(radius[circles.y == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(radius[circles.y == 1], 0.5, atol=1e-6)
    xor = load_builtin("xor", noise=0.0)
    np.testing.assert_array_equal(xor.y, (np.sign(xor.X[:, 0]) != np.sign(xor.X[:, 1])).astype(int))
    curve = load_builtin("regression_1d", noise=0.0)
    np.testing.assert_allclose(curve.y, np.sin(2 * curve.X[:, 0]), atol=1e-5)


def test_class_counts_are_balanced_and_n_classes_is_honoured():
    ds = load_builtin("spiral", n_samples=301, n_classes=3)
    assert sorted(ds.class_counts().values()) == [100, 100, 101]
    assert ds.class_names == ["arm 1", "arm 2", "arm 3"]
    blobs = load_builtin("blobs", n_classes=5, noise=0.1)
    # Tight clusters: every point lies closest to its own class's mean.
    means = np.stack([blobs.X[blobs.y == c].mean(axis=0) for c in range(5)])
    nearest = np.argmin(((blobs.X[:, None, :] - means[None]) ** 2).sum(axis=2), axis=1)
    np.testing.assert_array_equal(nearest, blobs.y)


@pytest.mark.parametrize("params, message", [
    ({"n_samples": 3}, "n_samples must be an integer >= 10, got 3"),
    ({"n_samples": 2.5}, "n_samples must be an integer >= 10, got 2.5"),
    ({"n_samples": True}, "n_samples must be an integer >= 10, got True"),
    ({"n_samples": "400"}, "n_samples must be an integer >= 10, got '400'"),
    ({"n_samples": 10**7}, "n_samples must be an integer <= 100000, got 10000000"),
    ({"noise": -0.1}, "noise must be a number from 0 to 1, got -0.1"),
    ({"noise": float("nan")}, "noise must be a number from 0 to 1, got nan"),
    ({"seed": -1}, "seed must be an integer >= 0, got -1"),
    ({"n_classes": 1}, "n_classes must be an integer >= 2, got 1"),
    ({"n_classes": 11}, "n_classes must be an integer <= 10, got 11"),
    ({"arms": 3}, "'Spiral' has no setting 'arms'; its settings are: n_samples, n_classes, noise, seed."),
])
def test_bad_parameters_name_the_setting_and_value(params, message):
    with pytest.raises(DataError) as err:
        load_builtin("spiral", **params)
    assert str(err.value) == message


def test_whole_number_float_is_accepted_and_unknown_names_rejected():
    assert load_builtin("moons", n_samples=40.0).n_samples == 40
    with pytest.raises(DataError, match="no built-in data set called 'cifar10'.*spiral, moons"):
        load_builtin("cifar10")
    with pytest.raises(DataError, match="'Iris flowers' has no setting 'n_samples'; its settings are: none"):
        load_builtin("iris", n_samples=100)


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(SYNTHETIC), n_samples=st.integers(10, 300), seed=st.integers(0, 2**32 - 1),
       noise=st.floats(0.0, 1.0))
def test_any_valid_setting_gives_a_consistent_dataset(name, n_samples, seed, noise):
    ds = load_builtin(name, n_samples=n_samples, seed=seed, noise=noise)
    assert ds.n_samples == n_samples and np.all(np.isfinite(ds.X))
    if ds.task == "classification" and name != "xor":
        counts = list(ds.class_counts().values())
        assert max(counts) - min(counts) <= 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_spiral_is_learnable_by_a_small_mlp(train_mlp, seed):
    """The issue's promise: 2-16-16-k MLP, Adam lr 0.01, ~200 epochs -> >= 0.95 validation accuracy."""
    ds = load_builtin("spiral", seed=seed)
    parts = split_dataset(ds, val_fraction=0.2, test_fraction=0.2, seed=seed)
    scaler = Standardizer.fit(parts.train.X)
    accuracy = train_mlp(scaler.transform(parts.train.X), parts.train.y,
                         scaler.transform(parts.val.X), parts.val.y, ds.n_classes, seed=seed)
    assert accuracy >= 0.95
