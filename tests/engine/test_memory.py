"""Memory estimates: a network too big for the machine is refused in plain words before any
big allocation, and the arithmetic matches what the engine really allocates."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from nnstudio.engine import Dense, Dropout, Network, memory
from nnstudio.engine import network as network_module
from nnstudio.errors import ConfigError


def _peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_million_by_a_million_network_is_refused_before_allocating():
    def build():
        with pytest.raises(ConfigError) as info:
            Network(4, [Dense(1_000_000), Dense(1_000_000), Dense(3, "softmax")])
        return info

    peak = _peak_bytes(build)
    message = str(build().value)
    assert peak < 10 * 1024**2  # numpy never asked for the terabytes
    assert "This network needs 21.8 TB of memory" in message
    assert "1,000,000 x 1,000,000 connections" in message
    assert "fewer neurons per layer" in message
    assert "nnstudio lets one network use at most" in message


def test_the_limit_follows_the_machine_memory(monkeypatch):
    # 3,000 + 1,001,000 + 1,001 parameters x 4 bytes x 6 copies = 23.0 MB.
    layers = [Dense(1000), Dense(1000), Dense(1, "sigmoid")]
    monkeypatch.setattr(memory, "total_memory", lambda: 32 * 1024**2)
    with pytest.raises(memory.MemoryLimitError,
                       match=r"needs 23\.0 MB .* this computer has 32\.0 MB "
                             r".* at most 50% of it \(16\.0 MB\)"):
        Network(2, layers)
    monkeypatch.setattr(memory, "total_memory", lambda: 64 * 1024**2)
    assert Network(2, layers).n_params == 1_005_001
    monkeypatch.setattr(memory, "total_memory", lambda: None)  # unreadable: a fixed limit
    assert memory.memory_limit() == memory.FALLBACK_LIMIT


def test_total_memory_is_read_from_the_system():
    total = memory.total_memory()
    assert total is None or total > 64 * 1024**2
    if total:
        assert memory.memory_limit() == int(total * memory.LIMIT_SHARE)


def test_estimate_counts_weights_gradients_restore_point_and_adam_state():
    layers = [Dense(256), Dropout(0.5), Dense(128), Dense(10, "softmax")]
    n_params = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    adam = memory.estimate_memory(784, layers, batch_size=64, n_samples=1000)
    assert adam.n_params == n_params == Network(784, layers).n_params
    assert adam.parameters == 2 * 4 * n_params and adam.gradients == 4 * n_params
    assert adam.optimizer_state == 3 * 4 * n_params
    # Outputs and gradients of every layer, plus the dropout mask, for 64 rows.
    assert adam.activations == 64 * 4 * (2 * 256 + 3 * 256 + 2 * 128 + 2 * 10)
    assert adam.data == 2 * 1000 * (784 + 10) * 4
    assert adam.largest == (0, 784, 256)
    sgd = memory.estimate_memory(784, layers, optimizer="SGD", itemsize=8)
    assert sgd.optimizer_state == 8 * n_params and sgd.activations == sgd.data == 0
    # The batch cannot be larger than the data.
    assert memory.estimate_memory(784, layers, batch_size=10**9, n_samples=10).activations == \
        memory.estimate_memory(784, layers, batch_size=10).activations


def test_parameter_shapes_match_the_network_weights_without_building_it():
    config = Network(3, [Dense(5), Dropout(0.1), Dense(4, "tanh"), Dense(2, "softmax")]).get_config()
    n_inputs, layers = memory.layers_from_config(config)
    expected = {name: w.shape for name, w in Network.from_config(config).get_weights().items()}
    assert memory.parameter_shapes(n_inputs, layers) == expected


@pytest.mark.parametrize("config, match", [
    ({"layers": []}, "needs 'n_inputs' and 'layers'"),
    ({"n_inputs": -1, "layers": []}, "n_inputs must be a positive integer, got -1"),
    ({"n_inputs": 2, "layers": {}}, "'layers' must be a list"),
    ({"n_inputs": 2, "layers": [{"class": "Dense", "config": {"units": 0}}]}, "units must be"),
])
def test_layers_from_config_names_the_problem(config, match):
    with pytest.raises(ConfigError, match=match):
        memory.layers_from_config(config)


def test_too_big_a_batch_is_refused_in_plain_words(monkeypatch):
    monkeypatch.setattr(memory, "total_memory", lambda: 256 * 1024**2)
    net = Network(4, [Dense(20_000), Dense(3, "softmax")])  # 160,003 parameters: 3.7 MB
    net.buffers(32)  # 32 rows x 40,006 outputs and gradients x 4 bytes = 5 MB: fine
    with pytest.raises(memory.MemoryLimitError,
                       match=r"batches of 10,000 rows needs 1\.5 GB .* smaller batch size"):
        net.buffers(10_000)


def test_predicting_with_a_very_wide_network_goes_in_smaller_chunks(monkeypatch):
    layers = [Dense(2000), Dense(2, "softmax")]
    X = np.random.default_rng(0).normal(size=(700, 3)).astype(np.float32)
    whole = Network(3, layers, seed=1).predict(X)  # 700 rows x 16 KB fit the budget: one chunk
    monkeypatch.setattr(network_module, "_PREDICT_BUDGET", 100 * 2002 * 2 * 4)
    net = Network(3, layers, seed=1)
    np.testing.assert_allclose(net.predict(X), whole, rtol=1e-6)
    assert max(net._buffers) == 100  # no work array for more rows was made


@pytest.mark.parametrize("n, text", [(512, "512 bytes"), (1536, "1.5 KB"), (7.5 * 1024**3, "7.5 GB"),
                                     (3 * 1024**5, "3072.0 TB")])
def test_format_bytes(n, text):
    assert memory.format_bytes(n) == text
