"""The verdict after a run: on exact histories (pure python) and on real runs of the engine."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import load_builtin
from nnstudio.data.dataset import Dataset
from nnstudio.doctor.verdict import loss_trend, summarize_run


def hist(train_loss, val_acc=None, val_loss=None):
    n = len(train_loss)
    return {"epoch": list(range(1, n + 1)), "train_loss": train_loss, "train_acc": [None] * n,
            "val_loss": val_loss or [None] * n, "val_acc": val_acc or [None] * n}


SPIRAL = load_builtin("spiral")
VAL_Y = np.array([0] * 40 + [1] * 40)


def test_one_answer_for_everything_is_called_out_with_what_to_try():
    # The loss jumped (0.55 -> 1.01) on the way: the steps were too large.
    text, level = summarize_run(hist([2.5, 0.73, 0.55, 1.01, 0.69, 0.70], val_acc=[0.5] * 6), 0,
                                SPIRAL, VAL_Y, (0.69, 0.5), learning_rate=1.0)
    assert level == "warning"
    assert "has not learned" in text and "“arm 1”" in text and "jumped" in text
    assert "Try 0.1" in text and "Reset weights" in text


def test_a_stuck_loss_is_not_blamed_on_the_learning_rate_being_too_high():
    # Flat from the start: nothing says the rate is too high, nor that more epochs would help.
    text, level = summarize_run(hist([0.7, 0.69, 0.69], val_acc=[0.5, 0.5, 0.5]), 0, SPIRAL, VAL_Y,
                                (0.69, 0.5), learning_rate=1.0)
    assert level == "warning" and "has not learned" in text and "stopped improving" in text
    assert "too high" not in text and "Try 0.1" not in text and "more epochs of the same will not" in text


def test_a_growing_loss_points_at_the_learning_rate():
    text, level = summarize_run(hist([0.5, 0.4, 0.9, 1.4], val_acc=[0.8, 0.8, 0.7, 0.7]), 0, SPIRAL,
                                VAL_Y, None, learning_rate=0.5)
    assert level == "warning" and "got worse" in text and "(0.5 → 1.4)" in text and "Try 0.05" in text


def test_a_good_run_reports_validation_and_test_accuracy_of_this_run_only():
    h = hist([9.0, 0.1, 0.6, 0.3, 0.1], val_acc=[0.5, 0.9, 0.9, 0.95, 0.975])
    text, level = summarize_run(h, 2, SPIRAL, VAL_Y, (0.1, 0.9625), learning_rate=0.01)
    assert level == "info"
    assert text == ("Training finished: 3 epochs. Validation accuracy 97.5% (always answering "
                    "“arm 1” would get 50.0%). Test accuracy 96.2% (data the network never saw). "
                    "The loss was still falling when the run ended: more epochs may improve it.")
    flat = hist([9.0, 0.1, 0.3, 0.3, 0.3], val_acc=[0.5, 0.9, 0.9, 0.95, 0.91])
    text, _ = summarize_run(flat, 2, SPIRAL, VAL_Y, None, learning_rate=0.01)
    assert text == ("Training finished: 3 epochs. Validation accuracy 91.0% (always answering "
                    "“arm 1” would get 50.0%).")


def test_regression_worse_than_the_average_is_flagged():
    curve = load_builtin("regression_1d")
    var = float(np.var(curve.y))
    text, level = summarize_run(hist([var * 50] * 3, val_loss=[var * 50] * 3), 0, curve, curve.y[:10],
                                None, learning_rate=1.0)
    assert level == "warning" and "worse than always answering the average" in text
    ok_text, ok_level = summarize_run(hist([var, var / 10, var / 100], val_loss=[var / 50] * 3), 0, curve,
                                      curve.y[:10], (var / 40, None), learning_rate=0.01,
                                      typical_errors=(0.1, 0.12))
    assert ok_level == "info" and "Typical error (validation)" in ok_text and "test data" in ok_text


def test_a_run_that_peaked_and_fell_back_is_called_unstable():
    # 11 epochs after the best (the doctor's patience is 10: a fall 3 epochs back is noise).
    accs = [0.6, 0.8, 0.95, 0.9, 0.85, 0.8, 0.75, 0.72, 0.71, 0.7, 0.71, 0.7, 0.704, 0.704]
    text, level = summarize_run(hist([0.6, 0.4, 0.2, 0.3] + [0.5] * 10, val_acc=accs), 0, SPIRAL,
                                VAL_Y, (0.6, 0.7), learning_rate=1.0)
    assert level == "warning"
    assert text.startswith("Training was unstable: validation accuracy reached 95.0% at epoch 3 but "
                           "ended at 70.4%")


def test_regression_reports_the_same_typical_error_as_the_fit_view():
    curve = load_builtin("regression_1d")
    var = float(np.var(curve.y))
    text, _ = summarize_run(hist([var, var / 10, var / 100], val_loss=[var / 50] * 3), 0, curve,
                            curve.y[:10], None, learning_rate=0.01, typical_errors=(0.168, 0.2))
    baseline = float(np.mean(np.abs(curve.y[:10] - curve.y.mean())))
    assert (f"Typical error (validation): 0.168 (always answering the average: {baseline:.3g}); on "
            "the test data, which training never saw: 0.2.") in text
    lo, hi = float(curve.y.min()), float(curve.y.max())
    assert text.endswith(f"For scale: the values to predict range from {lo:.3g} to {hi:.3g}.")


def test_validation_falling_while_training_improves_is_called_overfitting():
    accs = [0.6, 0.8, 0.95] + [0.9] * 5 + [0.8] * 6  # best 11 epochs back (patience: 10)
    text, level = summarize_run(hist([0.6 * 0.85 ** i for i in range(14)], val_acc=accs), 0, SPIRAL,
                                VAL_Y, None, learning_rate=0.01)
    assert level == "warning" and "overfitting" in text and "learning rate" not in text
    assert "reached 95.0% at epoch 3 but ended at 80.0%" in text


def test_a_rate_raised_during_the_run_is_blamed_not_the_one_it_ended_with():
    text, level = summarize_run(hist([0.5, 0.4, 0.9, 1.4], val_acc=[0.8, 0.8, 0.7, 0.7]), 0, SPIRAL,
                                VAL_Y, None, learning_rate=0.01, highest_rate=1.0)
    assert level == "warning"
    assert "the learning rate was 1 for part of this run (it is 0.01 now)" in text
    assert "Keep it nearer 0.01" in text and "Try 0.001" not in text
    same, _ = summarize_run(hist([0.5, 0.4, 0.9, 1.4], val_acc=[0.8, 0.8, 0.7, 0.7]), 0, SPIRAL,
                            VAL_Y, None, learning_rate=0.5, highest_rate=0.5)
    assert "Try 0.05" in same  # never changed: the usual advice


# ---------------------------------------------------------------- what the loss did: edge cases
@pytest.mark.parametrize("losses, naive, expected", [
    ([0.5], None, "short"),                             # one epoch: no evidence of anything
    ([0.5, 0.4], None, "short"),
    ([0.5, 5.0], None, "jumped"),                       # ... unless it jumped
    ([0.5, 0.4, 0.54], None, "rose"),                   # ended 8 % above its start
    ([0.5, 0.4, 0.52], None, "jumped"),                 # +4 % over the start, but +30 % over 0.4
    ([0.5, 0.4, 0.46, 0.39], None, "flat"),             # +15 %: ordinary noise, not a jump
    ([4.0, 0.7, 0.69, 0.69], 0.693, "jumped"),          # far above guessing: overshot at first
    ([1.0, 0.7, 0.69, 0.69], 0.693, "flat"),            # a fresh start near guessing is fine
    ([1.0, 0.9, 0.8, 0.7, 0.6, 0.5], None, "falling"),
    ([1.0] + [0.7 - 0.0035 * i for i in range(19)], None, "falling"),  # 2 % over the last 4
    ([1.0] + [0.7 - 0.0001 * i for i in range(19)], None, "flat"),    # 0.2 %: as good as done
    ([1.0, 0.6, 0.5, 0.45, 0.46, 0.44, 0.45, 0.43, 0.44, 0.42], None, "flat"),  # falls half the time
])
def test_loss_trend_edge_cases(losses, naive, expected):
    assert loss_trend(losses, naive_loss=naive) == expected


def test_two_epochs_are_too_few_to_call_the_loss_stuck():
    text, level = summarize_run(hist([0.7, 0.69], val_acc=[0.5, 0.5]), 0, SPIRAL, VAL_Y, None,
                                learning_rate=0.01)
    assert level == "warning" and "2 epochs are too few to tell" in text
    assert "will not help" not in text and "too high" not in text


def test_falling_without_validation_judges_the_training_loss_and_full_marks_need_no_more():
    h = hist([0.6, 0.4, 0.3, 0.2, 0.1], val_acc=[0.6, 0.8, 0.9, 1.0, 1.0])
    text, _ = summarize_run(h, 0, SPIRAL, VAL_Y, None, learning_rate=0.01)
    assert "more epochs" not in text  # 100 % right already
    h = hist([0.6, 0.4, 0.3, 0.2, 0.1], val_acc=[0.6, 0.8, 0.9, 0.9, 0.9],
             val_loss=[0.5, 0.4, 0.45, 0.46, 0.48])
    text, _ = summarize_run(h, 0, SPIRAL, VAL_Y, None, learning_rate=0.01)
    assert "more epochs" not in text  # the validation loss, which counts, stopped falling


def test_regression_worse_than_the_average_follows_the_evidence():
    curve = load_builtin("regression_1d")
    var = float(np.var(curve.y))
    slow = [var * (1.8 - 0.03 * i) for i in range(20)]
    text, _ = summarize_run(hist(slow, val_loss=[var * 5] * 20), 0, curve, curve.y[:10], None,
                            learning_rate=1e-4)
    assert "worse than always answering the average" in text and "still falling steadily" in text
    assert "try 0.001" in text and "too high" not in text
    jumpy = [var * 3, var * 2, var * 4, var * 3]
    text, _ = summarize_run(hist(jumpy, val_loss=[var * 5] * 4), 0, curve, curve.y[:10], None,
                            learning_rate=0.5)
    assert "jumped" in text and "Try 0.05" in text


# ---------------------------------------------------------------- real runs of the real engine
def train_and_judge(real_run, dataset, hidden, optimizer: str, lr: float, epochs: int):
    """The verdict on a short real run (see conftest.real_run)."""
    history, val_y = real_run(dataset, hidden, optimizer, lr, epochs)
    return summarize_run(history, 0, dataset, val_y, None, lr)


def test_real_run_with_too_large_steps_is_told_to_lower_the_rate(real_run):
    text, level = train_and_judge(real_run, load_builtin("spiral"), (16, 16), "Adam", 3.0, 20)
    assert level == "warning" and "has not learned" in text
    assert "too high" in text and "Try 0.3" in text


def test_real_run_with_tiny_steps_is_told_to_train_longer_or_raise_the_rate(real_run):
    text, level = train_and_judge(real_run, load_builtin("moons"), (8,), "SGD", 0.0005, 20)
    assert level == "warning" and "has not learned" in text and "still falling steadily" in text
    assert "more epochs" in text and "try 0.005" in text and "too high" not in text


def _prices() -> Dataset:
    """House prices (about 45,000-165,000) from their floor area, with noise."""
    rng = np.random.default_rng(3)
    X = rng.uniform(40, 220, (300, 1)).astype(np.float32)
    y = (20000 + 650 * X[:, 0] + rng.normal(0, 9000, 300)).astype(np.float32)
    return Dataset(X, y, ["area"], [], "regression", {"kind": "test"}, "prices")


def test_real_regression_with_tiny_steps_is_told_to_train_longer_not_to_go_slower(real_run):
    prices = _prices()
    text, level = train_and_judge(real_run, prices, (8,), "Adam", 1e-4, 15)
    assert level == "warning" and "worse than always answering the average" in text
    assert "still falling steadily" in text and "try 0.001" in text and "smaller" not in text


def test_real_regression_that_overshoots_is_told_to_lower_the_rate(real_run):
    prices = _prices()
    text, level = train_and_judge(real_run, prices, (8,), "Adam", 3.0, 15)
    assert level == "warning" and "too high" in text and "Try 0.3" in text


def test_memorising_numbers_are_not_told_to_learn_faster():
    # The training loss falls steadily while the validation loss climbs back: overfitting.
    curve = load_builtin("regression_1d")
    var = float(np.var(curve.y))
    train = [var * (1 - 0.04 * i) for i in range(20)]
    val = [var * 0.6, var * 0.5, var * 0.45] + [var * (0.45 + 0.05 * i) for i in range(1, 18)]
    text, level = summarize_run(hist(train, val_loss=val), 0, curve, curve.y[:10], None,
                                learning_rate=0.01)
    assert level == "warning" and "worse than always answering the average" in text
    assert "memorising" in text and "lowest at epoch 3" in text and "larger learning rate" not in text
    # The same climb with a jumpy training loss blames the step size instead.
    jumpy = train[:10] + [var * 2] + train[11:]
    text, _ = summarize_run(hist(jumpy, val_loss=val), 0, curve, curve.y[:10], None, learning_rate=0.5)
    assert "memorising" not in text and "Try 0.05" in text


def test_real_regression_that_memorises_says_so(real_run):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 6)).astype(np.float32)
    y = (300 + 50 * X[:, 0] + rng.normal(0, 60, 100)).astype(np.float32)  # mostly noise
    noisy = Dataset(X, y, [f"f{i}" for i in range(6)], [], "regression", {"kind": "test"}, "noisy")
    text, level = train_and_judge(real_run, noisy, (32,), "Adam", 0.01, 100)
    assert level == "warning" and "memorising" in text and "larger learning rate" not in text


def test_a_loss_wobbling_near_zero_is_memorising_not_a_too_high_rate():
    # The survey CSV (Exer from 21 features, Adam 0.01): the training loss fell from 1.3 to
    # ~0.05 and then wobbled by +30 % (0.044 -> 0.057) while the validation loss climbed from
    # 1.1 to 4.6. That wobble is not an overshooting step: the verdict must say memorising.
    train = [1.3 * 0.95 ** i * (1.3 if i >= 50 and i % 7 == 6 else 1.0) for i in range(100)]
    val = [1.1, 1.05] + [1.05 + 0.035 * i for i in range(1, 99)]
    assert loss_trend(train, naive_loss=np.log(3)) != "jumped"
    text, level = summarize_run(hist(train, val_acc=[0.42] * 100, val_loss=val), 0, SURVEY_LIKE,
                                SURVEY_VAL_Y, (3.45, 0.458), learning_rate=0.01)
    assert level == "warning" and "has not learned" in text
    assert "memorising" in text and "lowest at epoch 2" in text
    assert "too high" not in text and "Try 0.001" not in text
    # A real overshoot late in a run still counts: 0.1 -> 0.5 is 30 % of the first loss.
    assert loss_trend([1.3, 0.6, 0.2, 0.1, 0.5, 0.3], naive_loss=np.log(3)) == "jumped"


SURVEY_VAL_Y = np.array([0] * 23 + [1] * 5 + [2] * 20)
SURVEY_LIKE = Dataset(np.zeros((48, 2), np.float32), SURVEY_VAL_Y, ["a", "b"], ["Freq", "None", "Some"],
                      "classification", {"kind": "test"}, "survey")


def test_a_price_models_memorising_loss_is_written_without_e_notation():
    # Ctrl+C after 13,589 epochs of house prices: "lowest at epoch 59 (7.14e+07) and ended at
    # 1.76e+08" read as code; the verdict writes 71,400,000 as it writes the typical error.
    prices = _prices()
    train = [5e7 * (1 - 0.004 * i) for i in range(100)]
    val = [7.5e7, 7.14e7] + [7.14e7 * (1 + 0.015 * i) for i in range(1, 99)]
    text, level = summarize_run(hist(train, val_loss=val), 0, prices, prices.y[:60], None,
                                learning_rate=0.01)
    assert "memorising" in text and "lowest at epoch 2 (71,400,000)" in text
    assert "e+0" not in text
