"""TrainerWorker on small real problems: completion, pause/resume, stop, step, learning rate,
divergence, errors, snapshots. Every started thread is stopped and waited for in teardown.
The Qt-free parts it drives are tested in tests/trainer."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.data import Standardizer, load_builtin, split_dataset
from nnstudio.engine import SGD, Adam, Dense, EpochRecord, Network
from nnstudio.trainer.driver import SNAPSHOT_INTERVAL_S
from nnstudio.trainer.snapshots import TrainingSnapshot, boundary_grid_for
from nnstudio.ui.training.worker import TrainerWorker, start_worker_thread, stop_worker_thread
from nnstudio.ui.views import TrainingViewsPanel

LONG = 1_000_000  # epochs for runs the test ends itself


def _split(name, **kwargs):
    ds = load_builtin(name, **kwargs)
    split = split_dataset(ds, val_fraction=0.2, test_fraction=0.2, seed=0)
    scaler = Standardizer.fit(split.train.X)

    class Part:
        def __init__(self, part):
            self.X, self.y = scaler.transform(part.X), part.y

    class Scaled:  # what the window's controller keeps as ``data``: a scaled Split
        train, val = Part(split.train), Part(split.val)
    return ds, Scaled


@pytest.fixture(scope="module")
def spiral():
    ds = load_builtin("spiral", n_samples=200)
    split = split_dataset(ds, val_fraction=0.2, test_fraction=0.2, seed=0)
    scaler = Standardizer.fit(split.train.X)
    return (scaler.transform(split.train.X), split.train.y,
            scaler.transform(split.val.X), split.val.y, ds.class_names)


def _network(output=None) -> Network:
    return Network(2, [Dense(8, "relu"), Dense(8, "relu"), output or Dense(2, "softmax")], seed=0)


class Run(QObject):
    """Records what a worker emitted, in the GUI thread, and re-emits it from there.

    PySide6 calls a plain callable (a lambda, ``list.append``, pytest-qt's blocker) in the
    thread that emits; a QObject's methods run in the QObject's own thread. So the test waits
    on this object's signals, never directly on the worker's.
    """

    epoch_finished = Signal(object)
    state_changed = Signal(str)
    finished = Signal(str)

    def __init__(self, worker: TrainerWorker):
        super().__init__()
        self.worker = worker
        self.epochs, self.batches, self.snapshots, self.failed = [], [], [], []
        self.states = []
        worker.records_ready.connect(self._on_worker_records_ready)
        worker.snapshot_ready.connect(self._on_worker_snapshot_ready)
        worker.failed.connect(self._on_worker_failed)
        worker.state_changed.connect(self._on_worker_state_changed)
        worker.finished.connect(self._on_worker_finished)
        self.thread = None

    def start(self):
        self.thread = start_worker_thread(self.worker)
        return self

    @Slot(object)
    def _on_worker_records_ready(self, records):
        for record in records:
            if isinstance(record, EpochRecord):
                self.epochs.append(record)
                self.epoch_finished.emit(record)
            else:
                self.batches.append(record)

    @Slot(object)
    def _on_worker_snapshot_ready(self, snapshot):
        self.snapshots.append(snapshot)

    @Slot(str)
    def _on_worker_failed(self, message):
        self.failed.append(message)

    @Slot(str)
    def _on_worker_state_changed(self, state):
        self.states.append(state)
        self.state_changed.emit(state)

    @Slot(str)
    def _on_worker_finished(self, reason):
        self.finished.emit(reason)


@pytest.fixture(params=["process", "thread"])
def make_run(request, qtbot, spiral):
    """Factory: ``make_run(epochs=..., **worker kwargs)``; stops every run in teardown. Every
    test using it runs twice: the engine in a child process (small networks in the window) and
    in the worker's thread (big ones)."""
    runs = []

    def make(network=None, optimizer=None, epochs=20, data=None, start=True, **kwargs):
        kwargs.setdefault("isolation", request.param)
        Xtr, ytr, Xva, yva, names = data or spiral
        kwargs.setdefault("boundary_grid", boundary_grid_for(Xtr, resolution=20))
        kwargs.setdefault("n_classes", len(names))
        worker = TrainerWorker(network or _network(), Xtr, ytr, Xva, yva,
                               optimizer or Adam(learning_rate=0.01), epochs=epochs,
                               batch_size=kwargs.pop("batch_size", 32), seed=0, **kwargs)
        run = Run(worker)
        runs.append(run)
        return run.start() if start else run

    yield make
    for run in runs:
        assert stop_worker_thread(run.worker, run.thread, 5000), "worker thread did not end"


def _wait_state(qtbot, run, state):
    return qtbot.waitSignal(run.state_changed, timeout=5000,
                            check_params_cb=lambda s: s == state)


def test_trains_a_real_problem_to_completion(qtbot, make_run):
    run = make_run(epochs=25, start=False)
    with qtbot.waitSignal(run.finished, timeout=15000) as blocker:
        run.start()
    assert blocker.args == ["completed"]
    assert [r.epoch for r in run.epochs] == list(range(1, 26))
    assert run.epochs[-1].train_loss < run.epochs[0].train_loss
    assert run.failed == [] and run.states[0] == "running"
    assert run.snapshots[0].epoch == 0 and run.snapshots[-1].epoch == 25  # start and end


def test_pause_stops_progress_and_resume_continues(qtbot, make_run):
    run = make_run(epochs=LONG)
    qtbot.waitUntil(lambda: len(run.epochs) >= 3, timeout=5000)
    with _wait_state(qtbot, run, "paused"):
        run.worker.pause()
    assert run.worker.is_paused
    paused_at = len(run.epochs)
    qtbot.wait(300)
    assert len(run.epochs) == paused_at, "training went on while paused"
    with _wait_state(qtbot, run, "running"):
        run.worker.resume()
    qtbot.waitUntil(lambda: len(run.epochs) >= paused_at + 3, timeout=5000)
    assert [r.epoch for r in run.epochs] == list(range(1, len(run.epochs) + 1))


def test_stop_ends_early_with_reason_stopped(qtbot, make_run):
    run = make_run(epochs=LONG)
    qtbot.waitUntil(lambda: len(run.epochs) >= 2, timeout=5000)
    with qtbot.waitSignal(run.finished, timeout=5000) as blocker:
        run.worker.stop()
    assert blocker.args == ["stopped"]
    assert 2 <= len(run.epochs) < LONG
    assert run.thread.wait(2000)  # finished -> quit: the thread ends by itself


def test_stop_while_paused(qtbot, make_run):
    run = make_run(epochs=LONG, start=False)
    run.worker.pause()  # before the start: paused before the first step
    with _wait_state(qtbot, run, "paused"):
        run.start()
    with qtbot.waitSignal(run.finished, timeout=5000) as blocker:
        run.worker.stop()
    assert blocker.args == ["stopped"] and run.epochs == []


def test_step_epoch_runs_exactly_one_epoch(qtbot, make_run):
    run = make_run(epochs=LONG, start=False)
    run.worker.pause()
    with _wait_state(qtbot, run, "paused"):
        run.start()
    assert run.epochs == []
    for expected in (1, 2):
        with _wait_state(qtbot, run, "paused"):
            run.worker.step_epoch()
        qtbot.wait(100)
        assert [r.epoch for r in run.epochs] == list(range(1, expected + 1))
    # Pausing shows where it stopped: the last snapshot is of the last epoch.
    assert run.snapshots[-1].epoch == 2


def test_set_learning_rate_reaches_the_next_epoch_record(qtbot, make_run):
    opt = Adam(learning_rate=0.01)
    run = make_run(optimizer=opt, epochs=LONG, start=False)
    run.worker.pause()
    with _wait_state(qtbot, run, "paused"):
        run.start()
    run.worker.set_learning_rate(0.0042)
    with _wait_state(qtbot, run, "paused"):
        run.worker.step_epoch()
    assert run.epochs[-1].learning_rate == pytest.approx(0.0042)
    assert opt.learning_rate == pytest.approx(0.0042)
    # And while running, without pausing:
    run.worker.set_learning_rate(0.003)
    n = len(run.epochs)
    run.worker.resume()
    qtbot.waitUntil(lambda: len(run.epochs) >= n + 2, timeout=5000)
    assert run.epochs[-1].learning_rate == pytest.approx(0.003)


def test_diverging_run_reports_the_learning_rate_and_keeps_finite_weights(qtbot, make_run):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2)).astype(np.float32)
    y = (X @ np.array([30.0, -20.0]) + 50).astype(np.float32)
    net = Network(2, [Dense(8, "relu"), Dense(1, "linear")], seed=0)
    run = make_run(network=net, optimizer=SGD(learning_rate=50.0), epochs=50, start=False,
                   data=(X, y, X[:20], y[:20], []), n_classes=0)
    with qtbot.waitSignal(run.finished, timeout=10000) as blocker:
        run.start()
    assert blocker.args == ["stopped"]
    assert len(run.failed) == 1 and "learning rate" in run.failed[0]
    assert np.isfinite(net.params).all()
    assert all(s.boundary is None and s.confusion is None for s in run.snapshots)


