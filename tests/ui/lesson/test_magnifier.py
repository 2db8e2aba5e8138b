"""The magnifying glass panel and the canvas overlay on the real engine (the spiral demo:
2 inputs -> Dense 16 -> Dense 16 -> 1 sigmoid): the numbers shown are the engine's, Apply
makes exactly apply_step's update and undo puts the weights back bit for bit."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from nnstudio.engine import Network
from nnstudio.explain import apply_step, nudge, worksheet_csv
from nnstudio.explain.numbers import num
from nnstudio.ui.lesson.magnifier import STAGES, Magnifier
from nnstudio.ui.lesson.panel import MagnifyingGlassPanel, caption_html, connect_canvas
from nnstudio.ui.network.canvas import NetworkCanvasWidget
from nnstudio.ui.training.training_runner import TrainingRunner


@pytest.fixture
def glass(qtbot, ctl):
    """(magnifier, panel, canvas) wired as in the window, the panel open."""
    runner = TrainingRunner(ctl)
    mag = Magnifier(ctl, runner)
    panel = MagnifyingGlassPanel(ctl, mag)
    canvas = NetworkCanvasWidget(ctl)
    connect_canvas(mag, canvas)
    for w in (panel, canvas):
        qtbot.addWidget(w)
    canvas.resize(1000, 420)
    panel.resize(380, 700)
    canvas.show()
    panel.show()
    qtbot.waitExposed(canvas)
    mag.set_active(True)
    mag.refresh()
    yield mag, panel, canvas
    runner.stop()


def choose(ctl, mag, index: int) -> None:
    ctl.choose_sample(index)
    mag.refresh()


def sample_xy(ctl, index: int):
    train = ctl.scaled_split.train
    return train.X[index], train.y[index]


def test_without_a_sample_the_panel_says_how_to_choose_one(glass):
    mag, panel, canvas = glass
    assert mag.walk is None
    assert "click a dot in the data plot" in panel.caption.text()
    assert not panel.apply_button.isEnabled()
    assert canvas.overlay is None


def test_choose_sample_updates_the_panel_and_the_spin_box_chooses_too(glass, ctl):
    mag, panel, _canvas = glass
    choose(ctl, mag, 5)
    assert panel.sample_spin.value() == 5
    assert mag.walk.sample_index == 5
    assert "Row 5 of the training part" in panel.sample_label.text()
    panel.sample_spin.setValue(11)
    assert ctl.chosen_sample == 11
    mag.refresh()
    assert mag.walk.sample_index == 11
    assert panel.choose_random() == ctl.chosen_sample


def test_numbers_shown_equal_the_engines_trace_and_preview(glass, ctl):
    mag, panel, canvas = glass
    choose(ctl, mag, 3)
    x, y = sample_xy(ctl, 3)
    tr = ctl.network.trace(x, y)
    mag.set_stage(STAGES.index("layers"))
    ov = canvas.overlay
    np.testing.assert_array_equal(ov.values[-1], x.astype(np.float64))
    np.testing.assert_array_equal(ov.values[0], tr.layers[0].output)
    np.testing.assert_array_equal(ov.values[2], tr.output)
    from nnstudio.ui.network.canvas_sample import bottom_texts
    assert [bottom_texts(c, ov)[-1] for c in canvas.columns[1:]] == ["dense_1", "dense_2", "dense_3"]
    # The table lists every neuron of the clicked layer with the trace's numbers.
    mag.select(("layer", 1))
    rows = [panel.neurons.item(j, 2).text() for j in range(panel.neurons.rowCount())]
    assert rows == [num(v) for v in tr.layers[1].output]
    mag.set_stage(STAGES.index("output"))
    np.testing.assert_array_equal(canvas.overlay.values[2], tr.output)
    assert panel.bars.isVisible()
    np.testing.assert_allclose(panel.bars.probabilities, [1 - tr.output[0], tr.output[0]])
    mag.set_stage(STAGES.index("backward"))
    W, b = canvas.overlay.edges[1]
    np.testing.assert_array_equal(W, tr.gradients["dense_2/W"])
    np.testing.assert_array_equal(b, tr.gradients["dense_2/b"])
    mag.set_stage(STAGES.index("update"))
    W, _b = canvas.overlay.edges[0]
    np.testing.assert_array_equal(W, -mag.walk.preview["dense_1/W"]["update"])
    assert panel.caption.text() == caption_html(mag.walk.stage("update").caption)


def test_stages_follow_the_keys_while_the_panel_has_focus(glass, ctl, qtbot):
    mag, panel, _canvas = glass
    choose(ctl, mag, 0)
    panel.activateWindow()
    panel.setFocus()
    qtbot.waitUntil(panel.hasFocus)
    QTest.keyClick(panel, Qt.Key_Right)
    assert mag.stage == 1
    QTest.keyClick(panel, Qt.Key_PageDown)
    assert mag.stage == 2
    assert panel.stage_buttons[2].isChecked()
    assert panel.stage_title.text().startswith("Stage 3 of 6")
    QTest.keyClick(panel, Qt.Key_Left)
    QTest.keyClick(panel, Qt.Key_PageUp)
    assert mag.stage == 0
    QTest.keyClick(panel, Qt.Key_PageUp)
    assert mag.stage == 0  # stays at the first


def test_play_steps_through_the_stages(glass, ctl, qtbot):
    mag, panel, _canvas = glass
    choose(ctl, mag, 0)
    panel._play.setInterval(5)
    panel.play_button.setChecked(True)
    qtbot.waitUntil(lambda: mag.stage == len(STAGES) - 1, timeout=5000)
    qtbot.waitUntil(lambda: not panel.play_button.isChecked(), timeout=5000)


def test_clicking_a_neuron_shows_its_arithmetic(glass, ctl, qtbot):
    mag, panel, canvas = glass
    choose(ctl, mag, 2)
    mag.set_stage(1)
    j = canvas.columns[1].drawn[1]
    QTest.mouseClick(canvas, Qt.LeftButton, pos=canvas.neuron_point(0, j).toPoint())
    assert mag.selection == ("neuron", 0, j)
    assert canvas.overlay.selected_neuron == (0, j)
    caption = mag.walk.neuron(0, j).caption
    assert caption_html(caption) in panel.clicked.text()
    assert panel.clicked_title.text().startswith("dense_1, neuron")


def test_elided_neurons_are_reachable_from_the_layer_table(glass, ctl):
    mag, panel, canvas = glass
    choose(ctl, mag, 2)
    hidden = next(j for j in range(16) if j not in canvas.columns[1].drawn)
    mag.select(("layer", 0))
    assert panel.neurons.rowCount() == 16
    panel.neurons.cellClicked.emit(hidden, 0)
    assert mag.selection == ("neuron", 0, hidden)
    assert caption_html(mag.walk.neuron(0, hidden).caption) in panel.clicked.text()


def test_clicking_a_weight_shows_its_chain_rule_check_and_nudge(glass, ctl, qtbot):
    mag, panel, canvas = glass
    choose(ctl, mag, 4)
    mag.set_stage(STAGES.index("backward"))
    i, j = canvas.columns[1].drawn[0], canvas.columns[2].drawn[2]
    QTest.mouseClick(canvas, Qt.LeftButton, pos=canvas.weight_point(1, i, j).toPoint())
    assert mag.selection == ("weight", 1, i, j)
    chain = mag.walk.weight_chain("dense_2/W", (i, j))
    assert caption_html(chain.chain_caption) in panel.clicked.text()
    assert panel.tools.isVisible()
    text = panel.tools.check()
    assert num(chain.gradient) in text and "agree" in text
    before = ctl.network.params.copy()
    w = float(mag.walk.weights_before["dense_2/W"][i, j])
    panel.tools.value.setValue(w + 0.5)
    x, y = sample_xy(ctl, 4)
    loss, _out = nudge(ctl.network, x, y, "dense_2/W", (i, j), panel.tools.value.value())
    assert f"loss would be <b>{num(loss)}</b>" in panel.tools.nudge_result.text()
    np.testing.assert_array_equal(ctl.network.params, before)  # nothing changed until Apply


def test_apply_makes_apply_steps_update_and_undo_restores_bit_for_bit(glass, ctl):
    mag, panel, _canvas = glass
    choose(ctl, mag, 6)
    walk = mag.walk
    before = ctl.network.params.copy()
    state_before = ctl.project.optimizer_state
    twin = Network.from_config(ctl.network.get_config(), dtype=ctl.network.dtype)
    twin.params[...] = before
    opt = ctl.make_optimizer()
    opt.attach(twin)
    opt.load_state_dict(state_before)
    apply_step(twin, opt, walk)
    panel.apply_button.click()
    np.testing.assert_array_equal(ctl.network.params, twin.params)
    assert not np.array_equal(ctl.network.params, before)
    assert ctl.project.optimizer_state["iterations"] == opt.state_dict()["iterations"]
    assert mag.walk is not walk and np.array_equal(mag.walk.params_before, twin.params)
    ctl.undo_stack.undo()
    np.testing.assert_array_equal(ctl.network.params, before)
    assert ctl.project.optimizer_state is state_before
    ctl.undo_stack.redo()
    np.testing.assert_array_equal(ctl.network.params, twin.params)


def test_export_writes_the_worksheet(glass, ctl, tmp_path, monkeypatch):
    mag, panel, _canvas = glass
    choose(ctl, mag, 1)
    target = tmp_path / "sheet.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert panel.export() == str(target)
    assert target.read_text(encoding="utf-8") == worksheet_csv(mag.walk)


def test_canvas_tooltip_names_the_neurons_value(glass, ctl):
    mag, _panel, canvas = glass
    choose(ctl, mag, 1)
    mag.set_stage(1)
    tip = canvas.overlay.neuron_tip(-1, 0)
    assert num(mag.walk.x[0]) in tip
    assert caption_html(mag.walk.neuron(1, 0).caption).split(" \u2192 ")[0] in \
        canvas.overlay.neuron_tip(1, 0).replace(" -&gt; ", " \u2192 ")
    assert canvas._sample_click(QPointF(2, 2)) is False  # empty canvas corner: no pick


def test_bars_show_the_update_and_a_click_shows_the_sigmoid_arithmetic(glass, ctl):
    mag, panel, _canvas = glass
    choose(ctl, mag, 8)
    mag.set_stage(STAGES.index("update"))
    p_after = float(mag.walk.output_after[0])
    np.testing.assert_allclose(panel.bars.probabilities, [1 - p_after, p_after])
    assert "\u2192" in panel.bars.toolTip()  # before -> after
    panel.bars.class_clicked.emit(1)
    assert mag.selection == ("neuron", 2, 0)  # the one sigmoid neuron answers for both classes
    assert caption_html(mag.walk.output_math().caption) in panel.clicked.text()


def test_a_new_split_clears_the_sample_and_the_same_row_can_be_chosen_again(glass, ctl):
    mag, panel, canvas = glass
    choose(ctl, mag, 5)
    mag.select(("weight", 1, 3, 4))
    ctl.set_split(seed=7)
    mag.refresh()
    assert ctl.chosen_sample == -1 and panel.sample_spin.value() == -1
    assert panel.sample_spin.text() == "none"
    assert mag.walk is None and canvas.overlay is None
    panel.sample_spin.setValue(5)
    mag.refresh()
    assert mag.walk.sample_index == 5
    assert mag.selection == ("weight", 1, 3, 4)  # still names a weight of this network


def test_a_selection_the_network_no_longer_has_is_dropped(glass, ctl):
    mag, _panel, _canvas = glass
    choose(ctl, mag, 5)
    mag.select(("neuron", 1, 15))
    ctl.update_layer(1, units=8)
    mag.refresh()
    assert mag.walk is not None and mag.selection is None


def test_each_stage_links_its_words_in_the_glossary(glass, ctl):
    mag, panel, _canvas = glass
    choose(ctl, mag, 0)
    expected = {"input": "glossary:feature", "layers": "glossary:forward_pass",
                "output": "glossary:sigmoid", "loss": "glossary:cross_entropy",
                "backward": "glossary:backward_pass", "update": "glossary:adam"}
    for k, key in enumerate(STAGES):
        mag.set_stage(k)
        assert expected[key] in panel.stage_words.text()


def test_apply_with_sgd_is_w_minus_rate_times_this_samples_gradient(glass, ctl):
    mag, panel, _canvas = glass
    ctl.set_training(optimizer="SGD", learning_rate=0.1)
    choose(ctl, mag, 3)
    x, y = sample_xy(ctl, 3)
    grads = ctl.network.trace(x, y).gradients
    before = ctl.network.get_weights()
    panel.apply_button.click()
    after = ctl.network.get_weights()
    for name, g in grads.items():
        expected = before[name] - np.float32(0.1) * g
        np.testing.assert_array_equal(after[name], expected.astype(np.float32))
