"""The one object through which the window reads and edits the project.

Panels never change the project behind the controller's back: they call its methods and
redraw on its signals. Network edits go through a ``QUndoStack`` (Ctrl+Z / Ctrl+Shift+Z).
"""
from __future__ import annotations

import copy
import itertools

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from nnstudio.data import Dataset, Standardizer, split_dataset
from nnstudio.engine import Network, TargetScaling, layer_from_config, optimizer_from_config
from nnstudio.errors import NNStudioError
from nnstudio.project import Project
from nnstudio.project.session import output_layer_config, scaled_split
from nnstudio.ui.layer_specs import default_layer_config, output_issue, output_explanation
from nnstudio.ui.undo_commands import DatasetCommand, LayersCommand, ResetCommand, describe_change

_uids = itertools.count(1)


class ProjectController(QObject):
    """Holds the project, its data and the live network; every edit goes through here.

    ``layers`` holds the hidden layers and the output layer as engine layer configs
    (``{"class": "Dense", "config": {...}}``); the input layer is the data's features.
    """

    network_changed = Signal()           # layer list or a layer's settings changed
    dataset_changed = Signal()           # new data or new split
    settings_changed = Signal()          # training settings changed
    history_changed = Signal()           # history replaced or cleared (not per epoch)
    epoch_recorded = Signal(object)      # one EpochRecord appended to the history
    weights_changed = Signal()           # weights replaced (reset, loaded, trained)
    selection_changed = Signal(int)      # selected layer index, -1 for none
    dirty_changed = Signal(bool)
    path_changed = Signal(str)
    message_posted = Signal(str, str)    # text, level ("info" | "warning" | "error")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_undo_clean_changed)
        self.project = Project()
        self.layers: list[dict] = []
        self._ids: list[int] = []
        self._weight_cache: dict[int, tuple] = {}  # weights by layer identity, for undo/redo
        #: Target scaling config (regression) by output layer identity: it belongs to the
        #: output layer's weights, which answer in the scale they were trained in.
        self._output_scaling: dict[int, dict | None] = {}
        self.selected = -1
        self.dataset: Dataset | None = None
        self.split = None          # raw Split
        self.data = None           # scaled Split the network trains on
        self.scaler: Standardizer | None = None
        self.network: Network | None = None
        self.path: str | None = None
        self.dirty = False
        self._changed_outside = False  # touch() since the last save or load
        #: The history was cleared by a structure edit, but some layers kept trained weights.
        self.kept_learning = False
        self.training_active = False
        #: Set by the window: asks the user to stop training, returns True when stopped.
        self.confirm_stop_training = lambda: False

    # ------------------------------------------------------------------ project
    def load(self, project: Project, dataset: Dataset, path: str | None = None) -> None:
        """Show ``project`` (with its already loaded ``dataset``) in the window."""
        self.project = project.copy()
        self.dataset = dataset
        self._resplit(keep_scaler=bool(project.weights and project.scaler))
        cfg = project.network or {}
        self.layers = copy.deepcopy(cfg.get("layers", [])) or [output_layer_config(dataset)]
        self._ids = [next(_uids) for _ in self.layers]
        self._weight_cache.clear()
        self._output_scaling.clear()
        if project.weights:  # trained: the saved scaling (none in older files) stays with them
            self._output_scaling[self._ids[-1]] = (project.network or {}).get("target_scaling")
        self.selected = -1
        self._rebuild(weights=project.weights)
        self.undo_stack.clear()
        self.kept_learning = False
        self.path = path
        self.path_changed.emit(path or "")
        self._changed_outside = False
        self._set_dirty(False)
        for sig in (self.dataset_changed, self.network_changed, self.settings_changed,
                    self.history_changed, self.weights_changed):
            sig.emit()
        self.selection_changed.emit(-1)

    def snapshot(self) -> Project:
        """The project as it would be saved now (weights copied from the live network)."""
        p = self.project.copy()
        p.network = self.network_config()
        trained = bool(p.history.get("epoch"))
        p.weights = self.network.get_weights() if (self.network and trained) else None
        p.scaler = self.scaler.get_config() if (self.scaler and trained) else None
        return p

    def mark_saved(self, path: str) -> None:
        self.path = path
        self._changed_outside = False
        self.undo_stack.setClean()
        self._set_dirty(False)
        self.path_changed.emit(path)

    def _on_undo_clean_changed(self, clean: bool) -> None:
        # Undoing back to the saved state does not undo a setting changed meanwhile.
        self._set_dirty(not clean or self._changed_outside)

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self.dirty:
            self.dirty = dirty
            self.dirty_changed.emit(dirty)

    def touch(self) -> None:
        """Something outside the undo stack changed (settings, data, training)."""
        self._changed_outside = True
        self._set_dirty(True)

    # ------------------------------------------------------------------ data
    def set_dataset(self, dataset: Dataset) -> bool:
        """Use new data (undoable): the input follows its features, the output layer its task."""
        if dataset.source == self.project.data_source and self.dataset is not None \
                and dataset.X.shape == self.dataset.X.shape:
            return True  # the same data again: nothing to change or undo
        if not self._may_edit():
            return False
        s = self.project.split
        try:
            split_dataset(dataset, val_fraction=s["val"], test_fraction=s["test"], seed=s["seed"])
            layers = copy.deepcopy(self.layers[:-1]) + [output_layer_config(dataset)]
        except NNStudioError as exc:  # checked before anything changes, so nothing is half-done
            self.message_posted.emit(str(exc), "error")
            return False
        ids = [next(_uids) for _ in layers]  # new data, new weights (undo brings the old back)
        self.undo_stack.push(DatasetCommand(self, f"Use data “{dataset.name}”", dataset, layers, ids))
        self.message_posted.emit(output_explanation(dataset), "info")
        return True

    def _apply_dataset(self, dataset: Dataset, layers: list[dict], ids: list[int]) -> None:
        self._weight_cache.update(self._named_weights())
        self.dataset = dataset
        self.project.data_source = copy.deepcopy(dataset.source)
        self._resplit()
        self.layers = copy.deepcopy(layers)
        self._ids = list(ids)
        self.project.clear_results()
        self.kept_learning = False  # other data: what the kept layers learned hardly applies
        self._rebuild(keep=self._weight_cache)
        self.dataset_changed.emit()
        self.network_changed.emit()
        self.history_changed.emit()
        self.select(-1)

    def set_split(self, **changes) -> None:
        """Change ``val``, ``test``, ``seed`` or ``standardize`` of the split."""
        if not self._may_edit():
            return
        new = dict(self.project.split, **changes)
        if new == self.project.split:
            return
        old = self.project.split
        self.project.split = new
        try:
            self._resplit()
        except NNStudioError as exc:
            self.project.split = old
            self._resplit()
            self.message_posted.emit(str(exc), "error")
            self.dataset_changed.emit()
            return
        trained = bool(self.project.history.get("epoch"))
        if not (trained or self.kept_learning):  # fresh weights learn this split's scale
            self._refit_target_scaling()
        check = self.project.data_check
        self.project.clear_results()
        self.kept_learning = trained or self.kept_learning  # same weights, new split
        if self.kept_learning:  # they saw the old split's rows: held-out scores stay suspect
            self.project.data_check = check
        self.touch()
        self.dataset_changed.emit()
        self.history_changed.emit()
        if trained:
            self.message_posted.emit(
                "New split: the network keeps its weights, but it has already learned from rows "
                "that may now be validation or test data, so those scores would look better than "
                "they are. Reset weights (Ctrl+R) for an honest score.", "warning")

    def _resplit(self, keep_scaler: bool = False) -> None:
        s = self.project.split
        self.split = split_dataset(self.dataset, val_fraction=s["val"], test_fraction=s["test"],
                                   seed=s["seed"])
        if not s.get("standardize", True):
            self.scaler = None
        elif keep_scaler:
            self.scaler = Standardizer.from_config(self.project.scaler)
        else:
            self.scaler = Standardizer.fit(self.split.train.X)
        self.data = scaled_split(self.split, self.scaler)

    # ------------------------------------------------------------------ target scaling
    def _target_scaling(self) -> dict | None:
        """The output layer's target scaling, fitted on the training part when that layer is
        first built (see :meth:`Network.fit_target_scaling`)."""
        if self._ids and self._ids[-1] not in self._output_scaling:
            self._output_scaling[self._ids[-1]] = self._fit_target_scaling()
        return self._output_scaling.get(self._ids[-1]) if self._ids else None

    def _fit_target_scaling(self) -> dict | None:
        if self.split is None or self.dataset.task != "regression" or self.output_issue():
            return None  # no numbers to predict, or an output that cannot take them anyway
        scaling = TargetScaling.fit(self.split.train.y, layer_from_config(self.layers[-1]).activation.key)
        return None if scaling is None else scaling.get_config()

    def _set_target_scaling(self, config: dict | None) -> None:
        """Use ``config`` for the current output layer, in the live network too."""
        self._output_scaling[self._ids[-1]] = config
        if self.network is not None:
            self.network.target_scaling = config

    def _refit_target_scaling(self) -> None:
        """Fresh weights (a reset, a new split before training): fit on the training part."""
        self._set_target_scaling(self._fit_target_scaling())

    # ------------------------------------------------------------------ network edits
    def network_config(self) -> dict:
        n_in = self.dataset.n_features if self.dataset else 1
        config = {"n_inputs": n_in, "loss": "auto", "layers": copy.deepcopy(self.layers)}
        scaling = self._target_scaling()
        if scaling is not None:
            config["target_scaling"] = copy.deepcopy(scaling)
        return config

    def output_issue(self) -> str | None:
        """Why the output layer does not fit the data, or None when it does."""
        return output_issue(self.layers[-1], self.dataset) if self.layers and self.dataset else None

    def insert_layer(self, index: int, kind: str) -> bool:
        """Insert a new layer of ``kind`` ("Dense", "Dropout") before position ``index``."""
        index = max(0, min(index, len(self.layers) - 1))  # the output layer stays last
        layers = copy.deepcopy(self.layers)
        layers.insert(index, default_layer_config(kind, layers, index))
        ids = list(self._ids)
        ids.insert(index, next(_uids))
        return self._push(f"Add {kind} layer", layers, ids, index)

    def remove_layer(self, index: int) -> bool:
        if not 0 <= index < len(self.layers):
            return False
        if index == len(self.layers) - 1:
            self.message_posted.emit("The output layer cannot be removed: the network needs it to "
                                     "give an answer. Change its settings instead.", "warning")
            return False
        kind = self.layers[index]["class"]
        layers = self.layers[:index] + self.layers[index + 1:]
        ids = self._ids[:index] + self._ids[index + 1:]
        return self._push(f"Remove {kind} layer", copy.deepcopy(layers), ids,
                          min(index, len(layers) - 1))

    def move_layer(self, src: int, dst: int) -> bool:
        """Move hidden layer ``src`` so it lands before position ``dst`` (output stays last)."""
        last = len(self.layers) - 1
        if not 0 <= src < last:
            if src == last:
                self.message_posted.emit("The output layer always stays last.", "warning")
            return False
        dst = max(0, min(dst, last))
        target = dst - 1 if dst > src else dst
        if target == src:
            return False
        layers, ids = copy.deepcopy(self.layers), list(self._ids)
        layers.insert(target, layers.pop(src))
        ids.insert(target, ids.pop(src))
        return self._push(f"Move {layers[target]['class']} layer", layers, ids, target)

    def update_layer(self, index: int, **changes) -> bool:
        """Change settings of layer ``index`` (units, activation, rate, trainable)."""
        old = self.layers[index]["config"]
        if all(old.get(k) == v for k, v in changes.items()):
            return False
        layers = copy.deepcopy(self.layers)
        layers[index]["config"].update(changes)
        try:
            layer_from_config(layers[index])  # validate before it reaches the undo stack
        except NNStudioError as exc:
            self.message_posted.emit(str(exc), "error")
            self.network_changed.emit()  # let the inspector show the valid value again
            return False
        ids = list(self._ids)
        if any(k in changes for k in ("units", "activation")):
            ids[index] = next(_uids)  # a different layer: its weights start afresh
        if "units" in changes and index + 1 < len(ids):
            ids[index + 1:] = self._ids_after_resize(index)
        # Freezing, or a dropout rate, changes how training goes on, not what the network
        # answers: what it learned so far, and its history, stay.
        same_function = set(changes) <= {"trainable", "rate"}
        return self._push(describe_change(changes), layers, ids, index, keep_history=same_function)

    def _ids_after_resize(self, index: int) -> list[int]:
        # The next Dense layer's inputs change size, so it gets new weights too.
        ids = list(self._ids[index + 1:])
        for k, spec in enumerate(self.layers[index + 1:]):
            if spec["class"] == "Dense":
                ids[k] = next(_uids)
                break
        return ids

    def select(self, index: int) -> None:
        index = index if 0 <= index < len(self.layers) else -1
        if index != self.selected:
            self.selected = index
            self.selection_changed.emit(index)

    def _push(self, text: str, layers: list[dict], ids: list[int], select: int,
              keep_history: bool = False) -> bool:
        if not self._may_edit():
            return False
        self.undo_stack.push(LayersCommand(self, text, layers, ids, select, keep_history))
        return True

    def _may_edit(self) -> bool:
        return not self.training_active or bool(self.confirm_stop_training())

    def _apply_layers(self, layers: list[dict], ids: list[int], select: int,
                      keep_history: bool = False) -> None:
        self._weight_cache.update(self._named_weights())
        trained_before = bool(self.project.history.get("epoch")) or self.kept_learning
        unchanged = set(self._ids) & set(ids)
        self.layers = copy.deepcopy(layers)
        self._ids = list(ids)
        self._rebuild(keep=self._weight_cache)
        if not keep_history:
            check = self.project.data_check
            self.project.clear_results()
            # Layers that did not change keep their trained weights: say so, not "untrained".
            self.kept_learning = trained_before and bool(unchanged)
            if self.kept_learning:  # what they learned came from the rows of that fingerprint
                self.project.data_check = check
        self.network_changed.emit()
        self.history_changed.emit()
        self.select(select)

    def _restore_history(self, history: dict) -> None:
        # The weights came back from the cache by layer identity; their history comes with them.
        self.project.history = copy.deepcopy(history)
        self.history_changed.emit()
        self.weights_changed.emit()

    def _named_weights(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        if self.network is None:
            return {}
        return {uid: (l.W.copy(), l.b.copy()) for uid, l in zip(self._ids, self.network.layers)
                if getattr(l, "W", None) is not None}

    def _rebuild(self, weights: dict | None = None, keep: dict | None = None) -> None:
        """Build the live network; keep the weights of layers that did not change."""
        if self.dataset is None or not self.layers:
            self.network = None
            return
        try:
            net = Network.from_config(self.network_config(), seed=self.project.training.get("seed", 0))
        except NNStudioError as exc:
            self.network = None
            self.message_posted.emit(str(exc), "error")
            return
        if weights:
            net.set_weights(weights)
        for uid, layer in zip(self._ids, net.layers):
            if keep and uid in keep and getattr(layer, "W", None) is not None \
                    and keep[uid][0].shape == layer.W.shape:
                layer.W[...], layer.b[...] = keep[uid]
        self.network = net
        self.weights_changed.emit()

    def reset_weights(self) -> None:
        """Fresh random weights (from the training seed) and an empty history (undoable)."""
        if not self._may_edit() or self.network is None:
            return
        self.undo_stack.push(ResetCommand(self))  # undoable: a click should not lose a model

    # ------------------------------------------------------------------ training settings
    def set_training(self, **changes) -> None:
        """Change batch_size, epochs, seed or optimizer settings (``optimizer`` = class name,
        ``learning_rate``, ``momentum``, ``nesterov``, ``weight_decay``)."""
        t = copy.deepcopy(self.project.training)
        opt = t["optimizer"]
        for key, value in changes.items():
            if key == "optimizer":
                if value != opt["class"]:
                    lr = opt["config"].get("learning_rate", 0.01)
                    opt = t["optimizer"] = {"class": value, "config": {"learning_rate": lr,
                                            "weight_decay": opt["config"].get("weight_decay", 0.0)}}
            elif key in ("learning_rate", "momentum", "nesterov", "weight_decay"):
                opt["config"][key] = value
            else:
                t[key] = value
        if opt["class"] != "SGD":
            opt["config"].pop("momentum", None)
            opt["config"].pop("nesterov", None)
        try:
            optimizer_from_config(opt)
        except NNStudioError as exc:
            self.message_posted.emit(str(exc), "error")
            self.settings_changed.emit()
            return
        if t != self.project.training:
            self.project.training = t
            self.touch()
            self.settings_changed.emit()

    def make_optimizer(self):
        return optimizer_from_config(self.project.training["optimizer"])

    def record_epoch(self, record) -> None:
        self.project.append_epoch(record)
        self.touch()
        self.epoch_recorded.emit(record)
