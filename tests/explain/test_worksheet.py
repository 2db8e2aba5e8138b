"""The worksheet holds every number of the step, as CSV and as printable, escaped HTML."""
from __future__ import annotations

import csv
import io

import numpy as np

from nnstudio.engine import SGD, Dense, Network
from nnstudio.explain import walk_step, worksheet_csv, worksheet_html


def walk():
    net = Network(3, [Dense(4, "relu"), Dense(3, "softmax")], seed=2)
    return net, walk_step(net, SGD(0.1), [0.2, -1.0, 0.7], 1, feature_names=["a<b", "c&d", "e"],
                          class_names=["<script>", "dog", "owl"], sample_index=3, x_raw=[2.0, 10.0, 7.0])


def test_csv_has_every_parameter_entry_with_before_gradient_update_after():
    net, w = walk()
    rows = list(csv.DictReader(io.StringIO(worksheet_csv(w))))
    weights = [r for r in rows if r["section"] in ("weight", "bias")]
    assert len(weights) == net.n_params
    for name, before in net.get_weights().items():
        mine = [r for r in weights if r["name"].startswith(name + " ")]
        assert len(mine) == before.size
        for r in mine:
            idx = tuple(int(i) for i in r["index"].split(";"))
            assert np.float32(r["value"]) == before[idx]
            assert np.float32(r["gradient"]) == w.trace.gradients[name][idx]
            assert np.float32(r["after"]) == w.preview[name]["params_after"][idx]
            assert np.float32(r["update"]) == w.preview[name]["update"][idx]
    layer = [r for r in rows if r["section"] == "layer"]
    assert len(layer) == 2 * (4 + 3)  # z and a of every neuron
    z = [np.float32(r["value"]) for r in layer
         if r["name"].startswith("dense_1") and r["name"].endswith(" z")]
    np.testing.assert_array_equal(z, w.trace.layers[0].weighted_sum)
    # Values that are float32 (the engine's) read back exactly as float32.
    losses = {r["name"]: np.float32(r["value"]) for r in rows if r["section"] == "loss"}
    assert losses == {"loss before the update": np.float32(w.loss),
                      "loss after the update": np.float32(w.loss_after)}
    probs = [np.float32(r["value"]) for r in rows if r["section"] == "output"]
    np.testing.assert_array_equal(probs, w.trace.output)
    inputs = [r for r in rows if r["section"] == "input"]
    assert [r["name"] for r in inputs[:3]] == ["a<b", "c&d", "e"] and inputs[0]["after"] == "2.0"


def test_html_is_escaped_self_contained_and_complete():
    net, w = walk()
    page = worksheet_html(w)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script>" not in page and "&lt;script&gt;" in page and "a&lt;b" in page
    assert "src=" not in page and "href=" not in page  # nothing to fetch: prints as it is
    assert page.count("<tr>") >= net.n_params + 2 * 7
    for stage in w.stages:
        assert stage.title in page
    assert "@media print" in page
