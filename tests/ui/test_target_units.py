"""House prices in the window: the controller scales the target like the session does, and the
Fit view and the predicted-vs-true plot show prices, not standardised numbers."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from nnstudio.data import Dataset
from nnstudio.project import Project, default_network_config
from nnstudio.ui.controller import ProjectController
from nnstudio.ui.main_window import MainWindow


def prices(n_features: int = 3, n: int = 400) -> Dataset:
    """House prices (about 30,000-180,000) from area and two more features (or area alone)."""
    rng = np.random.default_rng(7)
    X = np.column_stack([rng.uniform(40, 220, n), rng.uniform(0, 80, n), rng.gamma(2, 4, n)])
    y = 20000 + 650 * X[:, 0] - 280 * X[:, 1] - 1800 * X[:, 2] + rng.normal(0, 6000, n)
    X = X[:, :n_features].astype(np.float32)
    names = ["area", "age", "distance"][:n_features]
    source = {"kind": "builtin", "name": "prices", "params": {"features": n_features}}
    return Dataset(X, np.clip(y, 25000, 190000).astype(np.float32), names, [], "regression",
                   source, "prices")


def project_for(dataset: Dataset) -> Project:
    project = Project(name="Houses", data_source=dict(dataset.source),
                      network=default_network_config(dataset, hidden=(8,)))
    project.training["epochs"] = 60
    return project


@pytest.fixture
def houses():
    ctl = ProjectController()
    ds = prices()
    ctl.load(project_for(ds), ds)
    yield ctl
    ctl.undo_stack.clear()


def shift(ctl) -> float:
    return float(ctl.network.target_scaling.shift[0])


def test_the_controller_fits_the_scaling_on_the_training_part_and_saves_it(houses):
    ctl = houses
    train_y = ctl.split.train.y.astype(np.float64)
    assert shift(ctl) == pytest.approx(train_y.mean(), rel=1e-12)
    assert ctl.project_to_save().network["target_scaling"] == ctl.network.target_scaling.get_config()
    # A new split before training: fresh weights learn in the new training part's scale.
    ctl.set_split(seed=5)
    assert shift(ctl) == pytest.approx(ctl.split.train.y.astype(np.float64).mean(), rel=1e-12)
    assert shift(ctl) != pytest.approx(train_y.mean(), rel=1e-9)


def test_trained_weights_keep_their_scaling_until_they_are_reset(houses):
    ctl = houses
    before = ctl.network.target_scaling
    ctl.project.history = {"epoch": [1], "train_loss": [1.0], "train_acc": [None],
                           "val_loss": [1.0], "val_acc": [None]}  # as after one epoch
    ctl.set_split(seed=5)  # the weights are kept: so is the scale they answer in
    assert ctl.network.target_scaling == before
    ctl.reset_weights()  # fresh weights: the new split's scale
    assert shift(ctl) == pytest.approx(ctl.split.train.y.astype(np.float64).mean(), rel=1e-12)
    ctl.undo_stack.undo()
    assert ctl.network.target_scaling == before


def test_an_old_trained_project_stays_unscaled_until_reset():
    ds = prices()
    project = project_for(ds)
    ctl = ProjectController()
    from nnstudio.engine import Network

    project.weights = Network.from_config(project.network).get_weights()  # saved without scaling
    project.history = {"epoch": [1], "train_loss": [1.0], "train_acc": [None], "val_loss": [1.0],
                       "val_acc": [None]}
    ctl.load(project, ds)
    assert ctl.network.target_scaling is None and "target_scaling" not in ctl.project_to_save().network
    ctl.reset_weights()
    assert shift(ctl) == pytest.approx(ctl.split.train.y.astype(np.float64).mean(), rel=1e-12)
    ctl.undo_stack.clear()


@pytest.fixture
def window(qtbot, monkeypatch, isolated_settings):
    w = MainWindow(settings_scope="tests")
    qtbot.addWidget(w)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    w.show()
    yield w
    w.runner.stop()
    w.ctl._set_dirty(False)


def train_houses(w, qtbot, dataset: Dataset) -> None:
    w.ctl.load(project_for(dataset), dataset)
    w.views.setCurrentIndex(2)  # the Fit / predicted-vs-true tab draws only while visible
    w.actions["train"].trigger()
    qtbot.waitUntil(lambda: w.runner.state == "idle", timeout=60_000)


def test_predicted_vs_true_shows_prices_and_the_run_beats_the_average(window, qtbot):
    train_houses(window, qtbot, prices(3))
    fit = window.views.fit
    assert fit.mode == "scatter"
    true, pred = fit.points.getData()
    val_y = window.ctl.scaled_split.val.y
    np.testing.assert_allclose(np.sort(true), np.sort(val_y), rtol=1e-6)  # real prices across
    mean_error = float(np.mean(np.abs(val_y - window.ctl.split.train.y.mean())))
    assert float(np.mean(np.abs(pred - true))) < 0.3 * mean_error  # answers in prices, and close
    assert fit.error_text.startswith("Typical error (validation): ")
    assert "worse than always answering the average" not in window._verdict


def test_the_fit_curve_is_drawn_in_prices(window, qtbot):
    train_houses(window, qtbot, prices(1))
    fit = window.views.fit
    assert fit.mode == "curve"
    x, y = fit.curves[0].getData()
    assert 30 < x.min() and x.max() < 230  # square metres, not standardised
    # The line runs through the dots: at each area, close to the price the relation gives.
    expected = 20000 + 650 * x - 280 * 40 - 1800 * 8
    assert float(np.median(np.abs(y - expected))) < 12_000
    assert not fit.off_chart


def test_the_data_panel_writes_prices_as_the_verdict_does(qtbot, houses, tmp_path):
    # "from 2.86e+04 to 1.9e+05" read as code to a teacher; the verdict says "28,600".
    from nnstudio.ui.data.data_panel import DataPanel

    panel = DataPanel(houses, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(panel)
    panel.summary_box.show_dataset(houses.dataset)
    text = panel.classes_label.text()
    y = houses.dataset.y
    assert "e+0" not in text
    assert f"from {round(float(y.min()), -2):,.0f} to {round(float(y.max()), -3):,.0f}" in text
