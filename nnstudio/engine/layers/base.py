"""The layer protocol every layer kind follows (Keras 3's ``build`` / ``call``; numpy-ml's
layers that keep what they computed).

A layer owns its maths and its shapes:

* :meth:`Layer.compute_output_shape` and :meth:`Layer.param_shapes` are pure arithmetic on
  the per-sample input shape (no batch axis), so the UI and the file validator can ask them
  without building anything; :meth:`Layer.build` fixes them on the layer.
* The :class:`~nnstudio.engine.network.Network` hands it views into its flat parameter and
  gradient buffers (:meth:`Layer.bind`), preallocated outputs, and a :class:`Cache` per batch
  size holding what the backward pass needs.
* :meth:`Layer.forward` writes ``out`` in place; :meth:`Layer.backward` writes the parameter
  gradients into the views it was given and the input gradient into ``cache.grad_in`` (or
  skips it when that is None: nothing below needs it).

Shapes are per sample and channels-last for images: ``(26, 26, 16)`` is 16 maps of 26x26.
"""
from __future__ import annotations

import re
import weakref
from collections.abc import Callable

import numpy as np

from nnstudio.errors import ConfigError

Shape = tuple[int, ...]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


def describe_shape(shape: Shape) -> str:
    """A per-sample shape in plain words: ``"16 values"``, ``"a 28x28 grid"``,
    ``"16 maps of 26x26"``."""
    shape = tuple(int(n) for n in shape)
    if len(shape) == 1:
        return f"{shape[0]:,} value{'s' if shape[0] != 1 else ''}"
    if len(shape) == 2:
        return f"a {shape[0]}x{shape[1]} grid"
    if len(shape) == 3:
        maps = shape[2]
        return f"{maps} map{'s' if maps != 1 else ''} of {shape[0]}x{shape[1]}"
    return "values of shape " + "x".join(str(n) for n in shape)


def check_layer_name(name) -> str | None:
    """None, or a valid layer name (a letter, then letters, digits or ``_``; it names the
    layer's weights, ``"dense_1/W"``)."""
    if name is None:
        return None
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"a layer name must start with a letter and hold only letters, digits "
                          f"and '_' (at most 64), got {name!r}")
    return name


class Cache:
    """What one layer keeps between its forward and backward pass, for one batch size.

    Attributes
    ----------
    x : ndarray
        The input of the last forward pass (a view: the network's buffer or the batch).
    out : ndarray
        Where the last forward pass wrote its output.
    grad_in : ndarray or None
        Where backward writes dL/d(input); None when no layer below needs it.
    fused : bool
        The incoming gradient is already taken before the activation (softmax or sigmoid
        with cross-entropy: ``p - y``), so backward must not apply the activation's
        derivative again.
    ones, zeros : ndarray or None
        Constants a layer kind may ask for in :meth:`Layer.new_cache` (Dense: ``(batch,)``
        ones for the bias gradient as one GEMV, ``(batch, units)`` zeros for ReLU); never
        written after they are made.
    """

    __slots__ = ("x", "out", "grad_in", "fused", "mask", "masked", "ones", "zeros")
    # x and out are unset until the first forward pass (a layer reads them only after it).
    x: np.ndarray
    out: np.ndarray
    grad_in: np.ndarray | None
    mask: np.ndarray | None
    fused: bool
    masked: bool
    ones: np.ndarray | None
    zeros: np.ndarray | None

    def __init__(self):
        self.grad_in = self.mask = self.ones = self.zeros = None
        self.fused = self.masked = False


