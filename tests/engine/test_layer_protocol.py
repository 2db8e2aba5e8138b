"""The layer protocol: every registered kind round-trips, checks its gradient against finite
differences on its own, and gives its shapes in plain words; weights are named by layer and
load by name and shape."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.engine import (
    LAYERS,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    Network,
    Rescaling,
    layer_from_config,
    layer_to_config,
)
from nnstudio.engine.layers import describe_shape, layer_names, name_layer_configs, new_layer_config
from nnstudio.engine.shapes import infer_shapes
from nnstudio.errors import ConfigError

#: One instance of every registered kind, with settings away from the defaults.
EXAMPLES = {"Dense": lambda: Dense(3, "tanh", init="glorot", trainable=False, name="hidden"),
            "Dropout": lambda: Dropout(0.3, name="drop"),
            "Conv2D": lambda: Conv2D(3, 3, padding="same", activation="tanh", init="glorot",
                                     trainable=False, name="conv"),
            "MaxPool2D": lambda: MaxPool2D(2, 1, name="pool"),
            "Flatten": lambda: Flatten(name="flat"),
            "Rescaling": lambda: Rescaling(0.5, -1.0, name="scale")}
#: The per-sample input each kind is checked on alone (images for the image layers).
INPUTS = {"Conv2D": (4, 4, 2), "MaxPool2D": (4, 3, 2), "Flatten": (3, 2, 2)}


def test_every_registered_kind_has_an_example():
    assert set(EXAMPLES) == set(LAYERS)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_registry_round_trip_through_json(kind):
    layer = EXAMPLES[kind]()
    spec = json.loads(json.dumps(layer_to_config(layer)))
    again = layer_from_config(spec)
    assert type(again) is LAYERS[kind] and again.get_config() == layer.get_config()
    assert again.name == layer.name and again.trainable == layer.trainable


def _layer_alone(kind, rng):
    """The layer built on its input (4 values, or an image) with float64 parameters bound to
    fresh buffers."""
    layer = EXAMPLES[kind]()
    layer.trainable = True
    shape = INPUTS.get(kind, (4,))
    shapes = layer.param_shapes(shape)
    layer.build(shape)
    params = {k: rng.standard_normal(s) for k, s in shapes.items()}
    grads = {k: np.zeros(s) for k, s in shapes.items()}
    layer.bind(params, grads)
    return layer, params, grads


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_each_layer_kind_backward_matches_finite_differences(kind):
    rng = np.random.default_rng(0)
    layer, params, grads = _layer_alone(kind, rng)
    x = rng.standard_normal((5, *layer.input_shape))
    out_shape = (5, *layer.output_shape)
    upstream = rng.standard_normal(out_shape)  # loss = sum(upstream * output)
    cache = layer.new_cache(5, np.float64)
    cache.grad_in = np.empty_like(x)
    mask_rng = np.random.default_rng(7)

    def loss(x_):
        c = layer.new_cache(5, np.float64)
        out = np.empty(out_shape)
        layer.forward(x_, out, c, True, np.random.default_rng(7))  # the same dropout mask
        return float(np.sum(upstream * out))

    out = np.empty(out_shape)
    layer.forward(x, out, cache, True, mask_rng)
    grad_in = layer.backward(upstream.copy(), cache, layer.grad_views() if grads else None)
    eps = 1e-6
    num_in = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = eps
        num_in[idx] = (loss(x + d) - loss(x - d)) / (2 * eps)
    np.testing.assert_allclose(grad_in, num_in, rtol=1e-5, atol=1e-8)
    for name, p in params.items():
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            lp = loss(x)
            p[idx] = old - eps
            lm = loss(x)
            p[idx] = old
            num[idx] = (lp - lm) / (2 * eps)
        np.testing.assert_allclose(grads[name], num, rtol=1e-5, atol=1e-8)


def test_shape_errors_say_in_plain_words_why_a_layer_does_not_fit():
    with pytest.raises(ConfigError, match=r"Layer 1 \(dense_1\): Dense needs a flat input .* "
                                          r"receives 16 maps of 26x26"):
        infer_shapes((26, 26, 16), [{"class": "Dense", "config": {"units": 4}}])
    with pytest.raises(ConfigError, match=r"Layer 2: units must be a positive integer, got 0"):
        infer_shapes(3, [{"class": "Dense", "config": {"units": 4}},
                         {"class": "Dense", "config": {"units": 0}}])
    assert describe_shape((28, 28)) == "a 28x28 grid" and describe_shape((1,)) == "1 value"


def test_infer_shapes_agrees_with_the_built_network():
    layers = [Dense(5), Dropout(0.1), Dense(4, "tanh", trainable=False), Dense(2, "softmax")]
    shapes = infer_shapes(3, [layer_to_config(layer) for layer in layers])
    net = Network(3, layers)
    assert [s.output_shape for s in shapes] == [layer.output_shape for layer in net.layers]
    assert [s.n_params for s in shapes] == [r["total"] for r in net.param_counts()]
    assert [s.name for s in shapes] == [layer.name for layer in net.layers]
    assert shapes[0].param_text == "3 inputs \u00d7 5 neurons + 5 biases = 20 parameters"
    assert not shapes[2].trainable


def test_layers_are_named_in_order_and_names_stay_when_layers_come_and_go():
    net = Network(2, [Dense(4), Dropout(0.5), Dense(3), Dense(2, "softmax")])
    assert [layer.name for layer in net.layers] == ["dense_1", "dropout_1", "dense_2", "dense_3"]
    assert list(net.get_weights()) == ["dense_1/W", "dense_1/b", "dense_2/W", "dense_2/b",
                                       "dense_3/W", "dense_3/b"]
    configs = name_layer_configs(net.get_config()["layers"])
    inserted = new_layer_config({"class": "Dense", "config": {"units": 8}}, configs)
    assert inserted["config"]["name"] == "dense_4"  # the first free one, whatever its place
    assert layer_names(configs[:1] + [inserted] + configs[1:])[2:] == ["dropout_1", "dense_2", "dense_3"]
    with pytest.raises(ConfigError, match="two layers are named 'a'"):
        Network(2, [Dense(4, name="a"), Dense(2, "softmax", name="a")])


def test_load_weights_by_name_reports_what_was_loaded_skipped_and_left_new():
    old = Network(2, [Dense(4, name="body"), Dense(3, "softmax", name="head")], seed=1)
    new = Network(2, [Dense(4, name="body"), Dense(5, name="extra"), Dense(2, "softmax", name="head")],
                  seed=2)
    fresh_extra = new.get_weights()["extra/W"]
    weights = dict(old.get_weights(), stray=np.zeros(3))
    with pytest.raises(ConfigError, match=r"head/W do not fit this network: shape \(4, 3\), this "
                                          r"network needs \(5, 2\)"):
        new.load_weights(weights)
    report = new.load_weights(weights, skip_mismatch=True)
    assert report.loaded == ["body/W", "body/b"]
    assert [n for n, _ in report.skipped] == ["head/W", "head/b", "stray"]
    assert report.new == ["extra/W", "extra/b", "head/W", "head/b"]
    np.testing.assert_array_equal(new.get_weights()["body/W"], old.get_weights()["body/W"])
    np.testing.assert_array_equal(new.get_weights()["extra/W"], fresh_extra)
    assert "skipped head/W (shape (4, 3)" in report.summary()


def test_weights_named_by_position_still_load():
    net = Network(2, [Dense(4), Dense(2, "softmax")], seed=3)
    positional = {f"{i}/{k}": v for i, layer in enumerate(net.layers) for k, v in
                  (("W", layer.W.copy()), ("b", layer.b.copy()))}
    other = Network(2, [Dense(4), Dense(2, "softmax")], seed=4)
    other.set_weights(positional)
    np.testing.assert_array_equal(other.params, net.params)


def test_n_d_inputs_and_flops():
    net = Network((3,), [Dense(4), Dense(2, "softmax")])
    assert net.input_shape == (3,) and net.n_inputs == 3
    assert net.get_config()["n_inputs"] == 3
    fwd, bwd = net.layers[0].flops(input_grad=False)
    assert fwd == bwd == 2 * 3 * 4
    with pytest.raises(ConfigError, match="Dense needs a flat input"):
        Network((2, 2), [Dense(2, "softmax")])


def test_flops_count_what_the_step_really_does():
    net = Network(784, [Dense(256), Dense(128), Dense(10, "softmax")])
    w = 784 * 256 + 256 * 128 + 128 * 10
    assert net.flops_per_sample(training=False) == 2 * w
    # The first layer's input gradient is never computed (the "counted right" 1.01 MFLOP).
    assert net.flops_per_sample() == 6 * w - 2 * 784 * 256 == 1_007_104
    net.layers[0].trainable = False  # nothing at all is computed backward for it
    assert net.flops_per_sample() == 6 * w - 4 * 784 * 256 - 2 * 256 * 128
