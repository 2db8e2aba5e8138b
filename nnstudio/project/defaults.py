"""What a new project on a table of the person's own starts with: one Qt-free place that
``nnstudio train --csv`` and the window's CSV import both use (image folders will too).

A built-in teaching set keeps the plain settings of :func:`~nnstudio.project.document.default_training`
(a class watches the spiral train for a fixed number of epochs). A person's own table gets
settings chosen from its size, measured on 19 real tables against scikit-learn
(``bench/tabular_vs_sklearn.py``, its table in the README):

- **early stopping with restore-best** on the validation loss: the run ends when the
  validation loss has not improved for :data:`PATIENCE` epochs (and :data:`PATIENCE_UPDATES`
  updates, which a tiny table needs more epochs for) and the network goes back to its best
  epoch. On the bench this alone moved nnstudio from 0.060 behind scikit-learn's better model
  (on average over the files) to 0.018 behind: without it the network went on fitting the
  noise of the small tables.
- **epochs from the table's size**: early stopping ends the run, so the epoch count is only a
  ceiling, sized to about :data:`STEP_BUDGET` updates (a 100-row table needs many epochs of
  its 3 batches, a 50,000-row one few of its 900), between :data:`MIN_EPOCHS` and
  :data:`MAX_EPOCHS`.
- **L2 from the table's size** (:func:`weight_decay_for`): a penalty worth about
  :data:`PRIOR_ROWS` rows of evidence, so it matters on a table of 100 rows and fades on one of
  50,000 (the same form as scikit-learn's LogisticRegression, whose default C=1 is worth one
  row). Small tables overfit a two-layer network within a few epochs; a fixed L2 either did
  not hold them or held back the large ones. With both, nnstudio is level with scikit-learn's
  better model on average (README; tried and not better beyond the run-to-run spread: one
  hidden layer for small tables, a learning rate of 0.003, batches of 16 or 64, a
  reduce-on-plateau schedule).
- **pictures: early stopping, no L2.** The L2 rule was measured on tables of tens of columns;
  a picture's Dense layer after Flatten has a weight per pixel, and the penalty pulls those of
  rarely lit pixels to zero whatever the data say. The default picture network (Rescaling,
  Flatten, Dense 64) with early stopping, 3 seeds of split and weights, test accuracy: the
  8x8 digits 95.7 % with the table's L2 (0.009) and 97.5 % without; 10,000 MNIST digits
  92.9 % with (0.002) and 93.5 % without. Augmentation (which the doctor offers for
  pictures) and early stopping guard against memorising instead.
"""
from __future__ import annotations

import copy
import math

from nnstudio.project.document import default_split, default_training

#: Epochs without a better validation loss before a run stops (and goes back to the best) ...
PATIENCE = 20
#: ... and at least this many updates: a 19-row table makes one update an epoch, and 20 updates
#: cannot tell a plateau from noise (:func:`patience_for`).
PATIENCE_UPDATES = 200
#: About how many weight updates the epoch ceiling allows.
STEP_BUDGET = 10_000
MIN_EPOCHS, MAX_EPOCHS = 50, 1000
#: The L2 penalty is worth about this many rows (weight decay PRIOR_ROWS / training rows) ...
PRIOR_ROWS = 10
#: ... and at most this much (a table of 20 rows would otherwise get 0.5).
MAX_WEIGHT_DECAY = 0.1
#: Data source kinds that get the settings of this module: tables and image folders of the
#: person's own.
DATA_KINDS = ("csv", "images")
#: Hidden Dense layers of a new network on pictures, after :func:`image_input_layers`. A plain
#: Dense network trains an epoch of 6,000 MNIST digits in well under a second, so a class sees
#: it learn; a convolution net is one ``--layers conv16,pool,...`` (or a palette drop) away.
IMAGE_HIDDEN = (64,)


def early_stopping(patience: int = PATIENCE) -> dict:
    """The stop rule of a new project on a table: ``{"class": "EarlyStopping", "config": ...}``
    watching the validation loss, going back to the best epoch when it stops."""
    from nnstudio.engine.policies import EarlyStopping, policy_to_config

    return policy_to_config(EarlyStopping(monitor="val_loss", patience=patience, restore_best=True))


def patience_for(n_train: int, batch_size: int) -> int:
    """Early stopping's patience in epochs for ``n_train`` training rows in batches of
    ``batch_size``: :data:`PATIENCE` epochs, and at least :data:`PATIENCE_UPDATES` updates."""
    batches = max(1, math.ceil(max(int(n_train), 1) / int(batch_size)))
    return max(PATIENCE, math.ceil(PATIENCE_UPDATES / batches))


def image_input_layers() -> list[dict]:
    """The first layers of every default network on pictures (uint8, shape (H, W, C)):
    ``Rescaling`` by 1/255, so the model itself turns pixels 0-255 into 0-1 (no per-pixel
    standardiser of H x W x C means in the project), then ``Flatten`` for the Dense layers."""
    return [{"class": "Rescaling", "config": {"scale": 1.0 / 255.0}},
            {"class": "Flatten", "config": {}}]


