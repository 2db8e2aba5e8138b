"""Augmentation of pictures on the fly: a seeded pipeline of random transforms that ``fit``
applies to training batches only (pure numpy, no Qt).

An :class:`AugmentPipeline` holds transforms (:mod:`nnstudio.data.augment_transforms`: rotate,
mirror, flip, shift, zoom, brightness, contrast, colour, noise; each with a probability and a
strength), optional per-class rules ("never rotate the 6s and 9s") and how to fill what a
move uncovers. It is ``fit``'s batch transform (``transform(x, y, rng)``), picklable for the
trainer process, and a project keeps it in ``training["augment"]`` as
``{"class": "AugmentPipeline", "config": get_config()}`` (JSON only).

How a batch is changed: the geometric transforms of each picture are combined into one
affine map and applied in one bilinear resampling (:func:`~nnstudio.data.augment_warp.warp`),
then the colour transforms in their order, then values are clipped to 0..``max_value`` (255:
``fit`` hands pictures over as float32 0..255; the network's Rescaling layer scales them
after). Labels never change. All random numbers come from the generator passed in, so the
same seed gives the same pixels, in training as in the preview.
"""
from __future__ import annotations

import numpy as np

from nnstudio.data.augment_transforms import (
    TRANSFORMS,
    Brightness,
    ColourJitter,
    Contrast,
    FlipHorizontal,
    FlipVertical,
    Noise,
    Rotate,
    Shift,
    Transform,
    Zoom,
    transform_from_config,
    transform_to_config,
)
from nnstudio.data.augment_warp import FILLS, Workspace, warp
from nnstudio.errors import ConfigError

RULE_KINDS = ("forbid", "allow")


