"""Files through the window: save and open, recent files, the save-changes question, the crash
recovery copy, data files that moved or changed, and the fingerprint of the rows trained on."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from nnstudio.project import load_project
from nnstudio.ui.main_window import MainWindow

# Windows made here rather than by the window fixture keep their settings apart too.
pytestmark = pytest.mark.usefixtures("isolated_settings")


def test_save_and_reopen_round_trip(window, tmp_path, monkeypatch, train_to_the_end):
    train_to_the_end(window, epochs=20)
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
    assert [layer["class"] for layer in again.ctl.layers] == ["Dense", "Dropout", "Dense", "Dense"]
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


def test_training_remembers_its_rows_and_a_changed_csv_is_flagged_on_open(window, tmp_path, train_to_the_end):
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
    train_to_the_end(window, 2)
    assert window.ctl.project_to_save().data_check["rows"] == 80
    window.files._save_to(str(path))
    shown.clear()
    assert window.files.open_path(str(path), ask=False)
    assert not [t for t, _ in shown if "data changed" in t]


def test_a_new_split_of_trained_weights_keeps_the_old_fingerprint(window, train_to_the_end):
    train_to_the_end(window, 2)
    first = window.ctl.project.data_check
    assert first and first["split"]
    window.ctl.set_split(seed=7)
    assert window.ctl.project.data_check == first    # these weights saw the old split's rows
    train_to_the_end(window, 1)
    assert window.ctl.project.data_check == first
    assert "split into training, validation and test data differently" in window.ctl.session.data_changed()
