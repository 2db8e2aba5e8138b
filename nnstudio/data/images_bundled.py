"""Bundled picture sets (uint8, shape (n, H, W, C)) and the sample photos, read offline.

Made by ``resources/datasets/make_images.py`` in the source repository; sources and licences
in ``nnstudio/resources/datasets/SOURCES.md``. Nothing here downloads anything.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import numpy as np

from nnstudio.data.dataset import Dataset, balance_notes
from nnstudio.errors import DataError
from nnstudio.resources import resource


@dataclass(frozen=True)
class ImageSetSpec:
    """A bundled picture set: its file, title and description, as the data-set picker shows it."""

    file: str
    title: str
    description: str
    class_names: tuple[str, ...]


DIGITS = tuple(str(d) for d in range(10))
IMAGE_SETS: dict[str, ImageSetSpec] = {
    "digits-images": ImageSetSpec(
        "digits.csv.gz", "Handwritten digits (8x8 pictures)",
        "The 1797 handwritten 8x8 digits as grey pictures (brightness 0-16 stretched to 0-255) "
        "rather than a table of 64 numbers: for convolution layers and picture views.", DIGITS),
    "mnist": ImageSetSpec(
        "mnist_10k.npz", "MNIST digits (28x28, 10,000)",
        "10,000 handwritten digits from MNIST, each a 28x28 grey picture; predict which digit "
        "(0-9) it shows. The classic first data set for convolution layers.", DIGITS),
}

#: The sample photos for the augmentation preview: name -> (file, attribution).
PHOTOS: dict[str, tuple[str, str]] = {
    "flower": ("flower.jpg", "Photo by vultilion on Flickr, CC BY 2.0 (via scikit-learn)"),
    "china": ("china.jpg", "Photo by danielbuechele on Flickr, CC BY 2.0 (via scikit-learn)"),
}


def load_image_set(name: str) -> Dataset:
    """Read bundled picture set ``name`` ("digits-images", "mnist").

    Returns
    -------
    Dataset
        ``X`` uint8 of shape (n, H, W, 1); source ``{"kind": "builtin", "name": name, "params": {}}``.
    """
    spec = IMAGE_SETS.get(name)
    if spec is None:
        raise DataError(f"There is no bundled picture set called {name!r}; choose one of "
                        f"{', '.join(IMAGE_SETS)}.")
    if name == "digits-images":
        from nnstudio.data.bundled import load_bundled

        table = load_bundled("digits")
        # 0..16 -> 0..255, so a Rescaling of 1/255 maps every picture set to 0..1 alike.
        X = np.rint(table.X * (255.0 / 16.0)).astype(np.uint8).reshape(-1, 8, 8, 1)
        y = table.y
    else:
        arrays = _read_npz(spec)
        try:
            X = np.asarray(arrays["images"], dtype=np.uint8)[..., None]
            y = np.asarray(arrays["labels"], dtype=np.int64)
        except KeyError:
            raise DataError(f"The bundled file {spec.file} is damaged (its arrays are missing). "
                            "Reinstalling nnstudio should restore it.") from None
    notes = [spec.description] + balance_notes(y, list(spec.class_names), "Pictures")
    return Dataset(X=X, y=y, feature_names=[], class_names=list(spec.class_names), task="classification",
                   source={"kind": "builtin", "name": name, "params": {}}, name=spec.title, notes=notes)


def _read_npz(spec: ImageSetSpec) -> dict[str, np.ndarray]:
    from nnstudio.data.bundled import _missing_message

    item = resource("datasets", spec.file)
    if not item.is_file():
        raise DataError(_missing_message(spec))  # type: ignore[arg-type]  # same fields as BundledSpec
    try:
        with np.load(io.BytesIO(item.read_bytes()), allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"The bundled data set '{spec.title}' could not be read from {item} "
                        f"({exc.__class__.__name__}). Reinstalling nnstudio should restore it.") from None


def load_photo(name: str) -> np.ndarray:
    """One sample photo (``"flower"`` or ``"china"``) as uint8 of shape (160, 240, 3)."""
    from PIL import Image

    if name not in PHOTOS:
        raise DataError(f"There is no sample photo called {name!r}; choose one of {', '.join(PHOTOS)}.")
    item = resource("datasets", PHOTOS[name][0])
    if not item.is_file():
        raise DataError(f"The sample photo {PHOTOS[name][0]} is missing from this installation of "
                        "nnstudio. Reinstalling nnstudio should restore it.")
    with Image.open(io.BytesIO(item.read_bytes())) as img:
        return np.asarray(img.convert("RGB"), dtype=np.uint8).copy()
