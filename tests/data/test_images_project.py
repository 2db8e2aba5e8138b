"""An image folder in a project: session, split, file round trip, fingerprint, and the CLI."""
from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from nnstudio.cli import main
from nnstudio.data import load_dataset_source, split_dataset
from nnstudio.data.images import read_image_folder
from nnstudio.project import Project, Session, default_network_config, load_project, save_project
from nnstudio.project.defaults import training_for
from nnstudio.project.fingerprint import compare_fingerprint


@pytest.fixture
def shapes(tmp_path):
    """24 grey 10x10 noisy pictures, bright on the left ('left') or on the right ('right'), and
    one text file."""
    root = tmp_path / "shapes"
    rng = np.random.default_rng(1)
    for label in ("left", "right"):
        os.makedirs(root / label)
        for i in range(12):
            img = rng.integers(0, 120, (10, 10), dtype=np.uint8)
            side = slice(0, 5) if label == "left" else slice(5, 10)
            img[:, side] += 100
            Image.fromarray(img).save(root / label / f"{i}.png")
    (root / "right" / "notes.txt").write_text("drawn by numpy")
    return root


def test_split_works_on_pictures_and_keeps_them_uint8(shapes):
    ds = read_image_folder(shapes, size=10)
    split = split_dataset(ds, val_fraction=0.25, test_fraction=0.25, seed=3)
    for part in (split.train, split.val, split.test):
        assert part.X.dtype == np.uint8 and part.X.shape[1:] == (10, 10, 1)
    rows = np.concatenate([split.train_indices, split.val_indices, split.test_indices])
    assert sorted(rows) == list(range(24))
    np.testing.assert_array_equal(split.val.X, ds.X[split.val_indices])


def test_a_session_on_pictures_has_no_pixel_scaler_and_rescales_in_the_model(shapes):
    ds = read_image_folder(shapes, size=10)
    project = Project(data_source=ds.source, network=default_network_config(ds),
                      training=training_for(ds.n_samples))
    session = Session.open(project, dataset=ds)
    assert session.scaler is None and session.scaled_split is session.split
    assert session.scaled_split.train.X.dtype == np.uint8
    config = session.network_config()
    assert config["input_shape"] == [10, 10, 1] and "n_inputs" not in config
    assert [spec["class"] for spec in config["layers"]] == ["Rescaling", "Flatten", "Dense", "Dense"]
    assert config["layers"][0]["config"]["scale"] == pytest.approx(1 / 255)
    # New projects on image folders start with early stopping, as tables do.
    assert project.training["stop"]["class"] == "EarlyStopping"


def test_project_round_trip_reloads_the_folder_and_notices_a_changed_picture(shapes, tmp_path):
    ds = read_image_folder(shapes, size=(8, 6), colour="grey")
    project = Project(name="shapes", data_source=ds.source, network=default_network_config(ds))
    session = Session.open(project, dataset=ds)
    session.stamp_data()
    path = tmp_path / "shapes.nnproj"
    save_project(session.to_project(), path)
    loaded = load_project(path)
    assert loaded.data_source == {"kind": "images", "path": str(shapes), "size": [8, 6], "colour": "grey"}
    again = Session.open(loaded)
    np.testing.assert_array_equal(again.dataset.X, ds.X)
    assert again.dataset.X.shape == (24, 8, 6, 1)
    assert again.data_changed() is None and loaded.data_check["features"] == 48
    # The fingerprint hashes the decoded pixels: re-saving a picture with other pixels shows.
    img = np.asarray(Image.open(shapes / "left" / "3.png")).copy()
    img[0, 0] = 255 - img[0, 0]
    Image.fromarray(img).save(shapes / "left" / "3.png")
    changed = Session.open(load_project(path))
    assert "some of its values changed" in (compare_fingerprint(loaded.data_check, split=changed.split) or "")


def test_a_moved_folder_next_to_the_project_is_found(shapes, tmp_path):
    ds = read_image_folder(shapes, size=8)
    moved = tmp_path / "sent"
    moved.mkdir()
    save_project(Project(data_source=ds.source, network=default_network_config(ds)), moved / "p.nnproj")
    shutil.move(str(shapes), str(moved / "shapes"))
    loaded = load_project(moved / "p.nnproj")
    assert loaded.data_source["path"] == str(moved / "shapes")
    assert any("image folder was not at" in note for note in loaded.notes)
    assert load_dataset_source(loaded.data_source).n_samples == 24


def test_cli_trains_on_an_image_folder_and_prints_the_skipped_files(shapes, tmp_path, capsys):
    save = tmp_path / "out.nnproj"
    code = main(["train", "--images", str(shapes), "--image-size", "10", "--grey", "--epochs", "40",
                 "--lr", "0.01", "--val", "0.25", "--test", "0.25", "--save", str(save)])
    out = " ".join(capsys.readouterr().out.split())  # the notes are wrapped to the terminal
    assert code == 0, out
    assert "Skipped 1 file that is not a picture nnstudio reads (PNG, JPEG, BMP or GIF): right/notes.txt." \
        in out
    assert "Read 24 pictures of 2 classes from the folder 'shapes'" in out
    project = load_project(save)
    assert project.data_source["kind"] == "images" and project.scaler is None
    assert project.network["input_shape"] == [10, 10, 1]
    # Bright left or right is easy: the network learns it.
    code = main(["evaluate", str(save), "--json"])
    scores = json.loads(capsys.readouterr().out)
    assert code == 0 and scores["scores"]["validation"]["accuracy"] >= 0.8


def test_cli_refuses_image_flags_without_images_and_a_folder_with_one_class(shapes, capsys):
    assert main(["train", "--dataset", "iris", "--grey"]) == 2
    assert "--colour/--grey only applies to --images" in capsys.readouterr().err
    assert main(["train", "--images", str(shapes / "left"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "has no class folders (it holds 12 files but no sub-folders)" in err
    assert main(["train", "--images", str(shapes), "--image-size", "3"]) == 2
    assert "--image-size: must be a whole number of pixels from 4 to 512, or 'auto', got '3'" in \
        capsys.readouterr().err


def test_cli_trains_on_the_bundled_digit_pictures(capsys):
    code = main(["train", "--dataset", "digits-images", "--epochs", "5", "--json", "--quiet"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["dataset"] == "Handwritten digits (8x8 pictures)"
    assert sum(part["n_samples"] for part in report["final"].values()) == 1797
    assert report["final"]["val"]["accuracy"] > 0.85
