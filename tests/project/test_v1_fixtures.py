"""Projects saved by the format-1 version (before engine v2) open unchanged in behaviour.

The fixtures were made by ``fixtures/make_v1_fixtures.py`` with the code of commit e04c08c:
an untrained built-in project with a Dropout layer, the same trained with its first layer
then frozen, and a trained CSV regression project with its CSV beside it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.project.fileformat import load_project
from nnstudio.project.session import build_from_project, scaled_split

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = ["v1_untrained_spiral", "v1_trained_spiral", "v1_trained_csv"]


@pytest.mark.parametrize("name", NAMES)
def test_v1_projects_predict_exactly_as_when_they_were_saved(name):
    expected = np.load(FIXTURES / "v1_expected_predictions.npz")[name]
    project = load_project(FIXTURES / f"{name}.nnproj")
    network, split, scaler = build_from_project(project)
    sc = scaled_split(split, scaler)
    X = np.concatenate([sc.train.X, sc.val.X, sc.test.X])
    np.testing.assert_array_equal(network.predict(X), expected)


def test_the_trained_v1_project_keeps_its_frozen_layer_and_dropout():
    project = load_project(FIXTURES / "v1_trained_spiral.nnproj")
    network, _, _ = build_from_project(project)
    assert [l.kind for l in network.layers] == ["Dense", "Dropout", "Dense", "Dense"]
    assert [l.trainable for l in network.layers] == [False, True, True, True]
    assert project.is_trained and project.epochs_trained == 15
