"""Fixtures shared by the widget tests: a real controller holding the demo project, and the
whole window (``window``, ``open_window``) with the helpers that drive it (``fastest``,
``wait_idle``, ``train_to_the_end``).

The tests run with ``--import-mode=importlib``: test modules cannot import one another or this
file, so shared helpers are fixtures (those that are functions return the function).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QMessageBox

from nnstudio.data import load_dataset_source
from nnstudio.project import demo_project
from nnstudio.ui.controller import ProjectController


@pytest.fixture
def ctl():
    """Spiral demo: 2 inputs -> Dense 16 -> Dense 16 -> 1 sigmoid."""
    ctl = ProjectController()
    project = demo_project()
    ctl.load(project, load_dataset_source(project.data_source))
    yield ctl
    ctl.undo_stack.clear()


@pytest.fixture
def messages(ctl):
    """Every (text, level) the controller posts to the window's message bar."""
    got = []
    ctl.message_posted.connect(lambda text, level: got.append((text, level)))
    return got


@pytest.fixture
def on_xvfb(tmp_path):
    """``run(script)``: Python source run on a real 1280x800 X screen (Xvfb) in a child process,
    as the test process already runs Qt offscreen; returns the completed process. Skips where
    ``xvfb-run`` or ``xdotool`` is missing (Debian: xvfb xauth xdotool libxcb-icccm4
    libxcb-keysyms1)."""
    if not (shutil.which("xvfb-run") and shutil.which("xdotool")):
        pytest.skip("needs xvfb-run and xdotool")

    def run(script: str, timeout: int = 60) -> subprocess.CompletedProcess:
        path = tmp_path / "child.py"
        path.write_text(script)
        env = dict(os.environ, QT_QPA_PLATFORM="xcb")
        return subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable,
                               str(path)], env=env, capture_output=True, text=True, timeout=timeout)
    return run


# ---------------------------------------------------------------------- the whole window
@pytest.fixture
def isolated_settings(tmp_path):
    """Settings and recovery files of tests never touch the user's own. Modules that make
    windows of their own use it for every test: ``pytestmark = pytest.mark.usefixtures(...)``."""
    QSettings.setPath(QSettings.NativeFormat, QSettings.UserScope, str(tmp_path / "settings"))
    QStandardPaths.setTestModeEnabled(True)


@pytest.fixture
def fastest():
    """``fastest(w)``: the demo opens at a watchable speed; tests train it as fast as possible."""
    def fastest(w) -> None:
        w.training_panel.speed.setValue(w.training_panel.speed.maximum())
        w.ctl._set_dirty(False)
    return fastest


@pytest.fixture
def open_window(qtbot, monkeypatch, isolated_settings, fastest):
    """``open_window(scope="tests", fast=True)``: a shown 1360x860 main window holding the demo,
    trained at full speed unless ``fast`` is False. ``QMessageBox.question`` answers
    ``w.answers["question"]`` (Yes unless a test says otherwise). Every window's run is
    stopped at the end."""
    answers = {"question": QMessageBox.Yes}
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers["question"])
    windows = []

    def open_window(scope: str = "tests", fast: bool = True):
        from nnstudio.ui.main_window import MainWindow

        QSettings("nnstudio", scope).clear()  # the default layout, not a saved one
        w = MainWindow(settings_scope=scope)
        qtbot.addWidget(w)
        w.files.open_demo()
        if fast:
            fastest(w)
        w.resize(1360, 860)
        w.show()
        qtbot.waitExposed(w)
        w.answers = answers
        windows.append(w)
        return w

    yield open_window
    for w in windows:
        w.runner.stop()
        w.ctl._set_dirty(False)


@pytest.fixture
def window(open_window):
    """The main window with the demo, trained at full speed (see :func:`open_window`)."""
    return open_window()


@pytest.fixture
def wait_idle(qtbot):
    """``wait_idle(w)``: wait until the window's run has ended."""
    def wait_idle(w, timeout: int = 60_000) -> None:
        qtbot.waitUntil(lambda: w.runner.state == "idle", timeout=timeout)
    return wait_idle


@pytest.fixture
def train_to_the_end(wait_idle):
    """``train_to_the_end(w, epochs)``: press Train for ``epochs`` epochs and wait until the
    run has finished."""
    def train_to_the_end(w, epochs: int) -> None:
        w.ctl.set_training(epochs=epochs)
        w.actions["train"].trigger()
        wait_idle(w)
    return train_to_the_end
