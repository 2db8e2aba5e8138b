"""Loading weights by name (Keras' ``load_weights(skip_mismatch=True)``): what fits is loaded,
what does not is skipped with the reason, and the network's other weights are left new."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from nnstudio.errors import ConfigError

_POSITIONAL = re.compile(r"^(\d+)/(\w+)$")


@dataclass(frozen=True)
class LoadReport:
    """What :meth:`Network.load_weights` did.

    Attributes
    ----------
    loaded : list of str
        Parameter names copied into the network.
    skipped : list of (str, str)
        Names offered but not used, each with the reason in plain words.
    new : list of str
        The network's parameters that received nothing (they keep their fresh values).
    """

    loaded: list[str]
    skipped: list[tuple[str, str]]
    new: list[str]

    def summary(self) -> str:
        parts = [f"loaded {len(self.loaded)} weight array{'s' if len(self.loaded) != 1 else ''}"]
        if self.skipped:
            parts.append("skipped " + "; ".join(f"{n} ({why})" for n, why in self.skipped))
        if self.new:
            parts.append("left new " + ", ".join(self.new))
        return ", ".join(parts)


def by_name(weights: dict, names_by_position: list[str]) -> dict:
    """``weights`` with position names from before layers had names (``"0/W"``) renamed to
    the layer names (``"dense_1/W"``); other names are kept as they are."""
    if not weights or not all(_POSITIONAL.match(str(k)) for k in weights):
        return dict(weights)
    out = {}
    for key, value in weights.items():
        m = _POSITIONAL.match(str(key))
        assert m is not None  # every key matched above
        index, param = m.groups()
        i = int(index)
        out[f"{names_by_position[i]}/{param}" if i < len(names_by_position) else key] = value
    return out


def match_weights(weights: dict, views: dict[str, np.ndarray], skip_mismatch: bool) -> LoadReport:
    """Check ``weights`` against the network's parameter ``views`` and copy what fits.

    Raises
    ------
    ConfigError
        Without ``skip_mismatch``, on the first array that does not fit (nothing is copied).
    """
    loaded, skipped = [], []
    for name, arr in weights.items():
        arr = np.asarray(arr)
        target = views.get(name)
        if target is None:
            why = "this network has no such weights"
        elif arr.shape != target.shape:
            why = f"shape {arr.shape}, this network needs {target.shape}"
        elif arr.dtype.kind not in "fiu" or not np.all(np.isfinite(arr)):
            why = "values that are not finite numbers"
        else:
            loaded.append(name)
            continue
        if not skip_mismatch:
            raise ConfigError(f"weights {name} do not fit this network: {why}")
        skipped.append((name, why))
    for name in loaded:
        views[name][...] = weights[name]
    got = set(loaded)
    return LoadReport(loaded, skipped, [n for n in views if n not in got])
