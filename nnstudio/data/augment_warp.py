"""One bilinear resampling for a whole batch of pictures, each with its own affine map.

Rotation, flips, shifts and zoom of :mod:`nnstudio.data.augment` are combined into one 2x3
matrix per picture and applied here in a single pass: every output pixel asks where it comes
from in its source picture (the inverse map), and the four pixels around that point are
blended. Everything is vectorised over the batch (no Python loop over pictures or pixels):
a batch of 28x28 pictures costs about 25 passes over its pixels, measured in
``bench/augment.py``.

Whole-number source positions (a flip, a quarter turn, a whole-pixel shift) reproduce the
pixels exactly: the weights are then exactly 1 and 0 in float32.
"""
from __future__ import annotations

import numpy as np

#: What a pixel that comes from outside the picture becomes: ``"zeros"`` (black, the
#: background of digit pictures) or ``"edge"`` (the nearest edge pixel, kinder to photos).
FILLS = ("zeros", "edge")


def centre(h: int, w: int) -> tuple[float, float]:
    """The centre of an ``h`` x ``w`` picture in pixel coordinates (row, column)."""
    return (h - 1) / 2.0, (w - 1) / 2.0


class Workspace:
    """Work arrays kept from one batch to the next, by name and shape.

    Freshly allocated batch-sized temporaries cost more in page faults than the arithmetic
    (a 28x28 batch of 256 is 0.8 MB per array: measured 13 ms instead of 2.6 ms per warp when
    every temporary was new). Not pickled: a pipeline sent to the trainer process starts empty.
    """

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple, dtype) -> np.ndarray:
        a = self._arrays.get(name)
        if a is None or a.shape != shape or a.dtype != dtype:
            a = self._arrays[name] = np.empty(shape, dtype)
        return a


def warp(x: np.ndarray, A: np.ndarray, t: np.ndarray, fill: str = "zeros",
         out: np.ndarray | None = None, work: Workspace | None = None) -> np.ndarray:
    """Resample every picture of ``x`` through its own affine map.

    Output pixel ``p`` (row, column, relative to the picture's centre) takes the value of the
    source picture at ``A[k] @ p + t[k]`` (again relative to the centre), blended bilinearly.

    Parameters
    ----------
    x : ndarray of shape (n, H, W, C), float32
        The pictures (not changed).
    A : ndarray of shape (n, 2, 2)
        The inverse maps' linear parts, rows (row, column).
    t : ndarray of shape (n, 2)
        The inverse maps' offsets in pixels (row, column).
    fill : str
        One of :data:`FILLS`.
    out : ndarray of shape (n, H, W, C), float32, or None
        Where to write the result (not ``x``); None: a new array.
    work : Workspace or None
        Work arrays to reuse from an earlier call.

    Returns
    -------
    ndarray of shape (n, H, W, C), float32
        ``out``, or a new array.
    """
    n, h, w, c = x.shape
    if out is None:
        out = np.empty(x.shape, np.float32)
    if n == 0:
        return out
    ws = work if work is not None else Workspace()
    cy, cx = centre(h, w)
    f32 = np.float32
    rows = np.arange(h, dtype=f32) - f32(cy)
    cols = np.arange(w, dtype=f32) - f32(cx)
    A = A.astype(f32, copy=False)
    t = t.astype(f32, copy=False)
    if fill == "edge":
        pad_lo, pad_hi = 0, 1  # positions clipped into the picture
        low = 0
    elif fill == "zeros":
        # Zeros around the picture (one pixel before, two after, so that the neighbour below
        # or right of any clipped position exists): positions outside land on them.
        pad_lo, pad_hi = 1, 2
        low = -1
    else:
        raise ValueError(f"fill must be one of {FILLS}, got {fill!r}")
    # src = A @ (r, c) + t + centre, as an outer sum of a per-row and a per-column part;
    # then clipped, split into whole (r0, c0) and fraction (fr, fc).
    whole, frac = [], []
    for i, (lim, mid) in enumerate(((h, cy), (w, cx))):
        by_row = A[:, i, 0, None] * rows  # (n, H)
        by_col = A[:, i, 1, None] * cols  # (n, W)
        by_col += (t[:, i] + f32(mid))[:, None]
        s = ws.get(f"src{i}", (n, h, w), f32)
        np.add(by_row[:, :, None], by_col[:, None, :], out=s)
        np.clip(s, low, lim - 1 if fill == "edge" else lim, out=s)
        r = ws.get(f"whole{i}", (n, h, w), f32)
        np.floor(s, out=r)
        s -= r
        whole.append(r)
        frac.append(s)
    r0, c0 = whole
    fr, fc = frac
    ph, pw = h + pad_lo + pad_hi, w + pad_lo + pad_hi
    # Each padded pixel next to its right neighbour: one gather fetches both (the gathers
    # are most of the time; pairs halve their number).
    pairs = ws.get("pairs", (n, ph, pw, 2, c), f32)
    pairs.fill(0)
    pairs[:, pad_lo:pad_lo + h, pad_lo:pad_lo + w, 0] = x
    pairs[:, :, :-1, 1] = pairs[:, :, 1:, 0]
    if fill == "edge":  # the last row/column repeat, for positions clipped onto the edge
        pairs[:, h:, :, :] = pairs[:, h - 1:h, :, :]
        pairs[:, :, w - 1, 1] = pairs[:, :, w - 1, 0]
    # Flat index of the upper-left neighbour, computed in floats (exact below 2**24 pixels).
    if n * ph * pw >= 2**24:
        r0, c0 = r0.astype(np.float64), c0.astype(np.float64)
    r0 += pad_lo  # rows start at pad_lo in the padded picture
    r0 *= pw
    r0 += c0
    r0 += (np.arange(n, dtype=r0.dtype) * (ph * pw) + pad_lo)[:, None, None]
    index = ws.get("index", (n, h, w), np.intp)
    np.copyto(index, r0, casting="unsafe")
    flat = pairs.reshape(-1, 2 * c)
    top = ws.get("top", (n, h, w, 2 * c), f32)
    bottom = ws.get("bottom", (n, h, w, 2 * c), f32)
    np.take(flat, index, axis=0, mode="clip", out=top)
    index += pw
    np.take(flat, index, axis=0, mode="clip", out=bottom)
    top5, bottom5 = top.reshape(n, h, w, 2, c), bottom.reshape(n, h, w, 2, c)
    fr = fr[..., None]
    fc = fc[..., None]
    # upper = a + fc (b - a); lower likewise; out = upper + fr (lower - upper)
    upper = ws.get("upper", (n, h, w, c), f32)
    np.subtract(top5[..., 1, :], top5[..., 0, :], out=upper)
    upper *= fc
    upper += top5[..., 0, :]
    np.subtract(bottom5[..., 1, :], bottom5[..., 0, :], out=out)
    out *= fc
    out += bottom5[..., 0, :]
    out -= upper
    out *= fr
    out += upper
    return out
