"""Fixtures shared by the widget tests: a real controller holding the demo project."""
from __future__ import annotations

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
