"""One pixel of a feature map under the magnifying glass: the kernel laid on the patch of the
input it sees, kernel x patch + bias = z, the activation, and the backward pass (the
gradient that pixel receives and its share of each kernel weight's gradient).

CNN Explainer's view, on the person's own network and with the engine's own numbers: the
kernel and bias are the walk's weights before the step, the patch is the layer's traced
input, and ``z`` equals :meth:`Conv2D.weighted_sum` (the trace's ``weighted_sum``) at that
pixel; the gradients come from the same trace.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.engine.activations import get_activation
from nnstudio.errors import ConfigError
from nnstudio.explain.numbers import num, term

#: Up to this many products are written out one by one; more are summed per channel.
MAX_TERMS = 25


@dataclass
class ConvPixelMath:
    """The arithmetic of pixel ``(row, col)`` of map ``filter`` of a Conv2D layer.

    Attributes
    ----------
    layer_name : str
        ``"conv2d_1"``.
    row, col, filter : int
        The output pixel and its map (0-based).
    top, left : int
        Where the kernel's top-left tap lands on the input (negative inside a "same" border
        of zeros).
    kernel : ndarray of shape (k, k, channels)
        The filter's weights.
    patch : ndarray of shape (k, k, channels)
        The input values under the kernel (0 in the border of zeros).
    bias : float
    products : ndarray of shape (k, k, channels)
        ``kernel * patch``.
    z : float
        ``products.sum() + bias``: the weighted sum the engine computed at this pixel.
    a : float
        The activation of ``z``: the map's value there.
    activation : str
        Its display name ("ReLU").
    slope : float
        f'(z), the activation's slope at ``z``.
    grad_a, grad_z : float
        dL/da the backward pass brings to this pixel and dL/dz = dL/da x f'(z).
    weight_grads : ndarray of shape (k, k, channels)
        This pixel's share of each kernel weight's gradient: ``grad_z * patch``.
    total_weight_grads : ndarray of shape (k, k, channels)
        Each kernel weight's whole gradient (the sum of the shares of every pixel of the map,
        as the engine computed it).
    positions : int
        Pixels of the map (each adds its share to the kernel weights' gradients).
    """

    layer_name: str
    row: int
    col: int
    filter: int
    top: int
    left: int
    kernel: np.ndarray
    patch: np.ndarray
    bias: float
    products: np.ndarray
    z: float
    a: float
    activation: str
    slope: float
    grad_a: float
    grad_z: float
    weight_grads: np.ndarray
    total_weight_grads: np.ndarray
    positions: int

    @property
    def k(self) -> int:
        return int(self.kernel.shape[0])

    @property
    def channels(self) -> int:
        return int(self.kernel.shape[2])

    @property
    def where(self) -> str:
        """``"map 3, row 5, column 7"`` (1-based, as people count)."""
        return f"map {self.filter + 1}, row {self.row + 1}, column {self.col + 1}"

    @property
    def patch_text(self) -> str:
        """Which input pixels the kernel covers: ``"rows 5-7, columns 7-9"``."""
        k = self.k
        return (f"rows {self.top + 1}-{self.top + k}, columns {self.left + 1}-{self.left + k}"
                + (" (partly the border of zeros)" if self.top < 0 or self.left < 0 else ""))

    def sum_text(self) -> str:
        """``0.12 x 0.45 + (-0.31) x 0.8 + ... = 1.23``: every product when there are at most
        :data:`MAX_TERMS`, else one sum per channel."""
        total = float(self.products.sum())
        if self.products.size <= MAX_TERMS:
            terms = [f"{term(w)} \u00d7 {term(x)}" for w, x in
                     zip(self.kernel.reshape(-1), self.patch.reshape(-1))]
            return " + ".join(terms) + f" = {num(total)}"
        per = self.products.sum(axis=(0, 1))
        shown = [f"{term(v)}" for v in per[:8]]
        more = f" + \u2026 ({self.channels - 8} more channels)" if self.channels > 8 else ""
        k = self.k
        return (f"{k}x{k} products on each of {self.channels} channels, summed per channel: "
                + " + ".join(shown) + more + f" = {num(total)}")

    @property
    def caption(self) -> str:
        """The forward arithmetic in one paragraph."""
        k = self.k
        chans = "" if self.channels == 1 else f" \u00d7 {self.channels} channels"
        return (f"{self.layer_name}, {self.where}: the {k}x{k}{chans} kernel of filter "
                f"{self.filter + 1} lies on the input's {self.patch_text}. Kernel \u00d7 patch: "
                f"{self.sum_text()}; + bias {term(self.bias)} = z = {num(self.z)}; "
                f"{self.activation}({num(self.z)}) = {num(self.a)}, the map's value at this pixel.")

    @property
    def backward_caption(self) -> str:
        """The backward pass at this pixel and into the kernel's weights."""
        k = self.k
        deriv = num(self.slope)
        w = self.weight_grads.reshape(-1)
        x = self.patch.reshape(-1)
        i = int(np.argmax(np.abs(self.total_weight_grads.reshape(-1))))
        di, rest = divmod(i, k * self.channels)
        dj, c = divmod(rest, self.channels)
        tap = f"row {di + 1}, column {dj + 1}" + (f", channel {c + 1}" if self.channels > 1 else "")
        return (f"Backward: this pixel receives dL/da = {num(self.grad_a)}; through "
                f"{self.activation} (slope {deriv} at z = {num(self.z)}) dL/dz = "
                f"{num(self.grad_z)}. Each kernel weight gets dL/dz \u00d7 the input value it "
                f"multiplied here; for the weight at {tap}: {term(self.grad_z)} \u00d7 {term(x[i])} = "
                f"{num(w[i])}. The same kernel slides over all {self.positions:,} pixels of the map, "
                f"so that weight's gradient is the sum of all their shares: "
                f"{num(self.total_weight_grads.reshape(-1)[i])}.")


def conv_pixel_math(walk, network, layer_index: int, row: int, col: int, filt: int) -> ConvPixelMath:
    """The arithmetic of pixel ``(row, col)`` of map ``filt`` of Conv2D layer
    ``layer_index`` in ``walk`` (a :class:`~nnstudio.explain.StepWalk` of ``network``, whose
    layer gives the geometry: kernel size, stride, padding).

    Raises
    ------
    ConfigError
        When that layer is not a Conv2D or the pixel is not in its maps (naming the range).
    """
    layers = walk.trace.layers
    if not 0 <= layer_index < len(layers) or layers[layer_index].kind != "Conv2D":
        raise ConfigError(f"layer {layer_index + 1} is not a Conv2D layer")
    lt = layers[layer_index]
    layer = network.layers[layer_index]
    out_h, out_w, n_f = lt.output.shape
    for value, n, what in ((row, out_h, "row"), (col, out_w, "column"), (filt, n_f, "map")):
        if not 0 <= value < n:
            raise ConfigError(f"{what} must be 1 to {n}, got {value + 1}")
    g = layer.geometry(lt.input.shape)
    k = g.k
    x = np.asarray(lt.input, dtype=np.float64)
    padded = np.zeros((g.padded_h, g.padded_w, x.shape[2]))
    padded[g.top:g.top + g.h, g.left:g.left + g.w] = x
    r0, c0 = row * g.stride, col * g.stride
    patch = padded[r0:r0 + k, c0:c0 + k, :]
    W = np.asarray(walk.weights_before[f"{lt.name}/W"], dtype=np.float64)
    kernel = W[:, :, :, filt]
    bias = float(walk.weights_before[f"{lt.name}/b"][filt])
    products = kernel * patch
    z = float(products.sum()) + bias
    act = get_activation(walk.activation_keys[layer_index] or "linear")
    a = float(act.forward(np.array([[z]]))[0, 0])
    grad_a = float(lt.grad_output[row, col, filt])
    # f'(z) from the activation's own backward, fed with its output (as the engine does).
    slope = float(act.backward(np.array([[1.0]]), np.array([[a]]))[0, 0])
    grad_z = grad_a * slope
    total = np.asarray(walk.trace.gradients[f"{lt.name}/W"], dtype=np.float64)[:, :, :, filt]
    return ConvPixelMath(lt.name, int(row), int(col), int(filt), r0 - g.top, c0 - g.left,
                         kernel.copy(), patch.copy(), bias, products, z, a, act.display_name,
                         slope, grad_a, grad_z, grad_z * patch, total.copy(), out_h * out_w)


def pixel_of(shape, j: int) -> tuple[int, int, int]:
    """``(row, col, map)`` of flat index ``j`` of a channels-last ``(H, W, C)`` output."""
    h, w, c = (int(d) for d in shape)
    if not 0 <= j < h * w * c:
        raise ConfigError(f"pixel index must be 0 to {h * w * c - 1}, got {j}")
    rest, m = divmod(int(j), c)
    r, s = divmod(rest, w)
    return r, s, m
