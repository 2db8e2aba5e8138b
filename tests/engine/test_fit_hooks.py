"""fit's hooks on small real problems: a batch transform, a learning-rate schedule, a stop rule."""
from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from nnstudio.data import load_builtin
from nnstudio.engine import SGD, Adam, Dense, EpochRecord, Network, fit
from nnstudio.engine.policies import (
    POLICIES,
    CosineDecay,
    EarlyStopping,
    GaussianNoise,
    ReduceOnPlateau,
    StepDecay,
    TargetStop,
    policy_from_config,
    policy_to_config,
)
from nnstudio.errors import ConfigError


def _spiral():
    data = load_builtin("spiral")
    X, y = data.X.astype(np.float32), data.y
    idx = np.random.default_rng(0).permutation(len(X))
    cut = int(0.8 * len(X))
    return X[idx[:cut]], y[idx[:cut]], X[idx[cut:]], y[idx[cut:]]


def _net(seed=0, hidden=32):
    return Network(2, [Dense(hidden, "relu"), Dense(hidden, "relu"), Dense(3, "softmax")], seed=seed)


def _epochs(gen):
    return [r for r in gen if isinstance(r, EpochRecord)]


def _fit(net, epochs=60, **kw):
    X, y, Xv, yv = _spiral()
    return _epochs(fit(net, X, y, optimizer=kw.pop("optimizer", Adam(0.01)), epochs=epochs, batch_size=32,
                       seed=kw.pop("seed", 1), validation=(Xv, yv), **kw))


# ------------------------------------------------------------------ batch transform
def test_noise_augmentation_trains_reproducibly_without_touching_the_data():
    X, y, Xv, yv = _spiral()
    X_before, Xv_before = X.copy(), Xv.copy()
    seen = []

    def noisy(x, y_batch, rng):
        seen.append(x.copy())
        return GaussianNoise(0.05)(x, y_batch, rng)

    a, b, plain = _net(), _net(), _net()
    recs = _epochs(fit(a, X, y, optimizer=Adam(0.01), epochs=80, seed=3, validation=(Xv, yv),
                       transform=noisy))
    _epochs(fit(b, X, y, optimizer=Adam(0.01), epochs=80, seed=3, validation=(Xv, yv),
                transform=GaussianNoise(0.05)))
    _epochs(fit(plain, X, y, optimizer=Adam(0.01), epochs=80, seed=3, validation=(Xv, yv)))
    np.testing.assert_array_equal(a.params, b.params)  # seeded by fit's generator
    assert not np.array_equal(a.params, plain.params)  # the noise did something
    assert recs[-1].val_acc > 0.85  # and the network still learned the spiral
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(Xv, Xv_before)
    # The transform saw training batches only (no validation rows), shuffled rows of X.
    assert sum(len(s) for s in seen) == 80 * len(X)
    assert {tuple(r) for r in seen[0]} <= {tuple(r) for r in X}


@pytest.mark.parametrize("write", [lambda x, y: x.__imul__(2), lambda x, y: y.__setitem__(..., 0),
                                   lambda x, y: np.add(x, 1, out=x)])
def test_a_transform_that_writes_into_its_batch_raises(write):
    def bad(x, y, rng):
        write(x, y)
        return x, y

    with pytest.raises(ValueError, match="read-only"):
        _fit(_net(), epochs=1, transform=bad)


def test_a_transform_may_change_the_targets_and_must_keep_the_shapes():
    def reverse(x, y, rng):  # rows and their targets move together
        return x[::-1], y[::-1]

    recs = _fit(_net(), epochs=60, transform=reverse)
    # The epoch's accuracy is scored against the targets trained on: misaligned, it would be ~1/2.
    assert recs[-1].train_acc > 0.9
    with pytest.raises(ConfigError, match="returned targets of shape"):
        _fit(_net(), epochs=1, transform=lambda x, y, rng: (x, y * 0.5))  # class numbers stay whole
    with pytest.raises(ConfigError, match="returned inputs of shape"):
        _fit(_net(), epochs=1, transform=lambda x, y, rng: (x[:, :1], y))
    with pytest.raises(ConfigError, match="must return"):
        _fit(_net(), epochs=1, transform=lambda x, y, rng: x)


