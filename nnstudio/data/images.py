"""Reading a folder of pictures (one sub-folder per class) into a uint8 :class:`Dataset`.

Decoding uses Pillow, here in the Qt-free data package, rather than Qt's ``QImageReader`` in
``ui/``: the command line (``nnstudio train --images DIR``), the trainer's child processes and
the window then read a folder the same way, and nothing below ``ui`` needs Qt. Pillow decodes
13-14k small PNGs a second here; ``bench/image_import.py`` measures the whole import.

Three steps, so nothing big is allocated before it is known to fit:

1. :func:`~nnstudio.data.images_scan.scan_folder` finds the class folders and the candidate
   files (hidden files, other kinds of files and link loops are left out and listed).
2. Every candidate's header is read (size and kind of pixel, no decoding): 16-bit, CMYK, tiny
   and unreadable files are left out; ``size="auto"`` takes the median size and
   ``colour="auto"`` picks grey when every picture is grey. Then the memory the set needs,
   N x H x W x C bytes, is checked against what this computer allows.
3. Each picture is decoded, converted (transparency over white), resized and written straight
   into one preallocated uint8 array of shape (N, H, W, C).

Files that fail are skipped and listed in ``Dataset.notes``; only a folder without two classes
of pictures is refused.
"""
from __future__ import annotations

import os
import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnstudio.data.dataset import Dataset, balance_notes
from nnstudio.data.images_decode import FORMATS, decode_into
from nnstudio.data.images_scan import FolderScan, Skipped, check_classes, scan_folder
from nnstudio.data.progress import CancelFn, Progress, ProgressFn
from nnstudio.errors import DataError

#: Default side of the pictures, as MNIST's.
DEFAULT_SIZE = 28
#: Allowed sides for a chosen size, in pixels.
MIN_SIDE, MAX_SIDE = 4, 512
#: ``size="auto"`` takes the median size, capped at this side (a 4000 x 3000 photo set would
#: otherwise need 36 MB a picture) and at least :data:`AUTO_MIN`.
AUTO_MAX, AUTO_MIN = 64, 8
#: Pictures smaller than this on either side are not pictures (a 1 x 1 tracking pixel...).
TINY = 3
COLOURS = ("grey", "colour", "auto")
#: Pillow modes that hold 8-bit grey or colour; others are refused with a reason.
_GREY_MODES = {"1", "L", "LA", "La"}
_COLOUR_MODES = {"RGB", "RGBA", "RGBa", "RGBX", "P", "PA", "YCbCr", "LAB", "HSV"}
_WIDE_MODES = {"I", "F", "I;16", "I;16L", "I;16B", "I;16N", "I;16S"}
#: Share of the progress bar the header pass takes (decoding is the rest).
_HEADER_SHARE = 0.1


@dataclass(frozen=True)
class _Header:
    path: str
    rel: str
    label: int
    width: int
    height: int
    grey: bool


def check_size(size) -> tuple[int, int] | str:
    """``(height, width)`` from an int, a pair or ``"auto"``; raises DataError naming the value."""
    if isinstance(size, str):
        if size == "auto":
            return size
        raise DataError(f"size must be a number of pixels, a (height, width) pair or 'auto', got {size!r}")
    pair = (size, size) if isinstance(size, (int, np.integer)) and not isinstance(size, bool) else size
    try:
        h, w = (int(v) for v in pair)
        ok = all(not isinstance(v, bool) and int(v) == v for v in pair)
    except (TypeError, ValueError):
        ok = False
    if not ok or not (MIN_SIDE <= h <= MAX_SIDE and MIN_SIDE <= w <= MAX_SIDE):
        raise DataError(f"size must be between {MIN_SIDE} and {MAX_SIDE} pixels a side, got {size!r}")
    return h, w


