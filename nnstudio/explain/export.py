"""A :class:`~nnstudio.explain.walk.StepWalk` as JSON-ready data (``nnstudio step --json``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from nnstudio.explain.walk import StepWalk


def _list(a) -> list:
    return np.asarray(a, dtype=np.float64).tolist()


def walk_to_dict(walk: StepWalk) -> dict:
    """Every number of the step, JSON only.

    Keys: ``sample`` (``index``, ``feature_names``, ``x`` as the network sees it, ``x_raw``,
    and ``label`` / ``label_name`` or ``target``), ``class_names``, ``layers`` (per layer
    ``name``, ``kind``, ``activation``, ``frozen``, ``input``, ``z`` (None for layers without
    weights), ``a``, ``dL_dz``), ``output`` (the network's raw output), ``probabilities``
    (one per class, or None), ``prediction`` (regression: in the target's units), ``loss``,
    ``loss_after``, ``output_after``, ``optimizer`` (``kind``, ``learning_rate``,
    ``config``, ``iterations``), ``gradients`` and ``updated`` (parameter name -> nested
    lists, the names of the project file), ``update`` (the amounts subtracted),
    ``weights_before``, ``frozen`` (parameter names), ``stages`` (``key``, ``title``,
    ``caption``) and ``notes``.
    """
    tr = walk.trace
    sample: dict = {"index": walk.sample_index, "feature_names": list(walk.feature_names),
                    "x": _list(walk.x), "x_raw": None if walk.x_raw is None else _list(walk.x_raw)}
    if walk.task == "classification":
        sample["label"] = int(np.asarray(walk.y).reshape(-1)[0])
        sample["label_name"] = walk.label_name
    else:
        sample["target"] = _list(np.asarray(walk.y).reshape(-1))
    layers = []
    for i, lt in enumerate(tr.layers):
        dz = tr.gradients.get(f"{lt.name}/b")
        layers.append({"name": lt.name, "kind": lt.kind, "activation": walk.activation_keys[i],
                       "frozen": lt.frozen, "input": _list(lt.input.reshape(-1)),
                       "z": None if lt.weighted_sum is None else _list(lt.weighted_sum),
                       "a": _list(lt.output.reshape(-1)),
                       "dL_dz": None if dz is None else _list(dz),
                       "dropout_mask": None if lt.mask is None else _list(lt.mask)})
    probs = walk.probabilities
    return {
        "sample": sample,
        "task": walk.task,
        "class_names": list(walk.class_names),
        "layers": layers,
        "output": _list(tr.output),
        "probabilities": None if probs is None else _list(probs),
        "prediction": None if walk.task == "classification" else _list(walk.real_units(tr.output)),
        "loss": float(walk.loss),
        "loss_after": float(walk.loss_after),
        "output_after": _list(walk.output_after),
        "optimizer": {"kind": walk.optimizer_kind, "learning_rate": walk.learning_rate,
                      "config": dict(walk.optimizer_config), "iterations": walk.iterations},
        "gradients": {name: _list(g) for name, g in tr.gradients.items()},
        "update": {name: _list(e["update"]) for name, e in walk.preview.items()},
        "updated": {name: _list(e["params_after"]) for name, e in walk.preview.items()},
        "weights_before": {name: _list(w) for name, w in walk.weights_before.items()},
        "frozen": sorted(tr.frozen),
        "featured_weight": {"name": walk.featured[0], "index": list(walk.featured[1])},
        "stages": [{"key": s.key, "title": s.title, "caption": s.caption} for s in walk.stages],
        "notes": list(walk.notes),
    }
