"""``nnstudio step``: one training step of a project on one sample, run in-process."""
from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from nnstudio.cli import main
from nnstudio.engine import Network
from nnstudio.project import load_project

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err) -> str:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnstudio: error: "), err
    return lines[0]


@pytest.fixture(scope="module")
def iris_project(tmp_path_factory):
    path = tmp_path_factory.mktemp("step") / "iris.nnproj"
    assert main(["train", "--dataset", "iris", "--epochs", "3", "--quiet", "--save", str(path)]) == 0
    return path


def test_text_prints_the_six_stages_and_leaves_the_file_alone(capsys, iris_project):
    before = iris_project.read_bytes()
    code, out, err = run(capsys, "step", iris_project, "--sample", 4)
    assert code == 0, err
    for title in ("1. Input", "2. Through each layer", "3. Output", "4. Loss", "5. Backward", "6. Update"):
        assert f"\n{title}\n" in out
    assert "row 4 of the 90 training rows" in out and "petal length (cm)" in out
    assert "-log(" in out and "after the update" in out
    assert iris_project.read_bytes() == before


def test_json_has_the_step_in_the_project_files_names(capsys, iris_project):
    code, out, err = run(capsys, "step", iris_project, "--sample", 0, "--json", "--lr", 0.5)
    assert code == 0, err
    data = json.loads(out)
    for key in ("sample", "layers", "probabilities", "loss", "gradients", "updated", "loss_after"):
        assert key in data
    project = load_project(iris_project)
    assert set(data["gradients"]) == set(project.weights) == set(data["updated"])
    assert data["optimizer"]["learning_rate"] == 0.5
    assert data["sample"]["label_name"] in data["class_names"]
    assert len(data["sample"]["x_raw"]) == 4 and [layer["name"] for layer in data["layers"]] == [
        "dense_1", "dense_2", "dense_3"]
    # The numbers are the engine's: a trace of the saved network on that sample.
    net = Network.from_config(project.network)
    net.set_weights(project.weights)
    tr = net.trace(np.array(data["sample"]["x"], np.float32), data["sample"]["label"])
    assert data["loss"] == tr.loss
    np.testing.assert_array_equal(np.array(data["gradients"]["dense_1/W"], np.float32),
                                  tr.gradients["dense_1/W"])
    np.testing.assert_array_equal(np.array(data["layers"][1]["a"], np.float32), tr.layers[1].output)
    assert len(data["stages"]) == 6


def test_csv_is_the_worksheet(capsys, iris_project):
    code, out, err = run(capsys, "step", iris_project, "--sample", 2, "--csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    n_params = sum(np.asarray(w).size for w in load_project(iris_project).weights.values())
    assert sum(r["section"] in ("weight", "bias") for r in rows) == n_params


def test_html_worksheet(capsys, iris_project):
    code, out, err = run(capsys, "step", iris_project, "--sample", 2, "--html")
    assert code == 0 and out.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("argv,match", [
    (["--sample", "90"], "sample must be a row of the training part, 0 to 89, got 90"),
    (["--sample", "-1"], "argument --sample: must be a row number >= 0, got '-1'"),
    (["--sample", "x"], "must be a row number >= 0, got 'x'"),
    ([], "the following arguments are required: --sample"),
    (["--sample", "1", "--json", "--csv"], "not allowed with argument"),
    (["--sample", "1", "--lr", "0"], "must be a positive number"),
])
def test_bad_arguments_are_one_line(capsys, iris_project, argv, match):
    code, out, err = run(capsys, "step", iris_project, *argv)
    assert match in one_line_error(code, err)


def test_missing_file_is_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "step", tmp_path / "nope.nnproj", "--sample", 0)
    assert "nope.nnproj" in one_line_error(code, err)


def test_a_csv_project_steps_too(capsys, tmp_path):
    # A real file: MASS::survey's first 40 rows (gaps, words, a three-level target).
    path = tmp_path / "survey.nnproj"
    csv_file = ROOT / "tests" / "data" / "fixtures" / "mass_survey_head40.csv"
    code, out, err = run(capsys, "train", "--csv", csv_file, "--target", "Exer", "--missing", "drop",
                         "--epochs", "1", "--quiet", "--save", path)
    assert code == 0, err
    code, out, err = run(capsys, "step", path, "--sample", 1)
    assert code == 0, err
    assert "Its true class is" in out and "Cross-entropy" in out


def test_an_untrained_project_steps_from_its_starting_weights(capsys, tmp_path):
    from nnstudio.project import demo_project, save_project

    path = tmp_path / "demo.nnproj"
    save_project(demo_project(), path)
    code, out, err = run(capsys, "step", path, "--sample", 0)
    assert code == 0, err
    assert "not trained yet (its starting weights)" in out and "Adam with learning rate" in out
