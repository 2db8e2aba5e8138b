"""The driver loop in this process (the child runs the same code): what it computes per epoch."""
from __future__ import annotations

import threading
import time

import numpy as np

from nnstudio.data import Standardizer, load_builtin, split_dataset
from nnstudio.engine import SGD, Adam, Dense, Network
from nnstudio.trainer.driver import Driver, Job, choose_report_every
from nnstudio.trainer.process import LocalPipe


def _digits():
    ds = load_builtin("digits")
    split = split_dataset(ds, val_fraction=0.3, test_fraction=0.0, seed=0)
    scaler = Standardizer.fit(split.train.X)
    return scaler.transform(split.train.X), split.train.y, scaler.transform(split.val.X), split.val.y


def test_validation_rows_are_predicted_once_per_epoch_for_curves_and_confusion(monkeypatch):
    Xtr, ytr, Xva, yva = _digits()
    net = Network(64, [Dense(16, "relu"), Dense(10, "softmax")], seed=0)
    job = Job(net.get_config(), net.params.copy(), net.dtype.str, Xtr, ytr, Xva, yva,
              Adam(learning_rate=0.01), 4, 64, 0, None, 10)
    calls = []
    original = Network.predict

    def counting(self, X):
        if len(X) == len(Xva):
            calls.append(len(X))
        return original(self, X)

    monkeypatch.setattr(Network, "predict", counting)
    messages = []
    Driver(job, messages.append, LocalPipe()).run()
    assert messages[-1][:2] == ("finished", "completed")
    snaps = [m[1] for m in messages if m[0] == "snapshot"]
    # One prediction for the starting picture, then one per epoch, shared by the validation
    # curves and the confusion matrix (it was two per epoch).
    assert len(calls) == 1 + 4
    final = snaps[-1]
    here = Network.from_config(job.config)
    here.params[...] = messages[-1][2]
    pred = original(here, Xva).argmax(axis=1)
    expected = np.bincount(yva * 10 + pred, minlength=100).reshape(10, 10)
    np.testing.assert_array_equal(final.confusion, expected)


def _spiral_job(epochs, state=None, before=0, params=None, **kw):
    ds = load_builtin("spiral")
    X, y = ds.X.astype(np.float32), ds.y
    net = Network(2, [Dense(16, "relu"), Dense(16, "relu"), Dense(2, "softmax")], seed=0)
    return Job(net.get_config(), net.params.copy() if params is None else params, net.dtype.str,
               X, y, X[:40], y[:40], Adam(learning_rate=0.01), epochs, 32, 0, None, 2,
               optimizer_state=state, epochs_before=before, **kw)


def _run(job, commands=()):
    pipe = LocalPipe()
    for command in commands:
        pipe.send(command)
    messages = []
    Driver(job, messages.append, pipe).run()
    return messages


def test_the_driver_returns_the_optimizer_state_and_a_continued_run_equals_one_long_run():
    whole = _run(_spiral_job(34))[-1]
    first = _run(_spiral_job(30))[-1]
    assert first[:2] == ("finished", "completed") and first[5]["iterations"] == 30 * 13
    rest = _run(_spiral_job(4, state=first[5], before=30, params=first[2]))
    assert not [m for m in rest if m[0] == "note"]
    np.testing.assert_array_equal(rest[-1][2], whole[2])
    # Without the state Adam restarts: what Train-again did before.
    restart = _run(_spiral_job(4, before=30, params=first[2]))[-1]
    assert not np.array_equal(restart[2], whole[2])


def test_a_paused_run_sends_its_optimizer_state_first():
    pipe = LocalPipe()
    pipe.send(("step",))  # one epoch, then paused
    messages: list = []
    driver = Driver(_spiral_job(5), messages.append, pipe)
    thread = threading.Thread(target=driver.run)
    thread.start()
    deadline = time.monotonic() + 10
    while ("state", "paused") not in messages and time.monotonic() < deadline:
        time.sleep(0.01)
    pipe.send(("stop",))
    thread.join(10)
    at = messages.index(("state", "paused"))
    assert messages[at - 1][0] == "optimizer_state" and messages[at - 1][1]["iterations"] == 13
    assert messages[-1][1] == "stopped" and messages[-1][5]["iterations"] == 13


def test_a_saved_state_that_does_not_fit_the_network_is_a_note_not_an_error():
    other = Network(2, [Dense(8, "relu"), Dense(2, "softmax")], seed=0)
    misfit = {"class": "Adam", "config": {"beta_1": 0.9, "beta_2": 0.999}, "iterations": 5,
              "params": {name: {"m_sum": np.zeros(shape, np.float32), "v_sum": np.zeros(shape, np.float32)}
                         for name, (_, _, shape) in other.param_slices().items()}}
    messages = _run(_spiral_job(1, state=misfit))
    notes = [m[1] for m in messages if m[0] == "note"]
    assert len(notes) == 1 and "starts afresh" in notes[0]
    assert messages[-1][1] == "completed" and messages[-1][5]["iterations"] == 13


def test_a_transform_cannot_write_into_the_jobs_data_and_a_diverged_run_returns_no_state():
    def writes(x, y, rng):
        x[...] = 0
        return x, y

    job = _spiral_job(1, transform=writes)
    X_before = job.X_train.copy()
    messages = _run(job)
    failed = [m[1] for m in messages if m[0] == "failed"]
    assert failed and "read-only" in failed[0]
    np.testing.assert_array_equal(job.X_train, X_before)
    assert job.X_train.flags.writeable  # the caller's array itself is left as it was
    assert messages[-1][5] is None
    diverging = _spiral_job(5)
    diverging.optimizer = SGD(learning_rate=1e6)
    finished = _run(diverging)[-1]
    assert finished[1] == "stopped" and finished[5] is None


def test_report_every_gives_progress_for_big_epochs_only():
    assert choose_report_every(240, 32) == 0            # spiral: 8 batches per epoch
    assert choose_report_every(60000, 32) == 1875 // 20  # MNIST-sized: ~20 per epoch
