"""Dropout: while training, silences a random fraction of its inputs."""
from __future__ import annotations

import numpy as np

from nnstudio.engine.layers.base import Cache, Layer
from nnstudio.errors import ConfigError


class Dropout(Layer):
    """Randomly silences a fraction ``rate`` of its inputs while training (never when predicting).

    The kept values are scaled by ``1 / (1 - rate)`` so predictions need no correction.
    """

    kind = "Dropout"
    prefix = "dropout"
    description = "While training, randomly switches off some neurons so the network cannot rely on any one."

    def __init__(self, rate: float = 0.2, trainable: bool = True, name: str | None = None):
        super().__init__(trainable, name)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ConfigError(f"dropout rate must be a number in [0, 1), got {rate!r}")
        self.rate = float(rate)

    def param_text(self, input_shape) -> str:
        return "No parameters: dropout only switches neurons off while training."

    def cache_values_per_row(self, output_shape, input_shape=None) -> int:
        n = 1
        for d in output_shape:
            n *= d
        return n  # the mask

    def new_cache(self, batch: int, dtype) -> Cache:
        cache = Cache()
        cache.mask = np.empty((batch, *self.output_shape), dtype)
        return cache

    def flops(self, input_grad: bool = True) -> tuple[int, int]:
        n = self.cache_values_per_row(self.output_shape)
        return n, n if input_grad else 0

    def forward(self, x, out, cache: Cache, training, rng):
        rate = self.rate
        if rng is None or not training or rate == 0:
            cache.masked = False
            np.copyto(out, x)
            return out
        m = cache.mask
        assert m is not None  # new_cache gave this layer's caches a mask
        rng.random(dtype=m.dtype, out=m)
        # floor(r + keep) is 1 exactly when r >= rate: a keep-mask without a bool temporary.
        keep = 1.0 - rate
        m += keep
        np.floor(m, out=m)
        m *= 1.0 / keep
        np.multiply(x, m, out=out)
        cache.masked = True
        return out

    def backward(self, grad, cache: Cache, grads):
        gi = cache.grad_in
        if gi is None:
            return None
        if cache.masked:
            assert cache.mask is not None  # forward masked into it
            np.multiply(grad, cache.mask, out=gi)
        else:
            np.copyto(gi, grad)
        return gi

    def get_config(self) -> dict:
        cfg = {"rate": self.rate}
        cfg.update(super().get_config())
        return cfg
