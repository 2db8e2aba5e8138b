"""The architecture's one hard rule, checked: engine, data and project never import Qt.

Each check runs in a fresh interpreter, because this test process may already have
imported Qt for other tests. Every submodule is imported, not just the package, so a Qt
import hidden in a module that ``__init__`` does not load is still caught.
"""
from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
GUI_PREFIXES = ("PySide6", "shiboken6", "pyqtgraph", "PyQt")
QT_FREE_PACKAGES = ["nnstudio.engine", "nnstudio.data", "nnstudio.project", "nnstudio.trainer",
                    "nnstudio.doctor", "nnstudio.explain"]

# Imports the package, then each submodule, and reports which module first pulled in
# which GUI package: {"nnstudio.data.foo": ["PySide6", "shiboken6"], ...}.
_IMPORT_ALL = """
import importlib, json, pkgutil, sys
prefixes = tuple(sys.argv[2:])
def gui():
    return {m.split(".")[0] for m in sys.modules if m.split(".")[0].startswith(prefixes)}
culprits, seen = {}, gui()
def load(name):
    global seen
    module = importlib.import_module(name)
    new = gui() - seen
    if new:
        culprits[name] = sorted(new)
        seen |= new
    return module
package = load(sys.argv[1])
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    load(info.name)
print(json.dumps(culprits))
"""


def _run_python(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    # Import the source tree even when nnstudio is not pip-installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _package_exists(name: str) -> bool:
    """Whether the source tree has package ``name`` (a folder with an ``__init__.py``).

    Looked up in the repository, not on sys.path, so it answers the same whether or not
    nnstudio is pip-installed; a bare folder (namespace package, ``origin`` None) does not
    count yet.
    """
    parent, _, child = name.rpartition(".")
    search_path = [str(REPO_ROOT.joinpath(*parent.split(".")))]
    spec = importlib.machinery.PathFinder.find_spec(child, search_path)
    return spec is not None and spec.origin is not None


@pytest.mark.parametrize("package", QT_FREE_PACKAGES)
def test_package_does_not_import_gui_libraries(package: str) -> None:
    if not _package_exists(package):
        pytest.skip(f"{package} does not exist yet")
    result = _run_python("-c", _IMPORT_ALL, package, *GUI_PREFIXES)
    assert result.returncode == 0, f"importing {package} failed:\n{result.stderr}"
    culprits = json.loads(result.stdout.strip().splitlines()[-1])
    assert not culprits, f"{package} must stay free of Qt and pyqtgraph, but " + "; ".join(
        f"importing {module} loaded {', '.join(gui)}" for module, gui in culprits.items()
    )


def test_cli_help_exits_0() -> None:
    if not (REPO_ROOT / "nnstudio" / "cli.py").exists():
        pytest.skip("nnstudio/cli.py does not exist yet")
    result = _run_python("-m", "nnstudio", "--help")
    assert result.returncode == 0, (
        f"python -m nnstudio --help exited {result.returncode}:\n{result.stdout}{result.stderr}"
    )
    assert result.stdout.strip(), "python -m nnstudio --help printed nothing"