# ------------------------------------------------------------------ learning-rate schedule
def test_a_step_schedule_sets_each_epochs_rate_and_continues_across_runs():
    schedule = StepDecay(rate=0.02, factor=0.5, every=4)
    recs = _fit(_net(), epochs=10, schedule=schedule)
    assert [r.learning_rate for r in recs] == [0.02] * 4 + [0.01] * 4 + [0.005] * 2
    later = _fit(_net(), epochs=2, schedule=schedule, epochs_before=8)
    assert [r.learning_rate for r in later] == [0.005, 0.005]
    falling = _fit(_net(), epochs=3, schedule=lambda e: 0.1 / e)
    assert [r.learning_rate for r in falling] == [0.1, 0.05, 0.1 / 3]


def test_cosine_decay_learns_the_spiral_and_ends_at_its_final_rate():
    recs = _fit(_net(), epochs=100, schedule=CosineDecay(rate=0.02, epochs=100, final_rate=0.001))
    rates = [r.learning_rate for r in recs]
    assert rates[0] == 0.02 and all(a >= b for a, b in zip(rates, rates[1:]))
    assert abs(rates[-1] - 0.001) < 1e-5 and recs[-1].val_acc > 0.9


def test_a_schedule_giving_no_rate_is_a_plain_error():
    with pytest.raises(ConfigError, match="schedule gave 0 for epoch 1"):
        _fit(_net(), epochs=1, schedule=lambda e: 0)


# ------------------------------------------------------------------ stop rule
def test_early_stopping_ends_an_overfitting_run_and_restores_the_best_epoch():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 2)).astype(np.float32)
    y = rng.integers(0, 3, 60)  # labels without pattern: validation loss only gets worse
    Xv = rng.standard_normal((60, 2)).astype(np.float32)
    yv = rng.integers(0, 3, 60)
    net, opt = _net(hidden=64), Adam(0.02)
    params, states, records = [], [], []
    for rec in fit(net, X, y, optimizer=opt, epochs=300, batch_size=16, seed=0, validation=(Xv, yv),
                   stop=EarlyStopping("val_loss", patience=5), epochs_before=10):
        if isinstance(rec, EpochRecord):
            records.append(rec)
            params.append(net.params.copy())
            states.append(opt.state_dict())
    last = records[-1]
    assert len(records) < 300 and last.stopped and "validation loss has not improved for 5" in last.stopped
    best = min(range(len(records)), key=lambda i: records[i].val_loss)
    assert last.restored_epoch == 10 + best + 1  # counted over all runs
    assert f"epoch {10 + best + 1}" in last.stopped
    assert len(records) == best + 1 + 5
    np.testing.assert_array_equal(net.params, params[best])
    assert opt.iterations == states[best]["iterations"]
    for name, slots in opt.state_dict()["params"].items():
        for slot, arr in slots.items():
            np.testing.assert_array_equal(arr, states[best]["params"][name][slot])
    assert net.evaluate(Xv, yv)[0] == pytest.approx(records[best].val_loss, rel=1e-6)


def test_early_stopping_without_restore_keeps_the_last_weights_and_checks_what_it_watches():
    recs = _fit(_net(), epochs=200, stop=EarlyStopping("train_acc", patience=2, restore_best=False))
    assert recs[-1].stopped and recs[-1].restored_epoch is None and len(recs) < 200
    X, y, _, _ = _spiral()
    with pytest.raises(ConfigError, match="watches val_loss, but there is no validation data"):
        list(fit(_net(), X, y, optimizer=Adam(), epochs=1, stop=EarlyStopping()))
    reg = Network(2, [Dense(4, "relu"), Dense(1, "linear")])
    with pytest.raises(ConfigError, match="has no accuracy"):
        list(fit(reg, X, y.astype(np.float32), optimizer=Adam(), epochs=1, stop=EarlyStopping("train_acc")))


