"""The augmentation transforms: random rotations, flips, shifts, zoom, brightness, contrast,
colour and noise (pure numpy; the pipeline that applies them is :mod:`nnstudio.data.augment`).

Each transform is a small config object (``get_config()`` -> JSON, ``from_config()``) with a
``probability`` (the share of pictures it touches) and a strength. An
:class:`AugmentPipeline` holds a list of them, optional per-class rules ("never rotate 6s
and 9s") and is what ``fit`` receives as its batch transform (``transform(x, y, rng)``): it
is picklable, so it travels to the trainer process, and a project keeps it in
``training["augment"]`` as ``{"class": "AugmentPipeline", "config": {...}}``.

How a batch is changed: the geometric transforms (rotation, flips, shift, zoom) of each
picture are combined into one affine map and applied in a single bilinear resampling
(:mod:`nnstudio.data.augment_warp`), then the colour ones (brightness, contrast, colour,
noise), then values are clipped to 0..``max_value``. Labels never change. Random numbers come
from the generator passed in (fit's, so a run is reproducible per seed).
"""
from __future__ import annotations

import math

import numpy as np

from nnstudio.errors import ConfigError


def _number(owner: str, name: str, value, low: float, high: float) -> float:
    bad = isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
        or not math.isfinite(value)
    if bad or not low <= value <= high:
        raise ConfigError(f"{owner}: {name} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _pct(x: float) -> str:
    return f"{x * 100:.3g} %"


class Transform:
    """Base of the transforms: a probability and (most) a strength.

    Subclasses set ``name`` (the short name used in ``--augment`` and per-class rules),
    ``label`` (plain words), ``geometric``, ``strength_name`` and the strength's range.
    """

    name = ""
    label = ""
    help = ""
    geometric = False
    strength_name: str | None = None
    strength_range = (0.0, 1.0)
    default_strength = 0.0
    default_probability = 1.0

    def __init__(self, strength: float | None = None, probability: float | None = None):
        self.probability = _number(self.label, "probability",
                                   self.default_probability if probability is None else probability, 0, 1)
        if self.strength_name is None:
            self.strength = 0.0
        else:
            self.strength = _number(self.label, self.strength_name,
                                    self.default_strength if strength is None else strength,
                                    *self.strength_range)

    # -- config
    def get_config(self) -> dict:
        config = {"probability": self.probability}
        if self.strength_name is not None:
            config[self.strength_name] = self.strength
        return config

    @classmethod
    def from_config(cls, config: dict) -> Transform:
        if not isinstance(config, dict):
            raise ConfigError(f"settings of {cls.label} must be a mapping, got {config!r}")
        extra = set(config) - {"probability", cls.strength_name}
        if extra:
            raise ConfigError(f"{cls.label} has no setting {sorted(extra)[0]!r}")
        return cls(config.get(cls.strength_name) if cls.strength_name else None, config.get("probability"))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def describe(self) -> str:
        """Plain words: "rotate by up to 15 degrees (every picture)"."""
        share = "every picture" if self.probability >= 1 else f"{_pct(self.probability)} of the pictures"
        return f"{self.label.lower()} {self.amount_words()} ({share})".replace("  ", " ")

    def amount_words(self) -> str:
        return ""

    # -- drawing: geometric transforms give a map, colour ones change values
    def draw(self, n: int, rng: np.random.Generator, shape: tuple[int, int]) -> tuple:
        """Random parameters for ``n`` pictures of ``shape`` (H, W): a geometric transform
        returns its inverse maps ``(A, t)`` of shapes (n, 2, 2) and (n, 2) (see
        :func:`~nnstudio.data.augment_warp.warp`), a colour one what its :meth:`apply` needs."""
        raise NotImplementedError

    def apply(self, x: np.ndarray, params: tuple, rows: np.ndarray, max_value: float,
              rng: np.random.Generator) -> None:
        """Change the pictures ``x[rows]`` in place (colour transforms); ``x`` float32 of shape
        (n, H, W, C), ``rows`` bool of shape (n,)."""
        raise NotImplementedError


class Rotate(Transform):
    name, label = "rotate", "Rotate"
    help = ("Turns each picture by a random angle up to this many degrees, either way. Small "
            "turns (10-15) keep most classes; a digit turned 180 degrees may read as another.")
    geometric = True
    strength_name, strength_range, default_strength = "degrees", (0.0, 180.0), 15.0

    def __init__(self, degrees: float | None = None, probability: float | None = None,
                 min_degrees: float = 0.0):
        super().__init__(degrees, probability)
        self.min_degrees = _number(self.label, "min_degrees", min_degrees, 0, self.strength)

    def get_config(self) -> dict:
        config = super().get_config()
        if self.min_degrees:
            config["min_degrees"] = self.min_degrees
        return config

    @classmethod
    def from_config(cls, config: dict) -> Transform:
        if not isinstance(config, dict):
            raise ConfigError(f"settings of {cls.label} must be a mapping, got {config!r}")
        extra = set(config) - {"probability", "degrees", "min_degrees"}
        if extra:
            raise ConfigError(f"{cls.label} has no setting {sorted(extra)[0]!r}")
        return cls(config.get("degrees"), config.get("probability"), config.get("min_degrees", 0.0))

    def amount_words(self) -> str:
        if self.min_degrees == self.strength:
            return f"by {self.strength:g} degrees"
        return f"by up to {self.strength:g} degrees"

    def draw(self, n, rng, shape):
        angle = rng.uniform(self.min_degrees, self.strength, n)
        angle *= np.where(rng.random(n) < 0.5, -1.0, 1.0)
        a = np.deg2rad(angle)
        cos, sin = np.cos(a), np.sin(a)
        # Quarter turns exactly: cos(90 degrees) is 6e-17 in floats, which would blend a
        # trace of the neighbouring pixel into black ones.
        cos[np.abs(cos) < 1e-12] = 0.0
        sin[np.abs(sin) < 1e-12] = 0.0
        # Counter-clockwise as shown (row 0 at the top), like np.rot90: the inverse map.
        A = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)
        return A, np.zeros((n, 2))


