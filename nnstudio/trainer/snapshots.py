"""What the training views show of a network at one moment: :class:`TrainingSnapshot`.

Pure numpy (no Qt), so the trainer process builds them while it trains (they reach the window
pickled over a pipe) and the window builds one in the GUI thread while idle
(:func:`snapshot_for`) after a structure edit, a weight reset or a project load. Every array in
a snapshot is a read-only copy, also after unpickling.

Typical idle use from the window (while a run is active the trainer process has the
newest weights; the window's network catches up at each snapshot)::

    views.on_snapshot(snapshot_for(ctl.network, ctl.scaled_split, ctl.dataset.n_classes,
                                   epoch=len(ctl.project.history.get("epoch", []))))
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.engine import Conv2D, Dense, Network

HISTOGRAM_BINS = 30
#: Points of the 1-feature regression curve: smooth at any plot width, costs ~nothing.
FIT_RESOLUTION = 200
#: Validation rows kept for the "predicted vs true" scatter (the error uses all of them).
MAX_PREDICTION_POINTS = 2000


@dataclass(frozen=True)
class TrainingSnapshot:
    """What the views show of the network at one moment; every array is a read-only copy.

    Attributes
    ----------
    epoch : int
        Epoch the snapshot belongs to (completed, or in progress for big data). 0 is the start
        of a run (or fresh weights): the weight charts take it as their grey outline.
    histograms : list of (str, ndarray of shape (bins + 1,), ndarray of shape (bins,))
        ``(layer name, edges, counts)`` of each Dense layer's weights and each Conv2D layer's
        kernels, in layer order (:func:`histogram_layers`); bins = 30, fewer for layers with
        under 225 weights.
    weights : list of ndarray of shape (n_in, n_out)
        Each Dense layer's weight matrix.
    boundary : ndarray of shape (gh, gw, n_classes) or None
        Class probabilities on the grid over ``boundary_extent`` (row 0 = ``ymin``); None
        unless the data has 2 features and the task is classification.
    boundary_extent : (xmin, xmax, ymin, ymax) or None
    confusion : ndarray of shape (n_classes, n_classes) or None
        Validation counts, rows = true class, columns = predicted class.
    fit_curve : (ndarray of shape (m,), ndarray of shape (m, n_outputs)) or None
        Regression with 1 feature: the network's answer ``y`` (in the targets' units: the
        network undoes its target scaling) at ``m`` evenly spaced ``x`` (scaled, as the
        network sees it) over the training data's range.
    predictions : (ndarray of shape (r, n_outputs), ndarray of shape (r, n_outputs)) or None
        Regression: ``(true, predicted)`` in the targets' units for up to 2000 rows of
        ``error_split``.
    mean_abs_error, rms_error : float or None
        Regression: mean absolute and root-mean-square error over all rows of ``error_split``.
    error_split : str
        ``"validation"``, or ``"training"`` when there is no validation data.
    """

    epoch: int
    histograms: list
    weights: list
    boundary: np.ndarray | None = None
    boundary_extent: tuple | None = None
    confusion: np.ndarray | None = None
    fit_curve: tuple | None = None
    predictions: tuple | None = None
    mean_abs_error: float | None = None
    rms_error: float | None = None
    error_split: str = "validation"

    def __setstate__(self, state: dict) -> None:
        # Unpickled arrays come back writable; the views share them, so freeze them again.
        for value in state.values():
            for a in _arrays(value):
                a.flags.writeable = False
        self.__dict__.update(state)


def _arrays(value):
    """Every ndarray in ``value``, looking inside tuples and lists (one level per call)."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _arrays(item)


#: The TrainingSnapshot fields that :func:`validation_scores` fills.
SCORE_FIELDS = ("confusion", "predictions", "mean_abs_error", "rms_error")


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.flags.writeable = False  # shared between threads and widgets: nobody may change it
    return a


