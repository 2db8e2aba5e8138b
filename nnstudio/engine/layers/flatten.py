"""Flatten: lays the maps out as one list of values (height x width x channels, channels
fastest, as Keras' channels-last Flatten does), so Dense layers can follow."""
from __future__ import annotations

import numpy as np

from nnstudio.engine.layers.base import Layer, Shape


class Flatten(Layer):
    """Turns each sample's maps (h, w, c) into ``h*w*c`` values; no parameters."""

    kind = "Flatten"
    prefix = "flatten"
    description = "Lays the maps out as one long list of values, so Dense layers can follow."

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n = 1
        for d in input_shape:
            n *= int(d)
        return (n,)

    def param_text(self, input_shape: Shape) -> str:
        return "No parameters: flattening only lays the values out in one list."

    def forward(self, x, out, cache, training, rng):
        cache.x = x
        cache.out = out
        np.copyto(out.reshape(x.shape), x)  # a copy: traces and the next layer read ``out``
        return out

    def backward(self, grad, cache, grads):
        gi = cache.grad_in
        if gi is None:
            return None
        np.copyto(gi.reshape(grad.shape), grad)
        return gi
