"""Conv2D: small filters slid over an image, channels-last: (height, width, channels) in,
(out height, out width, filters) out; im2col + one GEMM into the network's flat buffers.

Two layouts of the im2col matrix, chosen per layer (measured in bench/conv.py):

* **planes** (stride 1): one row per kernel tap and channel, one column per output position
  of a "full-width" output that keeps the input's row length (each image row's last k-1
  positions wrap around and are thrown away). Every tap's row is then one long contiguous run
  of the input, so the im2col copy is a few long runs instead of one short run per position
  (10x faster for a one-channel input: numpy's copy costs ~8 ns per run).
* **rows** (any stride): one row per output position, one column per tap and channel: the
  textbook im2col, whose runs are k x channels long.

The bias rides along as a row (column) of ones in the im2col matrix: the network keeps a
layer's ``b`` right after its ``W`` in the flat buffer, so ``W`` and ``b`` are one
``(k*k*channels + 1, filters)`` matrix and the forward pass and the weight-and-bias gradient
are one GEMM each. The input gradient is one GEMM into columns, then k x k shifted adds
(col2im); the lowest trainable layer skips it like Dense does.
"""
from __future__ import annotations

import numpy as np

from nnstudio.engine.activations import Activation, ReLU, activation_config, get_activation
from nnstudio.engine.layers.base import Cache, Layer, Shape
from nnstudio.engine.layers.conv_geometry import (
    Geometry,
    check_padding,
    geometry,
    need_image,
    square_size,
    windows,
)
from nnstudio.engine.layers.conv_work import ConvCache, joined, make_cache
from nnstudio.engine.layers.dense import INITS
from nnstudio.errors import ConfigError


