"""Training views, asserted through their data: curves, histograms, map, matrix, hints."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nnstudio.data import Standardizer, load_builtin, split_dataset
from nnstudio.doctor import curve_findings, render
from nnstudio.engine import Dense, EpochRecord, Network
from nnstudio.project.build import scaled_split
from nnstudio.trainer.snapshots import (
    TrainingSnapshot,
    fit_points,
    fit_range_for,
    make_snapshot,
    snapshot_for,
)
from nnstudio.ui.views import (
    ConfusionMatrixWidget,
    DecisionBoundaryWidget,
    FitViewWidget,
    MetricsPlotWidget,
    TrainingViewsPanel,
    WeightHistogramWidget,
    boundary,
    confusion,
    fit,
    histograms,
)
from nnstudio.ui.views.axes import ReadableAxis, readable_number
from nnstudio.ui.views.boundary import probabilities_to_rgb
from nnstudio.ui.views.palette import class_color


def _record(train_loss, val_loss=None, train_acc=None, val_acc=None, lr=0.01):
    return EpochRecord(1, 100, train_loss, train_acc, val_loss, val_acc, 100, 0.1, 1000.0, lr)


def _feed(widget, train, val, acc=True):
    for i, (t, v) in enumerate(zip(train, val)):
        widget.append(_record(t, v, 0.5 + i / 200 if acc else None, 0.4 + i / 200 if acc else None))


def _xy(curve):
    """``curve.getData()`` with empty arrays instead of None for an empty curve."""
    x, y = curve.getData()
    return (np.array([]) if x is None else x), (np.array([]) if y is None else y)


def _history(train, val):
    n = len(train)
    return {"epoch": list(range(1, n + 1)), "train_loss": list(train), "val_loss": list(val),
            "train_acc": [None] * n, "val_acc": [None] * n}


HEALTHY = (np.linspace(1.0, 0.1, 60), np.linspace(1.1, 0.15, 60))
OVERFIT = (np.linspace(1.0, 0.05, 60),
           np.concatenate([np.linspace(1.1, 0.4, 20), np.linspace(0.41, 0.8, 40)]))


@pytest.fixture
def net():
    return Network(2, [Dense(8, "relu"), Dense(3, "softmax")], seed=0)


@pytest.fixture
def snapshot(net):
    rng = np.random.default_rng(0)
    grid = (-2.0, 2.0, -1.0, 1.0, 12)
    gx, gy = np.meshgrid(np.linspace(-2, 2, 12), np.linspace(-1, 1, 12))
    pts = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)
    Xv = rng.normal(size=(30, 2)).astype(np.float32)
    yv = rng.integers(0, 3, size=30)
    return make_snapshot(net, 4, grid, pts, Xv, yv, 3)


# ---------------------------------------------------------------------- metrics
def test_curves_hold_exactly_the_appended_values(qtbot):
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    train, val = np.linspace(2.0, 0.5, 25), np.linspace(2.1, 0.7, 25)
    _feed(w, train, val)
    w.flush()
    x, y = _xy(w.curves["train_loss"])
    assert list(x) == list(range(1, 26))
    np.testing.assert_allclose(y, train)
    np.testing.assert_allclose(_xy(w.curves["val_loss"])[1], val)
    np.testing.assert_allclose(w.curves["train_acc"].getData()[1],
                               [100 * (0.5 + i / 200) for i in range(25)])  # shown in percent
    assert w.n_epochs == 25


def test_redraw_is_throttled_by_a_timer(qtbot):
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    _feed(w, [1.0, 0.9, 0.8], [1.0, 1.0, 1.0])
    assert len(_xy(w.curves["train_loss"])[0]) == 0  # buffered, not drawn yet
    qtbot.waitUntil(lambda: len(_xy(w.curves["train_loss"])[0]) == 3, timeout=1000)
    assert not w._timer.isActive()  # idle: nothing ticking


def test_history_then_new_records_continue_the_epoch_numbers(qtbot):
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    w.set_history(_history([1.0, 0.8, 0.7], [1.0, 0.9, 0.85]))
    assert list(_xy(w.curves["train_loss"])[0]) == [1, 2, 3]
    w.append(_record(0.6, 0.8))
    w.flush()
    assert list(_xy(w.curves["train_loss"])[0]) == [1, 2, 3, 4]
    w.clear()
    assert len(_xy(w.curves["train_loss"])[0]) == 0 and w.n_epochs == 0


def test_regression_hides_accuracy_and_missing_validation_draws_nothing(qtbot):
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    for loss in (1.0, 0.5):
        w.append(_record(loss))
    w.flush()
    assert w.acc_plot.isHidden()
    assert len(_xy(w.curves["val_loss"])[0]) == 0


def test_many_records_grow_the_buffer(qtbot):
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    train = np.linspace(1, 0, 1000)
    _feed(w, train, train, acc=False)
    w.flush()
    np.testing.assert_allclose(_xy(w.curves["train_loss"])[1], train)


def test_overfitting_hint_shows_for_rising_validation_loss(qtbot):
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    w.set_history(_history(*OVERFIT))
    assert not w.hint_label.isHidden()
    assert "overfitting" in w.hint_label.text() and "memorising" in w.hint_label.text()
    assert w.best_line.isVisible() and w.best_line.value() == 20  # marks the best epoch
    assert not w.jump_line.isVisible()


def test_no_hint_for_a_healthy_run(qtbot):
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    w.set_history(_history(*HEALTHY))
    assert w.hint_label.isHidden() and w.hints == []


def test_loss_jump_hint_for_a_too_high_learning_rate(qtbot):
    train = np.concatenate([np.linspace(1.0, 0.2, 30), [0.9, 0.7, 0.5]])
    hints = curve_findings(np.arange(1, 34), train, train + 0.05)
    assert [h.kind for h in hints] == ["unstable"] and hints[0].epoch == 31
    assert "learning rate" in render(hints, for_="plot")
    # Tiny wiggles near zero are not jumps.
    calm = np.concatenate([np.linspace(1.0, 1e-5, 30), [3e-5, 1e-5]])
    assert curve_findings(np.arange(1, 33), calm, calm) == []
    # The plot marks the jump, not a best epoch.
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    w.set_history(_history(train, train + 0.05))
    assert w.jump_line.isVisible() and w.jump_line.value() == 31 and not w.best_line.isVisible()
    assert "jumped up at epoch 31" in w.hint_label.text()


def test_plateau_is_not_called_overfitting():
    flat = np.full(60, 0.3)
    assert curve_findings(np.arange(1, 61), flat, flat + 0.1) == []


# ---------------------------------------------------------------------- histograms
def test_histogram_curves_hold_the_snapshot_counts(qtbot, snapshot):
    w = WeightHistogramWidget()
    qtbot.addWidget(w)
    w.show(snapshot)
    assert len(w.curves) == 2
    for (name, edges, counts), curve, plot in zip(snapshot.histograms, w.curves, w.plots):
        x, y = curve.getData()
        np.testing.assert_array_equal(x, edges)
        np.testing.assert_array_equal(y, counts)
        assert plot.titleLabel.text == name


def test_histogram_reference_stays_at_the_start_of_the_run(qtbot, net, snapshot):
    w = WeightHistogramWidget()
    qtbot.addWidget(w)
    start = make_snapshot(net, 0, None, None, None, None, 3)
    w.show(start)
    for layer in net.layers:
        layer.W *= 3.0
    later = make_snapshot(net, 9, None, None, None, None, 3)
    w.show(later)
    np.testing.assert_array_equal(w.reference_curves[0].getData()[1], start.histograms[0][2])
    np.testing.assert_array_equal(_xy(w.curves[0])[1], later.histograms[0][2])


# ---------------------------------------------------------------------- decision map
def test_boundary_image_has_the_grid_shape_and_points_their_class_colour(qtbot, snapshot):
    w = DecisionBoundaryWidget()
    qtbot.addWidget(w)
    X = np.array([[0.0, 0.0], [1.0, 0.5], [-1.0, -0.5]])
    w.set_data(X, np.array([0, 1, 2]), ["a", "b", "c"])
    w.show(snapshot)
    assert w.image_item.image.shape == (12, 12, 3)
    np.testing.assert_array_equal(w.image_item.image, probabilities_to_rgb(snapshot.boundary))
    rect = w.image_item.mapRectToParent(w.image_item.boundingRect())
    assert (rect.left(), rect.right(), rect.top(), rect.bottom()) == pytest.approx((-2, 2, -1, 1))
    x, y = w.scatter.getData()
    np.testing.assert_array_equal(x, X[:, 0])
    brushes = [p.brush().color().name() for p in w.scatter.points()]
    assert brushes == [class_color(i).name() for i in range(3)]
    assert "a" in w.side.text() and "Background" in w.side.text()


def test_boundary_colours_follow_the_probabilities():
    probs = np.array([[[1.0, 0.0], [0.5, 0.5]]], np.float32)
    rgb = probabilities_to_rgb(probs).astype(int)
    c0 = np.array(class_color(0).getRgb()[:3])
    assert np.abs(rgb[0, 0] - c0).sum() < np.abs(rgb[0, 1] - c0).sum()  # sure = stronger
    assert rgb[0, 1].mean() > rgb[0, 0].mean()                           # unsure = paler


def test_boundary_explains_when_the_data_does_not_fit(qtbot):
    w = DecisionBoundaryWidget()
    qtbot.addWidget(w)
    w.set_data(np.zeros((5, 3)), np.zeros(5), ["a", "b"])
    assert "needs data with 2 features" in w.message.text() and "has 3" in w.message.text()
    w.set_data(np.zeros((5, 2)), np.zeros(5), [])
    assert "classes" in w.message.text()
    w.show(TrainingSnapshot(1, [], [], np.zeros((4, 4, 2)), (0, 1, 0, 1)))  # ignored, no crash
    assert w.image_item.image is None


# ---------------------------------------------------------------------- confusion matrix
def test_confusion_widget_shows_the_matrix_values_and_class_names(qtbot, snapshot):
    w = ConfusionMatrixWidget()
    qtbot.addWidget(w)
    w.set_class_names(["cat", "dog", "bird"])
    w.show(snapshot)
    np.testing.assert_array_equal(w.cell_texts(), snapshot.confusion.astype(str))
    ticks = w.plot_widget.getPlotItem().getAxis("bottom")._tickLevels[0]
    assert [t[1] for t in ticks] == ["cat", "dog", "bird"]
    right, total = np.trace(snapshot.confusion), snapshot.confusion.sum()
    assert f"{right} of {total} right" in w.plot_widget.getPlotItem().titleLabel.text
    w.set_matrix(np.array([[5, 1], [0, 7]]))  # fewer classes: the grid is rebuilt
    np.testing.assert_array_equal(w.cell_texts(), [["5", "1"], ["0", "7"]])
    assert w.image_item.image.shape == (2, 2, 3)


def test_confusion_says_when_there_are_no_classes(qtbot):
    w = ConfusionMatrixWidget()
    qtbot.addWidget(w)
    w.set_class_names([])
    assert "classes" in w.message.text()


# ---------------------------------------------------------------------- panel
def test_panel_draws_snapshots_on_the_visible_tab_only(qtbot, snapshot):
    panel = TrainingViewsPanel()
    qtbot.addWidget(panel)
    assert [panel.tabText(i) for i in range(4)] == ["Loss && accuracy", "Weights",
                                                    "Decision map", "Confusion matrix"]
    assert all(panel.tabToolTip(i) for i in range(4))

    class Data:
        X = np.zeros((3, 2))
        y = np.array([0, 1, 2])
        class_names = ["a", "b", "c"]
    panel.set_dataset(Data)
    panel.on_snapshot(snapshot)
    assert panel.histograms.curves == []  # "Loss & accuracy" is showing
    panel.setCurrentWidget(panel.histograms)
    np.testing.assert_array_equal(_xy(panel.histograms.curves[0])[1],
                                  snapshot.histograms[0][2])
    panel.setCurrentWidget(panel.confusion)
    np.testing.assert_array_equal(panel.confusion.cell_texts(), snapshot.confusion.astype(str))
    panel.on_epoch(_record(0.5, 0.6))
    panel.metrics.flush()
    assert list(_xy(panel.metrics.curves["train_loss"])[1]) == [0.5]
    panel.clear()
    assert panel.metrics.n_epochs == 0 and panel.confusion.matrix is None



# ---------------------------------------------------------------------- layout and axes
def test_empty_plots_forget_the_old_axes(qtbot):
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.set_history(_history(np.linspace(1, 0.1, 5000), np.linspace(1, 0.2, 5000)))
    qtbot.waitUntil(lambda: w.loss_plot.getPlotItem().viewRange()[0][1] > 4000, timeout=1000)
    w.set_history(_history([], []))
    qtbot.wait(10)
    for plot in (w.loss_plot, w.acc_plot):
        x_range = plot.getPlotItem().viewRange()[0]
        assert -1 < x_range[0] < 1 and 9 < x_range[1] < 11
    assert w.loss_plot.getPlotItem().viewRange()[1][1] == pytest.approx(1.04, abs=0.05)
    w.append(_record(50.0, 60.0))  # the next run's data takes the axes back
    w.flush()
    qtbot.waitUntil(lambda: w.loss_plot.getPlotItem().viewRange()[1][1] > 50, timeout=1000)


def test_loss_axis_turns_logarithmic_when_the_loss_explodes(qtbot):
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    falling = np.geomspace(2.3, 1e-5, 60)  # five decades down: still the familiar linear curve
    w.set_history(_history(falling, falling))
    assert not w.log_loss
    np.testing.assert_allclose(_xy(w.curves["train_loss"])[1], falling)
    exploding = np.geomspace(1, 7e21, 40)
    w.set_history(_history(exploding, exploding * 1.1))
    assert w.log_loss and "log" in w.loss_plot.getPlotItem().getAxis("left").labelText
    np.testing.assert_allclose(w.curves["train_loss"].getOriginalDataset()[1], exploding)
    w.clear()
    assert not w.log_loss and w.loss_plot.getPlotItem().getAxis("left").labelText == "loss"


def test_accuracy_plot_gets_its_half_back_after_regression(qtbot):
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    w.resize(900, 320)
    w.show()
    qtbot.waitExposed(w)
    classification = {**_history(*HEALTHY), "train_acc": [0.5] * 60, "val_acc": [0.5] * 60}
    w.set_history(classification)
    w.set_history(_history(np.geomspace(1, 7e21, 60), np.geomspace(1, 7e21, 60)))
    qtbot.wait(10)
    assert w.acc_plot.isHidden() and w.loss_plot.width() > 800
    w.set_history(classification)
    qtbot.waitUntil(lambda: abs(w.loss_plot.width() - w.acc_plot.width()) <= 2, timeout=1000)


def test_numbers_read_without_e_notation():
    assert readable_number(0.08971) == "0.0897"
    assert readable_number(12.0) == "12"
    assert readable_number(7.1e21) == "7.1·10²¹"
    assert readable_number(float("inf")) == "too large to show"
    axis = ReadableAxis("left")
    assert axis.tickStrings([2e6, 4e6], 1.0, 2e6) == ["2·10⁶", "4·10⁶"]


# ---------------------------------------------------------------------- regression views
@pytest.fixture
def curve_data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=(80, 1)).astype(np.float32)
    y = np.sin(2 * x[:, 0]).astype(np.float32)
    scaler = Standardizer.fit(x)
    return scaler.transform(x), y, scaler


def test_fit_view_draws_the_samples_and_the_network_curve_in_data_units(qtbot, curve_data):
    Xs, y, scaler = curve_data
    net = Network(1, [Dense(8, "tanh"), Dense(1, "linear")], seed=0)
    w = FitViewWidget()
    qtbot.addWidget(w)
    w.set_data(Xs, y, ["x"], scaler)
    assert w.mode == "curve"
    px, py = w.points.getData()
    np.testing.assert_allclose(px, scaler.inverse_transform(Xs)[:, 0], rtol=1e-5)  # real x
    np.testing.assert_allclose(py, y, rtol=1e-6)
    grid = fit_points(fit_range_for(Xs))
    snap = make_snapshot(net, 3, None, None, Xs, y, 0, fit_x=grid)
    w.show(snap)
    cx, cy = w.curves[0].getData()
    np.testing.assert_allclose(cx, grid * scaler.std[0] + scaler.mean[0], rtol=1e-5)
    np.testing.assert_allclose(cy, net.predict(grid[:, None])[:, 0], rtol=1e-5)
    assert w.error_text == f"Typical error (validation): {readable_number(snap.mean_abs_error)}"
    assert w.plot_widget.getPlotItem().getAxis("bottom").labelText == "x"
    assert not w.off_chart


def test_fit_view_says_when_the_line_left_the_chart(qtbot, curve_data):
    Xs, y, _ = curve_data
    net = Network(1, [Dense(8, "relu"), Dense(1, "linear")], seed=0)
    for layer in net.layers:
        layer.W *= 1e5
        layer.b += 1e5
    w = FitViewWidget()
    qtbot.addWidget(w)
    w.set_data(Xs, y)
    w.show(make_snapshot(net, 3, None, None, Xs, y, 0, fit_x=fit_points(fit_range_for(Xs))))
    assert w.off_chart and "off the chart" in w.side.text()
    assert "·10" in w.error_text  # a huge error still reads as a number


def test_predicted_vs_true_for_regression_with_several_features(qtbot):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5])).astype(np.float32)
    net = Network(3, [Dense(4, "tanh"), Dense(1, "linear")], seed=0)
    w = FitViewWidget()
    qtbot.addWidget(w)
    w.set_data(X, y, ["a", "b", "c"])
    assert w.mode == "scatter"
    snap = make_snapshot(net, 1, None, None, X, y, 0)
    assert snap.fit_curve is None
    w.show(snap)
    px, py = w.points.getData()
    np.testing.assert_allclose(px, y, rtol=1e-6)
    np.testing.assert_allclose(py, net.predict(X)[:, 0], rtol=1e-5)
    dx, dy = w.diagonal.getData()
    np.testing.assert_array_equal(dx, dy)  # the "perfect answer" line
    assert w.error_text.startswith("Typical error (validation): ")
    w.clear()
    assert w.points.getData()[0].size == 0 and w.error_text == ""


def test_panel_switches_the_prediction_tab_with_the_task(qtbot, snapshot, curve_data):
    Xs, y, scaler = curve_data
    panel = TrainingViewsPanel()
    qtbot.addWidget(panel)

    Curve = SimpleNamespace(X=Xs, y=y, class_names=[], task="regression", feature_names=["x"])
    Many = SimpleNamespace(X=np.zeros((4, 3)), y=np.zeros(4), class_names=[], task="regression",
                           feature_names=["a", "b", "c"])
    Classes = SimpleNamespace(X=np.zeros((3, 2)), y=np.array([0, 1, 2]),
                              class_names=["a", "b", "c"], task="classification")
    panel.setCurrentIndex(2)
    panel.set_dataset(Curve, scaler)
    assert panel.tabText(2) == "Fit" and panel.widget(2) is panel.fit
    assert panel.currentIndex() == 2 and panel.count() == 5
    assert not panel.isTabVisible(4)  # "Did it help?" waits for a fix to try out
    assert panel.confusion.message.text().endswith("how close the network's answers are.")
    assert not panel.isTabVisible(3)  # numbers have no classes to confuse
    net = Network(1, [Dense(4, "tanh"), Dense(1, "linear")], seed=0)
    panel.on_snapshot(make_snapshot(net, 2, None, None, Xs, y, 0,
                                    fit_x=fit_points(fit_range_for(Xs))))
    assert panel.fit.curves[0].getData()[0].size == 200  # drawn: the tab is visible
    panel.set_dataset(Many)
    assert panel.tabText(2) == "Predicted vs true" and panel.widget(2) is panel.fit
    panel.set_dataset(Classes)
    assert panel.tabText(2) == "Decision map" and panel.widget(2) is panel.boundary
    assert panel.currentIndex() == 2 and panel.isTabVisible(3)
    panel.on_snapshot(snapshot)
    assert panel.boundary.image_item.image.shape == (12, 12, 3)


def test_messages_end_with_a_full_stop(qtbot):
    texts = [boundary.NEEDS_CLASSES, boundary.WAITING, confusion.NEEDS_CLASSES, confusion.WAITING,
             fit.WAITING, histograms.CAPTION]
    w = DecisionBoundaryWidget()
    qtbot.addWidget(w)
    w.set_data(np.zeros((3, 4)), np.zeros(3), ["a", "b"])
    texts.append(w.message.text())
    assert all(t.rstrip().endswith(".") for t in texts), texts


def test_fit_view_follows_a_change_in_the_number_of_outputs(qtbot, curve_data):
    Xs, y, _ = curve_data
    w = FitViewWidget()
    qtbot.addWidget(w)
    w.set_data(Xs, y)
    grid = fit_points(fit_range_for(Xs))
    for units, drawn in ((3, [200, 200, 200]), (1, [200, 0, 0])):
        net = Network(1, [Dense(units, "linear")], seed=0)
        w.show(make_snapshot(net, 1, None, None, Xs, y, 0, fit_x=grid))
        assert [len(_xy(c)[0]) for c in w.curves] == drawn


def test_validation_settled_near_its_best_is_not_called_memorising():
    # House prices, one Dense-8 layer: the validation loss was lowest at epoch 81 and ended
    # 1.9 % above it while the training loss still crept down 3.5 %. The verdict calls the run
    # fine; the hint under the plot must not say "memorising".
    n = 100
    train = np.concatenate([np.linspace(6e9, 5.51e7, 81), np.linspace(5.51e7, 5.32e7, 19)])
    val = np.concatenate([np.linspace(4e9, 7.52e7, 81), np.full(19, 7.66e7)])
    assert curve_findings(np.arange(1, n + 1), train, val) == []
    # The same run with the validation loss climbing 20 % above its best is memorising.
    rising = np.concatenate([val[:81], np.linspace(7.6e7, 9.0e7, 19)])
    assert [h.kind for h in curve_findings(np.arange(1, n + 1), train, rising)] == ["overfitting"]


def test_the_plot_marks_the_epoch_the_verdict_names(qtbot):
    # Validation loss climbs while the accuracy stays flat: the plot's hint and the verdict
    # read the curves with one function, so both say memorising, at the same best epoch.
    from nnstudio.data import load_builtin
    from nnstudio.doctor import diagnose_run

    train, val = OVERFIT
    history = {**_history(train, val), "val_acc": [0.85] * len(train)}
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    w.set_history(history)
    verdict = diagnose_run(history, 0, load_builtin("spiral"), np.array([0, 1] * 40), None, 0.01)
    best = next(f for f in verdict if f.kind == "overfitting")
    assert [h.kind for h in w.hints] == ["overfitting"] and w.best_line.value() == best.epoch == 20


def test_snapshot_for_a_reset_network_becomes_the_weights_reference(qtbot):
    panel = TrainingViewsPanel()
    qtbot.addWidget(panel)
    ds = load_builtin("spiral", n_samples=200)
    split = split_dataset(ds, val_fraction=0.2, test_fraction=0.2, seed=0)
    data = scaled_split(split, Standardizer.fit(split.train.X))
    net = Network(2, [Dense(8, "relu"), Dense(8, "relu"), Dense(2, "softmax")], seed=0)
    panel.setCurrentWidget(panel.histograms)
    panel.on_snapshot(snapshot_for(net, data, 2, epoch=0))  # start of a run
    for layer in net.layers:
        layer.W *= 3.0
    trained = snapshot_for(net, data, 2, epoch=40)
    panel.on_snapshot(trained)  # end of the run: the outline stays at the start
    ref_edges = panel.histograms.reference_curves[0].getData()[0]
    assert not np.allclose(ref_edges, trained.histograms[0][1])  # x3 weights: wider edges
    net.reinitialize(1)  # "Reset weights": history cleared, so the window passes epoch 0
    fresh = snapshot_for(net, data, 2, epoch=0)
    panel.on_snapshot(fresh)
    for curve in (panel.histograms.reference_curves[0], panel.histograms.curves[0]):
        x, y = curve.getData()
        np.testing.assert_array_equal(x, fresh.histograms[0][1])
        np.testing.assert_array_equal(y, fresh.histograms[0][2])


# ---------------------------------------------------------------------- learning rate
def test_the_rate_strip_shows_each_epochs_rate_once_it_changes(qtbot):
    w = MetricsPlotWidget()
    qtbot.addWidget(w)
    w.show()
    for i in range(6):
        w.append(_record(1.0 - i / 10, lr=0.01))
    w.flush()
    assert not w.rate_plot.isVisible()  # a rate that never moved: no strip
    rates = [0.01 * 0.5 ** (i // 3) for i in range(6, 12)]
    for i, lr in enumerate(rates):
        w.append(_record(0.4 - i / 100, lr=lr))
    w.flush()
    assert w.rate_plot.isVisible()
    x, y = _xy(w.curves["learning_rate"])
    np.testing.assert_array_equal(x, np.arange(1, 13))
    # A log axis: the curve holds log10 of the rates.
    np.testing.assert_allclose(10 ** y, [0.01] * 6 + rates)
    # A saved history has no rates: those of the same epochs stay on show.
    w.set_history({"epoch": list(range(1, 13)),
                   "train_loss": [1.0 - i / 10 for i in range(6)] + [0.4 - i / 100 for i in range(6)],
                   "val_loss": [None] * 12, "train_acc": [None] * 12, "val_acc": [None] * 12})
    np.testing.assert_allclose(10 ** _xy(w.curves["learning_rate"])[1], [0.01] * 6 + rates)
    w.clear()
    assert not w.rate_plot.isVisible() and len(_xy(w.curves["learning_rate"])[0]) == 0
