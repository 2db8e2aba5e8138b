"""The optimizer's state inside a .nnproj: saved beside the weights, read back exactly, and
left out with a note (never an error) when it is damaged."""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from nnstudio.engine import Adam, Network, fit
from nnstudio.project import load_project, save_project


@pytest.fixture
def with_state(trained_project):
    net = Network.from_config(trained_project.network)
    net.set_weights(trained_project.weights)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 2)).astype(np.float32), rng.integers(0, 2, 40)
    opt = Adam(0.01)
    for _ in fit(net, X, y, optimizer=opt, epochs=2, batch_size=8):
        pass
    trained_project.weights = net.get_weights()
    trained_project.optimizer_state = opt.state_dict()
    return trained_project


def _rewrite(path, damage):
    """Apply ``damage(body, arrays)`` to a saved project's JSON and arrays."""
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    body = json.loads(members["project.json"])
    with np.load(io.BytesIO(members["weights.npz"])) as npz:
        arrays = {k: npz[k] for k in npz.files}
    damage(body, arrays)
    members["project.json"] = json.dumps(body).encode()
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    members["weights.npz"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_the_state_is_saved_by_parameter_name_and_read_back_exactly(with_state, tmp_path):
    path = save_project(with_state, tmp_path / "p.nnproj")
    with zipfile.ZipFile(path) as zf:
        body = json.loads(zf.read("project.json"))
        with np.load(io.BytesIO(zf.read("weights.npz"))) as npz:
            names = set(npz.files)
    state = with_state.optimizer_state
    assert body["optimizer_state"]["iterations"] == state["iterations"] == 10
    assert body["optimizer_state"]["class"] == "Adam"
    first = next(iter(state["params"]))
    assert f"optimizer/{first}/m_sum" in names and f"optimizer/{first}/v_sum" in names
    loaded = load_project(path)
    assert loaded == with_state and not loaded.notes
    for name, slots in state["params"].items():
        for slot, arr in slots.items():
            np.testing.assert_array_equal(loaded.optimizer_state["params"][name][slot], arr)


def test_an_untrained_or_reset_project_saves_no_state(with_state, tmp_path):
    with_state.clear_results()
    assert with_state.optimizer_state is None
    loaded = load_project(save_project(with_state, tmp_path / "p.nnproj"))
    assert loaded.optimizer_state is None


@pytest.mark.parametrize("damage, words", [
    (lambda body, arrays: arrays.pop(next(k for k in arrays if k.endswith("/m_sum"))), "is missing"),
    (lambda body, arrays: arrays.__setitem__(next(k for k in arrays if k.endswith("/v_sum")),
                                             np.zeros((1, 1), np.float32)), "does not fit"),
    (lambda body, arrays: arrays.__setitem__("optimizer/nope/m_sum", np.zeros(2, np.float32)),
     "belongs to no parameter"),
    (lambda body, arrays: body["optimizer_state"].__setitem__("iterations", -3), "step count"),
    (lambda body, arrays: body.__setitem__("optimizer_state", "Adam"), "description is missing"),
])
def test_a_damaged_state_is_left_out_with_a_note(with_state, tmp_path, damage, words):
    path = save_project(with_state, tmp_path / "p.nnproj")
    _rewrite(path, damage)
    loaded = load_project(path)
    assert loaded.optimizer_state is None and loaded.weights
    assert any(words in note and "starts its averages afresh" in note for note in loaded.notes)
