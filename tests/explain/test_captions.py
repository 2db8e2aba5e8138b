"""The captions say what happened in plain words, with the step's actual numbers."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine import SGD, Adam, Dense, Network, fit
from nnstudio.explain import walk_step
from nnstudio.explain.numbers import decimals_to_tell_apart, log_argument, num, percent, signed, term


def test_numbers_are_written_one_way():
    assert [num(v) for v in (0.52, -0.81, 1.309, 0.0235, 0.0016, 3.1e-5, 1.0, 0.0, 123456.0)] == \
        ["0.52", "-0.81", "1.31", "0.024", "0.0016", "3.1e-05", "1", "0", "1.23e+05"]
    assert term(-0.81) == "(-0.81)" and term(0.2) == "0.20"
    assert decimals_to_tell_apart(0.52, 0.465) == 2 and decimals_to_tell_apart(0.5201, 0.5203) == 4
    assert log_argument(0.917, 0.0866) == "0.917"  # -log(0.92) = 0.083 would not add up
    assert [percent(p) for p in (0.27, 0.003, 0.9997, 0.9993, 1.0, 0.0004, 0.996)] == \
        ["27 %", "0.3 %", "over 99.9 %", "99.9 %", "100 %", "under 0.1 %", "99.6 %"]


def test_neuron_caption_is_the_issues_arithmetic(hand):
    net, x = hand
    walk = walk_step(net, SGD(0.1), x, 0, feature_names=["a", "b"])
    n = walk.neuron(0, 0)
    assert n.caption == "dense_1 neuron 1: 0.52 x 1.30 + (-0.81) x 0.20 + 0.10 = 0.61 -> ReLU -> 0.61"
    assert n.input_names == ["a", "b"] and n.activation == "ReLU"
    assert n.caption in walk.stage("layers").caption


def test_loss_output_backward_and_update_captions_carry_the_numbers(hand):
    net, x = hand
    walk = walk_step(net, SGD(0.1), x, 2, class_names=["cat", "dog", "owl"])
    p = walk.trace.output
    loss = walk.stage("loss").caption
    # -log(0.27) = 1.31 would not give 1.29: the probability gets the decimals that add up.
    assert f"-log({p[2]:.3f}) = {walk.loss:.2f}" in loss and "-log(1) = 0" in loss
    out = walk.stage("output").caption
    assert f"'owl' ({100 * p[2]:.0f} %)" in out and "wrong" in out
    dz = walk.trace.gradients["dense_2/b"]
    back = walk.stage("backward").caption
    assert f"- [0, 0, 1] = [{num(dz[0])}, {num(dz[1])}, {num(dz[2])}]" in back
    wm = walk.weight_chain("dense_1/W", (0, 0))
    assert f"= {term(wm.dz)} x 1.30 = {num(wm.gradient)}" in wm.chain_caption
    # Enough decimals to show the move: 0.520 - 0.1 x g = after.
    assert f"w = w - learning rate x gradient = 0.520 - 0.1 x {term(wm.gradient)} = {wm.after:.3f}" \
        in wm.update_caption
    update = walk.stage("update").caption
    assert f"fell from {num(walk.loss)} to {num(walk.loss_after)}" in update


def test_sigmoid_output_and_binary_loss_in_words():
    net = Network(2, [Dense(3, "tanh"), Dense(1, "sigmoid")], seed=4)
    walk = walk_step(net, SGD(0.1), [0.5, -0.5], 0, class_names=["no", "yes"])
    p = float(walk.trace.output[0])
    out = walk.stage("output").caption
    assert "1 / (1 + e^-z)" in out and f"= {num(p)}, the chance of 'yes'" in out
    np.testing.assert_allclose(walk.probabilities, [1 - p, p])
    assert f"-log(1 - p) = -log(1 - {num(p)})" in walk.stage("loss").caption
    assert "slope of Tanh" in walk.weight_chain("dense_1/W", (1, 2)).chain_caption


def test_adam_says_why_its_step_differs_from_lr_times_gradient():
    net, opt = Network(2, [Dense(3, "relu"), Dense(2, "softmax")], seed=1), Adam(0.01)
    X = np.random.default_rng(0).normal(size=(16, 2))
    for _ in fit(net, X, np.arange(16) % 2, optimizer=opt, epochs=2, batch_size=4):
        pass
    walk = walk_step(net, opt, X[0], 0)
    name, idx = walk.featured
    wm = walk.weight_chain(name, idx)
    entry = walk.preview[name]
    assert wm.step_size == float(entry["step_size"][idx]) and wm.m_hat == float(entry["m_hat"][idx])
    assert f"{num(wm.step_size)} x {term(wm.m_hat)}" in wm.update_caption
    assert f"-lr x gradient = -0.01 x {term(wm.gradient)}" in wm.why_caption
    assert f"Adam changed it by {signed(-wm.update)}" in wm.why_caption
    assert ("went the other way" in wm.why_caption) == (wm.gradient * wm.update < 0)
    assert wm.why_caption in walk.stage("update").caption


def test_momentum_update_names_the_velocity():
    net, opt = Network(2, [Dense(2, "softmax")], seed=1), SGD(0.1, momentum=0.9)
    walk = walk_step(net, opt, [1.0, 2.0], 1)
    wm = walk.weight_chain("dense_1/W", (1, 0))
    assert "momentum 0.9" in wm.update_caption and "velocity" in wm.update_caption


def test_l2_penalty_is_in_the_update():
    net = Network(2, [Dense(2, "softmax")], seed=1)
    walk = walk_step(net, SGD(0.1, weight_decay=0.5), [1.0, 2.0], 1)
    wm = walk.weight_chain("dense_1/W", (1, 0))
    assert wm.l2 == pytest.approx(0.5 * wm.before, rel=1e-5)
    assert "L2 penalty 0.50" in wm.update_caption


def test_many_inputs_show_the_largest_products_and_the_rest_summed():
    net = Network(50, [Dense(2, "relu"), Dense(2, "softmax")], seed=1)
    walk = walk_step(net, SGD(0.1), np.linspace(-1, 1, 50), 1)
    caption = walk.neuron(0, 1).caption
    assert "(46 more products: " in caption
    assert "goes in as 50 values" in walk.stage("input").caption


def test_regression_loss_in_words(make_session):
    from nnstudio.explain import walk_session_step

    s = make_session("regression_1d", hidden=(3,))
    walk = walk_session_step(s, 0)
    loss = walk.stage("loss").caption
    assert "Mean squared error: (prediction - target)^2" in loss and "standardised units" in loss
    assert f"= {num(walk.loss)}" in loss
    assert "2 x (prediction - target)" in walk.stage("backward").caption


def test_each_layer_works_through_its_most_active_neuron_and_the_true_class():
    net = Network(2, [Dense(6, "relu"), Dense(3, "softmax")], seed=3)
    walk = walk_step(net, SGD(0.1), [0.4, -0.9], 2, class_names=["a", "b", "c"])
    text = walk.stage("layers").caption
    busiest = int(np.argmax(walk.trace.layers[0].output))
    assert walk.neuron(0, busiest).caption in text
    assert walk.neuron(1, 2).caption in text  # the true class's output neuron


def test_several_regression_outputs_are_each_explained():
    net = Network(2, [Dense(3, "tanh"), Dense(2, "linear")], seed=1)
    net.fit_target_scaling(np.array([[10., 200.], [20., 260.], [15., 300.]]))
    walk = walk_step(net, SGD(0.05), [0.3, 0.1], np.array([12., 250.]))
    real = walk.output_math().real
    out = walk.stage("output").caption
    assert "output 1: " in out and f"= {num(real[1])})" in out
    assert "true values 12, 250 are" in walk.stage("loss").caption
    assert "Its true values are 12, 250." in walk.stage("input").caption


@pytest.mark.parametrize("bias,y,shown", [(-28.0, 0, "6.9e-13 - 0 = 6.9e-13"),
                                          (0.0, 1, "0.50 - 1 = -0.50"),
                                          (7.0, 1, "0.99909 - 1 = -0.00091"),
                                          (15.8, 1, "(1 - 1.2e-07) - 1 = -1.2e-07")])
def test_p_minus_y_at_the_output_adds_up_on_paper(bias, y, shown):
    # A trained network's answer sits a hair from 0 or 1: with 6 decimals at most the caption
    # read "p - y = 0.000000 - 0 = 7.4e-13".
    net = Network(1, [Dense(1, "sigmoid")], seed=0)
    net.set_weights({"dense_1/W": np.array([[0.0]]), "dense_1/b": np.array([bias])})
    walk = walk_step(net, SGD(0.1), [0.3], y, class_names=["no", "yes"])
    text = walk.stage("backward").caption
    assert "(its answer minus the right answer) = " in text
    assert f"(its answer minus the right answer) = {shown}." in text
