"""The walk's numbers are the engine's: trace, preview and the loss after the update."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.engine import SGD, Adam, Dense, Dropout, Network, fit
from nnstudio.errors import ConfigError
from nnstudio.explain import STAGE_KEYS, walk_session_step, walk_step


def spiral_net(**kw) -> Network:
    return Network(2, [Dense(4, "tanh"), Dense(3, "relu"), Dense(3, "softmax")], seed=3, **kw)


def test_walk_numbers_equal_the_trace_and_the_preview():
    net, x, y = spiral_net(), np.array([0.3, -1.2], np.float32), 1
    opt = Adam(0.01)
    fit(net, np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 3, optimizer=opt,
        epochs=1, batch_size=4).__next__()  # state to carry: Adam's averages after 5 steps
    walk = walk_step(net, opt, x, y)
    tr = net.trace(x, y)
    assert walk.loss == tr.loss
    for i, lt in enumerate(tr.layers):
        for j in range(lt.output.size):
            n = walk.neuron(i, j)
            assert n.z == float(lt.weighted_sum[j]) and n.a == float(lt.output[j])
            assert n.bias == float(net.get_weights()[f"{lt.name}/b"][j])
            np.testing.assert_array_equal(n.inputs, lt.input)
    for name, g in tr.gradients.items():
        np.testing.assert_array_equal(walk.trace.gradients[name], g)
        for idx in np.ndindex(g.shape):
            wm = walk.weight_chain(name, idx)
            assert wm.gradient == float(g[idx])
            assert wm.after == float(walk.preview[name]["params_after"][idx])
            assert np.float32(wm.before) - np.float32(wm.update) == np.float32(wm.after)
    # dL/dw = dL/dz x input is the very float32 product the engine formed.
    wm = walk.weight_chain("dense_2/W", (1, 2))
    assert np.float32(wm.dz) * np.float32(wm.input) == np.float32(wm.gradient)
    np.testing.assert_array_equal(walk.softmax_math().probabilities, tr.output.astype(np.float64))
    assert [s.key for s in walk.stages] == list(STAGE_KEYS)
    assert walk.iterations == 5 and walk.optimizer_kind == "Adam"


def test_walk_changes_neither_network_nor_optimizer():
    net, opt = spiral_net(), SGD(0.1, momentum=0.9)
    fit(net, np.ones((4, 2)), np.arange(4) % 3, optimizer=opt, epochs=1, batch_size=1).__next__()
    params, grads, state = net.params.copy(), net.grads.copy(), opt.state_dict()
    walk_step(net, opt, [0.5, 0.5], 2, learning_rate=0.3)
    np.testing.assert_array_equal(net.params, params)
    np.testing.assert_array_equal(net.grads, grads)
    after = opt.state_dict()
    assert after["iterations"] == state["iterations"] and opt.learning_rate == 0.1
    for name, slots in state["params"].items():
        np.testing.assert_array_equal(after["params"][name]["velocity"], slots["velocity"])


def test_loss_after_is_the_same_sample_after_the_update(hand):
    (net, x), opt = hand, SGD(0.1)
    walk = walk_step(net, opt, x, 0)
    twin = Network.from_config(net.get_config())
    twin.set_weights({k: e["params_after"] for k, e in walk.preview.items()})
    assert walk.loss_after == twin.trace(x, 0).loss
    assert walk.loss_after < walk.loss  # one SGD step on a sample lowers its loss


def test_learning_rate_override_is_used(hand):
    net, x = hand
    slow, fast = walk_step(net, SGD(0.01), x, 0), walk_step(net, SGD(0.01), x, 0, learning_rate=0.5)
    assert fast.learning_rate == 0.5 and slow.learning_rate == 0.01
    np.testing.assert_allclose(fast.preview["dense_2/b"]["update"], 50 * slow.preview["dense_2/b"]["update"],
                               rtol=1e-5)


def test_frozen_layer_is_marked_and_does_not_move():
    net = Network(2, [Dense(3, "relu", trainable=False), Dense(2, "softmax")], seed=1)
    walk = walk_step(net, SGD(0.1), [1.0, -1.0], 1)
    assert walk.trace.layers[0].frozen and not walk.preview["dense_1/W"]["trainable"]
    np.testing.assert_array_equal(walk.preview["dense_1/W"]["params_after"], net.get_weights()["dense_1/W"])
    wm = walk.weight_chain("dense_1/W", (0, 0))
    assert "frozen" in wm.update_caption and wm.after == wm.before
    assert walk.featured[0] == "dense_2/W"  # the example weight is one that trains
    assert "Frozen layers (dense_1)" in walk.stage("backward").caption


def test_dropout_is_off_unless_asked():
    net = Network(2, [Dense(8, "relu"), Dropout(0.5), Dense(2, "softmax")], seed=1)
    walk = walk_step(net, SGD(0.1), [1.0, -1.0], 1)
    assert walk.trace.layers[1].mask is None
    assert any("Dropout is off" in note for note in walk.notes)
    on = walk_step(net, SGD(0.1), [1.0, -1.0], 1, rng=np.random.default_rng(0))
    assert on.trace.layers[1].mask is not None and not any("Dropout" in n for n in on.notes)
    assert "switched off this time" in on.stage("layers").caption
    # The layer after the dropout names its inputs after the neurons below the dropout.
    assert walk.neuron(2, 0).input_names[0] == "dense_1 neuron 1"


def test_to_dict_is_json_with_the_project_file_names():
    net, opt = spiral_net(), SGD(0.1)
    walk = walk_step(net, opt, [0.3, -1.2], 1, feature_names=["a", "b"], class_names=["p", "q", "r"],
                     sample_index=7)
    data = json.loads(json.dumps(walk.to_dict()))
    for key in ("sample", "layers", "probabilities", "loss", "gradients", "updated", "loss_after"):
        assert key in data
    assert data["sample"]["label"] == 1 and data["sample"]["label_name"] == "q"
    assert data["sample"]["index"] == 7 and data["sample"]["feature_names"] == ["a", "b"]
    assert set(data["gradients"]) == set(net.get_weights()) == set(data["updated"])
    assert [layer["name"] for layer in data["layers"]] == ["dense_1", "dense_2", "dense_3"]
    assert data["layers"][0]["z"] == walk.trace.layers[0].weighted_sum.astype(float).tolist()
    assert data["gradients"]["dense_1/W"] == walk.trace.gradients["dense_1/W"].astype(float).tolist()
    assert sum(data["probabilities"]) == pytest.approx(1, abs=1e-6)


def test_session_step_uses_the_training_row_and_names(iris_session):
    s = iris_session
    walk = walk_session_step(s, 3)
    np.testing.assert_array_equal(walk.x, s.scaled_split.train.X[3])
    np.testing.assert_array_equal(walk.x_raw, s.split.train.X[3])
    assert walk.label_name == s.split.train.class_names[int(s.split.train.y[3])]
    assert walk.feature_names[0] == "sepal length (cm)"
    assert "Training row 3" in walk.stage("input").caption
    assert walk.optimizer_kind == "Adam" and walk.learning_rate == s.project.training["optimizer"]["config"][
        "learning_rate"]


@pytest.mark.parametrize("index", [-1, 90, 2.0, True])
def test_bad_index_names_the_valid_range(iris_session, index):
    n = len(iris_session.scaled_split.train.X)
    with pytest.raises(ConfigError, match=f"0 to {n - 1}, got {index!r}"):
        walk_session_step(iris_session, index)


def test_session_without_network_or_data_is_refused(iris_session):
    from nnstudio.project import Session

    with pytest.raises(ConfigError, match="no data"):
        walk_session_step(Session(), 0)
    iris_session.network = None
    with pytest.raises(ConfigError, match="no network"):
        walk_session_step(iris_session, 0)


def test_session_step_continues_the_saved_optimizer_state(iris_session):
    s = iris_session
    opt = s.make_optimizer()
    d = s.scaled_split.train
    for _ in fit(s.network, d.X, d.y, optimizer=opt, epochs=1, batch_size=16):
        pass
    s.project.optimizer_state = opt.state_dict()
    walk = walk_session_step(s, 0)
    assert walk.iterations == opt.iterations > 0 and not walk.notes
    # The same as continuing that optimizer: its preview of this sample's step.
    direct = walk_step(s.network, opt, d.X[0], d.y[0])
    for name, entry in direct.preview.items():
        np.testing.assert_array_equal(walk.preview[name]["params_after"], entry["params_after"])


def test_regression_walk_speaks_in_real_units(make_session):
    s = make_session("regression_1d", hidden=(4,))
    walk = walk_session_step(s, 2)
    assert walk.task == "regression" and walk.probabilities is None
    y = float(s.split.train.y[2])
    assert walk.to_dict()["sample"]["target"] == [y]
    out = walk.output_math()
    assert out.kind == "identity"
    np.testing.assert_allclose(out.real, s.network.predict(s.scaled_split.train.X[2:3])[0], rtol=1e-5)
    assert "Mean squared error" in walk.stage("loss").caption
    assert "own units" in walk.stage("output").caption
    assert walk.loss == s.network.trace(walk.x, y).loss


def test_a_changed_network_gets_a_fresh_twin():
    # The twin that previews the update is kept per network; freezing a layer must show.
    net = Network(2, [Dense(3, "relu"), Dense(2, "softmax")], seed=1)
    first = walk_step(net, SGD(0.1), [1.0, -1.0], 1)
    assert first.preview["dense_1/W"]["trainable"]
    net.layers[0].trainable = False
    frozen = walk_step(net, SGD(0.1), [1.0, -1.0], 1)
    assert not frozen.preview["dense_1/W"]["trainable"]
    np.testing.assert_array_equal(frozen.preview["dense_1/W"]["params_after"], net.get_weights()["dense_1/W"])
    net.layers[0].trainable = True
    net.params[:3] += 0.5  # new weights, same config: the twin takes them
    again = walk_step(net, SGD(0.1), [1.0, -1.0], 1)
    assert again.loss == net.trace([1.0, -1.0], 1).loss
    check = Network.from_config(net.get_config())
    check.set_weights({k: e["params_after"] for k, e in again.preview.items()})
    assert again.loss_after == check.trace([1.0, -1.0], 1).loss


def test_a_saved_state_of_another_optimizer_is_noted_not_used(iris_session):
    s = iris_session
    other = SGD(0.1, momentum=0.9)
    other.attach(s.network)
    s.project.optimizer_state = other.state_dict()  # saved by an SGD run; training is Adam now
    walk = walk_session_step(s, 0)
    assert walk.iterations == 0 and walk.optimizer_kind == "Adam"
    assert any("belongs to SGD" in note for note in walk.notes)
