"""Every number the doctor judges a run by, in one place (pure python).

The hints under the loss plot while a run goes and the verdict when it ends read the same
curves with these same values, so the two cannot disagree about what a history shows
(before, the plot called memorising by the validation loss and the verdict by the accuracy).
"""
from __future__ import annotations

# ---------------------------------------------------------------- a step that overshot
#: The last epoch's loss above the first one by this factor: the run made things worse.
ROSE = 1.05
#: A loss this many times the lowest one before it: a step overshot ...
JUMPED = 1.2
#: ... when the rise is also at least this share of the run's first loss. Near zero a loss
#: wobbles by large factors (0.044 -> 0.057 late in a run that began at 1.3) without any step
#: overshooting: that wobble is not what "the learning rate is too high" means.
JUMP_SHARE = 0.05
#: A jump counts while it lies within this many epochs of the end ...
RECENT_EPOCHS = 20
#: ... or this share of the run, whichever is longer: an early overshoot that training has long
#: since recovered from (Adam's first epochs often do this) says nothing about the rate now,
#: and must not hide memorising that came after it.
RECENT_SHARE = 0.2
#: A loss this many times that of a naive constant answer (ln(n_classes) for classes, mean(y²)
#: for numbers): answers confidently wrong by far, which steps that are too large produce.
ABOVE_NAIVE = 2.0
#: ... when the loss also moved by this factor during the run (highest / lowest). Fresh weights
#: can start far off (a regression's random output layer: 2.4 against 0.56 for always 0), and a
#: rate too small to move them (1e-5) is no overshoot: it must not be told to go smaller.
NAIVE_MOVED = 2.0
#: The learning rate was raised during the run to this many times the one it ended with: the
#: advice blames the high value, not today's.
RAISED_RATE = 1.5
#: The smaller learning rate suggested is the current one divided by this; the larger one,
#: for a loss still falling slowly, multiplied by it.
RATE_STEP = 10.0

# ---------------------------------------------------------------- memorising (overfitting)
#: Fewest epochs with validation scores before memorising is judged (early curves are noisy).
MIN_EPOCHS = 10
#: The best validation score must lie at least this many epochs back ...
PATIENCE = 10
#: ... or this share of the epochs, whichever is more: long runs wiggle for longer without
#: meaning anything (a validation loss 5 % up two epochs ago is noise at epoch 900). With 3
#: epochs and at least 5, the plot's hint blinked on for single epochs of real runs (spiral,
#: Adam 0.05: epochs 30 and 35) that a verdict would then have called memorising.
PATIENCE_SHARE = 0.1
#: The final validation loss this many times its lowest: it climbed back, not settled. A
#: regression at its noise floor ends within a few % of its best and is fine.
OVERFIT_LOSS = 1.05
#: Validation accuracy this far (as a fraction) below its best: it fell back.
ACCURACY_DROP = 0.10
#: ... while the training loss fell by more than this share since the best validation epoch:
#: the network kept fitting the training rows. Both curves flat is a plateau, not memorising.
TRAIN_FELL = 0.02
#: ... and ended within this factor of its lowest since then (it kept falling, rather than
#: falling from an overshoot and climbing back).
KEPT_FALLING = 1.05

# ---------------------------------------------------------------- how the run ended
#: Classification: validation accuracy at most this far (as a fraction) above always
#: answering the most common class has not learned.
NOT_LEARNED_MARGIN = 0.02
#: Share of the epochs, at the end of the run, in which "still falling" is judged ...
TAIL = 0.2
#: ... where the loss must have fallen by more than this fraction ...
STILL_FALLING = 0.01
#: ... in at least this share of those epochs.
STEADY = 0.75
#: Fewer epochs than this are too few to tell what the loss does.
MIN_TREND_EPOCHS = 3
