"""Layer kinds and their registry. A new kind is one file here plus one entry in
:data:`LAYERS`; :mod:`nnstudio.engine.layers.base` describes the protocol."""
from __future__ import annotations

from nnstudio.engine.layers.base import Cache, Layer, Shape, check_layer_name, describe_shape
from nnstudio.engine.layers.conv2d import Conv2D
from nnstudio.engine.layers.dense import INITS, Dense
from nnstudio.engine.layers.dropout import Dropout
from nnstudio.engine.layers.flatten import Flatten
from nnstudio.engine.layers.naming import fresh_layer_name, layer_names, name_layer_configs, new_layer_config
from nnstudio.engine.layers.pool import MaxPool2D
from nnstudio.engine.layers.rescaling import Rescaling
from nnstudio.errors import ConfigError

#: Display name -> class, shared by the palette and the file format.
LAYERS: dict[str, type[Layer]] = {"Dense": Dense, "Dropout": Dropout, "Conv2D": Conv2D,
                                  "MaxPool2D": MaxPool2D, "Flatten": Flatten,
                                  "Rescaling": Rescaling}


def layer_from_config(spec: dict) -> Layer:
    """Build a layer from ``{"class": "Dense", "config": {...}}``."""
    if not isinstance(spec, dict) or "class" not in spec:
        raise ConfigError(f"a layer must be given as {{'class': ..., 'config': ...}}, got {spec!r}")
    cls = LAYERS.get(spec["class"])
    if cls is None:
        raise ConfigError(f"unknown layer type {spec['class']!r}; choose one of {sorted(LAYERS)}")
    config = spec.get("config", {})
    if not isinstance(config, dict):
        raise ConfigError(f"layer config must be a mapping, got {config!r}")
    return cls.from_config(config)


def layer_to_config(layer: Layer) -> dict:
    return {"class": layer.kind, "config": layer.get_config()}


__all__ = ["Cache", "Layer", "Shape", "check_layer_name", "describe_shape", "INITS", "Dense",
           "Dropout", "Conv2D", "MaxPool2D", "Flatten", "Rescaling",
           "LAYERS", "layer_from_config", "layer_to_config", "fresh_layer_name",
           "layer_names", "name_layer_configs", "new_layer_config"]
