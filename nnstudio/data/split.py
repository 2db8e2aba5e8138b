"""Seeded train / validation / test splits, stratified by class."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from nnstudio.data.dataset import Dataset
from nnstudio.data.params import check_float, check_int
from nnstudio.data.scaling import Standardizer
from nnstudio.errors import DataError


@dataclass(eq=False)
class Split:
    """The three parts of a data set; ``*_indices`` are row numbers into the original."""

    train: Dataset
    val: Dataset
    test: Dataset
    train_indices: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    val_indices: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    test_indices: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def scaled(self, scaler: Standardizer | None = None) -> tuple[Split, Standardizer]:
        """The same split with standardised features, and the scaler used.

        The scaler is fitted on the training part unless one is given (e.g. from a saved project),
        so validation and test rows never influence it.
        """
        scaler = scaler if scaler is not None else Standardizer.fit(self.train.X)
        parts = {key: replace(getattr(self, key), X=scaler.transform(getattr(self, key).X))
                 for key in ("train", "val", "test")}
        return replace(self, **parts), scaler


def _sizes(n: int, val_fraction: float, test_fraction: float) -> tuple[int, int]:
    """(n_val, n_test) for a group of n rows, always leaving at least one row for training."""
    n_val, n_test = int(round(n * val_fraction)), int(round(n * test_fraction))
    # Every class should appear in every part it can: bump a rounded-away 0 up to 1.
    n_val = max(n_val, 1 if val_fraction > 0 and n >= 2 else 0)
    n_test = max(n_test, 1 if test_fraction > 0 and n >= 3 else 0)
    while n_val + n_test > n - 1 and (n_val or n_test):
        # Too few rows: take from the bigger of val/test (test first), training keeps one.
        if n_test >= n_val and n_test:
            n_test -= 1
        else:
            n_val -= 1
    return n_val, n_test


def split_indices(y: np.ndarray | None, n: int, val_fraction: float, test_fraction: float,
                  seed: int, stratify: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row indices (train, val, test) that partition range(n); stratified when ``y`` is given."""
    rng = np.random.default_rng(seed)
    groups = [np.arange(n)] if y is None or not stratify else \
        [np.flatnonzero(y == c) for c in np.unique(y)]
    parts: list[list[np.ndarray]] = [[], [], []]
    for group in groups:
        group = rng.permutation(group)
        n_val, n_test = _sizes(len(group), val_fraction, test_fraction)
        parts[1].append(group[:n_val])
        parts[2].append(group[n_val:n_val + n_test])
        parts[0].append(group[n_val + n_test:])
    # Shuffle within each part so rows are not grouped by class.
    return tuple(rng.permutation(np.concatenate(p).astype(np.int64)) for p in parts)  # type: ignore[return-value]


def split_dataset(ds: Dataset, val_fraction: float = 0.2, test_fraction: float = 0.2, seed: int = 0,
                  stratify: bool = True) -> Split:
    """Split ``ds`` into training, validation and test parts.

    Parameters
    ----------
    ds : Dataset
    val_fraction, test_fraction : float
        Shares of the rows, each >= 0 and together below 1. The test part may be empty.
    seed : int
        The same seed always gives the same split.
    stratify : bool
        For classification, split each class separately so every part keeps the class balance
        (a class with at least 3 rows appears in every non-empty part).

    Returns
    -------
    Split
        Datasets named "<name> (train)" etc.; each part's indices into ``ds`` are kept too.
    """
    val_fraction = check_float("val_fraction", val_fraction, 0.0, 1.0, include_max=False)
    test_fraction = check_float("test_fraction", test_fraction, 0.0, 1.0, include_max=False)
    seed = check_int("seed", seed, 0)
    if val_fraction + test_fraction >= 1.0:
        raise DataError(f"val_fraction + test_fraction must be below 1 so some rows are left for "
                        f"training, got {val_fraction:g} + {test_fraction:g} = "
                        f"{val_fraction + test_fraction:g}")
    if ds.n_samples < 2:
        raise DataError(f"The data set has {ds.n_samples} row(s); at least 2 are needed to split it.")
    y = ds.y if ds.task == "classification" else None
    train, val, test = split_indices(y, ds.n_samples, val_fraction, test_fraction, seed, stratify)
    return Split(train=ds.subset(train, f"{ds.name} (train)"), val=ds.subset(val, f"{ds.name} (validation)"),
                 test=ds.subset(test, f"{ds.name} (test)"), train_indices=train, val_indices=val,
                 test_indices=test)
