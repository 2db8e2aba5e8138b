"""Optimizers that update the network's flat parameter buffer in a few in-place passes.

They receive a list of ``(params, grads)`` segments: views into the flat buffers that cover
only the trainable layers, so frozen parameters are never touched. ``decay`` segments (the
weight matrices, not the biases) receive the L2 penalty.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np

from nnstudio.errors import ConfigError

#: Running averages are flushed to zero below this every FLUSH_EVERY steps. Averages of a
#: gradient that stays 0 (a silent ReLU unit) decay geometrically into float32 denormals,
#: and arithmetic on denormals is ~100x slower: measured 1.5 ms instead of 15 us for one
#: pass over the 784-256-128-10 network's Adam state.
TINY = 1e-30
FLUSH_EVERY = 64
#: Elements per Adam pass (5 float32 arrays x 32768 = 640 KB: inside a 1 MB L2 cache).
ADAM_CHUNK = 32768


def _check_positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _check_fraction(name: str, value, upper_inclusive: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value
    ok = ok and (value <= 1 if upper_inclusive else value < 1)
    if not ok:
        raise ConfigError(f"{name} must be a number in [0, 1{']' if upper_inclusive else ')'}, got {value!r}")
    return float(value)


class Optimizer(ABC):
    display_name = ""
    description = ""

    def __init__(self, learning_rate: float = 0.01, weight_decay: float = 0.0):
        self.learning_rate = _check_positive("learning_rate", learning_rate)
        if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float)) or weight_decay < 0:
            raise ConfigError(f"weight_decay (L2) must be a number >= 0, got {weight_decay!r}")
        self.weight_decay = float(weight_decay)
        self.iterations = 0
        self._segments: list[tuple[np.ndarray, np.ndarray]] = []

    def bind(self, segments: list[tuple[np.ndarray, np.ndarray]],
             decay_segments: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Attach to parameter/gradient views; resets the optimizer's state."""
        self._segments = segments
        self._decay = decay_segments
        self.iterations = 0
        self._state = [self._new_state(p) for p, _ in segments]

    def _new_state(self, p: np.ndarray) -> dict:
        return {}

    def step(self) -> None:
        """Apply one update from the gradients currently in the buffers."""
        lr = _check_positive("learning_rate", self.learning_rate)
        if self.weight_decay:
            for p, g in self._decay:
                g += self.weight_decay * p
        self.iterations += 1
        for (p, g), state in zip(self._segments, self._state):
            self._update(p, g, state, lr)
        if self.iterations % FLUSH_EVERY == 0:
            for state in self._state:
                for key, arr in state.items():
                    if key != "tmp":
                        _flush_tiny(arr)

    @abstractmethod
    def _update(self, p, g, state, lr) -> None:
        """Update one contiguous parameter segment ``p`` in place from its gradient ``g``."""

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate, "weight_decay": self.weight_decay}

    @classmethod
    def from_config(cls, config: dict) -> "Optimizer":
        try:
            return cls(**config)
        except TypeError as exc:
            raise ConfigError(f"invalid settings for {cls.display_name}: {config!r} ({exc})") from None


class SGD(Optimizer):
    """Stochastic gradient descent: ``w -= learning_rate * gradient``, optionally with momentum.

    With ``batch_size=1`` in :func:`fit` this is per-sample SGD as textbooks teach it.
    """

    display_name = "SGD"
    description = "Plain gradient descent: each step moves the weights a little against the gradient."

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0):
        super().__init__(learning_rate, weight_decay)
        self.momentum = _check_fraction("momentum", momentum)
        self.nesterov = bool(nesterov)
        if self.nesterov and self.momentum == 0:
            raise ConfigError("Nesterov needs a momentum above 0, got momentum=0")

    def _new_state(self, p):
        return {"v": np.zeros_like(p)} if self.momentum else {}

    def _update(self, p, g, state, lr):
        if not self.momentum:
            g *= lr  # gradients are recomputed from scratch every step, so reuse the buffer
            p -= g
            return
        v = state["v"]
        v *= self.momentum
        v += g
        if self.nesterov:
            # PyTorch's form: step along g + momentum * v.
            v_scaled = v * self.momentum
            v_scaled += g
            v_scaled *= lr
            p -= v_scaled
        else:
            np.multiply(v, lr, out=g)  # the gradient is no longer needed this step
            p -= g

    def get_config(self):
        cfg = super().get_config()
        cfg.update(momentum=self.momentum, nesterov=self.nesterov)
        return cfg


