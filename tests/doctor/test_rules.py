"""The doctor's newer rules, each on a real run that provokes it and silent on a healthy one:
exploded, overfitting vs over-confidence, flat (rate too low, too small, dead ReLUs) and too
little data; live (from the history alone, every few epochs) and after the run (with the
network)."""
from __future__ import annotations

import json

import pytest

from nnstudio.data import load_builtin
from nnstudio.doctor import (
    Remedy,
    after_run_findings,
    dead_relu_share,
    live_findings,
    render,
)


def _after(run):
    return after_run_findings(run.history, 0, run.network, run.data.train.X,
                              learning_rate=run.project.training["optimizer"]["config"]["learning_rate"],
                              naive_loss=run.naive_loss, diverged=run.diverged)


def _live(run, upto=None, **kw):
    history = {k: v[:upto] for k, v in run.history.items()}
    return live_findings(history, learning_rate=run.project.training["optimizer"]["config"]["learning_rate"],
                         naive_loss=run.naive_loss, diverged=run.diverged, **kw)


def _kinds(findings):
    return [f.kind + (f"/{f.evidence['cause']}" if f.kind == "flat" else "") for f in findings]


def test_the_healthy_spiral_demo_is_silent_live_and_after(full_run):
    run = full_run(load_builtin("spiral"), (16, 16), "Adam", 0.003, 200)
    assert run.history["val_acc"][-1] == 1.0
    for upto in range(5, 201, 5):  # as the window asks, every few epochs
        assert _live(run, upto, n_params=run.network.n_params, n_train=len(run.data.train.X)) == []
    assert _after(run) == []
    dead = dead_relu_share(run.network, run.data.train.X)
    assert dead.total == 32 and dead.share < 0.5


def test_a_loss_that_became_nan_is_exploded_with_a_tenth_of_the_rate_and_a_rewind(full_run):
    run = full_run(load_builtin("regression_1d"), (16, 16), "SGD", 10.0, 50)
    assert run.diverged is not None and run.history["epoch"] == []
    found = _after(run)
    assert _kinds(found) == ["exploded"]
    f = found[0]
    assert f.epoch == 1 and f.severity == "warning"
    assert f.advice == (Remedy("lower_rate", 1.0), Remedy("rewind", 0))
    assert render(found, for_="cli") == (
        "The loss exploded in epoch 1 (it became too large to compute): the learning rate (10) is "
        "far too high. Training stopped and the weights from before training were kept. Try "
        "--lr 1, then continue.")


def test_a_loss_that_grew_a_hundredfold_is_exploded_before_it_is_nan(full_run):
    run = full_run(load_builtin("regression_1d"), (16, 16), "SGD", 1.0, 30)
    found = _live(run)
    assert _kinds(found) == ["exploded"]  # not also "unstable": one cause, said once
    f = found[0]
    assert f.epoch == 2 and f.evidence["signal"] == "grew"
    assert f.evidence["grew_to"] > 100 * f.evidence["lowest_before"]
    assert f.advice == (Remedy("lower_rate", 0.1), Remedy("rewind", 1))
    assert "Go back to the weights of epoch 1, the last good ones, and try 0.1." in render(found)


def test_validation_loss_rising_as_training_loss_falls_is_overfitting(full_run):
    run = full_run(load_builtin("moons", n_samples=100, noise=0.3), (64, 64), "Adam", 0.01, 200)
    found = _after(run)
    assert _kinds(found) == ["overfitting", "too_little_data"]
    over = found[0]
    assert over.advice[:2] == (Remedy("restore_best", over.epoch), Remedy("l2", 0.001))
    assert {r.kind for r in over.advice} >= {"dropout", "fewer_neurons", "more_data"}
    assert over.evidence["final_val_loss"] > 2 * over.evidence["best_val_loss"]
    assert "augment" not in {r.kind for r in over.advice}
    images = _live(run, images=True)
    assert Remedy("augment") in images[0].advice and "augmented copies of the images" in render(images)


