"""Bundled real data sets: shapes, classes, values, and what happens when a file is damaged."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import load_builtin, load_dataset_source, read_csv
from nnstudio.errors import DataError
from nnstudio.resources import resources_dir

# (n_samples, n_features, class names, per-class counts, sum of all feature values). The sums
# and counts were taken from scikit-learn 1.9.1's copies, which the files were exported from.
EXPECTED = {
    "iris": (150, 4, ["setosa", "versicolor", "virginica"], [50, 50, 50], 2078.7),
    "wine": (178, 13, ["cultivar 1", "cultivar 2", "cultivar 3"], [59, 71, 48], 159975.295999),
    "breast_cancer": (569, 30, ["malignant", "benign"], [212, 357], 1056474.4596356),
    "digits": (1797, 64, [str(d) for d in range(10)],
               [178, 182, 177, 183, 181, 182, 181, 179, 174, 180], 561718.0),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_bundled_set_has_the_published_shape_classes_and_values(name):
    n, d, classes, counts, total = EXPECTED[name]
    ds = load_builtin(name)
    assert ds.X.shape == (n, d) and ds.X.dtype == np.float32
    assert ds.y.shape == (n,) and ds.y.dtype == np.int64
    assert ds.task == "classification" and ds.class_names == classes
    assert list(ds.class_counts().values()) == counts
    assert ds.X.astype(np.float64).sum() == pytest.approx(total, rel=1e-6)
    assert len(ds.feature_names) == d and len(set(ds.feature_names)) == d
    assert ds.source == {"kind": "builtin", "name": name, "params": {}}
    assert ds.notes and "Rows per class" in " ".join(ds.notes)


def test_bundled_details():
    iris = load_builtin("iris")
    assert iris.feature_names[0] == "sepal length (cm)"
    np.testing.assert_allclose(iris.X[0], [5.1, 3.5, 1.4, 0.2])
    assert iris.y[0] == 0 and iris.y[-1] == 2
    digits = load_builtin("digits")
    assert digits.image_shape == (8, 8) and iris.image_shape is None
    assert digits.X.min() == 0 and digits.X.max() == 16
    assert digits.feature_names[9] == "pixel_1_1"
    # The first digit is a zero: its 8x8 picture has a hollow middle.
    zero = digits.X[0].reshape(8, 8)
    assert digits.y[0] == 0 and zero[3:5, 3:5].max() < zero[2:6, 1:3].max()
    cancer = load_builtin("breast_cancer")
    assert cancer.feature_names[0] == "mean radius"
    assert load_dataset_source({"kind": "builtin", "name": "wine", "params": {}}).n_samples == 178


def test_bundled_csv_files_also_load_through_the_general_importer():
    # The shipped files are ordinary CSVs: anyone can open them in a spreadsheet, and the
    # importer reads them to the same numbers (class order is alphabetical there).
    iris = read_csv(resources_dir() / "datasets" / "iris.csv")
    np.testing.assert_array_equal(iris.X, load_builtin("iris").X)
    assert iris.class_names == ["setosa", "versicolor", "virginica"]
    assert "species" in iris.notes[1]


def test_sources_file_names_every_data_set_and_its_licence():
    text = (resources_dir() / "datasets" / "SOURCES.md").read_text(encoding="utf-8")
    for name in ("iris.csv", "wine.csv", "breast_cancer.csv", "digits.csv.gz"):
        assert name in text
    assert text.count("CC BY 4.0") >= 4


def test_resources_dir_honours_the_environment_override(tmp_path, monkeypatch):
    (tmp_path / "datasets").mkdir()
    shutil.copy(resources_dir() / "datasets" / "iris.csv", tmp_path / "datasets" / "iris.csv")
    monkeypatch.setenv("NNSTUDIO_RESOURCES", str(tmp_path))
    assert resources_dir() == tmp_path.resolve()
    assert load_builtin("iris").n_samples == 150
    # The message blames the variable, not the installation.
    with pytest.raises(DataError, match="'Wine' was not found: NNSTUDIO_RESOURCES is set to "
                                        ".*which has no datasets/wine.csv. Unset NNSTUDIO_RESOURCES"):
        load_builtin("wine")


def test_missing_bundled_file_says_whether_reinstalling_helps(tmp_path, monkeypatch):
    # A package built without its data files (what `pip install .` gave before the data moved
    # into nnstudio/resources) stays without them however often it is reinstalled.
    import nnstudio.resources
    monkeypatch.delenv("NNSTUDIO_RESOURCES", raising=False)
    monkeypatch.setattr(nnstudio.resources, "files", lambda package: tmp_path)
    with pytest.raises(DataError) as err:
        load_builtin("iris")
    message = str(err.value)
    assert "'Iris flowers' is missing from this installation" in message
    assert f"no iris.csv in {tmp_path / 'datasets'}" in message
    assert "installing the same package again will not help" in message
    assert "Reinstalling" not in message
    # One file lost from an otherwise complete install: there reinstalling does bring it back.
    (tmp_path / "datasets").mkdir()
    shutil.copy(Path(nnstudio.resources.__file__).parent / "datasets" / "iris.csv",
                tmp_path / "datasets" / "iris.csv")
    assert load_builtin("iris").n_samples == 150
    with pytest.raises(DataError, match="'Wine' is missing .*no wine.csv in .*although the other "
                                        "data sets are there. Reinstalling nnstudio"):
        load_builtin("wine")


def test_resources_are_package_data_read_through_importlib_resources(monkeypatch):
    from importlib.resources import files

    import nnstudio.resources
    monkeypatch.delenv("NNSTUDIO_RESOURCES", raising=False)
    shipped = files("nnstudio.resources") / "datasets"
    assert nnstudio.resources.resource("datasets", "iris.csv").read_bytes() == \
        (shipped / "iris.csv").read_bytes()
    # Inside the package, not in the repository's top-level resources/ (which a wheel lacks).
    assert resources_dir() == Path(nnstudio.resources.__file__).parent
    for name in ("iris.csv", "wine.csv", "breast_cancer.csv", "digits.csv.gz", "SOURCES.md"):
        assert (shipped / name).is_file(), name


def test_damaged_bundled_file_gives_a_plain_message(tmp_path, monkeypatch):
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "iris.csv").write_text("a,b,species\n1,2,setosa\n1,x,rose\n")
    (tmp_path / "datasets" / "digits.csv.gz").write_bytes(gzip.compress(b"a,digit\n1,2")[:10])
    monkeypatch.setenv("NNSTUDIO_RESOURCES", str(tmp_path))
    with pytest.raises(DataError, match="iris.csv is damaged"):
        load_builtin("iris")
    with pytest.raises(DataError, match="Handwritten digits.*could not be read"):
        load_builtin("digits")
