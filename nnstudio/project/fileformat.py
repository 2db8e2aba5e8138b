"""Reading and writing ``.nnproj`` files.

A project file is a zip archive with three members:

``metadata.json``
    ``{"format_version": int, "app_version": str, "created": iso, "modified": iso}``
``project.json``
    every setting of the :class:`~nnstudio.project.document.Project` except the weights
``weights.npz``
    the trained weights (``np.savez``; absent arrays when the project is untrained)

Saving is atomic: the archive is written to a temporary file beside the target
(``.<name>.nnproj.tmp-<pid>-<random>``, created under the user's umask), flushed and
fsynced, then moved over the target with ``os.replace``, so a crash mid-save leaves the
previous file untouched; the next save removes such a leftover. :func:`check_writable` tells
before a long run whether a save will succeed. Loading opens regular files only, never
executes code (JSON plus ``np.load(..., allow_pickle=False)``), checks every size a file
declares before allocating it (see :mod:`nnstudio.project.weights_file` and
:mod:`nnstudio.engine.memory`) and checks everything before handing back a project; anything
wrong raises :class:`~nnstudio.errors.ProjectError` with a plain message.
"""
from __future__ import annotations

import io
import json
import os
import struct
import uuid
import zipfile
import zlib
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from nnstudio import __version__
from nnstudio.errors import NNStudioError, ProjectError
from nnstudio.project import optimizer_state
from nnstudio.project.document import Project
from nnstudio.project.safe_files import (
    check_target,
    check_writable,
    create_temp_beside,
    open_regular_file,
    remove_stale_temps,
    write_error,
)
from nnstudio.project.validate import too_big, validate_document
from nnstudio.project.weights_file import read_weights

__all__ = ["FORMAT_VERSION", "MIGRATIONS", "FILE_SUFFIX", "check_writable", "load_project",
           "save_project"]

#: Newest file format this version writes and reads. Format 2 names every layer and its
#: weights by that name (``"dense_1/W"``); format 1 named weights by position (``"0/W"``).
FORMAT_VERSION = 2


def _v1_to_v2(document: dict) -> dict:
    """Name the layers in order (``dense_1``, ``dropout_1``, ``dense_2``...) and their weights
    after them, so a format-1 project behaves exactly as before."""
    from nnstudio.engine.layers import name_layer_configs
    from nnstudio.engine.weights import by_name

    network = document["project"].get("network")
    layers = network.get("layers") if isinstance(network, dict) else None
    # Anything malformed is left for validate_document, whose message names the problem.
    if isinstance(layers, list) and all(isinstance(spec, dict) and isinstance(spec.get("config", {}), dict)
                                        for spec in layers):
        named = name_layer_configs(layers)
        network["layers"] = named
        document["weights"] = by_name(document["weights"], [spec["config"]["name"] for spec in named])
    return document


#: ``MIGRATIONS[v]`` upgrades a document of format ``v`` to format ``v + 1``. A document is
#: ``{"metadata": dict, "project": dict, "weights": dict[str, ndarray]}``; the function
#: returns the upgraded document. They run in order, oldest first, when an older file is read.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _v1_to_v2}

FILE_SUFFIX = ".nnproj"
METADATA_NAME = "metadata.json"
PROJECT_NAME = "project.json"
WEIGHTS_NAME = "weights.npz"

# Light zip-bomb guard: no honest project comes near these sizes.
MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_WEIGHTS_BYTES = 512 * 1024 * 1024


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


