"""The project document, its ``.nnproj`` file format and building live objects from it."""
from __future__ import annotations

from nnstudio.project.build import (
    default_network_config,
    optimizer_from_project,
    output_layer_config,
    scaled_split,
)
from nnstudio.project.document import HISTORY_KEYS, Project, demo_project
from nnstudio.project.fileformat import (
    FILE_SUFFIX,
    FORMAT_VERSION,
    MIGRATIONS,
    check_writable,
    load_project,
    save_project,
)
from nnstudio.project.session import Session, build_from_project

__all__ = [
    "FILE_SUFFIX", "FORMAT_VERSION", "HISTORY_KEYS", "MIGRATIONS", "Project", "build_from_project",
    "check_writable", "default_network_config", "demo_project", "load_project", "optimizer_from_project",
    "output_layer_config", "save_project", "scaled_split", "Session",
]
