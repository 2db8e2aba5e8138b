"""The catalogue of built-in data sets and reloading any data set from its ``source`` dict."""
from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

from nnstudio.data import synthetic
from nnstudio.data.bundled import BUNDLED, load_bundled
from nnstudio.data.csv_options import CsvOptions
from nnstudio.data.csv_reader import read_csv
from nnstudio.data.dataset import Dataset
from nnstudio.data.images_bundled import IMAGE_SETS
from nnstudio.data.progress import CancelFn, Progress, ProgressFn
from nnstudio.errors import DataError


@dataclass(frozen=True)
class BuiltinInfo:
    """What the data-set picker shows for one built-in data set.

    ``params`` maps each setting to its default (empty for bundled files); ``limits`` gives the
    allowed (min, max) for each setting, for spin boxes.
    """

    name: str
    display_name: str
    description: str
    kind: str                      # "synthetic" | "bundled"
    task: str                      # "classification" | "regression"
    params: dict = field(default_factory=dict)
    limits: dict = field(default_factory=dict)


_SAMPLES = (10, synthetic.MAX_SAMPLES)
_SEED = (0, synthetic.MAX_SEED)
_GENERATORS: dict[str, tuple[Callable[..., Dataset], str, str, dict]] = {
    "spiral": (synthetic.make_spiral, "Spiral", "Two (or more) spiral arms wound into each other.",
               {"n_classes": (2, 10), "noise": (0.0, 1.0)}),
    "moons": (synthetic.make_moons, "Two moons", "Two interleaving half circles.", {"noise": (0.0, 2.0)}),
    "circles": (synthetic.make_circles, "Circles", "A ring of points around a smaller ring.",
                {"noise": (0.0, 2.0)}),
    "xor": (synthetic.make_xor, "XOR", "Four squares in a checkerboard; one layer cannot learn it.",
            {"noise": (0.0, 2.0)}),
    "blobs": (synthetic.make_blobs, "Blobs", "Round clusters of points, one per class.",
              {"n_classes": (2, 10), "noise": (0.0, 10.0)}),
    "regression_1d": (synthetic.make_regression_1d, "Curve (regression)",
                      "Predict a number: a wavy curve y = sin(2x) with noise.", {"noise": (0.0, 5.0)}),
}


def _catalogue() -> dict[str, BuiltinInfo]:
    infos: dict[str, BuiltinInfo] = {}
    for name, (func, title, description, limits) in _GENERATORS.items():
        defaults = {p.name: p.default for p in inspect.signature(func).parameters.values()}
        infos[name] = BuiltinInfo(
            name=name, display_name=title, description=description, kind="synthetic",
            task="regression" if name == "regression_1d" else "classification", params=defaults,
            limits={"n_samples": _SAMPLES, "seed": _SEED, **limits})
    for name, spec in BUNDLED.items():
        infos[name] = BuiltinInfo(name=name, display_name=spec.title, description=spec.description,
                                  kind="bundled", task="classification")
    for name, image_spec in IMAGE_SETS.items():  # picture sets: uint8 (n, H, W, 1)
        infos[name] = BuiltinInfo(name=name, display_name=image_spec.title,
                                  description=image_spec.description, kind="bundled", task="classification")
    return infos


BUILTINS: dict[str, BuiltinInfo] = _catalogue()


def list_builtins() -> list[BuiltinInfo]:
    """All built-in data sets: the synthetic generators first, then the bundled files."""
    return list(BUILTINS.values())


def load_builtin(name: str, **params: object) -> Dataset:
    """Make or load built-in data set ``name`` with the given settings (others keep defaults).

    Raises
    ------
    DataError
        For an unknown name or setting, or a setting out of range.
    """
    info = BUILTINS.get(name)
    if info is None:
        raise DataError(f"There is no built-in data set called {name!r}; choose one of "
                        f"{', '.join(BUILTINS)}.")
    unknown = sorted(set(params) - set(info.params))
    if unknown:
        known = ", ".join(info.params) or "none"
        raise DataError(f"'{info.display_name}' has no setting {unknown[0]!r}; its settings are: {known}.")
    if info.kind == "bundled":
        return load_bundled(name)
    return _GENERATORS[name][0](**params)


def load_dataset_source(source: dict, progress: ProgressFn | None = None,
                        cancel: CancelFn | None = None) -> Dataset:
    """Rebuild a Dataset from its ``source`` dict (as saved in a project).

    ``{"kind": "builtin", "name": ..., "params": {...}}``,
    ``{"kind": "csv", "path": ..., "options": {...}}`` or
    ``{"kind": "images", "path": ..., "size": [H, W], "colour": "grey" | "colour"}`` (a folder
    with one sub-folder of pictures per class, see :func:`~nnstudio.data.images.read_image_folder`).
    """
    if not isinstance(source, dict) or source.get("kind") not in ("builtin", "csv", "images"):
        raise DataError(f"A data source must be a dict with kind 'builtin', 'csv' or 'images', "
                        f"got {source!r:.100}")
    if source["kind"] == "images":
        from nnstudio.data.images import DEFAULT_SIZE, read_image_folder

        folder = source.get("path")
        if not isinstance(folder, str) or not folder:
            raise DataError(f"An image folder source needs the folder's path, got {folder!r}")
        size = source.get("size", DEFAULT_SIZE)
        return read_image_folder(folder, size=tuple(size) if isinstance(size, list) else size,
                                 colour=source.get("colour", "auto"), progress=progress, cancel=cancel)
    if source["kind"] == "builtin":
        params = source.get("params") or {}
        if not isinstance(params, dict):
            raise DataError(f"Built-in data set settings must be a dict, got {params!r:.100}")
        steps = Progress(progress, cancel, "Loading the data set was cancelled.")
        steps.check()
        dataset = load_builtin(str(source.get("name")), **params)
        steps.done()
        return dataset
    path = source.get("path")
    if not isinstance(path, str) or not path:
        raise DataError(f"A CSV data source needs the file's path, got {path!r}")
    return read_csv(path, CsvOptions.from_dict(source.get("options") or {}), progress=progress, cancel=cancel)
