"""Training steps of conv nets on large batches, computed in parts of a few dozen rows.

A conv net's per-batch work arrays are large (28x28x16 maps, their im2col matrix, gradients
and masks: ~250 KB per image), so at batch 128 a step's arrays no longer fit the CPU's caches
and every pass over them waits for memory: measured per image, batch 128 ran 1.6x slower than
batch 32 on the MNIST conv net of bench/conv.py. Running the forward and backward pass of each
part of 32 rows in turn, and summing the parts' gradients, keeps each part's arrays cached.
The update is the same mean gradient over the whole batch (each part's loss gradient is
weighted by its share of the rows); only the order of the sums differs, in the last bits.
"""
from __future__ import annotations

import numpy as np

#: Work-array bytes one part may take: parts of a step stay in the CPU's caches. Measured on
#: the MNIST conv net (~640 KB per image by the memory estimate): parts of 16 rows ran batch
#: 128 1.7x faster than one pass; the 8x8 digits net (13 KB per image) runs whole.
PART_BYTES = 10 * 2**20
#: Fewest rows per part: smaller parts pay more in per-call overhead than they save.
MIN_PART_ROWS = 8


def part_rows(network, batch_size: int) -> int | None:
    """Rows per part for ``network`` at ``batch_size``, or None to run batches whole: nets
    with a convolution whose batch's work arrays exceed :data:`PART_BYTES` (by 1.5x, so a
    batch never ends up as a part and a sliver)."""
    if not any(layer.kind == "Conv2D" for layer in network.layers):
        return None
    from nnstudio.engine.memory import activation_bytes_per_row

    per_row = activation_bytes_per_row(network.input_shape, network.layers, network.dtype.itemsize)
    rows = max(MIN_PART_ROWS, PART_BYTES // max(per_row, 1))
    return rows if batch_size > rows * 3 // 2 else None


class PartSteps:
    """``parts(x, y, p, rng)``: the forward pass of the batch ``x`` into ``p`` (its outputs)
    and the gradient of the loss for targets ``y`` into ``network.grads``, part by part.

    Parameters
    ----------
    network : Network
    rows : int
        Rows per part (see :func:`part_rows`).
    """

    def __init__(self, network, rows: int):
        self.network = network
        self.rows = rows
        self.acc = np.empty_like(network.grads)

    def __call__(self, x: np.ndarray, y: np.ndarray, p: np.ndarray, rng) -> None:
        net = self.network
        loss, grads, acc = net.loss, net.grads, self.acc
        n = len(x)
        training = rng is not None
        rows = self.rows
        for s in range(0, n, rows):
            e = min(s + rows, n)
            buf = net.buffers(e - s)
            xp = x[s:e]
            for forward, a, cache in buf.forward:
                xp = forward(xp, a, cache, training, rng)
            forward, cache = buf.last
            pp = forward(xp, p[s:e], cache, training, rng)
            g = buf.g[-1]
            loss.gradient(pp, y[s:e], out=g)
            if e - s != n:
                g *= (e - s) / n  # the part's share of the batch's mean
            for backward, cache, views in buf.backward:
                g = backward(g, cache, views)
            if s == 0:
                np.copyto(acc, grads)
            else:
                acc += grads
        np.copyto(grads, acc)
