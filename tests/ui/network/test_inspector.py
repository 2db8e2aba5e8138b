"""LayerInspectorPanel against the real controller and engine: UI -> model and model -> UI."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from nnstudio.engine import ACTIVATIONS
from nnstudio.ui.network.inspector import LayerInspectorPanel
from nnstudio.ui.network.layer_specs import output_explanation


@pytest.fixture
def panel(qtbot, ctl):
    p = LayerInspectorPanel(ctl)
    qtbot.addWidget(p)
    p.resize(280, 420)
    p.show()
    qtbot.waitExposed(p)
    return p


def shown(widget) -> bool:
    return not widget.isHidden()


def type_units(qtbot, panel, text: str) -> None:
    line = panel.units_combo.lineEdit()
    line.selectAll()
    qtbot.keyClick(line, Qt.Key_Backspace)
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key_Return)


def test_nothing_selected_shows_totals_and_a_hint(ctl, panel):
    assert shown(panel.hint_label) and not shown(panel.dense_form)
    # 2*16+16 + 16*16+16 + 16*1+1 = 337
    assert panel.totals_text() == "Total: 337 parameters\nTrainable: 337 \u00b7 Frozen: 0"
    assert "<b>Total: 337 parameters</b>" in panel.totals_label.text()


def test_selection_shows_the_layer_and_its_arithmetic(ctl, panel):
    ctl.select(0)
    assert shown(panel.dense_form) and not shown(panel.dropout_form) and not shown(panel.hint_label)
    assert panel.units_combo.currentText() == "16"
    assert panel.activation_combo.currentText() == "ReLU"
    assert not panel.frozen_check.isChecked()
    assert panel.params_label.text() == "2 inputs \u00d7 16 neurons + 16 biases = 48 parameters"
    ctl.select(1)
    assert panel.params_label.text() == "16 inputs \u00d7 16 neurons + 16 biases = 272 parameters"


def test_typing_units_and_enter_rebuilds_the_network(qtbot, ctl, panel, messages):
    ctl.select(0)
    type_units(qtbot, panel, "24")
    assert ctl.layers[0]["config"]["units"] == 24
    assert ctl.network.layer_sizes() == [2, 24, 16, 1]
    assert panel.units_combo.currentText() == "24" and not panel.units_invalid
    assert panel.params_label.text() == "2 inputs \u00d7 24 neurons + 24 biases = 72 parameters"
    assert ctl.undo_stack.count() == 1  # one edit, no echo from the refresh
    assert messages == []
    ctl.undo_stack.undo()
    assert ctl.network.layer_sizes() == [2, 16, 16, 1]
    assert panel.units_combo.currentText() == "16"


def test_typed_units_are_not_autocompleted(qtbot, ctl, panel):
    ctl.select(0)
    type_units(qtbot, panel, "12")  # "128" is in the list; "12" must stay 12
    assert ctl.layers[0]["config"]["units"] == 12


def test_leaving_the_units_box_applies_or_restores(qtbot, ctl, panel, messages):
    ctl.select(0)
    panel.units_combo.setFocus()
    line = panel.units_combo.lineEdit()
    line.selectAll()
    qtbot.keyClicks(line, "20")
    panel.activation_combo.setFocus()  # focus moves on without Enter
    assert ctl.layers[0]["config"]["units"] == 20
    panel.units_combo.setFocus()
    panel.units_combo.setEditText("0")
    panel.activation_combo.setFocus()
    assert ctl.layers[0]["config"]["units"] == 20 and panel.units_combo.currentText() == "20"
    assert messages == [("Neurons must be a whole number from 1 to 10,000; 0 is not allowed. "
                         "The layer keeps its 20 neurons.", "error")]


def test_choosing_units_from_the_list(ctl, panel):
    ctl.select(1)
    panel.units_combo.activated.emit(panel.units_combo.findText("64"))
    assert ctl.network.layer_sizes() == [2, 16, 64, 1]


@pytest.mark.parametrize("text, why", [("0", "0 is not allowed"),
                                       ("99999999", "99,999,999 is too many"),
                                       ("", "the box is empty")])
def test_out_of_range_units_are_refused_with_a_message(qtbot, ctl, panel, messages, text, why):
    ctl.select(0)
    type_units(qtbot, panel, text)
    assert ctl.layers[0]["config"]["units"] == 16 and ctl.undo_stack.count() == 0
    assert messages == [(f"Neurons must be a whole number from 1 to 10,000; {why}. "
                         "The layer keeps its 16 neurons.", "error")]
    # The box shows the layer's real value again, selected so typing replaces it.
    assert panel.units_combo.currentText() == "16" and panel.units_combo.lineEdit().hasSelectedText()
    type_units(qtbot, panel, "8")
    assert not panel.units_invalid and ctl.layers[0]["config"]["units"] == 8
    assert len(messages) == 1


def focused_units(qtbot, panel):
    """The widget a real key press reaches: the combo holds the focus (not its line edit) and
    passes keys on to the line edit itself, past event filters installed there."""
    panel.activateWindow()
    qtbot.waitUntil(lambda: panel.isActiveWindow())
    panel.units_combo.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    return QApplication.focusWidget()


@pytest.mark.parametrize("layer", [0, 2])  # a hidden layer and the output layer
def test_real_enter_applies_or_refuses(qtbot, ctl, panel, messages, layer):
    ctl.select(layer)
    target = focused_units(qtbot, panel)
    before = ctl.layers[layer]["config"]["units"]
    for text in ("0", "99999999"):
        panel.units_combo.lineEdit().selectAll()
        QTest.keyClicks(target, text)
        QTest.keyClick(target, Qt.Key_Return)
        assert ctl.layers[layer]["config"]["units"] == before
        assert panel.units_combo.currentText() == str(before)
        assert messages[-1][1] == "error" and "whole number" in messages[-1][0]
    assert len(messages) == 2
    panel.units_combo.lineEdit().selectAll()
    QTest.keyClicks(target, "5")  # not in the list: Enter alone must apply it
    QTest.keyClick(target, Qt.Key_Return)
    assert ctl.layers[layer]["config"]["units"] == 5 and ctl.undo_stack.count() == 1
    assert panel.units_combo.currentText() == "5"


def test_output_units_apply_on_every_path(qtbot, ctl, panel, messages):
    ctl.select(2)
    target = focused_units(qtbot, panel)
    panel.units_combo.lineEdit().selectAll()
    QTest.keyClicks(target, "3")
    QTest.keyClick(target, Qt.Key_Enter)  # the keypad's Enter too
    assert ctl.layers[2]["config"]["units"] == 3
    assert shown(panel.issue_label)  # 3 sigmoid neurons do not fit two classes
    panel.units_combo.lineEdit().selectAll()
    QTest.keyClicks(target, "2")
    panel.activation_combo.setFocus()  # leaving the box
    assert ctl.layers[2]["config"]["units"] == 2
    panel.units_combo.activated.emit(panel.units_combo.findText("1"))  # from the list
    assert ctl.layers[2]["config"]["units"] == 1 and not shown(panel.issue_label)
    assert ctl.undo_stack.count() == 3 and messages == []


def test_letters_are_refused_with_a_message(qtbot, ctl, panel, messages):
    ctl.select(0)
    line = panel.units_combo.lineEdit()
    line.selectAll()
    qtbot.keyClick(line, Qt.Key_Backspace)
    qtbot.keyClicks(line, "abc")
    assert line.text() == "" and panel.units_invalid
    assert len(messages) == 1 and messages[0][1] == "error"  # once, not once per key
    # While typing nothing is decided yet: no "keeps its 16 neurons" that Enter then contradicts.
    assert "left out" in messages[0][0] and "keeps" not in messages[0][0]
    # Pasted or programmatic text does not pass the validator either.
    panel.units_combo.setEditText("abc")
    qtbot.keyClick(line, Qt.Key_Return)
    assert ctl.layers[0]["config"]["units"] == 16 and ctl.undo_stack.count() == 0


def test_activation_change_and_tooltips(ctl, panel):
    combo = panel.activation_combo
    assert [combo.itemText(i) for i in range(combo.count())] == list(ACTIVATIONS)
    assert combo.itemData(0, Qt.ToolTipRole) == ACTIVATIONS["ReLU"].description
    ctl.select(0)
    combo.activated.emit(combo.findText("Tanh"))
    assert ctl.layers[0]["config"]["activation"] == "tanh"
    assert ctl.network.layers[0].activation.key == "tanh"
    ctl.undo_stack.undo()
    assert combo.currentText() == "ReLU"


def test_frozen_toggle_changes_trainable_params(qtbot, ctl, panel):
    ctl.select(0)
    assert ctl.network.n_trainable_params == 337
    qtbot.mouseClick(panel.frozen_check, Qt.LeftButton)
    assert ctl.layers[0]["config"]["trainable"] is False
    assert ctl.network.n_trainable_params == 337 - 48
    assert panel.totals_text() == "Total: 337 parameters\nTrainable: 289 \u00b7 Frozen: 48"
    assert panel.frozen_check.isChecked() and ctl.undo_stack.count() == 1
    ctl.undo_stack.undo()
    assert not panel.frozen_check.isChecked() and ctl.network.n_trainable_params == 337


def test_dropout_rate(ctl, panel):
    ctl.insert_layer(1, "Dropout")
    assert ctl.selected == 1
    assert shown(panel.dropout_form) and not shown(panel.dense_form)
    assert panel.rate_spin.value() == pytest.approx(0.2)
    assert panel.rate_spin.maximum() == pytest.approx(0.9)
    assert panel.params_label.text().startswith("No parameters")
    panel.rate_spin.setValue(0.5)
    assert ctl.layers[1]["config"]["rate"] == 0.5
    ctl.undo_stack.undo()
    assert panel.rate_spin.value() == pytest.approx(0.2)


def test_output_layer_explains_itself_and_warns(ctl, panel):
    ctl.select(2)
    assert panel.title_label.text().startswith("Output layer")
    assert shown(panel.output_label) and panel.output_label.text() == output_explanation(ctl.dataset)
    assert not shown(panel.issue_label)
    panel.units_combo.activated.emit(panel.units_combo.findText("4"))
    assert shown(panel.issue_label) and ctl.output_issue() in panel.issue_label.text()


def test_model_changes_refresh_the_panel_without_feedback(ctl, panel):
    ctl.select(0)
    ctl.update_layer(0, units=32, activation="sigmoid", trainable=False)
    assert panel.units_combo.currentText() == "32"
    assert panel.activation_combo.currentText() == "Sigmoid"
    assert panel.frozen_check.isChecked()
    assert ctl.undo_stack.count() == 1
    ctl.select(-1)
    assert shown(panel.hint_label) and not shown(panel.dense_form)


def test_warning_wraps_without_squashing_the_form(qtbot, ctl, panel, tmp_path):
    ctl.select(2)
    ctl.update_layer(2, units=5)  # output mismatch: a long red warning
    assert shown(panel.issue_label) and panel.issue_label.wordWrap()
    for height in (420, 300, 220):  # a short dock scrolls rather than squeezing the boxes
        panel.resize(270, height)
        qtbot.wait(1)
        for box in (panel.units_combo, panel.activation_combo, panel.frozen_check):
            assert box.height() >= box.minimumSizeHint().height(), (height, box)
        assert panel.issue_label.width() <= panel.scroll.viewport().width()
        assert panel.issue_label.height() >= panel.issue_label.heightForWidth(
            panel.issue_label.width())  # all of the warning's lines
        assert shown(panel.totals_label)
    panel.grab().save(str(tmp_path / "inspector.png"))
