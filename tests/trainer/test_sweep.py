"""Sweeps: real runs in real trainer processes on small data, answered in a sentence."""
from __future__ import annotations

import multiprocessing
import threading
import time

import numpy as np
import pytest

from nnstudio.errors import ConfigError
from nnstudio.project import Session, demo_project
from nnstudio.trainer.sweep import (
    SweepRunner,
    adopted_training,
    plan_data_sweep,
    plan_rate_sweep,
    run_sweep,
    stratified_rows,
    sweep_rates,
)


def _session(epochs: int = 20, **training) -> Session:
    p = demo_project()
    p.training["epochs"] = epochs
    p.training.update(training)
    return Session.open(p)


def _trainers_alive() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "nnstudio-trainer"]


def test_runs_at_a_time_keep_every_core_busy_to_the_end():
    from nnstudio.trainer.sweep import workers_for

    assert workers_for(5, cores=2) == 3   # 3 then 2: 2.5 run-lengths, not 3
    assert workers_for(4, cores=2) == 2   # 2 and 2
    assert workers_for(5, cores=1) == 1
    assert workers_for(5, cores=8) == 5
    assert workers_for(10, cores=2) == 2
    assert 1 <= workers_for(5) <= 5


def test_rates_are_five_decades_around_the_projects_rate():
    assert sweep_rates(0.01) == [0.0001, 0.001, 0.01, 0.1, 1.0]
    assert sweep_rates(0.003) == [3e-05, 0.0003, 0.003, 0.03, 0.3]


def test_rate_sweep_runs_every_rate_from_the_same_start_and_answers():
    session = _session(epochs=15)
    plan = plan_rate_sweep(session)
    seen = []
    result = run_sweep(plan, progress=lambda i, rec, runner: seen.append((i, rec)), workers=2)
    assert [r.status for r in result.runs] == ["completed"] * 5
    assert [r.run.learning_rate for r in result.runs] == [0.0001, 0.001, 0.01, 0.1, 1.0]
    assert all(r.epochs_done == 15 for r in result.runs)
    # Progress came per run and per epoch: 15 epoch records and one end for each run.
    for i in range(5):
        epochs = [rec.epoch for j, rec in seen if j == i and rec is not None]
        assert epochs == list(range(1, 16))
    # Every child started from the very same weights (the first picture it sent).
    starts = [r.start_params for r in result.runs]
    assert all(s is not None and np.array_equal(s, starts[0]) for s in starts)
    assert np.array_equal(starts[0], plan.start_params)
    # The answer names the lowest validation loss of the five, and which rate to use.
    losses = [min(r.history["val_loss"]) for r in result.runs]
    lowest = result.runs[int(np.argmin(losses))]
    assert f"{lowest.run.label}" in result.sentence and f"{min(losses):.3g}" in result.sentence
    assert result.best is not None and result.runs[result.best].status == "completed"
    # The smallest rate barely moves in 15 epochs: named as too slow.
    assert "0.0001" in result.sentence.split(";", 1)[1] and "too slowly" in result.sentence


def test_same_settings_give_the_same_history_in_parallel_and_one_at_a_time():
    plan = plan_rate_sweep(_session(epochs=5))
    parallel = run_sweep(plan, workers=2)
    serial = run_sweep(plan, workers=1)
    for a, b in zip(parallel.runs, serial.runs):
        assert a.history["val_loss"] == b.history["val_loss"]


def _regression_session(epochs: int, rate: float) -> Session:
    from nnstudio.data import load_builtin
    from nnstudio.project import Project
    from nnstudio.project.build import default_network_config
    from nnstudio.project.document import default_split, default_training

    ds = load_builtin("regression_1d")
    training = default_training()
    training.update(epochs=epochs, optimizer={"class": "SGD", "config": {"learning_rate": rate}})
    p = Project(name="r", data_source=dict(ds.source), split=default_split(), training=training,
                network=default_network_config(ds, hidden=(16, 16), activation="relu"))
    return Session.open(p, dataset=ds)


