"""One list of optimizer choices for the window, the command line and the project settings."""
from __future__ import annotations

import pytest

from nnstudio.cli import build_parser
from nnstudio.engine import OPTIMIZERS, SGD, Adam, optimizer_from_config
from nnstudio.engine.optimizer_choices import OPTIMIZER_CHOICES, choice_by_key, choice_by_label, choice_of
from nnstudio.errors import ConfigError
from nnstudio.project.build import updated_training
from nnstudio.project.document import default_training


@pytest.mark.parametrize("choice", OPTIMIZER_CHOICES, ids=lambda c: c.key)
def test_every_choice_builds_its_registry_optimizer_and_is_recognised_again(choice):
    assert OPTIMIZERS[choice.cls.display_name] is choice.cls and choice.description.endswith(".")
    spec = choice.config(0.05, 0.001)
    opt = optimizer_from_config(spec)
    assert type(opt) is choice.cls and opt.learning_rate == 0.05 and opt.weight_decay == 0.001
    assert choice_of(spec) is choice_of({"class": spec["class"], "config": opt.get_config()}) is choice
    assert choice_by_key(choice.key) is choice_by_label(choice.label) is choice


def test_descriptions_come_from_the_optimizer_classes():
    assert choice_by_key("adam").description == Adam.description
    assert choice_by_key("sgd").description == SGD.description
    assert choice_of({"class": "SGD", "config": {"learning_rate": 0.1}}).label == "SGD"
    with pytest.raises(ConfigError, match="unknown optimizer 'rmsprop'"):
        choice_by_key("rmsprop")


def test_the_command_line_offers_the_same_choices():
    parser = build_parser()
    train = next(a for a in parser._subparsers._group_actions[0].choices["train"]._actions
                 if a.dest == "optimizer")
    assert list(train.choices) == [c.key for c in OPTIMIZER_CHOICES]


def test_switching_optimizer_keeps_the_rate_and_drops_settings_the_class_does_not_take():
    sgd = updated_training(default_training(), optimizer="SGD", momentum=0.9, nesterov=True,
                           weight_decay=0.01)
    assert sgd["optimizer"] == {"class": "SGD", "config": {"learning_rate": 0.01, "weight_decay": 0.01,
                                                           "momentum": 0.9, "nesterov": True}}
    adam = updated_training(sgd, optimizer="Adam", momentum=0.9, epochs=7)
    assert adam["optimizer"] == {"class": "Adam", "config": {"learning_rate": 0.01, "weight_decay": 0.01}}
    assert adam["epochs"] == 7
    with pytest.raises(ConfigError, match="learning_rate must be a positive number, got 0"):
        updated_training(adam, learning_rate=0)