# ------------------------------------------------------------------ policies as configs
@pytest.mark.parametrize("policy", [GaussianNoise(0.2), StepDecay(0.1, 0.3, 7),
                                    CosineDecay(0.05, 40, 0.001), EarlyStopping("val_acc", 4, 0.01, False)])
def test_every_policy_round_trips_through_json_and_pickle(policy):
    spec = json.loads(json.dumps(policy_to_config(policy)))
    again = policy_from_config(spec)
    assert again == policy and again.get_config() == policy.get_config()
    assert pickle.loads(pickle.dumps(policy)) == policy
    assert type(policy).__name__ in POLICIES


@pytest.mark.parametrize("spec, message", [
    ({"class": "Warmup"}, "unknown training policy"),
    ({"class": "StepDecay", "config": {"every": 0}}, "every must be an integer >= 1, got 0"),
    ({"class": "EarlyStopping", "config": {"monitor": "loss"}}, "monitor must be one of"),
    ({"class": "GaussianNoise", "config": {"std": -1}}, "std must be a number > 0, got -1"),
    ({"class": "CosineDecay", "config": {"colour": 1}}, "invalid settings for Cosine decay"),
])
def test_bad_policy_settings_are_named_plainly(spec, message):
    with pytest.raises(ConfigError, match=message):
        policy_from_config(spec)


# ------------------------------------------------------------------ reduce on plateau, target
def _patternless(seed=0):
    """Labels without pattern: the validation loss only gets worse after the first epochs."""
    rng = np.random.default_rng(seed)
    X, Xv = (rng.standard_normal((60, 2)).astype(np.float32) for _ in range(2))
    return X, rng.integers(0, 3, 60), Xv, rng.integers(0, 3, 60)


def test_reduce_on_plateau_halves_the_rate_after_patience_epochs_without_improvement():
    X, y, Xv, yv = _patternless()
    recs = _epochs(fit(_net(hidden=64), X, y, optimizer=Adam(0.02), epochs=40, batch_size=16,
                       validation=(Xv, yv),
                       schedule=ReduceOnPlateau(0.02, factor=0.5, patience=3, min_rate=0.004)))
    rates = [r.learning_rate for r in recs]
    # Every cut comes after `patience` epochs whose validation loss did not beat the best.
    best, waited, expected = None, 0, 0.02
    for rec, rate in zip(recs, rates):
        assert rate == pytest.approx(expected)
        if best is None or rec.val_loss < best:
            best, waited = rec.val_loss, 0
        else:
            waited += 1
            if waited >= 3:
                expected, waited = max(expected * 0.5, 0.004), 0
    assert rates[0] == 0.02 and rates[-1] == pytest.approx(0.004)  # cut, and held at min_rate


def test_a_plateau_schedule_object_is_not_changed_by_a_run_and_restarts_each_run():
    plateau = ReduceOnPlateau(0.05, factor=0.1, patience=2, min_rate=1e-4, monitor="train_loss")
    first = _fit(_net(), epochs=60, optimizer=Adam(0.05), schedule=plateau)
    again = _fit(_net(), epochs=60, optimizer=Adam(0.05), schedule=plateau)
    assert [r.learning_rate for r in first] == [r.learning_rate for r in again]
    assert plateau.current == 0.05 and plateau.best is None  # the run used its own copy


