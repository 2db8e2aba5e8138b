"""``nnstudio train``'s policy flags (schedule, early stopping, target) saved into the project,
and the doctor's newer findings with their fixes in its words and its JSON."""
from __future__ import annotations

import json

from nnstudio.cli import main
from nnstudio.project import load_project


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_policy_flags_are_saved_and_a_target_ends_the_run(capsys, tmp_path):
    path = tmp_path / "p.nnproj"
    code, out, err = run(capsys, "train", "--dataset", "spiral", "--epochs", 300, "--schedule", "plateau",
                         "--early-stop", 20, "--target-accuracy", 0.97, "--save", path, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["epochs_run"] < 300 and "Stopped at the target: the validation accuracy reached" in err
    assert result["history"]["val_acc"][-1] >= 0.97
    training = load_project(path).training
    assert training["schedule"] == {"class": "ReduceOnPlateau", "config": {
        "rate": 0.01, "factor": 0.5, "patience": 5, "min_rate": 1e-06, "monitor": "val_loss"}}
    assert training["stop"]["config"] == {"monitor": "val_loss", "patience": 20, "min_delta": None,
                                          "restore_best": True}
    assert training["target"] == {"class": "TargetStop", "config": {"monitor": "val_acc", "value": 0.97}}
    # A new rate moves the saved schedule's start; none / 0 switch the policies off.
    code, _, err = run(capsys, "train", path, "--epochs", 1, "--lr", 0.003, "--save", path, "--quiet")
    assert code == 0, err
    assert load_project(path).training["schedule"]["config"]["rate"] == 0.003
    code, _, err = run(capsys, "train", path, "--epochs", 1, "--schedule", "none", "--early-stop", 0,
                       "--save", path, "--quiet")
    training = load_project(path).training
    assert code == 0 and training["schedule"] is None and training["stop"] is None


def test_a_step_or_cosine_schedule_follows_the_epochs_and_rate(capsys, tmp_path):
    path = tmp_path / "s.nnproj"
    assert run(capsys, "train", "--dataset", "moons", "--epochs", 40, "--lr", 0.02, "--schedule", "step",
               "--save", path, "--quiet")[0] == 0
    assert load_project(path).training["schedule"]["config"] == {"rate": 0.02, "factor": 0.5, "every": 10}
    code, out, _ = run(capsys, "train", "--dataset", "moons", "--epochs", 40, "--lr", 0.02,
                       "--schedule", "cosine", "--val", 0, "--target-loss", 0.2, "--json")
    history = json.loads(out)["history"]
    assert code == 0 and history["val_loss"][-1] is None  # no validation: the training loss
    assert history["train_loss"][-1] <= 0.2 < min(history["train_loss"][:-1])


def test_bad_policy_flags_are_named(capsys):
    code, _, err = run(capsys, "train", "--dataset", "spiral", "--target-accuracy", 95)
    assert code == 2 and ("--target-accuracy: a target accuracy must be a fraction above 0 and at most 1 "
                          "(0.95 for 95 %), got 95.0") in err
    code, _, err = run(capsys, "train", "--dataset", "spiral", "--target-accuracy", 0.9, "--target-loss", 0.1)
    assert code == 2 and "not allowed with argument" in err
    code, _, err = run(capsys, "train", "--dataset", "spiral", "--schedule", "warm")
    assert code == 2 and "invalid choice: 'warm'" in err
    code, _, err = run(capsys, "train", "--dataset", "spiral", "--early-stop", -1)
    assert code == 2 and "must be a whole number >= 0 (0 turns it off), got '-1'" in err


def test_the_terminal_names_the_findings_and_the_flags_to_try(capsys):
    code, out, err = run(capsys, "train", "--dataset", "moons", "--samples", 100, "--noise", 0.3,
                         "--layers", "64,64", "--epochs", 200, "--quiet")
    assert code == 0, err
    text = " ".join(out.split())
    assert "memorising the training data (overfitting)" in text
    assert "4,417 weights learned from 60 rows (73.6 weights per row)" in text
    assert "To try: --early-stop 10, --l2 0.001 (add them to the same command)." in text


def test_json_carries_the_findings_with_their_fixes(capsys):
    code, out, err = run(capsys, "train", "--dataset", "spiral", "--optimizer", "sgd", "--lr", 0.0001,
                         "--epochs", 60, "--json")
    assert code == 0, err
    verdict = json.loads(out)["verdict"]
    flat = next(f for f in verdict["findings"] if f["kind"] == "flat")
    assert flat["evidence"]["cause"] == "rate_too_low"
    assert flat["fixes"] == [{"kind": "learning_rate", "label": "Raise the learning rate to 0.001",
                              "params": {"learning_rate": 0.001}, "finding": "flat",
                              "judge_by": "val_loss"}]
    assert verdict["flags"] == ["--lr 0.001"]
