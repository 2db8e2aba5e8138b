"""A click on a dot chooses that sample for the magnifying glass, in the data panel's plot and
on the decision map; the chosen sample wears a ring in both."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from nnstudio.ui.views.sample_ring import CLICK_TIP


def click_at(qtbot, plot_widget, x: float, y: float, dx: int = 0, dy: int = 0) -> None:
    """A real left click where data point (x, y) is drawn, moved by (dx, dy) pixels."""
    vb = plot_widget.getPlotItem().vb
    scene = vb.mapViewToScene(QPointF(x, y))
    pos = plot_widget.mapFromScene(scene) + QPoint(dx, dy)
    qtbot.mouseClick(plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)


@pytest.fixture
def decision_map(window, qtbot):
    window.views.setCurrentWidget(window.views.boundary)
    qtbot.waitUntil(lambda: window.views.boundary.plot_widget.isVisible())
    return window.views.boundary


def test_a_click_on_a_decision_map_dot_chooses_that_training_sample(window, decision_map, qtbot):
    X = window.ctl.scaled_split.train.X
    i = 23
    with qtbot.waitSignal(window.ctl.sample_chosen, timeout=2000) as got:
        click_at(qtbot, decision_map.plot_widget, *X[i], dx=2, dy=-2)  # a little off the centre
    assert got.args == [i] and window.ctl.chosen_sample == i
    assert decision_map.ring.position() == pytest.approx(tuple(X[i].astype(float)))
    assert CLICK_TIP in decision_map.plot_widget.toolTip()


def test_the_click_picks_the_nearest_dot(window, decision_map, qtbot):
    X = window.ctl.scaled_split.train.X.astype(float)
    vb = decision_map.plot_widget.getPlotItem().vb
    # Two dots close together on screen: a click nearer the second picks the second.
    px = np.array([[vb.mapViewToScene(QPointF(*p)).x(), vb.mapViewToScene(QPointF(*p)).y()]
                   for p in X])
    d = np.hypot(*(px[:, None, :] - px[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    a, b = np.unravel_index(np.argmin(d), d.shape)
    towards = (px[b] - px[a]) * 0.8  # 80 % of the way from a to b, in pixels
    click_at(qtbot, decision_map.plot_widget, *X[a], dx=round(towards[0]), dy=round(towards[1]))
    assert window.ctl.chosen_sample == b


def test_a_click_on_empty_ground_chooses_nothing(window, decision_map, qtbot):
    X = window.ctl.scaled_split.train.X
    far = X.max(axis=0) + 0.4  # beyond every dot (the map reaches a little further)
    window.ctl.choose_sample(5)
    click_at(qtbot, decision_map.plot_widget, *far)
    assert window.ctl.chosen_sample == 5


def test_a_click_on_a_data_plot_dot_chooses_the_training_sample(window, qtbot):
    ctl, scatter = window.ctl, window.data_panel.scatter
    scatter.plot.getPlotItem().vb.autoRange()
    qtbot.waitUntil(lambda: scatter.plot.isVisible())
    i = 31
    row = int(ctl.split.train_indices[i])
    x, y = scatter.dot_position(row)
    click_at(qtbot, scatter.plot, x, y, dx=1, dy=1)
    assert ctl.chosen_sample == i
    assert scatter.ring.position() == pytest.approx((x, y))
    assert CLICK_TIP in scatter.plot.toolTip()
    # The decision map rings the same sample.
    assert window.views.boundary.ring.position() == pytest.approx(
        tuple(ctl.scaled_split.train.X[i].astype(float)))


def test_a_validation_dot_is_not_chosen_and_says_why(qtbot, window):
    """Four dots far apart, two of them training rows: a click on a third says why."""
    from nnstudio.data import Dataset
    from nnstudio.ui.data.scatter import DataScatterWidget

    X = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=np.float32) + 0.25
    ds = Dataset(X, np.array([0, 1, 0, 1]), ["a", "b"], ["no", "yes"], "classification",
                 {"kind": "test"}, "corners")
    scatter = DataScatterWidget()
    qtbot.addWidget(scatter)
    scatter.resize(320, 300)
    scatter.show()
    qtbot.waitExposed(scatter)
    scatter.set_dataset(ds)
    scatter.set_train_rows(np.array([3, 0]))  # training sample 0 is row 3, sample 1 is row 0
    vb = scatter.plot.getPlotItem().vb
    qtbot.waitUntil(lambda: vb.viewRect().contains(QPointF(10, 10)))  # autorange is drawn lazily
    chosen, other = [], []
    scatter.sample_clicked.connect(chosen.append)
    scatter.other_part_clicked.connect(other.append)
    click_at(qtbot, scatter.plot, *X[3])
    click_at(qtbot, scatter.plot, *X[2], dx=-3)
    assert chosen == [0] and other == [2]
    # In the window, such a click is answered in the message bar, and nothing is chosen.
    ctl = window.ctl
    posted = []
    ctl.message_posted.connect(lambda text, level: posted.append(text))
    row = int(ctl.split.val_indices[0])
    window.data_panel.scatter.other_part_clicked.emit(row)
    assert ctl.chosen_sample == -1
    assert posted and f"Row {row} is a validation sample" in posted[-1]


def test_choosing_in_code_rings_the_data_plot_dot(window):
    ctl, scatter = window.ctl, window.data_panel.scatter
    ctl.choose_sample(8)
    assert scatter.ring.position() == pytest.approx(
        scatter.dot_position(int(ctl.split.train_indices[8])))
    ctl.choose_sample(-1)
    assert scatter.ring.position() is None


def test_a_thinned_out_sample_is_still_ringed_where_it_lies(qtbot):
    """Big data draws a sample of its dots; a chosen row that is not drawn gets its ring at
    its own values."""
    from nnstudio.data import Dataset
    from nnstudio.ui.data.scatter import MAX_POINTS, DataScatterWidget

    n = MAX_POINTS * 3
    X = np.random.default_rng(0).normal(size=(n, 2)).astype(np.float32)
    ds = Dataset(X, (X[:, 0] > 0).astype(int), ["a", "b"], ["no", "yes"], "classification",
                 {"kind": "test"}, "many")
    scatter = DataScatterWidget()
    qtbot.addWidget(scatter)
    scatter.set_dataset(ds)
    hidden = next(r for r in range(n) if scatter.dot_position(r) is None)
    scatter.show_chosen(hidden)
    assert scatter.ring.position() == pytest.approx(tuple(X[hidden].astype(float)))
    drawn = int(scatter._drawn_rows[0])
    scatter.show_chosen(drawn)
    assert scatter.ring.position() == pytest.approx(scatter.dot_position(drawn))
