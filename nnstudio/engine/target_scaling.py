"""Target scaling for regression: the network learns standardised numbers, answers in real ones.

A house price of 25,000-190,000 trained as it is needs gradients 10^5 times larger than a
fraction of 0-1 does: Adam's default step of 0.01 then takes ~10^6 steps to move the output
bias to the mean, and "try a smaller learning rate" only makes that slower. Standardising the
target once per ``fit`` call makes the same defaults work for any unit. The network owns the
transform (it is part of its config), so its predictions, losses and every plot and metric
built on them speak the data's own units.
"""
from __future__ import annotations

import numbers

import numpy as np

from nnstudio.errors import ConfigError

#: Output activations whose range is every real number: targets are shifted to mean 0 too.
_UNBOUNDED = ("linear",)
#: Output activations that cannot go (far) below 0: only scaled, so a target's sign is kept.
_NON_NEGATIVE = ("relu", "leaky_relu")


class TargetScaling:
    """Per output: the network learns ``(y - shift) / scale`` and answers ``out * scale + shift``.

    Parameters
    ----------
    shift, scale : array-like of shape (n_outputs,)
        ``scale`` is finite and positive, ``shift`` finite. Kept in float64 (they round-trip
        exactly through JSON, so a saved model predicts bit-identically after loading).
    """

    def __init__(self, shift, scale) -> None:
        self.shift = np.asarray(shift, dtype=np.float64).reshape(-1)
        self.scale = np.asarray(scale, dtype=np.float64).reshape(-1)
        if self.shift.shape != self.scale.shape or self.shift.size == 0:
            raise ConfigError(f"target scaling needs one shift and one scale per output, got "
                              f"{self.shift.size} and {self.scale.size}")
        if not (np.all(np.isfinite(self.shift)) and np.all(np.isfinite(self.scale))
                and np.all(self.scale > 0)):
            raise ConfigError(f"target scaling needs finite shifts and positive scales, got "
                              f"shift={self.shift.tolist()!r:.80} scale={self.scale.tolist()!r:.80}")

    @property
    def n_outputs(self) -> int:
        return int(self.scale.size)

    @classmethod
    def fit(cls, Y: np.ndarray, output_activation: str) -> TargetScaling | None:
        """The scaling for training targets ``Y`` of shape (n_samples, n_outputs), or None.

        A linear output learns standardised targets (mean 0, standard deviation 1). A ReLU-like
        output cannot answer much below 0, so its targets are only divided by their root mean
        square (signs kept). Bounded outputs (tanh, sigmoid, softmax) get no scaling: their
        range already decides which targets they can reach.
        """
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim == 1:
            Y = Y[:, None]
        if Y.ndim != 2 or len(Y) == 0 or not np.all(np.isfinite(Y)):
            return None
        if output_activation in _UNBOUNDED:
            shift = Y.mean(axis=0)
            scale = Y.std(axis=0)
        elif output_activation in _NON_NEGATIVE:
            shift = np.zeros(Y.shape[1])
            scale = np.sqrt(np.mean(Y * Y, axis=0))
        else:
            return None
        # A constant target (or one that is 0 throughout) keeps scale 1: nothing to stretch.
        tiny = 1e-12 * np.maximum(1.0, np.abs(shift))
        scale = np.where(scale > tiny, scale, 1.0)
        return cls(shift, scale)

    def transform(self, Y: np.ndarray, dtype) -> np.ndarray:
        """``(Y - shift) / scale`` as a new array of ``dtype``, shape (n_samples, n_outputs)."""
        return ((np.asarray(Y, dtype=np.float64) - self.shift) / self.scale).astype(dtype)

    def inverse_in_place(self, P: np.ndarray) -> np.ndarray:
        """Turn network outputs ``P`` (n_samples, n_outputs) into real units, in place."""
        P *= self.scale.astype(P.dtype)
        P += self.shift.astype(P.dtype)
        return P

    def get_config(self) -> dict:
        """JSON only: ``{"shift": [...], "scale": [...]}``."""
        return {"shift": [float(v) for v in self.shift], "scale": [float(v) for v in self.scale]}

    @classmethod
    def from_config(cls, config: dict) -> TargetScaling:
        if not isinstance(config, dict) or set(config) != {"shift", "scale"}:
            raise ConfigError(f"target scaling must have exactly 'shift' and 'scale', got {config!r:.80}")
        for key in ("shift", "scale"):
            values = config[key]
            if not isinstance(values, list) or not all(
                    isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
                raise ConfigError(f"target scaling '{key}' must be a list of numbers, got {values!r:.80}")
        return cls(config["shift"], config["scale"])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TargetScaling):
            return NotImplemented
        return np.array_equal(self.shift, other.shift) and np.array_equal(self.scale, other.scale)

    def __repr__(self) -> str:
        return f"TargetScaling(shift={self.shift.tolist()}, scale={self.scale.tolist()})"
