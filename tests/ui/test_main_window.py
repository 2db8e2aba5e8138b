"""The whole window, driven as a user would: real controller, real engine, real worker thread."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, QStandardPaths, Qt
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QMessageBox

from nnstudio.project import load_project
from nnstudio.ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path):
    # Settings and recovery files of tests never touch the user's own.
    QSettings.setPath(QSettings.NativeFormat, QSettings.UserScope, str(tmp_path / "settings"))
    QStandardPaths.setTestModeEnabled(True)


@pytest.fixture
def window(qtbot, monkeypatch):
    w = MainWindow(settings_scope="tests")
    qtbot.addWidget(w)
    w.files.open_demo()
    fastest(w)
    w.resize(1360, 860)
    w.show()
    answers = {"question": QMessageBox.Yes}
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers["question"])
    w.answers = answers
    yield w
    w.runner.stop()
    w.ctl._set_dirty(False)


def fastest(w) -> None:
    """The demo opens at a watchable speed; tests train it as fast as possible."""
    w.training_panel.speed.setValue(w.training_panel.speed.maximum())
    w.ctl._set_dirty(False)


def wait_idle(qtbot, w, timeout=60_000):
    qtbot.waitUntil(lambda: w.runner.state == "idle", timeout=timeout)


def train_to_the_end(w, qtbot, epochs: int) -> None:
    """Press Train for ``epochs`` epochs and wait until the run has finished."""
    w.ctl.set_training(epochs=epochs)
    w.actions["train"].trigger()
    wait_idle(qtbot, w)


def drop_layer(w, kind: str, before_column: int):
    """Drop ``kind`` from the palette's own MIME data into the gap before a canvas column."""
    palette = w.palette
    item = next(palette.item(i) for i in range(palette.count()) if palette.kind_of(palette.item(i)) == kind)
    mime = palette.mimeData([item])
    canvas = w.canvas
    left = canvas.column_rect(before_column - 1)
    right = canvas.column_rect(before_column)
    pos = QPoint((left.right() + right.left()) // 2, right.center().y())
    enter = QDragEnterEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(canvas, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(pos), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(canvas, drop)


def test_demo_opens_ready_to_train(window):
    ctl = window.ctl
    assert ctl.dataset.name.lower().startswith("spiral")
    assert [l["config"]["units"] for l in ctl.layers] == [16, 16, 1]
    assert ctl.network.layer_sizes() == [2, 16, 16, 1]
    assert window.actions["train"].isEnabled() and not window.actions["stop"].isEnabled()
    assert "Spiral demo" in window.windowTitle()


def test_build_edit_undo_redo_through_the_window(window, qtbot):
    ctl = window.ctl
    drop_layer(window, "Dense", before_column=2)  # between the two hidden layers
    assert [l["class"] for l in ctl.layers] == ["Dense", "Dense", "Dense", "Dense"]
    assert ctl.network.layer_sizes() == [2, 16, 16, 16, 1]

    # Select the new layer on the canvas and set 24 neurons and tanh in the inspector.
    qtbot.mouseClick(window.canvas, Qt.LeftButton, pos=window.canvas.column_center(1))
    assert ctl.selected == 1
    combo = window.inspector.units_combo
    combo.lineEdit().selectAll()
    qtbot.keyClicks(combo.lineEdit(), "24")
    qtbot.keyClick(combo.lineEdit(), Qt.Key_Return)
    act = window.inspector.activation_combo
    act.setCurrentIndex(act.findText("Tanh"))
    act.activated.emit(act.currentIndex())  # what a user's choice in the list sends
    assert ctl.layers[1]["config"]["units"] == 24 and ctl.layers[1]["config"]["activation"] == "tanh"
    assert ctl.network.layer_sizes() == [2, 16, 24, 16, 1]
    assert "16 inputs × 24 neurons + 24 biases = 408 parameters" in window.inspector.params_label.text()

    window.actions["undo"].trigger()   # activation back to ReLU
    window.actions["undo"].trigger()   # units back to 16
    assert ctl.layers[1]["config"] == {"units": 16, "activation": "relu", "trainable": True,
                                       "name": "dense_2"}  # layers keep their names
    window.actions["undo"].trigger()   # the drop itself
    assert ctl.network.layer_sizes() == [2, 16, 16, 1]
    window.actions["redo"].trigger()
    assert ctl.network.layer_sizes() == [2, 16, 16, 16, 1]
    assert window.isWindowModified()


def test_loading_iris_resizes_input_and_output(window):
    window.data_panel.select_builtin("iris")
    window.data_panel.load_selected()
    ctl = window.ctl
    assert ctl.network.layer_sizes() == [4, 16, 16, 3]
    assert ctl.layers[-1]["config"]["activation"] == "softmax"
    assert ctl.output_issue() is None
    assert "3 classes" in window.messages.text.text()


def test_train_spiral_through_the_gui_and_plots_hold_the_history(window, qtbot, tmp_path):
    window.ctl.set_training(epochs=200)
    window.actions["train"].trigger()
    assert window.runner.state == "running"
    wait_idle(qtbot, window)
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


def test_step_from_idle_trains_exactly_one_epoch(window, qtbot):
    window.actions["step"].trigger()
    wait_idle(qtbot, window)  # a run of its own that ends there, not a paused run of 200
    assert len(window.ctl.project.history["epoch"]) == 1


def test_editing_while_training_asks_and_respects_no(window, qtbot):
    window.ctl.set_training(epochs=100_000)
    window.actions["train"].trigger()
    qtbot.waitUntil(lambda: len(window.ctl.project.history["epoch"]) > 2, timeout=20_000)
    window.answers["question"] = QMessageBox.No
    assert not window.ctl.insert_layer(0, "Dropout")
    assert window.runner.state in ("running", "paused") and len(window.ctl.layers) == 3
    window.answers["question"] = QMessageBox.Yes
    assert window.ctl.insert_layer(0, "Dropout")
    assert window.runner.state == "idle" and len(window.ctl.layers) == 4


def test_divergence_is_reported_and_weights_stay_finite(window, qtbot):
    window.ctl.set_training(optimizer="SGD", learning_rate=1.0, epochs=300)
    window.data_panel.select_builtin("regression_1d")
    window.data_panel.load_selected()
    window.ctl.set_split(standardize=False)
    # Huge targets with a big step: the loss explodes within a few epochs.
    window.ctl.scaled_split.train.y[:] *= 1e6
    window.actions["train"].trigger()
    wait_idle(qtbot, window)
    assert window.messages.level == "error" and "learning rate" in window.messages.text.text()
    assert np.isfinite(window.ctl.network.params).all()


def test_save_and_reopen_round_trip(window, qtbot, tmp_path, monkeypatch):
    train_to_the_end(window, qtbot, epochs=20)
    path = tmp_path / "spiral.nnproj"
    assert window.files._save_to(str(path))
    assert not window.isWindowModified() and "spiral" in window.windowTitle()
    saved = load_project(path)
    assert len(saved.history["epoch"]) == 20
    weights = window.ctl.network.get_weights()

    window.files.new_project()
    assert len(window.ctl.layers) == 1
    assert window.files.open_path(str(path))
    assert len(window.ctl.project.history["epoch"]) == 20
    for k, v in weights.items():
        np.testing.assert_array_equal(window.ctl.network.get_weights()[k], v)
    assert window.files.recent()[0] == str(path)
    assert window.recent_menu.actions()[0].text() == "spiral.nnproj"


def test_opening_a_corrupt_file_keeps_the_current_project(window, tmp_path):
    bad = tmp_path / "broken.nnproj"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    layers = list(window.ctl.layers)
    assert not window.files.open_path(str(bad))
    assert window.messages.level == "error" and "broken.nnproj" in window.messages.text.text()
    assert window.ctl.layers == layers


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


def test_closing_mid_run_pauses_while_asking_and_cancel_carries_on(window, qtbot, tmp_path):
    w = window
    w.ctl.set_training(epochs=100_000)
    w.actions["train"].trigger()
    qtbot.waitUntil(lambda: len(w.ctl.project.history["epoch"]) > 2, timeout=20_000)
    asked = []

    def question(*args, **kwargs):
        asked.append((w.runner.state, len(w.ctl.project.history["epoch"])))
        return w.answers["question"]

    w.answers["question"] = QMessageBox.Cancel
    QMessageBox.question = question  # undone by the fixture's monkeypatch
    assert not w.close()
    assert asked[0][0] == "paused"  # held while the question was open
    qtbot.waitUntil(lambda: w.runner.state == "running", timeout=5000)  # Cancel: it carries on
    qtbot.waitUntil(lambda: len(w.ctl.project.history["epoch"]) > asked[0][1] + 2, timeout=20_000)
    w.ctl.mark_saved(str(tmp_path / "p.nnproj"))
    w.ctl.touch()
    w.answers["question"] = QMessageBox.Save
    assert w.close()
    saved = load_project(tmp_path / "p.nnproj")
    # Saved while paused: the file's history is exactly what the window showed when asked.
    assert len(saved.history["epoch"]) == asked[1][1] and asked[1][0] == "paused"
    assert w.runner.state == "idle"


def test_unsaved_changes_ask_before_closing(window):
    window.ctl.insert_layer(0, "Dropout")
    window.answers["question"] = QMessageBox.Cancel
    assert not window.close()
    window.answers["question"] = QMessageBox.Discard
    assert window.close()


def test_undoing_to_the_saved_state_keeps_a_changed_setting_unsaved(window, tmp_path):
    ctl = window.ctl
    path = tmp_path / "p.nnproj"
    ctl.mark_saved(str(path))             # what Save does once the file is written
    ctl.set_training(epochs=7)           # not undoable: a setting
    ctl.insert_layer(0, "Dropout")       # undoable
    ctl.undo_stack.undo()                # the stack is back at its clean state ...
    assert ctl.dirty                     # ... but the epochs setting still is not saved
    assert window.isWindowModified()
    ctl.mark_saved(str(path))
    assert not ctl.dirty
    ctl.insert_layer(0, "Dropout")
    ctl.undo_stack.undo()
    assert not ctl.dirty                 # only undoable edits since the save: clean again


def test_opening_a_moved_csv_project_says_which_data_file_it_uses(window, tmp_path):
    import shutil

    from nnstudio.cli import main

    first, moved = tmp_path / "mine", tmp_path / "elsewhere"
    first.mkdir()
    rows = ["a,b,kind"] + [f"{i % 7},{i % 5},{'x' if i % 2 else 'y'}" for i in range(60)]
    (first / "data.csv").write_text("\n".join(rows) + "\n")
    assert main(["train", "--csv", str(first / "data.csv"), "--target", "kind", "--epochs", "2",
                 "--save", str(first / "p.nnproj"), "--quiet"]) == 0
    shutil.move(str(first), str(moved))
    shown = []
    window.ctl.message_posted.connect(lambda text, level: shown.append((text, level)))
    assert window.files.open_path(str(moved / "p.nnproj"), ask=False)
    assert window.ctl.project.data_source["path"] == str(moved / "data.csv")
    text, level = shown[-1]
    assert level == "warning" and "using the copy next to the project" in text


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


def test_unsaved_work_survives_a_crash(window, qtbot, tmp_path):
    from nnstudio.data import load_dataset_source

    window.recovery.discard()
    assert not window.recovery.autosave()  # nothing unsaved yet
    window.ctl.insert_layer(1, "Dropout")
    assert window.recovery.autosave()
    assert window.recovery.wait(10)  # written in a thread, off the GUI thread
    # A second window, as after a crash: the first never closed normally.
    again = MainWindow(settings_scope="tests")
    qtbot.addWidget(again)
    note = again.recovery.pending()
    assert note is not None and note["name"]
    assert again.recovery.restore(load_dataset_source)
    assert [l["class"] for l in again.ctl.layers] == ["Dense", "Dropout", "Dense", "Dense"]
    assert again.ctl.dirty
    again.recovery.discard()
    assert again.recovery.pending() is None
    again.ctl._set_dirty(False)


def test_a_long_run_is_kept_in_the_recovery_copy_while_it_trains(window, qtbot):
    window.recovery.discard()
    window.ctl.set_training(epochs=100_000)
    window.actions["train"].trigger()
    qtbot.waitUntil(lambda: len(window.ctl.project.history["epoch"]) > 50, timeout=30_000)
    assert window.recovery.autosave()  # the minute timer's call, mid-run
    assert window.recovery.wait(10)
    window.runner.stop()
    saved = load_project(window.recovery.project_file)
    assert 50 < len(saved.history["epoch"]) <= len(window.ctl.project.history["epoch"])
    assert saved.is_trained and all(np.isfinite(w).all() for w in saved.weights.values())
    window.recovery.discard()


def test_switching_data_is_undoable(window):
    ctl = window.ctl
    window.data_panel.select_builtin("iris")
    window.data_panel.load_selected()
    assert ctl.network.layer_sizes() == [4, 16, 16, 3]
    assert "Iris" in window.actions["undo"].text()
    window.actions["undo"].trigger()
    assert ctl.dataset.name.lower().startswith("spiral") and ctl.network.layer_sizes() == [2, 16, 16, 1]
    window.actions["redo"].trigger()
    assert ctl.network.layer_sizes() == [4, 16, 16, 3]


def test_summary_reports_test_accuracy_after_a_good_run(window, qtbot):
    train_to_the_end(window, qtbot, epochs=150)
    text = window.messages.text.text()
    assert "Training finished: 150 epochs" in text and "Test accuracy" in text
    assert window.status.progress.text().startswith("done")
    assert window.status.epoch_label.text() == "Epochs trained: 150"


def test_views_follow_the_network_after_an_edit_not_the_old_result(window, qtbot):
    train_to_the_end(window, qtbot, epochs=100)
    qtbot.wait(10)
    trained = window.views._snapshot.confusion.copy()
    assert np.trace(trained) >= 0.95 * trained.sum()
    window.actions["reset"].trigger()
    qtbot.waitUntil(lambda: window.views._snapshot.epoch == 0, timeout=5000)
    snap = window.views._snapshot
    for shown, layer in zip(snap.weights, [l for l in window.ctl.network.layers if hasattr(l, "W")]):
        np.testing.assert_array_equal(shown, layer.W)
    val = window.ctl.scaled_split.val
    pred = window.ctl.network.predict_classes(val.X)
    assert snap.confusion.sum() == len(val.y)
    assert np.trace(snap.confusion) == np.count_nonzero(pred == val.y)


def test_the_speed_paces_epochs_and_can_be_changed_live(window, qtbot):
    import time

    from nnstudio.ui.training_panel import SPEEDS

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


def test_undo_of_an_edit_brings_back_the_trained_weights_and_their_history(window, qtbot):
    train_to_the_end(window, qtbot, epochs=30)
    trained = window.ctl.network.get_weights()
    window.ctl.insert_layer(1, "Dense")
    assert window.ctl.project.history["epoch"] == []
    window.actions["undo"].trigger()
    assert len(window.ctl.project.history["epoch"]) == 30
    for k, v in trained.items():
        np.testing.assert_array_equal(window.ctl.network.get_weights()[k], v)
    assert window.status.epoch_label.text() == "Epochs trained: 30"
    assert window.messages.hint.startswith("Trained for 30 epochs so far")


def test_the_wheel_scrolls_panels_instead_of_changing_unfocused_settings(window, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent

    spin = window.training_panel.seed
    before = spin.value()
    window.activateWindow()
    window.canvas.setFocus()
    centre = QPointF(spin.rect().center())
    wheel = QWheelEvent(centre, QPointF(spin.mapToGlobal(spin.rect().center())), QPoint(0, 0),
                        QPoint(0, 120), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(spin, wheel)
    assert spin.value() == before
    spin.setFocus()
    QApplication.sendEvent(spin, wheel)
    assert spin.value() == before + 1  # once chosen, the wheel edits it as usual


def test_no_two_shortcuts_collide(window):
    """A key sequence given twice (one action or two) is ambiguous to Qt: it then does nothing."""
    seen = {}
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            text = key.toString()
            assert text not in seen, f"{text} on {seen.get(text)!r} and {action.text()!r}"
            seen[text] = action.text()
    assert {"Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Y", "F5", "F6", "Shift+F5", "F10"} <= set(seen)



def test_save_as_suggests_the_data_name_for_a_demo_with_other_data(window, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from nnstudio.data import load_builtin

    iris = load_builtin("iris")
    window.ctl.set_dataset(iris)
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda parent, title, start, *a: (offered.append(start), ("", ""))[1])
    assert not window.files.save_as()  # cancelled
    assert "Spiral demo" not in offered[0] and offered[0].endswith(iris.name + ".nnproj")


def test_old_messages_and_times_go_when_they_no_longer_apply(window, qtbot):
    w = window
    train_to_the_end(w, qtbot, epochs=20)
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
    wait_idle(qtbot, w)


def test_the_run_remembers_its_highest_learning_rate(window, qtbot):
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


def _csv_project(folder, colours=("red", "blue")):
    from nnstudio.cli import main

    folder.mkdir(exist_ok=True)
    rows = ["a,b,col,kind"] + [f"{i % 7},{i % 5},{colours[i % len(colours)]},{'x' if i % 3 else 'y'}"
                               for i in range(60)]
    (folder / "d.csv").write_text("\n".join(rows) + "\n")
    assert main(["train", "--csv", str(folder / "d.csv"), "--target", "kind", "--epochs", "2",
                 "--save", str(folder / "p.nnproj"), "--quiet"]) == 0
    return folder / "p.nnproj"


def test_a_missing_data_file_can_be_found_when_opening(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    project = _csv_project(tmp_path / "a")
    elsewhere = tmp_path / "b"
    elsewhere.mkdir()
    (tmp_path / "a" / "d.csv").rename(elsewhere / "data.csv")
    before = window.ctl.project.name
    window.answers["question"] = QMessageBox.Cancel
    assert not window.files.open_path(str(project), ask=False)
    assert window.ctl.project.name == before  # declined: the current project stays
    window.answers["question"] = QMessageBox.Open
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(elsewhere / "data.csv"), ""))
    assert window.files.open_path(str(project), ask=False)
    assert window.ctl.project.data_source["path"] == str(elsewhere / "data.csv")
    assert window.ctl.project.is_trained and window.ctl.dirty  # the new place is worth saving


def test_a_data_file_that_changed_shape_is_refused_in_plain_words(window, tmp_path):
    project = _csv_project(tmp_path / "a")
    _csv_project(tmp_path / "other", colours=("red", "blue", "green"))
    (tmp_path / "other" / "d.csv").replace(tmp_path / "a" / "d.csv")  # a third colour column now
    shown = []
    window.ctl.message_posted.connect(lambda text, level: shown.append((level, text)))
    assert not window.files.open_path(str(project), ask=False)
    level, text = shown[-1]
    assert level == "error" and "has changed since the project was saved" in text


def test_reset_weights_can_be_undone(window, qtbot):
    w = window
    train_to_the_end(w, qtbot, epochs=15)
    trained = w.ctl.network.params.copy()
    history = {k: list(v) for k, v in w.ctl.project.history.items()}
    w.actions["reset"].trigger()
    assert w.ctl.project.history["epoch"] == [] and not np.array_equal(w.ctl.network.params, trained)
    assert w.actions["undo"].text().endswith("Reset weights")
    w.actions["undo"].trigger()
    np.testing.assert_array_equal(w.ctl.network.params, trained)
    assert w.ctl.project.history == history
    assert w.status.epoch_label.text() == "Epochs trained: 15"
    w.actions["redo"].trigger()
    assert w.ctl.project.history["epoch"] == []


def test_switching_data_frees_the_trainers_shared_copy(window, qtbot):
    from nnstudio.data import load_builtin
    from nnstudio.trainer import transport

    train_to_the_end(window, qtbot, epochs=3)
    assert "shm" in transport._cache  # the spiral trained in a child process
    window.ctl.set_dataset(load_builtin("moons"))
    assert not transport._cache


def test_a_real_wheel_turn_over_the_data_panel_scrolls_it(window, qtbot):
    """Through the window and the app-wide wheel guard, as a mouse sends it: over a setting that
    was not clicked, the panel scrolls and the setting stays."""
    from PySide6.QtCore import QPointF
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QScrollArea

    window.resize(1280, 720)
    qtbot.waitExposed(window)
    QApplication.processEvents()
    scroll = window.data_panel.findChild(QScrollArea)
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0
    window.canvas.setFocus()
    spin = window.data_panel.findChild(QAbstractSpinBox)
    before, start = spin.value(), bar.value()
    spot = spin.mapTo(window, spin.rect().center())
    QTest.wheelEvent(window.windowHandle(), QPointF(spot), QPoint(0, -120))  # wheel down
    assert bar.value() > start and spin.value() == before


def test_alt_letters_in_the_window_are_all_different(window):
    """Alt+letter opens a menu or jumps to a labelled setting: one letter, one place."""
    import re

    from PySide6.QtWidgets import QAbstractButton, QLabel

    owners = {}

    def add(text, owner):
        m = re.search(r"&([^&\s])", text.replace("&&", ""))
        if m:
            owners.setdefault(m.group(1).lower(), []).append(owner)

    for action in window.menuBar().actions():
        add(action.text(), f"menu {action.text()}")
    for label in window.findChildren(QLabel):
        if label.buddy() is not None and label.isVisibleTo(window):
            add(label.text(), f"label {label.text()}")
    for button in window.findChildren(QAbstractButton):
        if button.isVisibleTo(window):
            add(button.text(), f"button {button.text()}")
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    assert not clashes
    assert {"f", "e", "t", "v", "h"} <= set(owners)


def test_freezing_a_layer_keeps_what_was_learned_and_the_history(window, qtbot):
    w = window
    train_to_the_end(w, qtbot, epochs=10)
    params = w.ctl.network.params.copy()
    w.ctl.update_layer(0, trainable=False)
    assert len(w.ctl.project.history["epoch"]) == 10 and w.status.epoch_label.text() == "Epochs trained: 10"
    np.testing.assert_array_equal(w.ctl.network.params, params)
    assert w.ctl.network.n_trainable_params < w.ctl.network.n_params
    w.actions["undo"].trigger()
    assert len(w.ctl.project.history["epoch"]) == 10 and w.ctl.network.layers[0].trainable
    w.ctl.update_layer(0, units=8)  # a different network: its history starts again
    assert w.ctl.project.history["epoch"] == []


def test_training_with_a_frozen_untrained_layer_warns(window, qtbot):
    shown = []
    window.ctl.message_posted.connect(lambda text, level: shown.append((level, text)))
    window.ctl.update_layer(0, trainable=False)
    train_to_the_end(window, qtbot, epochs=2)
    assert any(level == "warning" and "Layer 1 is frozen" in text for level, text in shown)
    shown.clear()
    window.actions["train"].trigger()  # trained now: freezing is what it is for
    wait_idle(qtbot, window)
    assert not any("is frozen" in text for _, text in shown)


def test_a_new_split_after_training_warns_about_flattering_scores(window, qtbot):
    shown = []
    window.ctl.message_posted.connect(lambda text, level: shown.append((level, text)))
    window.ctl.set_split(val=0.3)  # untrained: nothing to warn about
    assert not shown
    train_to_the_end(window, qtbot, epochs=3)
    shown.clear()
    window.ctl.set_split(seed=5)
    assert shown and shown[-1][0] == "warning" and "Reset weights" in shown[-1][1]
    assert "From 5 to 45 %" in window.data_panel.split_editor.val_spin.toolTip()


def test_a_small_laptop_screen_shows_every_run_button(qtbot):
    from PySide6.QtCore import QRect

    QSettings().remove("tests-small-screen")  # the default layout, not a saved one
    w = MainWindow(settings_scope="tests-small-screen")
    qtbot.addWidget(w)
    w.files.open_demo()
    w.show()
    dock = w._docks["training_dock"]
    for size in ((1366, 768), (1280, 720)):
        w.resize(*size)
        qtbot.waitExposed(w)
        QApplication.processEvents()
        for key in ("train", "pause", "stop", "step", "reset"):
            button = getattr(w.training_panel, f"{key}_button")
            rect = QRect(button.mapTo(dock, QPoint(0, 0)), button.size())
            assert dock.rect().contains(rect), f"{size}: {key} outside ({rect}, {dock.rect()})"
            assert button.width() >= button.sizeHint().width(), f"{size}: {key} squeezed"
    w.ctl._set_dirty(False)


def test_training_remembers_its_rows_and_a_changed_csv_is_flagged_on_open(window, qtbot, tmp_path):
    from nnstudio.cli import main

    rows = [f"{(i * 37) % 11},{(i * 13) % 7},{'x' if (i * 37) % 11 > 5 else 'y'}" for i in range(80)]
    csv = tmp_path / "data.csv"
    csv.write_text("a,b,kind\n" + "\n".join(rows) + "\n")
    path = tmp_path / "p.nnproj"
    assert main(["train", "--csv", str(csv), "--target", "kind", "--epochs", "1",
                 "--save", str(path), "--quiet"]) == 0
    shown = []
    window.ctl.message_posted.connect(lambda text, level: shown.append((text, level)))
    assert window.files.open_path(str(path), ask=False)
    assert not [t for t, _ in shown if "data changed" in t]

    csv.write_text("a,b,kind\n" + "\n".join(sorted(rows)) + "\n")
    assert window.files.open_path(str(path), ask=False)
    text, level = next((t, lv) for t, lv in shown if "data changed" in t)
    assert level == "warning" and "another order" in text and "Reset weights" in text
    # ... and it is what the message bar shows (a later "Opened p.nnproj." used to replace it).
    bar = window.messages.text.text()
    assert bar.startswith("Opened p.nnproj.") and "another order" in bar and "Reset weights" in bar
    assert window.messages.level == "warning"

    # Fresh weights trained in the window on the file as it is now carry their own fingerprint.
    window.actions["reset"].trigger()
    assert window.ctl.project.data_check is None
    window.ctl.undo_stack.undo()                       # undo brings the old weights' check back
    assert window.ctl.project.data_check is not None
    window.ctl.undo_stack.redo()
    train_to_the_end(window, qtbot, 2)
    assert window.ctl.project_to_save().data_check["rows"] == 80
    window.files._save_to(str(path))
    shown.clear()
    assert window.files.open_path(str(path), ask=False)
    assert not [t for t, _ in shown if "data changed" in t]


def test_a_new_split_of_trained_weights_keeps_the_old_fingerprint(window, qtbot):
    train_to_the_end(window, qtbot, 2)
    first = window.ctl.project.data_check
    assert first and first["split"]
    window.ctl.set_split(seed=7)
    assert window.ctl.project.data_check == first    # these weights saw the old split's rows
    train_to_the_end(window, qtbot, 1)
    assert window.ctl.project.data_check == first
    assert "split into training, validation and test data differently" in window.ctl.session.data_changed()
