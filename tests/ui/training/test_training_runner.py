"""The window's runner continues a run exactly: Train 30 epochs, then 4 more = 34 at once."""
from __future__ import annotations

import numpy as np

from nnstudio.data import load_dataset_source
from nnstudio.project import demo_project, load_project, save_project
from nnstudio.ui.controller import ProjectController
from nnstudio.ui.training.training_runner import TrainingRunner


def _controller():
    ctl = ProjectController()
    project = demo_project()
    ctl.load(project, load_dataset_source(project.data_source))
    return ctl


def _train(qtbot, runner, ctl, epochs):
    ctl.set_training(epochs=epochs, epochs_per_second=0)
    assert runner.start()
    qtbot.waitUntil(lambda: runner.state == "idle", timeout=60_000)


def test_train_again_continues_the_optimizer_and_equals_one_long_run(qtbot, tmp_path):
    whole, parts = _controller(), _controller()
    whole_runner, parts_runner = TrainingRunner(whole), TrainingRunner(parts)
    _train(qtbot, whole_runner, whole, 34)
    _train(qtbot, parts_runner, parts, 30)
    state = parts.project.optimizer_state
    assert state is not None and state["class"] == "Adam" and state["iterations"] > 0
    # Saved and opened again: the state travels with the project.
    path = tmp_path / "p.nnproj"
    save_project(parts.project_to_save(), path)
    reopened = load_project(path)
    assert reopened.optimizer_state["iterations"] == state["iterations"]
    _train(qtbot, parts_runner, parts, 4)
    np.testing.assert_array_equal(parts.network.params, whole.network.params)
    assert parts.project.history["train_loss"] == whole.project.history["train_loss"]
    for ctl in (whole, parts):
        ctl.undo_stack.clear()


def test_reset_drops_the_optimizer_state(qtbot, ctl):
    runner = TrainingRunner(ctl)
    _train(qtbot, runner, ctl, 2)
    assert ctl.project.optimizer_state is not None
    ctl.reset_weights()
    assert ctl.project.optimizer_state is None


def test_the_projects_schedule_and_stop_rule_reach_the_trainer_process(qtbot, ctl):
    runner = TrainingRunner(ctl)
    rates = []
    runner.epoch_finished.connect(lambda rec: rates.append(rec.learning_rate))
    ctl.project.training["schedule"] = {"class": "StepDecay",
                                        "config": {"rate": 0.02, "factor": 0.5, "every": 2}}
    _train(qtbot, runner, ctl, 5)
    assert rates == [0.02, 0.02, 0.01, 0.01, 0.005]
    ctl.project.training["stop"] = {"class": "EarlyStopping",
                                    "config": {"monitor": "train_acc", "patience": 1}}
    ctl.project.training.pop("schedule")
    before = len(ctl.project.history["epoch"])
    _train(qtbot, runner, ctl, 500)
    assert len(ctl.project.history["epoch"]) - before < 500
