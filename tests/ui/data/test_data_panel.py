"""DataPanel and CsvImportDialog against the real data package and controller (no mocks)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QDir, QPoint, QPointF, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QScrollArea

from nnstudio.data import CsvOptions, load_dataset_source, read_csv
from nnstudio.ui.data.csv_preview_table import MISSING_CELL
from nnstudio.ui.data.data_panel import DataPanel

MESSY_CSV = """\
PassengerId,height,colour,species,weight
1,1.5,red,cat,NA
2,1.7,blue,dog,60
3,,red,cat,55
4,1.9,green,dog,70
5,1.6,blue,dog,?
6,1.8,red,dog,65
7,1.4,green,dog,50
8,2.0,blue,dog,80
9,1.55,red,dog,52
10,1.75,green,dog,68
11,1.65,blue,dog,61
12,1.72,red,cat,63
"""


@pytest.fixture
def settings(tmp_path):
    # A private settings file: tests must never touch the person's own nnstudio settings.
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def panel(qtbot, ctl, settings):
    panel = DataPanel(ctl, settings=settings)
    qtbot.addWidget(panel)
    panel.resize(300, 900)
    return panel


def _open(qtbot, panel, path):
    dialog = panel.open_csv(str(path))
    qtbot.addWidget(dialog)  # closed at teardown; its closeEvent waits for the loader thread
    return dialog


def _plotted(scatter) -> np.ndarray:
    """All plotted points as rows (x, y), class by class."""
    return np.concatenate([np.column_stack(item.getData()) for item in scatter.items])


def _rows(a: np.ndarray) -> set:
    return {tuple(np.round(r, 4)) for r in np.asarray(a, dtype=float)}


def test_choosing_iris_sets_the_data_and_the_network_follows(panel, ctl):
    panel.select_builtin("iris")
    ds = ctl.dataset
    assert (ds.name, ds.n_features, ds.n_classes) == ("Iris flowers", 4, 3)
    assert ctl.network_config()["n_inputs"] == 4
    assert ctl.layers[-1]["config"]["units"] == 3
    assert ctl.layers[-1]["config"]["activation"] == "softmax"
    assert ctl.project.data_source == {"kind": "builtin", "name": "iris", "params": {}}
    assert panel.builtin_combo.currentText() == "Iris flowers"
    assert "150 samples" in panel.summary_label.text()
    assert "4 features" in panel.summary_label.text()
    assert "setosa" in panel.classes_label.text()
    assert panel.balance_label.isHidden()  # 50 / 50 / 50
    # Bundled data has no generator settings to show.
    assert all(panel.params_form.isRowVisible(f) is False for f in panel._param_fields.values())
    assert len(panel.scatter.items) == 3


def test_synthetic_settings_are_passed_through(qtbot, panel, ctl):
    panel.select_builtin("moons")
    assert panel.params_form.isRowVisible(panel._param_fields["noise"])
    assert not panel.params_form.isRowVisible(panel._param_fields["n_classes"])
    panel.param_spins["n_samples"].setValue(250)
    panel.param_spins["noise"].setValue(0.3)
    panel.param_spins["seed"].setValue(7)
    qtbot.waitUntil(lambda: ctl.dataset.source["params"] == {"n_samples": 250, "noise": 0.3, "seed": 7},
                    timeout=3000)
    assert ctl.dataset.n_samples == 250
    first = ctl.dataset.X.copy()
    panel.new_draw_button.click()  # next seed, a fresh draw
    qtbot.waitUntil(lambda: ctl.dataset.source["params"]["seed"] == 8, timeout=3000)
    assert not np.array_equal(first, ctl.dataset.X)

    panel.select_builtin("spiral")
    panel.param_spins["n_classes"].setValue(3)
    panel.load_selected()  # what the debounce timer calls
    assert ctl.dataset.n_classes == 3 and ctl.layers[-1]["config"]["units"] == 3


def test_csv_import_through_the_dialog(qtbot, panel, ctl, tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text(MESSY_CSV)
    dialog = _open(qtbot, panel, path)
    assert dialog.header_check.isChecked()
    assert dialog.delimiter_combo.currentData() == ","
    assert dialog.target_combo.currentText() == "weight"  # the last column by default
    assert "'height' 1" in dialog.missing_label.text()
    assert "2 row(s) have no 'weight' value to predict" in dialog.missing_label.text()

    dialog.set_target("species")
    dialog.missing_mean.setChecked(True)
    with qtbot.waitSignal(dialog.load_finished, timeout=10000) as blocker:
        dialog.import_button.click()
    assert blocker.args == ["loaded"]
    ds = ctl.dataset
    assert ds is dialog.dataset and ds.source["kind"] == "csv"
    assert ds.source["options"]["missing"] == "mean"
    assert ds.class_names == ["cat", "dog"] and ds.n_samples == 12
    assert "PassengerId" not in ds.feature_names       # an ID says nothing: left out
    assert any(name.startswith("colour") for name in ds.feature_names)  # category -> yes/no columns
    assert not np.isnan(ds.X).any()
    assert ctl.layers[-1]["config"]["units"] == 1      # two classes: one sigmoid neuron
    # The notes are shown in the dialog and in the panel's details.
    shown = dialog.notes_text()
    for note in ds.notes:
        assert note in shown
    assert "left out" in shown and "mean" in shown
    assert "left out" in panel.notes_label.text()
    assert panel.builtin_combo.currentText() == "File: messy.csv"
    assert not panel.balance_label.isHidden()          # 3 cats, 9 dogs
    assert dialog.isVisible() and not dialog.is_loading()


def test_csv_options_re_preview(qtbot, panel, tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text("1;2;a\n3;4;b\n5;6;a\n")
    dialog = _open(qtbot, panel, path)
    assert dialog.delimiter_combo.currentData() == ";"
    assert not dialog.header_check.isChecked()
    assert dialog.table.columnCount() == 3 and dialog.table.rowCount() == 1 + 3  # "Use" row + data
    assert dialog.missing_label.text().startswith("No missing values")
    dialog.header_check.setChecked(True)  # the first row now names the columns
    assert dialog.table.rowCount() == 1 + 2
    assert dialog.target_combo.currentText() == "a"
    dialog.delimiter_combo.setCurrentIndex(dialog.delimiter_combo.findData(","))
    dialog.delimiter_combo.activated.emit(dialog.delimiter_combo.currentIndex())
    assert dialog.table.columnCount() == 1


def test_malformed_csv_shows_its_error_and_keeps_the_data(qtbot, panel, ctl, tmp_path):
    old = ctl.dataset
    path = tmp_path / "bad.csv"
    path.write_text("a,b,c\n1,2\n3,4,5,6\n7,8,9\n")
    dialog = _open(qtbot, panel, path)
    with qtbot.waitSignal(dialog.load_finished, timeout=10000) as blocker:
        dialog.import_button.click()
    assert blocker.args == ["failed"]
    assert not dialog.error_label.isHidden()
    text = dialog.error_label.text()
    assert "Line 2" in text and "has 2 values" in text  # names the line at fault
    assert ctl.dataset is old
    assert dialog.isVisible() and dialog.import_button.isEnabled()


def _write_big_csv(path, n_rows: int = 200_000) -> None:
    rng = np.random.default_rng(0)
    block = "".join(f"{a:.4f},{b:.4f},{c:.4f},{'yes' if a > 0 else 'no'}\n"
                    for a, b, c in rng.normal(size=(1000, 3)))
    with open(path, "w") as f:
        f.write("a,b,c,label\n")
        f.write(block * (n_rows // 1000))


def test_cancel_during_a_large_load_keeps_the_old_data(qtbot, panel, ctl, tmp_path):
    old = ctl.dataset
    path = tmp_path / "big.csv"
    _write_big_csv(path)
    dialog = _open(qtbot, panel, path)
    assert "200,000" in dialog.file_label.text() or "about" in dialog.file_label.text()
    dialog.import_button.click()
    assert dialog.is_loading() and not dialog.import_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=5000)  # the GUI kept running
    with qtbot.waitSignal(dialog.load_finished, timeout=10000) as blocker:
        dialog.cancel_button.click()
    assert blocker.args == ["cancelled"]
    assert ctl.dataset is old
    assert "stopped" in dialog.status_label.text()
    assert dialog.import_button.isEnabled()

    # Closing the dialog in the middle of a load stops the thread too.
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=5000)
    dialog.reject()
    assert not dialog.is_loading()
    qtbot.wait(50)  # a late queued result must not sneak in
    assert ctl.dataset is old


def test_split_controls_update_the_project(qtbot, panel, ctl):
    editor = panel.split_editor
    assert editor.val_spin.value() == 20 and editor.test_spin.value() == 20
    assert "Train 60 %" in editor.summary_label.text()
    editor.val_spin.setValue(30)
    assert "Train 50 %" in editor.summary_label.text()
    qtbot.waitUntil(lambda: ctl.project.split["val"] == 0.3, timeout=3000)
    assert ctl.split.val.n_samples == 120 and ctl.split.train.n_samples == 200
    assert "200 \u00b7 120 \u00b7 80 samples" in editor.sizes_label.text()

    # A slider drag applies once, on release.
    editor.test_slider.setSliderDown(True)
    editor.test_slider.setValue(10)
    assert editor.test_spin.value() == 10 and not editor.pending()
    assert ctl.project.split["test"] == 0.2
    editor.test_slider.setSliderDown(False)
    assert ctl.project.split["test"] == 0.1
    assert ctl.split.test.n_samples == 40

    editor.seed_spin.setValue(5)
    editor.apply_now()
    assert ctl.project.split["seed"] == 5
    editor.standardize_check.setChecked(False)
    assert ctl.project.split["standardize"] is False and ctl.scaler is None

    # Model -> UI, without echoing back.
    edits = []
    editor.split_edited.connect(edits.append)
    ctl.set_split(val=0.25)
    assert editor.val_spin.value() == 25 and editor.val_slider.value() == 25
    assert not editor.pending() and edits == []


def test_scatter_holds_the_data(panel, ctl):
    ds = ctl.dataset  # the spiral: two features, two classes
    assert len(panel.scatter.items) == 2
    assert _rows(_plotted(panel.scatter)) == _rows(ds.X)
    for c, item in enumerate(panel.scatter.items):
        assert len(item.getData()[0]) == int((ds.y == c).sum())

    panel.select_builtin("iris")
    scatter, ds = panel.scatter, ctl.dataset
    assert not scatter._pickers.isHidden()
    assert scatter.features_shown() == scatter.default_features(ds)
    scatter.x_combo.setCurrentIndex(2)
    scatter.y_combo.setCurrentIndex(1)
    assert scatter.features_shown() == (2, 1)
    assert scatter.plot.getAxis("bottom").labelText == ds.feature_names[2]
    assert _rows(_plotted(scatter)) == _rows(ds.X[:, [2, 1]])
    assert "4 features" in scatter.note.text()

    panel.select_builtin("regression_1d")
    ds = ctl.dataset
    assert len(panel.scatter.items) == 1
    x, y = panel.scatter.items[0].getData()
    np.testing.assert_allclose(x, ds.X[:, 0], rtol=1e-6)
    np.testing.assert_allclose(y, ds.y, rtol=1e-6)
    assert "predict a number" in panel.summary_label.text()


def test_model_to_ui_on_project_load(panel, ctl):
    from nnstudio.project import Project

    project = Project(name="wine", data_source={"kind": "builtin", "name": "wine", "params": {}},
                      split={"val": 0.15, "test": 0.1, "seed": 3, "standardize": True})
    ctl.load(project, load_dataset_source(project.data_source))
    assert panel.builtin_combo.currentText() == "Wine"
    assert "178 samples" in panel.summary_label.text()
    assert panel.split_editor.val_spin.value() == 15 and panel.split_editor.seed_spin.value() == 3
    assert not panel._param_timer.isActive() and not panel.split_editor.pending()
    assert ctl.project.split == {"val": 0.15, "test": 0.1, "seed": 3, "standardize": True}


def _column(dialog, name: str) -> int:
    return dialog.preview.columns.index(name)


def test_preview_marks_missing_cells_exactly_as_the_import_counts_them(qtbot, panel, ctl, tmp_path,
                                                                       write_user_csv):
    dialog = _open(qtbot, panel, write_user_csv(tmp_path / "user.csv"))
    label = dialog.file_label.text()
    assert "50 rows" in label and "about" not in label      # a small file is counted exactly
    income = _column(dialog, "income")
    red = [dialog.table.item(r, income).text() for r in range(1, dialog.table.rowCount())
           if dialog.table.item(r, income).background().color() == MISSING_CELL]
    assert red == ["unknown"]                                  # row 10; 'N/A' is past the 20 shown
    text = dialog.missing_label.text()
    assert "'age' 2" in text and "'income' 2" in text
    assert "1 row(s) have no 'label' value" in text
    assert "'id'" not in text                                  # left-out columns are not listed

    with qtbot.waitSignal(dialog.load_finished, timeout=10000) as blocker:
        dialog.import_button.click()
    assert blocker.args == ["loaded"]
    notes = dialog.notes_text()
    assert "Filled 2 missing value(s) in 'income'" in notes and "Filled 2 missing value(s) in 'age'" in notes
    assert ctl.dataset.class_names == ["no", "yes"]            # 'Yes' merged, not a third class
    assert "differ only in letter case were merged" in notes


def test_column_use_choices_map_onto_the_options(qtbot, panel, ctl, tmp_path, write_user_csv):
    dialog = _open(qtbot, panel, write_user_csv(tmp_path / "user.csv"))
    table = dialog.table
    assert table.verticalHeaderItem(0).text() == "Use"
    used = {name: table.is_used(c) for c, name in enumerate(dialog.preview.columns)}
    assert used == {"id": False, "date": False, "age": True, "city": True, "income": True, "label": False}
    assert table.item(0, _column(dialog, "label")).text() == "target"
    assert "days since the earliest date" in table.item(0, _column(dialog, "date")).toolTip()
    assert dialog.options().drop_columns == () and dialog.options().keep_columns == ()

    dialog.set_column_used("date", True)
    dialog.set_column_used("city", False)
    assert table.item(0, _column(dialog, "date")).text() == "input"
    assert table.item(0, _column(dialog, "city")).text() == "left out"
    options = dialog.options()
    assert options.keep_columns == ("date",) and options.drop_columns == ("city",)
    dialog.set_column_used("city", True)                       # back to the reader's own choice
    assert dialog.options().drop_columns == ()
    dialog.set_column_used("city", False)

    # The header's right-click menu offers the same choice, and "Predict" moves the target.
    menu = table.header_menu(_column(dialog, "id"))
    use, predict = menu.actions()
    assert use.isCheckable() and not use.isChecked() and use.isEnabled()
    use.trigger()
    assert table.is_used(_column(dialog, "id")) and "id" in dialog.options().keep_columns
    use.setChecked(False)
    assert "id" not in dialog.options().keep_columns

    with qtbot.waitSignal(dialog.load_finished, timeout=10000) as blocker:
        dialog.import_button.click()
    assert blocker.args == ["loaded"]
    ds = ctl.dataset
    assert ds.feature_names == ["date", "age", "income"]
    saved = ds.source["options"]
    assert saved["keep_columns"] == ["date"] and saved["drop_columns"] == ["city"]
    assert "days since the earliest date (2023-01-01)" in dialog.notes_text()

    # A target never lands in either list, even after the person ticked or unticked it.
    table.header_menu(_column(dialog, "date")).actions()[1].trigger()
    assert dialog.target_combo.currentText() == "date"
    assert ("date" not in dialog.options().keep_columns
            and table.item(0, _column(dialog, "date")).text() == "target")


def test_escape_stops_a_load_and_only_then_closes(qtbot, panel, ctl, tmp_path):
    old = ctl.dataset
    path = tmp_path / "big.csv"
    _write_big_csv(path)
    dialog = _open(qtbot, panel, path)
    assert "about" in dialog.file_label.text()                # only the head was read: an estimate
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=5000)
    with qtbot.waitSignal(dialog.load_finished, timeout=10000) as blocker:
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert blocker.args == ["cancelled"]
    assert dialog.isVisible() and ctl.dataset is old
    assert "stopped" in dialog.status_label.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)                  # idle: Esc closes
    assert not dialog.isVisible()


def test_open_dialog_starts_in_the_last_csv_folder(qtbot, panel, ctl, settings, tmp_path, monkeypatch,
                                                   write_user_csv):
    asked = []

    def cancelled(parent, caption, folder, filters):  # notes the folder it opened in
        asked.append(folder)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(cancelled))
    panel.open_csv_dialog()
    assert asked == [QDir.homePath()]                          # nothing remembered yet
    folder = tmp_path / "my data"
    folder.mkdir()
    _open(qtbot, panel, write_user_csv(folder / "user.csv"))
    assert settings.value("last_csv_dir") == str(folder)
    panel.open_csv_dialog()
    assert asked[-1] == str(folder)
    again = DataPanel(ctl, settings=settings)                  # remembered across sessions
    qtbot.addWidget(again)
    again.open_csv_dialog()
    assert asked[-1] == str(folder)
    settings.setValue("last_csv_dir", str(tmp_path / "gone"))  # a folder that went away
    panel.open_csv_dialog()
    assert asked[-1] == QDir.homePath()


def test_wheel_over_the_plot_scrolls_the_panel_not_the_plot(qtbot, panel):
    panel.select_builtin("iris")
    panel.resize(320, 420)
    panel.show()
    qtbot.waitExposed(panel)
    scroll = panel.findChild(QScrollArea)
    bar = scroll.verticalScrollBar()
    plot = panel.scatter.plot
    QApplication.processEvents()   # let the layout settle before scrolling to the plot
    bar.setValue(plot.mapTo(scroll.widget(), QPoint(0, 0)).y() - 20)   # the plot's top in view
    QApplication.processEvents()
    assert bar.maximum() > 0 and bar.value() > 0
    view = plot.getViewBox()
    before, start = view.viewRange(), bar.value()
    # A real (spontaneous) wheel turn through the window, as the mouse would send it.
    spot = plot.mapTo(panel, QPoint(plot.width() // 2, 60))
    assert panel.childAt(spot) is plot.viewport()
    QTest.wheelEvent(panel.windowHandle(), QPointF(spot), QPoint(0, 120))
    assert bar.value() < start                                 # the panel scrolled up
    np.testing.assert_allclose(view.viewRange(), before)       # the plot did not zoom
    assert view.state["mouseEnabled"] == [False, False] and not view.menuEnabled()  # nor drags


def test_tiny_classes_are_flagged_in_the_panel(panel, ctl, tmp_path):
    path = tmp_path / "answers.csv"
    labels = ["yes"] * 12 + ["no"] * 12 + ["maybe"]
    path.write_text("a,b,answer\n" + "".join(f"{i},{i % 5},{v}\n" for i, v in enumerate(labels)))
    ctl.set_dataset(read_csv(path, CsvOptions()))
    text = panel.balance_label.text()
    assert not panel.balance_label.isHidden()
    assert "Class 'maybe' has only 1 sample: too few to learn. Is its label a typo?" in text
    assert "Unbalanced" not in text                            # 12 / 12: only the typo class is odd
    assert "Class 'maybe' has only 1 sample: the network cannot learn it" in "\n".join(ctl.dataset.notes)
