"""Which pictures the gallery shows: plain numpy over the labels, the parts and the network's
answers (no Qt here, so the rules are tested without widgets)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: What the gallery shows: every picture, the wrong answers, or one confusion-matrix cell.
ALL, WRONG, CELL = "all", "wrong", "cell"


@dataclass(frozen=True)
class GalleryFilter:
    """The gallery's filter.

    Attributes
    ----------
    mode : {"all", "wrong", "cell"}
    part : int or None
        Only rows of this part (0 training, 1 validation, 2 test); None: every part.
    true_class : int or None
        Only pictures of this class (the row of a confusion cell).
    answered : int or None
        With ``mode="cell"``: only pictures the network answers as this class (its column).
    """

    mode: str = ALL
    part: int | None = None
    true_class: int | None = None
    answered: int | None = None

    @property
    def needs_answers(self) -> bool:
        return self.mode in (WRONG, CELL)


def select_rows(f: GalleryFilter, y: np.ndarray, parts: np.ndarray, answers: np.ndarray | None = None,
                confidence: np.ndarray | None = None) -> np.ndarray:
    """Data rows to show, in order.

    Parameters
    ----------
    f : GalleryFilter
    y : ndarray of int64, shape (n,)
        True class of each row.
    parts : ndarray of int8, shape (n,)
        Part of each row.
    answers, confidence : ndarray of shape (n,), optional
        The network's answer (class index) and its probability; needed for "wrong" and "cell"
        (without them those modes show nothing).

    Returns
    -------
    ndarray of int64, shape (k,)
        Rows in data order; wrong answers and cells with the most confident answers first
        (a confident mistake is the most telling, and sometimes a wrong label).
    """
    keep = np.ones(len(y), dtype=bool)
    if f.part is not None:
        keep &= parts == f.part
    if f.true_class is not None:
        keep &= y == f.true_class
    if f.needs_answers:
        if answers is None or len(answers) != len(y):
            return np.zeros(0, dtype=np.int64)
        keep &= answers != y if f.mode == WRONG else answers == f.answered
    rows = np.flatnonzero(keep).astype(np.int64)
    if f.needs_answers and confidence is not None and len(rows):
        rows = rows[np.argsort(-confidence[rows], kind="stable")]
    return rows


def answers_of(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(answer, confidence)`` of network outputs of shape (n, n_outputs): the class with the
    highest probability and that probability; one sigmoid output answers 1 above 0.5."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim == 2 and p.shape[1] == 1:
        answer = (p[:, 0] > 0.5).astype(np.int64)
        return answer, np.where(answer == 1, p[:, 0], 1.0 - p[:, 0])
    answer = p.argmax(axis=1).astype(np.int64)
    return answer, p[np.arange(len(p)), answer]