class AugmentPipeline:
    """Random transforms for training pictures.

    Parameters
    ----------
    transforms : sequence of Transform
        At most one of each kind, applied geometric first (as one resampling), then colour.
    class_rules : dict or None
        Per class number (as a string, JSON keys): ``{"forbid": [names]}`` (these transforms
        never touch pictures of that class) or ``{"allow": [names]}`` (only these do).
        Names are :data:`~nnstudio.data.augment_transforms.TRANSFORMS`' keys ("rotate", ...).
    max_value : float
        Full white (255 for pixels); brightness and noise are shares of it, the result is
        clipped to 0..max_value.
    fill : str
        ``"zeros"`` (what a move uncovers is black) or ``"edge"`` (the nearest edge pixel).
    """

    display_name = "Augmentation"

    def __init__(self, transforms=(), class_rules: dict | None = None, max_value: float = 255.0,
                 fill: str = "zeros"):
        self.transforms: list[Transform] = list(transforms)
        seen: set[str] = set()
        for t in self.transforms:
            if not isinstance(t, Transform):
                raise ConfigError(f"augmentation: {t!r:.60} is not a transform")
            if t.name in seen:
                raise ConfigError(f"augmentation: {t.label} is listed twice")
            seen.add(t.name)
        if isinstance(max_value, bool) or not isinstance(max_value, (int, float)) or not max_value > 0 \
                or not np.isfinite(max_value):
            raise ConfigError(f"augmentation: max_value must be a positive number, got {max_value!r}")
        self.max_value = float(max_value)
        if fill not in FILLS:
            raise ConfigError(f"augmentation: fill must be one of {', '.join(FILLS)}, got {fill!r}")
        self.fill = fill
        self.class_rules = _check_rules(class_rules or {})
        self._work = Workspace()

    def __getstate__(self) -> dict:  # the work arrays stay behind (a child process starts empty)
        state = dict(self.__dict__)
        state["_work"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._work = Workspace()

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        return {"transforms": [transform_to_config(t) for t in self.transforms],
                "class_rules": {k: {kind: list(names) for kind, names in v.items()}
                                for k, v in self.class_rules.items()},
                "max_value": self.max_value, "fill": self.fill}

    @classmethod
    def from_config(cls, config: dict) -> AugmentPipeline:
        if not isinstance(config, dict):
            raise ConfigError(f"augmentation settings must be a mapping, got {config!r:.80}")
        extra = set(config) - {"transforms", "class_rules", "max_value", "fill"}
        if extra:
            raise ConfigError(f"augmentation has no setting {sorted(extra)[0]!r}")
        specs = config.get("transforms", [])
        if not isinstance(specs, list):
            raise ConfigError(f"augmentation: transforms must be a list, got {specs!r:.80}")
        return cls([transform_from_config(s) for s in specs], config.get("class_rules"),
                   config.get("max_value", 255.0), config.get("fill", "zeros"))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __repr__(self) -> str:
        return f"AugmentPipeline({', '.join(map(repr, self.transforms))})"

    def get(self, name: str) -> Transform | None:
        """The transform called ``name`` ("rotate"), or None."""
        return next((t for t in self.transforms if t.name == name), None)

    def describe(self) -> list[str]:
        """One plain line per transform, then one per class rule."""
        lines = [t.describe() for t in self.transforms] or ["no augmentation"]
        for key, rule in sorted(self.class_rules.items(), key=lambda kv: int(kv[0])):
            for kind, names in rule.items():
                which = ", ".join(TRANSFORMS[n].label.lower() for n in names)
                lines.append(f"class {key}: {'never' if kind == 'forbid' else 'only'} {which}")
        return lines

    # ------------------------------------------------------------------ applying
    def __call__(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator):
        """``fit``'s batch transform: ``(augmented x, y)``; ``y`` is returned as it came.

        The augmented batch of float pictures is written into an array the pipeline keeps and
        reuses at the next call (``fit`` trains on it before asking again): new batch-sized
        arrays would cost more in page faults than the augmentation itself.
        """
        classes = class_numbers(y) if self.class_rules else None
        return self.apply(x, rng, classes, reuse=True), y

    def apply(self, x: np.ndarray, rng: np.random.Generator, classes: np.ndarray | None = None,
              reuse: bool = False) -> np.ndarray:
        """Augmented copies of the pictures ``x``.

        Parameters
        ----------
        x : ndarray of shape (n, H, W, C), uint8 or float
            Not changed.
        rng : numpy Generator
        classes : ndarray of shape (n,) or None
            Class numbers, for the per-class rules (None: rules are not applied).
        reuse : bool
            Float pictures: write the result into the pipeline's own array, overwritten by
            the next call with ``reuse`` (no new batch-sized arrays).

        Returns
        -------
        ndarray of the shape and dtype of ``x``
            uint8 in, uint8 out (rounded); floats come back as float32 (float64 as float64).
        """
        x = np.asarray(x)
        if x.ndim != 4:
            raise ConfigError(f"augmentation works on pictures of shape (n, height, width, channels); "
                              f"this data has shape {x.shape}")
        n, h, w, _ = x.shape
        draws: list[tuple[Transform, np.ndarray, tuple]] = []
        for t in self.transforms:
            rows = np.less(rng.random(n), t.probability)
            if classes is not None:
                rows &= self._allowed(t.name, classes)
            draws.append((t, rows, t.draw(n, rng, (h, w))))
        src = x if x.dtype == np.float32 else x.astype(np.float32)
        if reuse and x.dtype != np.uint8:
            work = self._work.get("out", x.shape, np.float32)
        else:
            work = np.empty(x.shape, np.float32)
        if not self._warp(src, [d for d in draws if d[0].geometric], work):
            np.copyto(work, src)  # x is the caller's (read-only in fit)
        touched = False
        for t, rows, params in draws:
            if not t.geometric and rows.any():
                t.apply(work, params, rows, self.max_value, rng)
                touched = True
        if touched:
            np.clip(work, 0, self.max_value, out=work)
        if x.dtype == np.uint8:
            return np.rint(work, out=work).astype(np.uint8)
        return work.astype(x.dtype) if x.dtype == np.float64 else work

    def _warp(self, x: np.ndarray, draws: list, out: np.ndarray) -> bool:
        """``x`` resampled through each picture's combined map into ``out``; False (``out``
        untouched) when no geometric transform touches any picture."""
        n = len(x)
        moved = np.zeros(n, bool)
        A = np.tile(np.eye(2), (n, 1, 1))
        t = np.zeros((n, 2))
        for _tr, rows, (Ak, tk) in draws:
            if not rows.any():
                continue
            moved |= rows
            # Applying T_k after the earlier ones: its inverse map runs first on the output's
            # positions, src(p) = A (A_k p + t_k) + t.
            t[rows] += np.einsum("nij,nj->ni", A[rows], tk[rows])
            A[rows] = A[rows] @ Ak[rows]
        if not moved.any():
            return False
        if moved.all():
            warp(x, A, t, self.fill, out=out, work=self._work)
        else:
            np.copyto(out, x)
            out[moved] = warp(x[moved], A[moved], t[moved], self.fill, work=self._work)
        return True

    def _allowed(self, name: str, classes: np.ndarray) -> np.ndarray:
        """Which of the pictures (by class number) transform ``name`` may touch."""
        ok = np.ones(len(classes), bool)
        for key, rule in self.class_rules.items():
            if name in rule.get("forbid", ()) or ("allow" in rule and name not in rule["allow"]):
                ok &= classes != int(key)
        return ok

    def preview(self, image: np.ndarray, n: int = 15, seed: int = 0, label: int | None = None) -> np.ndarray:
        """``n`` augmented versions of one picture, as training would make them.

        Parameters
        ----------
        image : ndarray of shape (H, W, C)
        label : int or None
            Its class number, for the per-class rules.

        Returns
        -------
        ndarray of shape (n, H, W, C), the dtype of ``image``
        """
        batch = np.repeat(np.asarray(image)[None], n, axis=0)
        classes = None if label is None else np.full(n, int(label))
        return self.apply(batch, np.random.default_rng(seed), classes)


def class_numbers(y: np.ndarray) -> np.ndarray:
    """Class numbers of shape (n,) from targets as the loss takes them: class numbers, one
    0/1 column (two classes) or one-hot rows."""
    y = np.asarray(y)
    if y.ndim == 1:
        return y.astype(np.int64)
    if y.ndim == 2 and y.shape[1] == 1:
        return (y[:, 0] > 0.5).astype(np.int64)
    return y.reshape(len(y), -1).argmax(axis=1)


def _check_rules(rules) -> dict[str, dict[str, list[str]]]:
    if not isinstance(rules, dict):
        raise ConfigError(f"augmentation: class_rules must be a mapping, got {rules!r:.80}")
    out: dict[str, dict[str, list[str]]] = {}
    for key, rule in rules.items():
        text = str(key)
        if not text.isdigit():
            raise ConfigError(f"augmentation: a class rule needs a class number, got {key!r}")
        if not isinstance(rule, dict) or not rule or set(rule) - set(RULE_KINDS) or len(rule) > 1:
            raise ConfigError(f"augmentation: the rule for class {text} must be "
                              f"{{'forbid': [...]}} or {{'allow': [...]}}, got {rule!r:.80}")
        kind, names = next(iter(rule.items()))
        if not isinstance(names, (list, tuple)) or any(n not in TRANSFORMS for n in names):
            raise ConfigError(f"augmentation: the rule for class {text} names unknown transforms "
                              f"{names!r:.80}; choose from {', '.join(TRANSFORMS)}")
        out[str(int(text))] = {kind: [str(n) for n in names]}
    return out


# ---------------------------------------------------------------------- building one
#: ``--augment`` accepts these spellings too.
_ALIASES = {"flip-h": "flip_h", "fliph": "flip_h", "hflip": "flip_h", "mirror": "flip_h",
            "flip-v": "flip_v", "flipv": "flip_v", "vflip": "flip_v", "rotation": "rotate",
            "color": "colour", "translate": "shift"}


def spelled(name: str) -> str:
    """The command-line spelling of a transform name ("flip_h" -> "flip-h")."""
    return name.replace("_", "-")


def parse_augment(text: str, fill: str = "zeros") -> AugmentPipeline:
    """A pipeline from ``--augment`` text such as ``rotate=15,shift=0.1,flip-h``.

    Each item is ``name``, ``name=strength`` or ``name=strength@probability`` (``flip-h@0.3``
    for flips, which have no strength); a name alone takes the default strength.

    Raises
    ------
    ConfigError
        Naming the item, e.g. an unknown name or a strength out of range.
    """
    names = ", ".join(spelled(n) for n in TRANSFORMS)
    transforms = []
    for item in (part.strip() for part in str(text).split(",")):
        if not item:
            continue
        head, _, prob_text = item.partition("@")
        name_text, eq, strength_text = head.partition("=")
        key = name_text.strip().lower()
        key = _ALIASES.get(key, key.replace("-", "_"))
        cls = TRANSFORMS.get(key)
        if cls is None:
            raise ConfigError(f"--augment: unknown transform {name_text.strip()!r}; choose from {names}")
        if eq and cls.strength_name is None:
            raise ConfigError(f"--augment: {spelled(key)} has no strength; give a probability as "
                              f"{spelled(key)}@0.5")
        try:
            strength = float(strength_text) if eq else None
            probability = float(prob_text) if prob_text else None
        except ValueError:
            raise ConfigError(f"--augment: {item!r} must be NAME, NAME=NUMBER or "
                              "NAME=NUMBER@PROBABILITY") from None
        try:
            transforms.append(cls(strength, probability))
        except ConfigError as exc:
            raise ConfigError(f"--augment: {exc}") from None
    if not transforms:
        raise ConfigError(f"--augment needs at least one transform, such as rotate=15,shift=0.1 "
                          f"(choose from {names})")
    return AugmentPipeline(transforms, fill=fill)


def characters(class_names) -> bool:
    """Whether the classes look like digits or letters (single characters), whose mirror
    image is another symbol or none."""
    names = [str(c).strip() for c in class_names]
    return bool(names) and all(len(c) == 1 and c.isalnum() for c in names)


def default_pipeline(channels: int, class_names=()) -> AugmentPipeline:
    """A safe starting pipeline for pictures: small turns, shifts and zoom; for colour
    photos also mirroring and light changes. Never flips digits, letters or grey
    pictures (which are most often symbols or scans)."""
    transforms: list[Transform] = [Rotate(10), Shift(0.1), Zoom(0.1)]
    if channels == 3 and not characters(class_names):
        transforms = [FlipHorizontal(), Rotate(15), Shift(0.1), Zoom(0.1), Brightness(0.2),
                      Contrast(0.2)]
        return AugmentPipeline(transforms, fill="edge")
    return AugmentPipeline(transforms)


__all__ = ["AugmentPipeline", "Brightness", "ColourJitter", "Contrast", "FILLS", "FlipHorizontal",
           "FlipVertical", "Noise", "RULE_KINDS", "Rotate", "Shift", "TRANSFORMS", "Transform", "Zoom",
           "characters", "class_numbers", "default_pipeline", "parse_augment", "spelled",
           "transform_from_config", "transform_to_config", "warp"]
