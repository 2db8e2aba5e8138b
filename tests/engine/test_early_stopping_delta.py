"""Early stopping's automatic min_delta (real runs): on the spiral demo every tiny drop of an
already tiny validation loss counted as progress and the rule never fired; a loss must now
improve by 0.1 % of where the run started. A min_delta given as a number (every saved project
has 0.0) keeps the old rule exactly."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import load_builtin
from nnstudio.engine import fit, optimizer_from_config
from nnstudio.engine.policies import AUTO_DELTA_SHARE, EarlyStopping, policy_from_config
from nnstudio.project import Project, build_from_project, default_network_config, scaled_split


def _demo(name: str = "spiral", **params):
    """The spiral demo's data and network (16-16 ReLU, Adam 0.01, batch 32), built afresh."""
    dataset = load_builtin(name, **params)
    project = Project(data_source=dict(dataset.source),
                      network=default_network_config(dataset, hidden=(16, 16)))
    network, split, scaler = build_from_project(project, dataset=dataset)
    return network, scaled_split(split, scaler)


def _fit(network, data, epochs: int, stop=None) -> list:
    opt = optimizer_from_config({"class": "Adam", "config": {"learning_rate": 0.01}})
    return list(fit(network, data.train.X, data.train.y, optimizer=opt, epochs=epochs, seed=0,
                    validation=(data.val.X, data.val.y), stop=stop))


def test_the_default_stops_the_spiral_demo_once_its_loss_no_longer_moves():
    network, data = _demo()
    records = _fit(network, data, 600, EarlyStopping("val_loss", 20))
    last = records[-1]
    assert last.stopped and last.restored_epoch is not None
    assert len(records) < 400
    first = records[0].val_loss
    # Where it stopped, 20 more epochs had brought less than 0.1 % of the first loss.
    best = records[last.restored_epoch - 1].val_loss
    assert min(r.val_loss for r in records[last.restored_epoch:]) > best - AUTO_DELTA_SHARE * first
    # min_delta=0 (the old default) counts every tiny drop: no stop in the same 400 epochs.
    network, data = _demo()
    assert not any(r.stopped for r in _fit(network, data, 400, EarlyStopping("val_loss", 20,
                                                                            min_delta=0.0)))


@pytest.mark.parametrize("delta, data_params", [
    (0.0, {"name": "moons", "n_samples": 60, "noise": 0.4}),  # memorises: stops early
    (0.01, {})])
def test_an_explicit_min_delta_keeps_the_old_rule_bit_for_bit(delta, data_params):
    """With a min_delta given, the run stops where the old rule (value < best - min_delta)
    says, and the weights it goes back to equal those of a run that ended at that epoch."""
    network, data = _demo(**data_params)
    plain = _fit(network, data, 80)
    network, data = _demo(**data_params)
    stopped = _fit(network, data, 80, EarlyStopping("val_loss", 3, min_delta=delta))
    best, best_epoch, waited, stop_at = None, None, 0, None
    for r in plain:  # the old rule, by hand
        if best is None or r.val_loss < best - delta:
            best, best_epoch, waited = r.val_loss, r.epoch, 0
        else:
            waited += 1
            if waited >= 3:
                stop_at = r.epoch
                break
    assert stop_at is not None and len(stopped) == stop_at
    assert stopped[-1].restored_epoch == best_epoch
    assert [r.val_loss for r in stopped] == [r.val_loss for r in plain[:stop_at]]
    kept = network.get_weights()
    network, data = _demo(**data_params)
    _fit(network, data, best_epoch)
    for name, w in network.get_weights().items():
        np.testing.assert_array_equal(kept[name], w)


def test_saved_configs_keep_their_number_and_a_missing_one_is_automatic():
    old = policy_from_config({"class": "EarlyStopping", "config": {
        "monitor": "val_loss", "patience": 20, "min_delta": 0.0, "restore_best": True}})
    assert old.min_delta == 0.0 and old.delta(first=5.0) == 0.0
    bare = policy_from_config({"class": "EarlyStopping", "config": {"monitor": "val_loss"}})
    assert bare.min_delta is None and bare.delta(first=5.0) == pytest.approx(5e-3)
    assert EarlyStopping().get_config()["min_delta"] is None
    # Accuracies improve in whole samples: any gain counts.
    assert EarlyStopping("val_acc").delta(first=0.5) == 0.0
    assert EarlyStopping().improved(0.9949, 1.0, first=5.0)
    assert not EarlyStopping().improved(0.996, 1.0, first=5.0)
