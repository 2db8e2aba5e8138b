"""What the commands print: aligned score tables, strict JSON, the run's verdict, --quiet."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nnstudio.cli import main
from nnstudio.project import load_project, save_project


def run(capsys, *argv):
    """``main(argv)`` -> (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def strict_loads(text: str):
    """``json.loads`` that refuses NaN / Infinity, as JavaScript, jq and most parsers do."""
    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def house_prices_csv(path, n=300, seed=1):
    """A regression in real units: prices of 25,000-190,000 from area, rooms and age."""
    rng = np.random.default_rng(seed)
    area, rooms, age = rng.uniform(40, 250, n), rng.integers(1, 7, n), rng.uniform(0, 80, n)
    price = np.clip(25000 + 600 * area + 5000 * rooms - 300 * age + rng.normal(0, 8000, n),
                    25000, 190000)
    lines = ["area,rooms,age,price"] + [f"{a:.1f},{r},{g:.1f},{p:.0f}"
                                        for a, r, g, p in zip(area, rooms, age, price)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def houses(tmp_path_factory):
    """A trained house-price project (few epochs: its errors are in the 10,000s)."""
    folder = tmp_path_factory.mktemp("houses")
    project = folder / "houses.nnproj"
    code = main(["train", "--csv", str(house_prices_csv(folder / "houses.csv")), "--epochs", "3",
                 "--save", str(project), "--quiet"])
    assert code == 0
    return project


def table_rows(out: str, first_column: str) -> tuple[str, list[str]]:
    """The header line of the score table in ``out`` and its data lines."""
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.split()[:1] == ["samples"])
    rows = []
    for line in lines[at + 1:]:
        if not line.strip():
            break
        rows.append(line)
    assert rows[0].split()[0] == first_column, out
    return lines[at], rows


def test_evaluate_regression_table_is_aligned_and_readable(capsys, houses):
    report = json.loads(run(capsys, "evaluate", houses, "--json")[1])
    code, out, err = run(capsys, "evaluate", houses)
    assert code == 0, err
    header, rows = table_rows(out, "validation")
    assert header.split() == ["samples", "MSE", "MAE"]
    names = {"validation": "validation", "test": "test"}
    for row in rows:
        cells = row.split()
        assert len(cells) == 4, row  # the count is no longer glued to the MSE
        scores = report["scores"][names[cells[0]]]
        assert int(cells[1].replace(",", "")) == scores["n_samples"]
        mse, mae = (float(cell.replace(",", "")) for cell in cells[2:])
        assert scores["mse"] > 1e6  # real units: the case that used to break the table
        assert mse == pytest.approx(scores["mse"], rel=1e-5)
        assert mae == pytest.approx(scores["mae"], rel=1e-5)
        assert "e+" not in row and "," in cells[2]  # 123,215,088 rather than 1.23e+08
        # Right-aligned: every number ends where its column heading ends.
        for heading, cell in zip(header.split(), cells[1:]):
            assert row.index(cell) + len(cell) == header.index(heading) + len(heading), (header, row)


def test_evaluate_classification_table_columns(capsys, tmp_path):
    path = tmp_path / "iris.nnproj"
    assert main(["train", "--dataset", "iris", "--epochs", "5", "--save", str(path), "--quiet"]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "evaluate", path)
    header, rows = table_rows(out, "validation")
    assert header.split() == ["samples", "loss", "accuracy"]
    assert [row.split()[1] for row in rows] == ["30", "30"]


@pytest.fixture(scope="module")
def overflowing(houses, tmp_path_factory):
    """The house-price project with weights so large that every output overflows."""
    project = load_project(houses)
    project.weights = {name: w * np.float32(1e15) for name, w in project.weights.items()}
    path = tmp_path_factory.mktemp("boom") / "boom.nnproj"
    save_project(project, path)
    return path


def test_evaluate_json_is_strict_when_outputs_overflow(capsys, overflowing):
    code, out, err = run(capsys, "evaluate", overflowing, "--json")
    assert code == 0, err
    report = strict_loads(out)  # used to print NaN, which strict parsers reject
    test = report["scores"]["test"]
    assert test["n_samples"] > 0 and test["mse"] is None and test["mae"] is None
    assert any(note.startswith("scores.test.mse is null") for note in report["notes"]), report["notes"]
    assert "RuntimeWarning" not in err


def test_evaluate_text_explains_overflow(capsys, overflowing):
    code, out, err = run(capsys, "evaluate", overflowing)
    assert code == 0, err
    assert "overflowed" in out and "smaller learning rate" in out
    _, rows = table_rows(out, "validation")
    assert all(row.split()[2] in ("nan", "inf") for row in rows)
    assert "RuntimeWarning" not in err


def test_train_json_is_strict_when_outputs_overflow(capsys, overflowing):
    code, out, err = run(capsys, "train", overflowing, "--epochs", 2, "--json")
    result = strict_loads(out)
    assert code == 1 and result["status"] == "diverged"
    assert result["final"]["test"]["mse"] is None
    assert any("final.test.mse" in note for note in result["notes"])
    # The divergence message says what happened; the verdict holds the doctor's finding as data.
    assert result["verdict"]["text"] is None
    assert [f["kind"] for f in result["verdict"]["findings"]] == ["exploded"]
    assert "diverged" in err


# ------------------------------------------------------------------ the run's verdict
def window_verdict(project_path, run_start=0):
    """The verdict the window gives for a saved project's run, built as the window does."""
    from nnstudio.data import load_dataset_source
    from nnstudio.doctor import summarize_run
    from nnstudio.project import build_from_project, scaled_split
    from nnstudio.trainer.snapshots import regression_scores

    project = load_project(project_path)
    dataset = load_dataset_source(project.data_source)
    network, split, scaler = build_from_project(project, dataset=dataset)
    data = scaled_split(split, scaler)
    test_metrics = network.evaluate(data.test.X, data.test.y)
    errors = None
    if dataset.task == "regression":
        errors = tuple(regression_scores(network, part.X, part.y).get("mean_abs_error")
                       for part in (data.val, data.test))
    lr = project.training["optimizer"]["config"]["learning_rate"]
    return summarize_run(project.history, run_start, dataset, data.val.y, test_metrics, lr, errors,
                         for_="cli")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("argv", [
    ["--dataset", "iris", "--epochs", "40"],
    ["--dataset", "regression_1d", "--epochs", "5", "--lr", "1e-5"],  # a warning
])
def test_train_gives_the_windows_verdict(capsys, tmp_path, argv):
    path = tmp_path / "run.nnproj"
    code, out, err = run(capsys, "train", *argv, "--save", path, "--json")
    assert code == 0, err
    verdict = strict_loads(out)["verdict"]
    text, level = window_verdict(path)
    assert (verdict["text"], verdict["level"]) == (text, level)
    assert "Ctrl+R" not in text  # the window's button, worded for a terminal
    # The same verdict as data: the first finding is how the run ended.
    assert verdict["findings"][0]["kind"] in ("finished", "not_learned", "worse_than_average")
    assert {f["severity"] for f in verdict["findings"]} <= {"info", "warning"}

    code, out, err = run(capsys, "train", *argv)
    assert code == 0, err
    assert flat(text) in flat(out)


def test_verdict_names_the_command_line_remedies(capsys):
    """The window says 'press Reset weights (Ctrl+R)'; a terminal has flags instead."""
    code, out, err = run(capsys, "train", "--dataset", "moons", "--epochs", 30, "--lr", 1, "--json")
    verdict = strict_loads(out)["verdict"]
    assert verdict["level"] == "warning", verdict
    assert "Ctrl+R" not in verdict["text"] and "--reset" in verdict["text"]
    assert "--lr 0.1" in verdict["text"]
    # The remedies as data, for scripts: a smaller rate and fresh weights.
    advice = [r for f in verdict["findings"] for r in f["advice"]]
    assert {"kind": "lower_rate", "value": 0.1} in advice and {"kind": "reset", "value": None} in advice


def test_one_epoch_is_too_early_to_judge(capsys):
    """As the window after a single step: no 'stopped improving' after one epoch."""
    code, out, err = run(capsys, "train", "--dataset", "iris", "--epochs", 1, "--json")
    verdict = strict_loads(out)["verdict"]
    assert verdict["level"] == "info" and "too early to judge" in verdict["text"]


def test_regression_verdict_in_real_units(capsys, houses):
    code, out, err = run(capsys, "evaluate", houses, "--json")
    path = houses.with_name("more.nnproj")
    code, out, err = run(capsys, "train", houses, "--epochs", 2, "--save", path, "--json")
    assert code == 0, err
    result = strict_loads(out)
    text, level = window_verdict(path, run_start=3)
    assert (result["verdict"]["text"], result["verdict"]["level"]) == (text, level)


def test_ctrl_c_verdict_says_stopped(capsys, tmp_path, monkeypatch):
    import os
    import signal

    import nnstudio.engine

    real_fit = nnstudio.engine.fit

    def fit_then_ctrl_c(*args, **kwargs):
        for rec in real_fit(*args, **kwargs):
            yield rec
            if getattr(rec, "epoch", 0) == 4 and hasattr(rec, "val_loss"):
                os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(nnstudio.engine, "fit", fit_then_ctrl_c)
    code, out, err = run(capsys, "train", "--dataset", "iris", "--epochs", 300, "--json")
    assert code == 130
    verdict = strict_loads(out)["verdict"]
    assert "4 epochs" in verdict["text"] and "Training finished" not in verdict["text"]


# ------------------------------------------------------------------ --quiet
def test_quiet_hides_progress_but_keeps_scores_and_saved_line(capsys, tmp_path):
    path = tmp_path / "q.nnproj"
    code, out, err = run(capsys, "train", "--dataset", "moons", "--epochs", 30, "--save", path,
                         "--quiet")
    assert code == 0, err
    assert not any(line.startswith("epoch") for line in out.splitlines()), out
    assert "Training on" not in out
    assert f"Saved to {path}" in out
    _, rows = table_rows(out, "train")
    assert [row.split()[0] for row in rows] == ["train", "validation", "test"]
    accuracy = float(rows[2].split()[3])
    assert math.isclose(accuracy, load_evaluated_accuracy(capsys, path), abs_tol=1e-3)
    assert err == ""

    code, out, err = run(capsys, "train", "--dataset", "moons", "--epochs", 3, "--quiet")
    assert "Not saved" in out


def load_evaluated_accuracy(capsys, path) -> float:
    report = json.loads(run(capsys, "evaluate", path, "--json")[1])
    return report["scores"]["test"]["accuracy"]
