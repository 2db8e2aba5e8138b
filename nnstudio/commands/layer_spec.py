"""The ``--layers`` language of ``nnstudio train``: ``16,16`` (Dense layers) or, for pictures,
``conv16,pool,conv32,pool,flatten,64``.

Tokens, separated by commas: ``convN`` = N filters of 3x3 (ReLU), ``convNxK`` = N filters of
KxK, ``pool`` = 2x2 max pooling, ``flatten``, a number = a Dense layer of that many neurons.
Like Keras, a Dense layer after maps needs an explicit ``flatten``; this module says so
instead of adding one silently.
"""
from __future__ import annotations

import re

from nnstudio.errors import ConfigError

_CONV = re.compile(r"^conv(\d+)(?:x(\d+))?$")
HELP = ("convN (N filters of 3x3), convNxK (KxK, e.g. conv16x5), pool (2x2 max pooling), "
        "flatten, or a number (a Dense layer of that many neurons)")


def parse_layers(text: str, activation: str = "relu") -> tuple[int, ...] | list[dict]:
    """The hidden layers ``text`` describes: a tuple of Dense sizes when it holds only
    numbers (``"16,16"``; ``""`` or ``"none"``: no hidden layer), else a list of layer
    configs (``{"class": "Conv2D", "config": {...}}``).

    Raises
    ------
    ConfigError
        Naming the token that is not understood, or a Dense layer that follows maps
        without ``flatten``.
    """
    if text.strip().lower() in ("", "none", "0"):
        return ()
    tokens = [t.strip().lower() for t in text.split(",")]
    specs: list[dict] = []
    maps = False  # the layers so far give maps (after conv or pool, before flatten)
    for token in tokens:
        conv = _CONV.match(token)
        if token.isdigit():
            units = int(token)
            if units < 1:
                raise ConfigError(f"--layers: a Dense layer needs at least 1 neuron, got {token!r}")
            if maps:
                raise ConfigError(f"--layers: put 'flatten' before {token}: a Dense layer needs a "
                                  f"flat list of values, and the layers before it give maps")
            specs.append({"class": "Dense", "config": {"units": units, "activation": activation}})
        elif conv:
            filters, k = int(conv.group(1)), int(conv.group(2) or 3)
            if filters < 1 or not 1 <= k <= 15:
                raise ConfigError(f"--layers: {token!r} needs at least 1 filter and a kernel of "
                                  f"1 to 15 pixels")
            specs.append({"class": "Conv2D", "config": {"filters": filters, "kernel_size": k,
                                                        "activation": "relu"}})
            maps = True
        elif token == "pool":
            specs.append({"class": "MaxPool2D", "config": {}})
            maps = True
        elif token == "flatten":
            specs.append({"class": "Flatten", "config": {}})
            maps = False
        else:
            shown = token or "(empty)"
            raise ConfigError(f"--layers: {shown!r} is not a layer; use {HELP}, separated by commas, "
                              f"e.g. conv16,pool,conv32,pool,flatten,64")
    if maps:
        raise ConfigError("--layers: end with 'flatten' (and Dense sizes after it if you like): "
                          "the output layer needs a flat list of values, and the last layers give maps")
    if all(spec["class"] == "Dense" for spec in specs):
        return tuple(spec["config"]["units"] for spec in specs)
    return specs


def network_from_specs(dataset, specs: list[dict], seed: int = 0) -> dict:
    """``Network.get_config()`` for pictures: Rescaling 1/255 (the pixels stay uint8), the
    layers ``specs`` from :func:`parse_layers`, and the output layer the data needs.

    Raises
    ------
    ConfigError
        For data that are not pictures, or layers that do not fit the pictures' size (in
        the words of :func:`~nnstudio.engine.shapes.infer_shapes`).
    """
    from nnstudio.engine import Network, layer_from_config
    from nnstudio.engine.shapes import infer_shapes
    from nnstudio.project.build import output_layer_config

    if any(spec["class"] in ("Conv2D", "MaxPool2D") for spec in specs) \
            and not getattr(dataset, "is_image", False):
        raise ConfigError(f"--layers: convolution and pooling work on pictures, but "
                          f"{dataset.name!r} is a table of {dataset.n_features} columns; use "
                          f"--images DIR or a picture data set (see 'nnstudio datasets'), or "
                          f"plain sizes such as 16,16")
    shape = tuple(getattr(dataset, "sample_shape", (dataset.n_features,)))
    configs = ([{"class": "Rescaling", "config": {"scale": 1.0 / 255.0}}] if len(shape) == 3 else [])
    configs += specs + [output_layer_config(dataset)]
    try:
        infer_shapes(shape, configs)
    except ConfigError as exc:
        raise ConfigError(f"--layers does not fit pictures of {'x'.join(map(str, shape))}: {exc}") from None
    return Network(shape, [layer_from_config(c) for c in configs], seed=seed).get_config()
