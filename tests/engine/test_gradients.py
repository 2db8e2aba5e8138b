"""Backprop checked against central finite differences, in float64, for every layer,
activation and loss."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine import Dense, Dropout, Network

HIDDEN = ["relu", "leaky_relu", "sigmoid", "tanh", "linear", "softmax"]


def numeric_grad(net: Network, X, Y, eps=1e-6):
    g = np.zeros_like(net.params)
    for k in range(net.params.size):
        old = net.params[k]
        net.params[k] = old + eps
        lp = net.loss.value(net.predict(X), Y)
        net.params[k] = old - eps
        lm = net.loss.value(net.predict(X), Y)
        net.params[k] = old
        g[k] = (lp - lm) / (2 * eps)
    return g


def analytic_grad(net: Network, X, Y):
    buf = net.buffers(len(X))
    p = net.forward_train(X, buf, None)
    net.grads[...] = 0
    net.backward(X, Y, p, buf, dropout=False)
    return net.grads.copy()


def make(hidden, out_units, out_act, loss="auto", seed=0):
    layers = [Dense(4, hidden), Dense(3, hidden), Dense(out_units, out_act)]
    return Network(3, layers, loss=loss, seed=seed, dtype=np.float64)


def data(n=7, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 3))


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("head", ["softmax_ce", "sigmoid_bce", "linear_mse", "tanh_mse", "sigmoid_mse"])
def test_backprop_matches_finite_differences(hidden, head):
    X = data()
    rng = np.random.default_rng(2)
    if head == "softmax_ce":
        net, y = make(hidden, 3, "softmax"), rng.integers(0, 3, len(X))
    elif head == "sigmoid_bce":
        net, y = make(hidden, 1, "sigmoid"), rng.integers(0, 2, len(X))
    else:
        act = head.split("_")[0]
        net, y = make(hidden, 2, act, loss="mse"), rng.standard_normal((len(X), 2)) * 0.5
    # Biases away from zero so ReLU kinks are not hit exactly and all terms matter.
    net.params += rng.standard_normal(net.params.size) * 0.1
    Y = net.loss.prepare_targets(y, net.n_outputs, net.dtype)
    num = numeric_grad(net, X, Y)
    ana = analytic_grad(net, X, Y)
    np.testing.assert_allclose(ana, num, rtol=1e-4, atol=1e-7)


def test_frozen_layers_get_no_gradient_and_the_rest_is_exact():
    X = data()
    y = np.random.default_rng(3).integers(0, 3, len(X))
    net = make("tanh", 3, "softmax")
    net.layers[0].trainable = False
    Y = net.loss.prepare_targets(y, 3, net.dtype)
    num = numeric_grad(net, X, Y)
    ana = analytic_grad(net, X, Y)
    s, e = net._ranges[0]
    assert np.all(ana[s:e] == 0)  # not computed at all
    np.testing.assert_allclose(ana[e:], num[e:], rtol=1e-4, atol=1e-7)


def test_dropout_gradient_uses_the_same_mask_as_the_forward_pass():
    X = data()
    y = np.random.default_rng(4).integers(0, 2, len(X))
    net = Network(3, [Dense(5, "tanh"), Dropout(0.5), Dense(1, "sigmoid")], dtype=np.float64)
    Y = net.loss.prepare_targets(y, 1, net.dtype)
    buf = net.buffers(len(X))
    rng = np.random.default_rng(5)
    p = net.forward_train(X, buf, rng)
    mask = buf.mask[1].copy()
    assert set(np.unique(mask)) <= {0.0, 2.0} and 0 < np.count_nonzero(mask) < mask.size
    net.grads[...] = 0
    net.backward(X, Y, p, buf, dropout=True)
    ana = net.grads.copy()

    # The same network with the dropout mask baked in as a fixed multiplication.
    def loss_at(params):
        old = net.params.copy()
        net.params[...] = params
        h = np.tanh(X @ net.layers[0].W + net.layers[0].b) * mask
        q = 1 / (1 + np.exp(-(h @ net.layers[2].W + net.layers[2].b)))
        net.params[...] = old
        return net.loss.value(q, Y)

    num = np.zeros_like(ana)
    for k in range(ana.size):
        d = np.zeros_like(ana)
        d[k] = 1e-6
        num[k] = (loss_at(net.params + d) - loss_at(net.params - d)) / 2e-6
    np.testing.assert_allclose(ana, num, rtol=1e-4, atol=1e-7)


def test_cross_entropy_gradient_of_one_sample_is_p_minus_one_hot_exactly():
    # Batch size 1 has its own path (a scalar update instead of the batch's fancy index).
    net = make("tanh", 3, "softmax", seed=2)
    loss = net.loss
    for dtype in (np.float32, np.float64):
        p = np.array([[0.2, 0.7, 0.1]], dtype)
        for label in range(3):
            out = np.empty_like(p)
            got = loss.gradient(p, np.array([label]), out=out)
            want = p.copy()
            want[0, label] = p[0, label] - dtype(1)
            assert got is out and out.dtype == dtype
            np.testing.assert_array_equal(out, want)
