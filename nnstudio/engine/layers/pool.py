"""MaxPool2D: keeps the largest value of each window of every map (channels-last)."""
from __future__ import annotations

import numpy as np

from nnstudio.engine.layers.base import Cache, Layer, Shape
from nnstudio.engine.layers.conv_geometry import Geometry, geometry, need_image, square_size, tap


class _PoolCache(Cache):
    """Work arrays of a MaxPool2D layer for one batch size: for 2x2 windows with stride 2
    the maxima of row pairs (``rows``, full image rows: long contiguous runs) and the masks
    of which candidate won; for other windows a mask and a product buffer per output."""

    __slots__ = ("fast", "rows", "grows", "row_mask", "col_mask", "avail", "won", "part")
    fast: bool
    # Set by MaxPool2D.new_cache: the first four when ``fast``, the last three otherwise.
    rows: np.ndarray
    grows: np.ndarray
    row_mask: np.ndarray
    col_mask: np.ndarray
    avail: np.ndarray
    won: np.ndarray
    part: np.ndarray


class MaxPool2D(Layer):
    """Max pooling: each output value is the largest of a ``pool_size`` x ``pool_size``
    window of its map; windows start every ``strides`` pixels (default: ``pool_size``, so
    they do not overlap). Sizes that do not divide evenly drop the last row or column
    (Keras' "valid"). The gradient goes to the window's largest value (on a tie, to one of
    the equal values).

    Parameters
    ----------
    pool_size : int or (int, int)
    strides : int or (int, int) or None
    """

    kind = "MaxPool2D"
    prefix = "max_pooling2d"
    description = "Shrinks each map by keeping the largest value of every small window."

    def __init__(self, pool_size=2, strides=None, trainable: bool = True, name: str | None = None):
        super().__init__(trainable, name)
        self.pool_size = square_size(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else square_size(strides, "strides")

    def geometry(self, input_shape: Shape) -> Geometry:
        need_image("MaxPool2D", input_shape)
        p = self.pool_size
        return geometry(f"a {p}x{p} pooling", int(input_shape[0]), int(input_shape[1]), p,
                        self.strides)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        g = self.geometry(input_shape)
        return (g.out_h, g.out_w, int(input_shape[2]))

    def param_text(self, input_shape: Shape) -> str:
        return "No parameters: pooling only keeps the largest value of each window."

    def _fast(self) -> bool:
        return self.pool_size == 2 and self.strides == 2

    def cache_values_per_row(self, output_shape: Shape, input_shape: Shape | None = None) -> int:
        h, w, c = output_shape
        return 8 * h * w * c  # row maxima and their gradient (2 each), masks (bytes, generous)

    def flops(self, input_grad: bool = True) -> tuple[int, int]:
        h, w, c = self.output_shape
        n = h * w * c * self.pool_size ** 2
        return n, n if input_grad else 0

    def new_cache(self, batch: int, dtype) -> Cache:
        cache = _PoolCache()
        h, w, c = self.output_shape
        cache.fast = self._fast()
        if cache.fast:
            cache.rows = np.empty((batch, h, 2 * w, c), dtype)
            cache.grows = np.empty((batch, h, 2 * w, c), dtype)
            cache.row_mask = np.empty((batch, h, 2 * w, c), bool)
            cache.col_mask = np.empty((batch, h, w, c), bool)
        else:
            cache.avail = np.empty((batch, h, w, c), bool)
            cache.won = np.empty((batch, h, w, c), bool)
            cache.part = np.empty((batch, h, w, c), dtype)
        return cache

    def forward(self, x, out, cache: _PoolCache, training, rng):  # type: ignore[override]
        cache.x = x
        cache.out = out
        if cache.fast:
            h, w = out.shape[1], out.shape[2]
            rows = cache.rows
            # Row pairs first: whole image rows, contiguous; then column pairs.
            np.maximum(x[:, 0:2 * h:2, :2 * w], x[:, 1:2 * h:2, :2 * w], out=rows)
            np.maximum(rows[:, :, 0::2], rows[:, :, 1::2], out=out)
            return out
        g = self.geometry(self.input_shape)
        taps = [tap(x, di, dj, g) for di in range(g.k) for dj in range(g.k)]
        if len(taps) == 1:
            np.copyto(out, taps[0])
        else:
            np.maximum(taps[0], taps[1], out=out)
            for t in taps[2:]:
                np.maximum(out, t, out=out)
        return out

    def backward(self, grad, cache: _PoolCache, grads):  # type: ignore[override]
        gi = cache.grad_in
        if gi is None:
            return None
        x = cache.x
        h, w = grad.shape[1], grad.shape[2]
        if cache.fast:
            rows, grows = cache.rows, cache.grows
            col_mask, row_mask = cache.col_mask, cache.row_mask
            # Which column of the pair won (the left one on a tie), then which row.
            np.greater_equal(rows[:, :, 0::2], rows[:, :, 1::2], out=col_mask)
            left = grows[:, :, 0::2]
            np.multiply(grad, col_mask, out=left)
            np.subtract(grad, left, out=grows[:, :, 1::2])
            top_x, bottom_x = x[:, 0:2 * h:2, :2 * w], x[:, 1:2 * h:2, :2 * w]
            np.greater_equal(top_x, bottom_x, out=row_mask)
            top = gi[:, 0:2 * h:2, :2 * w]
            np.multiply(grows, row_mask, out=top)
            np.subtract(grows, top, out=gi[:, 1:2 * h:2, :2 * w])
            if gi.shape[1] > 2 * h:  # the dropped last row or column gets no gradient
                gi[:, 2 * h:] = 0
            if gi.shape[2] > 2 * w:
                gi[:, :, 2 * w:] = 0
            return gi
        g = self.geometry(self.input_shape)
        out, avail, won, part = cache.out, cache.avail, cache.won, cache.part
        gi.fill(0)
        avail.fill(True)
        # The first window value equal to the maximum (row by row) takes the gradient.
        for di in range(g.k):
            for dj in range(g.k):
                np.equal(tap(x, di, dj, g), out, out=won)
                np.logical_and(won, avail, out=won)
                np.logical_xor(avail, won, out=avail)
                np.multiply(grad, won, out=part)
                t = tap(gi, di, dj, g)
                np.add(t, part, out=t)
        return gi

    def get_config(self) -> dict:
        cfg: dict = {"pool_size": self.pool_size, "strides": self.strides}
        cfg.update(super().get_config())
        return cfg