def test_bad_input_is_reported_in_plain_words(qtbot, make_run, spiral):
    Xtr, ytr, Xva, yva, names = spiral
    run = make_run(data=(Xtr, ytr[:-5], Xva, yva, names), start=False)
    with qtbot.waitSignal(run.finished, timeout=5000) as blocker:
        run.start()
    assert blocker.args == ["stopped"]
    assert run.failed and "samples" in run.failed[0]
    assert run.failed[0][0].isupper() and run.failed[0].endswith(".")  # a whole sentence


def test_unexpected_errors_never_kill_the_thread(qtbot, make_run):
    run = make_run(optimizer=object(), start=False)  # not an optimizer: fit fails inside
    with qtbot.waitSignal(run.finished, timeout=5000) as blocker:
        run.start()
    assert blocker.args == ["stopped"]
    assert run.failed[0].startswith("Training stopped because of an unexpected error:")


def test_snapshot_shapes_and_copies(qtbot, make_run, spiral):
    net = _network()
    run = make_run(network=net, epochs=5, start=False)
    with qtbot.waitSignal(run.finished, timeout=10000):
        run.start()
    snap = run.snapshots[-1]
    assert isinstance(snap, TrainingSnapshot) and snap.epoch == 5
    assert [w.shape for w in snap.weights] == [(2, 8), (8, 8), (8, 2)]
    for (_name, edges, counts), w in zip(snap.histograms, snap.weights):
        assert len(edges) == len(counts) + 1 and counts.sum() == w.size
    assert snap.histograms[0][0] == "Layer 1 (2→8)" and snap.histograms[-1][0] == "Output (8→2)"
    assert snap.boundary.shape == (20, 20, 2)
    np.testing.assert_allclose(snap.boundary.sum(axis=-1), 1.0, atol=1e-5)
    assert len(snap.boundary_extent) == 4
    Xva, yva = spiral[2], spiral[3]
    assert snap.confusion.shape == (2, 2) and snap.confusion.sum() == len(Xva)
    assert np.trace(snap.confusion) == (net.predict_classes(Xva) == yva).sum()
    # Copies: the final snapshot equals the network, and changing the network later (the next
    # run) leaves it alone. Nobody may write into it either.
    np.testing.assert_array_equal(snap.weights[0], net.layers[0].W)
    before = [w.copy() for w in snap.weights], [c.copy() for _, _, c in snap.histograms]
    for layer in net.layers:
        layer.W[...] = 7.0
    for w, old in zip(snap.weights, before[0]):
        np.testing.assert_array_equal(w, old)
    for (_, _, c), old in zip(snap.histograms, before[1]):
        np.testing.assert_array_equal(c, old)
    assert not snap.weights[0].flags.writeable and not snap.boundary.flags.writeable


