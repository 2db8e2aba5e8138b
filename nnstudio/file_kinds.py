"""Plain names for what a path is when it is not an ordinary file (shared by the CSV reader
and the project files, which both refuse such paths before opening them: opening a named
pipe blocks until someone writes to it, and ``/dev/zero`` never ends)."""
from __future__ import annotations

import stat


def special_kind(mode: int) -> str:
    """``"a named pipe (FIFO)"``, ``"a device"``, ``"a socket"`` or ``"a special file"``
    for an ``os.stat`` ``st_mode`` that is not a regular file or a folder."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"
