"""Planning an edit of the layer list: the new layers, which keep their identity, and why not.

A session's layers each carry an identity (an int): trained weights belong to an identity,
not to a position, so a layer moved or left alone keeps what it learned while a layer that
changes what it computes (new units or activation, new input size) gets a new identity and
fresh weights. These functions only plan: :meth:`Session.apply_layers` carries a plan out,
and the window's undo stack keeps plans to apply them again (redo) or the old state (undo).
"""
from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from typing import Any

from nnstudio.errors import ConfigError, NNStudioError

_uids = itertools.count(1)


def new_id() -> int:
    """A layer identity never used before in this process."""
    return next(_uids)


class EditRefused(NNStudioError):
    """An edit that makes no sense (e.g. removing the output layer); the text says why.

    The window shows it as a warning, not an error: nothing is wrong with the network.
    """


@dataclass
class LayerEdit:
    """One planned change of the layer list (see :meth:`Session.apply_layers`).

    Attributes
    ----------
    text : str
        What the undo menu says ("Add Dense layer").
    layers : list of dict
        The new layer configs, output layer last.
    ids : list of int
        Their identities: an identity also in the current list keeps its weights.
    select : int
        The layer to select afterwards.
    keep_history : bool
        True when the change leaves what the network answers as it was (freezing, a dropout
        rate): the history of the run stays.
    """

    text: str
    layers: list[dict]
    ids: list[int]
    select: int
    keep_history: bool = False


@dataclass
class DataSwitch:
    """What switching to other data does to the layers (see :meth:`Session.plan_data_switch`).

    Attributes
    ----------
    dataset : Dataset
    layers : list of dict
        The hidden layers as they are and the output layer the data needs.
    kept_ids : list of int
        Identities when what was learned is kept: the current ones for layers whose weights
        still fit (same place, same settings, same shapes), new ones for the rest.
    fresh_ids : list of int
        All new identities: every layer starts afresh.
    fitting : list of int
        Positions (0-based) of the layers whose trained weights would be kept.
    can_keep : bool
        True when the network has learned something and some of it fits the new data: worth
        asking whether to keep it.
    """

    dataset: object
    layers: list[dict]
    kept_ids: list[int]
    fresh_ids: list[int]
    fitting: list[int] = field(default_factory=list)
    can_keep: bool = False


def layer_params(network) -> list[dict]:
    """Per layer of ``network``, its parameters by short name (``{"W": view, "b": view}``;
    ``{}`` for a layer without any), as views into the network's flat buffer."""
    groups: dict[str, dict] = {}
    for name, (start, size, shape) in network.param_slices().items():
        prefix, _, short = name.rpartition("/")
        groups.setdefault(prefix, {})[short] = network.params[start:start + size].reshape(shape)
    # Weights are named after their layer: its name once layers have one, else its position.
    prefixes = [getattr(layer, "name", None) or str(i) for i, layer in enumerate(network.layers)]
    return [groups.get(prefix, {}) for prefix in prefixes]


def same_shapes(a: dict, b: dict) -> bool:
    """True when the parameter dicts ``a`` and ``b`` hold the same names and shapes."""
    return {k: v.shape for k, v in a.items()} == {k: v.shape for k, v in b.items()}


def fitting_layers(network, layers: list[dict], n_inputs: int | dict, new_layers: list[dict]) -> list[int]:
    """Positions where ``new_layers`` (on ``n_inputs`` inputs, or the input entry of a network
    config such as ``{"input_shape": [28, 28, 1]}``) has the layer ``network`` has there (built
    from ``layers``): the same settings and the same weight shapes, so its trained weights fit
    (Keras' ``skip_mismatch`` rule)."""
    from nnstudio.engine import Network

    if network is None:
        return []
    inputs = n_inputs if isinstance(n_inputs, dict) else {"n_inputs": n_inputs}
    try:
        new = Network.from_config({**inputs, "loss": "auto", "layers": copy.deepcopy(new_layers)})
    except NNStudioError:
        return []
    old_params, new_params = layer_params(network), layer_params(new)
    return [i for i in range(min(len(layers), len(new_layers)))
            if new_layers[i] == layers[i] and same_shapes(old_params[i], new_params[i])]


#: Settings that change the size of what a layer hands on.
RESHAPING = ("units", "filters", "kernel_size", "strides", "padding", "pool_size")

#: Neurons of a new Dense layer (filters of a new Conv2D) when none of its kind comes before it.
DEFAULT_UNITS = 16


