"""The data fingerprint: what changed in a data file since a network was trained on it."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from nnstudio.data import load_builtin, split_dataset
from nnstudio.project.fingerprint import compare_fingerprint, data_fingerprint, split_data_fingerprint


def _iris():
    dataset = load_builtin("iris")
    return dataset, split_dataset(dataset, seed=0)


def test_same_data_and_split_match_and_fingerprint_is_json():
    dataset, split = _iris()
    saved = json.loads(json.dumps(data_fingerprint(dataset, split)))
    again, again_split = _iris()
    assert compare_fingerprint(saved, again, again_split) is None


def test_no_fingerprint_says_nothing():
    dataset, split = _iris()
    assert compare_fingerprint(None, dataset, split) is None
    assert compare_fingerprint({}, dataset, split) is None


def _reordered(dataset, order):
    return replace(dataset.subset(order, dataset.name), name=dataset.name)


def test_shuffled_rows_are_named_and_leak_into_held_out_parts():
    dataset, split = _iris()
    saved = data_fingerprint(dataset, split)
    shuffled = _reordered(dataset, np.random.default_rng(5).permutation(dataset.n_samples))
    new_split = split_dataset(shuffled, seed=0)
    # Why it matters: the same seeded split now holds rows the network trained on.
    trained_rows = {tuple(r) for r in split.train.X.tolist()}
    assert any(tuple(r) in trained_rows for r in new_split.val.X.tolist())
    message = compare_fingerprint(saved, shuffled, new_split)
    assert "another order" in message and "trained on" in message


def test_sorted_rows_appended_rows_and_changed_values_each_say_what():
    dataset, split = _iris()
    saved = data_fingerprint(dataset, split)
    by_first = _reordered(dataset, np.argsort(dataset.X[:, 0], kind="stable"))
    assert "another order" in compare_fingerprint(saved, by_first, split_dataset(by_first))
    more = _reordered(dataset, np.r_[np.arange(dataset.n_samples), [0, 1, 2]])
    assert "3 rows more (150 then, 153 now)" in compare_fingerprint(saved, more, split_dataset(more))
    X = dataset.X.copy()
    X[7, 2] += 0.5
    edited = replace(dataset, X=X)
    assert "values changed" in compare_fingerprint(saved, edited, split_dataset(edited))


def test_another_split_of_the_same_rows_is_noticed():
    dataset, split = _iris()
    saved = data_fingerprint(dataset, split)
    other = split_dataset(dataset, seed=1)
    assert "split into training, validation and test data differently" in \
        compare_fingerprint(saved, dataset, other)


def test_the_split_alone_gives_the_same_fingerprint_as_the_whole_data():
    dataset, split = _iris()
    assert split_data_fingerprint(split) == data_fingerprint(dataset, split)
    shuffled = _reordered(dataset, np.random.default_rng(2).permutation(dataset.n_samples))
    assert "another order" in compare_fingerprint(data_fingerprint(dataset, split),
                                                  split=split_dataset(shuffled, seed=0))


def test_fingerprint_is_saved_with_the_project_and_checked_on_load(tmp_path, trained_project):
    import zipfile

    import pytest

    from nnstudio.errors import ProjectError
    from nnstudio.project import load_project, save_project

    dataset, split = _iris()
    trained_project.data_check = data_fingerprint(dataset, split)
    path = save_project(trained_project, tmp_path / "p.nnproj")
    assert load_project(path) == trained_project
    copy = trained_project.copy()
    assert copy.data_check == trained_project.data_check
    copy.clear_results()
    assert copy.data_check is None

    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    body = json.loads(members["project.json"])
    body["data_check"]["rows"] = "many"
    members["project.json"] = json.dumps(body).encode()
    bad = tmp_path / "bad.nnproj"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ProjectError, match="data_check.rows should be a whole number"):
        load_project(bad)


def test_a_splits_fingerprint_is_computed_once_and_handed_out_as_a_copy(monkeypatch):
    from nnstudio.project import fingerprint

    dataset, split = _iris()
    expected = data_fingerprint(dataset, split)
    first = split_data_fingerprint(split)
    first["rows"] = -1                      # a caller changing its copy changes nothing
    monkeypatch.setattr(fingerprint, "_row_hashes", lambda *a: pytest.fail("hashed again"))
    assert split_data_fingerprint(split) == expected