def read_image_folder(path: str | os.PathLike, size=DEFAULT_SIZE, colour: str = "auto",
                      progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> Dataset:
    """Read a folder with one sub-folder of pictures per class into a Dataset.

    Parameters
    ----------
    path : str or path
        The folder; each sub-folder is a class named after it (sub-folders of those count too).
    size : int, (int, int) or "auto"
        Side (or ``(height, width)``) every picture is resized to; ``"auto"``: the median size of
        the pictures, at most :data:`AUTO_MAX` a side. Pictures are stretched, not cropped.
    colour : {"grey", "colour", "auto"}
        ``"auto"`` reads grey when every picture is grey, else colour.
    progress : callable(float), optional
        Fractions 0..1; 1.0 once at the end.
    cancel : callable() -> bool, optional
        Polled while reading; True stops with :class:`~nnstudio.errors.Cancelled`.

    Returns
    -------
    Dataset
        ``X`` uint8 of shape (n, H, W, C) with C = 1 (grey) or 3; ``source`` =
        ``{"kind": "images", "path", "size": [H, W], "colour"}`` with the size and colour
        actually used, so reloading gives the same shapes. ``notes`` list every skipped file.

    Raises
    ------
    DataError
        For a bad size or colour, a folder without two classes of pictures, or a set too big
        for this computer's memory.
    """
    wanted = check_size(size)
    if colour not in COLOURS:
        raise DataError(f"colour must be one of {', '.join(COLOURS)}, got {colour!r}")
    top = Path(path).expanduser().absolute()
    steps = Progress(progress, cancel, f"Reading the pictures in {top.name!r} was cancelled.")
    steps.check()
    scan = scan_folder(top)
    headers = _read_headers(scan, steps)
    _drop_empty(top, scan, headers)
    h, w = _resolve_size(wanted, headers)
    grey = colour == "grey" or (colour == "auto" and all(hd.grey for hd in headers))
    channels = 1 if grey else 3
    _check_memory(len(headers), h, w, channels)
    X = np.empty((len(headers), h, w, channels), dtype=np.uint8)
    y = np.empty(len(headers), dtype=np.int64)
    kept = 0
    for i, hd in enumerate(headers):
        steps.report(_HEADER_SHARE + (1 - _HEADER_SHARE) * i / len(headers))
        if decode_into(hd.path, X[kept], grey):
            y[kept] = hd.label
            kept += 1
        else:
            scan.skipped.add("unreadable", hd.rel)
    if kept < len(headers):  # damage found only when decoding (a cut-short file)
        X = X[:kept].copy() if kept < 0.85 * len(headers) else X[:kept]
        y = y[:kept]
        X, y = _drop_unused_classes(top, scan, X, y)
    source = {"kind": "images", "path": str(top), "size": [h, w], "colour": "grey" if grey else "colour"}
    notes = _notes(top, scan, headers, X, (h, w), grey) + balance_notes(y, scan.classes, "Pictures")
    steps.done()
    return Dataset(X=X, y=y, feature_names=[], class_names=list(scan.classes), task="classification",
                   source=source, name=top.name or str(top), notes=notes)


def _read_headers(scan: FolderScan, steps: Progress) -> list[_Header]:
    """Size and kind of pixel of every candidate, without decoding; odd files are skipped."""
    from PIL import Image

    out = []
    n = max(len(scan.files), 1)
    for i, (path, rel, label) in enumerate(scan.files):
        steps.report(_HEADER_SHARE * i / n)
        try:
            with Image.open(path, formats=FORMATS) as img:
                width, height = img.size
                if img.format == "JPEG" and img.getexif().get(0x0112, 1) in (5, 6, 7, 8):
                    width, height = height, width  # shown turned (see images_decode)
                mode = img.mode
                grey = mode in _GREY_MODES or (mode in ("P", "PA") and _grey_palette(img))
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
            scan.skipped.add("unreadable", rel)
            continue
        reason = ("16bit" if mode in _WIDE_MODES else "cmyk" if mode == "CMYK"
                  else None if mode in _GREY_MODES or mode in _COLOUR_MODES else "odd_mode")
        if reason is None and min(width, height) < TINY:
            reason = "tiny"
        if reason:
            scan.skipped.add(reason, rel)
            continue
        out.append(_Header(path, rel, label, width, height, grey))
    return out


def _grey_palette(img) -> bool:
    palette = img.getpalette() or []
    return all(palette[i] == palette[i + 1] == palette[i + 2] for i in range(0, len(palette) - 2, 3))


def _drop_empty(top: Path, scan: FolderScan, headers: list[_Header]) -> None:
    """Classes whose every file was skipped go (the others are renumbered), in place."""
    counts = np.bincount([hd.label for hd in headers], minlength=len(scan.classes))
    if counts.all():
        return
    new_index = np.cumsum(counts > 0) - 1
    scan.empty_classes += [c for c, n in zip(scan.classes, counts) if not n]
    scan.classes = [c for c, n in zip(scan.classes, counts) if n]
    check_classes(top, scan.classes, scan.empty_classes)
    headers[:] = [_Header(hd.path, hd.rel, int(new_index[hd.label]), hd.width, hd.height, hd.grey)
                  for hd in headers]


def _drop_unused_classes(top: Path, scan: FolderScan, X: np.ndarray, y: np.ndarray):
    counts = np.bincount(y, minlength=len(scan.classes))
    if counts.all():
        return X, y
    new_index = np.cumsum(counts > 0) - 1
    scan.empty_classes += [c for c, n in zip(scan.classes, counts) if not n]
    scan.classes = [c for c, n in zip(scan.classes, counts) if n]
    check_classes(top, scan.classes, scan.empty_classes)
    return X, new_index[y].astype(np.int64)


def _resolve_size(wanted: tuple[int, int] | str, headers: list[_Header]) -> tuple[int, int]:
    if wanted != "auto":
        return wanted  # type: ignore[return-value]  # check_size: a pair unless "auto"
    h = int(statistics.median_low([hd.height for hd in headers]))
    w = int(statistics.median_low([hd.width for hd in headers]))
    scale = min(1.0, AUTO_MAX / max(h, w))  # keep the shape, cap the longer side
    return (max(AUTO_MIN, min(AUTO_MAX, round(h * scale))), max(AUTO_MIN, min(AUTO_MAX, round(w * scale))))


def _check_memory(n: int, h: int, w: int, c: int) -> None:
    """Refuse, before allocating, a set bigger than this computer lets one data set use."""
    from nnstudio.engine.memory import format_bytes, memory_limit

    need = n * h * w * c  # Python ints: no overflow
    limit = memory_limit()
    if need > limit:
        raise DataError(f"{n:,} pictures of {h} x {w} pixels in {'grey' if c == 1 else 'colour'} need "
                        f"{format_bytes(need)}, more than nnstudio lets one data set use on this "
                        f"computer ({format_bytes(limit)}). Choose a smaller size, grey instead of "
                        "colour, or fewer pictures.")


def _notes(top: Path, scan: FolderScan, headers: list[_Header], X: np.ndarray, size: tuple[int, int],
           grey: bool) -> list[str]:
    n, k = len(X), len(scan.classes)
    notes = [f"Read {n:,} pictures of {k} classes from the folder {top.name!r} (one sub-folder per "
             f"class), each resized to {size[0]} x {size[1]} pixels in {'grey' if grey else 'colour'} "
             f"({_bytes(X)} in memory, as whole numbers 0-255; the network's first layer scales them "
             "to 0-1)."]
    if headers:
        sizes = {(hd.height, hd.width) for hd in headers}
        if len(sizes) > 1:
            hs, ws = [hd.height for hd in headers], [hd.width for hd in headers]
            notes.append(f"The pictures had different sizes (from {min(hs)} x {min(ws)} to {max(hs)} x "
                         f"{max(ws)} pixels); each was stretched to {size[0]} x {size[1]}.")
    notes += scan.skipped.notes()
    for name in scan.empty_classes:
        notes.append(f"The class folder {name!r} holds no picture that could be read; it is left out.")
    return notes


def _bytes(X: np.ndarray) -> str:
    from nnstudio.engine.memory import format_bytes

    return format_bytes(int(X.nbytes))


__all__ = ["COLOURS", "DEFAULT_SIZE", "Skipped", "check_size", "read_image_folder"]
