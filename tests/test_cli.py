"""The headless command line, run in-process through ``main`` and once as a real process."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from nnstudio.cli import main
from nnstudio.project import Project, default_network_config, load_project, save_project

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    """``main(argv)`` -> (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def assert_one_line_error(code, err):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nnstudio: error: ")
    assert "Traceback" not in err


# ------------------------------------------------------------------ train / evaluate
def test_train_then_evaluate_spiral(capsys, tmp_path):
    path = tmp_path / "x.nnproj"
    result = run_json(capsys, "train", "--dataset", "spiral", "--epochs", 5, "--save", path)
    assert result["status"] == "completed" and result["epochs_run"] == 5
    assert len(result["history"]["epoch"]) == 5
    assert result["saved"] == str(path.absolute()) and path.exists()
    assert result["samples_per_second"] > 0 and result["elapsed_seconds"] > 0
    assert set(result["final"]) == {"train", "val", "test"}
    assert 0 <= result["final"]["test"]["accuracy"] <= 1

    project = load_project(path)
    assert project.is_trained and project.epochs_trained == 5 and project.scaler

    report = run_json(capsys, "evaluate", path)
    assert report["task"] == "classification"
    assert set(report["scores"]) == {"validation", "test"}
    assert report["scores"]["test"]["accuracy"] == pytest.approx(result["final"]["test"]["accuracy"])
    matrix = np.array(report["confusion_matrix"])
    assert matrix.shape == (len(report["class_names"]),) * 2
    assert matrix.sum() == report["scores"]["test"]["n_samples"]


def test_spiral_reaches_accuracy_floor(capsys):
    result = run_json(capsys, "train", "--dataset", "spiral", "--epochs", 150, "--seed", 0)
    assert result["final"]["val"]["accuracy"] >= 0.95, result["final"]


def test_demo_project_trains_through_the_cli(capsys, tmp_path):
    from nnstudio.project import demo_project

    path = tmp_path / "demo.nnproj"
    save_project(demo_project(), path)
    result = run_json(capsys, "train", path, "--save", path)  # the demo's own 200 epochs
    assert result["epochs_run"] == 200
    assert result["final"]["val"]["accuracy"] >= 0.95, result["final"]
    assert load_project(path).is_trained


def test_text_output_is_short_and_readable(capsys, tmp_path):
    code, out, err = run(capsys, "train", "--dataset", "moons", "--epochs", 200, "--batch-size", 64)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) < 50
    assert sum(line.startswith("epoch") for line in lines) >= 10
    assert "epoch 200/200" in out and "Not saved" in out
    assert "\r" not in err  # no progress bar when stderr is not a terminal


def test_iris_through_a_project_file(capsys, tmp_path):
    from nnstudio.data import load_builtin

    iris = load_builtin("iris")
    project = Project(name="Iris", data_source=iris.source,
                      network=default_network_config(iris, hidden=(8,)))
    source = tmp_path / "iris.nnproj"
    save_project(project, source)
    out_path = tmp_path / "iris-trained.nnproj"
    result = run_json(capsys, "train", source, "--epochs", 60, "--lr", 0.02, "--save", out_path)
    assert result["final"]["val"]["accuracy"] >= 0.8
    assert load_project(source).weights is None  # the input file is not overwritten

    # Continuing training appends to the history.
    result = run_json(capsys, "train", out_path, "--epochs", 3, "--save", out_path)
    assert result["epochs_total"] == 63 and load_project(out_path).history["epoch"][-1] == 63

    code, out, err = run(capsys, "evaluate", out_path)
    assert code == 0, err
    assert "Confusion matrix" in out
    for name in iris.class_names:
        assert name[:12] in out