# --------------------------------------------------------------------------- saving
def save_project(project: Project, path: str | os.PathLike) -> Path:
    """Write ``project`` to ``path`` atomically and fill in its created / modified times.

    Parameters
    ----------
    project : Project
        The project to save. Its ``created`` time is set if missing, ``modified`` always.
    path : str or path-like
        Target file; its directory must exist. An existing file is replaced only once the
        new one is completely written.

    Returns
    -------
    Path
        The absolute path written.

    Raises
    ------
    ProjectError
        When the file cannot be written (no permission, disk full...); see also
        :func:`check_writable`.
    """
    target = Path(path).expanduser().absolute()
    now = _now()
    created = project.created or now
    metadata = {"format_version": FORMAT_VERSION, "app_version": __version__,
                "created": created, "modified": now}
    body = _project_text(project)
    state_arrays = optimizer_state.to_file(project.optimizer_state if project.weights else None)[1]
    weights = _weights_bytes({**(project.weights or {}), **state_arrays})

    check_target(target)
    remove_stale_temps(target)  # left by a save that crashed (power cut, killed process)
    try:
        fd, tmp_name = create_temp_beside(target)
    except OSError as exc:
        raise write_error(target, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_archive(fh, metadata, body, weights)
            fh.flush()
            os.fsync(fh.fileno())
        _copy_mode(target, tmp_name)
        os.replace(tmp_name, target)
    except BaseException as exc:  # any failure, even Ctrl+C, must not leave the temp file
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise write_error(target, exc) from exc
        raise
    _fsync_dir(target.parent)
    project.created, project.modified = created, now
    return target


def _write_archive(fh, metadata: dict, body: str, weights: bytes) -> None:
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(METADATA_NAME, json.dumps(metadata, indent=2))
        zf.writestr(PROJECT_NAME, body)
        zf.writestr(WEIGHTS_NAME, weights)


#: History values per json.dumps call. The C encoder holds the GIL for a whole call: 10,000
#: epochs in one call took 60 ms, a stall of the window while the recovery thread saved.
HISTORY_CHUNK = 1000


def _project_text(project: Project) -> str:
    """project.json's text; the history (thousands of numbers) one compact line per metric."""
    body = {
        "name": project.name,
        "data_source": project.data_source,
        "split": project.split,
        "network": project.network,
        "training": project.training,
        "scaler": project.scaler,
        "data_check": project.data_check,
        optimizer_state.KEY: optimizer_state.to_file(project.optimizer_state if project.weights else None)[0],
    }
    try:
        # Round-trip now so a bad value fails before any file is touched.
        body = json.loads(json.dumps(body, allow_nan=False, default=_json_default))
        lines = []
        for key, values in project.history.items():
            chunks = (json.dumps(values[i:i + HISTORY_CHUNK], allow_nan=False)[1:-1]
                      for i in range(0, len(values), HISTORY_CHUNK))
            lines.append(f"    {json.dumps(str(key))}: [{', '.join(chunks)}]")
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"Cannot save the project: a setting is not storable ({exc}).") from None
    history = "{\n" + ",\n".join(lines) + "\n  }" if lines else "{}"
    placeholder = json.dumps(f"history-{uuid.uuid4().hex}")
    text = json.dumps({**body, "history": placeholder[1:-1]}, indent=2)
    head, found, tail = text.rpartition(placeholder)  # history is the last key
    assert found, "the history placeholder vanished"
    return head + history + tail


def _json_default(value):
    # numpy numbers and paths slip in easily from widgets and loaders; store them plainly.
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{type(value).__name__} value {value!r:.60} cannot be stored in a project file")


def _weights_bytes(weights: dict | None) -> bytes:
    buf = io.BytesIO()
    arrays = {name: np.ascontiguousarray(value) for name, value in (weights or {}).items()}
    # numpy's stub reads **arrays as its allow_pickle keyword; the names are weight names.
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def _copy_mode(target: Path, tmp_name: Path) -> None:
    # A new file keeps the mode the umask gave the temporary file; a replaced one keeps its own.
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        return
    os.chmod(tmp_name, mode)


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable on POSIX; not possible (nor needed) on Windows.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- loading
def load_project(path: str | os.PathLike) -> Project:
    """Read and fully validate a project file.

    Parameters
    ----------
    path : str or path-like
        A ``.nnproj`` file.

    Returns
    -------
    Project

    Raises
    ------
    ProjectError
        When the file is missing, unreadable, corrupt, not an nnstudio project, made by a
        newer nnstudio, or holds inconsistent settings or weights.
    """
    path = Path(path).expanduser()
    label = path.name
    fh = open_regular_file(path)  # a pipe or a device would block or never end
    try:
        with fh, zipfile.ZipFile(fh) as zf:
            names = set(zf.namelist())
            if PROJECT_NAME not in names:
                raise ProjectError(f"{label!r} is not an nnstudio project (no {PROJECT_NAME} inside).")
            if METADATA_NAME not in names:
                raise ProjectError(f"{label!r} is damaged or not an nnstudio project "
                                   f"(no {METADATA_NAME} inside).")
            metadata = _read_json(zf, METADATA_NAME, label)
            version = _check_version(metadata, label)
            body = _read_json(zf, PROJECT_NAME, label)
            expected = _expected_weights(body, version, label)
            weights = _read_weights(zf, label, expected) if WEIGHTS_NAME in names else {}
    except zipfile.BadZipFile as exc:
        if "File is not a zip file" in str(exc):
            raise ProjectError(f"{label!r} is not an nnstudio project, or it is damaged "
                               "(it is not a readable zip archive).") from None
        raise ProjectError(f"{label!r} is damaged ({exc}).") from None
    except PermissionError:
        raise ProjectError(f"Cannot read {label!r}: permission denied.") from None
    # Damaged archives surface as any of these from zipfile / zlib; none may escape as a crash.
    except (OSError, EOFError, zipfile.LargeZipFile, zlib.error, struct.error, NotImplementedError,
            RuntimeError, ValueError) as exc:
        raise ProjectError(f"{label!r} is damaged or unreadable ({exc}).") from None

    weights, state_arrays = optimizer_state.split_arrays(weights)
    state_meta = body.pop(optimizer_state.KEY, None)
    document = _migrate({"metadata": metadata, "project": body, "weights": weights}, version, label)
    project = validate_document(document, label)
    project.optimizer_state = optimizer_state.from_file(state_meta, state_arrays, project.weights,
                                                        project.notes)
    _find_moved_csv(project, path)
    return project


