"""The doctor in the window: a finding's fix button applies the fix (one undoable step) and the
proof (two real short runs in a worker thread) ends with both curves and a sentence; fixes
that change layers go through the controller's layer edits; a blow-up offers Continue."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.doctor.fixes import Fix
from nnstudio.ui.training.doctor_live import LiveDoctor, proof_epochs, worst_sample
from nnstudio.ui.training.training_runner import TrainingRunner
from nnstudio.ui.views import TrainingViewsPanel


@pytest.fixture
def doctor(qtbot, ctl):
    views = TrainingViewsPanel()
    qtbot.addWidget(views)
    runner = TrainingRunner(ctl)
    doc = LiveDoctor(ctl, runner, views)
    yield doc
    doc.shutdown()
    runner.stop()


def _train(qtbot, doctor, ctl, **settings) -> None:
    ctl.set_training(epochs_per_second=0, **settings)
    assert doctor._runner.start()
    qtbot.waitUntil(lambda: doctor._runner.state == "idle", timeout=60_000)


def test_a_fix_button_applies_the_fix_and_its_proof_ends_with_a_sentence(qtbot, ctl, doctor,
                                                                          messages):
    # Adam at a rate of 1 on the spiral: the loss jumps around, the doctor says the steps are
    # too big and offers a smaller rate.
    _train(qtbot, doctor, ctl, learning_rate=1.0, epochs=40)
    strip = doctor.strip
    assert not strip.isHidden()
    assert [f.kind for f in doctor.findings][0] == "unstable"
    button = strip.buttons[0]
    assert button.text() == "Lower the learning rate to 0.1" and button.toolTip()
    start = doctor._start_weights
    button.click()
    # Applied at once, as one undoable step.
    assert ctl.project.training["optimizer"]["config"]["learning_rate"] == 0.1
    assert ctl.undo_stack.undoText() == "Lower the learning rate to 0.1"
    views = doctor._views
    assert views.currentWidget() is views.proof and not views.proof.progress.isHidden()
    # The window keeps answering while the proof runs: the event loop turns (waitUntil polls
    # through it) until the worker thread reports the result.
    qtbot.waitUntil(lambda: views.proof.proof is not None, timeout=120_000)
    proof = views.proof.proof
    assert proof.outcome in ("helped", "no_difference", "worse") and proof.sentence
    assert proof.fix.label == "Lower the learning rate to 0.1"
    assert views.proof.sentence_label.text() == proof.sentence
    assert views.proof.progress.isHidden()
    # Both runs drawn, from the same start: their first epochs' weights began equal.
    x0, y0 = views.proof.curves["without"].getData()
    x1, y1 = views.proof.curves["with"].getData()
    assert len(x0) == len(proof.without.history["epoch"]) > 0
    assert len(x1) == len(proof.with_fix.history["epoch"]) > 0
    np.testing.assert_allclose(y0, proof.without.history[proof.metric], rtol=1e-6)
    assert start is not None and set(start) == set(ctl.network.get_weights())
    assert messages[-1][0] == proof.sentence
    # Undo takes the fix back.
    ctl.undo_stack.undo()
    assert ctl.project.training["optimizer"]["config"]["learning_rate"] == 1.0


def test_a_layer_fix_goes_through_the_layer_edits_as_one_undo_step(qtbot, ctl, doctor):
    before = [dict(spec["config"]) for spec in ctl.layers]
    fix = Fix("dropout", "Add a Dropout layer (0.2)", {"rate": 0.2}, "overfitting")
    assert doctor.apply_and_prove(fix)
    kinds = [spec["class"] for spec in ctl.layers]
    assert kinds == ["Dense", "Dense", "Dropout", "Dense"]
    assert ctl.layers[2]["config"]["rate"] == 0.2
    doctor.proofs.cancel()
    qtbot.waitUntil(lambda: not doctor.proofs.busy, timeout=60_000)
    assert doctor._views.proof.proof is None or doctor._views.proof.proof.outcome == "cancelled"
    ctl.undo_stack.undo()  # one step takes the whole fix back
    assert [spec["config"] for spec in ctl.layers] == before

    fix = Fix("neurons", "Halve the neurons of each hidden layer", {"factor": 0.5}, "too_little_data")
    assert doctor.apply_and_prove(fix)
    assert [spec["config"].get("units") for spec in ctl.layers] == [8, 8, 1]
    doctor.proofs.shutdown()
    ctl.undo_stack.undo()
    assert [spec["config"].get("units") for spec in ctl.layers] == [16, 16, 1]
    # Other data: the proof tab goes, since it was about the old data.
    views = doctor._views
    assert views.isTabVisible(views.indexOf(views.proof))
    ctl.set_split(val=0.3)
    assert not views.isTabVisible(views.indexOf(views.proof)) and views.currentWidget() is views.metrics


def test_a_flat_run_offers_a_larger_rate_live(qtbot, ctl, doctor):
    _train(qtbot, doctor, ctl, learning_rate=1e-5, epochs=40)
    labels = [b.text() for b in doctor.strip.buttons]
    assert "Raise the learning rate to 0.0001" in labels
    ctl.reset_weights()  # the history is gone: nothing to judge
    assert doctor.strip.isHidden() and doctor.findings == []


def test_the_worst_sample_is_the_one_with_the_largest_loss(ctl):
    net, split = ctl.network, ctl.scaled_split
    i = worst_sample(net, split.train.X, split.train.y)
    p = net.predict(split.train.X)[:, 0]
    y = split.train.y
    loss = -np.log(np.where(y == 1, p, 1 - p))
    assert i == int(np.argmax(loss))


def test_fixes_show_while_the_run_goes_and_pressing_one_stops_it(qtbot, ctl, doctor):
    runner = doctor._runner
    ctl.set_training(learning_rate=1.0, epochs=100_000, epochs_per_second=0)
    assert runner.start()
    # Read live (about once a second), while the run is still going.
    qtbot.waitUntil(lambda: bool(doctor.strip.buttons), timeout=60_000)
    assert runner.state == "running"
    title = doctor.rows()[0]
    assert title[0] == "Steps too big" and title[2]  # the sentence is the title's tooltip
    doctor.strip.buttons[0].click()
    assert runner.state == "idle"  # the run stopped first, keeping its weights
    assert ctl.project.training["optimizer"]["config"]["learning_rate"] == 0.1
    qtbot.waitUntil(lambda: not doctor.proofs.busy, timeout=120_000)
    assert doctor._views.proof.proof is not None


def test_proof_runs_are_short_on_big_data():
    assert proof_epochs(60, 240) == 60          # the spiral: the run's own length
    assert proof_epochs(5000, 240) == 200       # at most PROOF_MAX_EPOCHS
    assert proof_epochs(100, 48_000) == 10      # MNIST-sized: 500,000 rows in all
    assert proof_epochs(100, 10_000_000) == 5   # but never fewer than 5 epochs


def test_a_row_of_fix_buttons_wraps_instead_of_widening_the_window(qtbot):
    # On a 1366 px screen the plots get ~550 px; the overfitting row on one line needs ~725 and
    # pushed the window 113 px past the screen's edge.
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from nnstudio.ui.views.doctor_strip import DoctorStripWidget

    fixes = [Fix("early_stopping", "Add early stopping that goes back to the best epoch", {},
                 "overfitting"),
             Fix("l2", "Add an L2 penalty of 0.001", {"l2": 0.001}, "overfitting"),
             Fix("dropout", "Add a Dropout layer (0.2)", {"rate": 0.2}, "overfitting")]
    host = QWidget()
    qtbot.addWidget(host)
    strip = DoctorStripWidget()
    QVBoxLayout(host).addWidget(strip)
    strip.set_rows([("Memorising", fixes)])
    one_line = sum(b.sizeHint().width() for b in strip.buttons)
    assert host.minimumSizeHint().width() < 420 < one_line
    host.resize(420, 200)
    host.show()
    qtbot.waitExposed(host)
    qtbot.waitUntil(lambda: len({b.geometry().top() for b in strip.buttons}) == 2)
    for b in strip.buttons:  # each whole, inside the row
        assert b.geometry().right() <= strip.width() and b.width() == b.sizeHint().width()


def _small_moons_window(open_window, stop: dict | None, epochs: int):
    """The window on 60 noisy moons with a 64-64 network: it memorises within a few epochs."""
    from nnstudio.data import load_builtin

    w = open_window()
    assert w.ctl.set_dataset(load_builtin("moons", n_samples=60, noise=0.4))
    assert [spec["class"] for spec in w.ctl.layers] == ["Dense", "Dense", "Dense"]
    for i in range(2):
        w.ctl.update_layer(i, units=64)
    w.ctl.set_training(stop=stop, epochs=epochs, epochs_per_second=0)
    return w


@pytest.mark.usefixtures("isolated_settings")
def test_after_early_stopping_went_back_the_window_says_so_and_offers_no_stop_again(
        open_window, wait_idle):
    stop = {"class": "EarlyStopping", "config": {"monitor": "val_loss", "patience": 10}}
    w = _small_moons_window(open_window, stop, 300)
    w.actions["train"].trigger()
    wait_idle(w)
    rec = w.doctor.last_record
    assert rec is not None and rec.restored_epoch is not None
    back, at = rec.restored_epoch, len(w.ctl.project.history["epoch"])
    assert back < at < 300
    # The verdict: stopped early, went back, the kept epoch's scores; no stale advice.
    assert f"Training stopped early at epoch {at}" in w._verdict
    assert f"went back to epoch {back}, its best" in w._verdict
    assert "more epochs" not in w._verdict and "ended at" not in w._verdict
    # The plot marks the kept epoch and no longer says "not improved ... go back".
    metrics = w.views.metrics
    assert metrics.best_line.isVisible() and metrics.best_line.value() == back
    assert "has not improved" not in metrics.hint_label.text()
    assert "overfitting" not in [f.kind for f in metrics.hints]
    # The strip: no memorising row, no early stopping button.
    assert "overfitting" not in [f.kind for f in w.doctor.findings]
    fixes = [fix for _title, row, _tip in w.doctor.rows() for fix in row]
    assert not [fix for fix in fixes if fix.kind == "early_stopping"]


@pytest.mark.usefixtures("isolated_settings")
def test_each_finding_is_said_once_after_a_run(open_window, wait_idle, tmp_path):
    """Memorising is said under the loss plot (with its best-epoch line and fix buttons), not
    again in the message bar, which keeps the scores and points there; at 1366x768 the loss
    plot keeps its room."""
    w = _small_moons_window(open_window, None, 200)
    w.resize(1366, 768)
    w.actions["train"].trigger()
    wait_idle(w)
    metrics = w.views.metrics
    kinds = [f.kind for f in metrics.hints]
    assert "overfitting" in kinds and "memorising" in metrics.hint_label.text()
    assert "memorising" not in w._verdict and "Validation accuracy" in w._verdict
    assert "under the loss plot" in w._verdict
    assert w.doctor.rows()[0][0] == "Memorising"
    w.grab().save(str(tmp_path / "window.png"))  # rendered as a person sees it
    assert metrics.loss_plot.height() >= 110
