"""The linter (ruff) finds nothing in the repository; the type checker (mypy) nothing in the
Qt-free code.

ruff reads every Python file of the repository: the package (Qt code included), the tests, the
benchmarks, the packaging and resource scripts. mypy reads the Qt-free code: every package of
``nnstudio`` but ``ui`` (engine, data, project, trainer, doctor, commands, ...) plus the modules
at the top (``cli.py``, ``errors.py``, ...). Both tools read their settings from pyproject.toml.
CI installs them with the ``test`` extra; elsewhere the tests are skipped with the reason when a
tool is missing.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def qt_free_paths() -> list[str]:
    """``nnstudio/<package>`` and ``nnstudio/<module>.py`` for everything but ``nnstudio/ui``,
    relative to the repository root."""
    package = ROOT / "nnstudio"
    paths = [p for p in package.iterdir()
             if p.name != "ui" and ((p.is_dir() and (p / "__init__.py").is_file()) or p.suffix == ".py")]
    return sorted(str(p.relative_to(ROOT).as_posix()) for p in paths)


def run_tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_ruff_finds_nothing_in_the_repository():
    # The whole tree (the Qt-free code included): what `ruff check .` at the root reads.
    pytest.importorskip("ruff", reason="ruff is not installed (pip install -e '.[test]')")
    done = run_tool("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, f"ruff check found problems:\n{done.stdout}{done.stderr}"


def test_ruff_reads_every_python_file_in_git():
    # An exclude in pyproject.toml (or a .gitignore line) must not quietly take a tracked
    # script out of the check above.
    pytest.importorskip("ruff", reason="ruff is not installed (pip install -e '.[test]')")
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    listed = run_tool("ruff", "check", "--no-cache", "--show-files", ".").stdout.splitlines()
    checked = {Path(line).resolve().relative_to(ROOT).as_posix() for line in listed if line.strip()}
    assert tracked and not set(tracked) - checked, sorted(set(tracked) - checked)


def test_mypy_finds_nothing_in_the_qt_free_code(tmp_path):
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
    # A fresh cache: nothing left over from another checkout or mypy version can hide an error.
    done = run_tool("mypy", "--cache-dir", str(tmp_path / "mypy_cache"), *qt_free_paths())
    assert done.returncode == 0, f"mypy found problems:\n{done.stdout}{done.stderr}"


def test_mypy_settings_name_the_same_qt_free_code():
    # `mypy` run bare (its `files` setting) checks what this test checks: a new package is
    # added to pyproject.toml too.
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")
    with open(ROOT / "pyproject.toml", "rb") as f:
        files = tomllib.load(f)["tool"]["mypy"]["files"]
    assert sorted(files) == qt_free_paths()
