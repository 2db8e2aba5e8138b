"""Hostile and unlucky project files: sizes declared beyond reason, special files, negative
seeds, the permissions and leftovers of saving, and checking a save target in advance."""
from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from nnstudio.errors import ProjectError
from nnstudio.project import check_writable, fileformat, load_project, save_project
from nnstudio.project.safe_files import STALE_AFTER_SECONDS

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file kinds and permissions")


def _members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _rewrite(path, **changes) -> None:
    members = _members(path)
    for name, data in changes.items():
        members[name.replace("_json", ".json").replace("_npz", ".npz")] = data
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _npy_claiming(shape: tuple[int, ...], payload: bytes = b"\0" * 16) -> bytes:
    """An .npy member whose header declares ``shape`` (float32) but holds only ``payload``."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return buf.getvalue() + payload


def _weights_with(path, **members: bytes) -> bytes:
    """The project's weights.npz with some .npy members replaced or added."""
    with zipfile.ZipFile(io.BytesIO(_members(path)["weights.npz"])) as inner:
        arrays = {info.filename: inner.read(info) for info in inner.infolist()}
    arrays.update(members)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in arrays.items():
            zf.writestr(name, data)
    return out.getvalue()


def _load_with_peak(path) -> tuple[ProjectError, int]:
    """Load ``path`` expecting a ProjectError; also return the peak of traced allocations."""
    tracemalloc.start()
    try:
        with pytest.raises(ProjectError) as info:
            load_project(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return info.value, peak


# ------------------------------------------------------------------ sizes before allocation
def test_weights_declaring_a_terabyte_shape_are_refused_before_allocation(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    _rewrite(path, weights_npz=_weights_with(path, **{"dense_1/W.npy": _npy_claiming((10**12,))}))
    error, peak = _load_with_peak(path)
    assert "weights 'dense_1/W' have shape (1000000000000,), the network needs (2, 8)" in str(error)
    assert peak < 20 * 1024**2


def test_weights_declaring_more_data_than_the_file_holds_are_refused(tmp_path, trained_project):
    # A name the network does not know, so only the room in the file can tell.
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    _rewrite(path, weights_npz=_weights_with(path, **{"9/W.npy": _npy_claiming((10**6, 10**6))}))
    error, peak = _load_with_peak(path)
    assert "weights '9/W' declare shape (1000000, 1000000) (3.6 TB), but the file holds only " \
           "16 bytes for them" in str(error)
    assert peak < 20 * 1024**2


def test_weights_declaring_a_negative_size_are_refused(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    _rewrite(path, weights_npz=_weights_with(path, **{"9/W.npy": _npy_claiming((-4, 1))}))
    with pytest.raises(ProjectError, match=r"weights '9/W' declare the impossible shape \(-4, 1\)"):
        load_project(path)


def _huge_network(project) -> dict:
    network = json.loads(json.dumps(project.network))
    network["layers"][0]["config"]["units"] = 200_000
    network["layers"][1]["config"]["units"] = 200_000
    return network


def test_a_network_too_big_for_this_computer_is_a_plain_message(tmp_path, trained_project):
    trained_project.network = _huge_network(trained_project)
    trained_project.weights = None
    path = tmp_path / "big.nnproj"
    save_project(trained_project, path)
    error, peak = _load_with_peak(path)
    message = str(error)
    assert message.startswith("'big.nnproj' cannot be opened on this computer. This network needs ")
    assert "GB of memory" in message and "fewer neurons per layer" in message
    assert peak < 20 * 1024**2


def test_weights_of_a_network_too_big_are_never_read(tmp_path, trained_project):
    # The declared shapes match the (huge) network, so only the memory check stops them.
    path = tmp_path / "big.nnproj"
    save_project(trained_project, path)
    body = json.loads(_members(path)["project.json"])
    body["network"] = _huge_network(trained_project)
    _rewrite(path, project_json=json.dumps(body),
             weights_npz=_weights_with(path, **{"dense_1/W.npy": _npy_claiming((2, 200_000)),
                                                "dense_2/W.npy": _npy_claiming((200_000, 200_000))}))
    error, peak = _load_with_peak(path)
    assert "cannot be opened on this computer" in str(error)
    assert peak < 20 * 1024**2


def test_a_weights_member_that_is_not_an_array_is_refused(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    with zipfile.ZipFile(io.BytesIO(_members(path)["weights.npz"])) as inner:
        arrays = {info.filename: inner.read(info) for info in inner.infolist()}
    del arrays["dense_1/W.npy"]
    arrays["dense_1/W"] = b"not an array"  # np.load would return it as raw bytes
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in arrays.items():
            zf.writestr(name, data)
    _rewrite(path, weights_npz=out.getvalue())
    with pytest.raises(ProjectError, match="holds 'dense_1/W', which is not an array"):
        load_project(path)


def test_honest_weights_still_load(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    loaded = load_project(path)
    assert loaded.weights.keys() == trained_project.weights.keys()
    for name, value in trained_project.weights.items():
        np.testing.assert_array_equal(loaded.weights[name], value)


# ------------------------------------------------------------------ special files
@posix_only
def test_a_named_pipe_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.nnproj"
    os.mkfifo(fifo)
    outcome: list = []

    def load():
        try:
            load_project(fifo)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(30)  # a guard against hanging the suite, not a timing assertion
    if worker.is_alive():
        # Unblock the reader stuck in open() so the thread can end.
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(5)
        pytest.fail("load_project blocked on a named pipe")
    assert isinstance(outcome[0], ProjectError)
    assert "is a named pipe (FIFO), not a project file" in str(outcome[0])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused():
    with pytest.raises(ProjectError, match="'/dev/zero' is a device, not a project file"):
        load_project("/dev/zero")


@posix_only
def test_saving_over_a_special_file_or_a_folder_is_refused(tmp_path, trained_project):
    fifo = tmp_path / "pipe.nnproj"
    os.mkfifo(fifo)
    with pytest.raises(ProjectError, match=r"it is a named pipe \(FIFO\), not a file"):
        save_project(trained_project, fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    (tmp_path / "folder").mkdir()
    with pytest.raises(ProjectError, match="that is a folder"):
        save_project(trained_project, tmp_path / "folder")


# ------------------------------------------------------------------ seeds
@pytest.mark.parametrize("section", ["training", "split"])
def test_a_negative_seed_is_a_plain_message(tmp_path, trained_project, section):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    body = json.loads(_members(path)["project.json"])
    body[section]["seed"] = -1
    _rewrite(path, project_json=json.dumps(body))
    with pytest.raises(ProjectError, match=rf"{section}\.seed should be a whole number from 0 up, got -1"):
        load_project(path)


def test_a_large_seed_is_fine(tmp_path, trained_project):
    from nnstudio.project import build_from_project

    trained_project.training["seed"] = 2**40
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    network, _, _ = build_from_project(load_project(path))
    assert network.n_params > 0


# ------------------------------------------------------------------ saving
@posix_only
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_project_file_follows_the_umask(tmp_path, trained_project, umask, mode):
    old = os.umask(umask)
    try:
        save_project(trained_project, tmp_path / "p.nnproj")
    finally:
        os.umask(old)
    assert (tmp_path / "p.nnproj").stat().st_mode & 0o777 == mode


def test_the_temporary_file_is_named_after_the_project(tmp_path, trained_project, monkeypatch):
    seen = []
    real = fileformat._write_archive

    def spy(fh, *args):
        seen.extend(os.listdir(tmp_path))
        return real(fh, *args)

    monkeypatch.setattr(fileformat, "_write_archive", spy)
    save_project(trained_project, tmp_path / "p.nnproj")
    assert len(seen) == 1 and seen[0].startswith(f".p.nnproj.tmp-{os.getpid()}-")
    assert os.listdir(tmp_path) == ["p.nnproj"]


def _finished_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def test_temporary_files_left_by_a_crash_are_removed_by_the_next_save(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    hour_ago = time.time() - STALE_AFTER_SECONDS - 60
    crashed = tmp_path / f".p.nnproj.tmp-{_finished_pid()}-0badc0de"  # its process is gone
    old_style = tmp_path / ".p.nnproj.ab12cd34.tmp"  # mkstemp's name, before this version
    running = tmp_path / f".p.nnproj.tmp-{os.getpid()}-5afe5afe"  # a save still going on
    others = [tmp_path / ".other.nnproj.tmp-1-00000000", tmp_path / "p.nnproj.tmp-1-notes",
              tmp_path / "p.nnproj.bak"]
    for leftover in [crashed, old_style, running, *others]:
        leftover.write_bytes(b"half a project")
    os.utime(old_style, (hour_ago, hour_ago))

    trained_project.name = "Saved again"
    save_project(trained_project, path)

    assert not crashed.exists() and not old_style.exists()
    assert running.exists() and all(other.exists() for other in others)
    assert load_project(path).name == "Saved again"
    if os.name != "posix":
        return
    os.utime(running, (hour_ago, hour_ago))  # an hour on, it cannot be a save in progress
    save_project(trained_project, path)
    assert not running.exists()


# ------------------------------------------------------------------ checking a target in advance
def test_check_writable_accepts_a_good_target_and_leaves_nothing(tmp_path, trained_project):
    check_writable(tmp_path / "new.nnproj")
    assert os.listdir(tmp_path) == []
    save_project(trained_project, tmp_path / "old.nnproj")
    before = (tmp_path / "old.nnproj").read_bytes()
    check_writable(tmp_path / "old.nnproj")
    assert (tmp_path / "old.nnproj").read_bytes() == before
    assert os.listdir(tmp_path) == ["old.nnproj"]


def test_check_writable_names_a_missing_folder_and_a_folder_target(tmp_path):
    with pytest.raises(ProjectError, match=r"the folder '.*nope' does not exist"):
        check_writable(tmp_path / "nope" / "p.nnproj")
    (tmp_path / "a file").write_text("x")
    with pytest.raises(ProjectError, match=r"the folder '.*a file' is a file, not a folder"):
        check_writable(tmp_path / "a file" / "p.nnproj")
    with pytest.raises(ProjectError, match="that is a folder; choose a file name such as"):
        check_writable(tmp_path)


@posix_only
def test_check_writable_names_a_read_only_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        try:
            (folder / "probe").touch()
        except PermissionError:
            pass
        else:
            pytest.skip("this user may write into read-only folders (an administrator)")
        with pytest.raises(ProjectError, match=r"the folder '.*locked' cannot be written to"):
            check_writable(folder / "p.nnproj")
    finally:
        folder.chmod(0o755)


@pytest.mark.skipif(not sys.platform.startswith("linux") or not os.path.isdir("/sys/kernel"),
                    reason="needs Linux /sys")
def test_check_writable_names_a_folder_nobody_may_write():
    # /sys refuses new files even to the administrator (whom a chmod does not stop).
    with pytest.raises(ProjectError, match=r"Cannot save the project to '/sys/kernel/p.nnproj': "
                                           r"the folder '/sys/kernel' cannot be written to"):
        check_writable("/sys/kernel/p.nnproj")
