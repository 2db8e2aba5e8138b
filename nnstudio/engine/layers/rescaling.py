"""Rescaling: ``x * scale + offset`` inside the model (Keras' Rescaling), e.g. 1/255 so
uint8 pixels become 0..1: the preprocessing travels with the model, and no per-pixel
statistics are stored in the project."""
from __future__ import annotations

import math

import numpy as np

from nnstudio.engine.layers.base import Layer, Shape
from nnstudio.errors import ConfigError


def _number(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value):
        raise ConfigError(f"{field} must be a finite number, got {value!r}")
    return float(value)


class Rescaling(Layer):
    """Multiplies every input value by ``scale`` and adds ``offset``; no parameters.

    Parameters
    ----------
    scale : float
        E.g. ``1/255`` for pixels of 0..255.
    offset : float
    """

    kind = "Rescaling"
    prefix = "rescaling"
    description = "Multiplies every value by a fixed number (1/255 turns pixels into 0..1)."

    def __init__(self, scale: float = 1 / 255, offset: float = 0.0, trainable: bool = True,
                 name: str | None = None):
        super().__init__(trainable, name)
        self.scale = _number(scale, "scale")
        self.offset = _number(offset, "offset")

    def param_text(self, input_shape: Shape) -> str:
        shift = f" + {self.offset:g}" if self.offset else ""
        return f"No parameters: every value \u00d7 {self.scale:.6g}{shift}."

    def flops(self, input_grad: bool = True) -> tuple[int, int]:
        n = 1
        for d in self.output_shape:
            n *= d
        return n * (2 if self.offset else 1), n if input_grad else 0

    def forward(self, x, out, cache, training, rng):
        cache.x = x
        cache.out = out
        np.multiply(x, self.scale, out=out)
        if self.offset:
            np.add(out, self.offset, out=out)
        return out

    def backward(self, grad, cache, grads):
        gi = cache.grad_in
        if gi is None:
            return None
        np.multiply(grad, self.scale, out=gi)
        return gi

    def get_config(self) -> dict:
        cfg: dict = {"scale": self.scale, "offset": self.offset}
        cfg.update(super().get_config())
        return cfg