class Layer:
    """Base class of all layer kinds. Subclasses set ``kind`` (the registry and file name),
    ``prefix`` (the stem of automatic names: ``dense`` -> ``dense_1``) and ``description``."""

    kind = ""
    prefix = "layer"
    description = ""
    #: Names of the parameter arrays in buffer order (``("W", "b")``); empty without any.
    param_names: tuple[str, ...] = ()
    #: Per-sample shapes, set by :meth:`build` (unset before: only a built layer has them).
    input_shape: Shape
    output_shape: Shape
    #: Views into the network's flat buffers by parameter name, set by :meth:`bind`.
    params: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]

    def __init__(self, trainable: bool = True, name: str | None = None):
        self._trainable = bool(trainable)
        self._changed: Callable[[], Callable | None] | None = None
        self.name = check_layer_name(name)

    # ------------------------------------------------------------------ settings
    @property
    def has_params(self) -> bool:
        return bool(self.param_names)

    @property
    def trainable(self) -> bool:
        """False freezes the layer: it gets no gradient and the optimizer skips it."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        # The owning network precomputes which layers get gradients; tell it.
        hook = self._changed() if self._changed is not None else None
        if hook is not None:
            hook()

    def watch(self, callback) -> None:
        """Call the bound method ``callback`` (held weakly) when ``trainable`` changes."""
        self._changed = weakref.WeakMethod(callback)

    def get_config(self) -> dict:
        cfg: dict = {"trainable": self.trainable}
        if self.name is not None:
            cfg["name"] = self.name
        return cfg

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        try:
            return cls(**config)
        except TypeError as exc:
            raise ConfigError(f"invalid settings for a {cls.kind} layer: {config!r} ({exc})") from None

    # ------------------------------------------------------------------ shapes
    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """The per-sample output shape for ``input_shape``; raises :class:`ConfigError` in
        plain words when the layer cannot take that input."""
        return tuple(input_shape)

    def param_shapes(self, input_shape: Shape) -> dict[str, Shape]:
        """``{param name: shape}`` in buffer order for ``input_shape`` (empty: no parameters)."""
        return {}

    def param_text(self, input_shape: Shape) -> str:
        """How the parameter count comes about, for people: ``"3 x 16 weights + 16 biases"``."""
        return "no weights"

    def build(self, input_shape: Shape) -> Shape:
        """Fix the input shape; returns the output shape."""
        input_shape = tuple(int(n) for n in input_shape)
        self.output_shape = self.compute_output_shape(input_shape)
        self.input_shape = input_shape
        return self.output_shape

    def flops(self, input_grad: bool = True) -> tuple[int, int]:
        """Floating-point operations per sample once built: ``(forward, backward)``; backward
        counts the input gradient only when ``input_grad`` (the lowest trainable layer skips
        it) and the parameter gradients only when trainable."""
        return 0, 0

    def cache_values_per_row(self, output_shape: Shape, input_shape: Shape | None = None) -> int:
        """Numbers per sample the layer's :class:`Cache` keeps besides the output and the
        gradient buffers (a dropout mask, a convolution's im2col matrix), for the memory
        estimate; ``input_shape`` is the layer's input (None: not known)."""
        return 0

    # ------------------------------------------------------------------ computation
    def bind(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Attach views into the network's flat buffers, named as :attr:`param_names`."""
        self.params, self.grads = params, grads

    def grad_views(self) -> tuple[np.ndarray, ...]:
        """The gradient views in :attr:`param_names` order (what :meth:`backward` receives)."""
        return tuple(self.grads[n] for n in self.param_names)

    def initialize(self, rng: np.random.Generator) -> None:
        """Fill the parameters with their starting values, in place."""

    def weighted_sum(self, x: np.ndarray) -> np.ndarray | None:
        """What the layer computes before its activation, for a trace (None: nothing)."""
        return None

    def new_cache(self, batch: int, dtype) -> Cache:
        return Cache()

    def forward(self, x: np.ndarray, out: np.ndarray, cache: Cache, training: bool,
                rng: np.random.Generator | None) -> np.ndarray:
        """Write the output for ``x`` (batch, *input_shape) into ``out`` (batch, *output_shape)
        and keep in ``cache`` what :meth:`backward` needs. ``training`` with an ``rng``
        turns on what only happens while training (dropout)."""
        raise NotImplementedError

    def backward(self, grad: np.ndarray, cache: Cache, grads) -> np.ndarray | None:
        """From ``grad`` = dL/d(output) (the buffer may be overwritten), write the parameter
        gradients into ``grads`` (the views of :meth:`grad_views`; None when frozen) and
        dL/d(input) into ``cache.grad_in``, which is returned (None: not needed)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{self.kind}({self.get_config()})"
