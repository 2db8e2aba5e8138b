"""Losses. Cross-entropy is fused with its output activation: the gradient with respect to the
output layer's pre-activation is simply ``(p - y) / batch``, cheaper and more stable than
chaining the two derivatives.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from nnstudio.errors import ConfigError

_EPS = 1e-7


class Loss(ABC):
    key = ""
    display_name = ""
    description = ""
    #: Output activation key with which the gradient is fused (None: chain through the activation).
    fused_with: str | None = None
    #: Whether accuracy makes sense (classification).
    is_classification = True

    @abstractmethod
    def prepare_targets(self, y: np.ndarray, n_out: int, dtype) -> np.ndarray:
        """Validate targets once per fit and convert them to what :meth:`value` expects."""

    @abstractmethod
    def value(self, p: np.ndarray, y: np.ndarray) -> float:
        """Mean loss of outputs ``p`` (n, n_out) against prepared targets ``y``."""

    @abstractmethod
    def gradient(self, p: np.ndarray, y: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Write dL/dz (fused losses) or dL/dp into ``out`` (n, n_out) and return it."""

    def n_correct(self, p: np.ndarray, y: np.ndarray) -> int:
        return 0

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)


def _class_targets(y: np.ndarray, n_classes: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ConfigError(f"class targets must be one label per sample, got an array of shape {y.shape}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.mod(y, 1) == 0):
            raise ConfigError("class targets must be whole numbers (class indices)")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ConfigError(
            f"the output layer has {n_classes} neurons but the data has class number {int(y.max())}; "
            f"set the output layer to {int(y.max()) + 1} neurons")
    return y


class CategoricalCrossEntropy(Loss):
    key, display_name = "categorical_crossentropy", "Cross-entropy"
    description = "Measures how little probability the network gave to the right class."
    fused_with = "softmax"

    def __init__(self):
        # Row indices by batch size; flat row starts and a buffer for the flat indices of
        # the targets by (batch size, outputs).
        self._rows: dict[int, np.ndarray] = {}
        self._flat: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def prepare_targets(self, y, n_out, dtype):
        if n_out < 2:
            raise ConfigError("cross-entropy with softmax needs at least 2 output neurons, got 1")
        return _class_targets(y, n_out)

    def value(self, p, y):
        picked = p[np.arange(len(y)), y]
        return float(-np.mean(np.log(np.maximum(picked, _EPS))))

    def gradient(self, p, y, out):
        np.copyto(out, p)
        n, k = out.shape
        if n == 1:
            # Per-sample SGD: one scalar update, 2 us less than the fancy index of a ~20 us
            # step; and no scaling, since x * 1.0 == x. The same float32 values.
            out[0, y[0]] -= 1.0
            return out
        if out.flags.c_contiguous:
            # One flat index per row into the contiguous buffer: a 1-D fancy index costs
            # half of the 2-D (rows, y) one. Computed into a kept buffer: 2.6 instead of
            # 5.5 us for the whole gradient at 256 x 10. Same values.
            flat = self._flat.get((n, k))
            if flat is None:  # cached: an arange per step is a visible cost at batch size 1
                flat = self._flat[(n, k)] = (np.arange(0, n * k, k), np.empty(n, np.intp))
            starts, index = flat
            np.add(starts, y, out=index)
            out.reshape(-1)[index] -= 1.0
        else:
            rows = self._rows.get(n)
            if rows is None:
                rows = self._rows[n] = np.arange(n)
            out[rows, y] -= 1.0
        out *= 1.0 / n
        return out

    def n_correct(self, p, y):
        return int(np.count_nonzero(p.argmax(axis=1) == y))


class BinaryCrossEntropy(Loss):
    key, display_name = "binary_crossentropy", "Binary cross-entropy"
    description = "Cross-entropy for yes/no answers given by a sigmoid output."
    fused_with = "sigmoid"

    def prepare_targets(self, y, n_out, dtype):
        y = np.asarray(y)
        if y.ndim == 1:
            if n_out != 1:
                raise ConfigError(f"binary cross-entropy with one label per sample needs 1 output neuron, "
                                  f"got {n_out}")
            y = _class_targets(y, 2)[:, None]
        elif y.shape[1] != n_out:
            raise ConfigError(f"targets have {y.shape[1]} columns but the output layer has {n_out} neurons")
        return y.astype(dtype)

    def value(self, p, y):
        q = np.clip(p, _EPS, 1 - _EPS)
        return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))

    def gradient(self, p, y, out):
        np.subtract(p, y, out=out)
        out *= 1.0 / out.size
        return out

    def n_correct(self, p, y):
        # Multi-label rows count as correct only when every label is right.
        return int(np.count_nonzero(np.all((p > 0.5) == (y > 0.5), axis=1)))


class MeanSquaredError(Loss):
    key, display_name = "mse", "Mean squared error"
    description = "The average of the squared differences; used for predicting numbers."
    is_classification = False

    def prepare_targets(self, y, n_out, dtype):
        y = np.asarray(y, dtype=dtype)
        if y.ndim == 1:
            y = y[:, None]
        if y.shape[1] != n_out:
            raise ConfigError(f"targets have {y.shape[1]} columns but the output layer has {n_out} neurons")
        if not np.all(np.isfinite(y)):
            raise ConfigError("targets contain missing or infinite values")
        return y

    def value(self, p, y):
        d = p - y
        return float(np.mean(d * d))

    def gradient(self, p, y, out):
        np.subtract(p, y, out=out)
        out *= 2.0 / out.size
        return out


_CLASSES: list[type[Loss]] = [CategoricalCrossEntropy, BinaryCrossEntropy, MeanSquaredError]
LOSSES: dict[str, type[Loss]] = {c.display_name: c for c in _CLASSES}
_BY_KEY = {c.key: c for c in _CLASSES}


def get_loss(key: str) -> Loss:
    cls = _BY_KEY.get(key) or LOSSES.get(key)
    if cls is None:
        raise ConfigError(f"unknown loss {key!r}; choose one of {sorted(_BY_KEY)} or 'auto'")
    return cls()


def auto_loss(output_activation: str, units: int) -> str:
    """The loss that fits an output activation: softmax -> cross-entropy, sigmoid -> binary."""
    if output_activation == "softmax":
        return CategoricalCrossEntropy.key
    if output_activation == "sigmoid":
        return BinaryCrossEntropy.key
    return MeanSquaredError.key
