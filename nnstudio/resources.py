"""Where nnstudio's shipped files (data sets, model zoo, icons) live."""
from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "NNSTUDIO_RESOURCES"


def resources_dir() -> Path:
    """The ``resources`` folder: ``$NNSTUDIO_RESOURCES`` if set, else ``<repo>/resources``.

    The package is installed editable (or run from the source tree), so the folder sits next
    to the ``nnstudio`` package directory; the variable lets a frozen build or a test point
    somewhere else.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / "resources"
