"""The .nnproj file format: round trips, atomic saving, migrations and hostile files."""
from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

from nnstudio.errors import ProjectError
from nnstudio.project import Project, fileformat, load_project, save_project


def random_bytes(n: int, seed: int = 0) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


def _members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _write_zip(path, members: dict[str, bytes | str]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _rewrite(path, **changes) -> None:
    """Rewrite a saved project with some members replaced (None removes a member)."""
    members = _members(path)
    for name, data in changes.items():
        name = name.replace("_json", ".json").replace("_npz", ".npz")
        if data is None:
            members.pop(name)
        else:
            members[name] = data
    _write_zip(path, members)


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


# ------------------------------------------------------------------ round trips
def test_round_trip_is_exact(tmp_path, trained_project):
    path = tmp_path / "spiral.nnproj"
    written = save_project(trained_project, path)
    assert written == path.absolute()
    loaded = load_project(path)

    assert loaded == trained_project
    for name, array in trained_project.weights.items():
        assert loaded.weights[name].dtype == array.dtype
        assert loaded.weights[name].tobytes() == array.tobytes()  # bit-identical
    assert loaded.history == trained_project.history
    assert loaded.network == trained_project.network
    assert loaded.created and loaded.modified
    assert set(_members(path)) == {"metadata.json", "project.json", "weights.npz"}
    meta = json.loads(_members(path)["metadata.json"])
    assert meta["format_version"] == fileformat.FORMAT_VERSION
    assert isinstance(meta["app_version"], str)


def test_a_long_history_round_trips_exactly_and_stays_readable(tmp_path, trained_project):
    """Thousands of epochs are written in chunks (see HISTORY_CHUNK); the file is still plain
    JSON with one line per metric, and every value, None included, comes back."""
    n = 3 * fileformat.HISTORY_CHUNK + 7
    rng = np.random.default_rng(0)
    trained_project.history = {
        "epoch": list(range(1, n + 1)),
        "train_loss": [float(v) for v in rng.random(n)],
        "train_acc": [float(v) for v in rng.random(n)],
        "val_loss": [None if i % 97 == 0 else float(v) for i, v in enumerate(rng.random(n))],
        "val_acc": [None] * n,
    }
    trained_project.name = 'A "history-" name'  # quotes and the placeholder's prefix
    path = tmp_path / "long.nnproj"
    save_project(trained_project, path)
    loaded = load_project(path)
    assert loaded.history == trained_project.history and loaded.name == trained_project.name
    text = _members(path)["project.json"].decode()
    assert json.loads(text)["history"]["epoch"][-1] == n
    assert sum(line.lstrip().startswith('"train_loss": [') for line in text.splitlines()) == 1


def test_untrained_project_round_trip(tmp_path):
    project = Project(name="Empty")
    save_project(project, tmp_path / "empty.nnproj")
    loaded = load_project(tmp_path / "empty.nnproj")
    assert loaded == project
    assert loaded.weights is None and not loaded.is_trained


def test_resave_keeps_created_time_and_file_mode(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    created = load_project(path).created
    os.chmod(path, 0o640)
    trained_project.created = None
    project = load_project(path)
    project.name = "Renamed"
    save_project(project, path)
    again = load_project(path)
    assert again.created == created and again.name == "Renamed"
    assert path.stat().st_mode & 0o777 == 0o640


# ------------------------------------------------------------------ atomic saving
def test_interrupted_save_leaves_old_file_and_no_temp(tmp_path, trained_project, monkeypatch):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    before = path.read_bytes()

    real_writestr = zipfile.ZipFile.writestr
    calls = []

    def failing_writestr(self, name, data, *args, **kwargs):
        calls.append(name)
        if len(calls) == 2:  # metadata written, crash while writing project.json
            raise OSError(28, "No space left on device")
        return real_writestr(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    changed = trained_project.copy()
    changed.name = "Changed"
    with pytest.raises(ProjectError, match="No space left"):
        save_project(changed, path)
    monkeypatch.undo()

    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["p.nnproj"]
    assert load_project(path).name == "Spiral test"


def test_ctrl_c_during_save_removes_temp(tmp_path, trained_project, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fileformat, "_write_archive", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_project(trained_project, tmp_path / "p.nnproj")
    assert os.listdir(tmp_path) == []


def test_save_into_missing_folder_is_a_project_error(tmp_path, trained_project):
    with pytest.raises(ProjectError, match="does not exist"):
        save_project(trained_project, tmp_path / "nope" / "p.nnproj")


def test_numpy_numbers_in_settings_are_stored_plainly(tmp_path, trained_project):
    trained_project.training["optimizer"]["config"]["learning_rate"] = np.float32(0.5)
    trained_project.training["epochs"] = np.int64(7)
    save_project(trained_project, tmp_path / "p.nnproj")
    training = load_project(tmp_path / "p.nnproj").training
    assert training["epochs"] == 7 and type(training["epochs"]) is int
    assert training["optimizer"]["config"]["learning_rate"] == 0.5


def test_unstorable_setting_fails_before_touching_the_file(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    trained_project.training["note"] = object()
    with pytest.raises(ProjectError, match="not storable"):
        save_project(trained_project, path)
    assert not path.exists()


# ------------------------------------------------------------------ migrations
def _saved_as_version(tmp_path, project: Project, version: int, edit=None):
    path = tmp_path / "old.nnproj"
    save_project(project, path)
    meta = json.loads(_members(path)["metadata.json"])
    meta["format_version"] = version
    body = json.loads(_members(path)["project.json"])
    if edit:
        edit(body)
    _rewrite(path, metadata_json=json.dumps(meta), project_json=json.dumps(body))
    return path


def test_migration_hook_runs_for_older_version(tmp_path, trained_project, monkeypatch):
    def old_layout(body):  # pretend format 0 called the name "title"
        body["title"] = body.pop("name")

    path = _saved_as_version(tmp_path, trained_project, 0, old_layout)
    with pytest.raises(ProjectError, match="old project format 0"):
        load_project(path)

    seen = []

    def migrate_0_to_1(document):
        seen.append(sorted(document))
        document["project"]["name"] = document["project"].pop("title")
        return document

    monkeypatch.setitem(fileformat.MIGRATIONS, 0, migrate_0_to_1)
    loaded = load_project(path)
    assert seen == [["metadata", "project", "weights"]]
    assert loaded.name == "Spiral test"
    assert loaded.weights.keys() == trained_project.weights.keys()


def test_migrations_run_in_order(tmp_path, trained_project, monkeypatch):
    path = _saved_as_version(tmp_path, trained_project, 1)
    monkeypatch.setattr(fileformat, "FORMAT_VERSION", 3)
    order = []

    def step(v):
        def migrate(document):
            order.append(v)
            document["project"]["name"] += f" v{v + 1}"
            return document
        return migrate

    monkeypatch.setitem(fileformat.MIGRATIONS, 2, step(2))
    monkeypatch.setitem(fileformat.MIGRATIONS, 1, step(1))
    assert load_project(path).name == "Spiral test v2 v3"
    assert order == [1, 2]


# ------------------------------------------------------------------ hostile and broken files
def test_newer_format_is_refused_plainly(tmp_path, trained_project):
    path = _saved_as_version(tmp_path, trained_project, 3)
    with pytest.raises(ProjectError) as err:
        load_project(path)
    assert str(err.value) == ("This file was made by a newer nnstudio (format 3); this version "
                              "reads up to format 2. Please update nnstudio.")


@pytest.mark.parametrize("content, match", [
    (random_bytes(5000), "not an nnstudio project"),
    (b"name,value\n1,2\n", "not an nnstudio project"),
    (b"", "not an nnstudio project"),
])
def test_non_zip_files(tmp_path, content, match):
    path = tmp_path / "bad.nnproj"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=match):
        load_project(path)


def test_truncated_file(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    data = path.read_bytes()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 10):
        path.write_bytes(data[:cut])
        with pytest.raises(ProjectError):
            load_project(path)


def test_plain_zip_is_not_a_project(tmp_path):
    path = tmp_path / "photos.nnproj"
    _write_zip(path, {"readme.txt": "hello"})
    with pytest.raises(ProjectError) as err:
        load_project(path)
    assert str(err.value) == "'photos.nnproj' is not an nnstudio project (no project.json inside)."


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        load_project(tmp_path / "nothing.nnproj")
    with pytest.raises(ProjectError, match="folder"):
        load_project(tmp_path)


@pytest.mark.parametrize("member, data, match", [
    ("project_json", b"{not json", "not valid JSON"),
    ("project_json", b"[1, 2]", "should hold an object"),
    ("project_json", b"\xff\xfe", "not valid JSON"),
    ("metadata_json", None, "no metadata.json"),
    ("metadata_json", b'{"format_version": "1"}', "format version"),
    ("metadata_json", b'{"format_version": true}', "format version"),
])
def test_bad_members(tmp_path, trained_project, member, data, match):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    _rewrite(path, **{member: data})
    with pytest.raises(ProjectError, match=match):
        load_project(path)


def _edit_project_json(path, edit) -> None:
    body = json.loads(_members(path)["project.json"])
    edit(body)
    _rewrite(path, project_json=json.dumps(body))


@pytest.mark.parametrize("edit, match", [
    (lambda b: b["split"].update(val=1.5), "split.val"),
    (lambda b: b["split"].update(val=0.6, test=0.5), "below 1"),
    (lambda b: b["training"].update(epochs=0), "training.epochs"),
    (lambda b: b["training"].update(optimizer={"class": "Nope"}), "training.optimizer"),
    (lambda b: b["network"]["layers"][0]["config"].update(units=-3), "network description"),
    (lambda b: b.update(data_source={"kind": "ftp"}), "data_source.kind"),
    (lambda b: b["history"].update(val_acc=[1, 2]), "history.val_acc"),
    (lambda b: b["history"].update(train_loss=["x", 1, 2]), "history.train_loss"),
    (lambda b: b.update(scaler={"mean": [0.0], "std": [1.0]}), "scaler.mean"),
    (lambda b: b.update(name=7), "name"),
])
def test_bad_settings_are_named(tmp_path, trained_project, edit, match):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    _edit_project_json(path, edit)
    with pytest.raises(ProjectError, match=match):
        load_project(path)


def test_nan_constant_in_json_is_rejected(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    raw = _members(path)["project.json"].replace(b"0.9", b"NaN", 1)
    _rewrite(path, project_json=raw)
    with pytest.raises(ProjectError, match="not valid JSON"):
        load_project(path)


def _with_weights(tmp_path, project, mutate) -> str:
    path = tmp_path / "p.nnproj"
    save_project(project, path)
    weights = {k: v.copy() for k, v in project.weights.items()}
    mutate(weights)
    _rewrite(path, weights_npz=_npz(**weights))
    return path


def test_wrong_weight_shape(tmp_path, trained_project):
    path = _with_weights(tmp_path, trained_project,
                         lambda w: w.update({"dense_1/W": np.zeros((3, 8), np.float32)}))
    with pytest.raises(ProjectError, match=r"'dense_1/W' have shape \(3, 8\)"):
        load_project(path)


def test_missing_and_extra_weights(tmp_path, trained_project):
    path = _with_weights(tmp_path, trained_project, lambda w: w.pop("dense_1/b"))
    with pytest.raises(ProjectError, match="do not match the network"):
        load_project(path)
    path = _with_weights(tmp_path, trained_project, lambda w: w.update({"9/W": np.zeros(2, np.float32)}))
    with pytest.raises(ProjectError, match="do not match the network"):
        load_project(path)


def test_nan_weights(tmp_path, trained_project):
    def poison(w):
        w["dense_3/b"][0] = np.nan
    with pytest.raises(ProjectError, match="NaN or infinite"):
        load_project(_with_weights(tmp_path, trained_project, poison))


def test_integer_weights(tmp_path, trained_project):
    def ints(w):
        w["dense_1/b"] = np.zeros(w["dense_1/b"].shape, np.int64)
    with pytest.raises(ProjectError, match="decimal numbers"):
        load_project(_with_weights(tmp_path, trained_project, ints))


def test_weights_without_network(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    _edit_project_json(path, lambda b: b.update(network={}, scaler=None))
    with pytest.raises(ProjectError, match="weights but no network"):
        load_project(path)


def test_pickle_in_weights_is_refused_without_unpickling(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    sentinel = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(sentinel), "w"))

    payload = dict(trained_project.weights)
    payload["dense_1/W"] = np.array([Evil()], dtype=object)
    buf = io.BytesIO()
    np.savez(buf, **payload)
    _rewrite(path, weights_npz=buf.getvalue())
    with pytest.raises(ProjectError, match="cannot be read safely"):
        load_project(path)
    assert not sentinel.exists()


def test_garbage_weights_member(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    _rewrite(path, weights_npz=random_bytes(300))
    with pytest.raises(ProjectError, match="weights"):
        load_project(path)


def test_oversized_member_is_refused(tmp_path, trained_project, monkeypatch):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    _rewrite(path, project_json=b"{" + b" " * 5000 + b"}")
    monkeypatch.setattr(fileformat, "MAX_JSON_BYTES", 1000)
    with pytest.raises(ProjectError, match="too large"):
        load_project(path)


def test_random_damage_only_ever_raises_project_error(tmp_path, trained_project):
    path = tmp_path / "p.nnproj"
    save_project(trained_project, path)
    good = bytearray(path.read_bytes())
    rng = np.random.default_rng(1)
    for _ in range(40):
        bad = bytearray(good)
        for pos in rng.integers(0, len(bad), 4):
            bad[pos] = int(rng.integers(0, 256))
        path.write_bytes(bytes(bad))
        try:
            load_project(path)
        except ProjectError:
            pass