def _find_moved_csv(project: Project, project_path: Path) -> None:
    """A CSV file (or image folder) no longer where it was saved, but next to the project file
    (the two were moved or sent together): use that copy, and say so in ``project.notes``."""
    source = project.data_source
    if source.get("kind") not in ("csv", "images") or not isinstance(source.get("path"), str):
        return
    saved = Path(source["path"])
    if saved.exists():
        return
    # A path saved on Windows keeps its backslashes when read elsewhere.
    beside = project_path.absolute().parent / saved.name.replace("\\", "/").split("/")[-1]
    folder = source["kind"] == "images"  # an image folder moves as a folder
    if beside.is_dir() if folder else beside.is_file():
        project.data_source = {**source, "path": str(beside)}
        project.notes.append(f"The {'image folder' if folder else 'data file'} was not at {str(saved)!r}; "
                             f"using the copy next to the project, {str(beside)!r}.")


def _check_version(metadata: dict, label: str) -> int:
    version = metadata.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProjectError(f"{label!r} is damaged: its format version is missing or not a whole "
                           f"number (got {version!r}).")
    if version > FORMAT_VERSION:
        raise ProjectError(f"This file was made by a newer nnstudio (format {version}); this version "
                           f"reads up to format {FORMAT_VERSION}. Please update nnstudio.")
    return version


def _migrate(document: dict, version: int, label: str) -> dict:
    for v in range(version, FORMAT_VERSION):
        step = MIGRATIONS.get(v)
        if step is None:
            raise ProjectError(f"{label!r} uses the old project format {v}, which this version of "
                               "nnstudio cannot convert.")
        try:
            document = step(document)
        except ProjectError:
            raise
        except (NNStudioError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProjectError(f"{label!r} uses the old project format {v} and could not be "
                               f"converted ({exc}).") from None
    return document


def _read_member(zf: zipfile.ZipFile, name: str, limit: int, label: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise ProjectError(f"{label!r} is not a usable project: {name} is too large "
                           f"({info.file_size} bytes).")
    # The declared size can lie; never read more than the limit.
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ProjectError(f"{label!r} is not a usable project: {name} is too large.")
    return data


def _read_json(zf: zipfile.ZipFile, name: str, label: str) -> dict:
    raw = _read_member(zf, name, MAX_JSON_BYTES, label)
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProjectError(f"{label!r} is damaged: {name} is not valid JSON ({exc}).") from None
    if not isinstance(value, dict):
        raise ProjectError(f"{label!r} is damaged: {name} should hold an object, "
                           f"got {type(value).__name__}.")
    return value


def _reject_constant(name: str):
    raise ValueError(f"{name} is not allowed")


def _expected_weights(body: dict, version: int, label: str) -> dict[str, tuple[int, ...]] | None:
    """The weight shapes the file's network needs, after checking it fits in memory; None
    when not known yet (an older format still to migrate, or a description that
    :func:`validate_document` will reject with a better message)."""
    # Imported here so reading a project file's settings never pays for the engine import.
    from nnstudio.engine.memory import (
        MemoryLimitError,
        check_network_memory,
        layers_from_config,
        parameter_shapes,
    )

    config = body.get("network")
    if version not in (1, FORMAT_VERSION) or not isinstance(config, dict) or not config:
        return None
    try:
        n_inputs, layers = layers_from_config(config)
        check_network_memory(n_inputs, layers)
    except MemoryLimitError as exc:
        raise too_big(label, exc) from None
    except (NNStudioError, KeyError, TypeError, ValueError, AttributeError):
        return None
    return parameter_shapes(n_inputs, layers, positional=version == 1)


def _read_weights(zf: zipfile.ZipFile, label: str,
                  expected: dict[str, tuple[int, ...]] | None) -> dict[str, np.ndarray]:
    raw = _read_member(zf, WEIGHTS_NAME, MAX_WEIGHTS_BYTES, label)
    try:
        return read_weights(raw, label, MAX_WEIGHTS_BYTES, expected)
    except ProjectError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, zlib.error, struct.error,
            NotImplementedError, RuntimeError) as exc:
        # allow_pickle=False turns object arrays (which would unpickle) into ValueError.
        raise ProjectError(f"{label!r} is damaged: its weights cannot be read safely ({exc}).") from None
