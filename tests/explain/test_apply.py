"""Apply this step: the engine's own per-sample update, bit for bit; undo; gradient check; nudge."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine import SGD, Adam, Dense, Network, fit
from nnstudio.errors import ConfigError
from nnstudio.explain import apply_step, check_gradient, nudge, undo_step, walk_session_step, walk_step
from nnstudio.explain.numbers import num

RNG = np.random.default_rng(5)
X = RNG.normal(size=(12, 3)).astype(np.float32)
Y = np.arange(12) % 3


def net3(**kw) -> Network:
    return Network(3, [Dense(5, "relu"), Dense(4, "tanh"), Dense(3, "softmax")], seed=2, **kw)


def one_fit_step(net, opt, x, y):
    for _ in fit(net, x[None], np.asarray([y]), optimizer=opt, epochs=1, batch_size=1, shuffle=False):
        pass


@pytest.mark.parametrize("opt_args", [{"learning_rate": 0.1},
                                      {"learning_rate": 0.05, "momentum": 0.9},
                                      {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True,
                                       "weight_decay": 0.01}])
def test_apply_equals_the_engines_per_sample_sgd_step(opt_args):
    a, b = net3(), net3()
    opt_a, opt_b = SGD(**opt_args), SGD(**opt_args)
    # Some history first, so momentum has a velocity to carry on.
    for net, opt in ((a, opt_a), (b, opt_b)):
        for _ in fit(net, X, Y, optimizer=opt, epochs=2, batch_size=1, shuffle=False):
            pass
    np.testing.assert_array_equal(a.params, b.params)
    walk = walk_step(a, opt_a, X[4], Y[4])
    apply_step(a, opt_a, walk)
    one_fit_step(b, opt_b, X[4], Y[4])
    np.testing.assert_array_equal(a.params, b.params)
    assert opt_a.iterations == opt_b.iterations
    # ... and the next steps go on identically (the optimizer's state moved on the same way).
    one_fit_step(a, opt_a, X[5], Y[5])
    one_fit_step(b, opt_b, X[5], Y[5])
    np.testing.assert_array_equal(a.params, b.params)


def test_apply_equals_adams_preview_and_its_next_step():
    a, b = net3(), net3()
    opt_a, opt_b = Adam(0.01), Adam(0.01)
    for net, opt in ((a, opt_a), (b, opt_b)):
        for _ in fit(net, X, Y, optimizer=opt, epochs=1, batch_size=4, seed=1):
            pass
    walk = walk_step(a, opt_a, X[7], Y[7])
    applied = apply_step(a, opt_a, walk)
    after = np.concatenate([walk.preview[n]["params_after"].reshape(-1) for n in a.param_slices()])
    np.testing.assert_array_equal(a.params, after)
    np.testing.assert_array_equal(applied.params_after, after)
    one_fit_step(b, opt_b, X[7], Y[7])
    np.testing.assert_array_equal(a.params, b.params)


def test_undo_restores_weights_and_optimizer_state_and_redo_repeats_it():
    net, opt = net3(), Adam(0.01)
    for _ in fit(net, X, Y, optimizer=opt, epochs=1, batch_size=4):
        pass
    params, state = net.params.copy(), opt.state_dict()
    walk = walk_step(net, opt, X[1], Y[1])
    applied = apply_step(net, opt, walk)
    moved = net.params.copy()
    assert not np.array_equal(moved, params) and opt.iterations == state["iterations"] + 1
    undo_step(net, opt, applied)
    np.testing.assert_array_equal(net.params, params)
    back = opt.state_dict()
    assert back["iterations"] == state["iterations"]
    for name in state["params"]:
        for slot in ("m_sum", "v_sum"):
            np.testing.assert_array_equal(back["params"][name][slot], state["params"][name][slot])
    apply_step(net, opt, walk)  # redo
    np.testing.assert_array_equal(net.params, moved)


def test_undo_of_a_first_step_leaves_a_fresh_optimizer():
    net, opt = net3(), Adam(0.01)
    walk = walk_step(net, opt, X[0], Y[0])
    applied = apply_step(net, opt, walk)
    undo_step(net, opt, applied)
    assert opt.iterations == 0
    again = walk_step(net, opt, X[0], Y[0])
    for name, entry in walk.preview.items():
        np.testing.assert_array_equal(again.preview[name]["params_after"], entry["params_after"])


def test_apply_uses_the_walks_rate_and_keeps_the_optimizers():
    a, b = net3(), net3()
    opt = SGD(0.01)
    walk = walk_step(a, opt, X[2], Y[2], learning_rate=0.3)
    apply_step(a, opt, walk)
    assert opt.learning_rate == 0.01
    one_fit_step(b, SGD(0.3), X[2], Y[2])
    np.testing.assert_array_equal(a.params, b.params)


def test_apply_refuses_a_stale_walk():
    net, opt = net3(), SGD(0.1)
    walk = walk_step(net, opt, X[0], Y[0])
    apply_step(net, opt, walk)
    with pytest.raises(ConfigError, match="weights changed since"):
        apply_step(net, opt, walk)
    walk = walk_step(net, opt, X[0], Y[0])
    with pytest.raises(ConfigError, match="worked out for SGD, but the optimizer is now Adam"):
        apply_step(net, Adam(), walk)


def test_apply_through_the_session_matches_training(iris_session):
    s = iris_session
    walk = walk_session_step(s, 5)
    opt = s.make_optimizer()
    twin = Network.from_config(s.network.get_config())
    twin.params[...] = s.network.params
    apply_step(s.network, opt, walk)
    d = s.scaled_split.train
    one_fit_step(twin, s.make_optimizer(), d.X[5], d.y[5])
    np.testing.assert_array_equal(s.network.params, twin.params)


@pytest.mark.parametrize("name,index", [("dense_1/W", (2, 1)), ("dense_1/b", (3,)), ("dense_2/W", (0, 2)),
                                        ("dense_3/W", (1, 0)), ("dense_3/b", (2,))])
def test_finite_differences_agree_with_backprop(name, index):
    net = net3()
    params = net.params.copy()
    check = check_gradient(net, X[3], Y[3], name, index)
    backprop, fd, rel = check
    assert backprop == float(net.trace(X[3], Y[3]).gradients[name][index])
    assert check.agree and rel < 1e-2, check.caption
    assert "agree" in check.caption
    np.testing.assert_array_equal(net.params, params)


def test_finite_differences_for_regression_with_target_scaling(make_session):
    s = make_session("regression_1d", hidden=(4,))
    d = s.scaled_split.train
    for name, index in (("dense_1/W", (0, 1)), ("dense_2/b", (0,)), ("dense_2/W", (3, 0))):
        check = check_gradient(s.network, d.X[1], d.y[1], name, index)
        assert check.agree, check.caption


def test_a_wrong_gradient_would_be_caught():
    # The check is not a tautology: the float64 estimate of another weight's gradient differs.
    net = net3()
    g = net.trace(X[3], Y[3]).gradients
    fd = check_gradient(net, X[3], Y[3], "dense_3/W", (1, 0)).finite_difference
    assert abs(fd - g["dense_3/W"][2, 2]) > 1e-3


def test_nudge_moves_the_loss_and_restores_the_network():
    net, opt = net3(), SGD(0.1)
    walk = walk_step(net, opt, X[6], Y[6])
    params = net.params.copy()
    name, idx = walk.featured
    w = float(walk.weights_before[name][idx])
    loss, out = nudge(net, X[6], Y[6], name, idx, w)
    assert loss == walk.loss
    np.testing.assert_array_equal(out, walk.trace.output)
    g = walk.trace.gradients[name][idx]
    lower, _ = nudge(net, X[6], Y[6], name, idx, w - 0.05 * np.sign(g))
    assert lower < walk.loss  # against the gradient, the loss falls
    np.testing.assert_array_equal(net.params, params)


@pytest.mark.parametrize("name,index,match", [("dense_9/W", (0, 0), "no parameter named"),
                                              ("dense_1/W", (3, 0), "outside dense_1/W"),
                                              ("dense_1/b", (0, 0), "outside dense_1/b")])
def test_bad_weight_names_and_indices_are_refused(name, index, match):
    net = net3()
    with pytest.raises(ConfigError, match=match):
        nudge(net, X[0], Y[0], name, index, 0.0)
    with pytest.raises(ConfigError, match=match):
        check_gradient(net, X[0], Y[0], name, index)
    with pytest.raises(ConfigError, match=match):
        walk_step(net, SGD(), X[0], Y[0]).weight_chain(name, index)


@pytest.mark.parametrize("name,index", [("dense_1/W", (2, 1)), ("dense_3/W", (1, 0))])
def test_the_gradient_check_caption_adds_up_on_paper(name, index):
    # At two decimals the two losses read the same: "(0.98 - 0.98) / 0.0002 = -0.42".
    import re

    check = check_gradient(net3(), X[3], Y[3], name, index)
    m = re.search(r"\((-?[0-9.]+) - (-?[0-9.]+)\) / ([0-9.e-]+) = (-?[0-9.e-]+);", check.caption)
    assert m, check.caption
    up, down, width, shown = m.groups()
    assert (up != down) == (shown != "0")
    assert num((float(up) - float(down)) / float(width)) == shown == num(check.finite_difference)
