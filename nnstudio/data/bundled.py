"""Small real data sets shipped as package data in ``nnstudio/resources/datasets``.

Sources and licences are in ``SOURCES.md`` beside the files.

Each file is a plain CSV: a header row with the feature names, then one row per sample whose
last cell is the class name. The class order is fixed here, not taken from the file, so class
indices never depend on row order.
"""
from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass

import numpy as np

from nnstudio.data.dataset import Dataset, balance_notes
from nnstudio.errors import DataError
from nnstudio.resources import ENV_VAR, overridden, resource, resources_root


@dataclass(frozen=True)
class BundledSpec:
    file: str
    title: str
    description: str
    class_names: tuple[str, ...]
    image_shape: tuple[int, int] | None = None


BUNDLED: dict[str, BundledSpec] = {
    "iris": BundledSpec(
        "iris.csv", "Iris flowers",
        "150 iris flowers measured in centimetres (sepal and petal length and width); "
        "predict the species. R. A. Fisher, 1936.",
        ("setosa", "versicolor", "virginica")),
    "wine": BundledSpec(
        "wine.csv", "Wine",
        "178 Italian wines described by 13 chemical measurements; predict which of three grape "
        "cultivars each came from. The measurements have very different ranges, so scaling matters.",
        ("cultivar 1", "cultivar 2", "cultivar 3")),
    "breast_cancer": BundledSpec(
        "breast_cancer.csv", "Breast cancer (Wisconsin, diagnostic)",
        "569 breast-tissue samples described by 30 measurements of cell nuclei taken from images; "
        "predict whether the tumour is malignant or benign.",
        ("malignant", "benign")),
    "digits": BundledSpec(
        "digits.csv.gz", "Handwritten digits (8x8)",
        "1797 handwritten digits, each an 8x8 picture with 64 pixel brightness values from 0 to 16; "
        "predict which digit (0-9) it shows.",
        tuple(str(d) for d in range(10)), image_shape=(8, 8)),
}


def load_bundled(name: str) -> Dataset:
    """Read bundled data set ``name`` ("iris", "wine", "breast_cancer", "digits", or a picture
    set of :data:`~nnstudio.data.images_bundled.IMAGE_SETS`: "digits-images", "mnist")."""
    from nnstudio.data.images_bundled import IMAGE_SETS, load_image_set

    if name in IMAGE_SETS:
        return load_image_set(name)
    spec = BUNDLED.get(name)
    if spec is None:
        raise DataError(f"There is no bundled data set called {name!r}; "
                        f"choose one of {', '.join(BUNDLED)}.")
    item = resource("datasets", spec.file)
    if not item.is_file():
        raise DataError(_missing_message(spec))
    try:
        raw = item.read_bytes()
        text = (gzip.decompress(raw) if spec.file.endswith(".gz") else raw).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise DataError(f"The bundled data set '{spec.title}' could not be read from {item} "
                        f"({exc.__class__.__name__}). Reinstalling nnstudio should restore it.") from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], [r for r in rows[1:] if r]
    index = {c: i for i, c in enumerate(spec.class_names)}
    try:
        X = np.array([r[:-1] for r in body], dtype=np.float64).astype(np.float32)
        y = np.array([index[r[-1]] for r in body], dtype=np.int64)
    except (ValueError, KeyError):
        raise DataError(f"The bundled file {item} is damaged (unexpected values). "
                        "Reinstalling nnstudio should restore it.") from None
    notes = [spec.description] + balance_notes(y, list(spec.class_names))
    return Dataset(X=X, y=y, feature_names=header[:-1], class_names=list(spec.class_names),
                   task="classification", source={"kind": "builtin", "name": name, "params": {}},
                   name=spec.title, notes=notes, image_shape=spec.image_shape)


def _missing_message(spec: BundledSpec) -> str:
    """Why bundled file ``spec.file`` is absent, and what will actually bring it back."""
    if overridden():
        return (f"The bundled data set '{spec.title}' was not found: {ENV_VAR} is set to "
                f"{resources_root()}, which has no datasets/{spec.file}. Unset {ENV_VAR} to use "
                "the data sets that came with nnstudio, or copy the file there.")
    folder = resource("datasets")
    if any((folder / other.file).is_file() for other in BUNDLED.values()):
        # Only some files are gone: the installed copy was damaged after it was installed.
        return (f"The bundled data set '{spec.title}' is missing from this installation of "
                f"nnstudio: there is no {spec.file} in {folder}, although the other data sets "
                "are there. Reinstalling nnstudio should restore it.")
    # Not "reinstall": a package built without its data files stays without them however
    # often it is reinstalled (`pip install .` gave such a package before the data moved into
    # nnstudio/resources).
    return (f"The bundled data set '{spec.title}' is missing from this installation of nnstudio: "
            f"there is no {spec.file} in {folder}. This copy of nnstudio was built without its "
            "data files, so installing the same package again will not help; install a complete "
            "nnstudio package (one whose nnstudio/resources/datasets folder holds the data sets), "
            "or train on a CSV file of your own.")
