"""Plain-python helpers about layer configs that several panels share (no Qt here)."""
from __future__ import annotations

from nnstudio.project.build import layer_activation as _act
from nnstudio.project.build import output_issue
from nnstudio.project.build import target_count as _n_targets

#: Units offered in the inspector; any positive number is still allowed.
POWERS_OF_TWO = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]


def output_explanation(dataset, spec: dict | None = None) -> str:
    """One line on the output layer for ``dataset``: what it does, or, when the layer ``spec``
    does not fit the data (see :func:`output_issue`), what it should be instead.

    The help line sits beside the warning in the inspector and the canvas tooltip: it must
    never describe a sigmoid output while the warning says the layer is ReLU. Without ``spec``
    it describes the output nnstudio builds for the data.
    """
    wrong = spec is not None and output_issue(spec, dataset) is not None
    units, act = (spec["config"].get("units"), _act(spec)) if spec is not None else (None, None)
    if dataset.task == "classification":
        k = dataset.n_classes
        chance = f"the chance of '{dataset.class_names[1]}'" if k == 2 else ""
        if wrong and k == 2:
            return (f"Two classes: the output layer should be 1 sigmoid neuron giving {chance} "
                    "(binary cross-entropy), or 2 softmax neurons (cross-entropy).")
        if wrong:
            return (f"{k} classes: the output layer should have {k} softmax neurons whose "
                    "probabilities add up to 1, measured with cross-entropy.")
        if k == 2 and act != "softmax":
            return (f"Two classes: the output is 1 sigmoid neuron giving {chance}, measured with "
                    "binary cross-entropy.")
        two = " (1 sigmoid neuron would do the same)" if k == 2 else ""
        return (f"{k} classes: the output has {k} softmax neurons whose probabilities add up to 1, "
                f"measured with cross-entropy{two}.")
    n = _n_targets(dataset)
    neurons = "a linear neuron" if n == 1 else f"{n} linear neurons"
    if wrong:
        return (f"Numbers to predict: the output layer should be {neurons} (any value), measured "
                "with mean squared error.")
    if act not in (None, "linear"):
        return (f"Numbers to predict, measured with mean squared error. This output uses {act}, "
                f"which limits the values it can give; {neurons} (any value) is the usual choice.")
    return f"Numbers to predict: the output is {neurons} (any value), measured with mean squared error."


def describe_params(n_in: int, spec: dict) -> str:
    """The inspector's parameter arithmetic, e.g. ``8 inputs x 4 neurons + 4 biases = 36``
    (the layer kind's own ``param_text``, as :func:`~nnstudio.engine.shapes.infer_shapes`
    gives it)."""
    from nnstudio.engine import layer_from_config

    return layer_from_config(spec).param_text((int(n_in),))
