"""Optimizer state as data: named by parameter, carried from one run to the next."""
from __future__ import annotations

import pickle

import numpy as np
import pytest

from nnstudio.data import load_builtin
from nnstudio.engine import SGD, Adam, Dense, Dropout, EpochRecord, Network, fit


def _spiral():
    data = load_builtin("spiral")
    return data.X.astype(np.float32), data.y


def _net(seed=0, dropout=0.0, out=None, hidden=16):
    X, y = _spiral()
    n_out = out or int(y.max()) + 1
    layers = [Dense(hidden, "relu"), Dropout(dropout), Dense(16, "relu"), Dense(n_out, "softmax")]
    return Network(2, layers, seed=seed)


def _records(gen):
    return [r for r in gen if isinstance(r, EpochRecord)]


def _train(net, opt, epochs, before=0, seed=4, **kw):
    X, y = _spiral()
    return _records(fit(net, X, y, optimizer=opt, epochs=epochs, batch_size=32, seed=seed,
                        validation=(X[:50], y[:50]), epochs_before=before, **kw))


@pytest.mark.parametrize("make", [lambda: Adam(0.01, weight_decay=1e-3),
                                  lambda: SGD(0.05, momentum=0.9, nesterov=True)])
def test_thirty_epochs_then_four_more_equal_thirty_four_bit_for_bit(make):
    """Through the state's data only: a fresh network and optimizer continue from copies."""
    whole_net, whole_opt = _net(dropout=0.1), make()
    whole = _train(whole_net, whole_opt, 34)

    first_net, first_opt = _net(dropout=0.1), make()
    first = _train(first_net, first_opt, 30)
    weights, state = first_net.get_weights(), pickle.loads(pickle.dumps(first_opt.state_dict()))
    again_net, again_opt = _net(dropout=0.1), make()
    again_net.set_weights(weights)
    again_opt.attach(again_net)
    assert again_opt.load_state_dict(state) == []
    rest = _train(again_net, again_opt, 4, before=30)

    np.testing.assert_array_equal(again_net.params, whole_net.params)
    assert [r.train_loss for r in first + rest] == [r.train_loss for r in whole]
    assert [r.val_loss for r in rest] == [r.val_loss for r in whole[30:]]


def test_without_the_state_adam_restarts_and_the_epochs_differ():
    """What the state fixes: today's behaviour when it is not loaded."""
    whole_net = _net()
    _train(whole_net, Adam(0.01), 34)
    net = _net()
    _train(net, Adam(0.01), 30)
    _train(net, Adam(0.01), 4, before=30)
    assert not np.array_equal(net.params, whole_net.params)


def test_state_is_keyed_by_parameter_name_for_trainable_parameters_only():
    net = Network(2, [Dense(8, "relu", trainable=False), Dense(4, "relu"), Dense(3, "softmax")])
    opt = Adam(0.01)
    _train(net, opt, 2)
    state = opt.state_dict()
    slices = net.param_slices()
    trainable = [name for name in slices if net.param_trainable(name)]
    assert list(state["params"]) == trainable and len(trainable) == 4
    batches = -(-len(_spiral()[0]) // 32)
    assert state["class"] == "Adam" and state["iterations"] == 2 * batches
    assert state["config"] == opt.get_config()
    for name in trainable:
        assert set(state["params"][name]) == {"m_sum", "v_sum"}
        for arr in state["params"][name].values():
            assert arr.shape == slices[name][2] and arr.dtype == np.float32
    # Copies: changing them changes nothing in the optimizer.
    state["params"][trainable[0]]["m_sum"][...] = 123.0
    assert not (opt.state_dict()["params"][trainable[0]]["m_sum"] == 123.0).any()
    assert SGD(0.1).state_dict()["params"] == {}  # unattached: nothing yet
    sgd = SGD(0.1)
    _train(_net(), sgd, 1)
    assert all(slots == {} for slots in sgd.state_dict()["params"].values())


def _trained_state(make=lambda: Adam(0.01), net=None):
    net = net or _net()
    opt = make()
    _train(net, opt, 2)
    return opt.state_dict()


@pytest.mark.parametrize("change, note", [
    (lambda: (_net(hidden=12), Adam(0.01)), "has shape"),
    (lambda: (_net(), SGD(0.01, momentum=0.9)), "belongs to Adam, and training now uses SGD"),
    (lambda: (_net(), Adam(0.01, beta_1=0.8)), "beta_1 changed from 0.9 to 0.8"),
    (lambda: (Network(2, [Dense(16, "relu"), Dense(3, "softmax")]), Adam(0.01)), "has shape"),
    (lambda: (Network(2, [Dense(16, "relu"), Dense(16, "relu"), Dense(16, "relu"), Dense(3, "softmax")]),
              Adam(0.01)), "no saved state for"),
])
def test_a_state_that_does_not_fit_is_dropped_with_a_note(change, note):
    state = _trained_state()
    net, opt = change()
    opt.attach(net)
    notes = opt.load_state_dict(state)
    assert len(notes) == 1 and note in notes[0] and notes[0].startswith("The optimizer starts afresh")
    assert opt.iterations == 0
    assert all(not a.any() for slots in opt.state_dict()["params"].values() for a in slots.values())


def test_a_damaged_state_is_dropped_with_a_note():
    state = _trained_state()
    name = next(iter(state["params"]))
    state["params"][name]["m_sum"][0] = np.nan
    net, opt = _net(), Adam(0.01)
    opt.attach(net)
    assert "not finite" in opt.load_state_dict(state)[0]
    for broken in ({"class": "Adam"}, {**state, "iterations": -1}, "state", {**state, "iterations": True}):
        assert opt.load_state_dict(broken)[0].startswith("The optimizer starts afresh")
    assert opt.load_state_dict(None) == []


def test_lr_and_l2_may_change_between_runs_and_a_frozen_layer_keeps_the_others_state():
    state = _trained_state()
    net = _net()
    net.layers[0].trainable = False  # frozen after training: its state is not needed
    opt = Adam(0.05, weight_decay=0.1)
    opt.attach(net)
    assert opt.load_state_dict(state) == []
    loaded = opt.state_dict()
    assert opt.iterations == state["iterations"] and set(loaded["params"]) < set(state["params"])
    for name, slots in loaded["params"].items():
        for slot, arr in slots.items():
            np.testing.assert_array_equal(arr, state["params"][name][slot])


def test_a_pickled_optimizer_arrives_unbound_and_rebinds():
    net, opt = _net(), Adam(0.01)
    _train(net, opt, 1)
    copy = pickle.loads(pickle.dumps(opt))
    assert copy.state_dict()["params"] == {} and copy.get_config() == opt.get_config()
    _train(_net(), copy, 1)
    assert copy.iterations == -(-len(_spiral()[0]) // 32)  # afresh: one epoch's steps
