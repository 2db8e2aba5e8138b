"""Projects saved by the format-1 version (before engine v2) open unchanged in behaviour.

The fixtures were made by ``fixtures/make_v1_fixtures.py`` with the code of commit e04c08c:
an untrained built-in project with a Dropout layer, the same trained with its first layer
then frozen, and a trained CSV regression project with its CSV beside it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.project.build import scaled_split
from nnstudio.project.fileformat import load_project
from nnstudio.project.session import build_from_project

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
    assert [layer.kind for layer in network.layers] == ["Dense", "Dropout", "Dense", "Dense"]
    assert [layer.trainable for layer in network.layers] == [False, True, True, True]
    assert project.is_trained and project.epochs_trained == 15


def test_a_v1_project_is_read_as_format_2_with_layers_and_weights_named(tmp_path):
    from nnstudio.project.fileformat import FORMAT_VERSION, save_project

    project = load_project(FIXTURES / "v1_trained_spiral.nnproj")
    names = [spec["config"]["name"] for spec in project.network["layers"]]
    assert names == ["dense_1", "dropout_1", "dense_2", "dense_3"]
    assert sorted(project.weights) == ["dense_1/W", "dense_1/b", "dense_2/W", "dense_2/b",
                                       "dense_3/W", "dense_3/b"]
    again = load_project(save_project(project, tmp_path / "v2.nnproj"))
    assert FORMAT_VERSION == 2 and again.network == project.network
    for name, value in project.weights.items():
        np.testing.assert_array_equal(again.weights[name], value)


def test_a_file_whose_layers_do_not_fit_together_names_the_layer(tmp_path):
    import json
    import zipfile

    from nnstudio.errors import ProjectError

    src = FIXTURES / "v1_untrained_spiral.nnproj"
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    body = json.loads(members["project.json"])
    body["network"].pop("n_inputs")
    body["network"]["input_shape"] = [1, 2]  # a grid where the first Dense layer needs a list
    members["project.json"] = json.dumps(body).encode()
    path = tmp_path / "bad.nnproj"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ProjectError, match=r"Layer 1 \(dense_1\): Dense needs a flat input .* a 1x2 grid"):
        load_project(path)
