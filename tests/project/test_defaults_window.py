"""The window's CSV import gives a new project the table settings (early stopping with
restore-best) through the same Qt-free defaults as the command line; undo takes them back."""
from __future__ import annotations

import numpy as np

from nnstudio.data import CsvOptions, load_dataset_source, read_csv
from nnstudio.project import demo_project
from nnstudio.project.defaults import training_for
from nnstudio.ui.controller import ProjectController


def write_table(path, rows: int = 80):
    rng = np.random.default_rng(0)
    x = rng.normal(size=rows)
    path.write_text("x,label\n" + "".join(f"{a:.3f},{'yes' if a > 0 else 'no'}\n" for a in x))
    return path


def test_loading_a_csv_into_the_opening_demo_turns_early_stopping_on_and_undo_off(qtbot, tmp_path):
    ctl = ProjectController()
    demo = demo_project()
    demo.training["epochs_per_second"] = 10  # as the window opens it
    ctl.load(demo, load_dataset_source(demo.data_source))
    before = dict(ctl.project.training)
    table = read_csv(write_table(tmp_path / "t.csv"), CsvOptions(target="label"))
    with qtbot.waitSignal(ctl.settings_changed):  # the training panel shows the new settings
        assert ctl.set_dataset(table)
    expected = {**training_for(table.n_samples, ctl.project.split), "epochs_per_second": 10}
    assert ctl.project.training == expected and ctl.project.training["stop"]["config"]["restore_best"]
    assert ctl.project_to_save().training == expected  # what File > Save writes
    ctl.undo_stack.undo()
    assert ctl.project.training == before and "stop" not in ctl.project.training
    ctl.undo_stack.redo()
    assert ctl.project.training == expected
