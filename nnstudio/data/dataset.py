"""The Dataset container shared by every loader, the splitter and the UI."""
from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from nnstudio.errors import DataError

TASKS = ("classification", "regression")
MIN_CLASS_SAMPLES = 5   # fewer samples than this and a class cannot be learned (nor fairly tested)


@dataclass(eq=False)   # array fields make "==" ambiguous; compare X / y explicitly instead
class Dataset:
    """Arrays plus everything a person needs to understand where they came from.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), or uint8 of shape (n_samples, H, W, C)
        Features, converted to float32; or pictures, kept as they are: uint8 pixels, ``C`` = 1
        (grey) or 3 (red, green, blue). Images stay uint8 until a batch is gathered (a float32
        copy of 10,000 MNIST digits would take 31 MB instead of 7.8 MB); the network's first
        layer rescales them.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        int64 class indices into ``class_names`` for classification, float32 for regression.
    feature_names : sequence of str
        One name per column of ``X`` (per value of a sample, for pictures). For pictures give
        ``[]``: :class:`PixelNames` then names each value only when asked.
    class_names : list of str
        Class ``i`` is ``class_names[i]``; empty for regression.
    task : {"classification", "regression"}
    source : dict
        JSON-able description that ``load_dataset_source`` turns back into this data set.
    name : str
        Short title shown in the UI.
    notes : list of str
        Plain-language report of what was done with the data (dropped columns, class balance...).
    image_shape : tuple of (int, int), optional
        Height and width of each picture: set when each row is a flattened picture, e.g. (8, 8)
        for the digits table, and always for pictures (taken from ``X``).
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: Sequence[str]
    class_names: list[str]
    task: str
    source: dict
    name: str
    notes: list[str] = field(default_factory=list)
    image_shape: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        # Normalise once here so every consumer can rely on dtypes and shapes.
        X = np.asarray(self.X)
        if X.ndim == 4:
            if X.dtype != np.uint8 or X.shape[3] not in (1, 3):
                raise DataError(f"pictures must be uint8 of shape (samples, height, width, 1 or 3), "
                                f"got {X.dtype} of shape {X.shape}")
            self.X = X  # no copy: an image set is held once (see the class docstring)
            self.image_shape = (int(X.shape[1]), int(X.shape[2]))
        else:
            self.X = np.asarray(X, dtype=np.float32)
            if self.X.ndim != 2:
                raise DataError(f"features must be a 2-D table (samples x features), got {self.X.ndim}-D")
        if self.task not in TASKS:
            raise DataError(f"task must be 'classification' or 'regression', got {self.task!r}")
        if self.task == "classification":
            self.y = np.asarray(self.y, dtype=np.int64)
            if self.y.ndim != 1:
                raise DataError(f"class labels must be 1-D, got shape {self.y.shape}")
            if self.y.size and (self.y.min() < 0 or self.y.max() >= len(self.class_names)):
                raise DataError(
                    f"class labels must lie in 0..{len(self.class_names) - 1} "
                    f"(one per class name), got {int(self.y.min())}..{int(self.y.max())}")
        else:
            self.y = np.asarray(self.y, dtype=np.float32)
            if self.y.ndim not in (1, 2):
                raise DataError(f"regression targets must be 1-D or 2-D, got shape {self.y.shape}")
        if len(self.y) != len(self.X):
            raise DataError(f"features have {len(self.X)} rows but targets have {len(self.y)}")
        if self.is_image and not isinstance(self.feature_names, PixelNames) and not len(self.feature_names):
            self.feature_names = PixelNames(self.X.shape[1:])
        elif not isinstance(self.feature_names, PixelNames):
            self.feature_names = [str(n) for n in self.feature_names]
        if len(self.feature_names) != self.n_features:
            raise DataError(f"got {len(self.feature_names)} feature names for {self.n_features} features")
        self.class_names = [str(n) for n in self.class_names]
        self.notes = list(self.notes)
        if self.image_shape is not None and not self.is_image:
            self.image_shape = (int(self.image_shape[0]), int(self.image_shape[1]))
            if self.image_shape[0] * self.image_shape[1] != self.X.shape[1]:
                raise DataError(f"image_shape {self.image_shape} does not match {self.X.shape[1]} features")

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def is_image(self) -> bool:
        """True for pictures kept as uint8 (n_samples, H, W, C); False for a table."""
        return self.X.ndim == 4

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample: ``(n_features,)`` for a table, ``(H, W, C)`` for pictures
        (the network's input shape)."""
        return tuple(int(d) for d in self.X.shape[1:])

    @property
    def table(self) -> np.ndarray:
        """``X`` as a table of shape (n_samples, n_features): ``X`` itself for a table, a view
        (no copy) of the pictures' values, row by row, for views that show values by column."""
        return self.X if self.X.ndim == 2 else self.X.reshape(len(self.X), -1)

    @property
    def n_features(self) -> int:
        """Values per sample (H x W x C for pictures)."""
        n = 1
        for d in self.X.shape[1:]:
            n *= int(d)
        return n

    @property
    def n_classes(self) -> int:
        """Number of classes; 0 for regression."""
        return len(self.class_names) if self.task == "classification" else 0

    def class_counts(self) -> dict[str, int]:
        """Samples per class, in class order (``{}`` for regression)."""
        if self.task != "classification":
            return {}
        counts = np.bincount(self.y, minlength=len(self.class_names))
        return {name: int(c) for name, c in zip(self.class_names, counts)}

    def subset(self, indices: np.ndarray, name: str | None = None) -> Dataset:
        """Rows ``indices`` as a new Dataset with the same metadata.

        Parameters
        ----------
        indices : ndarray of int, shape (k,)
        name : str, optional
            Title of the part; defaults to this data set's name.
        """
        indices = np.asarray(indices, dtype=np.int64)
        return Dataset(
            X=self.X[indices], y=self.y[indices], feature_names=_names_copy(self.feature_names),
            class_names=list(self.class_names), task=self.task, source=copy.deepcopy(self.source),
            name=self.name if name is None else name, notes=list(self.notes),
            image_shape=self.image_shape)