def test_plain_schedules_are_untouched_by_the_record_hook():
    # The same weights, bit for bit, as a plain function of the epoch (the old hook).
    a, b = _net(), _net()
    _fit(a, epochs=12, schedule=StepDecay(0.02, 0.5, 4))
    _fit(b, epochs=12, schedule=lambda e: 0.02 * 0.5 ** ((e - 1) // 4))
    np.testing.assert_array_equal(a.params, b.params)


def test_target_accuracy_stops_the_run_when_reached_and_says_so():
    recs = _fit(_net(), epochs=300, target=TargetStop("val_acc", 0.9))
    last = recs[-1]
    assert last.val_acc >= 0.9 and all(r.val_acc < 0.9 for r in recs[:-1]) and len(recs) < 300
    assert last.stopped == (f"Stopped at the target: the validation accuracy reached "
                            f"{last.val_acc:.1%} (target 90.0%) at epoch {last.epoch}.")
    assert last.restored_epoch is None


def test_target_loss_wins_over_early_stopping_and_counts_epochs_over_all_runs():
    recs = _fit(_net(), epochs=300, target=TargetStop("train_loss", 0.5),
                stop=EarlyStopping("val_loss", patience=50), epochs_before=7)
    assert recs[-1].train_loss <= 0.5 and f"at epoch {7 + len(recs)}." in recs[-1].stopped
    assert "training loss reached" in recs[-1].stopped


def test_a_target_is_checked_against_the_data_and_task():
    X, y, _, _ = _spiral()
    with pytest.raises(ConfigError, match="no validation data"):
        list(fit(_net(), X, y, optimizer=Adam(), epochs=1, target=TargetStop("val_acc", 0.9)))
    reg = Network(2, [Dense(4, "relu"), Dense(1, "linear")])
    with pytest.raises(ConfigError, match="predicts numbers has no accuracy"):
        list(fit(reg, X, y.astype(np.float32), optimizer=Adam(), epochs=1,
                 target=TargetStop("train_acc", 0.9)))
    with pytest.raises(ConfigError, match="target must be a TargetStop"):
        list(fit(_net(), X, y, optimizer=Adam(), epochs=1, target=0.9))


@pytest.mark.parametrize("policy", [ReduceOnPlateau(0.02, 0.3, 4, 1e-5, "train_acc"),
                                    TargetStop("val_loss", 0.2), TargetStop("train_acc", 1)])
def test_new_policies_round_trip_through_json_and_pickle(policy):
    test_every_policy_round_trips_through_json_and_pickle(policy)


@pytest.mark.parametrize("spec, message", [
    ({"class": "TargetStop", "config": {"monitor": "val_acc", "value": 95}},
     r"target accuracy must be a fraction above 0 and at most 1 \(0.95 for 95 %\), got 95"),
    ({"class": "TargetStop", "config": {"monitor": "val_loss", "value": -1}},
     "a target loss must be a number >= 0, got -1"),
    ({"class": "TargetStop", "config": {"monitor": "accuracy"}}, "monitor must be one of"),
    ({"class": "ReduceOnPlateau", "config": {"factor": 2}}, "factor must be a number below 1"),
    ({"class": "ReduceOnPlateau", "config": {"rate": 0.001, "min_rate": 0.01}},
     r"min_rate must not exceed rate \(0.001\)"),
    ({"class": "ReduceOnPlateau", "config": {"patience": 0}}, "patience must be an integer >= 1"),
])
def test_bad_new_policy_settings_are_named_plainly(spec, message):
    with pytest.raises(ConfigError, match=message):
        policy_from_config(spec)


def test_diverged_carries_its_epoch_and_rate_through_pickle():
    from nnstudio.engine import Diverged

    exc = pickle.loads(pickle.dumps(Diverged("boom", epoch=3, learning_rate=0.5)))
    assert (str(exc), exc.epoch, exc.learning_rate) == ("boom", 3, 0.5)
    X, y, _, _ = _spiral()
    with pytest.raises(Diverged) as info:
        list(fit(_net(), X, y, optimizer=SGD(1e3), epochs=30))
    assert info.value.epoch == 1 and info.value.learning_rate == 1e3
