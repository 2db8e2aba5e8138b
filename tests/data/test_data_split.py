"""Train / validation / test splits: exact partitions, stratification, seeds, bad fractions."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.data import Dataset, load_builtin, split_dataset
from nnstudio.errors import DataError


def make(y, task="classification"):
    y = np.asarray(y)
    n_classes = int(y.max()) + 1 if task == "classification" and y.size else 0
    return Dataset(X=np.arange(len(y) * 2, dtype=np.float32).reshape(-1, 2), y=y, feature_names=["a", "b"],
                   class_names=[f"c{i}" for i in range(n_classes)], task=task,
                   source={"kind": "builtin", "name": "x", "params": {}}, name="toy")


def test_split_sizes_names_and_row_identity():
    ds = load_builtin("iris")
    parts = split_dataset(ds, val_fraction=0.2, test_fraction=0.2, seed=0)
    assert (parts.train.n_samples, parts.val.n_samples, parts.test.n_samples) == (90, 30, 30)
    assert parts.train.name == "Iris flowers (train)" and parts.val.name == "Iris flowers (validation)"
    np.testing.assert_array_equal(parts.val.X, ds.X[parts.val_indices])
    np.testing.assert_array_equal(parts.test.y, ds.y[parts.test_indices])
    assert parts.train.class_names == ds.class_names and parts.train.source == ds.source


def test_stratified_split_keeps_the_class_balance():
    ds = make(np.repeat([0, 1, 2], [500, 100, 20]))
    parts = split_dataset(ds, val_fraction=0.25, test_fraction=0.1, seed=3)
    assert parts.val.class_counts() == {"c0": 125, "c1": 25, "c2": 5}
    assert parts.test.class_counts() == {"c0": 50, "c1": 10, "c2": 2}
    # Without stratification the small class is left to chance.
    loose = [split_dataset(ds, 0.25, 0.1, seed=s, stratify=False).test.class_counts()["c2"]
             for s in range(20)]
    assert len(set(loose)) > 1


def test_every_class_with_three_rows_reaches_every_part():
    ds = make(np.repeat([0, 1, 2, 3], [200, 3, 2, 1]))
    parts = split_dataset(ds, val_fraction=0.1, test_fraction=0.1, seed=0)
    assert parts.val.class_counts()["c1"] == 1 and parts.test.class_counts()["c1"] == 1
    assert parts.train.class_counts()["c1"] == 1
    assert parts.train.class_counts()["c2"] == 1 and parts.val.class_counts()["c2"] == 1
    assert parts.train.class_counts()["c3"] == 1   # a single row always trains


def test_same_seed_same_split_and_rows_are_shuffled():
    ds = load_builtin("moons")
    a, b, c = (split_dataset(ds, seed=s) for s in (5, 5, 6))
    np.testing.assert_array_equal(a.train_indices, b.train_indices)
    np.testing.assert_array_equal(a.val_indices, b.val_indices)
    assert not np.array_equal(a.train_indices, c.train_indices)
    # Not grouped by class: both classes appear among the first ten training rows.
    assert len(set(a.train.y[:10].tolist())) == 2


def test_empty_test_part_and_regression():
    ds = load_builtin("regression_1d")
    parts = split_dataset(ds, val_fraction=0.25, test_fraction=0.0)
    assert parts.test.n_samples == 0 and parts.test.X.shape == (0, 1) and parts.test.y.shape == (0,)
    assert (parts.train.n_samples, parts.val.n_samples) == (150, 50)
    assert parts.test.class_counts() == {}
    classes = split_dataset(load_builtin("iris"), val_fraction=0.0, test_fraction=0.0)
    assert classes.train.n_samples == 150 and classes.val.n_samples == 0
    assert classes.val.class_counts() == {"setosa": 0, "versicolor": 0, "virginica": 0}


def test_tiny_data_sets_still_split():
    parts = split_dataset(make([0, 1]), 0.2, 0.2)
    assert parts.train.n_samples >= 1 and parts.train.n_samples + parts.val.n_samples == 2
    with pytest.raises(DataError, match="has 1 row"):
        split_dataset(make([0]))


@pytest.mark.parametrize("val, test, message", [
    (-0.1, 0.2, "val_fraction must be a number >= 0 and below 1, got -0.1"),
    (0.2, 1.0, "test_fraction must be a number >= 0 and below 1, got 1.0"),
    ("0.2", 0.2, "val_fraction must be a number >= 0 and below 1, got '0.2'"),
    (0.6, 0.4, "val_fraction + test_fraction must be below 1 so some rows are left for training, "
               "got 0.6 + 0.4 = 1"),
])
def test_bad_fractions_are_named(val, test, message):
    with pytest.raises(DataError) as err:
        split_dataset(load_builtin("iris"), val_fraction=val, test_fraction=test)
    assert str(err.value) == message


@settings(max_examples=60, deadline=None)
@given(labels=st.lists(st.integers(0, 4), min_size=2, max_size=200),
       val=st.floats(0.0, 0.6), test=st.floats(0.0, 0.39), seed=st.integers(0, 1000), stratify=st.booleans())
def test_split_partitions_the_rows_exactly(labels, val, test, seed, stratify):
    y = np.asarray(labels)
    y = np.searchsorted(np.unique(y), y)          # classes 0..k-1 with none empty
    parts = split_dataset(make(y), val, test, seed=seed, stratify=stratify)
    together = np.concatenate([parts.train_indices, parts.val_indices, parts.test_indices])
    np.testing.assert_array_equal(np.sort(together), np.arange(len(y)))
    assert parts.train.n_samples >= 1
    if stratify:
        for c in range(int(y.max()) + 1):
            n_c = int((y == c).sum())
            in_val = int((y[parts.val_indices] == c).sum())
            assert abs(in_val - n_c * val) <= 1 or (n_c <= 3)
            assert (y[parts.train_indices] == c).any()


def test_scaled_split_fits_on_training_rows_only():
    parts = split_dataset(load_builtin("wine"), seed=2)
    scaled, scaler = parts.scaled()
    np.testing.assert_allclose(scaled.train.X.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(scaler.mean, parts.train.X.mean(axis=0), rtol=1e-5)
    np.testing.assert_array_equal(scaled.val.X, scaler.transform(parts.val.X))
    np.testing.assert_array_equal(scaled.test.y, parts.test.y)
    np.testing.assert_array_equal(scaled.val_indices, parts.val_indices)
    assert scaled.train.name == parts.train.name and parts.train.X.mean() > 1   # original untouched
    again, same = parts.scaled(scaler)
    assert same is scaler and np.array_equal(again.train.X, scaled.train.X)
