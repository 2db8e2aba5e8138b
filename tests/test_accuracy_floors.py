"""The real engine reaches the issue's accuracy floors on the real bundled and built-in data,
through the same project path the window and the CLI use."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import Standardizer, load_builtin, split_dataset
from nnstudio.engine import Adam, Dense, Network, fit, output_layer_for
from nnstudio.project.build import scaled_split


def train(name, hidden, epochs, lr=0.01, batch=32, seed=0, **params):
    ds = load_builtin(name, **params)
    split = split_dataset(ds, val_fraction=0.2, test_fraction=0.2, seed=seed)
    data = scaled_split(split, Standardizer.fit(split.train.X))
    layers = [Dense(h, "relu") for h in hidden] + [output_layer_for(ds.task, ds.n_classes)]
    net = Network(ds.n_features, layers, seed=seed)
    run = fit(net, data.train.X, data.train.y, optimizer=Adam(lr), epochs=epochs,
              batch_size=batch, seed=seed, validation=(data.val.X, data.val.y))
    rec = None
    for rec in run:  # noqa: B007 -- drains the run; its last record is returned below
        pass
    return net, data, rec


@pytest.mark.parametrize("seed", [0, 1])
def test_spiral_validation_accuracy_at_least_95_percent(seed):
    _, _, rec = train("spiral", (16, 16), epochs=200, seed=seed)
    assert rec.val_acc >= 0.95


def test_iris_validation_accuracy_at_least_93_percent():
    # Iris's validation part is 30 flowers, so one split's score moves in steps of 3.3 %;
    # the floor applies to the mean over five different splits.
    accs = [train("iris", (16,), epochs=200, batch=8, lr=0.003, seed=s)[2].val_acc for s in range(5)]
    assert np.mean(accs) >= 0.93, accs


def test_digits_test_accuracy_at_least_95_percent():
    net, data, _ = train("digits", (64,), epochs=40, lr=0.003)
    _, test_acc = net.evaluate(data.test.X, data.test.y)
    assert test_acc >= 0.95


def test_breast_cancer_two_classes_use_one_sigmoid_neuron_and_learn():
    net, data, rec = train("breast_cancer", (16,), epochs=60)
    assert net.n_outputs == 1 and net.loss.key == "binary_crossentropy"
    assert rec.val_acc >= 0.93
    assert np.array_equal(np.unique(net.predict_classes(data.test.X)), [0, 1])
