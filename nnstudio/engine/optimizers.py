"""Optimizers that update the network's flat parameter buffer in a few in-place passes.

They receive a list of ``(params, grads)`` segments: views into the flat buffers that cover
only the trainable layers (contiguous layers merged into one segment, for speed), so frozen
parameters are never touched. ``decay`` segments (the weight matrices, not the biases)
receive the L2 penalty. The gradient buffer is only read: the step works in a small scratch
buffer of the optimizer's own, so the gradients stay for whoever looks at them next (the
step-through view, :meth:`Optimizer.preview`).

Their state is data: :meth:`Optimizer.state_dict` and :meth:`Optimizer.load_state_dict`
(see :mod:`nnstudio.engine.optimizer_state`) name it by parameter, not by merged segment.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.engine import optimizer_state
from nnstudio.errors import ConfigError

if TYPE_CHECKING:
    from nnstudio.engine.network import Network

#: Running averages are flushed to zero below this every FLUSH_EVERY steps. Averages of a
#: gradient that stays 0 (a silent ReLU unit) decay geometrically into float32 denormals,
#: and arithmetic on denormals is ~100x slower: measured 1.5 ms instead of 15 us for one
#: pass over the 784-256-128-10 network's Adam state.
TINY = 1e-30
FLUSH_EVERY = 64
#: Elements per pass. Each chunk makes ten numpy calls of ~0.5 us fixed cost; at 131072
#: (5 float32 arrays x 512 KB, past the 1 MB L2 but well inside L3) that cost outweighs
#: keeping the passes in L2: Adam's step on the 784-256-128-10 network (235k parameters)
#: took ~200 us against ~230 us with 32768-element chunks, and 1-2 % less again at 1.3M
#: parameters. The scratch buffers are this long.
ADAM_CHUNK = 131072
#: SGD makes two passes (three with momentum) over fewer arrays.
SGD_CHUNK = 131072


def _check_positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _check_fraction(name: str, value, upper_inclusive: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value
    ok = ok and (value <= 1 if upper_inclusive else value < 1)
    if not ok:
        raise ConfigError(f"{name} must be a number in [0, 1{']' if upper_inclusive else ')'}, got {value!r}")
    return float(value)


def _offset(view: np.ndarray, base: np.ndarray) -> int:
    """Element offset of ``view`` inside the contiguous array ``base`` (-1: not inside)."""
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    if start < 0 or start + view.nbytes > base.nbytes:
        return -1
    return start // base.itemsize


class Optimizer(ABC):
    display_name = ""
    description = ""
    #: Names of the per-parameter state arrays (each shaped like its parameter).
    slots: tuple[str, ...] = ()

    def __init__(self, learning_rate: float = 0.01, weight_decay: float = 0.0):
        self.learning_rate = _check_positive("learning_rate", learning_rate)
        if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float)) or weight_decay < 0:
            raise ConfigError(f"weight_decay (L2) must be a number >= 0, got {weight_decay!r}")
        self.weight_decay = float(weight_decay)
        self.iterations = 0
        # The learning rate :meth:`step` last checked, and that check's float.
        self._rate_seen: object = None
        self._rate = self.learning_rate
        self._segments: list[tuple[np.ndarray, np.ndarray]] = []
        self._state: list[dict[str, np.ndarray]] = []
        self._decay_ranges: list[list[tuple[int, int]]] = []
        self._plan: list[tuple] = []
        #: name -> (segment index, offset in the segment, size, shape), set by :meth:`attach`.
        self._names: dict[str, tuple[int, int, int, tuple[int, ...]]] = {}
        #: Frozen parameters of the attached network: name -> (start, size, shape) in it.
        self._frozen: dict[str, tuple[int, int, tuple[int, ...]]] = {}
        self._network: Network | None = None
        self._layout: tuple | None = None
        #: Parameter names of the attached network in its order, set by :meth:`attach`.
        self._order: list[str] = []

    # ------------------------------------------------------------------ binding
    def attach(self, network) -> None:
        """Bind to ``network``'s trainable parameters, unless already bound to them (same
        buffers, same frozen layers): then the state (momentum, Adam averages) carries on.

        A new binding starts from fresh state; :meth:`load_state_dict` can then restore a
        saved one. Segments are the trainable parameters of :meth:`Network.param_slices`
        with neighbours merged, so one pass covers several layers.
        """
        slices = network.param_slices()
        trainable = {name: network.param_trainable(name) for name in slices}
        layout = (id(network.params), tuple(trainable.values()))
        if self._layout == layout and self._network is network:
            return
        runs: list[list[int]] = []
        names: dict[str, tuple[int, int, int, tuple[int, ...]]] = {}
        frozen: dict[str, tuple[int, int, tuple[int, ...]]] = {}
        for name, (start, size, shape) in slices.items():
            if not trainable[name]:
                frozen[name] = (start, size, shape)
                continue
            if size == 0:
                continue
            if runs and runs[-1][1] == start:
                runs[-1][1] = start + size
            else:
                runs.append([start, start + size])
            names[name] = (len(runs) - 1, start - runs[-1][0], size, shape)
        segments = [(network.params[s:e], network.grads[s:e]) for s, e in runs]
        self.bind(segments, network.trainable_segments()[1])
        self._names, self._frozen, self._network, self._layout = names, frozen, network, layout
        self._order = list(slices)

    def bind(self, segments: list[tuple[np.ndarray, np.ndarray]],
             decay_segments: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Attach to parameter/gradient views; resets the optimizer's state. Prefer
        :meth:`attach`, which also knows the parameters' names (for :meth:`state_dict`)."""
        self._segments = segments
        self.iterations = 0
        self._state = [self._new_state(p) for p, _ in segments]
        # Where the L2 penalty applies, as element ranges inside each segment.
        self._decay_ranges = [[] for _ in segments]
        for pw, _ in decay_segments:
            for i, (p, _) in enumerate(segments):
                start = _offset(pw, p)
                if start >= 0:
                    self._decay_ranges[i].append((start, start + pw.size))
                    break
        for ranges in self._decay_ranges:
            ranges.sort()
        longest = max((p.size for p, _ in segments), default=0)
        dtype = segments[0][0].dtype if segments else np.float32
        # Two chunk-long work arrays: the update to subtract, and the gradient plus its L2 term.
        size = self._chunk_size()
        update, gradient = np.empty((2, min(longest, size)), dtype)
        # Every view a step needs, sliced once here: slicing per step cost ~1 us per chunk.
        self._plan = [chunk for (p, g), state, ranges in zip(segments, self._state, self._decay_ranges)
                      for chunk in _chunks(p, g, state, ranges, update, gradient, size, full=False)]
        self._names, self._frozen, self._network, self._layout = {}, {}, None, None
        self._order = []

    def reset_state(self) -> None:
        """Forget the state: the next :meth:`attach` binds afresh (e.g. after a divergence,
        whose bad steps the running averages saw)."""
        self._layout = None
        self._network = None

    def _new_state(self, p: np.ndarray) -> dict:
        return {slot: np.zeros_like(p) for slot in self.slots}

    # ------------------------------------------------------------------ stepping
    def step(self) -> None:
        """Apply one update from the gradients currently in the buffers (left unchanged)."""
        lr = self.learning_rate
        # Checked only when it changed (a new object): the check cost ~0.5 us of a ~20 us
        # batch-1 step. A bad rate still raises here, at the step, as before.
        if lr is not self._rate_seen:
            self._rate = _check_positive("learning_rate", lr)
            self._rate_seen = lr
        t = self.iterations = self.iterations + 1
        self._run(self._plan, self._factors(self._rate, t))
        if t % FLUSH_EVERY == 0:
            for state in self._state:
                for arr in state.values():
                    _flush_tiny(arr)

    def _run(self, plan: list[tuple], k) -> None:
        """One update over ``plan`` (see :func:`_chunks`) with the step factors ``k``."""
        wd, update = self.weight_decay, self._update
        for p, g, state, out, gradient, decayed in plan:
            if wd and decayed:  # gradient = g + wd * p where the L2 penalty applies
                np.copyto(gradient, g)
                for pw, gw, tmp in decayed:
                    np.multiply(pw, wd, out=tmp)
                    gw += tmp
                g = gradient
            update(p, g, state, k, out)

    def _chunk_size(self) -> int:
        """Elements per pass (see ADAM_CHUNK)."""
        return ADAM_CHUNK

    def _factors(self, lr: float, t: int):
        """What :meth:`_update` needs of the learning rate and the step number ``t``."""
        return lr

    @abstractmethod
    def _update(self, p, g, state, k, out) -> None:
        """Update the parameters ``p`` in place from the gradient ``g`` (L2 included) with the
        step factors ``k`` (:meth:`_factors`), leaving in ``out`` the amount subtracted
        (``p -= out`` is the last operation)."""

    # ------------------------------------------------------------------ looking ahead
    def preview(self) -> dict[str, dict]:
        """The update the next :meth:`step` would make, without changing anything.

        Runs the very operations of a step on copies of the parameters and the state, so the
        result equals the real step bit for bit. Call after the gradients are computed (e.g.
        ``network.backward``) and after :meth:`attach`.

        Returns
        -------
        dict of str to dict
            Per parameter name (of :meth:`Network.param_slices`), arrays shaped like it:
            ``"gradient"`` (with the L2 term), ``"update"`` (subtracted: the new parameters are
            exactly ``params - update``), ``"params_after"``, and ``"trainable"`` (False for
            frozen layers: zero update, no gradient). Adam adds its bias-corrected averages
            ``"m_hat"``, ``"v_hat"`` and ``"step_size"``, the effective learning rate of each
            parameter (``update ~= step_size * m_hat``), computed in float64.
        """
        if self._network is None or (not self._names and not self._frozen):
            raise ConfigError("the optimizer is not attached to a network yet; call attach(network)")
        lr = _check_positive("learning_rate", self.learning_rate)
        t = self.iterations + 1
        out: dict[str, dict] = {}
        per_segment = []
        for (p, g), state, ranges in zip(self._segments, self._state, self._decay_ranges):
            after = p.copy()
            new_state = {k: v.copy() for k, v in state.items()}
            update = np.empty_like(p)
            gradient = g.copy()  # chunks without an L2 term read g itself
            self._run(_chunks(after, g, new_state, ranges, update, gradient, self._chunk_size(),
                              full=True),
                      self._factors(lr, t))
            per_segment.append((after, new_state, update, gradient))
        for name, (i, off, size, shape) in self._names.items():
            after, new_state, update, gradient = per_segment[i]
            sl = slice(off, off + size)
            entry = {"trainable": True, "gradient": gradient[sl].reshape(shape).copy(),
                     "update": update[sl].reshape(shape).copy(),
                     "params_after": after[sl].reshape(shape).copy()}
            entry.update(self._preview_extras({k: v[sl].reshape(shape) for k, v in new_state.items()},
                                              lr, t))
            out[name] = entry
        net = self._network
        for name, (start, size, shape) in self._frozen.items():
            current = net.params[start:start + size].reshape(shape).copy()
            out[name] = {"trainable": False, "gradient": None, "update": np.zeros_like(current),
                         "params_after": current}
        return {name: out[name] for name in self._order if name in out}

    def _preview_extras(self, state: dict, lr: float, t: int) -> dict:
        return {}

    # ------------------------------------------------------------------ state as data
    def state_dict(self) -> dict:
        """The optimizer's state by parameter name (copies); see
        :func:`nnstudio.engine.optimizer_state.state_dict`."""
        return optimizer_state.state_dict(self)

    def load_state_dict(self, state: dict | None) -> list[str]:
        """Continue from ``state`` (a :meth:`state_dict`) when it fits; returns plain-language
        notes about what was dropped (never raises for a state that does not fit)."""
        return optimizer_state.load_state_dict(self, state)

    def get_config(self) -> dict:
        return {"learning_rate": self.learning_rate, "weight_decay": self.weight_decay}

    @classmethod
    def from_config(cls, config: dict) -> Optimizer:
        try:
            return cls(**config)
        except TypeError as exc:
            raise ConfigError(f"invalid settings for {cls.display_name}: {config!r} ({exc})") from None

    def __getstate__(self) -> dict:
        # Sent to the trainer process unbound: the views would arrive as copies of nothing.
        state = self.__dict__.copy()
        state.update(_segments=[], _state=[], _decay_ranges=[], _plan=[], _names={}, _frozen={},
                     _network=None, _layout=None)
        return state


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

    @property
    def slots(self) -> tuple[str, ...]:  # type: ignore[override]
        # "velocity" is PyTorch's momentum buffer: v = momentum * v + gradient.
        return ("velocity",) if self.momentum else ()

    def _chunk_size(self) -> int:
        return SGD_CHUNK

    def _update(self, p, g, state, lr, out):
        if not self.momentum:
            np.multiply(g, lr, out=out)
            p -= out
            return
        v = state["velocity"]
        v *= self.momentum
        v += g
        if self.nesterov:
            # PyTorch's form: step along g + momentum * v.
            np.multiply(v, self.momentum, out=out)
            out += g
            out *= lr
        else:
            np.multiply(v, lr, out=out)
        p -= out

    def get_config(self):
        cfg = super().get_config()
        cfg.update(momentum=self.momentum, nesterov=self.nesterov)
        return cfg


