"""The command line does not lose work or fail late: Ctrl+C while saving, unwritable --save
targets, bad seeds, unknown commands, and the entry points' start-up for frozen builds."""
from __future__ import annotations

import os
import runpy
import signal
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import pytest

from nnstudio.cli import main
from nnstudio.project import Project, load_project, save_project

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    """``main(argv)`` -> (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err):
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("nnstudio: error: ") and "Traceback" not in err


# ------------------------------------------------------------------ Ctrl+C while saving
#: Runs `nnstudio` with the file-writing step patched to press Ctrl+C (SIGINT) ``presses``
#: times just as the archive is being written, i.e. at the moment of saving.
CTRL_C_WHILE_SAVING = """
import os, signal, sys
import nnstudio.project.fileformat as fileformat
from nnstudio.cli import main

real_write = fileformat._write_archive
presses = int(sys.argv[1])

def write_while_ctrl_c(*args, **kwargs):
    for _ in range(presses):
        os.kill(os.getpid(), signal.SIGINT)
    return real_write(*args, **kwargs)

fileformat._write_archive = write_while_ctrl_c
code = main(sys.argv[2:])
assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "handler not restored"
sys.exit(code)
"""


def run_ctrl_c_while_saving(presses: int, *argv) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", CTRL_C_WHILE_SAVING, str(presses),
                           *map(str, argv)], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def untrained_spiral(tmp_path):
    from nnstudio.data import load_builtin
    from nnstudio.project import default_network_config

    spiral = load_builtin("spiral")
    path = tmp_path / "spiral.nnproj"
    save_project(Project(name="Spiral", data_source=spiral.source,
                         network=default_network_config(spiral, hidden=(8,))), path)
    return path


def test_ctrl_c_during_the_save_finishes_the_save_then_exits_130(untrained_spiral):
    done = run_ctrl_c_while_saving(1, "train", untrained_spiral, "--epochs", 5,
                                   "--save", untrained_spiral)
    assert done.returncode == 130, done.stderr
    project = load_project(untrained_spiral)  # the old, untrained file was replaced
    assert project.is_trained and project.epochs_trained == 5
    assert len(project.history["epoch"]) == 5
    assert "saved first" in done.stderr and "Traceback" not in done.stderr
    assert [p.name for p in untrained_spiral.parent.iterdir()] == [untrained_spiral.name]


def test_a_second_ctrl_c_abandons_the_save_and_keeps_the_old_file(untrained_spiral):
    done = run_ctrl_c_while_saving(2, "train", untrained_spiral, "--epochs", 5,
                                   "--save", untrained_spiral)
    assert done.returncode == 130, done.stderr
    assert not load_project(untrained_spiral).is_trained  # the old file, whole
    assert [p.name for p in untrained_spiral.parent.iterdir()] == [untrained_spiral.name]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("before", [signal.SIG_DFL, signal.SIG_IGN, signal.default_int_handler])
def test_holding_ctrl_c_back_puts_the_previous_handler_back(before):
    # SIG_DFL is 0: restoring "previous or Python's default" turned it into Python's default.
    from nnstudio.commands.safe_save import DeferCtrlC

    old = signal.signal(signal.SIGINT, before)
    try:
        with DeferCtrlC():
            assert signal.getsignal(signal.SIGINT) not in (before, old)
        assert signal.getsignal(signal.SIGINT) == before
    finally:
        signal.signal(signal.SIGINT, old)


# ------------------------------------------------------------------ --save checked before training
def assert_refused_before_training(capsys, target, *words):
    code, out, err = run(capsys, "train", "--dataset", "spiral", "--epochs", 3, "--save", target)
    assert_one_line_error(code, err)
    assert out == ""  # no "Training on ...", no epoch line: nothing was trained
    for word in words:
        assert word in err, err


def test_save_into_a_missing_folder_is_refused_before_training(capsys, tmp_path):
    assert_refused_before_training(capsys, tmp_path / "nope" / "x.nnproj", "does not exist")


def test_save_onto_a_folder_is_refused_before_training(capsys, tmp_path):
    assert_refused_before_training(capsys, tmp_path, "is a folder")


def test_save_inside_a_file_is_refused_before_training(capsys, tmp_path):
    (tmp_path / "notes.txt").write_text("hi")
    assert_refused_before_training(capsys, tmp_path / "notes.txt" / "x.nnproj",
                                   "is a file, not a folder")


def test_save_into_a_read_only_folder_is_refused_before_training(capsys, tmp_path):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert_refused_before_training(capsys, folder / "x.nnproj", "permission denied")
    finally:
        folder.chmod(0o700)


def test_save_where_even_root_cannot_write_is_refused_before_training(capsys):
    """/sys refuses new files even to root: the read-only case for tests run as root."""
    try:
        fd, name = tempfile.mkstemp(dir="/sys")
    except OSError:
        pass
    else:  # pragma: no cover - not Linux, or an unusual /sys
        os.close(fd)
        os.unlink(name)
        pytest.skip("/sys accepts new files here")
    if not os.path.isdir("/sys"):
        pytest.skip("no /sys")
    assert_refused_before_training(capsys, "/sys/x.nnproj", "choose another place")


# ------------------------------------------------------------------ seeds
@pytest.mark.parametrize("argv", [
    ["train", "--dataset", "spiral", "--seed", "-1"],
    ["train", "--dataset", "spiral", "--data-seed", "-1"],
    ["train", "--dataset", "spiral", "--seed", "x"],
])
def test_negative_seed_is_a_plain_message(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert_one_line_error(code, err)
    assert ">= 0" in err and argv[-2] in err


# ------------------------------------------------------------------ unknown commands
def test_unknown_command_lists_the_commands(capsys):
    code, out, err = run(capsys, "export", "x")
    assert_one_line_error(code, err)
    assert "unknown command 'export'" in err
    for command in ("train", "evaluate", "datasets"):
        assert command in err
    code, _, err = run(capsys, "evalute", "p.nnproj")
    assert_one_line_error(code, err)
    assert "did you mean 'evaluate'" in err


def test_project_paths_still_open_the_window(monkeypatch, tmp_path):
    seen = []
    fake = types.ModuleType("nnstudio.ui.app")
    fake.run_app = lambda argv: seen.append(argv) or 0
    monkeypatch.setitem(sys.modules, "nnstudio.ui.app", fake)
    monkeypatch.chdir(tmp_path)
    Path("mywork").write_text("")  # an existing file without the suffix
    argvs = [["some.nnproj"], ["Some.NNPROJ"], ["mywork"], [str(tmp_path / "x.nnproj")],
             ["--demo"], ["folder/p"]]
    for argv in argvs:
        assert main(argv) == 0
    assert seen == argvs


# ------------------------------------------------------------------ frozen builds
def test_main_calls_freeze_support_first(monkeypatch, capsys):
    import multiprocessing

    calls = []
    monkeypatch.setattr(multiprocessing, "freeze_support", lambda: calls.append("freeze"))
    assert main(["datasets", "--json"]) == 0
    assert calls == ["freeze"]


def test_python_m_nnstudio_calls_freeze_support_and_only_runs_as_main(monkeypatch):
    import multiprocessing

    import nnstudio.cli

    calls = []
    monkeypatch.setattr(multiprocessing, "freeze_support", lambda: calls.append("freeze"))
    monkeypatch.setattr(nnstudio.cli, "main", lambda: calls.append("main") or 0)
    with pytest.raises(SystemExit) as stop:
        runpy.run_module("nnstudio", run_name="__main__")
    assert stop.value.code == 0 and calls == ["freeze", "main"]
    # A Windows child process imports the main module as __mp_main__: no second window.
    calls.clear()
    runpy.run_module("nnstudio", run_name="__mp_main__")
    assert calls == []


# ------------------------------------------------------------------ missing values
def test_missing_values_in_a_projects_csv_name_the_command_line_remedy(capsys, tmp_path):
    csv_path = tmp_path / "data.csv"
    rows = ["a,b,kind"] + [f"{i % 7},{i % 5},{'x' if i % 2 else 'y'}" for i in range(60)]
    csv_path.write_text("\n".join(rows) + "\n")
    project = tmp_path / "p.nnproj"
    assert main(["train", "--csv", str(csv_path), "--epochs", "2", "--save", str(project),
                 "--quiet"]) == 0
    rows[7] = "3,,x"  # the file was edited after the project was saved: now it has a gap
    csv_path.write_text("\n".join(rows) + "\n")
    capsys.readouterr()
    for argv in (["train", project, "--epochs", 1], ["evaluate", project]):
        code, _, err = run(capsys, *argv)
        assert_one_line_error(code, err)
        assert "'b' 1 row(s)" in err and "--missing drop" in err and "--csv" in err, err

    code, _, err = run(capsys, "train", "--csv", csv_path, "--epochs", 1)
    assert_one_line_error(code, err)
    assert "--missing drop" in err and "import options" not in err
