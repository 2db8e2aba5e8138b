"""The network: a stack of layers whose parameters live in one flat buffer.

Keeping every weight and bias as a view into one float32 array (and every gradient in a second
one) lets the optimizer update the whole network in a handful of in-place passes, which is the
biggest speed lever at small batch sizes (see DESIGN.md, performance practice).
"""
from __future__ import annotations

import numpy as np

from nnstudio.engine.layers import Dense, Layer, Shape, layer_from_config, layer_names, layer_to_config
from nnstudio.engine.losses import Loss, auto_loss, get_loss
from nnstudio.engine.memory import check_batch_memory, check_network_memory, layers_from_config, rows_within
from nnstudio.engine.plan import Buffers
from nnstudio.engine.plan import prod as _prod
from nnstudio.engine.shapes import check_input_shape
from nnstudio.engine.target_scaling import TargetScaling
from nnstudio.engine.weights import LoadReport, by_name, match_weights
from nnstudio.errors import ConfigError

_PREDICT_CHUNK = 4096
#: Work-array bytes one prediction chunk may take: only very wide layers and conv nets (whose
#: maps take ~0.6 MB per 28x28 image) need smaller chunks, and theirs then stay in the CPU's
#: caches (MNIST conv net, 4,000 images: 0.46 s with 256 MB chunks, 0.08 s with 16 MB).
_PREDICT_BUDGET = 16 * 1024**2


