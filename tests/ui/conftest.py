"""Fixtures shared by the widget tests: a real controller holding the demo project."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

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