class FlipHorizontal(Transform):
    name, label = "flip_h", "Mirror left-right"
    help = ("Mirrors pictures left to right. Fine for most photos; wrong for digits and "
            "letters (a mirrored 3 is not a 3) and for anything whose side matters.")
    geometric = True
    default_probability = 0.5

    def draw(self, n, rng, shape):
        return np.broadcast_to(np.array([[1.0, 0.0], [0.0, -1.0]]), (n, 2, 2)), np.zeros((n, 2))


class FlipVertical(Transform):
    name, label = "flip_v", "Flip upside down"
    help = ("Turns pictures upside down (top to bottom). Rarely right: the sky is up and a "
            "6 upside down is a 9. Useful for pictures taken from above.")
    geometric = True
    default_probability = 0.5

    def draw(self, n, rng, shape):
        return np.broadcast_to(np.array([[-1.0, 0.0], [0.0, 1.0]]), (n, 2, 2)), np.zeros((n, 2))


class Shift(Transform):
    name, label = "shift", "Shift"
    help = ("Moves each picture by up to this share of its width and height (0.1 = 10 %), "
            "filling the uncovered edge. Helps when objects are not always centred.")
    geometric = True
    strength_name, strength_range, default_strength = "fraction", (0.0, 0.5), 0.1

    def amount_words(self) -> str:
        return f"by up to {_pct(self.strength)} of the size"

    def draw(self, n, rng, shape):
        h, w = shape
        t = rng.uniform(-self.strength, self.strength, (n, 2)) * np.array([h, w], float)
        return np.broadcast_to(np.eye(2), (n, 2, 2)), -t  # content moves by +t


class Zoom(Transform):
    name, label = "zoom", "Zoom"
    help = ("Makes each picture up to this much larger or smaller (0.1 = 10 %), around its "
            "centre. Helps when objects come in different sizes.")
    geometric = True
    strength_name, strength_range, default_strength = "amount", (0.0, 1.0), 0.1

    def amount_words(self) -> str:
        return f"by up to {_pct(self.strength)}"

    def draw(self, n, rng, shape):
        limit = math.log1p(self.strength)
        scale = np.exp(rng.uniform(-limit, limit, n))
        A = np.eye(2)[None] / scale[:, None, None]  # content scaled by `scale`
        return A, np.zeros((n, 2))