def uses_data_defaults(source: dict) -> bool:
    """Whether data from ``source`` (a ``Dataset.source``) gets this module's settings."""
    return isinstance(source, dict) and source.get("kind") in DATA_KINDS


def epochs_for(n_train: int, batch_size: int) -> int:
    """The epoch ceiling for ``n_train`` training rows in batches of ``batch_size``."""
    batches = max(1, math.ceil(max(int(n_train), 1) / int(batch_size)))
    return int(min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(STEP_BUDGET / batches))))


def weight_decay_for(n_train: int) -> float:
    """The L2 penalty (the optimizer's weight decay) for ``n_train`` training rows, to one
    significant digit so the window shows a plain number (0.07, not 0.0709...)."""
    value = min(MAX_WEIGHT_DECAY, PRIOR_ROWS / max(int(n_train), 1))
    return float(f"{value:.1g}")


def training_for(n_rows: int, split: dict | None = None, images: bool = False) -> dict:
    """Training settings of a new project on a table of ``n_rows`` rows (before splitting).

    Parameters
    ----------
    n_rows : int
        All rows of the table; the training part is what ``split`` leaves of them.
    split : dict, optional
        The project's split settings (``val``, ``test``); the default split when omitted.
    images : bool
        Pictures: the same early stopping and epochs, but no L2 penalty (see the module's
        notes).
    """
    split = default_split() if split is None else split
    training = default_training()
    n_train = round(n_rows * (1.0 - float(split.get("val", 0.2)) - float(split.get("test", 0.2))))
    training["epochs"] = epochs_for(n_train, training["batch_size"])
    if not images:
        training["optimizer"]["config"]["weight_decay"] = weight_decay_for(n_train)
    training["stop"] = early_stopping(patience_for(n_train, training["batch_size"]))
    return training


def _chosen(training: dict) -> dict:
    """The settings a person chooses (not the window's pace, not the seed)."""
    return {key: value for key, value in training.items() if key not in ("epochs_per_second", "seed")}


def starting_settings(training: dict, previous=None, split: dict | None = None) -> bool:
    """Whether ``training`` is still what a project started with, nothing chosen by the person:
    a new project's plain settings, the demo's (the same with 200 epochs), or those
    :func:`training_for` gave the data set ``previous`` (when it was a table) under ``split``."""
    plain = default_training()
    if _chosen(training) in (_chosen(plain), _chosen({**plain, "epochs": 200})):
        return True
    if previous is None or not uses_data_defaults(previous.source):
        return False
    return _chosen(training) == _chosen(training_for(previous.n_samples, split, _pictures(previous)))


def adopt_data_defaults(training: dict, dataset, split: dict | None = None, previous=None) -> dict:
    """The training settings to use after switching from ``previous`` to ``dataset`` (the
    window's data switch; both are ``Dataset``, ``previous`` None when there was none).

    A table of the person's own gets :func:`training_for` its size when ``training`` is still
    a starting project's (:func:`starting_settings`); the pace (``epochs_per_second``) and the
    seed stay. Otherwise, and for a built-in data set, ``training`` comes back unchanged (as a
    copy): settings the person chose are never overwritten.
    """
    if not uses_data_defaults(dataset.source) or not starting_settings(training, previous, split):
        return copy.deepcopy(training)
    adopted = training_for(dataset.n_samples, split, _pictures(dataset))
    for key in ("epochs_per_second", "seed"):
        if key in training:
            adopted[key] = training[key]
    return adopted


def _pictures(dataset) -> bool:
    return bool(getattr(dataset, "is_image", False))


def watch_what_split_keeps(training: dict, split: dict) -> None:
    """Make a stop rule that watches validation scores watch the training ones when ``split``
    keeps no validation rows (``--val 0``), in place: a table's default early stopping would
    otherwise refuse to start. Early stopping on the training loss still ends a run that has
    stopped learning."""
    if float(split.get("val", 0.0)) == 0.0:
        training.update(stop_for_validation(training, has_validation=False)[0])


def stop_for_validation(training: dict, has_validation: bool) -> tuple[dict, str | None]:
    """The training settings a run uses: without validation rows, early stopping that watches
    a validation score watches the same training score instead (what ``--val 0`` does on the
    command line), and a plain note says so; else ``training`` as it is and None.

    The settings themselves are not changed (a copy comes back): with validation rows again,
    the rule watches validation again. A target on validation scores is left alone: it names
    a goal the person chose, and the run refuses it in words.
    """
    stop = training.get("stop")
    monitor = str((stop or {}).get("config", {}).get("monitor", "val_loss")) if stop else ""
    if has_validation or not monitor.startswith("val_"):
        return training, None
    from nnstudio.engine.policies import monitor_words

    watched = "train_" + monitor[4:]
    run = copy.deepcopy(training)
    run["stop"]["config"] = {**run["stop"]["config"], "monitor": watched}
    note = (f"No rows are kept for validation (0 %), so early stopping watches the "
            f"{monitor_words(watched)} in this run instead of the {monitor_words(monitor)}: it "
            "still stops a run that has stopped learning, but cannot see memorising.")
    return run, note
