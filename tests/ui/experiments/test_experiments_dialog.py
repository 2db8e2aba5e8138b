"""The experiments dialog: real sweeps in real trainer processes, driven through the widgets."""
from __future__ import annotations

import multiprocessing

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from nnstudio.ui.experiments import ExperimentsDialog
from nnstudio.ui.experiments.actions import BUSY

pytestmark = pytest.mark.usefixtures("isolated_settings")


def _trainers_alive() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "nnstudio-trainer"]


def _rate(ctl) -> float:
    return ctl.project.training["optimizer"]["config"]["learning_rate"]


def test_dialog_runs_a_small_sweep_to_the_end_and_answers(qtbot, ctl):
    dialog = ExperimentsDialog(ctl, "rates")
    qtbot.addWidget(dialog)
    assert dialog.start(epochs=6)
    assert not dialog.again.isEnabled() and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    result = dialog.result
    assert [r.status for r in result.runs] == ["completed"] * 5
    assert dialog.sentence.text().startswith(result.sentence)
    assert "reached the lowest validation loss" in dialog.sentence.text()
    assert dialog.progress.value() == dialog.progress.maximum()
    # One curve per run, one point per epoch, the validation loss as the run reported it.
    for i, r in enumerate(result.runs):
        xs, ys = dialog.plot.curve_data(i)
        assert list(xs) == [1, 2, 3, 4, 5, 6]
        assert [10 ** y for y in ys] == pytest.approx(r.history["val_loss"], rel=1e-6)  # log axis
    assert dialog.table.item(result.best, 3).text() == "completed — recommended"
    assert dialog.again.isEnabled() and not dialog.cancel_button.isEnabled()
    # The project's own rate is in use already: its button says so.
    buttons = [dialog.table.cellWidget(i, 4) for i in range(5)]
    assert [b.text() for b in buttons].count("In use") == 1 and not buttons[2].isEnabled()
    assert _rate(ctl) == 0.01  # nothing adopted by running


def test_data_dialog_plots_accuracy_by_training_step(qtbot, ctl):
    dialog = ExperimentsDialog(ctl, "data")
    qtbot.addWidget(dialog)
    assert dialog.start(epochs=4)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    assert dialog.result.curve is not None
    for i, r in enumerate(dialog.result.runs):
        xs, ys = dialog.plot.curve_data(i)
        assert xs[-1] == 32  # every run ends after the full run's 4 epochs x 8 batches
        assert list(ys) == pytest.approx([100 * a for a in r.history["val_acc"]])
    # Data runs use the project's own settings: nothing to adopt.
    assert dialog.table.cellWidget(0, 4) is None and dialog.table.isColumnHidden(4)
    assert dialog.table.horizontalHeaderItem(2).text() == "Best validation accuracy"
    assert dialog.sentence.text()


def test_cancel_stops_every_run_and_their_processes(qtbot, ctl):
    dialog = ExperimentsDialog(ctl, "rates")
    qtbot.addWidget(dialog)
    assert dialog.start(epochs=100_000)
    qtbot.waitUntil(lambda: dialog.runner.results[0].epochs_done > 0, timeout=30_000)
    qtbot.mouseClick(dialog.cancel_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=30_000)
    assert dialog.result.cancelled
    assert dialog.sentence.text().startswith("Cancelled")
    assert all(r.epochs_done < 100_000 for r in dialog.result.runs)
    assert _trainers_alive() == []


def test_closing_while_running_ends_the_runs(qtbot, ctl):
    dialog = ExperimentsDialog(ctl, "data")
    qtbot.addWidget(dialog)
    assert dialog.start(epochs=100_000)
    qtbot.waitUntil(lambda: dialog.runner.results[0].epochs_done > 0, timeout=30_000)
    dialog.reject()
    assert dialog.runner.done and _trainers_alive() == []


def test_no_validation_part_is_said_in_plain_words(qtbot, ctl, messages):
    ctl.set_split(val=0.0)
    dialog = ExperimentsDialog(ctl, "data")
    qtbot.addWidget(dialog)
    assert not dialog.start()
    assert any("keeps no rows for validation" in text for text, _level in messages)


def test_use_these_settings_is_undoable_from_the_window(qtbot, window):
    dialog = window.experiments.open("rates")
    assert dialog is not None and dialog.isModal()
    dialog.start(epochs=4)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    qtbot.mouseClick(dialog.table.cellWidget(1, 4), Qt.LeftButton)
    assert _rate(window.ctl) == 0.001
    assert dialog.table.cellWidget(1, 4).text() == "In use"
    assert window.training_panel.lr_box.value() == pytest.approx(0.001)  # the panel follows
    qtbot.keyClick(dialog, Qt.Key_Z, Qt.ControlModifier)  # Ctrl+Z in the dialog too
    assert _rate(window.ctl) == 0.01 and dialog.table.cellWidget(1, 4).text() == "Use these settings"
    window.ctl.undo_stack.redo()
    assert _rate(window.ctl) == 0.001
    dialog.accept()
    assert window.actions["undo"].text() == "&Undo Use learning rate 0.001 from the sweep"
    assert window.actions["undo"].shortcut().matches(QKeySequence("Ctrl+Z")) == QKeySequence.ExactMatch
    window.actions["undo"].trigger()  # Ctrl+Z
    assert _rate(window.ctl) == 0.01
    assert window.training_panel.lr_box.value() == pytest.approx(0.01)
    window.ctl.undo_stack.redo()
    assert _rate(window.ctl) == 0.001


def test_menu_entries_wait_while_training_runs(qtbot, window):
    actions = window.experiments.actions
    assert all(a.isEnabled() for a in actions.values())
    window.ctl.set_training(epochs=100_000)
    window.actions["train"].trigger()
    qtbot.waitUntil(lambda: window.runner.state == "running", timeout=10_000)
    assert not any(a.isEnabled() for a in actions.values())
    assert all(a.toolTip() == BUSY for a in actions.values())
    assert window.experiments.open("rates") is None
    window.runner.stop()
    assert all(a.isEnabled() for a in actions.values())
