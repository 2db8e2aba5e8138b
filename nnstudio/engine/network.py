"""The network: a stack of layers whose parameters live in one flat buffer.

Keeping every weight and bias as a view into one float32 array (and every gradient in a second
one) lets the optimizer update the whole network in a handful of in-place passes, which is the
biggest speed lever at small batch sizes (see DESIGN.md, performance practice).
"""
from __future__ import annotations

import numpy as np

from nnstudio.engine.layers import Dense, Dropout, Layer, layer_from_config, layer_to_config
from nnstudio.engine.losses import Loss, auto_loss, get_loss
from nnstudio.engine.memory import check_batch_memory, check_network_memory, rows_within
from nnstudio.engine.target_scaling import TargetScaling
from nnstudio.errors import ConfigError

_PREDICT_CHUNK = 4096
#: Work-array bytes one prediction chunk may take; only very wide layers need smaller chunks.
_PREDICT_BUDGET = 256 * 1024**2


class _Buffers:
    """Per-batch-size work arrays, allocated once and reused every step."""

    def __init__(self, net: "Network", batch: int):
        dt = net.dtype
        sizes = net.layer_sizes()
        self.a = [np.empty((batch, n), dt) for n in sizes[1:]]     # outputs of each layer
        self.g = [np.empty((batch, n), dt) for n in sizes[1:]]     # dL/d(output) of each layer
        self.mask = [np.empty((batch, n), dt) if isinstance(l, Dropout) else None
                     for l, n in zip(net.layers, sizes[1:])]