class Conv2D(Layer):
    """2-D convolution: ``filters`` kernels of ``kernel_size`` x ``kernel_size`` x channels,
    each making one map; ``a = activation(conv(x, W) + b)``.

    Parameters
    ----------
    filters : int
        Number of filters (output maps).
    kernel_size : int or (int, int)
        Side of the square kernel (3 or 5 usually).
    strides : int or (int, int)
        Step between windows (1 or 2).
    padding : {"valid", "same"}
        "valid": windows stay inside the image (the maps shrink by k-1); "same": a border of
        zeros keeps the maps at ``ceil(size / stride)`` (Keras' rule).
    activation : str or None
        Activation key or display name (not softmax); None or "none": linear.
    init : {"auto", "he", "glorot"}
        As :class:`~nnstudio.engine.layers.dense.Dense`; fan-in ``k*k*channels``.
    trainable : bool
    name : str or None
        Names the weights: ``"conv2d_1/W"`` of shape (k, k, channels, filters), ``"conv2d_1/b"``.
    """

    kind = "Conv2D"
    prefix = "conv2d"
    description = ("Slides small filters over the image; each filter makes a map of where its "
                   "pattern appears.")
    param_names = ("W", "b")
    W: np.ndarray
    b: np.ndarray
    dW: np.ndarray
    db: np.ndarray

    def __init__(self, filters: int, kernel_size=3, strides=1, padding: str = "valid",
                 activation="relu", init: str = "auto", trainable: bool = True,
                 name: str | None = None):
        super().__init__(trainable, name)
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ConfigError(f"filters must be a positive whole number, got {filters!r}")
        self.filters = int(filters)
        self.kernel_size = square_size(kernel_size, "kernel_size")
        self.strides = square_size(strides, "strides")
        self.padding = check_padding(padding)
        # Keras' activation=None (and "none") is no activation: linear.
        self.activation: Activation = get_activation(
            "linear" if activation is None or activation == "none" else activation)
        if self.activation.key == "softmax":
            raise ConfigError("a Conv2D layer cannot use softmax (it is for the output layer); "
                              "use relu")
        if init not in INITS:
            raise ConfigError(f"init must be one of {INITS}, got {init!r}")
        self.init = init

    # ------------------------------------------------------------------ shapes
    def geometry(self, input_shape: Shape) -> Geometry:
        need_image("Conv2D", input_shape)
        k = self.kernel_size
        return geometry(f"a {k}x{k} convolution", int(input_shape[0]), int(input_shape[1]), k,
                        self.strides, self.padding)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        g = self.geometry(input_shape)
        return (g.out_h, g.out_w, self.filters)

    def param_shapes(self, input_shape: Shape) -> dict[str, Shape]:
        self.geometry(input_shape)
        k = self.kernel_size
        return {"W": (k, k, int(input_shape[2]), self.filters), "b": (self.filters,)}

    def param_text(self, input_shape: Shape) -> str:
        k, c, f = self.kernel_size, int(input_shape[2]), self.filters
        total = k * k * c * f + f
        return (f"{k}x{k} kernel \u00d7 {c:,} channel{'' if c == 1 else 's'} \u00d7 {f:,} "
                f"filter{'' if f == 1 else 's'} + {f:,} bias{'' if f == 1 else 'es'} = "
                f"{total:,} parameter{'' if total == 1 else 's'}")

    def flops(self, input_grad: bool = True) -> tuple[int, int]:
        h, w, f = self.output_shape
        mac = 2 * h * w * self.kernel_size ** 2 * self.input_shape[2] * f
        return mac, (mac if self.trainable else 0) + (mac if input_grad else 0)

    def cache_values_per_row(self, output_shape: Shape, input_shape: Shape | None = None) -> int:
        """The im2col matrix and its gradient, the padded input and its gradient, the
        full-width output and its gradient (an upper bound over both layouts)."""
        h, w, f = output_shape
        if input_shape is None:
            return 2 * h * w * f
        g = self.geometry(input_shape)
        c = int(input_shape[2])
        taps = self.kernel_size ** 2 * c
        positions = max(h * w, g.out_h * g.padded_w)
        return (2 * taps + 1) * positions + 2 * positions * f + 2 * g.padded_h * g.padded_w * c

    # ------------------------------------------------------------------ computation
    def bind(self, params, grads) -> None:
        super().bind(params, grads)
        self.W, self.b = params["W"], params["b"]
        self.dW, self.db = grads["W"], grads["b"]
        # W and b as one (k*k*c + 1, filters) matrix when b follows W in one buffer.
        self._wb = joined(self.W, self.b)
        self._dwb = joined(self.dW, self.db)

    def grad_views(self) -> tuple[np.ndarray, ...]:
        return (self.dW, self.db, self._dwb) if self._dwb is not None else (self.dW, self.db)

    def initialize(self, rng: np.random.Generator) -> None:
        k, _, c, f = self.W.shape
        scheme = self.init
        if scheme == "auto":
            scheme = "he" if self.activation.key in ("relu", "leaky_relu") else "glorot"
        if scheme == "he":
            self.W[...] = rng.standard_normal(self.W.shape) * np.sqrt(2.0 / (k * k * c))
        else:
            limit = np.sqrt(6.0 / (k * k * (c + f)))
            self.W[...] = rng.uniform(-limit, limit, self.W.shape)
        self.b[...] = 0

    def weighted_sum(self, x: np.ndarray) -> np.ndarray:
        """The maps before the activation for ``x`` (batch, h, w, channels): a plain
        (allocating) computation for traces."""
        g = self.geometry(self.input_shape)
        x = np.asarray(x, self.W.dtype)
        if g.padded:
            xp = np.zeros((len(x), g.padded_h, g.padded_w, x.shape[3]), x.dtype)
            xp[:, g.top:g.top + g.h, g.left:g.left + g.w] = x
            x = xp
        win = windows(x, g).reshape(len(x), g.out_h, g.out_w, -1)
        return win @ self.W.reshape(-1, self.filters) + self.b

    def new_cache(self, batch: int, dtype) -> Cache:
        relu = type(self.activation) is ReLU
        return make_cache(self.geometry(self.input_shape), batch, int(self.input_shape[2]),
                          self.filters, dtype, relu)

    def forward(self, x, out, cache: ConvCache, training, rng):  # type: ignore[override]
        cache.x = x
        cache.out = out
        cols = cache.im2col(x)
        wb = self._wb
        full = cache.full2d
        dest = out.reshape(-1, self.filters) if full is None else full
        lhs = cols if cache.rows else cols.T
        if wb is not None:
            np.dot(lhs, wb, out=dest)
        else:
            taps = self.W.size // self.filters
            np.dot(lhs[:, :taps], self.W.reshape(taps, self.filters), out=dest)
            np.add(dest, self.b, out=dest)
        zeros = cache.zeros
        if full is not None:  # planes: keep the valid positions of the full-width output
            if zeros is not None:  # ReLU and the copy in one pass
                np.maximum(cache.full_valid, zeros, out=out)
                return out
            np.copyto(out, cache.full_valid)
        if zeros is not None:  # ReLU against an array of zeros: numpy's SIMD loop
            np.maximum(out, zeros, out=out)
        else:
            self.activation.forward(out)
        return out

    def backward(self, grad, cache: ConvCache, grads):  # type: ignore[override]
        mask, zeros = cache.relu_mask, cache.zeros
        f = self.filters
        gfull = None
        if not cache.rows or (cache.full and cache.grad_in is not None):
            gfull, gfull_valid = cache.full_grad()  # its thrown-away positions stay 0
        if mask is not None and zeros is not None:
            np.greater(cache.out, zeros, out=mask)
            # In place, then copied: 2x faster than a product written through the strided
            # full-width view (28x28x16, batch 128: 0.3 ms against 0.45 ms).
            np.multiply(grad, mask, out=grad)
        else:
            self.activation.backward(grad, cache.out)
        if gfull is not None:
            np.copyto(gfull_valid, grad)
        if grads is not None:
            dW, db = grads[0], grads[1]
            dwb = grads[2] if len(grads) > 2 else joined(dW, db)
            if cache.rows:
                lhs, g2d = cache.cols.T, grad.reshape(-1, f)
            else:
                assert gfull is not None
                lhs, g2d = cache.cols, gfull
            if dwb is not None:
                np.dot(lhs, g2d, out=dwb)
            else:
                taps = dW.size // f
                np.dot(lhs[:taps], g2d, out=dW.reshape(taps, f))
                np.add.reduce(g2d, axis=0, out=db)
        gi = cache.grad_in
        if gi is not None:
            cache.input_grad(gfull if gfull is not None else grad.reshape(-1, f), self.W, gi)
        return gi

    def get_config(self) -> dict:
        cfg: dict = {"filters": self.filters, "kernel_size": self.kernel_size,
                     "strides": self.strides, "padding": self.padding,
                     "activation": activation_config(self.activation)}
        if self.init != "auto":
            cfg["init"] = self.init
        cfg.update(super().get_config())
        return cfg
