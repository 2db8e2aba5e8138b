"""The project's live state, without Qt: data, split, scaler, network, weights and history.

A :class:`Session` owns everything a project turns into when it is opened, and the rules of
what survives an edit: which trained weights a layer edit keeps (by layer identity), when the
history is cleared, when the data fingerprint is kept, which target scaling belongs to which
weights. The command line opens one (:meth:`Session.open`); the window's controller
(``ui/controller.py``) is a thin Qt adapter over one: signals, the undo stack and messages.

Methods that change the state either return plain values or raise
:class:`~nnstudio.errors.NNStudioError` before anything changed; edits come in two steps, a
``plan_*`` that checks and describes the change and an ``apply_*`` that carries it out, so an
undo stack can keep the plans.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.errors import ConfigError, NNStudioError
from nnstudio.project.build import (
    check_fits,
    data_changed,
    default_network_config,
    input_config,
    output_issue,
    output_layer_config,
    scaled_split,
    stamp_data,
    updated_training,
)
from nnstudio.project.document import Project
from nnstudio.project.fingerprint import compare_fingerprint
from nnstudio.project.layer_edits import (
    DataSwitch,
    LayerEdit,
    fitting_layers,
    layer_params,
    new_id,
    same_shapes,
)

if TYPE_CHECKING:
    from nnstudio.data import Dataset, Split, Standardizer
    from nnstudio.engine import Network

#: What a new split says when trained weights stay.
SPLIT_WARNING = ("New split: the network keeps its weights, but it has already learned from rows "
                 "that may now be validation or test data, so those scores would look better than "
                 "they are. Reset weights (Ctrl+R) for an honest score.")


class Session:
    """A project opened for editing, training and evaluation.

    Attributes
    ----------
    project : Project
        Settings and results (history, data fingerprint); its ``weights`` are those it was
        opened with: :meth:`to_project` gives the project with the live weights.
    dataset : Dataset or None
    split : Split or None
        Train / validation / test parts with the *raw* features.
    scaled_split : Split or None
        The same parts with standardized features (float32): what the network sees.
    scaler : Standardizer or None
    network : Network or None
        None until there is data, or while the layers cannot be built.
    layers : list of dict
        Layer configs, output layer last (the input is the data's features).
    ids : list of int
        One identity per layer; trained weights belong to an identity.
    kept_learning : bool
        The history was cleared by an edit, but some layers kept trained weights.
    """

    def __init__(self) -> None:
        self.project = Project()
        self.dataset: Dataset | None = None
        self.split: Split | None = None
        self.scaled_split: Split | None = None
        self.scaler: Standardizer | None = None
        self.network: Network | None = None
        self.layers: list[dict] = []
        self.ids: list[int] = []
        self.kept_learning = False
        self._loss = "auto"
        #: Weights by layer identity: what a layer learned comes back when it does (undo).
        self._weight_cache: dict[int, dict[str, np.ndarray]] = {}
        #: Target scaling config (regression) by output layer identity: it belongs to the
        #: output layer's weights, which answer in the scale they were trained in.
        self._output_scaling: dict[int, dict | None] = {}

    # ------------------------------------------------------------------ opening and saving
    @classmethod
    def open(cls, project: Project, dataset=None, progress: Callable[[float], None] | None = None,
             cancel: Callable[[], bool] | None = None) -> Session:
        """A session for ``project`` that must fit its data (the command line's way in).

        Parameters
        ----------
        project : Project
            Needs a ``data_source`` and a ``network``; it is copied.
        dataset : Dataset, optional
            An already loaded copy of ``project.data_source``, to avoid reading it twice.
        progress, cancel : callable, optional
            Passed to the data loader (CSV files report progress and can be cancelled).

        Raises
        ------
        ConfigError
            When the project has no data or network, or they do not fit together.
        DataError, Cancelled
            From the data loader.
        """
        from nnstudio.data import load_dataset_source
        from nnstudio.engine import Network

        if not project.data_source:
            raise ConfigError("This project has no data yet; choose a data set first.")
        if not project.network:
            raise ConfigError("This project has no network yet; add some layers first.")
        if dataset is None:
            dataset = load_dataset_source(project.data_source, progress=progress, cancel=cancel)
        check_fits(Network.from_config(project.network), dataset)
        session = cls()
        error = session.load(project, dataset)
        if error:
            raise ConfigError(error)
        return session

    def load(self, project: Project, dataset) -> str | None:
        """Use (a copy of) ``project`` with its already loaded ``dataset``.

        A trained project keeps its saved scaler and target scaling (so its weights see the
        scaling they were trained with; none in files saved before there was any); otherwise
        both are fitted on the training part only. Returns why the network could not be
        built (then :attr:`network` is None), or None.
        """
        self.project = project.copy()
        self.dataset = dataset
        self._resplit(keep_scaler=bool(project.weights and project.scaler))
        cfg = project.network or {}
        self._loss = cfg.get("loss", "auto")
        from nnstudio.engine.layers import name_layer_configs

        # Layers without names (projects made before names) are named in order, once.
        self.layers = name_layer_configs(cfg.get("layers", []) or [output_layer_config(dataset)])
        self.ids = [new_id() for _ in self.layers]
        self._weight_cache.clear()
        self._output_scaling.clear()
        if project.weights:
            self._output_scaling[self.ids[-1]] = cfg.get("target_scaling")
        self.kept_learning = False
        return self._rebuild(weights=project.weights)

    def to_project(self) -> Project:
        """The project as it would be saved now: live network config, and the live weights
        and scaler when it has been trained."""
        p = self.project.copy()
        p.network = self.network_config()
        p.weights = self.network.get_weights() if (self.network and self.trained) else None
        p.scaler = self.scaler.get_config() if (self.scaler and self.trained) else None
        return p

    # ------------------------------------------------------------------ results
    @property
    def trained(self) -> bool:
        """True when the history holds at least one epoch."""
        return bool(self.project.history.get("epoch"))

    def record_epoch(self, record) -> None:
        """Append one ``EpochRecord`` to the history."""
        self.project.append_epoch(record)

    def results(self) -> tuple:
        """What an edit may clear: history, data fingerprint, optimizer state and
        :attr:`kept_learning`, to hand back to :meth:`restore_results` (undo)."""
        history = {key: list(values) for key, values in self.project.history.items()}
        # The optimizer state belongs to the weights: undoing Reset weights must bring Adam's
        # averages back too, or the next run restarts them on trained weights.
        return (history, copy.deepcopy(self.project.data_check),
                copy.deepcopy(self.project.optimizer_state), self.kept_learning)

    def restore_results(self, results: tuple) -> None:
        """Put back what :meth:`results` returned (copies: the same tuple may be restored
        again after a redo)."""
        history, check, optimizer_state, kept = results
        self.project.history = {key: list(values) for key, values in history.items()}
        self.project.data_check = copy.deepcopy(check)
        self.project.optimizer_state = copy.deepcopy(optimizer_state)
        self.kept_learning = kept

    def stamp_data(self) -> None:
        """Remember which rows the weights start learning from (call when a run starts)."""
        stamp_data(self.project, self.split)

    def data_changed(self) -> str | None:
        """Plain words when the data is not what the weights were trained on: those opened
        with the project, or trained since (the live ones, which :attr:`project` lacks)."""
        if self.trained or self.kept_learning:
            return compare_fingerprint(self.project.data_check, split=self.split)
        return data_changed(self.project, self.split)

    # ------------------------------------------------------------------ data and split
    def uses_data(self, dataset) -> bool:
        """True when ``dataset`` is the data in use (same source, same shape)."""
        return self.dataset is not None and dataset.source == self.project.data_source \
            and dataset.X.shape == self.dataset.X.shape

    def plan_data_switch(self, dataset) -> DataSwitch | None:
        """What using ``dataset`` would do; None when it is the data already in use.

        The hidden layers stay; the output layer becomes the one the data needs. Layers whose
        settings and weight shapes still fit (the same inputs and classes, say) may keep what
        they learned: :attr:`DataSwitch.can_keep` says when that is worth asking.

        Raises
        ------
        NNStudioError
            When the data cannot be split or has no output layer (nothing changed).
        """
        from nnstudio.data import split_dataset

        if self.uses_data(dataset):
            return None
        s = self.project.split
        split_dataset(dataset, val_fraction=s["val"], test_fraction=s["test"], seed=s["seed"])
        output = output_layer_config(dataset)
        if self.layers and self.layers[-1].get("config", {}).get("name"):
            # The new output takes the old one's place and name (its weights are named after it).
            output["config"]["name"] = self.layers[-1]["config"]["name"]
        hidden = copy.deepcopy(self.layers[:-1])
        if dataset.is_image != (self.dataset is not None and self.dataset.is_image):
            # Pictures need their own first layers (Rescaling, Flatten) and a table must lose
            # them: from one kind to the other the hidden layers become the new kind's default.
            hidden = default_network_config(dataset)["layers"][:-1]
        layers = hidden + [output]
        fresh = [new_id() for _ in layers]
        fitting = fitting_layers(self.network, self.layers, input_config(dataset), layers)
        kept = [self.ids[i] if i in fitting else fresh[i] for i in range(len(layers))]
        with_weights = [i for i in fitting if layer_params(self.network)[i]]
        return DataSwitch(dataset, layers, kept, fresh, with_weights,
                          can_keep=(self.trained or self.kept_learning) and bool(with_weights))

    def apply_data(self, dataset, layers: list[dict], ids: list[int],
                   keep_learning: bool = False, training: dict | None = None) -> str | None:
        """Use ``dataset`` with ``layers`` (identities ``ids``: see :meth:`plan_data_switch`).

        The history and fingerprint go (other data, other rows); ``keep_learning`` says the
        kept identities hold trained weights. ``training`` replaces the training settings (an
        undo brings the old ones back); when None, a table of the person's own gets the
        settings for its size if nobody chose any (:func:`~nnstudio.project.defaults.adopt_data_defaults`:
        early stopping, epochs). Returns why the network could not be built.
        """
        from nnstudio.project.defaults import adopt_data_defaults

        self._cache_weights()
        self.project.training = copy.deepcopy(training) if training is not None else \
            adopt_data_defaults(self.project.training, dataset, self.project.split, previous=self.dataset)
        self.dataset = dataset
        self.project.data_source = copy.deepcopy(dataset.source)
        self._resplit()
        self.layers = copy.deepcopy(layers)
        self.ids = list(ids)
        self.project.clear_results()
        self.kept_learning = keep_learning
        return self._rebuild()

    def set_split(self, **changes) -> tuple[bool, str | None]:
        """Change ``val``, ``test``, ``seed`` or ``standardize`` of the split.

        Trained weights stay (with their target scaling); fresh ones learn the new training
        part's scale. Returns whether anything changed and a warning when trained weights
        stay (they may have seen rows that are now held out).

        Raises
        ------
        NNStudioError
            When the data cannot be split that way (the old split stays).
        """
        new = dict(self.project.split, **changes)
        if new == self.project.split:
            return False, None
        old = self.project.split
        self.project.split = new
        try:
            self._resplit()
        except NNStudioError:
            self.project.split = old
            self._resplit()
            raise
        trained = self.trained
        if not (trained or self.kept_learning):
            self._set_target_scaling(self._fit_target_scaling())
        check = self.project.data_check
        self.project.clear_results()
        self.kept_learning = trained or self.kept_learning  # same weights, new split
        if self.kept_learning:  # they saw the old split's rows: held-out scores stay suspect
            self.project.data_check = check
        return True, SPLIT_WARNING if trained else None

    def _resplit(self, keep_scaler: bool = False) -> None:
        from nnstudio.data import Standardizer, split_dataset

        s = self.project.split
        assert self.dataset is not None  # every caller sets the data first
        self.split = split_dataset(self.dataset, val_fraction=s["val"], test_fraction=s["test"],
                                   seed=s["seed"])
        if not s.get("standardize", True) or self.dataset.is_image:
            # Pictures stay uint8: the network's Rescaling layer scales them, not a per-pixel
            # standardiser (784 means and deviations in project.json, float32 copies of the data).
            self.scaler = None
        elif keep_scaler and self.project.scaler is not None:  # (keep_scaler: there is one)
            self.scaler = Standardizer.from_config(self.project.scaler)
        else:
            self.scaler = Standardizer.fit(self.split.train.X)
        self.scaled_split = scaled_split(self.split, self.scaler)

    # ------------------------------------------------------------------ target scaling
    def target_scaling(self) -> dict | None:
        """The output layer's target scaling config, fitted on the training part when that
        layer is first built (see :meth:`Network.fit_target_scaling`)."""
        if not self.ids:
            return None
        if self.ids[-1] not in self._output_scaling:
            self._output_scaling[self.ids[-1]] = self._fit_target_scaling()
        return self._output_scaling[self.ids[-1]]

    def _fit_target_scaling(self) -> dict | None:
        from nnstudio.engine import Dense, TargetScaling, layer_from_config

        if self.split is None or self.dataset is None or self.dataset.task != "regression" \
                or self.output_issue():
            return None  # no numbers to predict, or an output that cannot take them anyway
        output = layer_from_config(self.layers[-1])
        assert isinstance(output, Dense)  # output_issue() found none: a Dense output layer
        scaling = TargetScaling.fit(self.split.train.y, output.activation.key)
        return None if scaling is None else scaling.get_config()

    def _set_target_scaling(self, config: dict | None) -> None:
        """Use ``config`` for the current output layer, in the live network too."""
        self._output_scaling[self.ids[-1]] = config
        if self.network is not None:
            self.network.target_scaling = config

    # ------------------------------------------------------------------ network
    def network_config(self) -> dict:
        """``Network.get_config()`` of the network the layers make for the data."""
        inputs = input_config(self.dataset) if self.dataset else {"n_inputs": 1}
        config = {**inputs, "loss": self._loss, "layers": copy.deepcopy(self.layers)}
        scaling = self.target_scaling()
        if scaling is not None:
            config["target_scaling"] = copy.deepcopy(scaling)
        return config

    def output_issue(self) -> str | None:
        """Why the output layer does not fit the data, or None when it does."""
        return output_issue(self.layers[-1], self.dataset) if self.layers and self.dataset else None

    def apply_layers(self, layers: list[dict], ids: list[int], keep_history: bool = False) -> str | None:
        """Use ``layers`` (see :class:`LayerEdit`): layers whose identity stays keep their
        weights; unless ``keep_history``, the history goes, and :attr:`kept_learning` says
        whether trained layers stayed. Returns why the network could not be built."""
        self._cache_weights()
        had_learned = self.trained or self.kept_learning
        unchanged = set(self.ids) & set(ids)
        self.layers = copy.deepcopy(layers)
        self.ids = list(ids)
        error = self._rebuild()
        if not keep_history:
            check = self.project.data_check
            self.project.clear_results()
            # Layers that did not change keep their trained weights: say so, not "untrained".
            self.kept_learning = had_learned and bool(unchanged)
            if self.kept_learning:  # what they learned came from the rows of that fingerprint
                self.project.data_check = check
        return error

    def apply_edit(self, edit: LayerEdit) -> str | None:
        """:meth:`apply_layers` with a planned edit."""
        return self.apply_layers(edit.layers, edit.ids, edit.keep_history)

    def _cache_weights(self) -> None:
        if self.network is not None:
            for uid, params in zip(self.ids, layer_params(self.network)):
                if params:
                    self._weight_cache[uid] = {k: v.copy() for k, v in params.items()}

    def _rebuild(self, weights: dict | None = None) -> str | None:
        """Build the live network from the layers; layers whose identity has cached weights
        of the right shapes get them back. Returns why it could not be built, or None."""
        from nnstudio.engine import Network

        if self.dataset is None or not self.layers:
            self.network = None
            return None
        try:
            net = Network.from_config(self.network_config(), seed=self.project.training.get("seed", 0))
            if weights:
                net.set_weights(weights)
        except NNStudioError as exc:
            self.network = None
            return str(exc)
        for uid, params in zip(self.ids, layer_params(net)):
            cached = self._weight_cache.get(uid)
            if params and cached and same_shapes(cached, params):
                for key, view in params.items():
                    view[...] = cached[key]
        self.network = net
        return None

    def weights_state(self) -> tuple:
        """The weights, their target scaling and the results, for :meth:`restore_weights`."""
        assert self.network is not None  # weights exist only with a network
        return self.network.params.copy(), self.target_scaling(), self.results()

    def reset_weights(self) -> None:
        """Fresh random weights (from the training seed) and no history or fingerprint."""
        assert self.network is not None  # weights exist only with a network
        self.network.reinitialize(self.project.training.get("seed", 0))
        # Fresh weights learn in this split's scale (an old project may have trained unscaled).
        self._set_target_scaling(self._fit_target_scaling())
        self.project.clear_results()
        self.kept_learning = False

    def restore_weights(self, state: tuple) -> None:
        params, scaling, results = state
        assert self.network is not None  # weights exist only with a network
        self.network.params[...] = params
        self._set_target_scaling(scaling)
        self.restore_results(results)

    # ------------------------------------------------------------------ training settings
    def set_training(self, **changes) -> bool:
        """Change training settings (see :func:`~nnstudio.project.build.updated_training`,
        which raises for invalid ones: nothing changes); returns whether anything changed."""
        training = updated_training(self.project.training, **changes)
        if training == self.project.training:
            return False
        self.project.training = training
        return True

    def make_optimizer(self):
        """A fresh optimizer from the training settings."""
        from nnstudio.engine import optimizer_from_config

        return optimizer_from_config(self.project.training["optimizer"])


def build_from_project(project: Project, progress: Callable[[float], None] | None = None,
                       cancel: Callable[[], bool] | None = None, dataset=None):
    """``(network, split, scaler)`` of :meth:`Session.open` (same arguments and errors);
    ``split`` holds the *raw* features (see :func:`~nnstudio.project.build.scaled_split`)."""
    session = Session.open(project, dataset=dataset, progress=progress, cancel=cancel)
    return session.network, session.split, session.scaler
