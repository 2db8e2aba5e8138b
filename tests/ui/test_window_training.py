"""Training through the window: Train / Pause / Step / Stop, the speed and learning rate, the
verdict and status bar, divergence, and closing while a run is on."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.ui.main_window import MainWindow

# Windows made here rather than by the window fixture keep their settings apart too.
pytestmark = pytest.mark.usefixtures("isolated_settings")


def test_train_spiral_through_the_gui_and_plots_hold_the_history(window, tmp_path, wait_idle):
    window.ctl.set_training(epochs=200)
    window.actions["train"].trigger()
    assert window.runner.state == "running"
    wait_idle(window)
    h = window.ctl.project.history
    assert len(h["epoch"]) == 200 and h["val_acc"][-1] >= 0.95
    metrics = window.views.metrics
    metrics.flush()
    x, y = metrics.curves["val_loss"].getData()
    np.testing.assert_allclose(y, h["val_loss"], rtol=1e-6)
    assert list(x) == list(range(1, 201))
    assert "Training finished" in window.messages.text.text()


def test_pause_resume_step_and_stop(window, qtbot):
    window.ctl.set_training(epochs=100_000)
    window.actions["train"].trigger()
    qtbot.waitUntil(lambda: len(window.ctl.project.history["epoch"]) > 3, timeout=20_000)
    window.actions["pause"].trigger()
    qtbot.waitUntil(lambda: window.runner.state == "paused", timeout=10_000)
    assert window.actions["pause"].text() == "Resume"
    n = len(window.ctl.project.history["epoch"])
    qtbot.wait(300)
    assert len(window.ctl.project.history["epoch"]) == n  # paused means no progress
    window.actions["step"].trigger()
    qtbot.waitUntil(lambda: len(window.ctl.project.history["epoch"]) == n + 1, timeout=10_000)
    qtbot.waitUntil(lambda: window.runner.state == "paused", timeout=10_000)
    window.actions["pause"].trigger()  # resume
    qtbot.waitUntil(lambda: len(window.ctl.project.history["epoch"]) > n + 3, timeout=10_000)
    window.actions["stop"].trigger()
    assert window.runner.state == "idle" and not window.ctl.training_active
    assert np.isfinite(window.ctl.network.params).all()


def test_step_from_idle_trains_exactly_one_epoch(window, wait_idle):
    window.actions["step"].trigger()
    wait_idle(window)  # a run of its own that ends there, not a paused run of 200
    assert len(window.ctl.project.history["epoch"]) == 1


def test_divergence_is_reported_and_weights_stay_finite(window, wait_idle):
    window.ctl.set_training(optimizer="SGD", learning_rate=1.0, epochs=300)
    window.data_panel.select_builtin("regression_1d")
    window.data_panel.load_selected()
    window.ctl.set_split(standardize=False)
    # Huge targets with a big step: the loss explodes within a few epochs.
    window.ctl.scaled_split.train.y[:] *= 1e6
    window.actions["train"].trigger()
    wait_idle(window)
    # The weights came back and the rate went down to a tenth: a warning that says so, and
    # Continue under the loss curve.
    assert window.messages.level == "warning" and "learning rate" in window.messages.text.text()
    assert np.isfinite(window.ctl.network.params).all()
    assert window.ctl.project.training["optimizer"]["config"]["learning_rate"] == 0.1
    assert not window.views.metrics.doctor.continue_button.isHidden()
    # The magnifying glass opens on the training row the rewound network gets most wrong.
    window.views.metrics.doctor.look_button.click()
    assert window.ctl.chosen_sample >= 0


def test_closing_during_training_stops_cleanly(qtbot):
    w = MainWindow(settings_scope="tests")
    qtbot.addWidget(w)
    w.files.open_demo()
    w.show()
    w.ctl.set_training(epochs=100_000)
    w.ctl.undo_stack.setClean()
    w.ctl._set_dirty(False)
    w.actions["train"].trigger()
    qtbot.waitUntil(lambda: len(w.ctl.project.history["epoch"]) > 2, timeout=20_000)
    w.ctl._set_dirty(False)  # no save question in this test
    assert w.close()
    assert w.runner.state == "idle" and not w.ctl.training_active


def test_window_renders_mid_training(window, qtbot, tmp_path):
    window.ctl.set_training(epochs=100_000)
    window.actions["train"].trigger()
    qtbot.waitUntil(lambda: len(window.ctl.project.history["epoch"]) > 30, timeout=30_000)
    qtbot.wait(200)  # one redraw of the throttled views
    image = window.grab().toImage()
    window.actions["stop"].trigger()
    out = tmp_path / "mid_training.png"
    assert image.save(str(out)) and out.stat().st_size > 20_000
    # Not a blank picture: many distinct colours (curves, weights, data).
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 50


def test_summary_reports_test_accuracy_after_a_good_run(window, train_to_the_end):
    train_to_the_end(window, epochs=150)
    text = window.messages.text.text()
    assert "Training finished: 150 epochs" in text and "Test accuracy" in text
    assert window.status.progress.text().startswith("done")
    assert window.status.epoch_label.text() == "Epochs trained: 150"


def test_the_speed_paces_epochs_and_can_be_changed_live(window, qtbot):
    import time

    from nnstudio.ui.training.training_panel import SPEEDS

    window.training_panel.speed.setValue(SPEEDS.index(10))
    assert window.ctl.project.training["epochs_per_second"] == 10
    window.ctl.set_training(epochs=100_000)
    start = time.perf_counter()
    window.actions["train"].trigger()
    qtbot.waitUntil(lambda: len(window.ctl.project.history["epoch"]) >= 5, timeout=10_000)
    slow_rate = len(window.ctl.project.history["epoch"]) / (time.perf_counter() - start)
    assert slow_rate < 20  # ~10 epochs a second, where full speed is hundreds
    window.training_panel.speed.setValue(window.training_panel.speed.maximum())  # "Fastest"
    n = len(window.ctl.project.history["epoch"])
    qtbot.waitUntil(lambda: len(window.ctl.project.history["epoch"]) > n + 100, timeout=10_000)
    window.actions["stop"].trigger()


def test_old_messages_and_times_go_when_they_no_longer_apply(window, qtbot, train_to_the_end, wait_idle):
    w = window
    train_to_the_end(w, epochs=20)
    verdict = w.messages.text.text()
    assert verdict.startswith("Training finished") and w.status.time_label.text()
    w.ctl.insert_layer(0, "Dropout")  # the results are gone with the history ...
    assert w.messages.level == "" and w.status.time_label.text() == ""
    # ... but not what the unchanged layers learned, and the window says which it is.
    assert w.messages.text.text().startswith("The network changed, so its history starts again")
    assert w.status.epoch_label.text() == "History cleared"
    w.actions["reset"].trigger()
    assert w.messages.text.text().startswith("Ready") and w.status.epoch_label.text() == "Not trained yet"
    w.ctl.message_posted.emit("Could not open x.nnproj: it is damaged.", "error")
    assert w.messages.level == "error"
    w.actions["train"].trigger()  # a new run: the old error no longer applies
    qtbot.waitUntil(lambda: w.messages.level != "error", timeout=5000)
    wait_idle(w)


def test_the_run_remembers_its_highest_learning_rate(window):
    w = window
    w.ctl.set_training(epochs=100_000, learning_rate=0.01)
    w.actions["train"].trigger()
    assert w.runner.highest_rate == pytest.approx(0.01)
    w.runner.set_learning_rate(0.8)
    w.runner.set_learning_rate(0.01)
    assert w.runner.highest_rate == pytest.approx(0.8)
    w.runner.stop()
    w.actions["train"].trigger()  # a new run starts from its own rate
    assert w.runner.highest_rate == pytest.approx(0.01)
    w.runner.stop()


def test_a_typed_large_learning_rate_is_taken_and_explained(window):
    from PySide6.QtTest import QTest

    box = window.training_panel.lr_box
    box.selectAll()
    QTest.keyClicks(box, "5")
    QTest.keyClick(box, Qt.Key_Return)
    assert window.ctl.project.training["optimizer"]["config"]["learning_rate"] == pytest.approx(5.0)
    assert "From 1e-05 to 10" in box.toolTip()


def test_switching_data_frees_the_trainers_shared_copy(window, train_to_the_end):
    from nnstudio.data import load_builtin
    from nnstudio.trainer import transport

    train_to_the_end(window, epochs=3)
    assert "shm" in transport._cache  # the spiral trained in a child process
    window.ctl.set_dataset(load_builtin("moons"))
    assert not transport._cache


def test_training_with_a_frozen_untrained_layer_warns(window, train_to_the_end, wait_idle):
    shown = []
    window.ctl.message_posted.connect(lambda text, level: shown.append((level, text)))
    window.ctl.update_layer(0, trainable=False)
    train_to_the_end(window, epochs=2)
    assert any(level == "warning" and "Layer 1 is frozen" in text for level, text in shown)
    shown.clear()
    window.actions["train"].trigger()  # trained now: freezing is what it is for
    wait_idle(window)
    assert not any("is frozen" in text for _, text in shown)
