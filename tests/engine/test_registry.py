"""Every registered component round-trips through its JSON config."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.engine import (
    ACTIVATIONS,
    LAYERS,
    LOSSES,
    OPTIMIZERS,
    SGD,
    Adam,
    Dense,
    Network,
    get_activation,
    get_loss,
    layer_from_config,
    layer_to_config,
    optimizer_from_config,
    optimizer_to_config,
)
from nnstudio.engine.activations import activation_config
from nnstudio.errors import ConfigError


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_round_trip(name):
    act = ACTIVATIONS[name]()
    again = get_activation(json.loads(json.dumps(activation_config(act))))
    assert again == act and again.display_name == name
    z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(2, 6)
    np.testing.assert_array_equal(act.forward(z.copy()), again.forward(z.copy()))


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_round_trip(name):
    settings = {"Dense": {"units": 7, "activation": "tanh"}, "Dropout": {"rate": 0.4},
                "Conv2D": {"filters": 4, "kernel_size": [5, 5], "strides": 2, "padding": "same"},
                "MaxPool2D": {"pool_size": 3}, "Rescaling": {"scale": 0.25, "offset": 1.0}}
    layer = LAYERS[name](**settings.get(name, {}))
    cfg = json.loads(json.dumps(layer_to_config(layer)))
    assert layer_to_config(layer_from_config(cfg)) == cfg


@pytest.mark.parametrize("opt", [SGD(0.1), SGD(0.05, momentum=0.9, nesterov=True, weight_decay=1e-4),
                                 Adam(0.002, beta_1=0.8, epsilon=1e-6)])
def test_optimizer_round_trip(opt):
    cfg = json.loads(json.dumps(optimizer_to_config(opt)))
    assert optimizer_to_config(optimizer_from_config(cfg)) == cfg
    assert cfg["class"] in OPTIMIZERS


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_registry(name):
    loss = LOSSES[name]()
    assert get_loss(loss.key).display_name == name


def test_unknown_names_are_clear_errors():
    with pytest.raises(ConfigError, match="unknown activation 'swish'"):
        get_activation("swish")
    with pytest.raises(ConfigError, match="unknown layer type 'Conv3D'"):
        layer_from_config({"class": "Conv3D", "config": {}})
    with pytest.raises(ConfigError, match="unknown optimizer"):
        optimizer_from_config({"class": "RMSprop"})
    with pytest.raises(ConfigError, match="invalid settings for a Dense layer"):
        layer_from_config({"class": "Dense", "config": {"units": 3, "colour": "red"}})


def test_sgd_step_is_the_textbook_update():
    net = Network(2, [Dense(2, "linear")], loss="mse", dtype=np.float64)
    opt = SGD(0.5)
    opt.bind(*net.trainable_segments())
    before = net.params.copy()
    net.grads[...] = np.arange(net.params.size)
    opt.step()
    np.testing.assert_allclose(net.params, before - 0.5 * np.arange(net.params.size))


def test_adam_matches_the_reference_formula():
    net = Network(2, [Dense(2, "linear")], loss="mse", dtype=np.float64)
    opt = Adam(0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    opt.bind(*net.trainable_segments())
    p = net.params.copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    rng = np.random.default_rng(0)
    for t in range(1, 4):
        g = rng.standard_normal(p.size)
        net.grads[...] = g
        opt.step()
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        mhat, vhat = m / (1 - 0.9 ** t), v / (1 - 0.999 ** t)
        p = p - 0.1 * mhat / (np.sqrt(vhat) + 1e-8)
    np.testing.assert_allclose(net.params, p, rtol=1e-6)


def test_l2_decays_weights_but_not_biases():
    net = Network(2, [Dense(2, "linear")], loss="mse", dtype=np.float64)
    net.layers[0].b[...] = 1.0
    opt = SGD(0.1, weight_decay=0.5)
    opt.bind(*net.trainable_segments())
    W = net.layers[0].W.copy()
    net.grads[...] = 0
    opt.step()
    np.testing.assert_allclose(net.layers[0].W, W * (1 - 0.05))
    np.testing.assert_array_equal(net.layers[0].b, 1.0)


def test_adam_keeps_running_averages_out_of_denormal_range(monkeypatch):
    """A weight whose gradient stays 0 must not leave denormal floats behind (they make every
    later step ~100x slower); chunked updates must equal one whole-buffer update."""
    from nnstudio.engine import optimizers

    monkeypatch.setattr(optimizers, "ADAM_CHUNK", 32768)  # several chunks for 60,200 weights
    net = Network(300, [Dense(200, "linear")], loss="mse")
    opt = Adam(0.01)
    opt.bind(*net.trainable_segments())
    net.grads[...] = 1.0
    opt.step()
    net.grads[...] = 0.0  # from now on the averages only decay
    for _ in range(900):  # 0.1 * 0.9**900 ~ 1e-42: denormal unless flushed
        opt.step()
    tiny = np.finfo(np.float32).tiny
    for arr in (opt._state[0]["m_sum"], opt._state[0]["v_sum"]):
        assert not np.any((arr != 0) & (np.abs(arr) < tiny))
    assert net.params.size > optimizers.ADAM_CHUNK  # the chunked path was exercised


def test_chunked_adam_equals_the_whole_buffer_update(monkeypatch):
    from nnstudio.engine import optimizers

    def run():
        net = Network(300, [Dense(200, "linear")], loss="mse", seed=1)
        opt = Adam(0.01)
        opt.bind(*net.trainable_segments())
        rng = np.random.default_rng(0)
        for _ in range(5):
            net.grads[...] = rng.standard_normal(net.grads.size)
            opt.step()
        return net.params.copy()

    chunked = run()
    monkeypatch.setattr(optimizers, "ADAM_CHUNK", 10**9)
    np.testing.assert_array_equal(run(), chunked)
