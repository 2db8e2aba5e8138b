"""The bundled picture sets and sample photos load offline, with the right shapes and classes."""
from __future__ import annotations

import socket

import numpy as np
import pytest

from nnstudio.data import BUILTINS, load_builtin, load_dataset_source
from nnstudio.data.images_bundled import PHOTOS, load_photo
from nnstudio.resources import resources_dir

MNIST_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Data loading never downloads: any attempt to open a socket fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("a bundled data set tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_mnist_has_10000_digits_of_28x28_in_ten_classes():
    ds = load_builtin("mnist")
    assert ds.X.shape == (10_000, 28, 28, 1) and ds.X.dtype == np.uint8
    assert ds.class_names == [str(d) for d in range(10)]
    assert list(ds.class_counts().values()) == MNIST_COUNTS
    assert ds.source == {"kind": "builtin", "name": "mnist", "params": {}}
    # Real digits: dark borders, bright strokes, about a fifth of the pixels lit.
    assert ds.X[:, 0, :, 0].max() == 0 and ds.X.max() == 255
    assert 0.1 < (ds.X > 127).mean() < 0.3
    # The first '0' has a hole in its middle, the first '1' a stroke down it.
    zero, one = ds.X[ds.y == 0][0, :, :, 0], ds.X[ds.y == 1][0, :, :, 0]
    assert zero[12:16, 12:16].mean() < one[12:16, 12:16].mean()


def test_digit_pictures_are_the_8x8_digits_stretched_to_0_255():
    table, pictures = load_builtin("digits"), load_builtin("digits-images")
    assert pictures.X.shape == (1797, 8, 8, 1) and pictures.X.dtype == np.uint8
    assert pictures.class_names == table.class_names
    np.testing.assert_array_equal(pictures.y, table.y)
    np.testing.assert_array_equal(pictures.X.reshape(1797, 64), np.rint(table.X * 255 / 16).astype(np.uint8))
    assert pictures.feature_names[9] == "pixel (1, 1)"


def test_picture_sets_are_listed_and_reload_from_their_source():
    for name in ("mnist", "digits-images"):
        assert BUILTINS[name].kind == "bundled" and BUILTINS[name].task == "classification"
    again = load_dataset_source({"kind": "builtin", "name": "digits-images", "params": {}})
    assert again.X.shape == (1797, 8, 8, 1)


def test_the_sample_photos_are_small_colour_pictures_with_their_attribution():
    for name in PHOTOS:
        photo = load_photo(name)
        assert photo.shape == (160, 240, 3) and photo.dtype == np.uint8
        assert photo.std() > 20  # a photo, not a flat colour
    flower = load_photo("flower")
    # An orange flower in the middle of a dark green background.
    centre, corner = flower[60:100, 100:140].reshape(-1, 3).mean(0), flower[:20, :20].reshape(-1, 3).mean(0)
    assert centre[0] > centre[2] + 40 and corner.sum() < centre.sum()
    sources = (resources_dir() / "datasets" / "SOURCES.md").read_text(encoding="utf-8")
    for words in ("mnist_10k.npz", "`mnist` 1.1.0", "MIT", "CC BY-SA 3.0", "flower.jpg", "china.jpg",
                  "CC BY 2.0", "make_images.py"):
        assert words in sources


def test_a_damaged_mnist_file_is_a_plain_error(tmp_path, monkeypatch):
    from nnstudio.errors import DataError

    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "mnist_10k.npz").write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setenv("NNSTUDIO_RESOURCES", str(tmp_path))
    with pytest.raises(DataError, match="could not be read .* Reinstalling nnstudio should restore it"):
        load_builtin("mnist")
