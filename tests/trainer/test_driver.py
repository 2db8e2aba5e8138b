"""The driver loop in this process (the child runs the same code): what it computes per epoch."""
from __future__ import annotations

import numpy as np

from nnstudio.data import Standardizer, load_builtin, split_dataset
from nnstudio.engine import Adam, Dense, Network
from nnstudio.trainer.driver import Driver, Job
from nnstudio.trainer.process import LocalPipe


def _digits():
    ds = load_builtin("digits")
    split = split_dataset(ds, val_fraction=0.3, test_fraction=0.0, seed=0)
    scaler = Standardizer.fit(split.train.X)
    return scaler.transform(split.train.X), split.train.y, scaler.transform(split.val.X), split.val.y


def test_validation_rows_are_predicted_once_per_epoch_for_curves_and_confusion(monkeypatch):
    Xtr, ytr, Xva, yva = _digits()
    net = Network(64, [Dense(16, "relu"), Dense(10, "softmax")], seed=0)
    job = Job(net.get_config(), net.params.copy(), net.dtype.str, Xtr, ytr, Xva, yva,
              Adam(learning_rate=0.01), 4, 64, 0, None, 10)
    calls = []
    original = Network.predict

    def counting(self, X):
        if len(X) == len(Xva):
            calls.append(len(X))
        return original(self, X)

    monkeypatch.setattr(Network, "predict", counting)
    messages = []
    Driver(job, messages.append, LocalPipe()).run()
    assert messages[-1][:2] == ("finished", "completed")
    snaps = [m[1] for m in messages if m[0] == "snapshot"]
    # One prediction for the starting picture, then one per epoch, shared by the validation
    # curves and the confusion matrix (it was two per epoch).
    assert len(calls) == 1 + 4
    final = snaps[-1]
    here = Network.from_config(job.config)
    here.params[...] = messages[-1][2]
    pred = original(here, Xva).argmax(axis=1)
    expected = np.bincount(yva * 10 + pred, minlength=100).reshape(10, 10)
    np.testing.assert_array_equal(final.confusion, expected)
