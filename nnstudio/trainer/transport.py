"""Getting a :class:`~nnstudio.trainer.driver.Job` and its data arrays into the child.

The data (training, validation and test arrays) goes through shared memory: through the pipe,
150 MB of MNIST-sized data took 0.5-1.5 s; copied into shared memory, ~0.15 s, and the child
maps it without copying. The block is kept for the next run while the arrays are the same
objects (pressing Train again on the same data costs nothing). Where shared memory is short
(a small ``/dev/shm``, e.g. in containers, would end in SIGBUS rather than an error) the
arrays go through the pipe instead. Everything else (config, weights, optimizer) is pickled.
"""
from __future__ import annotations

import atexit
import dataclasses
import os
import pickle
import threading
from multiprocessing import shared_memory
from typing import Any

import numpy as np

from nnstudio.trainer.driver import Job

_DATA_FIELDS = ("X_train", "y_train", "X_val", "y_val", "test")
_ALIGN = 64  # like numpy's own allocations

_cache_lock = threading.Lock()
# The block of the last run's data: {"key", "shm", "spans", "keep"}; "keep" holds the source
# buffers, so their memory (part of the key) cannot be reused by other arrays meanwhile.
_cache: dict = {}
_mapped: list = []  # in the child: blocks its arrays live in, never closed under them


def send_job(conn, job: Job) -> None:
    """Send ``job`` over ``conn`` (a multiprocessing Connection), data out of band."""
    data = tuple(getattr(job, name) for name in _DATA_FIELDS)
    # The data fields travel out of band: the Job sent on holds None there until the child
    # puts them back (receive_job), so they are typed Any for this one copy.
    out_of_band: dict[str, Any] = {name: None for name in _DATA_FIELDS}
    rest = dataclasses.replace(job, **out_of_band)
    buffers: list = []
    header = pickle.dumps(data, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    block = _shared_block(buffers, raws) if raws else None
    if block is not None:
        conn.send(("shm", block["shm"].name, block["spans"]))
    else:
        conn.send(("pipe", [r.nbytes for r in raws]))
    conn.send_bytes(header)
    if block is None:
        for raw in raws:
            conn.send_bytes(raw)
    conn.send(rest)


def receive_job(conn) -> Job:
    """The child's side of :func:`send_job`."""
    how = conn.recv()
    header = conn.recv_bytes()
    buffers: list[memoryview | bytearray]
    if how[0] == "shm":
        shm = shared_memory.SharedMemory(name=how[1])
        _mapped.append(shm)
        block = shm.buf
        assert block is not None  # None only after close()
        buffers = [block[start:start + size] for start, size in how[2]]
    else:
        buffers = []
        for size in how[1]:
            buf = bytearray(size)  # writable, unlike bytes: the arrays behave as in the window
            conn.recv_bytes_into(buf)
            buffers.append(buf)
    data = pickle.loads(header, buffers=buffers)
    return dataclasses.replace(conn.recv(), **dict(zip(_DATA_FIELDS, data)))


def _address(raw: memoryview) -> int:
    return np.frombuffer(raw, np.uint8).__array_interface__["data"][0] if raw.nbytes else 0


def _shared_block(buffers: list, raws: list) -> dict | None:
    """The cached block when it holds these very buffers, else a new one; None when shared
    memory is unavailable or short of space."""
    key = tuple((_address(r), r.nbytes) for r in raws)
    with _cache_lock:
        if _cache.get("key") == key:
            return _cache
        _release()
        spans, offset = [], 0
        for raw in raws:
            spans.append((offset, raw.nbytes))
            offset += -(-raw.nbytes // _ALIGN) * _ALIGN
        size = max(offset, 1)
        if not _room_for(size):
            return None
        try:
            shm = shared_memory.SharedMemory(create=True, size=size)
        except OSError:
            return None
        assert shm.buf is not None  # None only after close()
        for raw, (start, n) in zip(raws, spans):
            dst = np.frombuffer(shm.buf, np.uint8, count=n, offset=start)
            np.copyto(dst, np.frombuffer(raw, np.uint8))
            del dst  # no view may outlive the block's close()
        _cache.update(key=key, shm=shm, spans=spans, keep=buffers)
        return _cache


def _room_for(size: int) -> bool:
    try:
        st = os.statvfs("/dev/shm")
    except OSError:  # not Linux: shared memory is not a small file system there
        return True
    return st.f_bavail * st.f_frsize >= size * 1.1


def release_shared_data() -> None:
    """Free the cached block (the data changed, or the app exits). A child still running on
    it keeps its mapping."""
    with _cache_lock:
        _release()


def _release() -> None:
    shm = _cache.pop("shm", None)
    _cache.clear()
    if shm is not None:
        shm.close()
        try:
            shm.unlink()
        except FileNotFoundError:
            pass


atexit.register(release_shared_data)
