"""The window's layout and keyboard: small screens, the mouse wheel over settings, shortcuts
and Alt letters that never clash."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractSpinBox, QApplication

from nnstudio.ui.main_window import MainWindow

# Windows made here rather than by the window fixture keep their settings apart too.
pytestmark = pytest.mark.usefixtures("isolated_settings")


def test_the_wheel_scrolls_panels_instead_of_changing_unfocused_settings(window):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent

    spin = window.training_panel.seed
    before = spin.value()
    window.activateWindow()
    window.canvas.setFocus()
    centre = QPointF(spin.rect().center())
    wheel = QWheelEvent(centre, QPointF(spin.mapToGlobal(spin.rect().center())), QPoint(0, 0),
                        QPoint(0, 120), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(spin, wheel)
    assert spin.value() == before
    spin.setFocus()
    QApplication.sendEvent(spin, wheel)
    assert spin.value() == before + 1  # once chosen, the wheel edits it as usual


def test_no_two_shortcuts_collide(window):
    """A key sequence given twice (one action or two) is ambiguous to Qt: it then does nothing."""
    seen = {}
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            text = key.toString()
            assert text not in seen, f"{text} on {seen.get(text)!r} and {action.text()!r}"
            seen[text] = action.text()
    assert {"Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Y", "F5", "F6", "Shift+F5", "F10"} <= set(seen)


def test_a_real_wheel_turn_over_the_data_panel_scrolls_it(window, qtbot):
    """Through the window and the app-wide wheel guard, as a mouse sends it: over a setting that
    was not clicked, the panel scrolls and the setting stays."""
    from PySide6.QtCore import QPointF
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QScrollArea

    window.resize(1280, 720)
    qtbot.waitExposed(window)
    QApplication.processEvents()
    scroll = window.data_panel.findChild(QScrollArea)
    bar = scroll.verticalScrollBar()
    assert bar.maximum() > 0
    window.canvas.setFocus()
    spin = window.data_panel.findChild(QAbstractSpinBox)
    before, start = spin.value(), bar.value()
    spot = spin.mapTo(window, spin.rect().center())
    QTest.wheelEvent(window.windowHandle(), QPointF(spot), QPoint(0, -120))  # wheel down
    assert bar.value() > start and spin.value() == before


def test_alt_letters_in_the_window_are_all_different(window):
    """Alt+letter opens a menu or jumps to a labelled setting: one letter, one place."""
    import re

    from PySide6.QtWidgets import QAbstractButton, QLabel

    owners = {}

    def add(text, owner):
        m = re.search(r"&([^&\s])", text.replace("&&", ""))
        if m:
            owners.setdefault(m.group(1).lower(), []).append(owner)

    for action in window.menuBar().actions():
        add(action.text(), f"menu {action.text()}")
    for label in window.findChildren(QLabel):
        if label.buddy() is not None and label.isVisibleTo(window):
            add(label.text(), f"label {label.text()}")
    for button in window.findChildren(QAbstractButton):
        if button.isVisibleTo(window):
            add(button.text(), f"button {button.text()}")
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    assert not clashes
    assert {"f", "e", "t", "v", "h"} <= set(owners)


def test_a_small_laptop_screen_shows_every_run_button(qtbot):
    from PySide6.QtCore import QRect

    QSettings().remove("tests-small-screen")  # the default layout, not a saved one
    w = MainWindow(settings_scope="tests-small-screen")
    qtbot.addWidget(w)
    w.files.open_demo()
    w.show()
    dock = w._docks["training_dock"]
    for size in ((1366, 768), (1280, 720)):
        w.resize(*size)
        qtbot.waitExposed(w)
        QApplication.processEvents()
        for key in ("train", "pause", "stop", "step", "reset"):
            button = getattr(w.training_panel, f"{key}_button")
            rect = QRect(button.mapTo(dock, QPoint(0, 0)), button.size())
            assert dock.rect().contains(rect), f"{size}: {key} outside ({rect}, {dock.rect()})"
            assert button.width() >= button.sizeHint().width(), f"{size}: {key} squeezed"
    w.ctl._set_dirty(False)
