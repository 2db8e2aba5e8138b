"""A Conv2D layer's per-batch-size work arrays: the im2col matrix (with its row or column of
ones for the bias), the padded input, the full-width output of the "planes" layout, and the
views the copies go through, all made once per batch size (see
:mod:`~nnstudio.engine.layers.conv2d` for the two layouts)."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from nnstudio.engine.layers.base import Cache
from nnstudio.engine.layers.conv_geometry import Geometry, tap


def joined(W: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """``W`` (k, k, c, f) and ``b`` (f,) as one (k*k*c + 1, f) matrix when ``b`` directly
    follows ``W`` in one 1-D buffer (the network's flat buffers), else None."""
    base = W.base
    if base is None or b.base is not base or base.ndim != 1 or not base.flags.c_contiguous \
            or base.dtype != W.dtype or not W.flags.c_contiguous:
        return None
    it = W.itemsize
    w0 = W.__array_interface__["data"][0]
    b0 = b.__array_interface__["data"][0]
    start, rest = divmod(w0 - base.__array_interface__["data"][0], it)
    if b0 != w0 + W.nbytes or rest:
        return None
    return base[start:start + W.size + b.size].reshape(W.size // b.size + 1, b.size)


def _view(x: np.ndarray, shape: tuple, strides: tuple, offset: int = 0) -> np.ndarray:
    """A strided view of the C-contiguous ``x``; ``np.ndarray`` over its buffer costs ~1 us
    where ``as_strided`` costs ~4 us (an unpadded layer makes one per step)."""
    return np.ndarray(shape, x.dtype, buffer=x, offset=offset, strides=strides)


#: Inputs with up to this many channels use the "planes" im2col (long runs of one channel);
#: wider ones the "rows" im2col, whose runs (k x channels values) are long enough already
#: (13x13x16 input, batch 128: rows 0.3 ms, planes 1.6 ms; 28x28x1: planes 0.06 ms, rows 0.9).
PLANES_MAX_CHANNELS = 4


class ConvCache(Cache):
    """Work arrays of one Conv2D layer for one batch size.

    Attributes
    ----------
    rows : bool
        The "rows" im2col: ``cols`` of shape (positions, taps + 1); else "planes": ``cols``
        of shape (taps + 1, full-width positions).
    full : bool
        Stride 1: the input gradient works on full-width positions (see :meth:`input_grad`).
    cols : ndarray
        The im2col matrix; its last column (rows) or row (planes) is ones: the bias.
    full2d, full_valid : ndarray or None
        Planes: the GEMM's full-width output (batch * P, filters) and the view of its kept
        positions (batch, out_h, out_w, filters); None for rows.
    gfull2d, gfull_valid : ndarray or None
        The same for the gradient (its thrown-away positions stay 0).
    zeros, relu_mask : ndarray or None
        ReLU: zeros to compare against (numpy's SIMD loop) and the 0/1 mask of backward.
    """

    __slots__ = ("rows", "full", "padded", "g", "batch", "channels", "filters", "cols", "dst",
                 "pad", "pad_inner", "src", "full2d", "full_valid", "gfull2d", "gfull_valid",
                 "dcols", "gpad", "gpad_inner", "relu_mask", "_pairs", "_pairs_for", "_p")
    rows: bool
    full: bool
    padded: bool
    g: Geometry
    batch: int
    channels: int
    filters: int
    cols: np.ndarray
    dst: np.ndarray
    _p: int
    # Set by make_cache: the pad* ones when ``padded``.
    pad: np.ndarray
    pad_inner: np.ndarray
    src: np.ndarray
    full2d: np.ndarray | None
    full_valid: np.ndarray
    gfull2d: np.ndarray | None
    gfull_valid: np.ndarray
    dcols: np.ndarray | None
    gpad: np.ndarray | None
    gpad_inner: np.ndarray
    relu_mask: np.ndarray | None
    _pairs: list[tuple[np.ndarray, np.ndarray]]
    _pairs_for: np.ndarray | None

    def __init__(self):
        super().__init__()
        self.full2d = self.gfull2d = self.dcols = self.gpad = self.relu_mask = None
        self._pairs_for = None

    # ------------------------------------------------------------------ forward
    def _source(self, x: np.ndarray) -> np.ndarray:
        """The strided view of ``x`` (batch, padded_h, padded_w, c) matching :attr:`dst`."""
        g, c, it = self.g, self.channels, x.itemsize
        sb = x.strides[0]
        if self.rows:
            sh, sw = x.strides[1], x.strides[2]
            return _view(x, (self.batch, g.out_h, g.out_w, g.k, g.k, c),
                         (sb, g.stride * sh, g.stride * sw, sh, sw, it))
        return _view(x, (g.k, g.k, c, self.batch, self._p),
                     (g.padded_w * c * it, c * it, it, sb, c * it))

    def im2col(self, x: np.ndarray) -> np.ndarray:
        """Copy the windows of ``x`` (batch, h, w, c) into :attr:`cols` (one strided copy)."""
        if self.padded:
            np.copyto(self.pad_inner, x)
            src = self.src
        else:
            # A network's batches and buffers are contiguous; anything else is copied once.
            src = self._source(x if x.flags.c_contiguous else np.ascontiguousarray(x))
        np.copyto(self.dst, src)
        return self.cols

    # ------------------------------------------------------------------ backward
    def full_grad(self) -> tuple[np.ndarray, np.ndarray]:
        """``(gfull2d, gfull_valid)``: the output gradient at full-width positions, made
        on first use (a rows layer needs it only for its input gradient)."""
        if self.gfull2d is None:
            g, it, f = self.g, np.dtype(self.cols.dtype).itemsize, self.filters
            self.gfull2d = np.zeros((self.batch * self._p, f), self.cols.dtype)
            self.gfull_valid = as_strided(self.gfull2d, (self.batch, g.out_h, g.out_w, f),
                                          (self._p * f * it, g.padded_w * f * it, f * it, it))
        return self.gfull2d, self.gfull_valid

    def input_grad(self, g2d: np.ndarray, W: np.ndarray, gi: np.ndarray) -> None:
        """dL/d(input) into ``gi`` (batch, h, w, c) from the output gradient ``g2d`` (full-width
        positions for stride 1, else as the rows layout has it) and the weights ``W``
        (k, k, c, filters).

        Stride 1: one narrow product per kernel tap, ``g (positions, filters) @ W[di, dj].T``,
        lands as (batch, P x c) rows that are one contiguous run of the input's gradient each,
        shifted by the tap: k x k adds of long runs (the textbook col2im adds runs of c
        values: 7x slower at 13x13x16, batch 128). Other strides: one GEMM into columns,
        then k x k strided adds."""
        g, k, c = self.g, self.g.k, self.channels
        if self.padded:
            if self.gpad is None:
                self.gpad = np.zeros((self.batch, g.padded_h, g.padded_w, c), g2d.dtype)
                self.gpad_inner = self.gpad[:, g.top:g.top + g.h, g.left:g.left + g.w]
            target = self.gpad
        else:
            target = gi
        if self.dcols is None:
            shape = (k * k, len(g2d), c) if self.full else (len(g2d), k * k * c)
            self.dcols = np.empty(shape, g2d.dtype)
        dcols = self.dcols
        if self.full:
            for d in range(k * k):
                np.dot(g2d, W[d // k, d % k].T, out=dcols[d])
        else:
            np.dot(g2d, W.reshape(-1, W.shape[3]).T, out=dcols)
        if self._pairs_for is not target:  # a network's buffer stays; a trace brings its own
            self._pairs = self._col2im_pairs(target)
            self._pairs_for = target
        target.fill(0)
        for dst, src in self._pairs:
            np.add(dst, src, out=dst)
        if self.padded:
            np.copyto(gi, self.gpad_inner)

    def _col2im_pairs(self, target: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(view of target, view of dcols)`` per kernel tap: what each tap adds where."""
        g, c, k = self.g, self.channels, self.g.k
        assert self.dcols is not None
        pairs = []
        if not self.full:
            d6 = self.dcols.reshape(self.batch, g.out_h, g.out_w, k, k, c)
            for di in range(k):
                for dj in range(k):
                    pairs.append((tap(target, di, dj, g), d6[:, :, :, di, dj, :]))
            return pairs
        it = target.itemsize
        run = self._p * c
        for d in range(k * k):
            offset = ((d // k) * g.padded_w + d % k) * c * it
            dst = _view(target, (self.batch, run), (target.strides[0], it), offset)
            pairs.append((dst, self.dcols[d].reshape(self.batch, run)))
        return pairs


def make_cache(g: Geometry, batch: int, channels: int, filters: int, dtype, relu: bool) -> ConvCache:
    """The work arrays of a Conv2D layer with geometry ``g`` for batches of ``batch``."""
    cache = ConvCache()
    dt = np.dtype(dtype)
    it = dt.itemsize
    k, c, f = g.k, channels, filters
    taps = k * k * c
    cache.g, cache.batch, cache.channels, cache.filters = g, batch, c, f
    cache.full = g.stride == 1
    cache.rows = g.stride != 1 or c > PLANES_MAX_CHANNELS
    # Full-width positions per image: rows of padded_w, the last one cut at out_w (the last
    # window then ends exactly at the image's last value).
    cache._p = p = (g.out_h - 1) * g.padded_w + g.out_w
    if cache.rows:
        n = batch * g.out_h * g.out_w
        cols = np.empty((n, taps + 1), dt)
        cols[:, taps] = 1
        cache.dst = as_strided(cols, (batch, g.out_h, g.out_w, k, k, c),
                               (g.out_h * g.out_w * (taps + 1) * it, g.out_w * (taps + 1) * it,
                                (taps + 1) * it, k * c * it, c * it, it))
    else:
        cols = np.empty((taps + 1, batch * p), dt)
        cols[taps] = 1
        cache.dst = cols[:taps].reshape(k, k, c, batch, p)
        cache.full2d = np.empty((batch * p, f), dt)
        cache.full_valid = as_strided(cache.full2d, (batch, g.out_h, g.out_w, f),
                                      (p * f * it, g.padded_w * f * it, f * it, it),
                                      writeable=False)
    cache.cols = cols
    if not cache.rows:
        cache.full_grad()
    cache.padded = g.padded
    if g.padded:
        cache.pad = np.zeros((batch, g.padded_h, g.padded_w, c), dt)
        cache.pad_inner = cache.pad[:, g.top:g.top + g.h, g.left:g.left + g.w]
        cache.src = cache._source(cache.pad)
    if relu:
        # np.zeros of a large array is calloc'd pages that are only read: no memory of its own.
        cache.zeros = np.zeros((batch, g.out_h, g.out_w, f), dt)
        cache.relu_mask = np.empty((batch, g.out_h, g.out_w, f), bool)
    return cache