def boundary_grid_for(X: np.ndarray, resolution: int = 80, margin: float = 0.15) -> tuple | None:
    """The ``boundary_grid`` argument for 2-feature data ``X`` of shape (n, 2), else None.

    The grid covers the data plus ``margin`` of its span on each side, so points never sit on
    the edge of the map.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        return None
    lo, hi = X.min(axis=0).astype(float), X.max(axis=0).astype(float)
    pad = np.maximum(hi - lo, 1e-6) * margin
    return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1], int(resolution))


def boundary_points(grid: tuple | None) -> np.ndarray | None:
    """The (resolution², 2) float32 points of a ``boundary_grid`` tuple, row 0 first."""
    if grid is None:
        return None
    xmin, xmax, ymin, ymax, res = grid
    gx, gy = np.meshgrid(np.linspace(xmin, xmax, res), np.linspace(ymin, ymax, res))
    return np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)


def fit_range_for(X: np.ndarray, resolution: int = FIT_RESOLUTION,
                  margin: float = 0.05) -> tuple | None:
    """``(xmin, xmax, resolution)`` for 1-feature data ``X`` of shape (n, 1), else None.

    A small margin shows how the curve leaves the data without letting it dominate the plot.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 1 or len(X) == 0:
        return None
    lo, hi = float(X.min()), float(X.max())
    pad = max(hi - lo, 1e-6) * margin
    return (lo - pad, hi + pad, int(resolution))


def fit_points(fit_range: tuple | None) -> np.ndarray | None:
    """The (resolution,) float32 ``x`` values of a ``fit_range`` tuple."""
    if fit_range is None:
        return None
    lo, hi, res = fit_range
    return np.linspace(lo, hi, int(res)).astype(np.float32)


def layer_names(network: Network) -> list[str]:
    """Display names of the Dense layers: ``"Layer 1 (2→16)"`` ..., ``"Output (16→3)"``."""
    return [name for name, layer in histogram_layers(network) if isinstance(layer, Dense)]


def histogram_layers(network: Network) -> list[tuple[str, Dense | Conv2D]]:
    """``(display name, layer)`` of each layer with a weight histogram, in layer order: Dense
    layers (``"Layer 4 (576→64)"``, ``"Output (64→10)"``) and Conv2D layers (``"Layer 2 (16
    filters 3x3)"``). Each name is built from its own layer, so layers without weights
    (Rescaling, pooling, Flatten) never shift the names."""
    sizes = network.layer_sizes()
    last = len(network.layers) - 1
    out: list[tuple[str, Dense | Conv2D]] = []
    for i, layer in enumerate(network.layers):
        label = "Output" if i == last else f"Layer {i + 1}"
        if isinstance(layer, Dense):
            out.append((f"{label} ({sizes[i]}→{sizes[i + 1]})", layer))
        elif isinstance(layer, Conv2D):
            k = layer.kernel_size
            out.append((f"{label} ({layer.filters} filters {k}x{k})", layer))
    return out


def regression_scores(network: Network, X: np.ndarray, y: np.ndarray) -> dict:
    """``predictions``, ``mean_abs_error`` and ``rms_error`` on ``(X, y)``; {} when the output
    does not match the targets (an output layer sized wrong: the window flags that already)."""
    return _regression_scores(network.predict(X), y)


def _regression_scores(outputs: np.ndarray, y: np.ndarray) -> dict:
    pred = np.asarray(outputs, dtype=np.float64)
    true = np.asarray(y, dtype=np.float64).reshape(len(pred), -1)
    if pred.shape != true.shape:
        return {}
    with np.errstate(over="ignore", invalid="ignore"):  # an exploding net: inf is the truth
        err = pred - true
        mae = float(np.mean(np.abs(err)))
        rmse = float(np.sqrt(np.mean(err * err)))
    keep = slice(0, MAX_PREDICTION_POINTS)  # the splits are shuffled: the first rows are fair
    return {"predictions": (_frozen(true[keep]), _frozen(pred[keep])),
            "mean_abs_error": mae, "rms_error": rmse}


def validation_scores(network: Network, X_val: np.ndarray | None, y_val: np.ndarray | None,
                      n_classes: int) -> dict:
    """The snapshot fields scored on ``(X_val, y_val)``: ``confusion`` (classification) or the
    regression errors and predictions; {} without data. A prediction on every row: for 12,000
    MNIST-sized rows ~50 ms, so the worker computes these once per finished epoch."""
    if X_val is None or y_val is None or len(X_val) == 0:
        return {}
    return scores_from_outputs(network.predict(X_val), y_val, n_classes)


def scores_from_outputs(outputs: np.ndarray, y: np.ndarray, n_classes: int) -> dict:
    """:func:`validation_scores` from the network's outputs on the rows of ``y`` (e.g. the ones
    ``fit`` computed for the validation curves: no second prediction)."""
    if len(outputs) == 0:
        return {}
    if n_classes >= 2:
        true = np.asarray(y).astype(np.int64).ravel()
        p = np.asarray(outputs)
        pred = (p[:, 0] > 0.5).astype(np.int64) if p.shape[1] == 1 else p.argmax(axis=1)
        ok = (true >= 0) & (true < n_classes) & (pred < n_classes)  # an output sized wrong
        cm = np.bincount(true[ok] * n_classes + pred[ok], minlength=n_classes * n_classes)
        return {"confusion": _frozen(cm.reshape(n_classes, n_classes))}
    if n_classes == 0:
        return _regression_scores(outputs, y)
    return {}


