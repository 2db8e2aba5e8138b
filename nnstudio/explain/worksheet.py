"""The step as a worksheet for a lesson: every number of one training step, as CSV (for a
spreadsheet) or as a self-contained HTML page that prints readably."""
from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.explain.arithmetic import input_names, neuron_label
from nnstudio.explain.numbers import exact, short

if TYPE_CHECKING:
    from nnstudio.explain.walk import StepWalk

#: The worksheet's columns: which part of the step, what, and its numbers.
COLUMNS = ("section", "name", "index", "value", "gradient", "update", "after")


def rows(walk: StepWalk) -> Iterator[tuple[str, ...]]:
    """Every number of the step as rows of :data:`COLUMNS` (text; numbers in the shortest
    form that reads back as the same float32)."""
    raw = walk.x_raw
    for i, name in enumerate(walk.feature_names):
        yield ("input", name, str(i), exact(walk.x[i]), "", "", "" if raw is None else short(raw[i]))
    if walk.task == "classification":
        yield ("input", "true class", "", str(int(np.asarray(walk.y).reshape(-1)[0])), "", "",
               str(walk.label_name))
    else:
        for k, v in enumerate(np.asarray(walk.y, dtype=np.float64).reshape(-1)):
            yield ("input", "true value", str(k), short(v), "", "", "")
    for li, lt in enumerate(walk.trace.layers):
        # Per value of the layer (a picture layer's maps flat, channels-last); dL/dz is the
        # bias gradient only where each value has a bias of its own (Dense).
        dz = walk.trace.gradients.get(f"{lt.name}/b") if lt.kind == "Dense" else None
        out, grad = lt.output.reshape(-1), lt.grad_output.reshape(-1)
        wsum = None if lt.weighted_sum is None else lt.weighted_sum.reshape(-1)
        for j in range(out.size):
            label = neuron_label(walk, li, j)
            if wsum is not None:
                yield ("layer", f"{label} z", str(j), exact(wsum[j]),
                       "" if dz is None else exact(dz[j]), "", "")
            yield ("layer", f"{label} a ({walk.activation_names[li]})", str(j), exact(out[j]),
                   exact(grad[j]) if lt.kind != "Dense" or not (
                       li == len(walk.trace.layers) - 1 and walk.fused) else "", "", "")
    probs = walk.probabilities
    if probs is not None:
        for k, p in enumerate(probs):
            yield ("output", f"probability of {walk.class_names[k]!r}", str(k), short(p), "", "", "")
    else:
        for k, v in enumerate(walk.real_units(walk.trace.output)):
            yield ("output", "prediction (own units)", str(k), short(v), "", "", "")
    yield ("loss", "loss before the update", "", short(walk.loss), "", "", "")
    yield ("loss", "loss after the update", "", short(walk.loss_after), "", "", "")
    for name, before in walk.weights_before.items():
        entry = walk.preview[name]
        g = walk.trace.gradients[name]
        layer = name.rsplit("/", 1)[0]
        li = next(i for i, lt in enumerate(walk.trace.layers) if lt.name == layer)
        kernel = before.ndim == 4  # a Conv2D's (k, k, channels, filters)
        sources = input_names(walk, li) if name.endswith("/W") and not kernel else None
        for idx in np.ndindex(before.shape):
            if kernel:
                what = (f"{name} filter {idx[3] + 1} kernel row {idx[0] + 1} column {idx[1] + 1} "
                        f"channel {idx[2] + 1}")
            elif walk.trace.layers[li].kind == "Conv2D":
                what = f"{name} bias of filter {idx[-1] + 1}"
            else:
                what = f"{name} {sources[idx[0]]} -> {neuron_label(walk, li, idx[-1])}" if sources \
                    else f"{name} bias of {neuron_label(walk, li, idx[-1])}"
            yield ("weight" if sources or kernel else "bias", what, ";".join(str(i) for i in idx),
                   exact(before[idx]), exact(g[idx]), exact(entry["update"][idx]),
                   exact(entry["params_after"][idx]))


def worksheet_csv(walk: StepWalk) -> str:
    """Every number of the step as CSV text with a header row (:data:`COLUMNS`)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows(walk))
    return out.getvalue()


_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
p.caption { max-width: 50em; line-height: 1.4; }
table { border-collapse: collapse; font-size: 0.85em; margin-bottom: 1em; }
th, td { border: 1px solid #999; padding: 2px 6px; text-align: left; }
td.n { text-align: right; font-family: monospace; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; } }
"""

_NUMBER_CELL = '<td class="n">'
_TABLES = (("input", "The sample"), ("layer", "Through the layers (z and a of every neuron)"),
           ("output", "The output"), ("loss", "The loss"), ("weight", "Every weight"),
           ("bias", "Every bias"))


def worksheet_html(walk: StepWalk) -> str:
    """The step as one self-contained HTML page: the six stages in words, then a table per
    part with every number (all text escaped; no scripts, no external files)."""
    e = html.escape
    title = "One training step"
    if walk.sample_index is not None:
        title += f" on training row {walk.sample_index}"
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(title)}</title><style>{_STYLE}</style></head><body>", f"<h1>{e(title)}</h1>",
             f"<p>{e(walk.optimizer_kind)}, learning rate {walk.learning_rate:g}; loss "
             f"{walk.loss:.4g} before, {walk.loss_after:.4g} after the update.</p>"]
    for stage in walk.stages:
        parts.append(f"<h2>{e(stage.title)}</h2>" + "".join(
            f'<p class="caption">{e(paragraph)}</p>' for paragraph in stage.caption.split("\n")))
    for note in walk.notes:
        parts.append(f"<p class=\"caption\"><em>{e(note)}</em></p>")
    by_section: dict[str, list[tuple[str, ...]]] = {}
    for row in rows(walk):
        by_section.setdefault(row[0], []).append(row)
    heads = {"weight": ("weight", "index", "before", "gradient", "update", "after"),
             "bias": ("bias", "index", "before", "gradient", "update", "after"),
             "input": ("input", "index", "value (scaled)", "", "", "own units"),
             "layer": ("neuron", "index", "value", "dL/dz or dL/da", "", "")}
    for key, heading in _TABLES:
        found = by_section.get(key)
        if not found:
            continue
        cols = heads.get(key, ("what", "index", "value", "", "", ""))
        keep = [i for i, c in enumerate(cols) if c or any(r[i + 1] for r in found)]
        parts.append(f"<h2>{e(heading)}</h2><table><thead><tr>"
                     + "".join(f"<th>{e(cols[i])}</th>" for i in keep) + "</tr></thead><tbody>")
        for r in found:
            cells = r[1:]
            parts.append("<tr>" + "".join(
                (_NUMBER_CELL if i >= 2 else "<td>") + f"{e(cells[i])}</td>" for i in keep) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)
