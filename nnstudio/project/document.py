"""The project document: everything needed to reopen, retrain or evaluate a network.

A :class:`Project` holds only plain JSON-able settings plus the trained weights. It does
not hold the data itself: ``data_source`` says how to reload it (a built-in name and its
parameters, or a CSV path and its import options), so project files stay small.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

#: Keys of :attr:`Project.history`, one list entry per finished epoch.
HISTORY_KEYS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc")


def default_split() -> dict:
    """Split settings of a new project: 60 % train, 20 % validation, 20 % test."""
    return {"val": 0.2, "test": 0.2, "seed": 0, "standardize": True}


def default_training() -> dict:
    """Training settings of a new project (Adam, learning rate 0.01, batch 32, full speed).

    ``epochs_per_second`` paces training in the window so a class can watch it (0 = as fast
    as possible); the command line ignores it.
    """
    return {
        "optimizer": {"class": "Adam", "config": {"learning_rate": 0.01}},
        "batch_size": 32,
        "epochs": 100,
        "seed": 0,
        "epochs_per_second": 0,
    }


def empty_history() -> dict[str, list]:
    """A history with every key of :data:`HISTORY_KEYS` and no epochs yet."""
    return {key: [] for key in HISTORY_KEYS}


@dataclass
class Project:
    """A whole nnstudio project: data source, split, network, training settings and results.

    Attributes
    ----------
    name : str
        Shown in the window title.
    data_source : dict
        ``Dataset.source``: ``{"kind": "builtin", "name": ..., "params": {...}}`` or
        ``{"kind": "csv", "path": ..., "options": {...}}``; ``{}`` while no data is chosen.
    split : dict
        ``{"val": float, "test": float, "seed": int, "standardize": bool}``.
    network : dict
        ``Network.get_config()``; ``{}`` while no network is built.
    training : dict
        ``{"optimizer": {"class", "config"}, "batch_size", "epochs", "seed"}``.
    history : dict of str to list
        Per-epoch metrics, keys :data:`HISTORY_KEYS`; accuracies are ``None`` for regression.
    weights : dict of str to ndarray, or None
        ``Network.get_weights()`` of the trained network (``"dense_1/W"`` of shape (in, out) ...).
    scaler : dict or None
        ``Standardizer.get_config()`` fitted on the training split, kept so predictions on
        new data use the same scaling the network was trained with.
    optimizer_state : dict or None
        The optimizer's :meth:`~nnstudio.engine.Optimizer.state_dict` where the last run
        stopped, so the next run continues Adam's averages instead of restarting them;
        None when untrained or after anything that makes it meaningless (reset, an edit of
        the network, new data: see :meth:`clear_results`).
    data_check : dict or None
        :func:`~nnstudio.project.fingerprint.data_fingerprint` of the data and split the
        weights first trained on, so a CSV file that changed since (sorted, shuffled,
        appended) is noticed before its held-out scores are trusted; None when untrained.
    created, modified : str or None
        ISO-8601 times, filled in by ``save_project``.
    notes : list of str
        Set by ``load_project``, e.g. when the CSV was found next to the project instead of
        where it was saved; not saved.
    """

    name: str = "Untitled"
    data_source: dict = field(default_factory=dict)
    split: dict = field(default_factory=default_split)
    network: dict = field(default_factory=dict)
    training: dict = field(default_factory=default_training)
    history: dict = field(default_factory=empty_history)
    weights: dict | None = None
    scaler: dict | None = None
    data_check: dict | None = None
    optimizer_state: dict | None = None
    created: str | None = None
    modified: str | None = None
    #: Things worth telling the user about how the file was read (not saved, not compared).
    notes: list = field(default_factory=list, compare=False, repr=False)

    @property
    def is_trained(self) -> bool:
        """True when the project carries trained weights."""
        return bool(self.weights)

    @property
    def epochs_trained(self) -> int:
        """Number of epochs recorded in :attr:`history`."""
        return len(self.history.get("epoch", []))

    def copy(self) -> Project:
        """A deep copy (weights arrays copied too), safe to edit independently."""
        weights = None if self.weights is None else {k: v.copy() for k, v in self.weights.items()}
        other = copy.deepcopy(
            Project(name=self.name, data_source=self.data_source, split=self.split,
                    network=self.network, training=self.training, history={}, weights=None,
                    scaler=self.scaler, data_check=self.data_check, created=self.created,
                    modified=self.modified)
        )
        other.weights = weights
        other.optimizer_state = _copy_state(self.optimizer_state)
        # The history holds only numbers and None: copying the lists is enough, and a deepcopy
        # of 10,000 epochs takes ~20 ms (the window copies the project when training stops).
        other.history = {key: list(values) for key, values in self.history.items()}
        return other

    def clear_results(self) -> None:
        """Forget trained weights, scaler and history (after the network or data changed)."""
        self.weights = None
        self.scaler = None
        self.data_check = None
        self.optimizer_state = None
        self.history = empty_history()

    def append_epoch(self, record) -> None:
        """Append one ``EpochRecord`` to :attr:`history`, numbering epochs after earlier runs.

        Non-finite values and missing accuracies are stored as ``None`` (JSON has no NaN).
        """
        epoch = self.epochs_trained + 1
        values = {
            "epoch": epoch,
            "train_loss": record.train_loss,
            "train_acc": record.train_acc,
            "val_loss": record.val_loss,
            "val_acc": record.val_acc,
        }
        for key in HISTORY_KEYS:
            value = epoch if key == "epoch" else _finite_or_none(values[key])
            self.history.setdefault(key, []).append(value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Project):
            return NotImplemented
        mine, theirs = self.weights or {}, other.weights or {}
        same_weights = mine.keys() == theirs.keys() and all(
            np.array_equal(mine[k], theirs[k]) for k in mine
        )
        return same_weights and _same_state(self.optimizer_state, other.optimizer_state) and all(
            getattr(self, f) == getattr(other, f)
            for f in ("name", "data_source", "split", "network", "training", "history",
                      "scaler", "data_check", "created", "modified")
        )


def _copy_state(state: dict | None) -> dict | None:
    if state is None:
        return None
    params = {name: {slot: arr.copy() for slot, arr in slots.items()}
              for name, slots in state["params"].items()}
    return {**copy.deepcopy({k: v for k, v in state.items() if k != "params"}), "params": params}


def _same_state(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return a is b
    if {k: v for k, v in a.items() if k != "params"} != {k: v for k, v in b.items() if k != "params"}:
        return False
    pa, pb = a["params"], b["params"]
    return pa.keys() == pb.keys() and all(
        pa[n].keys() == pb[n].keys() and all(np.array_equal(pa[n][s], pb[n][s]) for s in pa[n])
        for n in pa)


def _finite_or_none(value):
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def demo_project() -> Project:
    """The demo: spiral data, Dense(16, relu) x 2 and an output layer fitting the task.

    Adam with learning rate 0.01, batch size 32, 200 epochs.
    """
    # Imported here so building a plain Project never pays for the engine and data modules.
    from nnstudio.data import load_builtin
    from nnstudio.project.build import default_network_config

    dataset = load_builtin("spiral")
    training = default_training()
    training["epochs"] = 200
    return Project(
        name="Spiral demo",
        data_source=copy.deepcopy(dataset.source),
        network=default_network_config(dataset, hidden=(16, 16), activation="relu"),
        training=training,
    )