class Network:
    """A feed-forward network of Dense and Dropout layers.

    Parameters
    ----------
    n_inputs : int
        Number of input features (one input neuron per feature).
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
    target_scaling : TargetScaling or None
        Regression only: :func:`~nnstudio.engine.fit` trains against scaled targets and
        :meth:`predict` answers in the targets' own units (see :meth:`fit_target_scaling`).
    """

    _target_scaling: TargetScaling | None = None

    def __init__(self, n_inputs: int, layers: list[Layer], loss: str = "auto", seed: int = 0,
                 dtype=np.float32):
        if isinstance(n_inputs, bool) or not isinstance(n_inputs, (int, np.integer)) or n_inputs < 1:
            raise ConfigError(f"n_inputs must be a positive integer, got {n_inputs!r}")
        if not layers:
            raise ConfigError("a network needs at least one layer (the output layer)")
        for layer in layers:
            if not isinstance(layer, Layer):
                raise ConfigError(f"layers must be Layer objects, got {layer!r}")
        if not isinstance(layers[-1], Dense):
            raise ConfigError(f"the last layer must be a Dense output layer, got {layers[-1].kind}")
        self.n_inputs = int(n_inputs)
        self.dtype = np.dtype(dtype)
        # Copies, so one Layer object never ends up as views into two networks.
        self.layers: list[Layer] = [layer_from_config(layer_to_config(l)) for l in layers]
        self.loss_key = loss
        self.loss: Loss = self._resolve_loss(loss)
        self._allocate()
        self.reinitialize(seed)

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
                raise ConfigError(f"target_scaling must be a TargetScaling, a config or None, got {value!r:.80}")
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
            scaling = TargetScaling.fit(Y, self.layers[-1].activation.key)
        self.target_scaling = scaling
        return scaling

    # ------------------------------------------------------------------ structure
    def _resolve_loss(self, key: str) -> Loss:
        out = self.layers[-1]
        act = out.activation.key
        resolved = auto_loss(act, out.units) if key == "auto" else key
        loss = get_loss(resolved)
        if loss.fused_with and loss.fused_with != act:
            raise ConfigError(f"{loss.display_name} needs a {loss.fused_with} output layer, "
                              f"but the output activation is {out.activation.display_name}")
        if act == "softmax" and out.units < 2:
            raise ConfigError("a softmax output needs at least 2 neurons; use 1 sigmoid neuron for two classes")
        return loss

    def layer_sizes(self) -> list[int]:
        """Sizes of the input and of every layer's output: ``[n_inputs, ..., n_outputs]``."""
        sizes = [self.n_inputs]
        for layer in self.layers:
            sizes.append(layer.output_size(sizes[-1]))
        return sizes

    def _allocate(self) -> None:
        # Before numpy is asked for the buffers: a plain message instead of a MemoryError.
        check_network_memory(self.n_inputs, self.layers, self.dtype.itemsize)
        sizes = self.layer_sizes()
        total = sum(int(np.prod(s)) for l, n in zip(self.layers, sizes) for s in l.param_shapes(n))
        self.params = np.zeros(total, self.dtype)
        self.grads = np.zeros(total, self.dtype)
        self._ranges: list[tuple[int, int]] = []  # flat range of each layer's parameters
        off = 0
        for layer, n_in in zip(self.layers, sizes):
            start = off
            if isinstance(layer, Dense):
                (wi, wo), (bo,) = layer.param_shapes(n_in)
                layer.W = self.params[off:off + wi * wo].reshape(wi, wo)
                layer.dW = self.grads[off:off + wi * wo].reshape(wi, wo)
                off += wi * wo
                layer.b = self.params[off:off + bo]
                layer.db = self.grads[off:off + bo]
                off += bo
            self._ranges.append((start, off))
        self._buffers: dict[int, _Buffers] = {}

    def reinitialize(self, seed: int = 0) -> None:
        """Draw fresh random weights (deterministic for a seed)."""
        rng = np.random.default_rng(seed)
        for layer in self.layers:
            if isinstance(layer, Dense):
                layer.initialize(rng)

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].units

    @property
    def n_params(self) -> int:
        return int(self.params.size)

    @property
    def n_trainable_params(self) -> int:
        return sum(e - s for (s, e), l in zip(self._ranges, self.layers) if l.trainable)

    def param_counts(self) -> list[dict]:
        """Per layer: inputs, units, weights, biases, total and trainable (for the inspector)."""
        sizes = self.layer_sizes()
        rows = []
        for layer, n_in, n_out in zip(self.layers, sizes, sizes[1:]):
            w = n_in * n_out if isinstance(layer, Dense) else 0
            b = n_out if isinstance(layer, Dense) else 0
            rows.append({"inputs": n_in, "units": n_out, "weights": w, "biases": b,
                         "total": w + b, "trainable": layer.trainable})
        return rows

    def param_slices(self) -> dict[str, tuple[int, int, tuple[int, ...]]]:
        """Every parameter in buffer order: ``name -> (start, size, shape)`` in the flat
        :attr:`params` / :attr:`grads` buffers (``params[start:start + size].reshape(shape)``
        is the parameter itself). Names are those of :meth:`get_weights`."""
        out: dict[str, tuple[int, int, tuple[int, ...]]] = {}
        sizes = self.layer_sizes()
        for i, (layer, n_in, (start, _)) in enumerate(zip(self.layers, sizes, self._ranges)):
            off = start
            for suffix, shape in zip(("W", "b"), layer.param_shapes(n_in)):
                size = int(np.prod(shape))
                out[f"{i}/{suffix}"] = (off, size, tuple(int(d) for d in shape))
                off += size
        return out

    def param_trainable(self, name: str) -> bool:
        """Whether the parameter ``name`` (a key of :meth:`param_slices`) belongs to a layer
        that trains (False for frozen layers)."""
        return self._param_layer(name).trainable

    def _param_layer(self, name: str) -> Layer:
        if name not in self.param_slices():
            raise ConfigError(f"this network has no parameter named {name!r}")
        return self.layers[int(name.split("/", 1)[0])]

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
        decay = [(l.W, l.dW) for l in self.layers if isinstance(l, Dense) and l.trainable]
        return segs, decay

    def replace_output(self, units: int, activation: str | None = None, seed: int = 0) -> None:
        """Swap the output layer for a fresh one with ``units`` neurons, keeping the other weights.

        ``activation`` defaults to softmax for 3+ units and sigmoid for 1 unit when the old output
        was a classifier, otherwise to the old activation.
        """
        old = self.layers[-1]
        if activation is None:
            if old.activation.key in ("softmax", "sigmoid"):
                activation = "softmax" if units >= 2 else "sigmoid"
            else:
                activation = old.activation.key
        kept = {k: v for k, v in self.get_weights().items() if not k.startswith(f"{len(self.layers) - 1}/")}
        self.layers[-1] = Dense(units, activation)
        self.loss = self._resolve_loss("auto" if self.loss_key == "auto" else auto_loss(activation, units))
        self.loss_key = "auto" if self.loss_key == "auto" else self.loss.key
        self._allocate()
        self.reinitialize(seed)
        self.set_weights(kept, partial=True)
        self._target_scaling = None  # a fresh output: fit_target_scaling on its targets

    # ------------------------------------------------------------------ weights and config
    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of all parameters, named ``"<layer index>/W"`` and ``"<layer index>/b"``."""
        out = {}
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Dense):
                out[f"{i}/W"] = layer.W.copy()
                out[f"{i}/b"] = layer.b.copy()
        return out

    def set_weights(self, weights: dict[str, np.ndarray], partial: bool = False) -> None:
        """Copy named arrays into the network; shapes must match. ``partial`` allows a subset."""
        expected = {}
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Dense):
                expected[f"{i}/W"], expected[f"{i}/b"] = layer.W, layer.b
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

    def get_config(self) -> dict:
        config = {"n_inputs": self.n_inputs, "loss": self.loss_key,
                  "layers": [layer_to_config(l) for l in self.layers]}
        if self._target_scaling is not None:
            config["target_scaling"] = self._target_scaling.get_config()
        return config

    @classmethod
    def from_config(cls, config: dict, seed: int = 0, dtype=np.float32) -> "Network":
        if not isinstance(config, dict) or "layers" not in config or "n_inputs" not in config:
            raise ConfigError(f"a network config needs 'n_inputs' and 'layers', got {config!r}")
        if not isinstance(config["layers"], list):
            raise ConfigError(f"'layers' must be a list, got {config['layers']!r}")
        layers = [layer_from_config(spec) for spec in config["layers"]]
        net = cls(config["n_inputs"], layers, loss=config.get("loss", "auto"), seed=seed, dtype=dtype)
        # Absent in configs written before target scaling: those weights answer unscaled.
        net.target_scaling = config.get("target_scaling")
        return net

    # ------------------------------------------------------------------ computation
    def buffers(self, batch: int) -> _Buffers:
        buf = self._buffers.get(batch)
        if buf is None:
            check_batch_memory(self.n_inputs, self.layers, batch, self.dtype.itemsize)
            if len(self._buffers) > 4:  # at most a full and a last partial batch are in use
                self._buffers.clear()
            buf = self._buffers[batch] = _Buffers(self, batch)
        return buf

    def forward_train(self, X: np.ndarray, buf: _Buffers, rng: np.random.Generator | None,
                      out: np.ndarray | None = None) -> np.ndarray:
        """Forward pass into preallocated buffers; dropout active when ``rng`` is given.

        ``out`` (batch, n_outputs) receives the network output instead of the last buffer.
        """
        # np.dot rather than np.matmul: the same BLAS call for 2-D arrays, but half the
        # dispatch overhead, which is most of a step at batch size 1.
        x = X
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            a = out if (i == last and out is not None) else buf.a[i]
            if type(layer) is Dense:
                np.dot(x, layer.W, out=a)
                a += layer.b
                layer.activation.forward(a)
            elif rng is None or layer.rate == 0:
                np.copyto(a, x)
            else:
                m = buf.mask[i]
                rng.random(dtype=m.dtype, out=m)
                # floor(r + keep) is 1 exactly when r >= rate: a keep-mask without a bool temporary.
                keep = 1.0 - layer.rate
                m += keep
                np.floor(m, out=m)
                m *= 1.0 / keep
                np.multiply(x, m, out=a)
            x = a
        return x

    def backward(self, X: np.ndarray, y: np.ndarray, p: np.ndarray, buf: _Buffers,
                 dropout: bool) -> None:
        """Write the gradient of the loss for targets ``y`` into the gradient buffer.

        ``p`` is the output of :meth:`forward_train`; frozen layers get no gradient and the
        pass stops below the lowest trainable layer.
        """
        layers = self.layers
        stop = self._lowest_trainable
        i = len(layers) - 1
        g = buf.g[i]
        self.loss.gradient(p, y, out=g)
        fused = self.loss.fused_with is not None
        while True:
            layer = layers[i]
            a_prev = buf.a[i - 1] if i > 0 else X
            if type(layer) is Dense:
                if not fused:
                    layer.activation.backward(g, buf.a[i] if i < len(layers) - 1 else p)
                if layer.trainable:
                    np.dot(a_prev.T, g, out=layer.dW)
                    np.add.reduce(g, axis=0, out=layer.db)  # np.sum's Python wrapper costs more at batch 1
                if i <= stop:
                    return
                np.dot(g, layer.W.T, out=buf.g[i - 1])
            else:
                if i <= stop:
                    return
                if dropout and layer.rate:
                    np.multiply(g, buf.mask[i], out=buf.g[i - 1])
                else:
                    np.copyto(buf.g[i - 1], g)
            fused = False
            i -= 1
            g = buf.g[i]

    @property
    def _lowest_trainable(self) -> int:
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Dense) and layer.trainable:
                return i
        raise ConfigError("every layer is frozen, so there is nothing to train; unfreeze at least one layer")

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Outputs for ``X`` of shape (n_samples, n_inputs): probabilities or predicted values
        (in the targets' own units), shape (n_samples, n_outputs). Dropout is off."""
        X = self._check_X(X)
        out = np.empty((len(X), self.n_outputs), self.dtype)
        chunk = rows_within(self.n_inputs, self.layers, _PREDICT_CHUNK, _PREDICT_BUDGET, self.dtype.itemsize)
        for s in range(0, len(X), chunk):
            xb = X[s:s + chunk]
            self.forward_train(xb, self.buffers(len(xb)), None, out=out[s:s + len(xb)])
        if self._target_scaling is not None:
            self._target_scaling.inverse_in_place(out)
        return out

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

    def _check_X(self, X) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=self.dtype)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ConfigError(f"the network expects {self.n_inputs} input features per sample, "
                              f"got data of shape {X.shape}")
        return X

    def __repr__(self) -> str:
        return f"Network({self.layer_sizes()}, params={self.n_params})"
