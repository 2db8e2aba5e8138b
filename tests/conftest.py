"""Suite-wide set-up: headless Qt, and no QThread left running after a Qt test.

Test files are imported with ``--import-mode=importlib`` (see pyproject.toml), so the
folders under ``tests/`` need no ``__init__.py`` and may hold files of the same name;
the price is that test modules cannot import one another: shared helpers go in
``conftest.py`` files as fixtures.
"""
from __future__ import annotations

import gc
import os
import sys

# Before anything imports Qt: the platform plugin is chosen when the QApplication is made,
# and without a display xcb aborts the whole process (exit 134).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Settings, recent files and recovery copies go to a folder of this run's own: two test runs
# at once (or a run beside the real app) otherwise share and delete each other's recovery copy.
if "NNSTUDIO_TEST_HOME" not in os.environ:
    import atexit
    import shutil
    import tempfile

    os.environ["NNSTUDIO_TEST_HOME"] = tempfile.mkdtemp(prefix="nnstudio-tests-")
    atexit.register(shutil.rmtree, os.environ["NNSTUDIO_TEST_HOME"], True)
    for _var, _sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config")):
        os.environ[_var] = os.path.join(os.environ["NNSTUDIO_TEST_HOME"], _sub)

import pytest  # noqa: E402


def _running_qthreads() -> list:
    """Return the QThread objects known to Python that are running, except the main one."""
    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is None:
        return []
    import shiboken6

    main = shiboken6.getCppPointer(qtcore.QThread.currentThread())
    running = []
    # type() rather than isinstance(): isinstance reads __class__, which raises on a dead
    # weakref proxy.
    for obj in gc.get_objects():
        if not issubclass(type(obj), qtcore.QThread):
            continue
        try:
            if shiboken6.isValid(obj) and obj.isRunning() and shiboken6.getCppPointer(obj) != main:
                running.append(obj)
        except RuntimeError:  # the C++ object went away meanwhile
            continue
    return running


@pytest.fixture(autouse=True)
def _no_thread_left_running(request: pytest.FixtureRequest):
    """Fail a Qt test that leaves a QThread running.

    A QThread destroyed while running aborts the process (exit 134), which would end the
    whole run with no report; this names the test instead. Only tests that use the
    ``qtbot`` or ``qapp`` fixture are checked (a gc scan costs ~15 ms), and pytest-qt has
    already closed their widgets, so a ``closeEvent`` that stops its worker has run.
    """
    yield
    if not {"qtbot", "qapp"} & set(request.fixturenames):
        return
    leftovers = _running_qthreads()
    if not leftovers:
        return
    names = ", ".join(type(t).__name__ for t in leftovers)
    for thread in leftovers:  # stop them, so that one failure does not abort the rest
        thread.quit()
        thread.wait(5000)
    pytest.fail(
        f"{len(leftovers)} QThread(s) still running after the test: {names}. "
        "Stop the worker, then quit() and wait() its thread (e.g. in closeEvent).",
        pytrace=False,
    )


def write_user_test_csv(path):
    """The 50-row file from the new-user test: id, date, age (NA), city, income ('unknown'), label.

    The labels hold 'yes', 'no', one 'Yes', one empty cell and padded spellings (' yes ',
    'no' + no-break space); one city is 'paris' among 'Paris'. Missing feature cells: age 2
    ('NA'), income 2 ('unknown', 'N/A').
    """
    cities = ["Paris", "Berlin", "Rome", "Madrid", "Lyon"]
    lines = ["id,date,age,city,income,label"]
    for i in range(50):
        age = "NA" if i in (4, 31) else str(20 + (i * 7) % 45)
        income = {9: "unknown", 26: "N/A"}.get(i, str(30000 + (i * 37) % 50 * 1000))
        label = "yes" if (i * 5) % 9 < 5 else "no"
        label = {13: "Yes", 40: "", 7: " yes ", 8: "no\u00a0"}.get(i, label)
        city = "paris" if i == 18 else cities[i % 5]
        lines.append(f"{i + 1},2023-{1 + i // 28:02d}-{1 + i % 28:02d},{age},{city},{income},{label}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def write_user_csv():
    """Writes the new-user-test CSV (see :func:`write_user_test_csv`) to a given path."""
    return write_user_test_csv