def test_train_from_csv(capsys, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    rows = ["width,height,kind"] + [f"{a:.3f},{b:.3f},{'big' if a + b > 0 else 'small'}" for a, b in X]
    rows[5] = "0.5,,big"  # one missing cell
    csv_path = tmp_path / "shapes.csv"
    csv_path.write_text("\n".join(rows) + "\n")
    result = run_json(capsys, "train", "--csv", csv_path, "--target", "kind", "--missing", "mean",
                      "--epochs", 30, "--layers", "8", "--save", tmp_path / "csv.nnproj")
    assert result["task"] == "classification"
    assert result["final"]["val"]["accuracy"] >= 0.8
    report = run_json(capsys, "evaluate", tmp_path / "csv.nnproj")
    assert sorted(report["class_names"]) == ["big", "small"]


def test_a_csv_project_moved_with_its_data_still_opens(capsys, tmp_path):
    """Project and CSV sent together to another folder: the saved absolute path is gone, the
    copy next to the project is used, and the user is told."""
    import shutil

    first = tmp_path / "mine"
    first.mkdir()
    rows = ["a,b,kind"] + [f"{i % 7},{i % 5},{'x' if i % 2 else 'y'}" for i in range(60)]
    (first / "data.csv").write_text("\n".join(rows) + "\n")
    run_json(capsys, "train", "--csv", first / "data.csv", "--target", "kind", "--epochs", 3,
             "--layers", "4", "--save", first / "p.nnproj")
    before = run_json(capsys, "evaluate", first / "p.nnproj")
    moved = tmp_path / "colleague"
    shutil.move(str(first), str(moved))
    code, out, err = run(capsys, "evaluate", moved / "p.nnproj", "--json")
    assert code == 0, err
    assert json.loads(out)["scores"] == before["scores"]
    assert "using the copy next to the project" in err and str(moved / "data.csv") in err


def test_regression_evaluate(capsys, tmp_path):
    path = tmp_path / "r.nnproj"
    result = run_json(capsys, "train", "--dataset", "regression_1d", "--epochs", 20,
                      "--optimizer", "momentum", "--lr", 0.01, "--save", path)
    assert result["task"] == "regression" and result["final"]["test"]["mse"] >= 0
    code, out, err = run(capsys, "evaluate", path)
    assert code == 0, err
    assert "MSE" in out and "MAE" in out and "Confusion" not in out


def test_divergence_exits_1_and_saves_finite_weights(capsys, tmp_path):
    path = tmp_path / "d.nnproj"
    code, out, err = run(capsys, "train", "--dataset", "regression_1d", "--optimizer", "sgd",
                         "--lr", "1e6", "--epochs", 5, "--save", path)
    assert code == 1, out + err
    assert "diverged" in err and "learning rate" in err
    project = load_project(path)  # loading checks every weight is finite
    assert project.is_trained


def test_ctrl_c_stops_cleanly_and_saves(capsys, tmp_path, monkeypatch):
    from nnstudio.engine import fit as real_fit

    def fit_then_ctrl_c(*args, **kwargs):
        for rec in real_fit(*args, **kwargs):
            yield rec
            if getattr(rec, "epoch", 0) == 3 and hasattr(rec, "val_loss"):
                os.kill(os.getpid(), signal.SIGINT)  # like a Ctrl+C in the terminal

    import nnstudio.engine

    monkeypatch.setattr(nnstudio.engine, "fit", fit_then_ctrl_c)
    path = tmp_path / "c.nnproj"
    code, out, err = run(capsys, "train", "--dataset", "spiral", "--epochs", 500, "--save", path,
                         "--json")
    assert code == 130, err
    result = json.loads(out)
    assert result["status"] == "interrupted" and result["epochs_run"] == 3
    assert "Ctrl+C" in err
    assert load_project(path).epochs_trained == 3
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored


# ------------------------------------------------------------------ datasets
def test_datasets(capsys):
    table = run_json(capsys, "datasets")
    names = {row["name"] for row in table}
    assert {"spiral", "iris", "moons"} <= names
    spiral = next(row for row in table if row["name"] == "spiral")
    assert spiral["description"] and "n_samples" in spiral["params"]
    code, out, _ = run(capsys, "datasets")
    assert code == 0 and "spiral" in out and "n_samples=" in out


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("argv", [
    ["train", "--dataset", "spiral", "--epochs", "0"],
    ["train", "--dataset", "spiral", "--lr", "-1"],
    ["train", "--dataset", "spiral", "--val", "1.5"],
    ["train", "--dataset", "spiral", "--layers", "16,x"],
    ["train", "--dataset", "spiral", "--optimizer", "rmsprop"],
    ["train"],
    ["train", "--dataset", "nope"],
    ["train", "--dataset", "iris", "--noise", "0.1"],
    ["train", "--dataset", "spiral", "--csv", "a.csv"],
    ["train", "--dataset", "spiral", "--target", "kind"],
    ["train", "--dataset", "spiral", "--val", "0.5", "--test", "0.5"],
    ["train", "--dataset", "spiral", "--activation", "wobbly"],
    ["train", "--dataset", "spiral", "--save", "/no/such/folder/x.nnproj"],
    ["train", "--csv", "/no/such/file.csv"],
    ["train", "/no/such/project.nnproj"],
    ["evaluate", "/no/such/project.nnproj"],
    ["evaluate"],
    ["train", "--bogus"],
])
def test_bad_arguments_give_one_line_and_exit_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert_one_line_error(code, err)


def test_bad_files_give_one_line_and_exit_2(capsys, tmp_path):
    text = tmp_path / "notes.nnproj"
    text.write_text("just some notes\n")
    assert_one_line_error(*run(capsys, "evaluate", text)[::2])
    assert_one_line_error(*run(capsys, "train", text)[::2])
    untrained = tmp_path / "new.nnproj"
    save_project(Project(), untrained)
    code, _, err = run(capsys, "evaluate", untrained)
    assert_one_line_error(code, err)
    assert "not been trained" in err


def test_help_and_version(capsys):
    code, out, _ = run(capsys, "train", "--help")
    assert code == 0 and "--dataset" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("nnstudio ")


# ------------------------------------------------------------------ opening the window
def test_no_command_opens_the_window(monkeypatch):
    seen = []
    fake = types.ModuleType("nnstudio.ui.app")
    fake.run_app = lambda argv: seen.append(argv) or 0
    monkeypatch.setitem(sys.modules, "nnstudio.ui.app", fake)
    assert main(["--demo"]) == 0 and main([]) == 0 and main(["p.nnproj"]) == 0
    assert seen == [["--demo"], [], ["p.nnproj"]]


def test_missing_window_is_one_line_exit_1(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "nnstudio.ui.app", None)
    code, _, err = run(capsys, "--demo")
    assert code == 1 and len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------ a real process
def test_real_process_train_and_evaluate(tmp_path):
    path = tmp_path / "x.nnproj"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    script = ("import sys; from nnstudio.cli import main; "
              "a = main(['train', '--dataset', 'spiral', '--epochs', '5', '--json', '--save', sys.argv[1]]);"
              "b = main(['evaluate', sys.argv[1], '--json']); sys.exit(a or b)")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    decoder = json.JSONDecoder()
    first, end = decoder.raw_decode(done.stdout)
    second, _ = decoder.raw_decode(done.stdout[end:].lstrip())
    assert first["saved"] == str(path) and second["scores"]["test"]["n_samples"] > 0

    done = subprocess.run([sys.executable, "-m", "nnstudio", "evaluate", str(tmp_path / "no.nnproj")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 2 and done.stderr.startswith("nnstudio: error:")
    assert len(done.stderr.strip().splitlines()) == 1
