"""A non-editable install works: what ``pip install .`` gives a user, not the source tree.

The module builds a wheel from a copy of the working tree (never writing into the repository),
installs it into a fresh virtual environment and runs that environment's ``nnstudio`` from a
folder outside the repository, where the source tree is not importable. Files the package
needs at run time but the wheel lacks (the bundled data sets were such files once) show up
here and nowhere else: every other test imports the source tree. The last test imports the
wheel itself as a zip archive, the one kind of install where the files have no folder.

Offline and quick (~10 s): the wheel is built with this environment's setuptools
(``--no-build-isolation``, no download; the ``test`` extra brings setuptools >= 77), and the
new environment has no pip and no copies of numpy / PySide6 / pyqtgraph: a ``.pth`` file points
it at the folders of this environment that hold them.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from nnstudio.data.bundled import BUNDLED

REPO_ROOT = Path(__file__).resolve().parents[1]
# Import names of nnstudio's run-time dependencies (pyproject.toml [project] dependencies).
DEPENDENCIES = ("numpy", "PySide6", "shiboken6", "pyqtgraph", "PIL")
# Not part of a build: environments, build output, caches (as .gitignore lists them).
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                    "*.pyc", ".pytest_cache", ".hypothesis", "shots")
SHIPPED_DATA = {f"nnstudio/resources/datasets/{spec.file}" for spec in BUNDLED.values()} | {
    f"nnstudio/resources/datasets/{name}" for name in ("SOURCES.md", "mnist_10k.npz", "flower.jpg",
                                                       "china.jpg")}
# Rows in each shipped file (tests/data/test_data_bundled.py checks the values themselves).
ROWS = {"iris": 150, "wine": 178, "breast_cancer": 569, "digits": 1797}


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 120) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, (f"{' '.join(map(str, args))} exited {result.returncode}\n"
                                    f"{result.stdout}\n{result.stderr}")
    return result


def _user_env() -> dict[str, str]:
    """This process's environment without anything that could make the repository importable."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV",
                        "NNSTUDIO_RESOURCES")}
    env["PYTHONNOUSERSITE"] = "1"      # ~/.local is not the new environment either
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


@pytest.fixture(scope="module")
def install(tmp_path_factory) -> dict[str, Path]:
    """Build the wheel and install it into a new virtual environment; return the paths."""
    have = version("setuptools")
    assert tuple(int(p) for p in have.split(".")[:2]) >= (77, 0), (
        f"building the wheel offline needs setuptools >= 77 in this environment, got {have}: "
        "install the test extra (pip install -e '.[test]')")
    tmp = tmp_path_factory.mktemp("install")

    # A copy, so the build's build/ and *.egg-info stay out of the repository and a stale
    # build/lib there (setuptools never empties it) cannot put missing files back.
    source = tmp / "source"
    shutil.copytree(REPO_ROOT, source, ignore=NOT_SOURCE)
    wheels = tmp / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", source, "--no-deps", "--no-build-isolation",
          "--no-index", "--quiet", "--wheel-dir", wheels], cwd=tmp)
    (wheel,) = wheels.glob("nnstudio-*.whl")

    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=tmp).stdout.strip())
    # Lines of a .pth file are appended to sys.path after the environment's own site-packages,
    # so the installed nnstudio comes first; .pth files in those folders (the editable install's
    # finder) are not run, so they cannot bring the source tree back.
    dep_dirs = sorted({str(Path(importlib.util.find_spec(name).origin).parents[1])
                       for name in DEPENDENCIES})
    (purelib / "_nnstudio_test_dependencies.pth").write_text("\n".join(dep_dirs) + "\n")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
          "--no-compile", "--quiet", wheel], cwd=tmp)

    outside = tmp / "elsewhere"
    outside.mkdir()
    bin_dir = python.parent
    return {"wheel": wheel, "python": python, "purelib": purelib, "outside": outside,
            "nnstudio": bin_dir / ("nnstudio.exe" if os.name == "nt" else "nnstudio")}


def test_wheel_holds_the_bundled_data_and_nothing_from_outside_the_package(install):
    names = set(zipfile.ZipFile(install["wheel"]).namelist())
    assert SHIPPED_DATA <= names, f"missing from the wheel: {sorted(SHIPPED_DATA - names)}"
    # The scripts that made the data, the screenshot and the tests stay in the repository.
    strays = sorted(n for n in names
                    if not n.startswith(("nnstudio/", "nnstudio-")) or "export_sklearn" in n
                    or "make_images" in n)
    assert strays == []


def test_installed_nnstudio_is_imported_from_the_new_environment(install):
    code = ("import json, nnstudio, nnstudio.resources as r; "
            "print(json.dumps([nnstudio.__file__, str(r.resource('datasets', 'iris.csv'))]))")
    module, iris = json.loads(_run([install["python"], "-c", code], cwd=install["outside"],
                                   env=_user_env()).stdout)
    for path in (Path(module), Path(iris)):
        assert path.is_relative_to(install["purelib"]), path
        assert not path.resolve().is_relative_to(REPO_ROOT), path
    if os.name != "nt":  # (Windows launchers are .exe files without a shebang line)
        # The command a user types runs that same interpreter.
        shebang = install["nnstudio"].read_text().splitlines()[0]
        assert shebang == f"#!{install['python']}"


@pytest.mark.parametrize("name", list(BUNDLED))
def test_installed_nnstudio_trains_on_each_bundled_data_set(install, name):
    result = _run([install["nnstudio"], "train", "--dataset", name, "--epochs", "1", "--json",
                   "--quiet"], cwd=install["outside"], env=_user_env())
    report = json.loads(result.stdout)
    assert report["status"] == "completed" and report["epochs_run"] == 1
    assert report["dataset"] == BUNDLED[name].title
    # Every row of the shipped file was read: train + validation + test.
    rows = sum(part["n_samples"] for part in report["final"].values())
    assert rows == ROWS[name]
    assert not list(install["outside"].iterdir()), "training without --save wrote files"


def test_installed_window_passes_its_smoke_test(install):
    result = _run([install["nnstudio"], "--demo", "--smoke-test"], cwd=install["outside"],
                  env=_user_env())
    assert "smoke test: ok" in result.stdout


def test_nnstudio_imported_from_a_zip_archive_reads_its_data_sets(install):
    # A wheel is a zip that Python can import from directly, as zipapps and some frozen builds
    # do: the data must then be read through importlib.resources, not from a folder.
    code = ("import json, nnstudio, nnstudio.resources as r; from nnstudio.data import load_builtin; "
            "print(json.dumps([nnstudio.__file__, type(r.resources_root()).__module__, "
            f"[load_builtin(n).n_samples for n in {list(ROWS)}]]))")
    env = _user_env() | {"PYTHONPATH": str(install["wheel"])}
    module, root_type, rows = json.loads(_run([install["python"], "-c", code],
                                              cwd=install["outside"], env=env).stdout)
    assert module.startswith(str(install["wheel"]) + os.sep)
    assert root_type == "zipfile" or root_type.startswith("zipfile.")
    assert rows == list(ROWS.values())
