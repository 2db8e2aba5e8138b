"""The per-batch-size work arrays and plan of calls a :class:`~nnstudio.engine.network.Network`
steps through: made once per batch size, so a training step is a walk over prebuilt tuples."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from nnstudio.engine.network import Network


def prod(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


class Buffers:
    """Per-batch-size work arrays, caches and the plan of calls, made once and reused every
    step: the hot loop is a walk over prebuilt ``(bound method, buffers)`` tuples, with no
    lookups, type switches or allocation per step."""

    def __init__(self, net: Network, batch: int):
        dt = net.dtype
        layers = net.layers
        self.a = [np.empty((batch, *layer.output_shape), dt) for layer in layers]  # outputs of each layer
        self.g = [np.empty((batch, *layer.output_shape), dt) for layer in layers]  # dL/d(output) of each
        self.caches = [layer.new_cache(batch, dt) for layer in layers]
        self.mask = [c.mask for c in self.caches]  # dropout masks (None for other layers)
        stop = net._lowest_trainable_index()
        for i, cache in enumerate(self.caches):
            cache.out = self.a[i]
            # Below the lowest trainable layer nothing needs a gradient: skip that GEMM.
            cache.grad_in = self.g[i - 1] if i > stop else None
        # Cross-entropy fused with softmax / sigmoid hands over dL/dz, not dL/da.
        self.caches[-1].fused = net.loss.fused_with is not None
        self.forward = [(layer.forward, a, c) for layer, a, c in zip(layers, self.a, self.caches)][:-1]
        self.last = (layers[-1].forward, self.caches[-1])
        self.backward = [(layers[i].backward, self.caches[i],
                          layers[i].grad_views() if layers[i].trainable else None)
                         for i in range(len(layers) - 1, min(stop, len(layers)) - 1, -1)]
