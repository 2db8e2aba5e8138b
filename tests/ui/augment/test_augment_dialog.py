"""The augmentation dialog on the real engine: offered for pictures only, its preview is the
project's own pipeline (same seed, same pixels), settings reach the project and the trainer,
the class-change check and the comparison run off the GUI thread."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data.augment import AugmentPipeline, Rotate
from nnstudio.ui.augment.augment_dialog import mean_curve, pipeline_of


@pytest.fixture
def dialog(window, qtbot):
    window.data_panel.select_builtin("digits-images")
    d = window.augment.open()
    qtbot.waitUntil(d.isVisible)
    yield d
    d.shutdown()


def test_offered_for_pictures_only(window):
    assert not window.augment.action.isEnabled()  # the demo is a table
    window.data_panel.select_builtin("digits-images")
    assert window.augment.action.isEnabled()
    assert window.augment.action.shortcut().toString() == "Ctrl+Shift+A"


def test_the_preview_is_the_trainers_pipeline_same_seed_same_pixels(window, dialog):
    # Digits start with a safe default: no flips.
    names = [t.name for t in dialog.pipeline().transforms]
    assert names == ["rotate", "shift", "zoom"] and pipeline_of(window.ctl.project.training) is None
    dialog.use.setChecked(True)
    box, prob, strength = dialog.form.rows["rotate"]
    strength.setValue(40)
    saved = pipeline_of(window.ctl.project.training)
    assert saved is not None and saved.get("rotate") == Rotate(40)
    image, label, _ = dialog.preview_image()
    expect = saved.preview(image, dialog.grid.count, seed=dialog.seed, label=label)
    np.testing.assert_array_equal(dialog.grid.shown, expect)
    first = dialog.grid.shown.copy()
    dialog.reroll.click()
    assert not np.array_equal(dialog.grid.shown, first)
    dialog.seed -= 1
    dialog.refresh_preview()
    np.testing.assert_array_equal(dialog.grid.shown, first)
    # Off: the project trains without it, the form keeps the settings.
    dialog.use.setChecked(False)
    assert window.ctl.project.training.get("augment") is None
    assert dialog.pipeline().get("rotate") == Rotate(40)


def test_a_flip_on_digits_is_warned_about(dialog):
    dialog.form.rows["flip_h"][0].setChecked(True)
    assert "a mirrored 3 is not a 3" in dialog.warning.text()


def test_the_photo_preview_shows_colour(dialog):
    dialog.source.setCurrentIndex(dialog.source.findData("flower"))
    assert dialog.grid.shown.shape[-1] == 3 and dialog.grid.shown.shape[0] == dialog.grid.count


def test_training_in_the_window_uses_the_pipeline(window, dialog, train_to_the_end):
    dialog.use.setChecked(True)
    train_to_the_end(window, 2)
    history = window.ctl.project.history
    assert len(history["epoch"]) == 2 and history["val_acc"][-1] > 0.3


def test_check_and_compare_run_in_the_background_and_answer_in_words(window, dialog, qtbot,
                                                                     train_to_the_end):
    assert not dialog.check_button.isEnabled()  # nothing trained yet
    train_to_the_end(window, 15)
    assert dialog.check_button.isEnabled()
    with qtbot.waitSignal(dialog.check_runner.busy_changed, timeout=60_000,
                          check_params_cb=lambda busy: not busy):
        assert dialog.start_check()
    report = dialog.report
    assert report is not None and [p.key for p in report.probes][:3] == ["rotate", "shift", "zoom"]
    text = dialog.check_text.toPlainText()
    assert "Mirror left-right:" in text and "keep their class" in text
    assert "Share of each class that keeps its class" in text
    mirror = next(p for p in report.probes if p.key == "mirror")
    assert mirror.kept < 0.75
    dialog.compare_epochs.setValue(3)
    with qtbot.waitSignal(dialog.compare_runner.busy_changed, timeout=120_000,
                          check_params_cb=lambda busy: not busy):
        assert dialog.start_compare()
    result = dialog.comparison
    assert result is not None and result.epochs == 3
    x, y = dialog.curve_with.getData()
    assert list(x) == [1, 2, 3] and np.allclose(y, mean_curve(result.with_augment)[1])
    assert "With augmentation the validation accuracy ended at" in dialog.compare_text.text()
    assert window.ctl.project.history["epoch"][-1] == 15  # the project's run is untouched


def test_suggested_rules_reach_the_settings(dialog):
    from nnstudio.data.augment_check import ClassChangeReport, ClassResult, ProbeResult

    weak = ClassResult(6, "6", 10, 0.2, 0.8, 0.0, 9, "9", 0.8)
    probe = ProbeResult("rotate", "Turn", {}, True, 10, 0.2, 0.8, 0.0, "changes_class", "", [weak])
    dialog.report = ClassChangeReport(1.0, 10, [probe])
    dialog._on_apply_rules_clicked()
    assert dialog.pipeline().class_rules == {"6": {"forbid": ["rotate"]}}
    assert "class 6: never rotate" in dialog.rules_label.text()
    dialog.clear_rules.click()
    assert dialog.pipeline().class_rules == {}
    assert isinstance(dialog.pipeline(), AugmentPipeline)
