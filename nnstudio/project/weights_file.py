"""Reading a project's ``weights.npz`` without trusting the sizes it declares.

Each array in an ``.npz`` starts with a small header giving its shape and dtype, and
``np.load`` allocates that shape before reading a byte of data: a header declaring shape
(10**12,) costs a 4 TB allocation (a ``MemoryError``, or the machine swapping) although the
file holds a few bytes. So every header is read first and checked against the room the
file really has for the data, the total size limit and, when known, the shapes the network
needs; only then is ``np.load`` allowed to allocate.
"""
from __future__ import annotations

import io
import zipfile

import numpy as np

from nnstudio.errors import ProjectError
from nnstudio.project.validate import damaged


def read_weights(raw: bytes, label: str, max_bytes: int,
                 expected: dict[str, tuple[int, ...]] | None = None) -> dict[str, np.ndarray]:
    """The arrays of a ``weights.npz`` held in ``raw``, checked before they are allocated.

    Parameters
    ----------
    raw : bytes
        The ``weights.npz`` member of the project archive.
    label : str
        The project file's name, for messages.
    max_bytes : int
        Most bytes all arrays together may declare.
    expected : dict of str to tuple, optional
        The shape each weight array of the project's network has (``"dense_1/W"`` -> (2, 8)); an
        array of the same name declaring another shape is refused before it is read.

    Returns
    -------
    dict of str to ndarray

    Raises
    ------
    ProjectError
        When a declared size is impossible or too large, a shape does not fit the network,
        or the arrays cannot be read safely. Low-level errors (``ValueError``,
        ``zipfile.BadZipFile``...) propagate for the caller to word.
    """
    with zipfile.ZipFile(io.BytesIO(raw)) as inner:
        infos = inner.infolist()
        # The declared uncompressed sizes first: the cheapest zip-bomb guard.
        if sum(info.file_size for info in infos) > max_bytes:
            raise ProjectError(f"{label!r} is not a usable project: its weights are too large.")
        declared = 0
        for info in infos:
            declared += _check_array_header(inner, info, label, expected)
        if declared > max_bytes:
            raise ProjectError(f"{label!r} is not a usable project: its weights declare "
                               f"{_size(declared)} of numbers.")
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def _size(n: int) -> str:
    from nnstudio.engine.memory import format_bytes  # only for messages: keep the import lazy

    return format_bytes(n)


def _check_array_header(inner: zipfile.ZipFile, info: zipfile.ZipInfo, label: str,
                        expected: dict[str, tuple[int, ...]] | None) -> int:
    """Check one ``.npy`` member's header; return the bytes its data declares."""
    name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
    with inner.open(info) as fh:
        # np.load hands back a member without the .npy signature as raw bytes, not an array.
        if fh.read(len(np.lib.format.MAGIC_PREFIX)) != np.lib.format.MAGIC_PREFIX:
            raise damaged(label, f"the weights file holds {name!r}, which is not an array")
    with inner.open(info) as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise damaged(label, f"weights {name!r} use the array format {version}, which "
                                 "nnstudio does not read")
        header_bytes = fh.tell()
    if dtype.hasobject:
        # Object arrays are pickles: refused without reading them.
        raise ProjectError(f"{label!r} is damaged: its weights cannot be read safely "
                           f"(weights {name!r} hold Python objects, not numbers).")
    if any(n < 0 for n in shape):
        raise damaged(label, f"weights {name!r} declare the impossible shape {tuple(shape)}")
    count = 1
    for n in shape:
        count *= int(n)
    data_bytes = count * dtype.itemsize
    if expected is not None and name in expected and tuple(shape) != tuple(expected[name]):
        raise damaged(label, f"weights {name!r} have shape {tuple(shape)}, the network needs "
                             f"{tuple(expected[name])}")
    if header_bytes + data_bytes > info.file_size:
        raise damaged(label, f"weights {name!r} declare shape {tuple(shape)} "
                             f"({_size(data_bytes)}), but the file holds only "
                             f"{_size(max(info.file_size - header_bytes, 0))} for them")
    return data_bytes
