"""Plain-language hints read from the loss curves (pure numpy, no Qt: easy to test).

Two patterns are worth telling a beginner about while they watch:

- overfitting: validation loss has stopped improving for a while although the training loss
  keeps falling, i.e. the network learns the training samples by heart;
- a jump: the training loss suddenly rises well above its best value, the usual sign of a
  learning rate that is too high.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.doctor.verdict import OVERFIT_LOSS

#: Fewest epochs with validation loss before overfitting is judged (early curves are noisy).
MIN_EPOCHS = 10


@dataclass(frozen=True)
class Hint:
    kind: str     # "overfitting" | "loss_jump"
    epoch: int    # overfitting: epoch of the best validation loss; loss_jump: epoch of the jump
    text: str


def _patience(n: int) -> int:
    # Longer runs wiggle for longer without meaning anything: wait ~10 % of the run.
    return max(MIN_EPOCHS, n // 10)


def overfitting_hint(epochs: np.ndarray, train_loss: np.ndarray, val_loss: np.ndarray) -> Hint | None:
    """Hint when validation loss has not improved for ``patience`` epochs, has climbed back above
    its best (by the verdict's ``OVERFIT_LOSS`` factor), and training loss fell by more than 2 %
    over the same epochs. Arrays have shape (n_epochs,), NaN = missing."""
    ok = np.isfinite(val_loss) & np.isfinite(train_loss)
    if ok.sum() < MIN_EPOCHS:
        return None
    e, tr, va = epochs[ok], train_loss[ok], val_loss[ok]
    best = int(np.argmin(va))
    since = len(va) - 1 - best
    if since < _patience(len(va)):
        return None
    if not tr[-1] < tr[best] - 0.02 * abs(tr[best]):
        return None  # both flat: a plateau, not memorising
    if not va[-1] > OVERFIT_LOSS * va[best]:
        # Validation settled within a few % of its best (a regression at its noise floor): the
        # run's verdict calls that fine, so the hint under the plot must not cry "memorising".
        return None
    return Hint("overfitting", int(e[best]),
                f"Validation loss has not improved for {since} epochs (best at epoch {int(e[best])}): "
                "the network may be memorising the training data (overfitting). "
                "Try more data, dropout, L2, or fewer epochs (the dashed line marks the best).")


def loss_jump_hint(epochs: np.ndarray, train_loss: np.ndarray) -> Hint | None:
    """Hint when, among the recent epochs, training loss rose to more than 1.5x its best value
    so far by more than 10 % of the loss range seen (tiny wiggles near zero do not count)."""
    ok = np.isfinite(train_loss)
    e, tr = epochs[ok], train_loss[ok]
    n = len(tr)
    if n < 3:
        return None
    best_before = np.minimum.accumulate(tr)[:-1]         # best up to the previous epoch
    scale = np.maximum.accumulate(tr)[:-1] - best_before  # how far the loss has come
    rise = tr[1:] - best_before
    high = np.concatenate([[False], (tr[1:] > 1.5 * best_before)
                           & (rise > 0.1 * np.maximum(scale, 1e-12))])
    starts = np.nonzero(high[1:] & ~high[:-1])[0] + 1  # first epoch of each high stretch
    if len(starts) == 0:
        return None
    i = int(starts[-1])
    if n - 1 - i > max(20, n // 5):
        return None  # long ago, and training has since settled
    return Hint("loss_jump", int(e[i]),
                f"The training loss jumped up at epoch {int(e[i])}: the learning rate may be too "
                "high. Try a smaller one (for example a tenth of it).")


def training_hints(epochs, train_loss, val_loss) -> list[Hint]:
    """All hints that apply to a history, most urgent first."""
    epochs = np.asarray(epochs, float)
    train_loss = np.asarray(train_loss, float)
    val_loss = np.asarray(val_loss, float)
    hints = [loss_jump_hint(epochs, train_loss), overfitting_hint(epochs, train_loss, val_loss)]
    return [h for h in hints if h is not None]
