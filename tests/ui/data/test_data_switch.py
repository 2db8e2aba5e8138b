"""Switching data in the window: it asks once whether layers that fit keep what they learned."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from nnstudio.data import load_builtin
from nnstudio.engine import EpochRecord, Network, fit


def train(ctl, epochs: int = 3) -> None:
    d = ctl.scaled_split
    for rec in fit(ctl.network, d.train.X, d.train.y, optimizer=ctl.make_optimizer(), epochs=epochs,
                   batch_size=32, seed=0):
        if isinstance(rec, EpochRecord):
            ctl.record_epoch(rec)


@pytest.fixture
def asked(monkeypatch):
    """Answers the question with ``asked.answer`` and keeps the texts asked."""
    class Asked(list):
        answer = QMessageBox.Yes

    got = Asked()

    def question(parent, title, text, *args):
        got.append(text)
        return got.answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return got


def test_keeping_what_was_learned_on_data_of_the_same_shape(ctl, asked):
    train(ctl)
    trained = ctl.network.get_weights()
    history = dict(ctl.project.history)
    assert ctl.set_dataset(load_builtin("moons"))
    assert len(asked) == 1 and "every layer" in asked[0]
    for name, array in trained.items():
        np.testing.assert_array_equal(ctl.network.get_weights()[name], array)
    assert ctl.kept_learning and ctl.project.history["epoch"] == []
    ctl.undo_stack.undo()
    assert ctl.dataset.name.lower().startswith("spiral") and ctl.project.history == history
    assert not ctl.kept_learning
    ctl.undo_stack.redo()  # the answer is part of the step: redo does not ask again
    assert len(asked) == 1 and ctl.kept_learning
    first = f"{ctl.network.layers[0].name}/W"
    np.testing.assert_array_equal(ctl.network.get_weights()[first], trained[first])


def test_starting_fresh_on_data_of_the_same_shape(ctl, asked):
    train(ctl)
    trained = ctl.network.get_weights()
    asked.answer = QMessageBox.No
    assert ctl.set_dataset(load_builtin("moons"))
    assert len(asked) == 1
    fresh = Network.from_config(ctl.network_config(), seed=ctl.project.training["seed"]).get_weights()
    for name, array in ctl.network.get_weights().items():
        np.testing.assert_array_equal(array, fresh[name])
        assert not np.array_equal(array, trained[name]) or not array.any()
    assert not ctl.kept_learning
    ctl.undo_stack.undo()  # the trained weights come back
    for name, array in trained.items():
        np.testing.assert_array_equal(ctl.network.get_weights()[name], array)


def test_only_trained_networks_are_asked_about(ctl, asked):
    assert ctl.set_dataset(load_builtin("moons"))  # untrained: nothing worth keeping
    assert asked == []
    train(ctl)
    asked.answer = QMessageBox.Yes
    assert ctl.set_dataset(load_builtin("iris"))  # only the middle layer fits
    assert len(asked) == 1 and "1 of the 3 layers" in asked[0]
    assert ctl.network.layer_sizes() == [4, 16, 16, 3]
