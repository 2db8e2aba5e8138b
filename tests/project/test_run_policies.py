"""Policies kept in a project's training settings reach fit, in the CLI and in the window."""
from __future__ import annotations

import json

import pytest

from nnstudio.cli import main
from nnstudio.engine.policies import EarlyStopping, GaussianNoise, StepDecay
from nnstudio.errors import ConfigError
from nnstudio.project import load_project, save_project
from nnstudio.project.run_policies import run_policies


def test_policies_are_built_from_the_settings_and_named_when_wrong():
    got = run_policies({"augment": {"class": "GaussianNoise", "config": {"std": 0.2}},
                        "schedule": {"class": "StepDecay", "config": {"every": 3}},
                        "stop": {"class": "EarlyStopping", "config": {"patience": 4}}})
    assert got == {"transform": GaussianNoise(0.2), "schedule": StepDecay(every=3),
                   "stop": EarlyStopping(patience=4), "target": None}
    assert run_policies({}) == {"transform": None, "schedule": None, "stop": None, "target": None}
    with pytest.raises(ConfigError, match="training.stop must be a stop rule, got 'StepDecay'"):
        run_policies({"stop": {"class": "StepDecay"}})
    with pytest.raises(ConfigError, match="training.schedule is not a valid learning-rate schedule"):
        run_policies({"schedule": {"class": "StepDecay", "config": {"factor": -1}}})


def test_a_saved_stop_rule_ends_the_cli_run_and_says_so(capsys, tmp_path):
    path = tmp_path / "p.nnproj"
    assert main(["train", "--dataset", "spiral", "--epochs", "1", "--save", str(path), "--quiet"]) == 0
    project = load_project(path)
    project.training["epochs"] = 500
    project.training["stop"] = {"class": "EarlyStopping", "config": {"monitor": "train_acc", "patience": 2}}
    save_project(project, path)
    capsys.readouterr()
    assert main(["train", str(path), "--save", str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert result["epochs_run"] < 500 and "Stopped early" in err
    assert load_project(path).training["stop"]["config"]["patience"] == 2  # kept in the file