def make_snapshot(network: Network, epoch: int, grid: tuple | None, grid_points: np.ndarray | None,
                  X_val: np.ndarray | None, y_val: np.ndarray | None, n_classes: int, *,
                  fit_x: np.ndarray | None = None,
                  error_split: str = "validation", scores: dict | None = None) -> TrainingSnapshot:
    """Compute a :class:`TrainingSnapshot` of ``network`` (any thread that owns the network).

    Parameters
    ----------
    grid, grid_points : see :func:`boundary_grid_for` and :func:`boundary_points`
        The decision map (2-feature classification); None for none.
    X_val, y_val : ndarray or None
        Data for the confusion matrix (classification) or the error (regression).
    n_classes : int
        0 for regression.
    fit_x : ndarray of shape (m,) or None
        Regression with 1 feature: where to draw the network's curve (:func:`fit_points`).
    error_split : str
        What ``X_val`` is, for the words under the error ("validation" or "training").
    scores : dict or None
        :func:`validation_scores` computed earlier, to reuse instead of scoring again.
    """
    histograms, weights = [], []
    for name, layer in histogram_layers(network):
        # Up to 30 bins; fewer for small layers (32 weights in 30 bins is mostly gaps).
        bins = int(np.clip(2 * np.sqrt(layer.W.size), 10, HISTOGRAM_BINS))
        counts, edges = np.histogram(layer.W, bins=bins)
        histograms.append((name, _frozen(edges), _frozen(counts)))
        if isinstance(layer, Dense):  # the canvas draws the Dense weights as lines
            weights.append(_frozen(layer.W))
    extra: dict = {"error_split": error_split}
    if grid is not None and grid_points is not None and n_classes >= 2:  # the points of grid
        res = grid[4]
        p = network.predict(grid_points)
        if p.shape[1] == 1:  # one sigmoid neuron: probability of class 1
            p = np.concatenate([1.0 - p, p], axis=1)
        extra["boundary"] = _frozen(p.reshape(res, res, -1))
        extra["boundary_extent"] = tuple(float(v) for v in grid[:4])
    if n_classes == 0 and fit_x is not None and network.n_inputs == 1:
        x = np.asarray(fit_x, dtype=np.float32).ravel()
        extra["fit_curve"] = (_frozen(x), _frozen(network.predict(x[:, None])))
    extra.update(validation_scores(network, X_val, y_val, n_classes) if scores is None else scores)
    return TrainingSnapshot(epoch, histograms, weights, **extra)


def snapshot_for(network: Network, data, n_classes: int, epoch: int = 0) -> TrainingSnapshot:
    """A snapshot of ``network`` as it is now, for the views while no training runs.

    Parameters
    ----------
    network : Network
        Must not be training at the same time (the worker thread owns it during a run).
    data : Split or None
        The scaled split the network trains on (``.train.X/.y``, ``.val.X/.y``). None, or data
        whose feature count does not match the network, gives weights and histograms only.
    n_classes : int
        ``dataset.n_classes``; 0 for regression.
    epoch : int
        Epochs already trained (``len(history["epoch"])``). 0 (fresh weights, a structure
        edit, a reset) makes these weights the grey "start of the run" outline.
    """
    train = getattr(data, "train", None)
    # The whole sample shape: for pictures (n, H, W, C) shape[1] is the height, not the inputs.
    if train is None or len(train.X) == 0 or tuple(np.shape(train.X)[1:]) != tuple(network.input_shape):
        return make_snapshot(network, epoch, None, None, None, None, n_classes)
    grid = boundary_grid_for(train.X) if n_classes >= 2 else None
    fit_x = fit_points(fit_range_for(train.X)) if n_classes == 0 else None
    val = getattr(data, "val", None)
    if val is not None and len(val.X):
        X, y, split = val.X, val.y, "validation"
    elif n_classes == 0:  # regression without validation data: the training error still helps
        X, y, split = train.X, train.y, "training"
    else:
        X, y, split = None, None, "validation"
    return make_snapshot(network, epoch, grid, boundary_points(grid), X, y, n_classes, fit_x=fit_x,
                         error_split=split)
