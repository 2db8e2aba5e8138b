"""The doctor after a stop rule ended the run (real runs of the real engine): after early
stopping went back to its best epoch it judges the weights kept, says so in words and suggests
neither early stopping nor more epochs again; a target stop says it reached the target."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.cli import main
from nnstudio.data import load_builtin
from nnstudio.doctor import diagnose_run, live_findings, render, summarize_run
from nnstudio.doctor.fixes import fixes_for, settings_of
from nnstudio.doctor.run_end import RunEnd, run_end_of
from nnstudio.engine import fit, optimizer_from_config
from nnstudio.engine.policies import EarlyStopping, TargetStop, policy_to_config
from nnstudio.project import Project, build_from_project, default_network_config, scaled_split

#: 60 noisy moons and a 64-64 network: it memorises within a few epochs.
SMALL_MOONS = {"n_samples": 60, "noise": 0.4}


def _run(stop=None, target=None, epochs: int = 500, hidden=(64, 64)):
    """A real run as the window makes it; returns (project, network, data, last record)."""
    dataset = load_builtin("moons", **SMALL_MOONS)
    project = Project(data_source=dict(dataset.source),
                      network=default_network_config(dataset, hidden=hidden))
    project.training["epochs"] = epochs
    if stop is not None:
        project.training["stop"] = policy_to_config(stop)
    network, split, scaler = build_from_project(project, dataset=dataset)
    data = scaled_split(split, scaler)
    opt = optimizer_from_config(project.training["optimizer"])
    last = None
    for rec in fit(network, data.train.X, data.train.y, optimizer=opt, epochs=epochs,
                   validation=(data.val.X, data.val.y), stop=stop, target=target):
        project.append_epoch(rec)
        last = rec
    return project, network, data, dataset, last


@pytest.fixture(scope="module")
def early():
    return _run(stop=EarlyStopping("val_loss", 10, restore_best=True))


def test_after_a_restore_the_verdict_judges_the_kept_epoch_and_says_so(early):
    project, network, data, dataset, last = early
    h = project.history
    assert last.restored_epoch is not None and last.stopped
    back, at = last.restored_epoch, len(h["epoch"])
    assert back < at
    # The curves of the whole run show memorising: without the stop, that was the verdict.
    plain = diagnose_run(h, 0, dataset, data.val.y, None, 0.01)
    assert "overfitting" in [f.kind for f in plain]
    found = diagnose_run(h, 0, dataset, data.val.y, None, 0.01, network=network,
                         X_train=data.train.X, run_end=last)
    kinds = [f.kind for f in found]
    assert kinds[0] == "stopped" and found[0].evidence["restored_epoch"] == back
    assert found[0].evidence["memorising"] and found[0].evidence["best_value"] == h["val_loss"][back - 1]
    assert not {"overfitting", "still_improving", "too_short"} & set(kinds)
    finished = next(f for f in found if f.kind == "finished")
    assert finished.evidence["val_accuracy"] == h["val_acc"][back - 1]  # the kept epoch's score
    assert finished.evidence["epochs"] == back
    text = render(found, "cli")
    assert f"Training stopped early at epoch {at}" in text
    assert f"went back to epoch {back}, its best" in text
    assert "more epochs" not in text and "ended at" not in text
    # No advice the stop already followed: no early stopping, no "more epochs".
    advice = {r.kind for f in found for r in f.advice}
    assert not advice & {"restore_best", "fewer_epochs", "more_epochs"}
    settings = settings_of(project)
    assert not [x for f in found for x in fixes_for(f, settings) if x.kind == "early_stopping"]
    # The same through summarize_run (the window) and live_findings (the doctor strip).
    message, _ = summarize_run(h, 0, dataset, data.val.y, None, 0.01, run_end=last)
    assert f"went back to epoch {back}" in message and "more epochs" not in message
    live = live_findings(h, 0, learning_rate=0.01, run_end=last)
    plain_live = live_findings(h, 0, learning_rate=0.01)
    assert "overfitting" in [f.kind for f in plain_live]
    assert "overfitting" not in [f.kind for f in live]
    assert not {r.kind for f in live for r in f.advice} & {"restore_best", "fewer_epochs"}


def test_the_command_line_says_it_went_back_and_offers_no_early_stopping(capsys):
    code = main(["train", "--dataset", "moons", "--samples", "60", "--noise", "0.4",
                 "--layers", "64,64", "--early-stop", "10", "--epochs", "500", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    verdict = result["verdict"]
    assert "Stopped early" in err
    assert verdict["findings"][0]["kind"] == "stopped"
    back = verdict["findings"][0]["evidence"]["restored_epoch"]
    assert f"went back to epoch {back}, its best" in verdict["text"]
    assert not any(flag.startswith("--early-stop") for flag in verdict["flags"])
    assert "more epochs" not in verdict["text"]


def test_a_target_stop_says_it_reached_the_target_and_not_more_epochs():
    project, network, data, dataset, last = _run(target=TargetStop("train_acc", 0.8), epochs=300,
                                                 hidden=(8,))
    h = project.history
    assert last.stopped and last.restored_epoch is None and len(h["epoch"]) < 300
    found = diagnose_run(h, 0, dataset, data.val.y, None, 0.01, run_end=last)
    assert found[0].kind == "stopped" and found[0].evidence["stop"] == "target"
    text = render(found, "window")
    assert text.startswith("Stopped at the target: the training accuracy reached")
    assert "more epochs" not in text and "still falling" not in text


def test_run_end_of_reads_the_records_words():
    class Rec:
        epoch, stopped, restored_epoch = 7, None, None

    assert run_end_of(None) is None and run_end_of(Rec()) is None
    rec = Rec()
    rec.stopped = ("Stopped early: the validation loss has not improved for 5 epochs; the "
                   "network went back to epoch 12, its best.")
    rec.restored_epoch = 12
    end = run_end_of(rec, run_start=10)
    assert end == RunEnd("early", 17, rec.stopped, 12, "val_loss")
    assert run_end_of(end) is end
    np.testing.assert_equal(run_end_of(rec).epoch, 7)