def default_layer_config(kind: str, layers: list[dict], index: int) -> dict:
    """Config of a new layer of ``kind`` dropped before position ``index`` of ``layers``: the
    layer class's own defaults, and a Dense layer as wide as the Dense layer before it.

    Raises
    ------
    ConfigError
        For a kind that is not in the layer registry.
    """
    import inspect

    from nnstudio.engine import LAYERS, layer_to_config

    cls = LAYERS.get(kind)
    if cls is None:
        raise ConfigError(f"unknown layer type {kind!r}; choose one of {sorted(LAYERS)}")
    params: dict[str, Any] = {}  # keywords of the kind's own class, not of Layer
    for setting in ("units", "filters"):  # the settings without a default
        if setting in inspect.signature(cls).parameters:
            params[setting] = next((spec["config"][setting] for spec in reversed(layers[:index])
                                    if spec["class"] == kind), DEFAULT_UNITS)
    return layer_to_config(cls(**params))


def plan_insert(layers: list[dict], ids: list[int], index: int, config: dict) -> LayerEdit:
    """Insert the layer ``config`` before position ``index`` (the output layer stays last)."""
    index = max(0, min(index, len(layers) - 1))
    from nnstudio.engine.layers import new_layer_config

    new_layers = copy.deepcopy(layers)
    # Named once, here (the first free dense_N): its weights keep that name while layers
    # around it come and go.
    new_layers.insert(index, new_layer_config(config, layers))
    new_ids = list(ids)
    new_ids.insert(index, new_id())
    return LayerEdit(f"Add {config['class']} layer", new_layers, new_ids, index)


def plan_remove(layers: list[dict], ids: list[int], index: int) -> LayerEdit | None:
    """Remove layer ``index``; None when there is no such layer.

    Raises
    ------
    EditRefused
        For the output layer.
    """
    if not 0 <= index < len(layers):
        return None
    if index == len(layers) - 1:
        raise EditRefused("The output layer cannot be removed: the network needs it to give an "
                          "answer. Change its settings instead.")
    new_layers = copy.deepcopy(layers[:index] + layers[index + 1:])
    return LayerEdit(f"Remove {layers[index]['class']} layer", new_layers,
                     ids[:index] + ids[index + 1:], min(index, len(new_layers) - 1))


def plan_move(layers: list[dict], ids: list[int], src: int, dst: int) -> LayerEdit | None:
    """Move hidden layer ``src`` so it lands before position ``dst``; None when nothing moves.

    Raises
    ------
    EditRefused
        For the output layer, which always stays last.
    """
    last = len(layers) - 1
    if src == last:
        raise EditRefused("The output layer always stays last.")
    if not 0 <= src < last:
        return None
    dst = max(0, min(dst, last))
    target = dst - 1 if dst > src else dst
    if target == src:
        return None
    new_layers, new_ids = copy.deepcopy(layers), list(ids)
    new_layers.insert(target, new_layers.pop(src))
    new_ids.insert(target, new_ids.pop(src))
    return LayerEdit(f"Move {new_layers[target]['class']} layer", new_layers, new_ids, target)


def plan_update(layers: list[dict], ids: list[int], index: int, changes: dict,
                text: str) -> LayerEdit | None:
    """Change settings of layer ``index``; None when they already have these values.

    A new number of units or filters, another kernel, stride, padding, pool size, scale or
    activation makes a different layer (new weights); a change of size also changes what the
    layers after it receive, so those with weights up to the next Dense start afresh too. Freezing or a
    dropout rate changes how training goes on, not what the network answers: what it learned
    so far, and its history, stay.

    Raises
    ------
    ConfigError
        When the changed layer is not valid (checked before it reaches the undo stack).
    """
    from nnstudio.engine import layer_from_config

    old = layers[index]["config"]
    if all(old.get(k) == v for k, v in changes.items()):
        return None
    new_layers = copy.deepcopy(layers)
    new_layers[index]["config"].update(changes)
    layer_from_config(new_layers[index])
    new_ids = list(ids)
    if not set(changes) <= {"trainable", "rate"}:
        new_ids[index] = new_id()
    if set(changes) & set(RESHAPING):
        # What later layers receive changes size: each layer with weights up to the first
        # Dense after it starts afresh (a Conv2D's channels, the list Flatten hands on).
        for k in range(index + 1, len(layers)):
            if layers[k]["class"] in ("Dense", "Conv2D"):
                new_ids[k] = new_id()
                if layers[k]["class"] == "Dense":
                    break
    same_function = set(changes) <= {"trainable", "rate"}
    return LayerEdit(text, new_layers, new_ids, index, keep_history=same_function)


