"""One answer to "what shape comes out of each layer, and how many parameters does it have":
used by the canvas, the inspector, the command line and the file validator alike, so none of
them re-derives sizes on its own."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.engine.layers import Layer, Shape, describe_shape, layer_from_config, layer_names
from nnstudio.errors import ConfigError


@dataclass(frozen=True)
class LayerShape:
    """One layer's place in the network.

    Attributes
    ----------
    name, kind : str
        ``"dense_1"``, ``"Dense"``.
    input_shape, output_shape : tuple of int
        Per sample (no batch axis).
    n_params : int
        Weights and biases of the layer.
    param_text : str
        How ``n_params`` comes about, for people (``"8 inputs × 4 neurons + 4 biases = 36
        parameters"``).
    trainable : bool
    """

    name: str
    kind: str
    input_shape: Shape
    output_shape: Shape
    n_params: int
    param_text: str
    trainable: bool

    @property
    def shape_text(self) -> str:
        """The output in plain words: ``"16 maps of 26x26"``, ``"10 values"``."""
        return describe_shape(self.output_shape)

    @property
    def n_outputs(self) -> int:
        """Values per sample the layer gives (neurons, for a flat output)."""
        n = 1
        for d in self.output_shape:
            n *= d
        return n


def infer_shapes(input_shape: int | Shape, layers: list) -> list[LayerShape]:
    """Every layer's output shape and parameter count, from layer configs
    (``{"class", "config"}``) or ``Layer`` objects, without building anything.

    Raises
    ------
    ConfigError
        In plain words, naming the layer, when a setting is invalid or a layer cannot take
        what the layer before it gives (``"Layer 2 (dense_2): Dense needs a flat input; ..."``).
    """
    shape: Shape = (int(input_shape),) if isinstance(input_shape, int) else tuple(int(d) for d in input_shape)
    objects: list[Layer] = []
    for i, spec in enumerate(layers):
        try:
            objects.append(spec if isinstance(spec, Layer) else layer_from_config(spec))
        except ConfigError as exc:
            raise ConfigError(f"Layer {i + 1}: {exc}") from None
    names = layer_names(objects)
    out = []
    for i, (layer, name) in enumerate(zip(objects, names)):
        try:
            params = layer.param_shapes(shape)
            out_shape = tuple(layer.compute_output_shape(shape))
        except ConfigError as exc:
            raise ConfigError(f"Layer {i + 1} ({name}): {exc}") from None
        n_params = 0
        for p in params.values():
            size = 1
            for d in p:
                size *= int(d)
            n_params += size
        out.append(LayerShape(name, layer.kind, shape, out_shape, n_params,
                              layer.param_text(shape), layer.trainable))
        shape = out_shape
    return out


def summary_lines(input_shape: int | Shape, layers: list) -> list[str]:
    """One line per layer for people (the inspector, ``nnstudio``'s text output), e.g.
    ``"conv2d_1 (Conv2D): 16 maps of 26x26; 3x3 kernel × 1 channel × 16 filters + 16 biases =
    160 parameters"``; raises :class:`ConfigError` as :func:`infer_shapes` does."""
    return [f"{s.name} ({s.kind}): {s.shape_text}; {s.param_text}" for s in infer_shapes(input_shape, layers)]


def check_input_shape(value) -> Shape:
    """``(n,)`` for an int ``n``; a tuple of positive ints as it is."""
    dims = (value,) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    ok = isinstance(dims, (tuple, list)) and len(dims) >= 1 and all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 1 for d in dims)
    if not ok:
        if isinstance(value, (int, np.integer, bool)) or not isinstance(value, (tuple, list)):
            raise ConfigError(f"n_inputs must be a positive integer, got {value!r}")
        raise ConfigError(f"input_shape must be positive whole numbers, got {value!r}")
    return tuple(int(d) for d in dims)


def sizes_of(input_shape: int | Shape, layers: list) -> list[int]:
    """``[input values, values after layer 1, ...]`` per sample (neurons, for flat layers)."""
    shapes = infer_shapes(input_shape, layers)
    first = 1
    for d in ((input_shape,) if isinstance(input_shape, int) else input_shape):
        first *= int(d)
    return [first] + [s.n_outputs for s in shapes]


__all__ = ["LayerShape", "infer_shapes", "sizes_of", "describe_shape", "check_input_shape",
           "summary_lines"]
