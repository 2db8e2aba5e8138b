"""The trainer process: a real child trains with the real engine; the window's side only talks
to it through the pipes, as the worker thread does."""
from __future__ import annotations

import time

import numpy as np
import pytest

from nnstudio.data import Standardizer, load_builtin, split_dataset
from nnstudio.engine import SGD, Adam, Dense, EpochRecord, Network, fit
from nnstudio.trainer import Job, TrainerProcess, TrainingSnapshot, boundary_grid_for
from nnstudio.trainer.process import runs_in_child


@pytest.fixture(scope="module")
def spiral():
    ds = load_builtin("spiral", n_samples=200)
    split = split_dataset(ds, val_fraction=0.2, test_fraction=0.2, seed=0)
    scaler = Standardizer.fit(split.train.X)
    return (scaler.transform(split.train.X), split.train.y, scaler.transform(split.val.X),
            split.val.y, scaler.transform(split.test.X), split.test.y)


def _network() -> Network:
    return Network(2, [Dense(8, "relu"), Dense(8, "relu"), Dense(2, "softmax")], seed=0)


def _job(net, data, optimizer=None, epochs=20, **kwargs) -> Job:
    Xtr, ytr, Xva, yva, Xte, yte = data
    return Job(net.get_config(), net.params.copy(), net.dtype.str, Xtr, ytr, Xva, yva,
               optimizer or Adam(learning_rate=0.01), epochs, kwargs.pop("batch_size", 32),
               kwargs.pop("seed", 0), boundary_grid_for(Xtr, resolution=12), 2,
               test=(Xte, yte), **kwargs)


def _collect(proc: TrainerProcess, until=None, timeout=20.0) -> list:
    """Every message up to "finished" (or up to the first one ``until`` accepts)."""
    out, deadline = [], time.monotonic() + timeout
    for message in proc.messages():
        out.append(message)
        if until is not None and until(message):
            return out
        assert time.monotonic() < deadline, "the trainer process took too long"
    return out


def _finished(messages):
    assert messages[-1][0] == "finished"
    return messages[-1]


def test_a_run_in_the_child_equals_fit_in_this_process(spiral):
    """Same config, weights, data, optimizer and seed: bit-identical weights, so nothing is
    lost or reordered on the way (arrays go out of band, records come back in order)."""
    net = _network()
    proc = TrainerProcess(_job(net, spiral, epochs=15))
    proc.start()
    messages = _collect(proc)
    proc.close()
    _, reason, params, test_metrics, interval, _ = _finished(messages)
    here = _network()
    for _ in fit(here, spiral[0], spiral[1], optimizer=Adam(learning_rate=0.01), epochs=15,
                 batch_size=32, seed=0, validation=(spiral[2], spiral[3])):
        pass
    assert reason == "completed"
    np.testing.assert_array_equal(params, here.params)
    records = [r for kind, *rest in messages if kind == "records" for r in rest[0]]
    assert [r.epoch for r in records if isinstance(r, EpochRecord)] == list(range(1, 16))
    assert test_metrics == pytest.approx(here.evaluate(spiral[4], spiral[5]))
    assert interval > 0
    snaps = [m[1] for m in messages if m[0] == "snapshot"]
    assert snaps and all(isinstance(s, TrainingSnapshot) for s in snaps)
    assert snaps[0].epoch == 0 and snaps[-1].epoch == 15
    # Unpickled here, still read-only: the views share these arrays.
    assert not snaps[-1].weights[0].flags.writeable and not snaps[-1].boundary.flags.writeable
    assert not snaps[-1].histograms[0][2].flags.writeable


def test_a_plateau_schedule_and_a_target_travel_to_the_child(spiral):
    from nnstudio.engine.policies import ReduceOnPlateau, TargetStop

    plateau, target = ReduceOnPlateau(0.02, 0.5, 2, 1e-4, "train_loss"), TargetStop("val_acc", 0.95)
    proc = TrainerProcess(_job(_network(), spiral, epochs=500, schedule=plateau, target=target))
    proc.start()
    messages = _collect(proc)
    proc.close()
    records = [r for kind, *rest in messages if kind == "records" for r in rest[0]
               if isinstance(r, EpochRecord)]
    assert _finished(messages)[1] == "completed" and len(records) < 500
    assert records[-1].val_acc >= 0.95 and records[-1].stopped.startswith("Stopped at the target")
    here = []
    for rec in fit(_network(), spiral[0], spiral[1], optimizer=Adam(0.01), epochs=500, seed=0,
                   validation=(spiral[2], spiral[3]), schedule=plateau, target=target):
        here.append(rec.learning_rate)
    assert [r.learning_rate for r in records] == here  # the same rates, cut by the same rule


def test_commands_queued_before_the_start_apply_from_the_first_step(spiral):
    proc = TrainerProcess(_job(_network(), spiral, optimizer=SGD(learning_rate=0.1), epochs=50))
    proc.command("lr", 0.025)
    proc.command("step")         # one epoch, then pause
    proc.start()
    messages = _collect(proc, until=lambda m: m == ("state", "paused"))
    records = [r for kind, *rest in messages if kind == "records" for r in rest[0]]
    assert [(r.epoch, r.learning_rate) for r in records] == [(1, 0.025)]
    proc.command("lr", 0.5)
    proc.command("step")
    messages = _collect(proc, until=lambda m: m == ("state", "paused"))
    records = [r for kind, *rest in messages if kind == "records" for r in rest[0]]
    assert [(r.epoch, r.learning_rate) for r in records] == [(2, 0.5)]
    proc.command("stop")
    messages += _collect(proc)
    proc.close()
    assert _finished(messages)[1] == "stopped"


