"""``nnstudio train --augment`` and ``nnstudio check-augment``."""
from __future__ import annotations

import json

from nnstudio.cli import main
from nnstudio.data.augment import AugmentPipeline, FlipHorizontal, Rotate, Shift
from nnstudio.project import load_project


def test_train_saves_the_augmentation_and_check_augment_reports_per_transform(tmp_path, capsys):
    path = tmp_path / "digits.nnproj"
    code = main(["train", "--dataset", "digits-images", "--epochs", "15", "--quiet", "--augment",
                 "rotate=10,shift=0.1,flip-h@0.5", "--save", str(path)])
    assert code == 0
    spec = load_project(path).training["augment"]
    assert spec["class"] == "AugmentPipeline"
    assert AugmentPipeline.from_config(spec["config"]).transforms == [
        Rotate(10), Shift(0.1), FlipHorizontal(probability=0.5)]
    capsys.readouterr()
    # The mirror is in the project's pipeline: checked once, as the project's.
    assert main(["check-augment", str(path), "--augment", "rotate=10", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    keys = [p["key"] for p in report["probes"]]
    assert keys == ["rotate", "mirror", "upside_down", "turn_180"]
    assert report["probes"][0]["kept"] > 0.6
    assert main(["check-augment", str(path)]) == 0
    text = capsys.readouterr().out
    assert "Mirror left-right" in text and "keep their class" in text
    assert "Per class, share that keeps its class" in text
    assert "trained with augmentation" in text  # the honest caveat


def test_augment_flag_refusals(tmp_path, capsys):
    assert main(["train", "--dataset", "iris", "--epochs", "1", "--quiet", "--augment", "rotate=10"]) != 0
    assert "--augment changes pictures; this project's data is a table" in capsys.readouterr().err
    assert main(["train", "--dataset", "digits-images", "--epochs", "1", "--quiet",
                 "--augment", "spin=3"]) != 0
    assert "--augment: unknown transform 'spin'" in capsys.readouterr().err
    path = tmp_path / "fresh.nnproj"
    assert main(["train", "--dataset", "digits-images", "--epochs", "1", "--quiet", "--save", str(path)]) == 0
    capsys.readouterr()
    assert main(["train", str(path), "--epochs", "1", "--quiet", "--augment", "none",
                 "--save", str(path)]) == 0
    assert load_project(path).training.get("augment") is None


def test_check_augment_help_says_what_it_does(capsys):
    assert main(["check-augment", "--help"]) == 0
    assert "turn into another class" in " ".join(capsys.readouterr().out.split())
