"""The Qt-free Session: what survives an edit, a new split or new data (real engine, real data)."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import load_builtin
from nnstudio.engine import EpochRecord, Network, fit
from nnstudio.errors import ConfigError
from nnstudio.project import Session, build_from_project, default_network_config, demo_project
from nnstudio.project.layer_edits import (
    EditRefused,
    default_layer_config,
    plan_insert,
    plan_move,
    plan_remove,
    plan_update,
)


def opened(name: str = "spiral") -> Session:
    project = demo_project()
    dataset = load_builtin(name)
    project.data_source = dict(dataset.source)
    project.network = default_network_config(dataset)
    return Session.open(project, dataset=dataset)


def train(session: Session, epochs: int = 2) -> None:
    d = session.scaled_split
    for rec in fit(session.network, d.train.X, d.train.y, optimizer=session.make_optimizer(),
                   epochs=epochs, batch_size=32, seed=0):
        if isinstance(rec, EpochRecord):
            session.record_epoch(rec)


def layer_weights(session: Session) -> list[dict]:
    """Per layer, its weights keyed by position (``"0/W"``), whatever the layers are named."""
    w = session.network.get_weights()
    return [{f"{i}/{k.partition('/')[2]}": v for k, v in w.items() if k.startswith(f"{layer.name}/")}
            for i, layer in enumerate(session.network.layers)]


def fresh_weights(session: Session) -> dict:
    return Network.from_config(session.network_config(), seed=session.project.training["seed"]).get_weights()


def test_open_gives_what_build_from_project_gives(trained_project):
    session = Session.open(trained_project)
    network, split, scaler = build_from_project(trained_project)
    for name, array in network.get_weights().items():
        np.testing.assert_array_equal(session.network.get_weights()[name], array)
    np.testing.assert_array_equal(session.split.test.X, split.test.X)
    assert session.scaler.get_config() == scaler.get_config()
    assert session.trained and session.to_project().weights.keys() == trained_project.weights.keys()
    trained_project.network["n_inputs"] = 5
    with pytest.raises(ConfigError, match="expects 5 inputs"):
        Session.open(trained_project)


def test_a_structure_edit_keeps_the_layers_that_did_not_change():
    s = opened()
    train(s)
    before = layer_weights(s)
    check = s.project.data_check = {"rows": 1}  # as stamped when the run started
    edit = plan_insert(s.layers, s.ids, 1, default_layer_config("Dense", s.layers, 1))
    assert s.apply_edit(edit) is None
    after = layer_weights(s)
    np.testing.assert_array_equal(after[0]["0/W"], before[0]["0/W"])  # first layer kept
    assert not s.trained and s.kept_learning and s.project.data_check == check
    # The layer after the new one keeps its weights too: same shapes, same identity.
    np.testing.assert_array_equal(after[2]["2/W"], before[1]["1/W"])
    # Back to the old layers: every trained weight comes back from the cache.
    s.apply_layers(edit.layers[:1] + edit.layers[2:], edit.ids[:1] + edit.ids[2:])
    for old, new in zip(before, layer_weights(s)):
        for k in old:
            np.testing.assert_array_equal(new[k], old[k])


def test_new_units_give_that_layer_and_the_next_fresh_weights():
    s = opened()
    train(s)
    before = layer_weights(s)
    s.apply_edit(plan_update(s.layers, s.ids, 0, {"units": 8}, "Set neurons to 8"))
    after = layer_weights(s)
    assert after[0]["0/W"].shape == (2, 8) and after[1]["1/W"].shape == (8, 16)
    np.testing.assert_array_equal(after[2]["2/W"], before[2]["2/W"])
    assert s.kept_learning and not s.trained


def test_freezing_keeps_the_history():
    s = opened()
    train(s)
    edit = plan_update(s.layers, s.ids, 0, {"trainable": False}, "Freeze layer")
    assert edit.keep_history and edit.ids == s.ids
    s.apply_edit(edit)
    assert s.project.epochs_trained == 2 and not s.network.layers[0].trainable


def test_plans_refuse_what_makes_no_sense():
    s = opened()
    with pytest.raises(EditRefused, match="output layer cannot be removed"):
        plan_remove(s.layers, s.ids, 2)
    with pytest.raises(EditRefused, match="always stays last"):
        plan_move(s.layers, s.ids, 2, 0)
    with pytest.raises(ConfigError, match="units"):
        plan_update(s.layers, s.ids, 0, {"units": 0}, "Set neurons to 0")
    assert plan_move(s.layers, s.ids, 0, 1) is None and plan_remove(s.layers, s.ids, 7) is None
    assert plan_update(s.layers, s.ids, 0, {"units": 16}, "same") is None


def test_new_layers_take_their_defaults_from_the_layer_classes():
    assert default_layer_config("Dropout", [], 0) == {"class": "Dropout",
                                                      "config": {"rate": 0.2, "trainable": True}}
    wide = [{"class": "Dense", "config": {"units": 48, "activation": "tanh"}}]
    assert default_layer_config("Dense", wide, 1)["config"] == {"units": 48, "activation": "relu",
                                                                "trainable": True}
    assert default_layer_config("Dense", wide, 0)["config"]["units"] == 16
    with pytest.raises(ConfigError, match="unknown layer type 'Conv'"):
        default_layer_config("Conv", [], 0)


def test_data_with_the_same_shapes_can_keep_every_layer():
    s = opened("spiral")
    train(s)
    trained = s.network.get_weights()
    switch = s.plan_data_switch(load_builtin("moons"))
    assert switch.can_keep and switch.fitting == [0, 1, 2] and switch.kept_ids == s.ids
    s.apply_data(switch.dataset, switch.layers, switch.kept_ids, keep_learning=True)
    assert s.dataset.name == "Two moons" and s.project.data_source["name"] == "moons"
    for name, array in trained.items():
        np.testing.assert_array_equal(s.network.get_weights()[name], array)
    assert s.kept_learning and not s.trained and s.project.data_check is None


def test_starting_fresh_on_new_data_forgets_what_was_learned():
    s = opened("spiral")
    train(s)
    switch = s.plan_data_switch(load_builtin("moons"))
    s.apply_data(switch.dataset, switch.layers, switch.fresh_ids)
    fresh = fresh_weights(s)
    for name, array in s.network.get_weights().items():
        np.testing.assert_array_equal(array, fresh[name])
    assert not s.kept_learning and not s.trained


def test_only_the_layers_that_fit_keep_their_weights():
    s = opened("spiral")
    train(s)
    before = layer_weights(s)
    blobs = s.plan_data_switch(load_builtin("blobs"))  # 2 inputs, 3 classes: a new output layer
    assert blobs.fitting == [0, 1] and blobs.kept_ids[:2] == s.ids[:2] and blobs.kept_ids[2] != s.ids[2]
    iris = s.plan_data_switch(load_builtin("iris"))  # 4 inputs: the first layer's weights differ
    assert iris.fitting == [1] and iris.can_keep
    s.apply_data(iris.dataset, iris.layers, iris.kept_ids, keep_learning=True)
    after = layer_weights(s)
    assert after[0]["0/W"].shape == (4, 16)
    np.testing.assert_array_equal(after[1]["1/W"], before[1]["1/W"])
    assert after[2]["2/W"].shape == (16, 3)


def test_untrained_layers_are_not_worth_asking_about():
    s = opened("spiral")
    switch = s.plan_data_switch(load_builtin("moons"))
    assert switch.fitting == [0, 1, 2] and not switch.can_keep
    assert s.plan_data_switch(load_builtin("spiral")) is None  # the data already in use


def test_undoing_reset_weights_brings_the_optimizer_state_back():
    s = opened()
    d, optimizer = s.scaled_split, s.make_optimizer()
    for rec in fit(s.network, d.train.X, d.train.y, optimizer=optimizer, epochs=2, batch_size=32, seed=0):
        if isinstance(rec, EpochRecord):
            s.record_epoch(rec)
    s.project.optimizer_state = optimizer.state_dict()  # as the window's runner keeps it
    saved = s.project.copy()
    state = s.weights_state()
    for _ in range(2):  # reset, undo, redo, undo: the kept state is not handed out itself
        s.reset_weights()
        assert s.project.optimizer_state is None and not s.trained
        s.restore_weights(state)
        assert s.project.optimizer_state["iterations"] == optimizer.iterations > 0
        assert s.project == saved  # history and optimizer state (Adam's averages) equal
        s.project.optimizer_state["params"]["dense_1/W"]["m_sum"][...] = 0  # the next run's edits


def test_weights_trained_in_the_session_notice_a_new_split():
    s = opened()
    assert s.data_changed() is None  # untrained: nothing to warn about
    s.stamp_data()
    train(s)  # the live weights: the session's project was opened without any
    assert s.project.weights is None and s.data_changed() is None
    s.set_split(seed=7)
    assert "split into training, validation and test data differently" in s.data_changed()
