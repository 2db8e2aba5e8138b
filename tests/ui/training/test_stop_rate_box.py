"""The training panel's "When to stop and how fast to learn" section: each control writes the
project's training settings, a saved file keeps them, and a project opened again shows them."""
from __future__ import annotations

from PySide6.QtGui import QAction

from nnstudio.data import load_dataset_source
from nnstudio.project import load_project, save_project
from nnstudio.project.run_policies import run_policies
from nnstudio.ui.controller import ProjectController
from nnstudio.ui.training.training_panel import TrainingPanel


def _panel(qtbot, ctl) -> TrainingPanel:
    actions = {key: QAction(key) for key in ("train", "pause", "stop", "step", "reset")}
    panel = TrainingPanel(ctl, actions)
    qtbot.addWidget(panel)
    return panel


def _reopened(qtbot, ctl, tmp_path):
    """``(training settings read from the saved file, a panel on the project opened again)``."""
    path = tmp_path / "p.nnproj"
    save_project(ctl.project_to_save(), path)
    project = load_project(path)
    other = ProjectController()
    other.load(project, load_dataset_source(project.data_source))
    return project.training, _panel(qtbot, other)


def test_early_stopping_round_trips_through_the_panel_and_a_file(qtbot, ctl, tmp_path):
    panel = _panel(qtbot, ctl)
    box = panel.stop_rate
    assert ctl.project.training.get("stop") is None and not box.patience.isEnabled()
    box.stop_check.setChecked(True)
    box.patience.setValue(7)
    box.restore_check.setChecked(False)
    assert ctl.dirty
    stop = ctl.project.training["stop"]
    assert stop["class"] == "EarlyStopping"
    assert stop["config"]["patience"] == 7 and stop["config"]["restore_best"] is False
    assert run_policies(ctl.project.training)["stop"].patience == 7  # the engine takes it
    saved, reopened = _reopened(qtbot, ctl, tmp_path)
    assert saved["stop"] == stop
    other = reopened.stop_rate
    assert other.stop_check.isChecked() and other.patience.value() == 7
    assert not other.restore_check.isChecked()
    assert "7 epochs" in other.summary_label.full_text()
    box.stop_check.setChecked(False)
    assert ctl.project.training["stop"] is None


def test_a_target_round_trips_as_a_fraction_and_shows_in_percent(qtbot, ctl, tmp_path):
    panel = _panel(qtbot, ctl)
    box = panel.stop_rate
    box.target_check.setChecked(True)
    box.target_value.setValue(85.0)
    target = ctl.project.training["target"]
    assert target == {"class": "TargetStop", "config": {"monitor": "val_acc", "value": 0.85}}
    saved, reopened = _reopened(qtbot, ctl, tmp_path)
    assert saved["target"] == target
    assert reopened.stop_rate.target_check.isChecked()
    assert reopened.stop_rate.target_value.value() == 85.0
    # A loss target is a plain number.
    box.target_metric.setCurrentIndex(box.target_metric.findData("val_loss"))
    box.target_value.setValue(0.25)
    assert ctl.project.training["target"]["config"] == {"monitor": "val_loss", "value": 0.25}
    assert box.target_value.suffix() == ""


def test_each_schedule_round_trips_and_follows_the_learning_rate(qtbot, ctl, tmp_path):
    panel = _panel(qtbot, ctl)
    box = panel.stop_rate
    box.schedule.setCurrentIndex(box.schedule.findData("StepDecay"))
    box.step_every.setValue(4)
    box.step_factor.setValue(0.25)
    assert ctl.project.training["schedule"] == {
        "class": "StepDecay", "config": {"rate": 0.01, "factor": 0.25, "every": 4}}
    panel.lr_box.setValue(0.02)  # the schedule starts from the rate set above
    assert ctl.project.training["schedule"]["config"]["rate"] == 0.02
    saved, other = _reopened(qtbot, ctl, tmp_path)
    assert saved["schedule"]["config"] == {"rate": 0.02, "factor": 0.25, "every": 4}
    assert other.stop_rate.schedule.currentData() == "StepDecay"
    assert other.stop_rate.step_every.value() == 4

    box.schedule.setCurrentIndex(box.schedule.findData("CosineDecay"))
    box.cos_epochs.setValue(50)
    assert ctl.project.training["schedule"]["config"] == {"rate": 0.02, "epochs": 50,
                                                          "final_rate": 0.0}
    box.schedule.setCurrentIndex(box.schedule.findData("ReduceOnPlateau"))
    box.plateau_patience.setValue(3)
    config = ctl.project.training["schedule"]["config"]
    assert ctl.project.training["schedule"]["class"] == "ReduceOnPlateau"
    assert config["patience"] == 3 and config["rate"] == 0.02
    assert run_policies(ctl.project.training)["schedule"].patience == 3
    saved, other = _reopened(qtbot, ctl, tmp_path)
    assert other.stop_rate.schedule.currentData() == "ReduceOnPlateau"
    assert other.stop_rate.plateau_patience.value() == 3
    box.schedule.setCurrentIndex(0)
    assert ctl.project.training["schedule"] is None


def test_the_section_folds_into_one_line(qtbot, ctl):
    panel = _panel(qtbot, ctl)
    box = panel.stop_rate
    assert not box.body.isVisibleTo(box) and box.summary_label.isVisibleTo(box)
    assert box.summary_label.full_text() == "Runs every epoch; the rate stays the same."
    box.toggle.setChecked(True)
    assert box.body.isVisibleTo(box) and not box.summary_label.isVisibleTo(box)
    for w in (box.stop_check, box.patience, box.target_check, box.target_value, box.schedule,
              box.step_every, box.plateau_factor):
        assert w.toolTip()


def test_a_schedule_row_never_slides_under_the_scroll_bar(qtbot, ctl):
    # At 1366x768 the cosine row ("over 200 epochs down to 0.000000") widened the settings
    # after the section had opened, and the scroll bar covered the spin boxes' arrows.
    panel = _panel(qtbot, ctl)
    panel.show()
    qtbot.waitExposed(panel)
    panel.stop_rate.toggle.setChecked(True)
    closed = panel.scroll.minimumWidth()
    box = panel.stop_rate
    box.schedule.setCurrentIndex(box.schedule.findData("CosineDecay"))
    qtbot.waitUntil(lambda: panel.scroll.minimumWidth() >= panel._settings.minimumSizeHint().width()
                    + panel.scroll.verticalScrollBar().sizeHint().width())
    assert panel.scroll.minimumWidth() > closed
