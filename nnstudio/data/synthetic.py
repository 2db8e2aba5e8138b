"""Toy data sets drawn on the fly: spiral, moons, circles, XOR, blobs and a 1-D curve.

Every generator is deterministic for a given ``seed`` (one ``np.random.default_rng(seed)``
per call), checks its settings with messages that name the setting, and returns a
``Dataset`` whose ``source`` reloads it exactly.
"""
from __future__ import annotations

import numpy as np

from nnstudio.data.dataset import Dataset, balance_notes
from nnstudio.data.params import check_float, check_int

MAX_SAMPLES = 100_000
MAX_SEED = 2**32 - 1


def _common(n_samples: object, noise: object, seed: object, max_noise: float) -> tuple[int, float, int]:
    return (check_int("n_samples", n_samples, 10, MAX_SAMPLES),
            check_float("noise", noise, 0.0, max_noise),
            check_int("seed", seed, 0, MAX_SEED))


def _per_class(n_samples: int, n_classes: int) -> list[int]:
    # Spread the remainder over the first classes so the counts differ by at most one.
    return [n_samples // n_classes + (c < n_samples % n_classes) for c in range(n_classes)]


def _finish(X: np.ndarray, y: np.ndarray, rng: np.random.Generator, *, name: str, title: str,
            params: dict, class_names: list[str], description: str,
            feature_names: tuple[str, ...] = ("x1", "x2")) -> Dataset:
    # Shuffle once so the rows are not grouped by class (as a real file would not be).
    order = rng.permutation(len(X))
    task = "classification" if class_names else "regression"
    notes = [description]
    if class_names:
        notes += balance_notes(y, class_names)
    return Dataset(X=X[order], y=y[order], feature_names=list(feature_names), class_names=class_names,
                   task=task, source={"kind": "builtin", "name": name, "params": dict(params)},
                   name=title, notes=notes)


def make_spiral(n_samples: int = 400, n_classes: int = 2, noise: float = 0.05,
                seed: int = 0) -> Dataset:
    """Interleaved spiral arms, one per class.

    Parameters
    ----------
    n_samples : int
        Total points (>= 10), split evenly over the arms.
    n_classes : int
        Number of arms, 2 to 10.
    noise : float
        Standard deviation of the Gaussian jitter; the spiral's outer radius is 1.
    seed : int

    Returns
    -------
    Dataset with X of shape (n_samples, 2) and classes "arm 1".."arm k".
    """
    n_samples, noise, seed = _common(n_samples, noise, seed, max_noise=1.0)
    n_classes = check_int("n_classes", n_classes, 2, 10)
    rng = np.random.default_rng(seed)
    parts, labels = [], []
    for c, count in enumerate(_per_class(n_samples, n_classes)):
        # sqrt spreads points evenly along the arm instead of crowding the centre. One full turn
        # per arm keeps the default learnable (>= 0.95 validation accuracy) by a 2-16-16-k MLP
        # for every seed tried; 1.25 turns sometimes fell just short with 400 points.
        u = np.sqrt(rng.uniform(0.0, 1.0, count))
        radius = 0.1 + 0.9 * u
        angle = u * 2 * np.pi + 2 * np.pi * c / n_classes
        points = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
        parts.append(points + rng.normal(0.0, noise, (count, 2)))
        labels.append(np.full(count, c))
    params = {"n_samples": n_samples, "n_classes": n_classes, "noise": noise, "seed": seed}
    return _finish(np.concatenate(parts), np.concatenate(labels), rng, name="spiral", title="Spiral",
                   params=params, class_names=[f"arm {c + 1}" for c in range(n_classes)],
                   description=f"{n_classes} spiral arms winding around each other, {n_samples} points, "
                               f"noise {noise:g}. A straight line cannot separate them; hidden layers can.")


def make_moons(n_samples: int = 400, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles ("two moons"), X of shape (n_samples, 2)."""
    n_samples, noise, seed = _common(n_samples, noise, seed, max_noise=2.0)
    rng = np.random.default_rng(seed)
    n_upper, n_lower = _per_class(n_samples, 2)
    t_upper = rng.uniform(0.0, np.pi, n_upper)
    t_lower = rng.uniform(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X = np.concatenate([upper, lower]) + rng.normal(0.0, noise, (n_samples, 2))
    y = np.repeat([0, 1], [n_upper, n_lower])
    return _finish(X, y, rng, name="moons", title="Two moons",
                   params={"n_samples": n_samples, "noise": noise, "seed": seed},
                   class_names=["upper moon", "lower moon"],
                   description=f"Two interleaving half circles, {n_samples} points, noise {noise:g}.")


def make_circles(n_samples: int = 400, noise: float = 0.05, seed: int = 0) -> Dataset:
    """A small circle inside a big one (radii 0.5 and 1), X of shape (n_samples, 2)."""
    n_samples, noise, seed = _common(n_samples, noise, seed, max_noise=2.0)
    rng = np.random.default_rng(seed)
    n_outer, n_inner = _per_class(n_samples, 2)
    angle = rng.uniform(0.0, 2 * np.pi, n_samples)
    radius = np.repeat([1.0, 0.5], [n_outer, n_inner])
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    X += rng.normal(0.0, noise, (n_samples, 2))
    y = np.repeat([0, 1], [n_outer, n_inner])
    return _finish(X, y, rng, name="circles", title="Circles",
                   params={"n_samples": n_samples, "noise": noise, "seed": seed},
                   class_names=["outer", "inner"],
                   description=f"A ring of points around a smaller ring, {n_samples} points, "
                               f"noise {noise:g}.")


def make_xor(n_samples: int = 400, noise: float = 0.05, seed: int = 0) -> Dataset:
    """Points in the square [-1, 1]^2; the class says whether x1 and x2 have the same sign."""
    n_samples, noise, seed = _common(n_samples, noise, seed, max_noise=2.0)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n_samples, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    # Jitter after labelling, so noise blurs the borders between the quadrants.
    X += rng.normal(0.0, noise, X.shape)
    return _finish(X, y, rng, name="xor", title="XOR",
                   params={"n_samples": n_samples, "noise": noise, "seed": seed},
                   class_names=["same sign", "different sign"],
                   description=f"The XOR pattern: four squares in a checkerboard, {n_samples} points, "
                               f"noise {noise:g}. A single layer cannot learn it.")


def make_blobs(n_samples: int = 400, n_classes: int = 3, noise: float = 1.0, seed: int = 0) -> Dataset:
    """Round Gaussian clusters whose centres sit evenly on a circle of radius 4.

    ``noise`` is each cluster's standard deviation; the fixed layout keeps clusters apart for
    every seed, so only the noise decides how much they overlap.
    """
    n_samples, noise, seed = _common(n_samples, noise, seed, max_noise=10.0)
    n_classes = check_int("n_classes", n_classes, 2, 10)
    rng = np.random.default_rng(seed)
    counts = _per_class(n_samples, n_classes)
    angles = np.pi / 2 + 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 4.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    y = np.repeat(np.arange(n_classes), counts)
    X = centres[y] + rng.normal(0.0, noise, (n_samples, 2))
    params = {"n_samples": n_samples, "n_classes": n_classes, "noise": noise, "seed": seed}
    return _finish(X, y, rng, name="blobs", title="Blobs", params=params,
                   class_names=[f"blob {c + 1}" for c in range(n_classes)],
                   description=f"{n_classes} round clusters, {n_samples} points, spread {noise:g}.")


def make_regression_1d(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """A wavy curve y = sin(2 x) plus noise, x in [-3, 3]; X of shape (n_samples, 1)."""
    n_samples, noise, seed = _common(n_samples, noise, seed, max_noise=5.0)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, n_samples)
    y = np.sin(2.0 * x) + rng.normal(0.0, noise, n_samples)
    return _finish(x[:, None], y, rng, name="regression_1d", title="Curve (regression)",
                   params={"n_samples": n_samples, "noise": noise, "seed": seed}, class_names=[],
                   feature_names=("x",),
                   description=f"Predict a number: y = sin(2x) plus noise {noise:g}, {n_samples} points "
                               "with x between -3 and 3.")