class Brightness(Transform):
    name, label = "brightness", "Brightness"
    help = ("Makes each picture lighter or darker by up to this share of full white "
            "(0.2 = 20 %). Helps when lighting varies.")
    strength_name, strength_range, default_strength = "amount", (0.0, 1.0), 0.2

    def amount_words(self) -> str:
        return f"by up to {_pct(self.strength)}"

    def draw(self, n, rng, shape):
        return (rng.uniform(-self.strength, self.strength, n),)

    def apply(self, x, params, rows, max_value, rng):
        # Per-picture factors with 0 / 1 for the untouched ones: whole-batch passes, no copies.
        x += np.where(rows, params[0] * max_value, 0.0).astype(np.float32)[:, None, None, None]


class Contrast(Transform):
    name, label = "contrast", "Contrast"
    help = ("Spreads each picture's values apart or squeezes them together, around its mean, "
            "by up to this much (0.2 = 20 %).")
    strength_name, strength_range, default_strength = "amount", (0.0, 1.0), 0.2

    def amount_words(self) -> str:
        return f"by up to {_pct(self.strength)}"

    def draw(self, n, rng, shape):
        return (rng.uniform(1 - self.strength, 1 + self.strength, n),)

    def apply(self, x, params, rows, max_value, rng):
        # (x - mean) f + mean = x f + mean (1 - f), per picture
        factor = np.where(rows, params[0], 1.0)
        mean = x.mean(axis=(1, 2, 3), dtype=np.float64)
        x *= factor.astype(np.float32)[:, None, None, None]
        x += (mean * (1 - factor)).astype(np.float32)[:, None, None, None]


class ColourJitter(Transform):
    name, label = "colour", "Colour"
    help = ("Changes the colour balance: red, green and blue each get up to this much "
            "stronger or weaker (0.1 = 10 %). Does nothing to grey pictures.")
    strength_name, strength_range, default_strength = "amount", (0.0, 1.0), 0.1

    def amount_words(self) -> str:
        return f"by up to {_pct(self.strength)} per colour"

    def draw(self, n, rng, shape):
        return (rng.uniform(1 - self.strength, 1 + self.strength, (n, 3)),)

    def apply(self, x, params, rows, max_value, rng):
        if x.shape[3] != 3:
            return
        x *= np.where(rows[:, None], params[0], 1.0).astype(np.float32)[:, None, None, :]


class Noise(Transform):
    name, label = "noise", "Noise"
    help = ("Adds random speckles of this strength (a share of full white: 0.05 = 5 %) to "
            "every pixel.")
    strength_name, strength_range, default_strength = "std", (0.0, 1.0), 0.05

    def amount_words(self) -> str:
        return f"of {_pct(self.strength)}"

    def draw(self, n, rng, shape):
        return ()  # drawn at apply time, only for the pictures it touches

    def apply(self, x, params, rows, max_value, rng):
        k = int(rows.sum())
        if k == 0:
            return
        noise = rng.standard_normal((k, *x.shape[1:]), dtype=np.float32)
        noise *= np.float32(self.strength * max_value)
        if k == len(x):
            x += noise
        else:
            x[rows] += noise


#: Short name -> class, in the order the window lists them.
TRANSFORMS: dict[str, type[Transform]] = {cls.name: cls for cls in (
    Rotate, FlipHorizontal, FlipVertical, Shift, Zoom, Brightness, Contrast, ColourJitter, Noise)}
_BY_CLASS = {cls.__name__: cls for cls in TRANSFORMS.values()}


def transform_to_config(transform: Transform) -> dict:
    return {"class": type(transform).__name__, "config": transform.get_config()}


def transform_from_config(spec) -> Transform:
    if not isinstance(spec, dict) or spec.get("class") not in _BY_CLASS:
        raise ConfigError(f"unknown augmentation {spec!r:.80}; choose one of {', '.join(_BY_CLASS)}")
    return _BY_CLASS[spec["class"]].from_config(spec.get("config", {}))
