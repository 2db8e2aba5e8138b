"""What the network's neurons do on the training data: hidden ReLU neurons that never fire
("dead ReLUs") pass no gradient back, so they never learn again (pure numpy, no Qt)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Rows pushed through at once: bounded memory for big data (60,000 MNIST rows).
_CHUNK = 4096


@dataclass(frozen=True)
class DeadReLUs:
    """Hidden ReLU neurons that gave 0 for every training row.

    Attributes
    ----------
    dead, total : int
        Dead neurons and all hidden ReLU neurons.
    per_layer : dict of str to (int, int)
        Layer name -> (dead, neurons), hidden ReLU layers only.
    rows : int
        Rows the neurons were checked on.
    """

    dead: int
    total: int
    per_layer: dict
    rows: int

    @property
    def share(self) -> float:
        """Dead share of the hidden ReLU neurons (0 when there are none)."""
        return self.dead / self.total if self.total else 0.0


def dead_relu_share(network, X: np.ndarray, max_rows: int | None = None) -> DeadReLUs:
    """Count the hidden ReLU neurons that never fire (output 0 for all rows of ``X``).

    Parameters
    ----------
    network : Network
        Its Dense layers are run as when predicting (Dropout passes everything on).
    X : ndarray of shape (n_samples, n_features)
        The training rows, scaled as the network sees them.
    max_rows : int or None
        Check at most this many rows (the first ones); None: all.

    Returns
    -------
    DeadReLUs
        ``share`` is what the doctor's ``flat`` finding reports ("12 of 16 neurons").
    """
    X = np.asarray(X, dtype=network.dtype)
    if max_rows is not None:
        X = X[:max_rows]
    dense = [i for i, layer in enumerate(network.layers) if getattr(layer, "kind", "") == "Dense"]
    hidden = set(dense[:-1])
    fired: dict[int, np.ndarray] = {}
    for start in range(0, max(len(X), 1), _CHUNK):
        a = X[start:start + _CHUNK]
        if not len(a):
            break
        for i, layer in enumerate(network.layers):
            if getattr(layer, "kind", "") == "Dense":
                z = layer.weighted_sum(a)
                if i in hidden and layer.activation.key == "relu":
                    seen = (z > 0).any(axis=0)
                    fired[i] = seen if i not in fired else fired[i] | seen
                a = layer.activation.forward(z)
            elif getattr(layer, "kind", "") != "Dropout":
                break  # a layer kind this count does not know: stop here, count what was seen
    per_layer = {network.layers[i].name: (int((~seen).sum()), int(seen.size))
                 for i, seen in sorted(fired.items())}
    dead = sum(d for d, _ in per_layer.values())
    total = sum(n for _, n in per_layer.values())
    return DeadReLUs(dead, total, per_layer, len(X))
