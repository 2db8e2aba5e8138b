"""Target scaling: the network learns standardised numbers and answers in the data's units."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.engine import SGD, Adam, Dense, EpochRecord, Network, TargetScaling, fit
from nnstudio.errors import ConfigError


def prices(n: int = 400, seed: int = 0):
    """Standardised features and house prices of 25,000-190,000 with a clear relation."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).astype(np.float32)
    y = 100_000 + 30_000 * X[:, 0] - 12_000 * X[:, 1] + 8_000 * np.tanh(X[:, 2])
    y = np.clip(y + rng.normal(0, 5_000, n), 25_000, 190_000).astype(np.float32)
    return X, y


def net8(seed: int = 0) -> Network:
    return Network(3, [Dense(8, "relu"), Dense(1, "linear")], seed=seed)


def train(net: Network, X, y, epochs: int = 100, lr: float = 0.01, **kw):
    recs = [r for r in fit(net, X, y, optimizer=Adam(lr), epochs=epochs, **kw)
            if isinstance(r, EpochRecord)]
    return recs[-1]


def test_fit_rules_follow_the_output_activation():
    Y = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])
    linear = TargetScaling.fit(Y, "linear")
    np.testing.assert_allclose(linear.shift, [3.0, 10.0])
    np.testing.assert_allclose(linear.scale, [np.std([1, 3, 5]), 1.0])  # constant: scale 1
    relu = TargetScaling.fit(Y, "relu")  # only scaled: a ReLU output cannot go below 0
    np.testing.assert_allclose(relu.shift, [0.0, 0.0])
    np.testing.assert_allclose(relu.scale, [np.sqrt(35 / 3), 10.0])
    assert TargetScaling.fit(Y, "tanh") is None and TargetScaling.fit(Y, "sigmoid") is None
    np.testing.assert_allclose(linear.transform(Y, np.float32).mean(axis=0), 0, atol=1e-7)


def test_classifiers_and_bounded_outputs_get_no_scaling():
    clf = Network(3, [Dense(2, "softmax")])
    assert clf.fit_target_scaling(np.array([0, 1, 1])) is None and clf.target_scaling is None
    with pytest.raises(ConfigError, match="predicting numbers"):
        clf.target_scaling = TargetScaling([0.0, 0.0], [1.0, 1.0])
    with pytest.raises(ConfigError, match="1 outputs, the network has 2"):
        Network(3, [Dense(2, "linear")]).target_scaling = TargetScaling([0.0], [1.0])
    assert Network(3, [Dense(1, "tanh")]).fit_target_scaling(np.ones(4)) is None


def test_predict_answers_in_real_units_and_the_config_carries_the_scaling():
    X, y = prices()
    net = net8()
    raw = net.predict(X)
    scaling = net.fit_target_scaling(y)
    np.testing.assert_allclose(scaling.shift, [y.astype(np.float64).mean()], rtol=1e-12)
    np.testing.assert_allclose(net.predict(X), raw * scaling.scale + scaling.shift, rtol=1e-6)
    config = json.loads(json.dumps(net.get_config()))  # JSON only: it travels in the project
    again = Network.from_config(config)
    again.set_weights(net.get_weights())
    assert again.target_scaling == scaling
    np.testing.assert_array_equal(again.predict(X), net.predict(X))  # bit-identical


def test_configs_without_scaling_stay_as_they_were_and_bad_ones_are_refused():
    net = net8()
    assert "target_scaling" not in net.get_config()  # older files: weights answer unscaled
    assert Network.from_config(net.get_config()).target_scaling is None
    bad = dict(net.get_config(), target_scaling={"shift": [0.0], "scale": [0.0]})
    with pytest.raises(ConfigError, match="positive scales"):
        Network.from_config(bad)
    with pytest.raises(ConfigError, match="exactly 'shift' and 'scale'"):
        Network.from_config(dict(net.get_config(), target_scaling={"mean": [1.0]}))


def test_prices_beat_the_mean_with_the_defaults_only_when_scaled():
    X, y = prices()
    Xv, yv = prices(200, seed=1)
    mean_mse = float(np.mean((yv - y.mean()) ** 2))

    plain = train(net8(), X, y, validation=(Xv, yv))
    assert plain.val_loss > 0.9 * mean_mse  # the issue: no better than answering the mean

    net = net8()
    net.fit_target_scaling(y)
    scaled = train(net, X, y, validation=(Xv, yv))
    assert scaled.val_loss < 0.15 * mean_mse
    # Reported losses are in real units, without any L2 penalty: the MSE of the answers.
    pv = net.predict(Xv)[:, 0].astype(np.float64)
    assert scaled.val_loss == pytest.approx(np.mean((pv - yv) ** 2), rel=1e-4)
    assert net.evaluate(Xv, yv)[0] == pytest.approx(scaled.val_loss, rel=1e-6)


def test_training_loss_is_reported_in_real_units():
    # One batch per epoch: epoch 1's training loss is that of the starting weights, so a
    # scaled network and an unscaled one answering exactly the same must report the same.
    X, y = prices(64)
    scaled = net8()
    scaling = scaled.fit_target_scaling(y)
    same = net8()
    same.set_weights(scaled.get_weights())
    same.layers[-1].W *= scaling.scale[0]
    same.layers[-1].b[...] = same.layers[-1].b * scaling.scale[0] + scaling.shift[0]
    np.testing.assert_allclose(same.predict(X), scaled.predict(X), rtol=1e-5)
    a = next(fit(scaled, X, y, optimizer=SGD(0.1, weight_decay=0.5), epochs=1, batch_size=64))
    b = next(fit(same, X, y, optimizer=SGD(0.1, weight_decay=0.5), epochs=1, batch_size=64))
    assert a.train_loss == pytest.approx(b.train_loss, rel=1e-4)
    assert a.train_loss > 1e8  # prices squared, not standardised units


def test_fractions_still_train_well():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 3)).astype(np.float32)
    y = (1 / (1 + np.exp(-(X[:, 0] - 0.5 * X[:, 1])))).astype(np.float32)  # 0..1
    net = net8()
    net.fit_target_scaling(y[:300])
    rec = train(net, X[:300], y[:300], validation=(X[300:], y[300:]))
    assert rec.val_loss < 0.1 * np.var(y[300:])


def test_same_seed_gives_bit_identical_weights_with_target_scaling():
    X, y = prices(200)
    runs = []
    for _ in range(2):
        net = Network(3, [Dense(8, "relu"), Dense(1, "linear")], seed=4)
        net.fit_target_scaling(y)
        train(net, X, y, epochs=5, seed=7, batch_size=16)
        runs.append(net.params.copy())
    np.testing.assert_array_equal(*runs)


def test_replace_output_drops_the_scaling_of_the_old_output():
    X, y = prices(50)
    net = net8()
    net.fit_target_scaling(y)
    net.replace_output(3, activation="softmax")
    assert net.target_scaling is None and "target_scaling" not in net.get_config()
