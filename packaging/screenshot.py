"""Render the README screenshot: the demo project paused mid-training, one sample under the
magnifying glass (resources/screenshot.png).

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/screenshot.py [OUT.png]
"""
from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nnstudio.ui.main_window import MainWindow  # noqa: E402


def main() -> int:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "resources",
                                                             "screenshot.png")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    w = MainWindow(settings_scope="screenshot")
    w.files.open_demo()
    w.resize(1440, 900)
    w.show()
    w.ctl.set_training(epochs=100_000, learning_rate=0.003)
    w.runner.start()
    clock = QElapsedTimer()
    clock.start()
    while len(w.ctl.project.history["epoch"]) < 120 and clock.elapsed() < 60_000:
        app.processEvents()
    w.runner.pause()
    while w.runner.state != "paused" and clock.elapsed() < 60_000:
        app.processEvents()
    w.views.setCurrentWidget(w.views.boundary)
    # One sample under the magnifying glass, in the backward stage: the window's lesson.
    w.ctl.choose_sample(7)
    for _ in range(20):
        app.processEvents()
    w.magnifier.set_stage(4)
    for _ in range(50):
        app.processEvents()
    ok = w.grab().save(out)
    w.runner.stop()
    w.ctl._set_dirty(False)
    w.close()
    print(f"wrote {os.path.abspath(out)}" if ok else "could not write the picture")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
