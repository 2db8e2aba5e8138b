"""Training behaviour of the real engine on small problems."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.engine import SGD, Adam, BatchRecord, Dense, Diverged, Dropout, EpochRecord, Network, fit
from nnstudio.errors import ConfigError


def spiral(n_per_class=150, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X, y = [], []
    for k in range(classes):
        r = np.linspace(0.05, 1, n_per_class)
        t = np.linspace(k * 4, (k + 1) * 4, n_per_class) + rng.standard_normal(n_per_class) * 0.15
        X.append(np.c_[r * np.sin(t), r * np.cos(t)])
        y.append(np.full(n_per_class, k))
    return np.concatenate(X).astype(np.float32), np.concatenate(y)


def small_net(seed=0, out=3, act="softmax", hidden=(16, 16)):
    return Network(2, [Dense(h, "relu") for h in hidden] + [Dense(out, act)], seed=seed)


def last_epoch(gen):
    rec = None
    for rec in gen:  # noqa: B007 -- drains the run; its last record is returned below
        pass
    return rec


def test_spiral_reaches_95_percent_validation_accuracy():
    X, y = spiral()
    rng = np.random.default_rng(1)
    idx = rng.permutation(len(X))
    tr, va = idx[:360], idx[360:]
    net = small_net()
    rec = last_epoch(fit(net, X[tr], y[tr], optimizer=Adam(0.01), epochs=250, batch_size=16,
                         validation=(X[va], y[va])))
    assert rec.val_acc >= 0.95
    assert rec.train_loss < 0.2


def test_per_sample_sgd_learns_two_classes_with_a_sigmoid_output():
    X, y = spiral(n_per_class=100, classes=2)
    net = small_net(out=1, act="sigmoid")
    assert net.loss.key == "binary_crossentropy"
    first = next(fit(net, X, y, optimizer=SGD(0.05), epochs=1, batch_size=1))
    rec = last_epoch(fit(net, X, y, optimizer=SGD(0.05), epochs=60, batch_size=1))
    assert rec.train_acc > 0.9 and rec.train_loss < first.train_loss


def test_same_seed_gives_bit_identical_weights_with_dropout_and_momentum():
    X, y = spiral(n_per_class=50)

    def run():
        net = Network(2, [Dense(16, "relu"), Dropout(0.3), Dense(3, "softmax")], seed=7)
        last_epoch(fit(net, X, y, optimizer=SGD(0.1, momentum=0.9, nesterov=True), epochs=5,
                       batch_size=8, seed=3))
        return net.params.copy()

    a, b = run(), run()
    assert a.dtype == np.float32
    assert np.array_equal(a, b)
    net = Network(2, [Dense(16, "relu"), Dropout(0.3), Dense(3, "softmax")], seed=7)
    last_epoch(fit(net, X, y, optimizer=SGD(0.1, momentum=0.9), epochs=5, batch_size=8, seed=4))
    assert not np.array_equal(a, net.params)


def test_frozen_layer_is_never_updated_but_the_others_are():
    X, y = spiral(n_per_class=40)
    net = small_net()
    net.layers[0].trainable = False
    before = net.get_weights()
    last_epoch(fit(net, X, y, optimizer=Adam(0.01, weight_decay=0.01), epochs=3))
    after = net.get_weights()
    assert (np.array_equal(before["dense_1/W"], after["dense_1/W"])
            and np.array_equal(before["dense_1/b"], after["dense_1/b"]))
    assert not np.array_equal(before["dense_2/W"], after["dense_2/W"])
    assert net.n_trainable_params == net.n_params - (2 * 16 + 16)


def test_everything_frozen_is_a_clear_error():
    net = small_net()
    for layer in net.layers:
        layer.trainable = False
    X, y = spiral(n_per_class=5)
    with pytest.raises(ConfigError, match="every layer is frozen"):
        next(fit(net, X, y, optimizer=SGD(0.1)))


def test_learning_rate_can_change_between_yields_and_batch_records_arrive():
    X, y = spiral(n_per_class=40)
    net = small_net()
    opt = SGD(0.1)
    gen = fit(net, X, y, optimizer=opt, epochs=2, batch_size=10, report_every=3)
    recs = []
    for rec in gen:
        recs.append(rec)
        opt.learning_rate = 0.01
    kinds = [type(r) for r in recs]
    assert kinds.count(EpochRecord) == 2 and kinds.count(BatchRecord) == 2 * 3  # 12 batches/epoch
    assert recs[-1].learning_rate == 0.01
    assert all(np.isfinite(r.loss) for r in recs if isinstance(r, BatchRecord))


def test_divergence_stops_with_a_message_and_keeps_finite_weights():
    X, y = spiral(n_per_class=50)
    X = X * 1000  # huge inputs and a huge step: the loss blows up
    net = Network(2, [Dense(16, "linear"), Dense(3, "softmax")])
    opt = SGD(1e4)
    seen = []
    with pytest.raises(Diverged, match="learning rate .* too high"):
        for _ in fit(net, X, y, optimizer=opt, epochs=50, batch_size=4):
            seen.append(net.params.copy())
    assert np.isfinite(net.params).all()
    if seen:
        assert np.array_equal(net.params, seen[-1])


def test_bad_inputs_name_the_field_and_value():
    with pytest.raises(ConfigError, match="units must be a positive integer, got 0"):
        Dense(0)
    with pytest.raises(ConfigError, match="dropout rate"):
        Dropout(1.5)
    with pytest.raises(ConfigError, match="learning_rate must be a positive number, got -1"):
        Adam(-1)
    net = small_net()
    X, y = spiral(n_per_class=5)
    with pytest.raises(ConfigError, match="batch_size must be an integer >= 1, got 0"):
        next(fit(net, X, y, optimizer=SGD(0.1), batch_size=0))
    with pytest.raises(ConfigError, match="expects 2 input features"):
        net.predict(np.zeros((3, 5)))
    with pytest.raises(ConfigError, match="output layer has 3 neurons"):
        next(fit(net, X, y + 5, optimizer=SGD(0.1)))
    with pytest.raises(ConfigError, match="softmax output needs at least 2"):
        Network(2, [Dense(1, "softmax")])
    with pytest.raises(ConfigError, match="last layer must be a Dense"):
        Network(2, [Dense(3, "softmax"), Dropout(0.1)])


def test_regression_fits_a_curve():
    rng = np.random.default_rng(0)
    x = np.linspace(-3, 3, 200, dtype=np.float32)[:, None]
    y = np.sin(x[:, 0]) + rng.normal(0, 0.05, 200).astype(np.float32)
    net = Network(1, [Dense(32, "tanh"), Dense(1, "linear")])
    assert net.loss.key == "mse"
    rec = last_epoch(fit(net, x, y, optimizer=Adam(0.01), epochs=300, batch_size=20))
    assert rec.train_acc is None and rec.train_loss < 0.02


def test_replace_output_keeps_hidden_weights_for_transfer():
    net = small_net()
    hidden = net.get_weights()
    net.replace_output(5)
    assert net.n_outputs == 5 and net.loss.key == "categorical_crossentropy"
    w = net.get_weights()
    assert (np.array_equal(w["dense_1/W"], hidden["dense_1/W"])
            and np.array_equal(w["dense_2/b"], hidden["dense_2/b"]))
    assert w["dense_3/W"].shape == (16, 5)
    net.replace_output(1)
    assert net.layers[-1].activation.key == "sigmoid" and net.loss.key == "binary_crossentropy"


def test_training_continues_with_the_same_optimizer_state():
    X, y = spiral(n_per_class=40)
    a, b = small_net(), small_net()
    opt_a, opt_b = Adam(0.01), Adam(0.01)
    last_epoch(fit(a, X, y, optimizer=opt_a, epochs=4, shuffle=False))
    last_epoch(fit(b, X, y, optimizer=opt_b, epochs=2, shuffle=False))
    last_epoch(fit(b, X, y, optimizer=opt_b, epochs=2, shuffle=False))
    np.testing.assert_array_equal(a.params, b.params)


def test_configs_round_trip_through_json():
    net = Network(2, [Dense(8, "leaky_relu", init="glorot"), Dropout(0.25),
                      Dense(4, {"name": "leaky_relu", "config": {"alpha": 0.2}}, trainable=False),
                      Dense(3, "softmax")], seed=3)
    cfg = json.loads(json.dumps(net.get_config()))
    again = Network.from_config(cfg, seed=3)
    assert again.get_config() == net.get_config()
    np.testing.assert_array_equal(again.params, net.params)
    assert again.layers[2].activation.alpha == 0.2 and not again.layers[2].trainable


def test_big_data_gathered_per_batch_gives_the_same_weights(monkeypatch):
    """Large sets are shuffled batch by batch instead of copied whole; the maths is the same."""
    from nnstudio.engine import training

    X, y = spiral(n_per_class=60)

    def run():
        net = small_net(seed=2)
        last_epoch(fit(net, X, y, optimizer=Adam(0.01), epochs=3, batch_size=7, seed=5))
        return net.params.copy()

    whole = run()
    monkeypatch.setattr(training, "_GATHER_LIMIT", 0)
    assert np.array_equal(run(), whole)


def test_on_validation_hands_over_the_outputs_behind_the_validation_scores():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    net = Network(3, [Dense(4, "relu"), Dense(2, "softmax")], seed=0)
    seen = []
    records = [r for r in fit(net, X, y, optimizer=SGD(learning_rate=0.1), epochs=3, batch_size=16,
                              validation=(X[:20], y[:20]),
                              on_validation=lambda epoch, p: seen.append((epoch, p.copy())))]
    assert [e for e, _ in seen] == [1, 2, 3]
    np.testing.assert_allclose(seen[-1][1], net.predict(X[:20]))  # the last epoch's weights
    loss, acc = net.scores(seen[-1][1], y[:20])
    assert records[-1].val_loss == loss and records[-1].val_acc == acc
