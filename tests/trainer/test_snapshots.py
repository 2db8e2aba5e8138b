"""What the views are drawn from (trainer/snapshots.py), without Qt: the decision map, the
confusion matrix, the network's curve and the error, for a run or for an idle network."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import Standardizer, load_builtin, split_dataset
from nnstudio.engine import Dense, Network
from nnstudio.project.build import scaled_split
from nnstudio.trainer.snapshots import boundary_grid_for, fit_range_for, make_snapshot, snapshot_for


def _split(name, **kwargs):
    """``(dataset, split)`` with standardized features, as the window's session keeps it."""
    ds = load_builtin(name, **kwargs)
    split = split_dataset(ds, val_fraction=0.2, test_fraction=0.2, seed=0)
    return ds, scaled_split(split, Standardizer.fit(split.train.X))


def _network(output=None) -> Network:
    return Network(2, [Dense(8, "relu"), Dense(8, "relu"), output or Dense(2, "softmax")], seed=0)


def test_snapshot_of_a_sigmoid_output_has_two_class_channels():
    ds, data = _split("spiral", n_samples=200)
    Xtr, Xva, yva = data.train.X, data.val.X, data.val.y
    net = _network(Dense(1, "sigmoid"))
    grid = boundary_grid_for(Xtr, resolution=10)
    xs = np.linspace(grid[0], grid[1], 10)
    ys = np.linspace(grid[2], grid[3], 10)
    pts = np.column_stack([a.ravel() for a in np.meshgrid(xs, ys)]).astype(np.float32)
    snap = make_snapshot(net, 3, grid, pts, Xva, yva, 2)
    assert snap.boundary.shape == (10, 10, 2)
    np.testing.assert_allclose(snap.boundary[..., 1].ravel(), net.predict(pts)[:, 0], rtol=1e-6)
    assert snap.confusion.sum() == len(Xva)


# ---------------------------------------------------------------------- snapshot_for (idle)
def test_snapshot_for_builds_every_picture_for_classification():
    ds, data = _split("spiral", n_samples=200)
    net = _network()
    snap = snapshot_for(net, data, 2, epoch=7)
    assert snap.epoch == 7 and len(snap.histograms) == 3
    assert snap.boundary.shape == (80, 80, 2)
    assert snap.boundary_extent == pytest.approx(boundary_grid_for(data.train.X)[:4])
    assert snap.confusion.sum() == len(data.val.X) and snap.fit_curve is None


def test_snapshot_for_regression_and_for_missing_or_mismatched_data():
    ds, data = _split("regression_1d")
    net = Network(1, [Dense(8, "tanh"), Dense(1, "linear")], seed=0)
    snap = snapshot_for(net, data, 0)
    lo, hi, res = fit_range_for(data.train.X)
    assert snap.fit_curve[0][0] == pytest.approx(lo) and snap.fit_curve[0][-1] == pytest.approx(hi)
    assert snap.mean_abs_error is not None and snap.error_split == "validation"
    assert snap.epoch == 0 and snap.confusion is None and snap.boundary is None
    bare = snapshot_for(net, None, 0, epoch=3)
    assert bare.epoch == 3 and bare.fit_curve is None and len(bare.weights) == 2
    other = snapshot_for(_network(), data, 0)  # 2-input network, 1-feature data: no crash
    assert other.fit_curve is None and other.mean_abs_error is None


def test_snapshot_for_ignores_a_regression_output_of_the_wrong_size():
    ds, data = _split("regression_1d")
    net = Network(1, [Dense(8, "tanh"), Dense(3, "linear")], seed=0)  # 3 outputs, 1 target
    snap = snapshot_for(net, data, 0)
    assert snap.fit_curve[1].shape == (200, 3) and snap.mean_abs_error is None


def test_a_conv_net_s_histograms_are_named_after_their_own_layers():
    """Layers without weights (Rescaling, pooling, Flatten) must not shift the names: each
    histogram is its own layer's weights under that layer's name; Conv2D kernels have one too,
    while ``weights`` (the canvas's lines) stays the Dense matrices."""
    from nnstudio.engine import Conv2D, Flatten, MaxPool2D, Rescaling

    net = Network((8, 8, 1), [Rescaling(1 / 16), Conv2D(4), MaxPool2D(), Conv2D(6, 5, padding="same"),
                              Flatten(), Dense(12, "relu"), Dense(10, "softmax")], seed=0)
    snap = make_snapshot(net, 0, None, None, None, None, 10)
    names = [name for name, _, _ in snap.histograms]
    assert names == ["Layer 2 (4 filters 3x3)", "Layer 4 (6 filters 5x5)", "Layer 6 (54→12)",
                     "Output (12→10)"]
    for (_, edges, counts), layer in zip(snap.histograms, [net.layers[i] for i in (1, 3, 5, 6)]):
        assert counts.sum() == layer.W.size
        assert edges[0] == layer.W.min() and edges[-1] == layer.W.max()
    assert [w.shape for w in snap.weights] == [(54, 12), (12, 10)]
