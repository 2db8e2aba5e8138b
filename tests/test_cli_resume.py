"""nnstudio train continues a saved project exactly: 30 epochs, save, 4 more = 34 at once."""
from __future__ import annotations

import json

import numpy as np

from nnstudio.cli import main
from nnstudio.project import load_project


def _train(capsys, *argv):
    code = main([str(a) for a in argv] + ["--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_train_save_and_train_on_equals_one_long_run(capsys, tmp_path):
    whole, parts = tmp_path / "whole.nnproj", tmp_path / "parts.nnproj"
    _train(capsys, "train", "--dataset", "spiral", "--epochs", 34, "--save", whole)
    _train(capsys, "train", "--dataset", "spiral", "--epochs", 30, "--save", parts)
    saved = load_project(parts)
    assert saved.optimizer_state is not None and saved.optimizer_state["iterations"] > 0
    result = _train(capsys, "train", parts, "--epochs", 4, "--save", parts)
    assert result["epochs_total"] == 34
    a, b = load_project(whole), load_project(parts)
    assert a.history["train_loss"] == b.history["train_loss"]
    assert a.history["val_loss"] == b.history["val_loss"]
    for name in a.weights:
        np.testing.assert_array_equal(a.weights[name], b.weights[name])
    assert b.optimizer_state["iterations"] == a.optimizer_state["iterations"]


def test_reset_trains_afresh_without_the_saved_state(capsys, tmp_path):
    path = tmp_path / "p.nnproj"
    _train(capsys, "train", "--dataset", "spiral", "--epochs", 3, "--save", path)
    first = load_project(path).optimizer_state["iterations"]
    _train(capsys, "train", path, "--epochs", 2, "--reset", "--save", path)
    again = load_project(path)
    assert again.epochs_trained == 2 and again.optimizer_state["iterations"] == first * 2 // 3
