"""``nnstudio sweep``: real runs through ``main``; the project file changes only with --adopt."""
from __future__ import annotations

import json

import pytest

from nnstudio.cli import main
from nnstudio.project import demo_project, load_project, save_project


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_file(tmp_path):
    path = tmp_path / "demo.nnproj"
    save_project(demo_project(), path)
    return path


def test_rates_print_a_table_and_the_sentence_and_leave_the_file_alone(capsys, demo_file):
    before = demo_file.read_bytes()
    code, out, err = run(capsys, "sweep", demo_file, "--rates", "--epochs", "20")
    assert code == 0, err
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("#  rate"))
    rates = [lines[header + k].split()[1] for k in range(1, 6)]
    assert rates == ["0.0001", "0.001", "0.01", "0.1", "1"]
    assert all("20/20" in lines[header + k] for k in range(1, 6))
    assert "reached the lowest validation loss" in out
    assert "--adopt" in out  # how to use the best one
    assert demo_file.read_bytes() == before


def test_json_has_every_run_with_its_history(capsys, demo_file):
    code, out, _err = run(capsys, "sweep", demo_file, "--data", "--epochs", "10", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["kind"] == "data" and result["metric"] == "val_acc"
    assert [r["n_train"] for r in result["runs"]] == [24, 60, 120, 240]
    assert all(len(r["history"]["val_acc"]) == r["epochs_planned"] for r in result["runs"])
    assert result["sentence"] and result["adopted"] is None


def test_adopt_saves_only_that_runs_learning_rate(capsys, demo_file):
    before = load_project(demo_file)
    code, out, err = run(capsys, "sweep", demo_file, "--rates", "--epochs", "5", "--adopt", "2")
    assert code == 0, err
    assert f"Saved learning rate 0.001 (run 2) into {demo_file}" in out
    after = load_project(demo_file)
    assert after.training["optimizer"]["config"]["learning_rate"] == 0.001
    after.training["optimizer"]["config"]["learning_rate"] = 0.01
    assert after.training == before.training
    assert after.network == before.network and after.weights == before.weights


@pytest.mark.parametrize("argv, words", [
    (["--data", "--adopt", "1"], "--adopt works with --rates"),
    (["--rates", "--adopt", "6"], "--adopt must name one of the runs, 1 to 5, got 6"),
    (["--rates", "--data"], "not allowed with argument"),
    ([], "one of the arguments --rates --data is required"),
])
def test_bad_arguments_are_one_plain_line(capsys, demo_file, argv, words):
    code, _out, err = run(capsys, "sweep", demo_file, *argv)
    assert code == 2
    assert err.startswith("nnstudio: error: ") and words in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_no_validation_part_is_explained(capsys, tmp_path):
    p = demo_project()
    p.split["val"] = 0.0
    path = tmp_path / "noval.nnproj"
    save_project(p, path)
    code, _out, err = run(capsys, "sweep", path, "--data")
    assert code == 2 and "keeps no rows for validation" in err
