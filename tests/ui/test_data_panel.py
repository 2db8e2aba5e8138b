"""DataPanel and CsvImportDialog against the real data package and controller (no mocks)."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import load_dataset_source
from nnstudio.project import demo_project
from nnstudio.ui.controller import ProjectController
from nnstudio.ui.data_panel import DataPanel

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
def ctl():
    ctl = ProjectController()
    project = demo_project()
    ctl.load(project, load_dataset_source(project.data_source))
    return ctl


@pytest.fixture
def panel(qtbot, ctl):
    panel = DataPanel(ctl)
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
    assert "'height' 1" in dialog.missing_label.text() and "'weight' 2" in dialog.missing_label.text()

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
    assert dialog.table.columnCount() == 3 and dialog.table.rowCount() == 3
    assert dialog.missing_label.text().startswith("No missing values")
    dialog.header_check.setChecked(True)  # the first row now names the columns
    assert dialog.table.rowCount() == 2
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