def test_stop_ends_a_long_run_early(spiral):
    proc = TrainerProcess(_job(_network(), spiral, epochs=100_000))
    proc.start()
    first = _collect(proc, until=lambda m: m[0] == "records")
    proc.command("stop")
    messages = first + _collect(proc)
    proc.close()
    assert _finished(messages)[1] == "stopped"
    epochs = [r.epoch for kind, *rest in messages if kind == "records" for r in rest[0]]
    assert 0 < len(epochs) < 100_000


def test_a_killed_child_is_reported_and_the_run_still_finishes(spiral):
    proc = TrainerProcess(_job(_network(), spiral, epochs=100_000))
    proc.start()
    _collect(proc, until=lambda m: m[0] == "records")
    proc.terminate()
    messages = _collect(proc)
    proc.close()
    failed = [m[1] for m in messages if m[0] == "failed"]
    assert failed and failed[0].startswith("The trainer stopped unexpectedly")
    assert messages[-1] == ("finished", "stopped", None, None, None, None)


def test_the_child_stops_when_the_window_process_goes_away(spiral):
    """Closing our end of the command pipe (what the OS does when the window's process dies)
    ends a paused child instead of leaving it waiting forever."""
    proc = TrainerProcess(_job(_network(), spiral, epochs=50))
    proc.command("pause")
    proc.start()
    _collect(proc, until=lambda m: m == ("state", "paused"))
    proc._commands.close()
    assert _finished(_collect(proc))[1] == "stopped"
    proc._process.join(5)
    assert proc._process.exitcode == 0
    proc._messages.close()


def test_big_arrays_arrive_intact(spiral):
    """~40 MB of features: sent out of band in chunks, received writable and unchanged."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 500)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    net = Network(500, [Dense(4, "relu"), Dense(2, "softmax")], seed=1)
    job = Job(net.get_config(), net.params.copy(), net.dtype.str, X, y, None, None,
              SGD(learning_rate=0.05), 1, 1000, 0, None, 2)
    proc = TrainerProcess(job)
    proc.start()
    messages = _collect(proc, timeout=60)
    proc.close()
    _, reason, params, _, _, _ = _finished(messages)
    here = Network(500, [Dense(4, "relu"), Dense(2, "softmax")], seed=1)
    for _ in fit(here, X, y, optimizer=SGD(learning_rate=0.05), epochs=1, batch_size=1000):
        pass
    assert reason == "completed"
    # Not bit-identical: the child uses one BLAS thread, which sums the 500-long products in
    # another order. Corrupted or shifted data would be far off.
    np.testing.assert_allclose(params, here.params, rtol=1e-4, atol=1e-6)


def test_a_job_the_engine_rejects_ends_in_a_message(spiral):
    net = _network()
    job = _job(net, spiral)
    job.config = {"n_inputs": 2, "layers": [{"class": "Nonsense", "config": {}}]}
    proc = TrainerProcess(job)
    proc.start()
    messages = _collect(proc)
    proc.close()
    assert messages[0][0] == "failed" and messages[0][1].startswith("Training could not start")
    assert messages[-1][:2] == ("finished", "stopped")


def test_the_shared_data_block_is_reused_and_can_be_released(spiral):
    from multiprocessing import shared_memory

    from nnstudio.trainer import transport

    names = []
    for _ in range(2):  # the same arrays twice: one block
        proc = TrainerProcess(_job(_network(), spiral, epochs=1))
        proc.start()
        assert _finished(_collect(proc))[1] == "completed"
        proc.close()
        names.append(transport._cache["shm"].name)
    assert names[0] == names[1]
    transport.release_shared_data()
    assert not transport._cache
    with pytest.raises(FileNotFoundError):
        shared_memory.SharedMemory(name=names[0])


def test_small_networks_train_in_a_child_process_big_ones_in_the_thread():
    assert runs_in_child(_network().n_params, 32)  # the spiral demo: its steps are mostly Python
    mnist = Network(784, [Dense(256, "relu"), Dense(128, "relu"), Dense(10, "softmax")])
    assert not runs_in_child(mnist.n_params, 64)  # ~90 M multiply-adds a step, which release the GIL
    assert runs_in_child(mnist.n_params, 1)       # per-sample SGD: tiny steps again


@pytest.mark.skipif(not hasattr(__import__("os"), "getpriority"), reason="POSIX nice only")
def test_a_background_run_yields_the_cpu_to_the_window(spiral):
    import os

    proc = TrainerProcess(_job(_network(), spiral, epochs=100_000))
    assert not proc.lower_priority()  # nothing started yet
    proc.start()
    _collect(proc, until=lambda m: m[0] == "records")
    base = os.getpriority(os.PRIO_PROCESS, 0)
    if base > 10:
        pytest.skip("this test runs at a niceness above 10 already")
    assert proc.lower_priority(10)
    assert os.getpriority(os.PRIO_PROCESS, proc._process.pid) == 10
    assert os.getpriority(os.PRIO_PROCESS, 0) == base  # the window's own priority stays
    proc.command("stop")
    assert _finished(_collect(proc))[1] == "stopped"
    proc.close()