class Adam(Optimizer):
    """Adam: per-parameter step sizes from running averages of the gradient and its square."""

    display_name = "Adam"
    description = "Adapts the step size for every weight; a robust default that needs little tuning."

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, weight_decay: float = 0.0):
        super().__init__(learning_rate, weight_decay)
        self.beta_1 = _check_fraction("beta_1", beta_1)
        self.beta_2 = _check_fraction("beta_2", beta_2)
        self.epsilon = _check_positive("epsilon", epsilon)

    def _new_state(self, p):
        # "n" and "w" are the first and second moment averages divided by (1 - beta).
        return {"n": np.zeros_like(p), "w": np.zeros_like(p), "tmp": np.empty_like(p)}

    def _update(self, p, g, state, lr):
        b1, b2, t = self.beta_1, self.beta_2, self.iterations
        # Bias correction folded into the step size and epsilon (as PyTorch and Keras do),
        # and so is the (1 - beta) scaling of the stored averages (see _adam_chunk).
        bc2 = math.sqrt(1 - b2 ** t)
        root = math.sqrt(1 - b2)
        step = lr * bc2 / (1 - b1 ** t) * (1 - b1) / root
        eps = self.epsilon * bc2 / root
        n, w, tmp = state["n"], state["w"], state["tmp"]
        # Chunks that fit the L2 cache: the step's GEMMs have evicted the optimizer state, so
        # only the first of the ten passes over each chunk comes from main memory.
        for s in range(0, p.size, ADAM_CHUNK):
            e = s + ADAM_CHUNK
            _adam_chunk(p[s:e], g[s:e], n[s:e], w[s:e], tmp[s:e], b1, b2, step, eps)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return cfg


def _flush_tiny(a: np.ndarray) -> None:
    # From 1e-30 an average needs ~170 more zero-gradient steps (x 0.9) to become denormal,
    # so flushing every 64 steps keeps them out entirely.
    np.copyto(a, 0, where=np.abs(a) < TINY)


def _adam_chunk(p, g, n, w, tmp, b1, b2, step, eps) -> None:
    # n = m / (1 - b1) and w = v / (1 - b2): Adam's averages rescaled so that they update as
    # n = b1 n + g and w = b2 w + g^2, two passes fewer per step; _update folds the scale
    # factors into ``step`` and ``eps``. The gradient buffer is free to reuse afterwards.
    n *= b1
    n += g
    np.multiply(g, g, out=g)
    w *= b2
    w += g
    np.sqrt(w, out=tmp)
    tmp += eps
    np.divide(n, tmp, out=tmp)
    tmp *= step
    p -= tmp


#: Display name -> class, shared by combo boxes and the file format.
OPTIMIZERS: dict[str, type[Optimizer]] = {"SGD": SGD, "Adam": Adam}


def optimizer_from_config(spec: dict) -> Optimizer:
    """Build an optimizer from ``{"class": "Adam", "config": {...}}``."""
    if not isinstance(spec, dict) or spec.get("class") not in OPTIMIZERS:
        raise ConfigError(f"unknown optimizer {spec!r}; choose one of {sorted(OPTIMIZERS)}")
    config = spec.get("config", {})
    if not isinstance(config, dict):
        raise ConfigError(f"optimizer config must be a mapping, got {config!r}")
    return OPTIMIZERS[spec["class"]].from_config(config)


def optimizer_to_config(opt: Optimizer) -> dict:
    return {"class": type(opt).display_name, "config": opt.get_config()}
