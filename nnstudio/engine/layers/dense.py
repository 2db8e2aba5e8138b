"""Dense: every neuron is connected to every input, ``a = activation(x @ W + b)``."""
from __future__ import annotations

import numpy as np

from nnstudio.engine.activations import (
    Activation,
    ReLU,
    Softmax,
    activation_config,
    get_activation,
    softmax_rows,
)
from nnstudio.engine.layers.base import Cache, Layer, Shape, describe_shape
from nnstudio.errors import ConfigError

INITS = ("auto", "he", "glorot")
#: Up to this many values per batch, ReLU's backward multiplies by ``sign(a)`` kept in a
#: buffer: two plain float32 passes (0.6 us at 10 x 16) instead of a bool mask that numpy
#: casts on the fly (1.4 us). np.sign has no SIMD loop, so large layers keep the bool mask
#: (12 us against 26 us at 256 x 256).
_SIGN_MASK_LIMIT = 2048


class _DenseCache(Cache):
    """A Dense layer's :class:`Cache`, plus ``bias``: the bias broadcast to the output's shape
    (a read-only view: adding it is a same-shape add, 3x faster at batch size 1 than adding
    the ``(units,)`` vector), ``sign``: a work array for ReLU's backward at small sizes, and
    ``softmax``: the work arrays of :func:`~nnstudio.engine.activations.softmax_rows`."""

    __slots__ = ("bias", "sign", "softmax")
    bias: np.ndarray  # set by Dense.new_cache
    sign: np.ndarray | None
    softmax: tuple | None

    def __init__(self):
        super().__init__()
        self.sign = self.softmax = None


def _check_units(units) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise ConfigError(f"units must be a positive integer, got {units!r}")
    return int(units)


