"""Sizes, padding and window views of 2-D convolution and pooling, channels-last (NHWC).

Pure arithmetic and stride tricks shared by :mod:`~nnstudio.engine.layers.conv2d` and
:mod:`~nnstudio.engine.layers.pool`; nothing here allocates per step.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.engine.layers.base import Shape, describe_shape
from nnstudio.errors import ConfigError

PADDINGS = ("valid", "same")


def square_size(value, field: str) -> int:
    """A positive whole number, or a square pair such as ``(3, 3)`` / ``[3, 3]`` -> 3."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2 or value[0] != value[1]:
            raise ConfigError(f"{field} must be one number or a square pair such as (3, 3), "
                              f"got {value!r}")
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{field} must be a positive whole number, got {value!r}")
    return int(value)


def check_padding(padding) -> str:
    if padding not in PADDINGS:
        raise ConfigError(f"padding must be 'valid' (no border: the maps shrink) or 'same' (a "
                          f"border of zeros: the maps keep their size), got {padding!r}")
    return str(padding)


def need_image(kind: str, input_shape: Shape) -> None:
    """Refuse, in plain words, an input that is not an image (height x width x channels)."""
    if len(input_shape) == 3:
        return
    if len(input_shape) == 1:
        raise ConfigError(f"{kind} needs an image (height x width x channels); this layer "
                          f"receives {describe_shape(input_shape)}, a flat list (after Flatten or "
                          f"Dense the picture is gone): put {kind} before Flatten")
    if len(input_shape) == 2:
        raise ConfigError(f"{kind} needs an image with a channel axis (height x width x "
                          f"channels); this layer receives {describe_shape(input_shape)}: give "
                          f"the images the shape {input_shape[0]}x{input_shape[1]}x1")
    raise ConfigError(f"{kind} needs an image (height x width x channels); this layer receives "
                      f"{describe_shape(input_shape)}")


@dataclass(frozen=True)
class Geometry:
    """Where a ``k`` x ``k`` window with ``stride`` lands on an ``h`` x ``w`` input.

    Attributes
    ----------
    out_h, out_w : int
        Output size (Keras' rule: "valid" floors, "same" gives ``ceil(size / stride)``).
    top, left : int
        Zeros added above and left of the input ("same"; TensorFlow puts an odd extra row
        or column at the bottom / right).
    padded_h, padded_w : int
        The input's size with its border of zeros (equal to ``h``, ``w`` for "valid").
    """

    k: int
    stride: int
    h: int
    w: int
    out_h: int
    out_w: int
    top: int
    left: int
    padded_h: int
    padded_w: int

    @property
    def padded(self) -> bool:
        return (self.padded_h, self.padded_w) != (self.h, self.w)


def geometry(what: str, h: int, w: int, k: int, stride: int, padding: str = "valid") -> Geometry:
    """The :class:`Geometry` of a window; ``what`` names it for the error
    (``"a 3x3 convolution"``), raised when the input is smaller than the window."""
    if padding == "same":
        out_h, out_w = -(-h // stride), -(-w // stride)
        pad_h = max((out_h - 1) * stride + k - h, 0)
        pad_w = max((out_w - 1) * stride + k - w, 0)
        return Geometry(k, stride, h, w, out_h, out_w, pad_h // 2, pad_w // 2, h + pad_h, w + pad_w)
    if h < k or w < k:
        raise ConfigError(f"{what} needs at least {k}x{k} pixels; this layer receives {h}x{w}"
                          + (" (use padding 'same', a smaller kernel or fewer pooling layers "
                             "before it)" if what.endswith("convolution") else
                             " (use fewer pooling layers before it)"))
    out_h, out_w = (h - k) // stride + 1, (w - k) // stride + 1
    return Geometry(k, stride, h, w, out_h, out_w, 0, 0, h, w)


def windows(x: np.ndarray, g: Geometry) -> np.ndarray:
    """A read-only view of shape (batch, out_h, out_w, k, k, channels) of every window of the
    (padded) input ``x`` (batch, padded_h, padded_w, channels): no copy."""
    sb, sh, sw, sc = x.strides
    s = g.stride
    return np.lib.stride_tricks.as_strided(
        x, (x.shape[0], g.out_h, g.out_w, g.k, g.k, x.shape[3]),
        (sb, s * sh, s * sw, sh, sw, sc), writeable=False)


def tap(x: np.ndarray, di: int, dj: int, g: Geometry) -> np.ndarray:
    """The view (batch, out_h, out_w, channels) of ``x`` that the window's pixel ``(di, dj)``
    sees at every output position."""
    s = g.stride
    return x[:, di:di + s * (g.out_h - 1) + 1:s, dj:dj + s * (g.out_w - 1) + 1:s, :]