# ---------------------------------------------------------------------- shapes the window shows
@dataclass
class ShapeCheck:
    """Every layer's shape as far as the layers fit, and where and why they stop fitting.

    Attributes
    ----------
    input_shape : tuple of int
        Per sample: ``(n_features,)`` for a table, ``(H, W, C)`` for pictures.
    shapes : list of LayerShape or None
        Per layer (:class:`~nnstudio.engine.shapes.LayerShape`); None from the first layer
        that does not fit on (what comes after it is not known).
    bad : int or None
        Position (0-based) of the first layer that does not fit.
    problem : str
        Why, in plain words, naming the layer (``"Layer 3 (conv2d_2): a 3x3 convolution
        needs at least 3x3 pixels; this layer receives 2x2 ..."``); "" when all fit.
    """

    input_shape: tuple[int, ...]
    shapes: list
    bad: int | None = None
    problem: str = ""

    @property
    def reason(self) -> str:
        """:attr:`problem` without its "Layer 3 (conv2d_2): " head, for a text beside that layer."""
        head, sep, rest = self.problem.partition("): ")
        return rest if sep and head.startswith("Layer ") else self.problem


def input_shape_of(dataset) -> tuple[int, ...]:
    """What one sample of ``dataset`` is for the network: ``(n_features,)`` or ``(H, W, C)``."""
    return tuple(int(d) for d in getattr(dataset, "sample_shape", (dataset.n_features,)))


def check_shapes(input_shape, layers: list[dict]) -> ShapeCheck:
    """The engine's :func:`~nnstudio.engine.shapes.infer_shapes` that never raises: the
    canvas, the inspector and Train read one answer, also while a layer does not fit (a
    Conv2D dropped after Flatten, a kernel larger than the maps that reach it)."""
    from nnstudio.engine.shapes import infer_shapes

    shape = (int(input_shape),) if isinstance(input_shape, int) else tuple(int(d) for d in input_shape)
    try:
        return ShapeCheck(shape, list(infer_shapes(shape, layers)))
    except ConfigError as exc:
        problem = str(exc)
    # Grow the list until it breaks: a handful of layers, each only arithmetic.
    good: list = []
    for k in range(1, len(layers) + 1):
        try:
            good = list(infer_shapes(shape, layers[:k]))
        except ConfigError as exc:
            problem = str(exc)
            return ShapeCheck(shape, good + [None] * (len(layers) - len(good)), len(good), problem)
    return ShapeCheck(shape, good, None, "")  # not reached: the whole list raised above


def picture_only(kind: str) -> bool:
    """True for a layer kind that makes sense only on pictures: it cannot take a flat list of
    values (Conv2D, MaxPool2D), or all it does is turn maps into a list (Flatten). Read from
    the kind's own shape arithmetic, so a new kind needs no entry in a hand-kept table."""
    from nnstudio.engine import layer_from_config

    try:
        layer = layer_from_config(default_layer_config(kind, [], 0))
    except ConfigError:
        return False
    try:
        layer.compute_output_shape((8,))
    except ConfigError:
        return True
    try:
        return len(layer.compute_output_shape((8, 8, 2))) == 1
    except ConfigError:
        return False  # takes lists, not maps (Dense)


def picture_refusal(kind: str, dataset) -> str | None:
    """Why a ``kind`` layer cannot be added for ``dataset`` (a table), or None when it can.

    A Conv2D on the spiral's two numbers can never work, wherever it goes: refused in plain
    words before it reaches the network (on pictures a misplaced layer is drawn red instead,
    since moving it fixes it)."""
    if dataset is None or getattr(dataset, "is_image", False) or not picture_only(kind):
        return None
    n = dataset.n_features
    what = (f"“{dataset.name}” is a table ({n:,} number{'s' if n != 1 else ''} per row), with no "
            "picture")
    why = {"Flatten": "lays maps out as one list, and a row of a table is a list already"}.get(
        kind, "slides over the pixels of a picture")
    return (f"{kind} is for pictures: it {why}; {what} for it to work on. Choose a picture data "
            "set first (Data: MNIST digits or the 8x8 digit pictures, or a folder of images).")
