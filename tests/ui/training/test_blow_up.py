"""A run whose loss blows up: training stops, the last good weights come back, the rate drops
to a tenth (one undoable step) and training can go on; and a run with a target stops there."""
from __future__ import annotations

import numpy as np

from nnstudio.data import load_builtin, load_dataset_source
from nnstudio.project import demo_project
from nnstudio.ui.controller import ProjectController
from nnstudio.ui.training.training_runner import TrainingRunner


def _run(qtbot, runner) -> None:
    assert runner.start()
    qtbot.waitUntil(lambda: runner.state == "idle", timeout=60_000)


def _five_good_epochs_then_rate_10(qtbot, ctl, epochs: int) -> TrainingRunner:
    """5 epochs of plain SGD at 0.1 on unscaled data, then ``epochs`` more at a rate of 10,
    which makes the loss explode within a few epochs."""
    runner = TrainingRunner(ctl)
    ctl.set_dataset(load_builtin("regression_1d"))
    ctl.set_split(standardize=False)
    ctl.set_training(optimizer="SGD", learning_rate=0.1, epochs=5, epochs_per_second=0)
    _run(qtbot, runner)
    ctl.set_training(learning_rate=10.0, epochs=epochs)
    return runner


def test_a_blow_up_rewinds_lowers_the_rate_undoably_and_training_goes_on(qtbot, ctl, messages):
    runner = _five_good_epochs_then_rate_10(qtbot, ctl, 50)
    blow_ups = []
    runner.run_diverged.connect(blow_ups.append)
    _run(qtbot, runner)
    assert len(blow_ups) == 1
    b = blow_ups[0]
    good = len(ctl.project.history["epoch"])
    # The epoch at a rate of 10 before the blow-up was finite but wild (its loss ~10^13):
    # the rewind goes back past it, to where this run started, and the history with it.
    assert good == 5
    assert (b.rate, b.new_rate, b.good_epoch, b.epoch) == (10.0, 1.0, good, good + 1)
    assert ctl.project.training["optimizer"]["config"]["learning_rate"] == 1.0
    text, level = messages[-1]
    assert level == "warning" and "Continue" in text and "from 10 to 1" in text
    assert f"epoch {good} are back" in text
    # The weights are exactly those of the last good epoch: the same training cut there.
    twin = ProjectController()
    project = demo_project()
    twin.load(project, load_dataset_source(project.data_source))
    twin_runner = _five_good_epochs_then_rate_10(qtbot, twin, good - 5)
    if good > 5:
        _run(qtbot, twin_runner)
    assert np.isfinite(ctl.network.params).all()
    np.testing.assert_array_equal(ctl.network.params, twin.network.params)
    twin.undo_stack.clear()
    assert not any(lvl == "error" for _t, lvl in messages)  # the engine's own words are replaced

    # Undo puts the rate back; Redo lowers it again.
    assert ctl.undo_stack.undoText() == "Lower the learning rate after the blow-up"
    ctl.undo_stack.undo()
    assert ctl.project.training["optimizer"]["config"]["learning_rate"] == 10.0
    ctl.undo_stack.redo()
    assert ctl.project.training["optimizer"]["config"]["learning_rate"] == 1.0

    # Continue: training goes on from the good weights at the smaller rate.
    ctl.set_training(epochs=3)
    _run(qtbot, runner)
    assert runner.blow_up is None and len(blow_ups) == 1
    assert len(ctl.project.history["epoch"]) == good + 3
    assert np.isfinite(ctl.network.params).all()


def test_a_run_with_a_target_stops_there(qtbot, ctl):
    runner = TrainingRunner(ctl)
    ctl.set_training(epochs=500, epochs_per_second=0,
                     target={"class": "TargetStop", "config": {"monitor": "val_acc", "value": 0.8}})
    records = []
    runner.epoch_finished.connect(records.append)
    _run(qtbot, runner)
    accs = ctl.project.history["val_acc"]
    assert len(accs) < 500 and accs[-1] >= 0.8 and all(a < 0.8 for a in accs[:-1])
    assert records[-1].stopped and "target" in records[-1].stopped
