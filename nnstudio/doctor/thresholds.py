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
#: ... and ended below this factor of the final validation loss. Memorising opens a gap
#: between the two; a training loss level with the validation loss learned the training rows
#: no better (spiral, Adam at a rate of 5: both ~0.7, chance level, after an overshoot the
#: training loss was still coming down from when the validation loss was at its best).
MEMORISED_GAP = 0.9

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

# ---------------------------------------------------------------- a loss that exploded
#: A finite training loss this many times the lowest one before it has exploded (steps far
#: too large; the next epochs usually give NaN).
EXPLODED = 100.0

# ---------------------------------------------------------------- over-confidence (fastai)
#: The validation loss climbed back (as for memorising) but the validation accuracy at the
#: end is at least this much (a fraction) above where it stood at the best validation loss:
#: the network is more confident, right and wrong, and still gets more right: not memorising.
ACC_STILL_RISING = 0.01
#: Accuracies are compared as means over this many epochs (one epoch's is noisy).
ACC_SMOOTH = 3

# ---------------------------------------------------------------- both curves flat
#: Fewest epochs before "flat" is judged.
FLAT_MIN_EPOCHS = 10
#: Over the last half of the run the loss (training, and validation when measured) fell by
#: less than this share ...
FLAT_FALL = 0.05
#: ... and it is still at least this share of where it started (or of a naive answer's loss,
#: when known): the network learned little. A converged good run is flat too, but low.
FLAT_HIGH = 0.5
#: Flat, but the training loss fell in at least this share of the last half's epochs: it is
#: learning, in steps too small to see: the rate is too low.
FLAT_STEADY = 0.75
#: ... and by at least this share of what it fell in the first half: an even, slow pace. A
#: network that settled where it can get (too small) fell fast first, then by almost nothing.
FLAT_PACE = 0.3
#: At least this share of the hidden ReLU neurons never fire on the training rows: dead
#: ReLUs are why the curves are flat (they pass no gradient back, so they stay dead).
DEAD_SHARE = 0.5

# ---------------------------------------------------------------- too little data
#: More weights than this many times the training rows: the network can memorise each row.
#: (The spiral demo: 337 weights, 240 rows; MNIST's 784-256-128-10: ~235,000 from 48,000.)
WEIGHTS_PER_ROW = 10.0

# ---------------------------------------------------------------- proving a fix
#: A loss this much lower (as a share) with the fix than without it: the fix helped; this
#: much higher: it made things worse; in between: no clear difference. One seed's run-to-run
#: spread on the spiral is a few per cent, so smaller gaps are not evidence.
PROOF_LOSS = 0.05
#: The same for an accuracy, in points (0.02 = 2 points).
PROOF_ACC = 0.02
#: ... and a loss gap must also exceed this share of the loss the run without the fix had
#: after its first epoch: near zero, large ratios mean nothing. (The spiral demo, Adam 0.003,
#: 200 epochs: validation loss 0.0027 without L2 and 0.0124 with it, both 100 % right,
#: against 0.59 after the first epoch: "worse" would mislead.)
PROOF_FLOOR = 0.02
#: A proof run lasts at most this many epochs unless asked for more.
PROOF_MAX_EPOCHS = 200
