"""Numbers in real units (house prices) train with the defaults: session and command line."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.cli import main
from nnstudio.data import CsvOptions, read_csv
from nnstudio.engine import fit, optimizer_from_config
from nnstudio.project import (
    Project,
    build_from_project,
    default_network_config,
    load_project,
    save_project,
    scaled_split,
)


def write_prices(path, n: int = 500, seed: int = 42) -> None:
    """Houses: area, rooms, age, distance to the centre -> price (25,000-190,000)."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(40, 220, n)
    rooms = np.clip(np.round(area / 30 + rng.normal(0, 0.8, n)), 1, 8)
    age = rng.uniform(0, 80, n)
    dist = rng.gamma(2.0, 4.0, n)
    price = 20000 + 650 * area + 3000 * rooms - 280 * age - 1800 * dist + rng.normal(0, 9000, n)
    price = np.clip(price, 25000, 190000)
    rows = ["area,rooms,age,distance,price"] + [
        f"{a:.1f},{int(r)},{g:.0f},{d:.2f},{p:.0f}" for a, r, g, d, p in zip(area, rooms, age, dist, price)]
    path.write_text("\n".join(rows) + "\n")


@pytest.fixture
def prices_csv(tmp_path):
    path = tmp_path / "prices.csv"
    write_prices(path)
    return path


def new_project(dataset) -> Project:
    return Project(data_source=dict(dataset.source), network=default_network_config(dataset, hidden=(8,)))


def run(capsys, *argv) -> dict:
    code = main([str(a) for a in argv] + ["--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_the_target_scaling_is_fitted_on_the_training_part_only(prices_csv):
    dataset = read_csv(str(prices_csv), CsvOptions(target="price"))
    network, split, _ = build_from_project(new_project(dataset), dataset=dataset)
    train_y = split.train.y.astype(np.float64)
    np.testing.assert_allclose(network.target_scaling.shift, [train_y.mean()], rtol=1e-12)
    np.testing.assert_allclose(network.target_scaling.scale, [train_y.std()], rtol=1e-12)
    assert abs(network.target_scaling.shift[0] - dataset.y.astype(np.float64).mean()) > 1.0


def test_a_trained_project_keeps_its_saved_scaling_an_untrained_one_refits(prices_csv):
    dataset = read_csv(str(prices_csv), CsvOptions(target="price"))
    project = new_project(dataset)
    network, _, _ = build_from_project(project, dataset=dataset)
    fitted = network.target_scaling
    saved = dict(network.get_config(), target_scaling={"shift": [5.0], "scale": [2.0]})
    trained = Project(data_source=project.data_source, network=saved, weights=network.get_weights())
    assert build_from_project(trained, dataset=dataset)[0].target_scaling.get_config() == \
        {"shift": [5.0], "scale": [2.0]}
    # Saved before target scaling existed: the weights answer unscaled, so they stay so.
    old = Project(data_source=project.data_source, network=project.network, weights=network.get_weights())
    assert build_from_project(old, dataset=dataset)[0].target_scaling is None
    # Not trained (or reset): fresh weights learn in this split's scale, whatever was saved.
    trained.weights = None
    assert build_from_project(trained, dataset=dataset)[0].target_scaling == fitted


def test_predictions_are_identical_after_a_save_and_load(prices_csv, tmp_path):
    dataset = read_csv(str(prices_csv), CsvOptions(target="price"))
    project = new_project(dataset)
    network, split, scaler = build_from_project(project, dataset=dataset)
    data = scaled_split(split, scaler)
    opt = optimizer_from_config(project.training["optimizer"])
    for rec in fit(network, data.train.X, data.train.y, optimizer=opt, epochs=5):
        project.append_epoch(rec)
    project.weights, project.scaler = network.get_weights(), scaler.get_config()
    project.network = network.get_config()
    again = load_project(save_project(project, tmp_path / "houses.nnproj"))
    network2, split2, scaler2 = build_from_project(again, dataset=dataset)
    assert network2.target_scaling == network.target_scaling
    X = scaled_split(split2, scaler2).test.X
    np.testing.assert_array_equal(network2.predict(X), network.predict(data.test.X))
    assert 25_000 * 0.5 < float(np.median(network2.predict(X))) < 190_000  # real units


def test_cli_house_prices_with_the_defaults_beat_the_mean_and_evaluate_agrees(prices_csv, tmp_path, capsys):
    saved = tmp_path / "houses.nnproj"
    result = run(capsys, "train", "--csv", prices_csv, "--target", "price", "--layers", "8",
                 "--save", saved)
    _, split, _ = build_from_project(load_project(saved))
    val_y = split.val.y.astype(np.float64)
    mean_mse = float(np.mean((val_y - split.train.y.mean()) ** 2))
    val = result["final"]["val"]
    assert val["mse"] < 0.15 * mean_mse  # measured: ~0.05 (the noise alone is ~0.05)
    # A CSV project stops early and goes back to its best epoch: the lowest validation loss.
    assert min(result["history"]["val_loss"]) == pytest.approx(val["mse"], rel=1e-5)
    again = run(capsys, "evaluate", saved)
    assert again["scores"]["validation"]["mse"] == val["mse"]  # the same answers after loading


def test_cli_fractions_still_train_well(tmp_path, capsys):
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, (400, 2))
    share = 1 / (1 + np.exp(-(4 * x[:, 0] - 3 * x[:, 1] - 0.5))) + rng.normal(0, 0.02, 400)
    path = tmp_path / "shares.csv"
    path.write_text("a,b,share\n" + "\n".join(f"{a:.4f},{b:.4f},{s:.4f}" for (a, b), s in zip(x, share)))
    result = run(capsys, "train", "--csv", path, "--layers", "8")
    val = result["final"]["val"]
    assert val["mse"] < 0.1 * float(np.var(share))
