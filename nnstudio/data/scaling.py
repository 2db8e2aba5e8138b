"""Feature standardisation, fitted on the training part only."""
from __future__ import annotations

import numbers

import numpy as np

from nnstudio.errors import DataError


class Standardizer:
    """Shift each feature to mean 0 and scale it to standard deviation 1.

    Fit it on the training rows only, so the validation and test rows stay unseen; apply the
    same transform to every part (and to new data at prediction time).

    Parameters
    ----------
    mean, std : ndarray of shape (n_features,)
        ``std`` has no zeros: constant features keep scale 1 (they become 0 after shifting).
    """

    def __init__(self, mean: np.ndarray, std: np.ndarray) -> None:
        self.mean = np.asarray(mean, dtype=np.float32).reshape(-1)
        self.std = np.asarray(std, dtype=np.float32).reshape(-1)
        if self.mean.shape != self.std.shape:
            raise DataError(f"mean and std must have the same length, "
                            f"got {self.mean.size} and {self.std.size}")
        if not (np.all(np.isfinite(self.mean)) and np.all(np.isfinite(self.std)) and np.all(self.std > 0)):
            raise DataError("std must be finite and positive and mean finite for every feature")

    @property
    def n_features(self) -> int:
        return int(self.mean.size)

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardizer:
        """Learn mean and std from X of shape (n_samples, n_features)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[0] == 0:
            raise DataError(f"Standardizer needs a non-empty 2-D table to fit, got shape {X.shape}")
        if not np.all(np.isfinite(X)):
            raise DataError("Standardizer cannot fit features that contain missing or infinite values")
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        # A constant feature has std 0; dividing by 1 keeps it finite (it becomes all zeros).
        std[std < 1e-12] = 1.0
        return cls(mean, std)

    def _check(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise DataError(f"The scaler was fitted on {self.n_features} features but got data of shape "
                            f"{X.shape}. Reload the data set the network was trained on.")
        return X

    def transform(self, X: np.ndarray) -> np.ndarray:
        """(X - mean) / std as float32, shape (n_samples, n_features)."""
        return ((self._check(X) - self.mean) / self.std).astype(np.float32, copy=False)

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """Undo ``transform``: Z * std + mean."""
        return (self._check(Z) * self.std + self.mean).astype(np.float32, copy=False)

    def get_config(self) -> dict:
        """JSON-only config: {"mean": [...], "std": [...]}."""
        return {"mean": [float(v) for v in self.mean], "std": [float(v) for v in self.std]}

    @classmethod
    def from_config(cls, config: dict) -> Standardizer:
        """Inverse of ``get_config``; raises DataError on a malformed config."""
        if not isinstance(config, dict) or set(config) != {"mean", "std"}:
            raise DataError(f"A scaler config must have exactly 'mean' and 'std', got {config!r:.80}")
        for key in ("mean", "std"):
            values = config[key]
            if not isinstance(values, list) or not all(
                    isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
                raise DataError(f"Scaler '{key}' must be a list of numbers, got {values!r:.80}")
        return cls(np.array(config["mean"], dtype=np.float32), np.array(config["std"], dtype=np.float32))

    def __repr__(self) -> str:
        return f"Standardizer(n_features={self.n_features})"