class Adam(Optimizer):
    """Adam: per-parameter step sizes from running averages of the gradient and its square.

    Its state holds the averages rescaled (see :func:`_adam_chunk`): ``m_sum`` is Adam's
    ``m / (1 - beta_1)`` and ``v_sum`` its ``v / (1 - beta_2)``, the exponentially weighted
    sums of the gradients and of their squares.
    """

    display_name = "Adam"
    description = "Adapts the step size for every weight; a robust default that needs little tuning."
    slots = ("m_sum", "v_sum")

    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, weight_decay: float = 0.0):
        super().__init__(learning_rate, weight_decay)
        self.beta_1 = _check_fraction("beta_1", beta_1)
        self.beta_2 = _check_fraction("beta_2", beta_2)
        self.epsilon = _check_positive("epsilon", epsilon)

    def _factors(self, lr: float, t: int) -> tuple[float, float]:
        b1, b2 = self.beta_1, self.beta_2
        # Bias correction folded into the step size and epsilon (as PyTorch and Keras do),
        # and so is the (1 - beta) scaling of the stored averages (see _adam_chunk).
        bc2 = math.sqrt(1 - b2 ** t)
        root = math.sqrt(1 - b2)
        step = lr * bc2 / (1 - b1 ** t) * (1 - b1) / root
        eps = self.epsilon * bc2 / root
        return step, eps

    def _update(self, p, g, state, k, out):
        _adam_chunk(p, g, state["m_sum"], state["v_sum"], out, self.beta_1, self.beta_2, *k)

    def _preview_extras(self, state, lr, t):
        b1, b2 = self.beta_1, self.beta_2
        m_hat = state["m_sum"].astype(np.float64) * ((1 - b1) / (1 - b1 ** t))
        v_hat = state["v_sum"].astype(np.float64) * ((1 - b2) / (1 - b2 ** t))
        return {"m_hat": m_hat, "v_hat": v_hat, "step_size": lr / (np.sqrt(v_hat) + self.epsilon)}

    def get_config(self):
        cfg = super().get_config()
        cfg.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return cfg


