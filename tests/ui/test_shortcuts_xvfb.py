"""Keyboard shortcuts on a real X11 platform (Xvfb): the key bindings of the platform theme
differ from the offscreen platform's (on X11, the standard Redo key is Ctrl+Shift+Z), so a
clash that offscreen tests cannot see is checked here, with real key presses from xdotool.
Skipped without ``xvfb-run`` and ``xdotool``."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.xvfb  # runs on a real X screen: see the on_xvfb fixture

CHILD = r'''
import subprocess, sys
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from nnstudio.ui.main_window import MainWindow

win = MainWindow(settings_scope="tests-xvfb")
win.files.open_demo()
win.setGeometry(0, 0, 1200, 800)
win.show()
seen = {}
for action in win.findChildren(QAction):
    for key in action.shortcuts():
        seen.setdefault(key.toString(), []).append(action.text())
print("CLASHES", sorted(k for k, v in seen.items() if len(v) > 1), flush=True)

def key(k):
    subprocess.run(["xdotool", "key", "--clearmodifiers", k])

def run():
    win.activateWindow()
    win.canvas.setFocus()
    win.ctl.insert_layer(0, "Dropout")
    counts = [len(win.ctl.layers)]
    for k in ("ctrl+z", "ctrl+shift+z", "ctrl+z", "ctrl+y"):
        key(k)
        app.processEvents()
        counts.append(len(win.ctl.layers))
    print("LAYERS", counts, flush=True)
    win.ctl._set_dirty(False)
    app.quit()

QTimer.singleShot(800, run)
QTimer.singleShot(20000, app.quit)  # never hang the suite
app.exec()
'''


def test_shortcuts_do_not_clash_and_redo_works_by_keyboard(on_xvfb):
    out = on_xvfb(CHILD)
    assert "CLASHES []" in out.stdout, out.stdout + out.stderr
    assert "LAYERS [4, 3, 4, 3, 4]" in out.stdout, out.stdout + out.stderr
