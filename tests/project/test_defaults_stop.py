"""The stop rule with no validation rows, and what pictures start with (real runs).

- Validation at 0 % in the window: a table's default early stopping (on the validation loss)
  made the run refuse to start; the run now watches the training loss, as ``--val 0`` does,
  says so, and the settings keep watching validation for when there are rows again.
- Pictures get early stopping with restore-best but no L2 penalty from the table rule.
"""
from __future__ import annotations

import numpy as np

from nnstudio.data import CsvOptions, load_dataset_source, read_csv
from nnstudio.project import demo_project
from nnstudio.project.defaults import (
    adopt_data_defaults,
    starting_settings,
    stop_for_validation,
    training_for,
)
from nnstudio.ui.controller import ProjectController
from nnstudio.ui.training.training_runner import TrainingRunner


def _table(tmp_path, rows: int = 80):
    rng = np.random.default_rng(0)
    x = rng.normal(size=rows)
    path = tmp_path / "t.csv"
    path.write_text("x,label\n" + "".join(f"{a:.3f},{'yes' if a > 0 else 'no'}\n" for a in x))
    return read_csv(path, CsvOptions(target="label"))


def test_validation_at_zero_trains_with_early_stopping_on_the_training_loss(qtbot, tmp_path):
    ctl = ProjectController()
    demo = demo_project()
    ctl.load(demo, load_dataset_source(demo.data_source))
    assert ctl.set_dataset(_table(tmp_path))
    assert ctl.project.training["stop"]["config"]["monitor"] == "val_loss"
    ctl.set_split(val=0.0)
    ctl.set_training(epochs=30, epochs_per_second=0)
    messages: list = []
    ctl.message_posted.connect(lambda text, level: messages.append((text, level)))
    runner = TrainingRunner(ctl)
    try:
        assert runner.start()
        qtbot.waitUntil(lambda: runner.state == "idle", timeout=60_000)
    finally:
        runner.stop()
    history = ctl.project.history
    assert len(history["epoch"]) >= 1 and all(v is None for v in history["val_loss"])
    assert not [m for m in messages if m[1] == "error"], messages
    note = [text for text, level in messages if "early stopping watches the training loss" in text]
    assert note and "0 %" in note[0]
    # The setting itself still watches validation: with rows again, it does.
    assert ctl.project.training["stop"]["config"]["monitor"] == "val_loss"


def test_the_run_settings_switch_only_a_validation_stop_and_only_without_validation():
    training = training_for(500)
    same, note = stop_for_validation(training, has_validation=True)
    assert same is training and note is None
    run, note = stop_for_validation(training, has_validation=False)
    assert run["stop"]["config"]["monitor"] == "train_loss" and note
    assert training["stop"]["config"]["monitor"] == "val_loss"  # a copy was changed
    assert stop_for_validation({"epochs": 5}, has_validation=False) == ({"epochs": 5}, None)


def test_pictures_start_with_early_stopping_and_no_l2():
    table = training_for(10_000)
    pictures = training_for(10_000, images=True)
    assert table["optimizer"]["config"]["weight_decay"] > 0
    assert "weight_decay" not in pictures["optimizer"]["config"]
    assert pictures["stop"] == table["stop"] and pictures["stop"]["config"]["restore_best"]
    assert pictures["epochs"] == table["epochs"]


def test_a_picture_set_in_the_window_gets_the_picture_defaults(tmp_path):
    from PIL import Image

    from nnstudio.data.images import read_image_folder

    rng = np.random.default_rng(0)
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(6):
            pixels = rng.integers(0, 255, size=(8, 8), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / label / f"{i}.png")
    pictures = read_image_folder(tmp_path, size=(8, 8))
    demo = demo_project()
    adopted = adopt_data_defaults(demo.training, pictures, demo.split)
    assert adopted["stop"]["class"] == "EarlyStopping"
    assert "weight_decay" not in adopted["optimizer"]["config"]
    # Settings a picture set started with still count as nobody's choice.
    assert starting_settings(adopted, pictures, demo.split)
    # The command line too.
    from nnstudio.cli import main
    from nnstudio.project import load_project

    saved = tmp_path / "p.nnproj"
    assert main(["train", "--images", str(tmp_path), "--image-size", "8", "--epochs", "1",
                 "--save", str(saved), "--quiet"]) == 0
    training = load_project(saved).training
    assert training["stop"]["class"] == "EarlyStopping"
    assert "weight_decay" not in training["optimizer"]["config"]
