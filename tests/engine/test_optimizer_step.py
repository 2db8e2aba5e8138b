"""The optimizer's step leaves the gradients alone, and preview() foretells it bit for bit."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine import SGD, Adam, Dense, Dropout, Network, optimizers
from nnstudio.errors import ConfigError

CONFIGS = {
    "sgd": lambda: SGD(0.05),
    "sgd-l2": lambda: SGD(0.05, weight_decay=0.1),
    "momentum": lambda: SGD(0.05, momentum=0.9, weight_decay=0.01),
    "nesterov": lambda: SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam": lambda: Adam(0.01),
    "adam-l2": lambda: Adam(0.01, weight_decay=0.05),
}


def _net(frozen: bool = False, n_inputs: int = 3):
    layers = [Dense(8, "relu", trainable=not frozen), Dropout(0.2), Dense(6, "tanh"), Dense(3, "softmax")]
    return Network(n_inputs, layers, seed=1)


def _random_grads(net, rng):
    net.grads[...] = rng.standard_normal(net.grads.size).astype(net.dtype)


@pytest.mark.parametrize("kind", sorted(CONFIGS))
@pytest.mark.parametrize("chunked", [False, True])
def test_step_leaves_the_gradients_as_they_were(kind, chunked, monkeypatch):
    if chunked:  # several chunks per segment, chunk borders inside weight matrices
        monkeypatch.setattr(optimizers, "ADAM_CHUNK", 7)
        monkeypatch.setattr(optimizers, "SGD_CHUNK", 5)
    net, opt = _net(), CONFIGS[kind]()
    opt.attach(net)
    rng = np.random.default_rng(0)
    for _ in range(3):
        _random_grads(net, rng)
        before = net.grads.copy()
        opt.step()
        np.testing.assert_array_equal(net.grads, before)


def _state_copy(opt):
    state = opt.state_dict()
    return state["iterations"], {(n, s): a for n, slots in state["params"].items() for s, a in slots.items()}


@pytest.mark.parametrize("kind", sorted(CONFIGS))
@pytest.mark.parametrize("frozen", [False, True])
@pytest.mark.parametrize("chunked", [False, True])
def test_preview_is_the_next_step_bit_for_bit_and_changes_nothing(kind, frozen, chunked, monkeypatch):
    if chunked:
        monkeypatch.setattr(optimizers, "ADAM_CHUNK", 7)
        monkeypatch.setattr(optimizers, "SGD_CHUNK", 5)
    net, opt = _net(frozen), CONFIGS[kind]()
    opt.attach(net)
    rng = np.random.default_rng(3)
    slices = net.param_slices()
    for _ in range(4):  # later steps preview with momentum / averages already built up
        _random_grads(net, rng)
        params, grads = net.params.copy(), net.grads.copy()
        iterations, state = _state_copy(opt)
        preview = opt.preview()
        # Nothing moved: weights, gradients, optimizer state.
        np.testing.assert_array_equal(net.params, params)
        np.testing.assert_array_equal(net.grads, grads)
        again_iterations, again_state = _state_copy(opt)
        assert again_iterations == iterations and again_state.keys() == state.keys()
        for key in state:
            np.testing.assert_array_equal(again_state[key], state[key])
        opt.step()
        assert list(preview) == list(slices)
        for name, (start, size, shape) in slices.items():
            now = net.params[start:start + size].reshape(shape)
            before = params[start:start + size].reshape(shape)
            entry = preview[name]
            assert entry["trainable"] == net.param_trainable(name)
            np.testing.assert_array_equal(entry["params_after"], now)
            np.testing.assert_array_equal(before - entry["update"], now)
            if not entry["trainable"]:
                assert entry["gradient"] is None and not entry["update"].any()


def test_preview_shows_the_gradient_with_its_l2_term_and_adams_corrected_averages():
    net = _net()
    opt = Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-6, weight_decay=0.5)
    opt.attach(net)
    rng = np.random.default_rng(1)
    g_sum = {}
    w_name, b_name = list(net.param_slices())[:2]  # the first layer's weights and biases
    (w_start, w_size, w_shape), (b_start, b_size, _) = net.param_slices()[w_name], net.param_slices()[b_name]
    for t in range(1, 4):
        _random_grads(net, rng)
        preview = opt.preview()
        W, dW = (a[w_start:w_start + w_size].reshape(w_shape) for a in (net.params, net.grads))
        np.testing.assert_allclose(preview[w_name]["gradient"], dW + 0.5 * W, rtol=1e-6)
        # No L2 on biases.
        np.testing.assert_array_equal(preview[b_name]["gradient"], net.grads[b_start:b_start + b_size])
        # m = 0.8 m + 0.2 g, corrected by 1 - 0.8^t (and likewise v): the textbook Adam.
        entry = preview[w_name]
        g = entry["gradient"].astype(np.float64)
        m, v = g_sum.get("m", 0.0), g_sum.get("v", 0.0)
        g_sum["m"], g_sum["v"] = 0.8 * m + 0.2 * g, 0.99 * v + 0.01 * g * g
        np.testing.assert_allclose(entry["m_hat"], g_sum["m"] / (1 - 0.8 ** t), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(entry["v_hat"], g_sum["v"] / (1 - 0.99 ** t), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(entry["update"], entry["step_size"] * entry["m_hat"], rtol=1e-4, atol=1e-7)
        opt.step()


def test_preview_needs_an_attached_optimizer():
    with pytest.raises(ConfigError, match="not attached"):
        Adam().preview()


def test_a_rate_changed_between_steps_is_used_and_a_bad_one_still_raises_at_the_step():
    # step() checks the rate only when it changed: a new value must still be checked and used.
    net = _net()
    rng = np.random.default_rng(4)
    _random_grads(net, rng)
    opt = SGD(0.05)
    opt.attach(net)
    opt.step()
    before = net.params.copy()
    opt.learning_rate = 0.25
    opt.step()
    np.testing.assert_array_equal(net.params, before - net.grads * np.float32(0.25))
    opt.learning_rate = -1
    with pytest.raises(ConfigError, match="learning_rate must be a positive number, got -1"):
        opt.step()
    opt.learning_rate = 0.5  # back to a good rate: stepping works again
    opt.step()