def test_big_epochs_send_batch_records(qtbot, make_run, spiral):
    Xtr, ytr, Xva, yva, names = spiral
    run = make_run(epochs=2, batch_size=1, start=False)  # 120 batches: reports every 6
    with qtbot.waitSignal(run.finished, timeout=10000):
        run.start()
    assert len(run.batches) == 2 * (120 // 6 - 1)  # the epoch's last chunk ends in its record
    assert run.batches[0].batches_per_epoch == len(Xtr)


def test_panel_follows_a_real_run(qtbot, make_run, spiral):
    panel = TrainingViewsPanel()
    qtbot.addWidget(panel)
    Xtr, ytr, _, _, names = spiral

    class Data:
        X, y, class_names = Xtr, ytr, names
    panel.set_dataset(Data)
    run = make_run(epochs=15, start=False)
    run.epoch_finished.connect(panel.on_epoch)  # re-emitted in the GUI thread
    run.worker.snapshot_ready.connect(panel.on_snapshot)
    with qtbot.waitSignal(run.finished, timeout=10000):
        run.start()
    panel.metrics.flush()
    x, y = panel.metrics.curves["train_loss"].getData()
    assert list(x) == list(range(1, 16))
    np.testing.assert_allclose(y, [r.train_loss for r in run.epochs])
    panel.setCurrentWidget(panel.boundary)
    assert panel.boundary.image_item.image.shape[:2] == (20, 20)


# ---------------------------------------------------------------------- regression pictures
def test_a_1d_regression_run_sends_the_network_curve_and_the_error(qtbot, make_run):
    ds, data = _split("regression_1d")
    net = Network(1, [Dense(16, "tanh"), Dense(1, "linear")], seed=0)
    run = make_run(network=net, epochs=30, start=False, n_classes=0, boundary_grid=None,
                   data=(data.train.X, data.train.y, data.val.X, data.val.y, []))
    with qtbot.waitSignal(run.finished, timeout=10000) as blocker:
        run.start()  # the window's runner passes no grid for regression: the worker finds it
    assert blocker.args == ["completed"]
    first, last = run.snapshots[0], run.snapshots[-1]
    x, y = last.fit_curve
    assert x.shape == (200,) and y.shape == (200, 1)
    assert x[0] < data.train.X.min() and x[-1] > data.train.X.max()  # covers all the data
    np.testing.assert_allclose(y[:, 0], net.predict(x[:, None])[:, 0], rtol=1e-6)
    err = net.predict(data.val.X)[:, 0] - data.val.y
    assert last.mean_abs_error == pytest.approx(np.abs(err).mean(), rel=1e-5)
    assert last.rms_error == pytest.approx(np.sqrt((err ** 2).mean()), rel=1e-5)
    assert last.error_split == "validation" and last.mean_abs_error < first.mean_abs_error
    true, pred = last.predictions
    assert true.shape == pred.shape == (len(data.val.X), 1)
    assert last.boundary is None and last.confusion is None
    assert not x.flags.writeable and not y.flags.writeable


def test_regression_without_validation_scores_the_training_data(qtbot, make_run):
    ds, data = _split("regression_1d")
    net = Network(1, [Dense(8, "tanh"), Dense(1, "linear")], seed=0)
    run = make_run(network=net, epochs=3, start=False, n_classes=0, boundary_grid=None,
                   fit_range=(-1.0, 1.0, 11),
                   data=(data.train.X, data.train.y, None, None, []))
    with qtbot.waitSignal(run.finished, timeout=10000):
        run.start()
    snap = run.snapshots[-1]
    assert snap.error_split == "training" and snap.mean_abs_error > 0
    np.testing.assert_allclose(snap.fit_curve[0], np.linspace(-1, 1, 11), atol=1e-6)


def test_snapshots_pace_themselves_to_their_cost(qtbot, make_run):
    run = make_run(epochs=3, start=False)
    with qtbot.waitSignal(run.finished, timeout=10000):
        run.start()
    assert run.worker.snapshot_interval == SNAPSHOT_INTERVAL_S  # cheap here: the minimum


def test_without_child_processes_the_run_trains_in_the_thread(qtbot, spiral, monkeypatch):
    """A sandbox that forbids child processes: the same run happens in the worker's thread, and
    commands given before the start still count."""
    from nnstudio.trainer import process

    def refuse():
        raise PermissionError("operation not permitted")

    monkeypatch.setattr(process, "_get_context", refuse)
    Xtr, ytr, Xva, yva, names = spiral
    worker = TrainerWorker(_network(), Xtr, ytr, Xva, yva, Adam(learning_rate=0.01), epochs=30,
                           batch_size=32, n_classes=2, isolation="process")
    run = Run(worker)
    worker.step_epoch()  # queued in the process run; must reach the thread run
    with _wait_state(qtbot, run, "paused"):
        run.start()
    assert worker.isolation == "thread" and len(run.epochs) == 1
    with qtbot.waitSignal(run.finished, timeout=10000) as blocker:
        worker.resume()
    assert blocker.args == ["completed"] and len(run.epochs) == 30
    assert not run.failed
    assert stop_worker_thread(run.worker, run.thread, 5000)


def test_a_trainer_process_that_dies_at_once_falls_back_to_the_thread(qtbot, spiral, monkeypatch):
    """E.g. a broken install or a sandbox that kills children: training still happens."""
    import os

    from nnstudio.trainer.process import TrainerProcess

    monkeypatch.setattr(TrainerProcess, "_target", staticmethod(os.getpid))  # TypeError in the child
    Xtr, ytr, Xva, yva, names = spiral
    worker = TrainerWorker(_network(), Xtr, ytr, Xva, yva, Adam(learning_rate=0.01), epochs=5,
                           batch_size=32, n_classes=2, isolation="process")
    run = Run(worker)
    with qtbot.waitSignal(run.finished, timeout=20000) as blocker:
        run.start()
    assert blocker.args == ["completed"] and len(run.epochs) == 5 and not run.failed
    assert worker.isolation == "thread"
    assert stop_worker_thread(run.worker, run.thread, 5000)


@pytest.mark.parametrize("isolation", ["process", "thread"])
def test_the_worker_thread_never_writes_into_the_windows_network(spiral, isolation):
    """The window reads and edits its network in the GUI thread: the run's weights are handed
    over as copies and assigned there, not written from the worker's thread."""
    Xtr, ytr, Xva, yva, names = spiral
    network = _network()
    before = network.params.copy()
    worker = TrainerWorker(network, Xtr, ytr, Xva, yva, Adam(learning_rate=0.01), epochs=3,
                           batch_size=32, seed=0, n_classes=len(names), isolation=isolation)
    thread = start_worker_thread(worker)
    assert thread.wait(60_000)          # blocks this thread: no queued call can run meanwhile
    np.testing.assert_array_equal(network.params, before)
    worker.deliver_weights()            # what the GUI thread's event loop would do next
    assert not np.array_equal(network.params, before)
    assert stop_worker_thread(worker, thread)