class Network:
    """A feed-forward stack of layers whose parameters live in one flat buffer.

    Parameters
    ----------
    input_shape : int or tuple of int
        The shape of one sample: an int (or ``(n,)``) for ``n`` input features (also accepted
        as ``n_inputs=n``).
    layers : list of Layer
        Hidden and output layers, input side first. The last one must be Dense.
    loss : str
        ``"auto"`` (from the output activation), ``"categorical_crossentropy"``,
        ``"binary_crossentropy"`` or ``"mse"``.
    seed : int
        Seed of the weight initialisation.
    dtype : numpy dtype
        float32 normally; float64 only for gradient checks.

    Attributes
    ----------
    params, grads : ndarray of shape (n_params,)
        Every parameter, and its gradient, in one flat buffer; each layer holds views into
        them (see :meth:`param_slices`).
    target_scaling : TargetScaling or None
        Regression only: :func:`~nnstudio.engine.fit` trains against scaled targets and
        :meth:`predict` answers in the targets' own units (see :meth:`fit_target_scaling`).
    """

    _target_scaling: TargetScaling | None = None

    def __init__(self, input_shape: int | Shape | None = None, layers: list[Layer] | None = None,
                 loss: str = "auto", seed: int = 0, dtype=np.float32, *, n_inputs: int | None = None):
        # ``n_inputs=`` is the keyword of the flat-only engine; it still works.
        self.input_shape = check_input_shape(n_inputs if n_inputs is not None else input_shape)
        if not layers:
            raise ConfigError("a network needs at least one layer (the output layer)")
        for layer in layers:
            if not isinstance(layer, Layer):
                raise ConfigError(f"layers must be Layer objects, got {layer!r}")
        if not isinstance(layers[-1], Dense):
            raise ConfigError(f"the last layer must be a Dense output layer, got {layers[-1].kind}")
        self.dtype = np.dtype(dtype)
        # Copies, so one Layer object never ends up as views into two networks.
        self.layers: list[Layer] = [layer_from_config(layer_to_config(layer)) for layer in layers]
        # Unnamed layers (old files, old code) are named in order: dense_1, dropout_1, ...
        for layer, name in zip(self.layers, layer_names(self.layers)):
            layer.name = name
        self.loss_key = loss
        self.loss: Loss = self._resolve_loss(loss)
        self._allocate()
        self.reinitialize(seed)

    @property
    def n_inputs(self) -> int:
        """Input values per sample (the number of features for flat inputs)."""
        return _prod(self.input_shape)

    # ------------------------------------------------------------------ target scaling
    @property
    def target_scaling(self) -> TargetScaling | None:
        return self._target_scaling

    @target_scaling.setter
    def target_scaling(self, value: TargetScaling | dict | None) -> None:
        if isinstance(value, dict):
            value = TargetScaling.from_config(value)
        if value is not None:
            if not isinstance(value, TargetScaling):
                raise ConfigError(f"target_scaling must be a TargetScaling, a config or None, "
                                  f"got {value!r:.80}")
            if self.loss.is_classification:
                raise ConfigError(f"target scaling is for predicting numbers, but the loss is "
                                  f"{self.loss.display_name}")
            if value.n_outputs != self.n_outputs:
                raise ConfigError(f"target scaling has {value.n_outputs} outputs, the network has "
                                  f"{self.n_outputs}")
        self._target_scaling = value

    def fit_target_scaling(self, y: np.ndarray) -> TargetScaling | None:
        """Learn the target scaling from training targets ``y`` (n_samples,) or (n_samples,
        n_outputs) and use it; None (no scaling) for classification and bounded outputs.

        Fit it on the training part only, before training from fresh weights: trained weights
        answer in the scaling they were trained with, so it must stay with them.
        """
        scaling = None
        if not self.loss.is_classification:
            Y = self.loss.prepare_targets(y, self.n_outputs, np.float64)
            scaling = TargetScaling.fit(Y, self._output_layer().activation.key)
        self.target_scaling = scaling
        return scaling

    # ------------------------------------------------------------------ structure
    def _output_layer(self) -> Dense:
        out = self.layers[-1]
        assert isinstance(out, Dense)  # __init__ and replace_output keep a Dense last
        return out

    def _resolve_loss(self, key: str) -> Loss:
        out = self._output_layer()
        act = out.activation.key
        resolved = auto_loss(act, out.units) if key == "auto" else key
        loss = get_loss(resolved)
        if loss.fused_with and loss.fused_with != act:
            raise ConfigError(f"{loss.display_name} needs a {loss.fused_with} output layer, "
                              f"but the output activation is {out.activation.display_name}")
        if act == "softmax" and out.units < 2:
            raise ConfigError("a softmax output needs at least 2 neurons; "
                              "use 1 sigmoid neuron for two classes")
        return loss

    def layer_sizes(self) -> list[int]:
        """Values per sample of the input and of every layer's output: ``[n_inputs, ...,
        n_outputs]``."""
        return [self.n_inputs] + [_prod(layer.output_shape) for layer in self.layers]

    def _param_name(self, index: int, layer: Layer, param: str) -> str:
        return f"{layer.name}/{param}"

    def _allocate(self) -> None:
        # Before numpy is asked for the buffers: a plain message instead of a MemoryError.
        check_network_memory(self.input_shape, self.layers, self.dtype.itemsize)
        shape = self.input_shape
        shapes = []
        for layer in self.layers:
            shapes.append(layer.param_shapes(shape))
            shape = layer.build(shape)
        total = sum(_prod(s) for ps in shapes for s in ps.values())
        self.params = np.zeros(total, self.dtype)
        self.grads = np.zeros(total, self.dtype)
        self._ranges: list[tuple[int, int]] = []  # flat range of each layer's parameters
        self._slices: dict[str, tuple[int, int, Shape]] = {}
        self._names: list[list[str]] = []  # parameter names of each layer
        off = 0
        for i, (layer, pshapes) in enumerate(zip(self.layers, shapes)):
            start = off
            views, grads, names = {}, {}, []
            for pname, pshape in pshapes.items():
                size = _prod(pshape)
                views[pname] = self.params[off:off + size].reshape(pshape)
                grads[pname] = self.grads[off:off + size].reshape(pshape)
                name = self._param_name(i, layer, pname)
                self._slices[name] = (off, size, tuple(pshape))
                names.append(name)
                off += size
            layer.bind(views, grads)
            layer.watch(self._layers_changed)
            self._ranges.append((start, off))
            self._names.append(names)
        self._buffers: dict[int, Buffers] = {}

    def _layers_changed(self) -> None:
        # A layer was frozen or unfrozen: the per-batch plans know which layers get gradients.
        self._buffers.clear()

    def reinitialize(self, seed: int = 0) -> None:
        """Draw fresh random weights (deterministic for a seed)."""
        rng = np.random.default_rng(seed)
        for layer in self.layers:
            layer.initialize(rng)

    @property
    def n_outputs(self) -> int:
        return _prod(self.layers[-1].output_shape)

    @property
    def n_params(self) -> int:
        return int(self.params.size)

    @property
    def n_trainable_params(self) -> int:
        return sum(e - s for (s, e), layer in zip(self._ranges, self.layers) if layer.trainable)

    def flops_per_sample(self, training: bool = True) -> int:
        """Floating-point operations the engine really does per sample: the forward pass,
        plus for ``training`` the backward pass as run (no gradients for frozen layers and
        nothing below the lowest trainable layer, whose input gradient is skipped too)."""
        stop = self._lowest_trainable_index()
        total = 0
        for i, layer in enumerate(self.layers):
            forward, backward = layer.flops(input_grad=i > stop)
            total += forward + (backward if training and i >= stop else 0)
        return total

    def param_counts(self) -> list[dict]:
        """Per layer: inputs, units (values in and out per sample), weights, biases, total
        and trainable."""
        rows = []
        for layer in self.layers:
            w = layer.params["W"].size if "W" in layer.param_names else 0
            b = layer.params["b"].size if "b" in layer.param_names else 0
            total = sum(layer.params[n].size for n in layer.param_names)
            rows.append({"inputs": _prod(layer.input_shape), "units": _prod(layer.output_shape),
                         "weights": w, "biases": b, "total": total, "trainable": layer.trainable})
        return rows

    def param_slices(self) -> dict[str, tuple[int, int, Shape]]:
        """Every parameter in buffer order: ``name -> (start, size, shape)`` in the flat
        :attr:`params` / :attr:`grads` buffers (``params[start:start + size].reshape(shape)``
        is the parameter itself). Names are those of :meth:`get_weights`."""
        return dict(self._slices)

    def param_trainable(self, name: str) -> bool:
        """Whether the parameter ``name`` (a key of :meth:`param_slices`) belongs to a layer
        that trains (False for frozen layers)."""
        return self._param_layer(name).trainable

    def _param_layer(self, name: str) -> Layer:
        for layer, names in zip(self.layers, self._names):
            if name in names:
                return layer
        raise ConfigError(f"this network has no parameter named {name!r}")

    def trainable_segments(self) -> tuple[list, list]:
        """Views ``(params, grads)`` over trainable parameters (contiguous runs merged) and over
        trainable weight matrices (for L2)."""
        runs: list[list[int]] = []
        for (s, e), layer in zip(self._ranges, self.layers):
            if layer.trainable and e > s:
                if runs and runs[-1][1] == s:
                    runs[-1][1] = e
                else:
                    runs.append([s, e])
        segs = [(self.params[s:e], self.grads[s:e]) for s, e in runs]
        decay = [(layer.params[n], layer.grads[n]) for layer in self.layers if layer.trainable
                 for n in layer.param_names if n == "W"]  # weights decay, biases do not
        return segs, decay

    def replace_output(self, units: int, activation: str | None = None, seed: int = 0) -> None:
        """Swap the output layer for a fresh one with ``units`` neurons, keeping the other weights.

        ``activation`` defaults to softmax for 3+ units and sigmoid for 1 unit when the old output
        was a classifier, otherwise to the old activation.
        """
        old = self._output_layer()
        if activation is None:
            if old.activation.key in ("softmax", "sigmoid"):
                activation = "softmax" if units >= 2 else "sigmoid"
            else:
                activation = old.activation.key
        dropped = set(self._names[-1])
        kept = {k: v for k, v in self.get_weights().items() if k not in dropped}
        self.layers[-1] = Dense(units, activation, name=old.name)
        self.loss = self._resolve_loss("auto" if self.loss_key == "auto" else auto_loss(activation, units))
        self.loss_key = "auto" if self.loss_key == "auto" else self.loss.key
        self._allocate()
        self.reinitialize(seed)
        self.set_weights(kept, partial=True)
        self._target_scaling = None  # a fresh output: fit_target_scaling on its targets

    # ------------------------------------------------------------------ weights and config
    def _views(self) -> dict[str, np.ndarray]:
        return {name: self.params[s:s + n].reshape(shape) for name, (s, n, shape) in self._slices.items()}

    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of all parameters, named ``"<layer name>/<parameter>"`` (``"dense_1/W"``,
        ``"dense_1/b"``) in buffer order."""
        return {name: view.copy() for name, view in self._views().items()}

    def set_weights(self, weights: dict[str, np.ndarray], partial: bool = False) -> None:
        """Copy named arrays into the network; shapes must match. ``partial`` allows a subset.
        Names by position from before layers had names (``"0/W"``) are understood too."""
        expected = self._views()
        weights = by_name(weights, layer_names(self.layers))  # the layers' own names
        unknown = set(weights) - set(expected)
        if unknown:
            raise ConfigError(f"weights do not fit this network: unexpected {sorted(unknown)}")
        missing = set(expected) - set(weights)
        if missing and not partial:
            raise ConfigError(f"weights do not fit this network: missing {sorted(missing)}")
        for name, arr in weights.items():
            arr = np.asarray(arr)
            if arr.shape != expected[name].shape:
                raise ConfigError(f"weights {name} have shape {arr.shape}, the network needs "
                                  f"{expected[name].shape}")
            if not np.all(np.isfinite(arr)):
                raise ConfigError(f"weights {name} contain values that are not finite")
        for name, arr in weights.items():
            expected[name][...] = arr

    def load_weights(self, weights: dict[str, np.ndarray], skip_mismatch: bool = False) -> LoadReport:
        """Load the arrays whose name and shape fit this network (Keras' ``load_weights``).

        With ``skip_mismatch`` arrays that do not fit (unknown name, other shape, not finite)
        are skipped and reported instead of refused; the network's parameters that receive
        nothing keep their values and are reported as new.

        Raises
        ------
        ConfigError
            Without ``skip_mismatch``, when any array does not fit (nothing is loaded).
        """
        return match_weights(by_name(weights, layer_names(self.layers)), self._views(),
                             skip_mismatch)

    def get_config(self) -> dict:
        config: dict = {"n_inputs": self.input_shape[0]} if len(self.input_shape) == 1 else \
            {"input_shape": list(self.input_shape)}
        config.update({"loss": self.loss_key, "layers": [layer_to_config(layer) for layer in self.layers]})
        if self._target_scaling is not None:
            config["target_scaling"] = self._target_scaling.get_config()
        return config

    @classmethod
    def from_config(cls, config: dict, seed: int = 0, dtype=np.float32) -> Network:
        input_shape, layers = layers_from_config(config)
        net = cls(input_shape, layers, loss=config.get("loss", "auto"), seed=seed, dtype=dtype)
        # Absent in configs written before target scaling: those weights answer unscaled.
        net.target_scaling = config.get("target_scaling")
        return net

    # ------------------------------------------------------------------ computation
    def buffers(self, batch: int) -> Buffers:
        buf = self._buffers.get(batch)
        if buf is None:
            check_batch_memory(self.input_shape, self.layers, batch, self.dtype.itemsize)
            if len(self._buffers) > 4:  # at most a full and a last partial batch are in use
                self._buffers.clear()
            buf = self._buffers[batch] = Buffers(self, batch)
        return buf

    def forward_train(self, X: np.ndarray, buf: Buffers, rng: np.random.Generator | None,
                      out: np.ndarray | None = None) -> np.ndarray:
        """Forward pass into preallocated buffers; dropout active when ``rng`` is given.

        ``out`` (batch, n_outputs) receives the network output instead of the last buffer.
        """
        training = rng is not None
        x = X
        for forward, a, cache in buf.forward:
            x = forward(x, a, cache, training, rng)
        forward, cache = buf.last
        return forward(x, buf.a[-1] if out is None else out, cache, training, rng)

    def backward(self, X: np.ndarray, y: np.ndarray, p: np.ndarray, buf: Buffers,
                 dropout: bool = True) -> None:
        """Write the gradient of the loss for targets ``y`` into the gradient buffer.

        ``p`` is the output of :meth:`forward_train` on ``X`` with ``buf``, whose caches hold
        what the pass computed (including whether dropout was on: ``dropout`` is kept for
        callers of the old signature). Frozen layers get no gradient and the pass stops below
        the lowest trainable layer.
        """
        g = buf.g[-1]
        self.loss.gradient(p, y, out=g)
        for backward, cache, grads in buf.backward:
            # Only the last call (the lowest layer that needs it) may return None: nothing follows.
            g = backward(g, cache, grads)  # type: ignore[assignment]

    def _lowest_trainable_index(self) -> int:
        """Index of the lowest layer whose parameters train; ``len(layers)`` when none."""
        for i, layer in enumerate(self.layers):
            if layer.has_params and layer.trainable:
                return i
        return len(self.layers)

    @property
    def _lowest_trainable(self) -> int:
        i = self._lowest_trainable_index()
        if i == len(self.layers):
            raise ConfigError("every layer is frozen, so there is nothing to train; "
                              "unfreeze at least one layer")
        return i

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Outputs for ``X`` of shape (n_samples, *input_shape): probabilities or predicted
        values (in the targets' own units), shape (n_samples, n_outputs). Dropout is off."""
        X = self._check_X(X, keep_uint8=True)
        out = np.empty((len(X), self.n_outputs), self.dtype)
        chunk = rows_within(self.input_shape, self.layers, _PREDICT_CHUNK, _PREDICT_BUDGET,
                            self.dtype.itemsize)
        # uint8 pixels are converted chunk by chunk, never as a whole float copy.
        floats = np.empty((min(chunk, len(X)), *self.input_shape), self.dtype) \
            if X.dtype == np.uint8 else None
        for s in range(0, len(X), chunk):
            xb = X[s:s + chunk]
            if floats is not None:
                xb = floats[:len(xb)]
                np.copyto(xb, X[s:s + chunk])
            self.forward_train(xb, self.buffers(len(xb)), None, out=out[s:s + len(xb)])
        if self._target_scaling is not None:
            self._target_scaling.inverse_in_place(out)
        return out

    def trace(self, x: np.ndarray, y, rng: np.random.Generator | None = None):
        """Every intermediate of one training step on the sample ``x`` with target ``y``:
        see :func:`nnstudio.engine.trace.trace`."""
        from nnstudio.engine.trace import trace

        return trace(self, x, y, rng)

    def predict_classes(self, X: np.ndarray) -> np.ndarray:
        """Predicted class index per sample, int64 of shape (n_samples,)."""
        p = self.predict(X)
        if p.shape[1] == 1:
            return (p[:, 0] > 0.5).astype(np.int64)
        return p.argmax(axis=1).astype(np.int64)

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float | None]:
        """Mean loss (in the targets' units: no L2 penalty) and accuracy (None for regression)
        on ``(X, y)``."""
        if len(X) == 0:
            return float("nan"), None
        return self.scores(self.predict(X), y)

    def scores(self, p: np.ndarray, y: np.ndarray) -> tuple[float, float | None]:
        """Mean loss and accuracy (None for regression) of outputs ``p`` (from :meth:`predict`)
        against targets ``y``."""
        yt = self.loss.prepare_targets(y, self.n_outputs, self.dtype)
        acc = self.loss.n_correct(p, yt) / len(p) if self.loss.is_classification else None
        return self.loss.value(p, yt), acc

    def _check_X(self, X, keep_uint8: bool = False) -> np.ndarray:
        """``X`` as a contiguous array of the network's dtype (uint8 as it is with
        ``keep_uint8``: the caller converts it batch by batch), its shape checked."""
        X = np.asarray(X)
        X = np.ascontiguousarray(X, dtype=np.uint8 if keep_uint8 and X.dtype == np.uint8 else self.dtype)
        if X.shape[1:] != self.input_shape or X.ndim != len(self.input_shape) + 1:
            if len(self.input_shape) == 1:
                raise ConfigError(f"the network expects {self.n_inputs} input features per sample, "
                                  f"got data of shape {X.shape}")
            raise ConfigError(f"the network expects samples of shape {self.input_shape}, got data "
                              f"of shape {X.shape}")
        return X

    def __repr__(self) -> str:
        return f"Network({self.layer_sizes()}, params={self.n_params})"
