"""A table of the person's own starts with early stopping (restore-best) and epochs for its
size, on the command line and in the Qt-free session the window uses; a saved project keeps it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.cli import build_parser, main
from nnstudio.commands.train_setup import prepare_project
from nnstudio.data import CsvOptions, load_builtin, read_csv
from nnstudio.engine.policies import EarlyStopping, policy_from_config
from nnstudio.project import Session, demo_project, load_project, save_project
from nnstudio.project.defaults import (
    MAX_EPOCHS,
    MAX_WEIGHT_DECAY,
    MIN_EPOCHS,
    PATIENCE,
    adopt_data_defaults,
    epochs_for,
    patience_for,
    training_for,
    weight_decay_for,
)
from nnstudio.project.document import default_training


def write_table(path, rows: int = 80, seed: int = 0):
    """A CSV with a number, a word column and a two-class target that depends on both."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    colour = rng.choice(["red", "blue"], size=rows)
    label = np.where(x + (colour == "red") > 0.5, "yes", "no")
    lines = ["x,colour,label"] + [f"{a:.3f},{c},{y}" for a, c, y in zip(x, colour, label)]
    path.write_text("\n".join(lines) + "\n")
    return path


def new_cli_project(*argv):
    return prepare_project(build_parser().parse_args(["train", *map(str, argv)]))


def test_a_new_csv_project_on_the_command_line_stops_early_and_restores_the_best(tmp_path):
    project, dataset = new_cli_project("--csv", write_table(tmp_path / "t.csv"), "--target", "label")
    stop = policy_from_config(project.training["stop"])
    assert stop == EarlyStopping(monitor="val_loss", patience=stop.patience, restore_best=True)
    assert project.training == training_for(dataset.n_samples)
    assert project.training["epochs"] == epochs_for(48, 32)  # 60 % of the 80 rows train


def test_built_in_data_keeps_the_plain_settings(tmp_path):
    project, _ = new_cli_project("--dataset", "spiral")
    assert project.training == default_training() and "stop" not in project.training


def test_flags_still_decide(tmp_path):
    csv = write_table(tmp_path / "t.csv")
    project, _ = new_cli_project("--csv", csv, "--target", "label", "--early-stop", "0", "--epochs", "7")
    assert project.training["stop"] is None and project.training["epochs"] == 7
    # Without validation rows the default rule watches the training loss instead of refusing.
    project, _ = new_cli_project("--csv", csv, "--target", "label", "--val", "0")
    assert policy_from_config(project.training["stop"]).monitor == "train_loss"


def test_epochs_and_l2_shrink_as_tables_grow_within_bounds():
    sizes = [10, 100, 1_000, 10_000, 100_000, 10_000_000]
    epochs = [epochs_for(n, 32) for n in sizes]
    assert epochs == sorted(epochs, reverse=True) and epochs[0] > epochs[-1]
    assert all(MIN_EPOCHS <= e <= MAX_EPOCHS for e in epochs)
    l2 = [weight_decay_for(n) for n in sizes]
    assert l2 == sorted(l2, reverse=True) and l2[0] == MAX_WEIGHT_DECAY and 0 < l2[-1] < 1e-5
    assert all(float(f"{v:.1g}") == v for v in l2)  # plain numbers in the window: 0.07, 0.001
    assert training_for(1_000)["optimizer"]["config"]["weight_decay"] == weight_decay_for(600)
    patience = [patience_for(n, 32) for n in sizes]  # epochs, and never fewer than 200 updates
    assert patience == sorted(patience, reverse=True) and patience[-1] == PATIENCE < patience[0]
    assert all(p * -(-n // 32) >= 200 for p, n in zip(patience, sizes))
    assert training_for(50)["stop"]["config"]["patience"] == patience_for(30, 32) == 200


def test_the_cli_run_stops_early_and_the_saved_project_keeps_the_rule(tmp_path, capsys):
    csv, saved = write_table(tmp_path / "t.csv", rows=200), tmp_path / "t.nnproj"
    assert main(["train", "--csv", str(csv), "--target", "label", "--save", str(saved), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    project = load_project(saved)
    assert project.training["stop"] == training_for(200)["stop"]
    assert result["epochs_run"] < project.training["epochs"]  # early stopping ended it
    save_project(project, saved)  # and round-trips again unchanged
    assert load_project(saved).training == project.training


def test_the_window_session_gives_a_csv_the_table_settings_unless_someone_chose(tmp_path):
    table = read_csv(write_table(tmp_path / "t.csv"), CsvOptions(target="label"))
    session = Session()
    session.load(demo_project(), load_builtin("spiral"))

    def switch(dataset):
        plan = session.plan_data_switch(dataset)
        session.apply_data(dataset, plan.layers, plan.fresh_ids)

    switch(table)
    assert session.project.training == training_for(table.n_samples, session.project.split)
    other = read_csv(write_table(tmp_path / "u.csv", rows=300, seed=1), CsvOptions(target="label"))
    switch(other)  # still nothing chosen: the new table's own size decides
    assert session.project.training == training_for(300, session.project.split)
    session.set_training(epochs=37)
    switch(table)
    assert session.project.training["epochs"] == 37  # the person's choice stays
    switch(load_builtin("moons"))
    assert session.project.training["epochs"] == 37 and session.project.training["stop"]


@pytest.mark.parametrize("changed", [{"epochs": 5}, {"batch_size": 8}, {"stop": None}])
def test_chosen_settings_are_never_replaced(tmp_path, changed):
    table = read_csv(write_table(tmp_path / "t.csv"), CsvOptions(target="label"))
    training = {**default_training(), **changed}
    assert adopt_data_defaults(training, table) == training
    pace = {**default_training(), "epochs_per_second": 10, "seed": 4}  # the demo's pace is no choice
    adopted = adopt_data_defaults(pace, table)
    assert adopted["stop"] and (adopted["epochs_per_second"], adopted["seed"]) == (10, 4)
