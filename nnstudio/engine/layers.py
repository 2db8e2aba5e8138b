"""Layers. A layer holds its settings and, once placed in a :class:`Network`, views into the
network's flat parameter and gradient buffers (so the optimizer updates everything at once).
"""
from __future__ import annotations

import numpy as np

from nnstudio.engine.activations import Activation, activation_config, get_activation
from nnstudio.errors import ConfigError

INITS = ("auto", "he", "glorot")


def _check_units(units) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
        raise ConfigError(f"units must be a positive integer, got {units!r}")
    return int(units)


class Layer:
    """Base class of all layers."""

    kind = ""
    description = ""
    has_params = False

    def __init__(self, trainable: bool = True):
        self.trainable = bool(trainable)

    def output_size(self, n_in: int) -> int:
        return n_in

    def param_shapes(self, n_in: int) -> list[tuple[int, ...]]:
        return []

    def get_config(self) -> dict:
        return {"trainable": self.trainable}

    @classmethod
    def from_config(cls, config: dict) -> "Layer":
        try:
            return cls(**config)
        except TypeError as exc:
            raise ConfigError(f"invalid settings for a {cls.kind} layer: {config!r} ({exc})") from None

    def __repr__(self) -> str:
        return f"{self.kind}({self.get_config()})"


class Dense(Layer):
    """Fully connected layer: ``a = activation(x @ W + b)``.

    Parameters
    ----------
    units : int
        Number of neurons.
    activation : str
        Activation key (``"relu"``) or display name (``"ReLU"``).
    init : {"auto", "he", "glorot"}
        Weight initialisation. ``"auto"`` picks He for ReLU-like activations, Glorot otherwise.
    trainable : bool
        False freezes the layer: the optimizer never changes its weights.
    """

    kind = "Dense"
    description = "Every neuron is connected to every neuron of the previous layer."
    has_params = True

    def __init__(self, units: int, activation="relu", init: str = "auto", trainable: bool = True):
        super().__init__(trainable)
        self.units = _check_units(units)
        self.activation: Activation = get_activation(activation)
        if init not in INITS:
            raise ConfigError(f"init must be one of {INITS}, got {init!r}")
        self.init = init
        self.W: np.ndarray | None = None  # views into the network's flat buffers
        self.b: np.ndarray | None = None
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None

    def output_size(self, n_in: int) -> int:
        return self.units

    def param_shapes(self, n_in: int) -> list[tuple[int, ...]]:
        return [(n_in, self.units), (self.units,)]

    def initialize(self, rng: np.random.Generator) -> None:
        """Fill W with random values (He or Glorot) and b with zeros, in place."""
        n_in, n_out = self.W.shape
        scheme = self.init
        if scheme == "auto":
            scheme = "he" if self.activation.key in ("relu", "leaky_relu") else "glorot"
        if scheme == "he":
            self.W[...] = rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)
        else:
            limit = np.sqrt(6.0 / (n_in + n_out))
            self.W[...] = rng.uniform(-limit, limit, (n_in, n_out))
        self.b[...] = 0

    def get_config(self) -> dict:
        cfg = {"units": self.units, "activation": activation_config(self.activation)}
        if self.init != "auto":
            cfg["init"] = self.init
        cfg.update(super().get_config())
        return cfg


class Dropout(Layer):
    """Randomly silences a fraction ``rate`` of its inputs while training (never when predicting).

    The kept values are scaled by ``1 / (1 - rate)`` so predictions need no correction.
    """

    kind = "Dropout"
    description = "While training, randomly switches off some neurons so the network cannot rely on any one."

    def __init__(self, rate: float = 0.2, trainable: bool = True):
        super().__init__(trainable)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ConfigError(f"dropout rate must be a number in [0, 1), got {rate!r}")
        self.rate = float(rate)

    def get_config(self) -> dict:
        cfg = {"rate": self.rate}
        cfg.update(super().get_config())
        return cfg


#: Display name -> class, shared by the palette and the file format.
LAYERS: dict[str, type[Layer]] = {"Dense": Dense, "Dropout": Dropout}


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
