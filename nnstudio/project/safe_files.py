"""The files a project is read from and written to, checked before they are touched.

Reading accepts regular files only: opening a named pipe blocks until someone writes to it,
and ``/dev/zero`` never ends, so either would hang the window on "Open". Writing goes to a
temporary file beside the target (see :func:`~nnstudio.project.fileformat.save_project`),
named ``.<name>.nnproj.tmp-<process id>-<random>`` so that one left behind by a crash is
recognisable and removed by the next save of the same project.
"""
from __future__ import annotations

import errno
import os
import secrets
import stat
import time
from pathlib import Path
from typing import BinaryIO

from nnstudio.errors import ProjectError
from nnstudio.file_kinds import special_kind

TEMP_MARK = ".tmp-"
#: A temporary file older than this is stale even when its process cannot be checked (Windows)
#: or its process id was reused: no save takes an hour.
STALE_AFTER_SECONDS = 3600.0

_BINARY = getattr(os, "O_BINARY", 0)  # Windows would otherwise translate line endings


def open_regular_file(path: Path) -> BinaryIO:
    """Open ``path`` for reading in binary mode, refusing anything but a regular file.

    Raises
    ------
    ProjectError
        When the path is missing, a folder, a pipe, a device or a socket, or unreadable.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ProjectError(f"The project file {str(path)!r} does not exist.") from None
    except PermissionError:
        raise ProjectError(f"Cannot read {path.name!r}: permission denied.") from None
    except OSError as exc:
        raise ProjectError(f"Cannot read {str(path)!r}: {exc.strerror or exc}.") from None
    if stat.S_ISDIR(mode):
        raise ProjectError(f"{str(path)!r} is a folder, not a project file.")
    if not stat.S_ISREG(mode):
        raise ProjectError(f"{str(path)!r} is {special_kind(mode)}, not a project file; "
                           f"choose a saved .nnproj file.")
    # O_NONBLOCK: should the path have become a pipe since the look above, opening it must
    # still not wait for a writer; the second look below then refuses it.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _BINARY)
    except PermissionError:
        raise ProjectError(f"Cannot read {path.name!r}: permission denied.") from None
    except OSError as exc:
        raise ProjectError(f"Cannot read {str(path)!r}: {exc.strerror or exc}.") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ProjectError(f"{str(path)!r} is {special_kind(mode)}, not a project file; "
                           f"choose a saved .nnproj file.")
    return os.fdopen(fd, "rb")


# --------------------------------------------------------------------------- writing
def write_error(target: Path, exc: OSError) -> ProjectError:
    """A plain message for an OSError met while saving to ``target``."""
    folder = str(target.parent)
    if exc.errno in (errno.EACCES, errno.EPERM):
        reason = f"the folder {folder!r} cannot be written to (permission denied)"
    elif exc.errno == errno.EROFS:
        reason = f"the folder {folder!r} is on a read-only disk"
    else:
        reason = exc.strerror or str(exc)
    return ProjectError(f"Cannot save the project to {str(target)!r}: {reason}; choose another place.")


def check_target(target: Path) -> None:
    """Refuse a save target whose folder is missing or that is a folder or a special file."""
    parent = target.parent
    if not parent.is_dir():
        what = "is a file, not a folder" if parent.exists() else "does not exist"
        raise ProjectError(f"Cannot save the project: the folder {str(parent)!r} {what}.")
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise write_error(target, exc) from None
    if stat.S_ISDIR(mode):
        raise ProjectError(f"Cannot save the project to {str(target)!r}: that is a folder; "
                           f"choose a file name such as {target.name + '.nnproj'!r} inside it.")
    if not stat.S_ISREG(mode):
        raise ProjectError(f"Cannot save the project to {str(target)!r}: it is {special_kind(mode)}, "
                           "not a file.")


def create_temp_beside(target: Path) -> tuple[int, Path]:
    """Create and open (write-only, binary) a new temporary file beside ``target``.

    The file is created with mode 0o666, so the user's umask decides its permissions exactly
    as for any new file (``tempfile.mkstemp`` would make it 0600, private to the user).

    Raises
    ------
    OSError
        When the folder cannot be written.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY
    for _ in range(100):
        tmp = target.parent / f".{target.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(target.parent))


def remove_stale_temps(target: Path) -> list[Path]:
    """Delete temporary files a crashed save of ``target`` left beside it; return them.

    A temporary file is stale when the process that made it is gone, or when it is older than
    :data:`STALE_AFTER_SECONDS`; one of a save still running (another window, a recovery
    thread) is left alone. Names of the older ``mkstemp`` style (``.<name>.XXXXXXXX.tmp``)
    are recognised too, by age only.
    """
    prefix = f".{target.name}"
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix):
            continue
        rest = name[len(prefix):]
        if rest.startswith(TEMP_MARK):
            pid = _pid_in(rest[len(TEMP_MARK):])
        elif rest.startswith(".") and rest.endswith(".tmp") and len(rest) == 13:
            pid = None
        else:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_SECONDS
            if old or (pid is not None and pid != os.getpid() and not _process_exists(pid)):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # not ours to fight over; the save itself goes on
    return removed


def _pid_in(tail: str) -> int | None:
    head = tail.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _process_exists(pid: int) -> bool:
    if os.name != "posix":
        return True  # os.kill(pid, 0) would end the process on Windows; rely on the age
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # PermissionError: it exists, under another user
    return True


def check_writable(path: str | os.PathLike) -> None:
    """Check that a project can be saved to ``path``, before hours of training depend on it.

    Creates and removes a small temporary file beside the target, which is the only reliable
    test (permissions, read-only disks, network folders and administrator rights all differ
    from what ``os.access`` reports). Never touches an existing file at ``path``.

    Parameters
    ----------
    path : str or path-like
        Where the project will be saved.

    Raises
    ------
    ProjectError
        When the folder does not exist, ``path`` is a folder or a special file, or the folder
        cannot be written (permission denied, read-only disk, disk full).
    """
    target = Path(path).expanduser().absolute()
    check_target(target)
    try:
        fd, tmp = create_temp_beside(target)
    except OSError as exc:
        raise write_error(target, exc) from None
    os.close(fd)
    try:
        os.unlink(tmp)
    except OSError:
        pass