def test_a_tie_goes_to_the_rate_nearest_the_projects():
    """Losses the validation rows cannot tell apart: the smaller change is recommended."""
    from nnstudio.trainer.sweep_answer import RunResult, answer_rates

    plan = plan_rate_sweep(_session())
    results = []
    for run, losses in zip(plan.runs, ([0.69, 0.6], [0.69, 0.2], [0.69, 0.004], [0.69, 0.002],
                                       [0.69, 0.0])):
        r = RunResult(run, status="completed")
        r.history["epoch"].extend([1, 2])
        r.history["val_loss"].extend(losses)
        results.append(r)
    sentence, best = answer_rates(plan, results)
    assert best == 2  # 0.01, the project's rate, within a hair of 1's 0.0
    assert sentence.startswith("Your rate, 0.01, can stay: its validation loss, 0.004 (epoch 2), is "
                               "as good as the lowest (1: 0)")
    assert "0.1 came close" in sentence and "0.0001 and 0.001 learned too slowly" in sentence
    results[2].history["val_loss"][1] = 0.3  # now clearly worse: 0.1 is the nearest good rate
    sentence, best = answer_rates(plan, results)
    assert best == 3 and sentence.startswith("0.1 reached a validation loss of 0.002 (epoch 2), as "
                                             "good as the lowest (1: 0), nearer your rate")


def test_diverging_rate_is_named_in_plain_words():
    result = run_sweep(plan_rate_sweep(_regression_session(10, 0.1)), workers=2)
    statuses = {r.run.label: r.status for r in result.runs}
    assert statuses["10"] == "diverged"
    assert result.sentence.endswith("10 diverged.")
    diverged = [r for r in result.runs if r.status == "diverged"]
    assert all("learning rate (10) is too high" in r.message for r in diverged)
    assert result.runs[result.best].status == "completed"


def test_subsets_are_nested_stratified_and_of_the_right_size():
    y = np.array([0] * 70 + [1] * 30)
    subsets = stratified_rows(y, 100, (0.1, 0.25, 0.5, 1.0), seed=3, classification=True)
    assert [len(s) for s in subsets] == [10, 25, 50, 100]
    for s in subsets:
        assert np.mean(y[s] == 1) == pytest.approx(0.3, abs=0.02)
    for small, big in zip(subsets, subsets[1:]):
        assert set(small) <= set(big)
    assert np.array_equal(subsets[-1], np.arange(100))