def _names_copy(names: Sequence[str]) -> Sequence[str]:
    return names if isinstance(names, PixelNames) else list(names)  # PixelNames never changes


class PixelNames(Sequence[str]):
    """The names of a picture's values, made only when one is asked for.

    ``"pixel (row, col)"`` for grey pictures, ``"pixel (row, col) red"`` (green, blue) for
    colour ones, in the order of ``X[i].ravel()`` (row by row, channels innermost). A list of
    12,288 strings for 64x64 colour pictures would cost ~1 MB and is rarely read whole.

    Parameters
    ----------
    shape : tuple of (int, int, int)
        ``(H, W, C)`` of one picture.
    """

    CHANNELS = ("red", "green", "blue")

    def __init__(self, shape: Sequence[int]) -> None:
        h, w, c = (int(d) for d in shape)
        self.shape = (h, w, c)

    def __len__(self) -> int:
        h, w, c = self.shape
        return h * w * c

    def _name(self, i: int) -> str:
        _, w, c = self.shape
        pixel, channel = divmod(i, c)
        row, col = divmod(pixel, w)
        return f"pixel ({row}, {col})" + (f" {self.CHANNELS[channel]}" if c == 3 else "")

    def __getitem__(self, index):  # int -> str, slice -> list of str
        n = len(self)
        if isinstance(index, slice):
            return [self._name(i) for i in range(*index.indices(n))]
        i = int(index)
        if not -n <= i < n:
            raise IndexError(f"pixel index {i} is out of range for {n} values")
        return self._name(i % n)

    def __iter__(self) -> Iterator[str]:
        return (self._name(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PixelNames):
            return self.shape == other.shape
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # like a list

    def __repr__(self) -> str:
        return f"PixelNames({self.shape})"


def balance_notes(y: np.ndarray, class_names: list[str], what: str = "Rows") -> list[str]:
    """Plain-language class-balance report for class indices ``y`` of shape (n,); ``what``
    names the samples ("Rows", "Pictures")."""
    counts = np.bincount(np.asarray(y, dtype=np.int64), minlength=len(class_names))
    listed = ", ".join(f"'{name}' {int(c)}" for name, c in zip(class_names, counts))
    notes = [f"{what} per class: {listed}."]
    # Balance is judged among classes big enough to learn; tiny ones get their own note below.
    sized = counts[counts >= MIN_CLASS_SAMPLES]
    if counts.size and counts.min() > 0 and sized.size >= 2 and sized.max() >= 3 * sized.min():
        big = int(counts.argmax())
        share = 100.0 * counts[big] / counts.sum()
        notes.append(
            f"The classes are unbalanced (largest {int(sized.max())}, smallest {int(sized.min())}). "
            f"Always guessing '{class_names[big]}' would already be right {share:.0f}% of the time, "
            "so judge accuracy against that.")
    elif counts.size and counts.min() == 0:
        empty = [n for n, c in zip(class_names, counts) if c == 0]
        notes.append(f"No samples for class {', '.join(repr(e) for e in empty)}.")
    notes += small_class_notes(counts, class_names)
    return notes


def small_class_notes(counts: np.ndarray, class_names: list[str]) -> list[str]:
    """Warn, in plain words, about classes with 1 to MIN_CLASS_SAMPLES - 1 samples.

    Such a class is usually a typo in a label; left alone it cannot be learned, and the split
    may leave it out of the validation or test part.
    """
    small = [(name, int(c)) for name, c in zip(class_names, counts) if 0 < c < MIN_CLASS_SAMPLES]
    if len(small) > 3:
        listed = ", ".join(f"'{name}' ({c})" for name, c in small)
        return [f"{len(small)} classes have fewer than {MIN_CLASS_SAMPLES} samples each: {listed}. The "
                "network cannot learn them, and they may be missing from the validation part. Consider "
                "fixing their labels or removing those rows."]
    notes = []
    for name, c in small:
        if c == 1:
            notes.append(f"Class '{name}' has only 1 sample: the network cannot learn it, and it may be "
                         "missing from the validation part. Consider fixing the label or removing the row.")
        else:
            notes.append(f"Class '{name}' has only {c} samples: too few for the network to learn it, and "
                         "it may be missing from the validation part. Consider fixing the labels, adding "
                         "more examples, or removing those rows.")
    return notes
