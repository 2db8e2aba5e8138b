"""Opening a folder of pictures in the window: the dialog, reading in the background, cancel,
what was left out, errors, dropping a folder, and the data panel for pictures."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def make_folder(root, classes=("cat", "dog"), per_class=6, size=(12, 10), odd=True):
    """``root/<class>/<i>.png`` of noise, brighter for each next class; with ``odd`` also a
    text file and a cut-short PNG (both to be left out)."""
    rng = np.random.default_rng(0)
    for c, name in enumerate(classes):
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(per_class):
            pixels = np.clip(rng.integers(0, 80, size) + 80 * c, 0, 255).astype(np.uint8)
            Image.fromarray(pixels, "L").save(folder / f"{i}.png")
    if odd:
        (root / classes[0] / "notes.txt").write_text("not a picture")
        good = (root / classes[0] / "0.png").read_bytes()
        (root / classes[0] / "broken.png").write_bytes(good[:len(good) // 2])
    return root


def read(dialog, qtbot, expect: str = "loaded") -> None:
    with qtbot.waitSignal(dialog.load_finished, timeout=20_000) as got:
        dialog.start_import()
    assert got.args == [expect]


def test_a_folder_is_read_at_the_chosen_size_and_the_odd_files_are_listed(window, qtbot, tmp_path):
    folder = make_folder(tmp_path / "pets")
    dialog = window.data_panel.open_image_folder(str(folder))
    found = dialog.found_label.text()
    assert "2 classes" in found and "cat" in found and "dog" in found
    assert "notes.txt" in dialog.skipped_label.text()  # seen before reading
    dialog.set_choices(size=16, colour="grey")
    assert "16 \u00d7 16" in dialog.memory_label.text()
    read(dialog, qtbot)
    ds = window.ctl.dataset
    assert ds.is_image and ds.X.shape == (12, 16, 16, 1) and ds.class_names == ["cat", "dog"]
    notes = dialog.notes_text()
    assert "broken.png" in notes and "notes.txt" in notes  # left out, in plain words
    assert "see why below" in dialog.status_label.text()
    panel = window.data_panel
    assert "12 pictures of 16\u00d716 (grey)" in panel.summary_label.text()
    assert "features" not in panel.summary_label.text()
    assert panel.rows_button.text() == "Show pictures"
    assert panel.picture_grid.isVisible() and not panel.scatter.isVisible()
    assert panel.builtin_combo.currentText() == "Folder: pets"
    assert window.views.isTabVisible(window.views.indexOf(window.gallery))
    with qtbot.waitSignal(panel.pictures_requested):
        panel.rows_button.click()
    assert window.views.currentWidget() is window.gallery


def test_auto_size_and_colour_follow_the_pictures(window, qtbot, tmp_path):
    folder = make_folder(tmp_path / "pets", odd=False)
    dialog = window.data_panel.open_image_folder(str(folder))
    dialog.set_choices(size="auto", colour="auto")
    read(dialog, qtbot)
    assert window.ctl.dataset.sample_shape == (12, 10, 1)  # the pictures' own size, grey


def test_cancel_keeps_the_data_in_use(window, qtbot, tmp_path):
    folder = make_folder(tmp_path / "many", per_class=150, odd=False)
    before = window.ctl.dataset
    dialog = window.data_panel.open_image_folder(str(folder))
    with qtbot.waitSignal(dialog.load_finished, timeout=20_000) as got:
        dialog.start_import()
        dialog.cancel_load()  # at once: the reader checks before it reads anything
    assert got.args == ["cancelled"]
    assert window.ctl.dataset is before
    assert "stopped" in dialog.status_label.text()
    assert not dialog.is_loading() and dialog.import_button.isEnabled()


def test_a_folder_of_one_class_is_explained_in_the_dialog(window, tmp_path):
    make_folder(tmp_path / "one", classes=("cat",), odd=False)
    dialog = window.data_panel.open_image_folder(str(tmp_path / "one"))
    assert dialog.error_label.isVisibleTo(dialog)
    assert "only one class" in dialog.error_label.text()
    assert not dialog.import_button.isEnabled()


def test_dropping_a_folder_on_the_window_opens_the_dialog(window, qtbot, tmp_path):
    folder = make_folder(tmp_path / "dropped", odd=False)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    pos = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    dialog = window.data_panel.image_dialog
    assert dialog is not None and dialog.path == str(folder)
    read(dialog, qtbot)
    assert window.ctl.dataset.name == "dropped"


def test_a_second_folder_of_the_same_shape_asks_about_what_was_learned(window, qtbot, tmp_path,
                                                                       train_to_the_end, monkeypatch):
    asked = []
    monkeypatch.setattr(window.ctl, "ask_keep_learning", lambda switch: asked.append(switch) or True)
    dialog = window.data_panel.open_image_folder(str(make_folder(tmp_path / "a", odd=False)))
    read(dialog, qtbot)
    train_to_the_end(window, 2)
    dialog = window.data_panel.open_image_folder(str(make_folder(tmp_path / "b", odd=False)))
    read(dialog, qtbot)
    assert window.ctl.dataset.name == "b"
    assert len(asked) == 1 and window.ctl.kept_learning


def test_the_picture_grid_chooses_a_training_picture(window, qtbot):
    window.data_panel.select_builtin("digits-images")
    grid = window.data_panel.picture_grid
    window.data_panel.plot_box.show()
    qtbot.waitUntil(lambda: grid.isVisible() and grid.width() > 100)
    positions = grid.shown_positions()
    assert len(positions) == 10
    split = window.ctl.split
    for c, pos in enumerate(positions):  # each row holds training pictures of its class
        assert len(pos) and np.all(window.ctl.dataset.y[split.train_indices[pos]] == c)
    rect = grid.cell_rect(3, 1)
    with qtbot.waitSignal(window.ctl.sample_chosen, timeout=2000) as got:
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=rect.center())
    assert got.args == [int(positions[3][1])]


@pytest.mark.parametrize("name", ["mnist", "digits-images"])
def test_the_summary_speaks_of_pictures(window, name):
    window.data_panel.select_builtin(name)
    text = window.data_panel.summary_label.text()
    side = "28\u00d728" if name == "mnist" else "8\u00d78"
    assert f"pictures of {side} (grey)" in text and "10 classes" in text
    editor = window.data_panel.split_editor
    assert not editor.standardize_check.isVisibleTo(editor)  # pictures are rescaled, never standardised
    window.data_panel.select_builtin("iris")
    assert "features" in window.data_panel.summary_label.text()
    assert editor.standardize_check.isVisibleTo(editor)
    assert window.data_panel.scatter.isVisibleTo(window.data_panel)
    assert not window.views.isTabVisible(window.views.indexOf(window.gallery))