def test_data_sweep_trains_on_subsets_scored_on_the_same_validation_part():
    session = _session(epochs=40)
    plan = plan_data_sweep(session)
    n = len(session.scaled_split.train.y)
    assert [r.n_train for r in plan.runs] == [round(f * n) for f in (0.1, 0.25, 0.5, 1.0)]
    jobs = [plan.make_job(i) for i in range(len(plan.runs))]
    assert [len(j.y_train) for j in jobs] == [r.n_train for r in plan.runs]
    assert all(np.array_equal(j.y_val, session.scaled_split.val.y) for j in jobs)
    # Every run takes as many steps (batches of 32) as the full run: 40 epochs of 8 batches.
    assert [r.epochs * -(-r.n_train // 32) for r in plan.runs] == [320] * 4
    # Class balance kept in each subset (the spiral has two classes of equal size).
    for job in jobs:
        assert abs(np.mean(job.y_train) - np.mean(session.scaled_split.train.y)) < 0.03
    result = run_sweep(plan, workers=2)
    assert all(r.status == "completed" for r in result.runs)
    assert result.curve is not None and result.curve["rows"] == [r.n_train for r in plan.runs]
    # The spiral is learned perfectly from half of its rows: no gain to promise.
    assert result.curve["scores"][-1] == 1.0
    assert result.sentence == "Little: validation accuracy is already 100.0% with all 240 rows."


def test_data_sweep_says_when_the_runs_are_too_short():
    result = run_sweep(plan_data_sweep(_session(epochs=10)), workers=2)
    scores = result.curve["scores"]
    assert scores[-1] < max(scores[:-1])
    assert result.sentence.startswith("Unclear: the run on all 240 rows did worse than one on fewer")
    assert result.sentence.endswith("ask again with more epochs.")


def test_learning_curve_sentence_on_a_rising_curve():
    """A curve that still rises says how much, with its range and the noise."""
    from nnstudio.trainer.sweep_answer import RunResult, answer_data

    plan = plan_data_sweep(_session())
    results = []
    for run, acc in zip(plan.runs, (0.60, 0.70, 0.78, 0.84)):
        r = RunResult(run, status="completed")
        r.history["epoch"].append(1)
        r.history["val_acc"].append(acc)
        results.append(r)
    plan.y_val = np.zeros(2000)  # a big validation part: little noise
    sentence, curve = answer_data(plan, results)
    # Along the error rate on log scales: 22 % -> 16 % wrong in the last doubling.
    assert curve["last"] == pytest.approx(np.log(0.22 / 0.16))
    assert curve["next"] == pytest.approx(1 - 0.16 * np.exp(-curve["estimate"]))
    assert 0.84 < curve["next"] < 1 - 0.16 * 0.16 / 0.22  # bends: less than the last doubling
    assert sentence.startswith("With twice the data validation accuracy would likely rise by ~4 "
                               f"points, to about {curve['next']:.1%}")
    assert "from 78.0% to 84.0%" in sentence and "rough guide" in sentence
    # The same rise within the noise of 80 validation rows is not sold as a gain.
    plan.y_val = np.zeros(80)
    for r, acc in zip(results, (0.80, 0.82, 0.83, 0.84)):
        r.history["val_acc"][0] = acc
    sentence, _ = answer_data(plan, results)
    assert sentence.startswith("Little: the curve has levelled off")


def test_no_validation_part_and_too_few_rows_are_plain_words():
    p = demo_project()
    p.split["val"] = 0.0
    session = Session.open(p)
    with pytest.raises(ConfigError, match="no rows for validation"):
        plan_data_sweep(session)
    plan = plan_rate_sweep(session)  # rates still compare, on the training loss
    assert plan.metric == "train_loss" and "no rows for validation" in plan.notes[0]
    from nnstudio.data import load_builtin

    tiny = load_builtin("spiral", n_samples=40)
    p = demo_project()
    p.data_source = dict(tiny.source)
    session = Session.open(p, dataset=tiny)
    with pytest.raises(ConfigError, match="needs at least 40 training rows"):
        plan_data_sweep(session)
    small = load_builtin("spiral", n_samples=100)  # 60 training rows: 10 % would be 6
    p.data_source = dict(small.source)
    plan = plan_data_sweep(Session.open(p, dataset=small))
    assert [r.fraction for r in plan.runs] == [0.25, 0.5, 1.0]
    assert plan.notes == ["10% of the training part would be only 6 rows, too few to train on; "
                          "that run was left out."]


def test_cancel_ends_the_runs_and_their_processes():
    plan = plan_rate_sweep(_session(epochs=100_000))
    cancel = threading.Event()
    started = []

    def progress(i, rec, runner):
        started.append(i)
        if len(started) > 3:
            cancel.set()

    t0 = time.monotonic()
    result = run_sweep(plan, progress=progress, cancel=cancel, workers=2)
    assert time.monotonic() - t0 < 30
    assert result.cancelled and result.sentence.startswith("Cancelled")
    assert {r.status for r in result.runs} == {"cancelled"}
    assert all(r.epochs_done < 100_000 for r in result.runs)
    assert _trainers_alive() == []


def test_runner_polls_without_blocking_and_close_ends_everything():
    runner = SweepRunner(plan_rate_sweep(_session(epochs=100_000)), workers=2)
    runner.start()
    t0 = time.monotonic()
    while not any(e[0] == "epoch" for e in runner.poll(timeout=0.05)):
        assert time.monotonic() - t0 < 20
    assert 0 < runner.progress() < 1 and not runner.done
    runner.close()
    assert runner.done and _trainers_alive() == []


def test_adopting_a_run_changes_only_its_setting():
    session = _session()
    plan = plan_rate_sweep(session)
    training = session.project.training
    new = adopted_training(training, plan.runs[1])
    assert new["optimizer"]["config"]["learning_rate"] == 0.001
    assert {k: v for k, v in new.items() if k != "optimizer"} == \
        {k: v for k, v in training.items() if k != "optimizer"}
    assert training["optimizer"]["config"]["learning_rate"] == 0.01  # pure: a copy


def test_a_schedule_moves_with_the_rate():
    session = _session(schedule={"class": "StepDecay", "config": {"rate": 0.02, "factor": 0.5,
                                                                  "every": 10}})
    plan = plan_rate_sweep(session)
    assert plan.base_rate == 0.02
    new = adopted_training(session.project.training, plan.runs[3])
    assert new["schedule"]["config"]["rate"] == 0.2
    assert new["optimizer"]["config"]["learning_rate"] == 0.2


def test_learning_curve_sentence_for_a_regression():
    """For numbers to predict the curve is the validation loss, and the gain a share of it."""
    from nnstudio.trainer.sweep_answer import RunResult, answer_data

    plan = plan_data_sweep(_regression_session(10, 0.1))
    assert plan.metric == "val_loss"
    results = []
    for run, loss in zip(plan.runs, (0.8, 0.4, 0.3, 0.24)):
        r = RunResult(run, status="completed")
        r.history["epoch"].append(1)
        r.history["val_loss"].append(loss)
        results.append(r)
    plan.y_val = np.zeros(5000)
    sentence, curve = answer_data(plan, results)
    assert curve["last"] == pytest.approx(np.log(0.3 / 0.24))
    assert sentence.startswith("With twice the data the validation loss would likely fall by ~")
    assert "from 0.3 to 0.24" in sentence
