"""What a class walkthrough of the window found (issue 8): the speed control, Space / Esc, Step
epoch after a run, the layout on a laptop screen, the paused canvas's tooltip, the output
layer's help, file dialogs that start beside the work, and the data plot's piles of dots."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QSlider

from nnstudio.data import Dataset
from nnstudio.project import load_project, save_project
from nnstudio.ui.data.scatter import JITTER, DataScatterWidget
from nnstudio.ui.files.file_actions import DEMO_SPEED
from nnstudio.ui.main_window import initial_size
from nnstudio.ui.training.training_panel import SPEEDS

# Tests without the window fixture keep their settings apart too.
pytestmark = pytest.mark.usefixtures("isolated_settings")


@pytest.fixture
def window(open_window):
    """The demo at the speed it opens with (these tests look at the speed control)."""
    return open_window("tests-walkthrough", fast=False)


def set_speed(w, epochs_per_second: float) -> None:
    w.training_panel.speed.setValue(SPEEDS.index(epochs_per_second))


def epochs(w) -> int:
    return len(w.ctl.project.history["epoch"])


def press(qtbot, widget, key) -> None:
    """A key press as a person gives it: to the widget that has the keyboard."""
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2000)
    qtbot.keyClick(widget, key)


# ---------------------------------------------------------------------- 1. speed
def test_the_speed_slider_names_each_stop_and_sets_the_project(window):
    panel = window.training_panel
    assert isinstance(panel.speed, QSlider) and panel.speed.focusPolicy() & Qt.TabFocus
    assert not hasattr(panel, "slow")  # the old check box is gone
    seen = []
    for pos in range(panel.speed.maximum() + 1):
        panel.speed.setValue(pos)
        seen.append((window.ctl.project.training["epochs_per_second"], panel.speed_label.text()))
    assert [s for s, _ in seen] == list(SPEEDS)
    assert seen[0] == (1, "1 epoch a second") and seen[2] == (10, "10 epochs a second")
    assert seen[-1] == (0, "Fastest")
    assert "while training" in panel.speed.toolTip() and "one epoch a second" in panel.speed.toolTip()


def test_the_demo_opens_at_a_watchable_speed_and_the_run_obeys_it(window, qtbot):
    assert window.ctl.project.training["epochs_per_second"] == DEMO_SPEED == 10
    assert window.training_panel.speed_label.text() == "10 epochs a second"
    window.ctl.set_training(epochs=100_000)
    window.actions["train"].trigger()
    worker = window.runner._worker
    assert worker.min_epoch_seconds == pytest.approx(0.1)
    set_speed(window, 1)  # changed while training: the run follows at once
    assert worker.min_epoch_seconds == pytest.approx(1.0)
    set_speed(window, 0)
    assert worker.min_epoch_seconds == 0.0
    qtbot.waitUntil(lambda: epochs(window) > 20, timeout=20_000)


def test_the_speed_is_saved_with_the_project_and_old_files_still_open(window, tmp_path):
    set_speed(window, 3)
    path = tmp_path / "speed.nnproj"
    assert window.files._save_to(str(path))
    assert load_project(path).training["epochs_per_second"] == 3
    set_speed(window, 0)
    assert window.files.open_path(str(path), ask=False)
    assert window.training_panel.speed_label.text() == "3 epochs a second"
    # Files from before the speed control: none (full speed), or the old slow-motion switch.
    for old, expected in (({}, 0), ({"slow_motion": True}, 10), ({"slow_motion": False}, 0)):
        project = load_project(path)
        del project.training["epochs_per_second"]
        project.training.update(old)
        save_project(project, tmp_path / "old.nnproj")
        loaded = load_project(tmp_path / "old.nnproj")
        assert loaded.training["epochs_per_second"] == expected and "slow_motion" not in loaded.training


def test_a_hand_edited_speed_is_refused_by_name(tmp_path):
    from nnstudio.errors import ProjectError
    from nnstudio.project import demo_project

    project = demo_project()
    project.training["epochs_per_second"] = "fast"
    save_project(project, tmp_path / "bad.nnproj")
    with pytest.raises(ProjectError, match=r"training\.epochs_per_second .*'fast'"):
        load_project(tmp_path / "bad.nnproj")


# ---------------------------------------------------------------------- 2. Space and Esc
def test_space_starts_pauses_and_resumes_and_escape_stops(window, qtbot):
    set_speed(window, 0)
    window.ctl.set_training(epochs=100_000)
    canvas = window.canvas
    press(qtbot, canvas, Qt.Key_Space)
    assert window.runner.state == "running"
    qtbot.waitUntil(lambda: epochs(window) > 2, timeout=20_000)
    press(qtbot, canvas, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.runner.state == "paused", timeout=10_000)
    press(qtbot, canvas, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.runner.state == "running", timeout=10_000)
    press(qtbot, canvas, Qt.Key_Escape)  # on the canvas Esc used to only clear the selection
    assert window.runner.state == "idle" and not window.ctl.training_active


def test_space_in_a_box_or_a_list_stays_there(window, qtbot):
    panel = window.training_panel
    press(qtbot, panel.epochs, Qt.Key_Space)          # a spin box
    window.ctl.select(1)
    units = window.inspector.units_combo.lineEdit()   # a text box
    units.setText("16")
    units.setCursorPosition(2)
    press(qtbot, units, Qt.Key_Space)
    assert units.text() == "16 "                      # the space was typed there
    press(qtbot, window.palette, Qt.Key_Space)        # a list
    frozen = window.inspector.frozen_check
    press(qtbot, frozen, Qt.Key_Space)                # a check box: Space ticks it
    assert frozen.isChecked()
    QApplication.processEvents()
    assert window.runner.state == "idle" and epochs(window) == 0
    press(qtbot, panel.speed, Qt.Key_Space)           # a slider has no use for Space: training
    assert window.runner.state == "running"


# ---------------------------------------------------------------------- 3. Step epoch
def test_step_after_a_finished_run_trains_one_epoch_and_stops(window, qtbot):
    set_speed(window, 0)
    window.ctl.set_training(epochs=5)
    window.actions["train"].trigger()
    qtbot.waitUntil(lambda: window.runner.state == "idle", timeout=20_000)
    assert epochs(window) == 5
    window.actions["step"].trigger()
    qtbot.waitUntil(lambda: window.runner.state == "idle", timeout=20_000)
    assert epochs(window) == 6 and not window.ctl.training_active
    assert window.actions["train"].isEnabled() and not window.actions["stop"].isEnabled()
    assert "one more epoch" in window.messages.hint
    assert window.status.progress.text() == "done: 1 epoch"


# ---------------------------------------------------------------------- 4. laptop screens
@pytest.mark.parametrize("size, plots", [((1366, 768), 250), ((1280, 720), 230)])
def test_a_laptop_screen_shows_the_whole_stop_button_and_tall_plots(window, qtbot, size, plots):
    window.resize(*size)
    QApplication.processEvents()
    stop = window.training_panel.stop_button
    assert stop.visibleRegion().boundingRect() == stop.rect()
    where = QRect(stop.mapTo(window, QPoint(0, 0)), stop.size())
    # Not flush with the window's edge, where a window frame or the screen's edge cuts it off.
    assert window.rect().adjusted(0, 0, -2, -2).contains(where), (where, window.rect())
    assert window.views.currentWidget().height() >= plots
    assert window.canvas.height() >= 250  # the network stays readable too


def test_the_first_window_fits_a_small_screen():
    assert initial_size(QSize(2560, 1400)) == QSize(1360, 860)
    small = initial_size(QSize(1366, 738))  # 1366x768 less a task bar
    assert small.width() <= 1366 and small.height() <= 738 - 30


# ---------------------------------------------------------------------- 5. paused tooltip
def test_the_canvas_says_when_training_is_paused(window, qtbot):
    set_speed(window, 0)
    window.ctl.set_training(epochs=100_000)
    window.actions["train"].trigger()
    assert "running" in window.canvas.toolTip()
    window.actions["pause"].trigger()
    qtbot.waitUntil(lambda: window.runner.state == "paused", timeout=10_000)
    tip = window.canvas.toolTip()
    assert "paused" in tip and "running" not in tip and "Changing the network" in tip
    window.actions["stop"].trigger()
    assert window.canvas.toolTip() == ""


# ---------------------------------------------------------------------- 6. output layer help
def test_the_output_help_agrees_with_the_warning(window):
    ctl, insp = window.ctl, window.inspector
    ctl.select(2)
    assert "the output is 1 sigmoid neuron" in insp.output_label.text()
    ctl.update_layer(2, activation="relu")
    issue = ctl.output_issue()
    assert issue and "not relu" in issue
    help_text = insp.output_label.text()
    assert "should be" in help_text and "the output is" not in help_text
    assert "sigmoid" in help_text and "softmax" in help_text  # what the warning asks for
    assert help_text in window.canvas.column_tooltip(2).replace("&#x27;", "'")
    ctl.update_layer(2, activation="softmax", units=2)  # fits too: says what it is
    assert ctl.output_issue() is None
    assert "2 softmax neurons" in insp.output_label.text()
    ctl.update_layer(2, activation="sigmoid", units=2)
    assert "set it to 1" in ctl.output_issue() and "should be 1 sigmoid" in insp.output_label.text()


# ---------------------------------------------------------------------- 7. palette
def test_adding_from_the_palette_leaves_no_row_highlighted(window, qtbot):
    """The real drag is checked under Xvfb (test_canvas_xvfb); a double-click ends the same way."""
    pal = window.palette
    spot = pal.visualItemRect(pal.item(1)).center()
    qtbot.mouseClick(pal.viewport(), Qt.LeftButton, pos=spot)
    assert len(pal.selectedItems()) == 1  # what the press before a drag does
    qtbot.mouseDClick(pal.viewport(), Qt.LeftButton, pos=spot)
    assert [layer["class"] for layer in window.ctl.layers] == ["Dense", "Dense", "Dropout", "Dense"]
    assert pal.selectedItems() == []


# ---------------------------------------------------------------------- 8. file dialogs
def _record_dialogs(monkeypatch) -> list:
    asked = []

    def cancelled(parent, caption, folder, *rest):  # notes the folder it opened in
        asked.append(folder)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(cancelled))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(cancelled))
    return asked


def test_file_dialogs_start_beside_the_project_not_in_home(window, tmp_path, monkeypatch):
    asked = _record_dialogs(monkeypatch)
    folder = tmp_path / "class 7b"
    folder.mkdir()
    assert window.files._save_to(str(folder / "spiral.nnproj"))
    window.settings.remove("last_dir")        # e.g. settings of an older version
    window.settings.remove("last_csv_dir")    # no CSV opened yet
    window.data_panel.open_csv_dialog()
    window.files.open_dialog()
    assert asked == [str(folder), str(folder)]


def test_with_no_project_open_the_dialog_starts_beside_the_last_file(window, tmp_path, monkeypatch):
    asked = _record_dialogs(monkeypatch)
    folder = tmp_path / "projects"
    folder.mkdir()
    window.settings.setValue("recent_files", [str(folder / "last.nnproj")])
    window.settings.remove("last_dir")
    window.files.open_dialog()
    assert asked == [str(folder)]


# ---------------------------------------------------------------------- 9. data plot
def test_whole_number_features_are_jittered_in_the_picture_only(qtbot):
    rng = np.random.default_rng(1)
    X = rng.integers(0, 4, size=(200, 2)).astype(np.float32)  # 16 spots for 200 samples
    y = rng.integers(0, 2, size=200)
    ds = Dataset(X, y, ["rating", "visits"], ["no", "yes"], "classification", {"kind": "test"}, "ratings")
    before = ds.X.copy()
    w = DataScatterWidget()
    qtbot.addWidget(w)
    w.set_dataset(ds)
    plotted = np.concatenate([np.column_stack(item.getData()) for item in w.items])
    data = np.concatenate([ds.X[ds.y == c] for c in range(2)])
    assert w.jittered == (True, True)
    assert np.all(np.abs(plotted - data) <= JITTER + 1e-9) and np.array_equal(np.round(plotted), data)
    assert len({tuple(p) for p in np.round(plotted, 3)}) > 150  # no longer 16 piles
    np.testing.assert_array_equal(ds.X, before)                  # the data is untouched
    assert all(p.brush().color().alpha() < 255 for item in w.items for p in item.points())
    assert "only in the picture" in w.plot.toolTip() and "spread out" in w.note.text()
    again = np.concatenate([np.column_stack(item.getData()) for item in w.items])
    w.set_dataset(ds)  # the same picture every time: dots do not dance
    np.testing.assert_array_equal(np.concatenate([np.column_stack(i.getData()) for i in w.items]), again)


def test_the_status_bar_speed_says_it_counts_only_the_computing(window, qtbot):
    # At 3 epochs a second the status bar said "250,548 samples/s": the spiral's 240 samples
    # times 3 is 720 a second, so the figure must say it leaves out the Speed setting's waits.
    set_speed(window, 3)
    window.actions["step"].trigger()
    qtbot.waitUntil(lambda: window.runner.state == "idle" and epochs(window) == 1, timeout=20_000)
    label = window.status.speed_label
    assert label.text().endswith("samples/s while computing")
    assert "waits" in label.toolTip()
    set_speed(window, 0)  # Fastest: no waits, the plain figure
    window.status.refresh()
    assert label.text().endswith("samples/s")