class Dense(Layer):
    """Fully connected layer: ``a = activation(x @ W + b)``.

    Parameters
    ----------
    units : int
        Number of neurons.
    activation : str
        Activation key (``"relu"``) or display name (``"ReLU"``).
    init : {"auto", "he", "glorot"}
        Weight initialisation. ``"auto"`` picks He for ReLU-like activations, Glorot otherwise.
    trainable : bool
        False freezes the layer: the optimizer never changes its weights.
    name : str or None
        Names the weights (``"dense_1/W"``); the network gives one when None.

    Attributes
    ----------
    W, b, dW, db : ndarray
        Once in a network: views of shape (inputs, units) and (units,) into its flat
        parameter and gradient buffers.
    """

    kind = "Dense"
    prefix = "dense"
    description = "Every neuron is connected to every neuron of the previous layer."
    param_names = ("W", "b")
    # Set by bind (a Dense outside a network has none: ``getattr(layer, "W", None)``).
    W: np.ndarray
    b: np.ndarray
    dW: np.ndarray
    db: np.ndarray

    def __init__(self, units: int, activation="relu", init: str = "auto", trainable: bool = True,
                 name: str | None = None):
        super().__init__(trainable, name)
        self.units = _check_units(units)
        self.activation: Activation = get_activation(activation)
        if init not in INITS:
            raise ConfigError(f"init must be one of {INITS}, got {init!r}")
        self.init = init

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) != 1:
            raise ConfigError(f"Dense needs a flat input (a list of values); this layer receives "
                              f"{describe_shape(input_shape)}: put a Flatten layer before it.")
        return (self.units,)

    def param_shapes(self, input_shape: Shape) -> dict[str, Shape]:
        self.compute_output_shape(input_shape)  # refuses inputs that are not flat
        n_in = input_shape[0]
        return {"W": (int(n_in), self.units), "b": (self.units,)}

    def param_text(self, input_shape: Shape) -> str:
        n_in, u = input_shape[0], self.units

        def n(count: int, word: str) -> str:
            return f"{count:,} {word}{'' if count == 1 else 's'}"

        biases = f"{u:,} {'bias' if u == 1 else 'biases'}"
        return f"{n(n_in, 'input')} \u00d7 {n(u, 'neuron')} + {biases} = {n(n_in * u + u, 'parameter')}"

    def flops(self, input_grad: bool = True) -> tuple[int, int]:
        mac = 2 * self.input_shape[0] * self.units
        return mac, (mac if self.trainable else 0) + (mac if input_grad else 0)

    def bind(self, params, grads) -> None:
        super().bind(params, grads)
        self.W, self.b = params["W"], params["b"]
        self.dW, self.db = grads["W"], grads["b"]
        # Looked up once here, not per step.
        self._act_forward = self.activation.forward
        self._act_backward = self.activation.backward

    def initialize(self, rng: np.random.Generator) -> None:
        """Fill W with random values (He or Glorot) and b with zeros, in place."""
        n_in, n_out = self.W.shape
        scheme = self.init
        if scheme == "auto":
            scheme = "he" if self.activation.key in ("relu", "leaky_relu") else "glorot"
        if scheme == "he":
            self.W[...] = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        else:
            limit = np.sqrt(6.0 / (n_in + n_out))
            self.W[...] = rng.uniform(-limit, limit, (n_in, n_out))
        self.b[...] = 0

    def weighted_sum(self, x: np.ndarray) -> np.ndarray:
        return x @ self.W + self.b

    def new_cache(self, batch: int, dtype) -> Cache:
        cache = _DenseCache()
        cache.ones = np.ones(batch, dtype)
        # A view of the bound bias: the network makes new caches whenever it binds anew.
        cache.bias = np.broadcast_to(self.b, (batch, self.units))
        if type(self.activation) is ReLU:
            # np.maximum against an array of zeros takes numpy's SIMD loop; against the
            # scalar 0 it does not (4x slower at 256 x 256). np.zeros of a large array is
            # calloc'd pages that are only ever read: they take no memory of their own.
            cache.zeros = np.zeros((batch, self.units), dtype)
            if batch * self.units <= _SIGN_MASK_LIMIT:
                cache.sign = np.empty((batch, self.units), dtype)
        elif type(self.activation) is Softmax:
            cache.softmax = Softmax.work_arrays(batch, self.units, dtype)
        return cache

    # Its caches come from its own new_cache: _DenseCache.
    def forward(self, x, out, cache: _DenseCache, training, rng):  # type: ignore[override]
        cache.x = x
        cache.out = out
        # np.dot rather than np.matmul: the same BLAS call for 2-D arrays, but half the
        # dispatch overhead, which is most of a step at batch size 1.
        np.dot(x, self.W, out=out)
        np.add(out, cache.bias, out=out)
        zeros = cache.zeros
        if zeros is not None:  # a ReLU layer (new_cache); a wrong shape raises
            np.maximum(out, zeros, out=out)
        elif cache.softmax is not None:
            softmax_rows(out, *cache.softmax)
        else:
            self._act_forward(out)
        return out

    def backward(self, grad, cache: _DenseCache, grads):  # type: ignore[override]
        if not cache.fused:
            sign = cache.sign
            if sign is not None:
                # ReLU: a = max(z, 0) is never -0.0, so sign(a) is exactly the 0/1 of
                # a > 0 and the product equals the bool mask's bit for bit.
                np.sign(cache.out, out=sign)
                np.multiply(grad, sign, out=grad)
            else:
                self._act_backward(grad, cache.out)
        if grads is not None:
            dW, db = grads
            np.dot(cache.x.T, grad, out=dW)
            ones = cache.ones
            if ones is not None:  # a wrong length raises
                # The bias gradient (column sums) as one GEMV: 2-3x faster than
                # np.add.reduce(axis=0) at every batch size; the sum's order (and so its
                # last bit) is BLAS's.
                np.dot(ones, grad, out=db)
            else:
                np.add.reduce(grad, axis=0, out=db)
        gi = cache.grad_in
        if gi is not None:
            np.dot(grad, self.W.T, out=gi)
        return gi

    def get_config(self) -> dict:
        cfg = {"units": self.units, "activation": activation_config(self.activation)}
        if self.init != "auto":
            cfg["init"] = self.init
        cfg.update(super().get_config())
        return cfg
