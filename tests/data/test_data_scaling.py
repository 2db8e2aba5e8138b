"""Standardizer: fitted on training rows only, constant features safe, JSON round trip."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnstudio.data import Standardizer, load_builtin, split_dataset
from nnstudio.errors import DataError


def test_fit_on_training_part_only():
    parts = split_dataset(load_builtin("wine"), seed=1)
    scaler = Standardizer.fit(parts.train.X)
    train = scaler.transform(parts.train.X)
    np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(train.std(axis=0), 1, atol=1e-4)
    val = scaler.transform(parts.val.X)
    assert val.dtype == np.float32 and not np.allclose(val.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(scaler.mean, parts.train.X.mean(axis=0), rtol=1e-5)


def test_constant_feature_keeps_scale_one():
    X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]], dtype=np.float32)
    scaler = Standardizer.fit(X)
    assert scaler.std[1] == 1.0
    Z = scaler.transform(X)
    assert np.all(np.isfinite(Z)) and np.all(Z[:, 1] == 0)


def test_config_round_trip_through_json():
    X = load_builtin("iris").X
    scaler = Standardizer.fit(X)
    config = json.loads(json.dumps(scaler.get_config()))
    assert set(config) == {"mean", "std"} and len(config["mean"]) == 4
    again = Standardizer.from_config(config)
    np.testing.assert_array_equal(again.transform(X), scaler.transform(X))
    np.testing.assert_allclose(again.inverse_transform(again.transform(X)), X, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("config, message", [
    ({"mean": [0.0]}, "must have exactly 'mean' and 'std'"),
    ({"mean": [0.0], "std": ["1"]}, "Scaler 'std' must be a list of numbers"),
    ({"mean": [0.0, 1.0], "std": [1.0]}, "mean and std must have the same length, got 2 and 1"),
    ({"mean": [0.0], "std": [0.0]}, "std must be finite and positive"),
])
def test_bad_configs_are_rejected(config, message):
    with pytest.raises(DataError, match=message):
        Standardizer.from_config(config)


def test_shape_mismatch_and_bad_fit_data():
    scaler = Standardizer.fit(np.ones((3, 2)))
    with pytest.raises(DataError, match="fitted on 2 features but got data of shape \\(4, 3\\)"):
        scaler.transform(np.ones((4, 3)))
    with pytest.raises(DataError, match="non-empty 2-D table"):
        Standardizer.fit(np.ones((0, 2)))
    with pytest.raises(DataError, match="missing or infinite"):
        Standardizer.fit(np.array([[1.0], [np.nan]]))


@settings(max_examples=40, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(1, 40), st.integers(1, 5)),
              elements=st.floats(-1e4, 1e4, width=32)))
def test_transform_then_inverse_gives_back_the_data(X):
    scaler = Standardizer.fit(X)
    assert np.all(scaler.std > 0)
    back = scaler.inverse_transform(scaler.transform(X))
    np.testing.assert_allclose(back, X, rtol=1e-4, atol=1e-2)
