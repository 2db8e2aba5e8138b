"""Network.trace: one sample's step with every intermediate kept, for the step-through view."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine import Dense, Dropout, Network


def _net(head="softmax", units=3, loss="auto"):
    net = Network(3, [Dense(4, "tanh"), Dropout(0.5), Dense(5, "relu"), Dense(units, head)],
                  loss=loss, seed=2, dtype=np.float64)
    net.params += np.random.default_rng(1).standard_normal(net.params.size) * 0.1
    return net


def _numeric(net, x, y, rng_seed=None):
    eps = 1e-6
    out = np.zeros_like(net.params)
    for k in range(net.params.size):
        old = net.params[k]
        net.params[k] = old + eps
        lp = net.trace(x, y, None if rng_seed is None else np.random.default_rng(rng_seed)).loss
        net.params[k] = old - eps
        lm = net.trace(x, y, None if rng_seed is None else np.random.default_rng(rng_seed)).loss
        net.params[k] = old
        out[k] = (lp - lm) / (2 * eps)
    return out


@pytest.mark.parametrize("head, units, y", [("softmax", 3, 2), ("sigmoid", 1, 1), ("linear", 2, [0.5, -1.0])])
def test_trace_gradients_equal_finite_differences_and_backward(head, units, y):
    net = _net(head, units, "mse" if head == "linear" else "auto")
    x = np.array([0.3, -1.2, 0.8])
    t = net.trace(x, y)
    flat = np.concatenate([t.gradients[name].ravel() for name in net.param_slices()])
    np.testing.assert_allclose(flat, _numeric(net, x, y), rtol=1e-5, atol=1e-8)
    buf = net.buffers(1)
    X = x[None]
    Y = net.loss.prepare_targets(np.asarray([y]) if np.ndim(y) == 0 else np.asarray(y)[None],
                                 net.n_outputs, net.dtype)
    p = net.forward_train(X, buf, None)
    net.grads[...] = 0
    net.backward(X, Y, p, buf)
    np.testing.assert_array_equal(flat, net.grads)
    assert t.loss == pytest.approx(net.loss.value(p, Y))
    np.testing.assert_array_equal(t.output, p[0])


def test_trace_keeps_every_intermediate_and_marks_frozen_gradients():
    net = _net()
    net.layers[0].trainable = False
    x, y = np.array([0.3, -1.2, 0.8]), 1
    t = net.trace(x, y, np.random.default_rng(5))
    assert [layer.name for layer in t.layers] == ["dense_1", "dropout_1", "dense_2", "dense_3"]
    first, drop = t.layers[0], t.layers[1]
    np.testing.assert_array_equal(first.input, x)
    np.testing.assert_allclose(first.output, np.tanh(first.weighted_sum))
    np.testing.assert_array_equal(drop.output, first.output * drop.mask)
    assert set(np.unique(drop.mask)) <= {0.0, 2.0} and drop.weighted_sum is None
    assert t.output.sum() == pytest.approx(1.0)
    assert t.frozen == {"dense_1/W", "dense_1/b"} and first.frozen
    assert np.any(t.gradients["dense_1/W"] != 0)  # shown, though training never applies it
    # The dropout mask stays the one the trace drew: gradients still match finite differences.
    flat = np.concatenate([t.gradients[n].ravel() for n in net.param_slices()])
    np.testing.assert_allclose(flat, _numeric(net, x, y, rng_seed=5), rtol=1e-5, atol=1e-8)
    assert not net.grads.any()  # the network's own gradient buffer is untouched
