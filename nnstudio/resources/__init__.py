"""Where nnstudio's shipped files live: package data inside ``nnstudio/resources``.

``datasets/`` holds the bundled data sets (sources and licences in ``datasets/SOURCES.md``).
The files are package data, read through :mod:`importlib.resources`, never through a path
built from the source tree: that way a wheel (``pip install .``), a zipped install and an
editable install all find them. The scripts that *made* the data stay out of the package, in
the repository's top-level ``resources/`` folder.

``$NNSTUDIO_RESOURCES`` points nnstudio at another folder of the same layout (a frozen build,
or a test that plants damaged files).
"""
from __future__ import annotations

import os
import sys
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:  # Python 3.10 has it in importlib.abc
        from importlib.abc import Traversable

ENV_VAR = "NNSTUDIO_RESOURCES"


def overridden() -> bool:
    """Whether ``$NNSTUDIO_RESOURCES`` replaces the shipped files."""
    return bool(os.environ.get(ENV_VAR))


def resources_root() -> Traversable:
    """The root of the shipped files: ``$NNSTUDIO_RESOURCES`` if set, else the package data.

    A :class:`pathlib.Path` for an ordinary or editable install; inside a zip archive a
    ``zipfile.Path``, which reads the same way (``read_bytes``, ``is_file``, ``/``).
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser().resolve()
    return files(__name__)


def resource(*parts: str) -> Traversable:
    """One shipped file or folder, e.g. ``resource("datasets", "iris.csv")``.

    Read it with ``.read_bytes()`` / ``.read_text()``: that works in every kind of install.
    """
    item = resources_root()
    for part in parts:
        # One part per step: Traversable.joinpath takes a single argument before Python 3.11.
        item = item / part
    return item


def resources_dir() -> Path:
    """The root of the shipped files as a folder on disk (see :func:`resources_root`).

    For code that needs a real path (a file dialog, a CSV importer that takes paths). Prefer
    :func:`resource`, which also works when nnstudio is imported from a zip archive.

    Raises
    ------
    RuntimeError
        When nnstudio runs from a zip archive, where the files have no folder of their own.
    """
    root = resources_root()
    if isinstance(root, Path):
        return root
    raise RuntimeError(f"nnstudio's files are inside an archive ({root}), not in a folder; "
                       "read them with nnstudio.resources.resource(...).read_bytes().")
