"""Activation functions, applied in place on preallocated buffers.

Every activation computes its derivative from its *output* ``a`` so the network only keeps
one buffer per layer (the pre-activation ``z`` is overwritten).
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from nnstudio.errors import ConfigError


class Activation(ABC):
    """Base class. ``key`` is the id stored in files, ``display_name`` the name users see."""

    key = ""
    display_name = ""
    description = ""

    @abstractmethod
    def forward(self, z: np.ndarray) -> np.ndarray:
        """Turn pre-activations ``z`` of shape (batch, units) into outputs, in place."""

    @abstractmethod
    def backward(self, grad: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Multiply ``grad`` (dL/da, shape (batch, units)) by da/dz in place, given outputs ``a``."""

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Activation:
        return cls(**config)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.get_config() or ''})"


class Linear(Activation):
    key, display_name = "linear", "Linear"
    description = "Passes the value through unchanged; used for predicting numbers."

    def forward(self, z):
        return z

    def backward(self, grad, a):
        return grad


class ReLU(Activation):
    key, display_name = "relu", "ReLU"
    description = "Keeps positive values, turns negatives into 0. The usual choice for hidden layers."

    def forward(self, z):
        return np.maximum(z, 0, out=z)

    def backward(self, grad, a):
        # A multiply by the bool mask is ~15x faster than masked assignment (grad[a <= 0] = 0).
        return np.multiply(grad, a > 0, out=grad)


class LeakyReLU(Activation):
    key, display_name = "leaky_relu", "Leaky ReLU"
    description = "Like ReLU but lets a small part of negative values through, so neurons never go silent."

    def __init__(self, alpha: float = 0.01):
        if not (isinstance(alpha, (int, float)) and 0 <= alpha < 1):
            raise ConfigError(f"leaky ReLU alpha must be a number in [0, 1), got {alpha!r}")
        self.alpha = float(alpha)

    def forward(self, z):
        # a = max(z, alpha*z) for 0 <= alpha < 1; a keeps z's sign, so backward can use a.
        return np.maximum(z, z * self.alpha, out=z)

    def backward(self, grad, a):
        factor = (a > 0).astype(grad.dtype)  # 1 where positive, alpha elsewhere
        factor *= 1.0 - self.alpha
        factor += self.alpha
        grad *= factor
        return grad

    def get_config(self):
        return {"alpha": self.alpha}


class Sigmoid(Activation):
    key, display_name = "sigmoid", "Sigmoid"
    description = "Squashes any value into 0..1; used as the output for two classes."

    def forward(self, z):
        # Clipping keeps exp from overflowing for very negative z without changing results in float32.
        np.clip(z, -88.0, 88.0, out=z)
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1.0
        return np.reciprocal(z, out=z)

    def backward(self, grad, a):
        grad *= a
        grad *= 1.0 - a
        return grad


class Tanh(Activation):
    key, display_name = "tanh", "Tanh"
    description = "Squashes values into -1..1; an older choice for hidden layers."

    def forward(self, z):
        return np.tanh(z, out=z)

    def backward(self, grad, a):
        grad *= 1.0 - a * a
        return grad


#: Up to this many outputs, softmax takes its row maxima column by column; above, as one
#: reduction over a transposed copy.
_COLUMN_LOOP = 3
_ONES: dict[tuple[int, np.dtype], np.ndarray] = {}


def _ones(n: int, dtype) -> np.ndarray:
    """A read-only vector of ``n`` ones, made once per length and dtype."""
    ones = _ONES.get((n, dtype))
    if ones is None:
        ones = np.ones(n, dtype)
        ones.flags.writeable = False
        if len(_ONES) > 64:  # output sizes are few; never grow without bound
            _ONES.clear()
        _ONES[(n, dtype)] = ones
    return ones