def _chunks(p: np.ndarray, g: np.ndarray, state: dict, ranges: list[tuple[int, int]],
            update: np.ndarray, gradient: np.ndarray, size: int, full: bool) -> list[tuple]:
    """The views one segment's update works on, chunk by chunk.

    Chunks stay in cache (L3, see ADAM_CHUNK): the step's GEMMs have evicted the optimizer
    state, so only the first of the passes over each chunk comes from main memory.
    ``update`` and ``gradient`` receive the amount subtracted and the gradient with its L2
    term: chunk-long scratch buffers for a real step, arrays as long as the segment
    (``full``) for a preview.

    Returns
    -------
    list of (p, g, state, update, gradient, decayed)
        ``decayed`` lists ``(p, gradient, scratch)`` views of the weights in the chunk that
        get the L2 penalty.
    """
    n, plan = p.size, []
    for s in range(0, n, size):
        e = min(s + size, n)
        whole = (s, e) == (0, n)
        u = update[s:e] if full else update[:e - s]
        go = gradient[s:e] if full else gradient[:e - s]
        decayed = [(p[a:b], go[a - s:b - s], u[a - s:b - s])
                   for a, b in ((max(a, s), min(b, e)) for a, b in ranges) if a < b]
        plan.append((p if whole else p[s:e], g if whole else g[s:e],
                     state if whole else {k: v[s:e] for k, v in state.items()}, u, go, decayed))
    return plan


def _flush_tiny(a: np.ndarray) -> None:
    # From 1e-30 an average needs ~170 more zero-gradient steps (x 0.9) to become denormal,
    # so flushing every 64 steps keeps them out entirely.
    np.copyto(a, 0, where=np.abs(a) < TINY)


def _adam_chunk(p, g, n, w, tmp, b1, b2, step, eps) -> None:
    # n = m / (1 - b1) and w = v / (1 - b2): Adam's averages rescaled so that they update as
    # n = b1 n + g and w = b2 w + g^2, two passes fewer per step; Adam._factors folds the
    # scale factors into ``step`` and ``eps``. ``g`` is only read; ``tmp`` ends as the update.
    n *= b1
    n += g
    np.multiply(g, g, out=tmp)
    w *= b2
    w += tmp
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