def test_a_rate_so_high_both_losses_sit_at_chance_is_unstable_not_memorising(full_run):
    # Adam at 5 overshoots to a loss of 6, then both curves sit at chance (~0.7, 50 %): the
    # training loss was still coming down when the validation loss was at its best, but it
    # never fell below the validation loss, so nothing was memorised.
    run = full_run(load_builtin("spiral"), (16, 16), "Adam", 5.0, 200)
    h = run.history
    assert h["train_loss"][-1] > 0.9 * h["val_loss"][-1]
    for found in (_after(run), _live(run)):
        assert _kinds(found) == ["unstable"]
        assert found[0].advice[0] == Remedy("lower_rate", pytest.approx(0.5))
    assert "memorising" not in render(_after(run))


def test_validation_loss_rising_while_accuracy_rises_is_over_confidence(full_run):
    run = full_run(load_builtin("iris"), (64, 64), "Adam", 0.01, 200)
    found = _live(run)
    assert _kinds(found) == ["overconfident"] and found[0].severity == "info"
    ev = found[0].evidence
    assert ev["final_val_loss"] > ev["best_val_loss"] and ev["final_val_acc"] > ev["val_acc_at_best"]
    assert found[0].advice == (Remedy("watch_accuracy"), Remedy("rate_when_stuck"))
    assert "not memorising" in render(found, for_="window")


def test_flat_curves_with_a_tiny_rate_say_the_rate_is_too_low(full_run):
    run = full_run(load_builtin("spiral"), (16, 16), "SGD", 1e-4, 60)
    found = _after(run)
    assert _kinds(found) == ["flat/rate_too_low"]
    assert found[0].advice == (Remedy("raise_rate", pytest.approx(1e-3)),)
    assert "the learning rate (0.0001) is too low. Try --lr 0.001." in render(found, for_="cli")


def test_flat_curves_of_a_network_without_hidden_layer_say_it_is_too_small(full_run):
    run = full_run(load_builtin("spiral"), (), "Adam", 0.01, 100)
    found = _after(run)
    assert _kinds(found) == ["flat/too_small"] and found[0].advice == (Remedy("more_neurons"),)
    assert "too small to draw the answer" in render(found)


def test_flat_curves_of_silent_relus_are_measured_and_said_with_numbers(full_run):
    # A bad start: the first layer's biases at -20 switch every ReLU off for every row.
    run = full_run(load_builtin("spiral"), (16, 16), "Adam", 0.003, 60, first_bias=-20.0)
    dead = dead_relu_share(run.network, run.data.train.X)
    assert (dead.dead, dead.total, dead.per_layer["dense_1"]) == (32, 32, (16, 16))
    assert _kinds(_live(run)) == ["flat/too_small"]  # from the curves alone it cannot tell
    found = _after(run)
    assert _kinds(found) == ["flat/dead_relus"]
    assert found[0].advice[0] == Remedy("leaky_relu")
    assert "32 of the 32 hidden ReLU neurons (100%) never fire on the 240 training rows" in render(found)


def test_a_big_network_on_few_rows_is_told_with_the_numbers(full_run):
    run = full_run(load_builtin("spiral", n_samples=100), (64, 64), "Adam", 0.003, 30)
    found = [f for f in _after(run) if f.kind == "too_little_data"]
    assert len(found) == 1 and found[0].evidence == {"weights": 4417, "rows": 60,
                                                     "weights_per_row": pytest.approx(73.6, abs=0.05)}
    assert render(found).startswith("4,417 weights learned from 60 rows (73.6 weights per row)")
    # The demo's 337 weights from 240 rows are fine.
    assert live_findings({"train_loss": []}, n_params=337, n_train=240) == []


def test_new_findings_are_json_ready(full_run):
    run = full_run(load_builtin("spiral"), (16, 16), "Adam", 0.003, 60, first_bias=-20.0)
    data = [f.to_dict() for f in _after(run)]
    assert json.loads(json.dumps(data, allow_nan=False)) == data
