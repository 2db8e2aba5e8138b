"""The verdict after a run, on exact histories (pure python)."""
from __future__ import annotations

import numpy as np

from nnstudio.data import load_builtin
from nnstudio.doctor.verdict import summarize_run


def hist(train_loss, val_acc=None, val_loss=None):
    n = len(train_loss)
    return {"epoch": list(range(1, n + 1)), "train_loss": train_loss, "train_acc": [None] * n,
            "val_loss": val_loss or [None] * n, "val_acc": val_acc or [None] * n}


SPIRAL = load_builtin("spiral")
VAL_Y = np.array([0] * 40 + [1] * 40)


def test_one_answer_for_everything_is_called_out_with_what_to_try():
    text, level = summarize_run(hist([0.7, 0.69, 0.69], val_acc=[0.5, 0.5, 0.5]), 0, SPIRAL, VAL_Y,
                                (0.69, 0.5), learning_rate=1.0)
    assert level == "warning"
    assert "has not learned" in text and "“arm 1”" in text and "try 0.1" in text and "Reset weights" in text


def test_a_growing_loss_points_at_the_learning_rate():
    text, level = summarize_run(hist([0.5, 0.4, 0.9, 1.4], val_acc=[0.8, 0.8, 0.7, 0.7]), 0, SPIRAL,
                                VAL_Y, None, learning_rate=0.5)
    assert level == "warning" and "got worse" in text and "(0.5 → 1.4)" in text and "Try 0.05" in text


def test_a_good_run_reports_validation_and_test_accuracy_of_this_run_only():
    h = hist([9.0, 0.1, 0.6, 0.3, 0.1], val_acc=[0.5, 0.9, 0.9, 0.95, 0.975])
    text, level = summarize_run(h, 2, SPIRAL, VAL_Y, (0.1, 0.9625), learning_rate=0.01)
    assert level == "info"
    assert text == ("Training finished: 3 epochs. Validation accuracy 97.5%. "
                    "Test accuracy 96.2% (data the network never saw).")


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
    accs = [0.6, 0.8, 0.95, 0.9, 0.75, 0.704]
    text, level = summarize_run(hist([0.6, 0.4, 0.2, 0.3, 0.5, 0.5], val_acc=accs), 0, SPIRAL, VAL_Y,
                                (0.6, 0.7), learning_rate=1.0)
    assert level == "warning"
    assert text.startswith("Training was unstable: validation accuracy reached 95.0% at epoch 3 but "
                           "ended at 70.4%")


def test_regression_reports_the_same_typical_error_as_the_fit_view():
    curve = load_builtin("regression_1d")
    var = float(np.var(curve.y))
    text, _ = summarize_run(hist([var, var / 10, var / 100], val_loss=[var / 50] * 3), 0, curve,
                            curve.y[:10], None, learning_rate=0.01, typical_errors=(0.168, 0.2))
    assert "Typical error (validation): 0.168; on the test data, which training never saw: 0.2." in text
    lo, hi = float(curve.y.min()), float(curve.y.max())
    assert text.endswith(f"For scale: the values to predict range from {lo:.3g} to {hi:.3g}.")


def test_validation_falling_while_training_improves_is_called_overfitting():
    accs = [0.6, 0.8, 0.95, 0.9, 0.8, 0.8]
    text, level = summarize_run(hist([0.6, 0.4, 0.2, 0.15, 0.1, 0.08], val_acc=accs), 0, SPIRAL,
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
