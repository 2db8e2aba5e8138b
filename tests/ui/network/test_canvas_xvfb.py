"""Real drag and drop (the blocking ``QDrag.exec``) under Xvfb, driven by xdotool.

Offscreen tests send the drop events by hand; this one checks that real mouse drags reach
them: palette -> canvas inserts a layer, and dragging a column reorders. It runs the window
in a child process (the test process already runs Qt offscreen) and is skipped without
``xvfb-run`` and ``xdotool`` (Debian: ``xvfb xauth xdotool libxcb-icccm4 libxcb-keysyms1``).
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.xvfb  # runs on a real X screen: see the on_xvfb fixture

CHILD = r'''
import subprocess, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget
app = QApplication(sys.argv[:1])
from nnstudio.data import load_dataset_source
from nnstudio.project import demo_project
from nnstudio.ui.network.canvas import NetworkCanvasWidget
from nnstudio.ui.controller import ProjectController
from nnstudio.ui.network.palette import LayerPaletteWidget

ctl = ProjectController()
p = demo_project()
ctl.load(p, load_dataset_source(p.data_source))
win = QWidget()
lay = QHBoxLayout(win)
pal = LayerPaletteWidget(ctl)
pal.setFixedWidth(200)
canvas = NetworkCanvasWidget(ctl)
lay.addWidget(pal)
lay.addWidget(canvas, 1)
win.setGeometry(0, 0, 1100, 400)
win.show()

def glob(widget, point):
    g = widget.mapToGlobal(point)
    return g.x(), g.y()

def drag(a, b):
    # xdotool runs beside the app: QDrag.exec blocks this thread until the button is released.
    steps = " ".join(f"mousemove {a[0] + (b[0] - a[0]) * i // 12} {a[1] + (b[1] - a[1]) * i // 12} sleep 0.03"
                     for i in range(1, 13))
    subprocess.Popen(["sh", "-c", f"xdotool mousemove {a[0]} {a[1]} sleep 0.1 mousedown 1 sleep 0.1 "
                                  f"{steps} sleep 0.1 mouseup 1"])

def gap(before):
    a, b = canvas.column_center(before - 1), canvas.column_center(before)
    return glob(canvas, (a + b) / 2)

steps = [
    lambda: drag(glob(pal, pal.visualItemRect(pal.item(1)).center()), gap(1)),  # Dropout
    lambda: drag(glob(canvas, canvas.column_center(1)), gap(0)),               # move it first
]
def next_step():
    print("LAYERS", [l["class"] for l in ctl.layers], flush=True)
    print("PALETTE SELECTED", len(pal.selectedItems()), flush=True)
    if steps:
        QTimer.singleShot(300, steps.pop(0))
    else:
        QTimer.singleShot(100, app.quit)
ctl.network_changed.connect(next_step)
QTimer.singleShot(800, next_step)
QTimer.singleShot(20000, app.quit)  # never hang the suite
app.exec()
ctl.undo_stack.clear()
'''


def test_real_drags_insert_and_reorder_layers(on_xvfb):
    out = on_xvfb(CHILD)
    layers = [line for line in out.stdout.splitlines() if line.startswith("LAYERS")]
    assert layers[1:] == ["LAYERS ['Dense', 'Dropout', 'Dense', 'Dense']",
                          "LAYERS ['Dropout', 'Dense', 'Dense', 'Dense']"], out.stdout + out.stderr
    # The row the drag came from is not left highlighted, as if that kind were "chosen".
    selected = [line for line in out.stdout.splitlines() if line.startswith("PALETTE SELECTED")]
    assert selected[-1] == "PALETTE SELECTED 0", out.stdout  # printed after the drag ended
