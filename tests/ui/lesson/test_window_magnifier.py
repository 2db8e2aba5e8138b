"""The magnifying glass in the window: opened by Ctrl+M or by choosing a sample, Apply is
undone by Ctrl+Z, and it is disabled with a plain reason while training runs."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtTest import QTest

from nnstudio.explain.numbers import num

pytestmark = pytest.mark.usefixtures("isolated_settings")


def test_ctrl_m_opens_the_magnifying_glass(window, qtbot):
    dock = window._docks["lesson_dock"]
    assert dock.isHidden()
    QTest.keySequence(window, "Ctrl+M")
    qtbot.waitUntil(lambda: dock.isVisible())
    assert window.magnifier.active


def test_choosing_a_sample_opens_it_and_the_canvas_shows_the_sample(window, qtbot):
    window.ctl.choose_sample(9)
    qtbot.waitUntil(lambda: window.magnifier.walk is not None)
    assert window._docks["lesson_dock"].isVisible()
    assert window.canvas.overlay is not None
    assert window.lesson.sample_spin.value() == 9


def test_apply_then_ctrl_z_restores_the_weights_bit_for_bit(window, qtbot):
    window.ctl.choose_sample(4)
    qtbot.waitUntil(lambda: window.magnifier.walk is not None)
    before = window.ctl.network.params.copy()
    after = np.concatenate([window.magnifier.walk.preview[name]["params_after"].reshape(-1)
                            for name in window.ctl.network.param_slices()])
    window.lesson.apply_button.click()
    np.testing.assert_array_equal(window.ctl.network.params, after)
    assert window.actions["undo"].text().startswith("&Undo Apply the step of sample #4")
    window.canvas.setFocus()
    QTest.keySequence(window, "Ctrl+Z")
    np.testing.assert_array_equal(window.ctl.network.params, before)
    qtbot.waitUntil(lambda: np.array_equal(window.magnifier.walk.params_before, before))


def test_disabled_while_training_runs_and_applies_when_paused(window, qtbot, wait_idle):
    w = window
    w.ctl.choose_sample(2)
    qtbot.waitUntil(lambda: w.magnifier.walk is not None)
    w.ctl.set_training(epochs=100_000)
    w.training_panel.speed.setValue(5)  # slow: the run is still going when checked
    w.actions["train"].trigger()
    qtbot.waitUntil(lambda: w.runner.state == "running")
    qtbot.waitUntil(lambda: not w.lesson.apply_button.isEnabled())
    assert "Training is running" in w.lesson.apply_reason.text()
    assert w.canvas.overlay is None  # the run's weights move: no stale sample on show
    w.actions["pause"].trigger()
    qtbot.waitUntil(lambda: w.runner.state == "paused")
    qtbot.waitUntil(lambda: w.lesson.apply_button.isEnabled())
    walk = w.magnifier.walk
    np.testing.assert_array_equal(walk.params_before, w.ctl.network.params)  # where it paused
    assert "paused run ends" in w.lesson.apply_reason.text()
    after = np.concatenate([walk.preview[name]["params_after"].reshape(-1)
                            for name in w.ctl.network.param_slices()])
    w.lesson.apply_button.click()  # the question to stop the run is answered Yes
    wait_idle(w)
    np.testing.assert_array_equal(w.ctl.network.params, after)
    assert w.ctl.undo_stack.undoText().startswith("Apply the step of sample #2")


def test_it_opens_as_a_tab_beside_the_training_settings_and_no_tab_bar_covers_the_middle(window, qtbot):
    from PySide6.QtWidgets import QTabBar

    def stray_bars():
        middle = window.centralWidget().geometry()
        return [tb for tb in window.findChildren(QTabBar) if tb.parent() is window
                and tb.isVisible() and tb.geometry().intersects(middle)]

    assert stray_bars() == []
    window.actions["magnifier"].trigger()
    qtbot.waitUntil(lambda: window._docks["lesson_dock"].isVisible())
    assert window._docks["lesson_dock"] in window.tabifiedDockWidgets(window._docks["training_dock"])
    assert stray_bars() == []


def test_next_brings_the_new_stage_caption_into_view(window, qtbot):
    # At 1366x768 the panel scrolls; Next used to keep the old scroll position, so the new
    # stage's title and caption stayed out of sight below a neuron's arithmetic.
    w = window
    w.resize(1366, 768)
    w.ctl.choose_sample(3)
    qtbot.waitUntil(lambda: w.magnifier.walk is not None)
    w.magnifier.set_stage(1)
    w.magnifier.select(("neuron", 0, 0))
    bar = w.lesson.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    w.lesson.next_button.click()
    assert w.magnifier.stage == 2
    assert bar.value() == 0


def test_apply_says_what_the_step_did(window, qtbot):
    # One sample's step barely moves the canvas or the curves: without a message, Apply
    # looked like a button that did nothing.
    window.ctl.choose_sample(5)
    qtbot.waitUntil(lambda: window.magnifier.walk is not None)
    walk = window.magnifier.walk
    said = []
    window.ctl.message_posted.connect(lambda text, level: said.append((text, level)))
    window.lesson.apply_button.click()
    assert said and said[-1][1] == "info"
    assert said[-1][0].startswith(f"Applied the step of sample #5: its loss fell from {num(walk.loss)} "
                                  f"to {num(walk.loss_after)}.")


def test_the_output_gradient_is_named_dl_dz_where_the_engine_hands_back_p_minus_y(window, qtbot):
    # Sigmoid + cross-entropy: the backward pass starts from dL/dz = p - y; a column headed
    # dL/d(output) showed -0.62 where dL/da = -1/p would be -2.6.
    w = window
    w.ctl.choose_sample(1)
    qtbot.waitUntil(lambda: w.magnifier.walk is not None)
    w.magnifier.set_stage(4)  # backward
    last = len(w.magnifier.walk.trace.layers) - 1
    w.magnifier.select(("layer", last))
    assert w.lesson.neurons.horizontalHeaderItem(3).text() == "dL/dz = p - y"
    walk = w.magnifier.walk
    p, y = float(walk.trace.layers[last].output[0]), float(walk.target_vector()[0])
    assert w.lesson.neurons.item(0, 3).text() == num(p - y)
    w.magnifier.select(("layer", 0))
    assert w.lesson.neurons.horizontalHeaderItem(3).text() == "dL/d(output)"
