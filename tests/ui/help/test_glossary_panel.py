"""The glossary window: opened from the Help menu (Shift+F1) and by glossary: links, at the
linked word; its see-also links and search move through the words."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel

from nnstudio.errors import NNStudioError
from nnstudio.explain.glossary import ENTRIES
from nnstudio.ui.help.glossary_panel import GlossaryDialog, GlossaryPanel, entry_html
from nnstudio.ui.help.links import (
    connect_glossary_links,
    follow_link,
    glossary_link,
    glossary_tip,
    key_in,
    key_near,
)


def shown_glossary(window) -> GlossaryDialog:
    dialog = GlossaryDialog.for_window(window)
    assert dialog.isVisible()
    return dialog


def test_help_menu_opens_the_glossary_with_shift_f1(window, qtbot):
    action = window.actions["glossary"]
    assert action.shortcut() == QKeySequence("Shift+F1")
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert action in help_menu.actions()
    action.trigger()
    dialog = shown_glossary(window)
    qtbot.waitExposed(dialog)
    assert dialog.panel.current_key() in ENTRIES
    assert dialog.panel.text.toPlainText().strip()


def test_a_glossary_link_opens_the_panel_at_that_word(window):
    follow_link("glossary:learning_rate", window.canvas)
    panel = shown_glossary(window).panel
    assert panel.current_key() == "learning_rate"
    assert "Learning rate" in panel.text.toPlainText()
    follow_link("glossary:epoch", window.canvas)
    assert panel.current_key() == "epoch"
    assert GlossaryDialog.for_window(window).panel is panel  # one glossary per window


def test_a_caption_link_opens_the_glossary(window, qtbot):
    label = QLabel(f"The {glossary_link('loss', 'loss')} fell.")
    qtbot.addWidget(label)
    window.messages.layout().addWidget(label)  # a caption somewhere in the window
    connect_glossary_links(label)
    label.linkActivated.emit("glossary:loss")
    assert shown_glossary(window).panel.current_key() == "loss"


def test_shift_f1_opens_at_the_word_of_the_setting_in_use(window):
    panel = window.training_panel
    assert key_near(panel.lr_box) == "learning_rate"
    assert key_in(panel.batch.toolTip()) == "batch"
    assert key_in(panel.epochs.toolTip()) == "epoch"
    assert key_in(panel.l2.toolTip()) == "l2_penalty"
    assert "From 1e-05 to 10" in panel.lr_box.toolTip()  # the tooltip keeps its own words
    panel.lr_box.setFocus()
    window.activateWindow()
    if window.focusWidget() is not panel.lr_box:
        pytest.skip("no keyboard focus on this platform")
    window.actions["glossary"].trigger()
    assert shown_glossary(window).panel.current_key() == "learning_rate"


def test_see_also_links_and_search_move_through_the_words(qtbot):
    panel = GlossaryPanel()
    qtbot.addWidget(panel)
    panel.show_entry("gradient")
    assert 'href="glossary:backward_pass"' in entry_html("gradient")
    panel.text.anchorClicked.emit(QUrl("glossary:backward_pass"))
    assert panel.current_key() == "backward_pass"
    panel.search.setText("weight decay")
    visible = [panel.list.item(i).text() for i in range(panel.list.count())
               if not panel.list.item(i).isHidden()]
    assert visible == ["L2 penalty"] and panel.current_key() == "l2_penalty"
    panel.show_entry("softmax")  # a word the search hides: the search is cleared
    assert panel.search.text() == "" and panel.current_key() == "softmax"


def test_links_are_checked_and_escaped():
    assert glossary_link("epoch", "epochs <all>") == '<a href="glossary:epoch">epochs &lt;all&gt;</a>'
    with pytest.raises(NNStudioError, match="no entry 'epochz'"):
        glossary_link("epochz", "x")
    tip = glossary_tip("A < B, and 1 = off.", "dropout")
    assert "A &lt; B" in tip and "Dropout" in tip and "Shift+F1" in tip
    assert key_in(tip) == "dropout" and key_in("no link here") is None


def test_data_and_layer_settings_link_their_words(window):
    split = window.data_panel.split_editor
    assert key_in(split.standardize_check.toolTip()) == "standardisation"
    assert key_in(split.summary_label.toolTip()) == "validation_data"
    assert key_in(window.data_panel.summary_label.toolTip()) == "sample"
    assert key_in(window.inspector.activation_combo.toolTip()) == "activation"
    assert key_in(window.inspector.rate_spin.toolTip()) == "dropout"
    assert key_near(window.inspector.rate_spin) == "dropout"


def test_getting_started_points_to_the_glossary_and_the_rows(window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text: shown.append(text))
    window.actions["help"].trigger()
    assert "Glossary</i> (Shift+F1)" in shown[0] and "<i>Rows</i>" in shown[0]