class Softmax(Activation):
    key, display_name = "softmax", "Softmax"
    description = "Turns the outputs into probabilities that add up to 1; used for three or more classes."

    def forward(self, z):
        rows, k = z.shape
        return softmax_rows(z, *self.work_arrays(rows, k, z.dtype))

    @staticmethod
    def work_arrays(rows: int, k: int, dtype) -> tuple:
        """What :func:`softmax_rows` needs besides ``z`` (rows, k): make once, reuse."""
        m, s = np.empty((2, rows, 1), dtype)
        zt = np.empty((k, rows), dtype) if k > _COLUMN_LOOP else None
        return m, m[:, 0], s, s[:, 0], _ones(k, np.dtype(dtype)), zt

    def backward(self, grad, a):
        # Jacobian-vector product of softmax: a * (g - sum(g * a)).
        s = np.sum(grad * a, axis=1, keepdims=True)
        grad -= s
        grad *= a
        return grad


def softmax_rows(z: np.ndarray, m: np.ndarray, m1: np.ndarray, s: np.ndarray, s1: np.ndarray,
                 ones: np.ndarray, zt: np.ndarray | None) -> np.ndarray:
    """Softmax of every row of ``z`` (rows, k), in place, with work arrays a layer keeps per
    batch size (no allocation per call: a visible cost at batch size 1).

    Parameters
    ----------
    z : ndarray of shape (rows, k)
    m, s : ndarray of shape (rows, 1)
        Work arrays for the row maxima and the row sums; ``m1`` and ``s1`` are their
        ``[:, 0]`` views, shape (rows,).
    ones : ndarray of shape (k,)
        Read-only ones.
    zt : ndarray of shape (k, rows) or None
        For k > 3: room for ``z`` transposed (see :meth:`Softmax.work_arrays`).
    """
    k = z.shape[1]
    if zt is not None:
        # Row maxima as a reduction over the first axis of z transposed into a contiguous
        # copy: numpy's reduction along a short last axis costs a loop call per row (11 us
        # for 256 x 10), this copy and one vectorised reduction ~2 us. Exact.
        np.copyto(zt, z.T)
        np.maximum.reduce(zt, axis=0, out=m1)
    elif k >= 2:
        # Two or three columns: their k - 1 maxima are the fewest calls. Exact.
        np.maximum(z[:, 0], z[:, 1], out=m1)
        for j in range(2, k):
            np.maximum(m1, z[:, j], out=m1)
    else:
        np.maximum.reduce(z, axis=1, keepdims=True, out=m)
    np.subtract(z, m, out=z)
    np.exp(z, out=z)
    # Row sums as one GEMV against ones (5x faster than add.reduce(axis=1) at 256 x 10);
    # the last bit follows BLAS's order of summation.
    np.dot(z, ones, out=s1)
    return np.divide(z, s, out=z)


_CLASSES: list[type[Activation]] = [ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Linear]
#: Display name -> class, in the order combo boxes show them.
ACTIVATIONS: dict[str, type[Activation]] = {c.display_name: c for c in _CLASSES}
_BY_KEY: dict[str, type[Activation]] = {c.key: c for c in _CLASSES}


def get_activation(spec: str | dict | Activation) -> Activation:
    """Return an activation from a key (``"relu"``), display name, config dict or instance."""
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, dict):
        cls = _BY_KEY.get(spec.get("name", ""))
        if cls is None:
            raise ConfigError(f"unknown activation {spec.get('name')!r}; choose one of {sorted(_BY_KEY)}")
        return cls.from_config(spec.get("config", {}))
    if isinstance(spec, str):
        cls = _BY_KEY.get(spec.lower()) or ACTIVATIONS.get(spec)
        if cls is not None:
            return cls()
    raise ConfigError(f"unknown activation {spec!r}; choose one of {sorted(_BY_KEY)}")


def activation_config(act: Activation) -> str | dict:
    """Compact JSON form: the key alone when there are no options."""
    cfg = act.get_config()
    if type(act) is LeakyReLU and cfg == {"alpha": 0.01}:
        return act.key
    return {"name": act.key, "config": cfg} if cfg else act.key
