"""The doctor's findings as data, their words for the window and the terminal, and the plot's
hints agreeing with the verdict on the same history."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.data import load_builtin
from nnstudio.data.dataset import Dataset
from nnstudio.doctor import Finding, Remedy, curve_findings, diagnose_run, level, plain_number, render

SPIRAL = load_builtin("spiral")
VAL_Y = np.array([0] * 40 + [1] * 40)
#: The kinds the plot's hints can show (the rest need the end of the run).
CURVE_KINDS = {"unstable", "loss_rose", "overfitting", "overconfident"}


def hist(train_loss, val_loss=None, val_acc=None):
    n = len(train_loss)
    return {"epoch": list(range(1, n + 1)), "train_loss": list(train_loss), "train_acc": [None] * n,
            "val_loss": list(val_loss) if val_loss is not None else [None] * n,
            "val_acc": list(val_acc) if val_acc is not None else [None] * n}


def kinds(findings: list[Finding]) -> list[str]:
    return [f.kind for f in findings]


# ---------------------------------------------------------------- findings as data
def test_real_run_with_too_large_steps_finds_an_overshoot_and_advises_a_tenth(real_run):
    history, val_y = real_run(SPIRAL, (16, 16), "Adam", 3.0, 20)
    findings = diagnose_run(history, 0, SPIRAL, val_y, None, 3.0)
    assert kinds(findings) == ["not_learned", "unstable"] and level(findings) == "warning"
    assert findings[0].evidence["baseline"] == 0.5 and findings[0].evidence["majority"] == "arm 1"
    assert findings[1].advice == (Remedy("lower_rate", 0.3), Remedy("reset"))
    assert findings[1].evidence["learning_rate"] == 3.0


def test_real_run_with_tiny_steps_finds_it_still_improving_and_advises_a_larger_rate(real_run):
    moons = load_builtin("moons")
    history, val_y = real_run(moons, (8,), "SGD", 0.0005, 20)
    findings = diagnose_run(history, 0, moons, val_y, None, 0.0005)
    assert kinds(findings) == ["not_learned", "still_improving"]
    assert Remedy("raise_rate", pytest.approx(0.005)) in findings[1].advice
    assert Remedy("more_epochs") in findings[1].advice
    assert findings[1].evidence["final_loss"] < findings[1].evidence["loss_before"]


def test_classes_that_learned_but_memorise_are_told_so():
    # The walkthrough: validation accuracy stays well above always answering "arm 1" (flat
    # at 85 %) while the validation loss climbs 80 % from its best: memorising.
    n = 60
    train = [0.7 * 0.95 ** i for i in range(n)]
    val = [0.7 * 0.95 ** i for i in range(20)] + [0.7 * 0.95 ** 19 * (1 + 0.02 * i) for i in range(1, 41)]
    findings = diagnose_run(hist(train, val, [0.85] * n), 0, SPIRAL, VAL_Y, None, 0.01)
    assert kinds(findings) == ["finished", "overfitting"] and level(findings) == "warning"
    over = findings[1]
    assert over.epoch == 20 and over.evidence["signal"] == "val_loss"
    assert over.evidence["final_val_loss"] == pytest.approx(1.8 * over.evidence["best_val_loss"])
    assert over.advice == (Remedy("restore_best", 20), Remedy("l2", 0.001), Remedy("dropout", 0.2),
                           Remedy("fewer_neurons"), Remedy("more_data"))
    text = render(findings)
    assert text.startswith("Training finished: 60 epochs. Validation accuracy 85.0%")
    assert "memorising" in text and "lowest at epoch 20" in text


def test_validation_loss_rising_while_accuracy_still_rises_is_over_confidence():
    # fastai's rule: the same climbing validation loss, but the accuracy creeps up 0.80 -> 0.86:
    # the network is surer of its answers (right and wrong), not memorising.
    n = 60
    train = [0.7 * 0.95 ** i for i in range(n)]
    val = [0.7 * 0.95 ** i for i in range(20)] + [0.7 * 0.95 ** 19 * (1 + 0.02 * i) for i in range(1, 41)]
    acc = [0.8 + 0.001 * i for i in range(n)]
    findings = diagnose_run(hist(train, val, acc), 0, SPIRAL, VAL_Y, None, 0.01)
    assert kinds(findings) == ["finished", "overconfident"] and level(findings) == "info"
    conf = findings[1]
    assert conf.epoch == 20 and conf.advice == (Remedy("watch_accuracy"), Remedy("rate_when_stuck"))
    assert conf.evidence["val_acc_at_best"] == pytest.approx(0.819)
    assert conf.evidence["final_val_acc"] == pytest.approx(0.858)
    text = render(findings, for_="cli")
    assert "Over-confident, not memorising" in text and "(81.9% → 85.8%)" in text
    assert "memorising the training data" not in text


def test_findings_are_json_ready_and_refuse_unknown_kinds(real_run):
    history, val_y = real_run(SPIRAL, (16, 16), "Adam", 3.0, 20)
    data = [f.to_dict() for f in diagnose_run(history, 0, SPIRAL, val_y, None, 3.0)]
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data[1]["advice"][0] == {"kind": "lower_rate", "value": 0.3}
    with pytest.raises(ValueError, match="got 'overfit'"):
        Finding("overfitting".replace("ting", ""))
    with pytest.raises(ValueError, match="got 'smaller'"):
        Remedy("smaller")


# ---------------------------------------------------------------- the words, per audience
def test_the_window_names_its_buttons_and_the_terminal_its_flags():
    findings = diagnose_run(hist([0.5, 0.4, 0.9, 1.4], val_acc=[0.8, 0.8, 0.7, 0.7]), 0, SPIRAL,
                            VAL_Y, None, 1.0)
    assert kinds(findings) == ["loss_rose"]
    assert render(findings, for_="window") == (
        "The training loss got worse during this run (0.5 → 1.4): the learning rate (1) is "
        "probably too high. Try 0.1, press Reset weights (Ctrl+R) and train again.")
    assert render(findings, for_="cli") == (
        "The training loss got worse during this run (0.5 → 1.4): the learning rate (1) is "
        "probably too high. Try --lr 0.1 and train again from fresh weights (add --reset when "
        "training a project file).")


def test_memorising_points_at_the_plots_best_epoch_only_in_the_window():
    n = 60
    train = [0.7 * 0.95 ** i for i in range(n)]
    val = [0.5] * 10 + [0.3] + [0.3 + 0.01 * i for i in range(1, 50)]
    findings = diagnose_run(hist(train, val), 0, SPIRAL, VAL_Y, None, 0.01)
    window, cli = render(findings, for_="window"), render(findings, for_="cli")
    assert window.endswith("fewer neurons or more data help; the loss plot marks the best epoch.")
    assert cli.endswith("fewer neurons or more data help.") and "loss plot" not in cli
    assert "lowest at epoch 11 (0.3) and ended at 0.79," in cli


def test_a_stopped_run_says_stopped_with_readable_numbers():
    # Ctrl+C after 13,589 epochs: "13589 epochs" read as a code, and a loss of 0.99963 as "1".
    n = 13589
    train = np.linspace(1.5, 0.99963, n)
    findings = diagnose_run(hist(train, val_acc=[0.9] * n), 0, SPIRAL, VAL_Y, None, 0.01,
                            stopped=True)
    assert render(findings).startswith("Training stopped: 13,589 epochs.")
    assert plain_number(0.99963) == "1.00" and plain_number(0.5) == "0.5"
    assert plain_number(0.1234) == "0.123" and plain_number(7507) == "7,510"
    assert plain_number(12.0) == "12" and plain_number(11.996) == "12.0"


# ---------------------------------------------------------------- the plot and the verdict agree
def _verdict_curve_kinds(h, dataset=SPIRAL, val_y=VAL_Y) -> set[str]:
    return set(kinds(diagnose_run(h, 0, dataset, val_y, None, 0.01))) & CURVE_KINDS


def _live_kinds(h) -> set[str]:
    return set(kinds(curve_findings(h["epoch"], h["train_loss"], h["val_loss"], h["val_acc"])))


N = 60
FALLING = [0.7 * 0.95 ** i for i in range(N)]
CLIMBING = [0.4 - 0.005 * i for i in range(20)] + [0.3 + 0.006 * i for i in range(1, 41)]
AGREEMENT = {
    # validation loss climbs, accuracy flat (the case the two rule sets disagreed on)
    "loss up, accuracy flat": (hist(FALLING, CLIMBING, [0.85] * N), {"overfitting"}),
    # validation loss climbs, accuracy still rises: over-confidence, not memorising
    "loss up, accuracy up": (hist(FALLING, CLIMBING, [0.8 + 0.002 * i for i in range(N)]),
                             {"overconfident"}),
    # accuracy falls back 15 points while the training loss keeps falling: memorising too
    "accuracy down": (hist(FALLING, None, [0.95] * 20 + [0.8] * 40), {"overfitting"}),
    # accuracy falls back and the training loss does not fall: a rate too high
    "accuracy down, loss flat": (hist([0.3] * N, None, [0.95] * 20 + [0.8] * 40),
                                 {"unstable"}),
    # a jump 5 epochs before the end, validation climbing with it: the step, not memorising
    "recent jump": (hist(FALLING[:55] + [0.5] * 5, FALLING[:40] + [0.2] * 20, [0.9] * N),
                    {"unstable"}),
    # a loss that ended above its start
    "rose": (hist([0.6, 0.5] + [0.7] * 58, [0.6] * N, [0.9] * N), {"loss_rose"}),
    # both losses fall, validation settles within 2 % of its best: fine
    "settled": (hist(FALLING, [0.3] * 40 + [0.305] * 20, [0.9] * N), set()),
    # a plateau: nothing to say from the curves
    "plateau": (hist([0.3] * N, [0.4] * N, [0.9] * N), set()),
}


@pytest.mark.parametrize("case", list(AGREEMENT))
def test_the_plots_hint_and_the_verdict_name_the_same_thing(case):
    h, expected = AGREEMENT[case]
    assert _live_kinds(h) == expected
    assert _verdict_curve_kinds(h) == expected


def test_real_memorising_run_agrees_live_and_at_the_end(real_run):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 6)).astype(np.float32)
    y = (300 + 50 * X[:, 0] + rng.normal(0, 60, 100)).astype(np.float32)  # mostly noise
    noisy = Dataset(X, y, [f"f{i}" for i in range(6)], [], "regression", {"kind": "test"}, "noisy")
    h, val_y = real_run(noisy, (32,), "Adam", 0.01, 100)
    assert _live_kinds(h) == _verdict_curve_kinds(h, noisy, val_y) == {"overfitting"}
    live = curve_findings(h["epoch"], h["train_loss"], h["val_loss"], h["val_acc"])
    verdict = diagnose_run(h, 0, noisy, val_y, None, 0.01)
    assert live[0].epoch == next(f.epoch for f in verdict if f.kind == "overfitting")
