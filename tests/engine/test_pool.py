"""MaxPool2D: against a loop definition, finite differences, one winner per window on ties,
odd sizes floored like Keras' "valid", and torch's max_pool2d when torch is importable."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine import Conv2D, Dense, Flatten, MaxPool2D, Network
from nnstudio.engine.shapes import infer_shapes
from nnstudio.errors import ConfigError


def reference_pool(x, p, s):
    n, h, w, c = x.shape
    oh, ow = (h - p) // s + 1, (w - p) // s + 1
    out = np.empty((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = x[:, i * s:i * s + p, j * s:j * s + p].max(axis=(1, 2))
    return out


def pool_alone(shape, p, s, batch, dtype=np.float64):
    layer = MaxPool2D(p, s)
    layer.build(shape)
    cache = layer.new_cache(batch, dtype)
    cache.grad_in = np.empty((batch, *shape), dtype)
    return layer, cache


CASES = [((6, 6, 3), 2, 2), ((7, 5, 2), 2, 2), ((7, 7, 2), 3, 2), ((5, 6, 1), 2, 1), ((9, 9, 4), 3, 3)]


@pytest.mark.parametrize("shape,p,s", CASES)
def test_pool_forward_matches_the_loop_definition(shape, p, s):
    x = np.random.default_rng(0).standard_normal((3, *shape))
    layer, cache = pool_alone(shape, p, s, 3)
    out = np.empty((3, *layer.output_shape))
    layer.forward(x, out, cache, True, None)
    np.testing.assert_array_equal(out, reference_pool(x, p, s))


@pytest.mark.parametrize("shape,p,s", CASES)
def test_pool_backward_matches_finite_differences(shape, p, s):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, *shape))
    layer, cache = pool_alone(shape, p, s, 2)
    up = rng.standard_normal((2, *layer.output_shape))
    out = np.empty_like(up)

    def loss(x_):
        c = layer.new_cache(2, np.float64)
        o = np.empty_like(up)
        layer.forward(x_, o, c, True, None)
        return float(np.sum(up * o))

    layer.forward(x, out, cache, True, None)
    cache.grad_in[...] = np.nan  # every value must be written, the dropped edges too
    got = layer.backward(up.copy(), cache, None)
    num = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[idx] = 1e-6
        num[idx] = (loss(x + d) - loss(x - d)) / 2e-6
    np.testing.assert_allclose(got, num, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("p,s", [(2, 2), (3, 2)])
def test_a_tie_sends_the_gradient_to_one_value(p, s):
    x = np.ones((1, 6, 6, 2))  # every window a tie (a flat background after a conv)
    layer, cache = pool_alone((6, 6, 2), p, s, 1)
    out = np.empty((1, *layer.output_shape))
    layer.forward(x, out, cache, True, None)
    g = layer.backward(np.ones_like(out), cache, None)
    assert g.sum() == out.size  # each window's gradient once, not once per tied value
    assert set(np.unique(g)) <= ({0.0, 1.0} if p == s else {0.0, 1.0, 2.0, 4.0})


def test_odd_sizes_floor_and_small_inputs_are_explained():
    assert infer_shapes((7, 5, 3), [{"class": "MaxPool2D"}])[0].output_shape == (3, 2, 3)
    assert infer_shapes((7, 7, 1), [{"class": "MaxPool2D", "config": {"pool_size": 3, "strides": 2}}]
                        )[0].output_shape == (3, 3, 1)
    with pytest.raises(ConfigError, match=r"a 2x2 pooling needs at least 2x2 pixels; this layer "
                                          r"receives 1x1"):
        infer_shapes((1, 1, 4), [{"class": "MaxPool2D"}])
    with pytest.raises(ConfigError, match="MaxPool2D needs an image"):
        infer_shapes(10, [{"class": "MaxPool2D"}])
    with pytest.raises(ConfigError, match="pool_size must be a positive whole number, got 0"):
        MaxPool2D(0)


def test_torch_max_pool_gives_the_same_values_and_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    for p, s in ((2, 2), (3, 2), (2, 1)):
        x = rng.standard_normal((4, 9, 8, 3)).astype(np.float32)
        layer, cache = pool_alone((9, 8, 3), p, s, 4, np.float32)
        out = np.empty((4, *layer.output_shape), np.float32)
        layer.forward(x, out, cache, True, None)
        up = rng.standard_normal(out.shape).astype(np.float32)
        got = layer.backward(up.copy(), cache, None)
        xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
        yt = torch.nn.functional.max_pool2d(xt, p, s)
        yt.backward(torch.from_numpy(up.transpose(0, 3, 1, 2).copy()))
        np.testing.assert_array_equal(out, yt.detach().numpy().transpose(0, 2, 3, 1))
        np.testing.assert_allclose(got, xt.grad.numpy().transpose(0, 2, 3, 1), atol=1e-6)


def test_a_pool_in_a_network_passes_the_gradient_to_the_conv_below():
    net = Network((9, 9, 1), [Conv2D(3), MaxPool2D(), Conv2D(2), Flatten(), Dense(2, "softmax")],
                  dtype=np.float64)
    assert net.buffers(2).caches[1].grad_in is not None  # the conv below trains
    assert [layer.output_shape for layer in net.layers[:3]] == [(7, 7, 3), (3, 3, 3), (1, 1, 2)]
