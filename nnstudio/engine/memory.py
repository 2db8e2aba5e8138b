"""How much memory a network needs, worked out before anything big is allocated.

A person can type ``1000000,1000000`` as layer sizes, or open a project that declares two
200,000-neuron layers: numpy would then try to allocate terabytes and fail with a
``MemoryError`` traceback, or worse, succeed and push the machine into swap. The estimate here
is pure arithmetic on the layer sizes (Python ints, so it never overflows), so the check costs
microseconds and runs once per :class:`~nnstudio.engine.network.Network` construction and once
per new batch size, never per training step.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from nnstudio.errors import ConfigError

#: Copies of the flat parameter buffer alive while training, besides any optimizer state: the
#: weights, their gradients and ``fit``'s restore point (kept for a diverged run). Building the
#: network needs about as much for a moment: the random initial weights of a layer are drawn as
#: float64 temporaries, 16 bytes per weight of that layer.
BASE_COPIES = 3
#: Extra copies each optimizer keeps: SGD's momentum; Adam's two running averages and its work
#: buffer (see ``optimizers.Adam._new_state``). Unknown names count as Adam, the largest.
OPTIMIZER_COPIES = {"SGD": 1, "Adam": 3}
#: Share of the machine's memory one network may plan to use: the window, the data and the
#: operating system need the rest.
LIMIT_SHARE = 0.5
#: Limit used when the machine's memory cannot be read.
FALLBACK_LIMIT = 4 * 1024**3

#: What the functions below take as the network's input: the number of values per sample, or
#: the per-sample shape.
InputShape = int | tuple[int, ...]


class MemoryLimitError(ConfigError):
    """A network, batch or data set would need more memory than this computer can give it."""


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a network needs to train.

    Attributes
    ----------
    n_params : int
        Number of weights and biases.
    parameters, gradients, optimizer_state : int
        Bytes of the weights (plus the training restore point), of their gradients and of the
        optimizer's running averages.
    activations : int
        Bytes of one batch's layer outputs, their gradients and dropout masks (0 when the
        batch size is not known).
    data : int
        Bytes of the training data (0 when not known).
    largest : tuple of (int, int, int) or None
        ``(layer position, inputs, neurons)`` of the layer with the most weights.
    """

    n_params: int
    parameters: int
    gradients: int
    optimizer_state: int
    activations: int = 0
    data: int = 0
    largest: tuple[int, int, int] | None = None

    @property
    def total(self) -> int:
        return self.parameters + self.gradients + self.optimizer_state + self.activations + self.data


def _input_shape(n_inputs: InputShape) -> tuple[int, ...]:
    return (int(n_inputs),) if isinstance(n_inputs, int) or hasattr(n_inputs, "__index__") \
        else tuple(int(d) for d in n_inputs)


def layer_shapes(n_inputs: InputShape, layers: list) -> list[tuple[int, ...]]:
    """Per-sample shapes of the input and of every layer's output, for engine ``Layer``
    objects (pure arithmetic: nothing is built). ``n_inputs`` is an int or a shape tuple."""
    shapes = [_input_shape(n_inputs)]
    for layer in layers:
        shapes.append(tuple(layer.compute_output_shape(shapes[-1])))
    return shapes


def layer_sizes(n_inputs: InputShape, layers: list) -> list[int]:
    """``[n_inputs, values after layer 1, ...]`` for engine ``Layer`` objects."""
    return [_prod(s) for s in layer_shapes(n_inputs, layers)]


def parameter_shapes(n_inputs: InputShape, layers: list,
                     positional: bool = False) -> dict[str, tuple[int, ...]]:
    """The shape of every parameter array, named as ``Network.get_weights`` names them
    (``"dense_1/W"``; ``"<layer index>/W"`` as format-1 files did with ``positional``),
    without allocating anything."""
    from nnstudio.engine.layers import layer_names

    stems = [str(i) for i in range(len(layers))] if positional else layer_names(layers)
    shapes: dict[str, tuple[int, ...]] = {}
    for i, (layer, shape) in enumerate(zip(layers, layer_shapes(n_inputs, layers))):
        stem = stems[i]
        for pname, pshape in layer.param_shapes(shape).items():
            shapes[f"{stem}/{pname}"] = tuple(pshape)
    return shapes


def layers_from_config(config: dict) -> tuple[tuple[int, ...], list]:
    """``(input_shape, layers)`` of a ``Network.get_config()`` dict, checked but not allocated.

    Raises
    ------
    ConfigError
        When the config is not a valid network description.
    """
    from nnstudio.engine.layers import layer_from_config

    if not isinstance(config, dict) or "layers" not in config or \
            ("n_inputs" not in config and "input_shape" not in config):
        raise ConfigError(f"a network config needs 'n_inputs' and 'layers', got {config!r:.200}")
    if "input_shape" in config:
        dims = config["input_shape"]
        if not isinstance(dims, list) or not dims or any(
                isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in dims):
            raise ConfigError(f"input_shape must be a list of positive whole numbers, got {dims!r:.200}")
        input_shape = tuple(dims)
    else:
        n_inputs = config["n_inputs"]
        if isinstance(n_inputs, bool) or not isinstance(n_inputs, int) or n_inputs < 1:
            raise ConfigError(f"n_inputs must be a positive integer, got {n_inputs!r}")
        input_shape = (n_inputs,)
    if not isinstance(config["layers"], list):
        raise ConfigError(f"'layers' must be a list, got {config['layers']!r:.200}")
    return input_shape, [layer_from_config(spec) for spec in config["layers"]]


def activation_bytes_per_row(n_inputs: InputShape, layers: list, itemsize: int = 4) -> int:
    """Bytes one sample takes in the per-batch work arrays: every layer's output and its
    gradient, plus what its cache keeps (a Dropout layer's mask, a Conv2D layer's im2col
    matrix; see ``plan.Buffers``)."""
    shapes = layer_shapes(n_inputs, layers)
    per_row = 0
    for layer, in_shape, out_shape in zip(layers, shapes, shapes[1:]):
        # A convolution's im2col matrix is k*k*channels times its output: counted here.
        per_row += 2 * _prod(out_shape) + layer.cache_values_per_row(out_shape, in_shape)
    return per_row * itemsize


def estimate_memory(n_inputs: InputShape, layers: list, *, optimizer: str = "Adam",
                    batch_size: int | None = None, n_samples: int | None = None,
                    itemsize: int = 4) -> MemoryEstimate:
    """Estimate the bytes needed to train a network.

    Parameters
    ----------
    n_inputs : int or tuple of int
        Input values per sample, or the per-sample input shape.
    layers : list of Layer
        The engine layers, input side first.
    optimizer : str
        Optimizer display name (``"SGD"``, ``"Adam"``); decides the optimizer state.
    batch_size : int, optional
        Rows per training step; counts the per-batch work arrays (capped at ``n_samples``).
    n_samples : int, optional
        Training rows; counts the data itself (stored as float32) and its shuffled copy.
    itemsize : int
        Bytes per number: 4 for float32, 8 for float64.

    Returns
    -------
    MemoryEstimate
    """
    shapes = layer_shapes(n_inputs, layers)
    sizes = [_prod(s) for s in shapes]
    n_params = 0
    largest, most = None, -1
    for i, (layer, in_shape) in enumerate(zip(layers, shapes)):
        n_in = _prod(in_shape)
        count = sum(_prod(shape) for shape in layer.param_shapes(in_shape).values())
        n_params += count
        if count > most and count:
            largest, most = (i, n_in, sizes[i + 1]), count
    one_copy = n_params * itemsize
    optimizer_copies = OPTIMIZER_COPIES.get(optimizer, max(OPTIMIZER_COPIES.values()))
    rows = batch_size if n_samples is None or batch_size is None else min(batch_size, n_samples)
    activations = rows * activation_bytes_per_row(n_inputs, layers, itemsize) if rows else 0
    # The data in float32 and the per-epoch shuffled copy that fit() gathers into.
    data = 2 * n_samples * (sizes[0] + sizes[-1]) * 4 if n_samples else 0
    return MemoryEstimate(n_params=n_params, parameters=(BASE_COPIES - 1) * one_copy,
                          gradients=one_copy, optimizer_state=optimizer_copies * one_copy,
                          activations=activations, data=data, largest=largest)


def total_memory() -> int | None:
    """The machine's physical memory in bytes, or None when it cannot be read."""
    try:
        if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
            total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
            return total if total > 0 else None
        if sys.platform == "win32":
            return _windows_total_memory()
    except (OSError, ValueError, AttributeError):
        pass
    return None


def _windows_total_memory() -> int | None:
    if sys.platform != "win32":  # ctypes.windll exists on Windows only
        return None
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                    ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
                    ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
                    ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
                    ("ullAvailExtendedVirtual", ctypes.c_ulonglong)]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
        return None
    return int(status.ullTotalPhys) or None


def memory_limit() -> int:
    """Bytes one network may plan to use: :data:`LIMIT_SHARE` of the machine's memory, or
    :data:`FALLBACK_LIMIT` when that is unknown."""
    total = total_memory()
    return int(total * LIMIT_SHARE) if total else FALLBACK_LIMIT


def format_bytes(n: int) -> str:
    """``7.5 GB``, ``512 MB``, ``3.6 TB``: sizes in plain words (powers of 1024)."""
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _machine_clause(limit: int) -> str:
    total = total_memory()
    if total:
        return (f"this computer has {format_bytes(total)} and nnstudio lets one network use at "
                f"most {LIMIT_SHARE:.0%} of it ({format_bytes(limit)})")
    return f"nnstudio lets one network use at most {format_bytes(limit)} on this computer"


def check_network_memory(n_inputs: InputShape, layers: list, itemsize: int = 4) -> MemoryEstimate:
    """Raise :class:`MemoryLimitError` when training the network would need too much memory.

    Counts the weights, gradients, restore point and the largest optimizer's state (the
    optimizer is not known when a network is built); called by ``Network`` before its flat
    buffers are allocated.
    """
    est = estimate_memory(n_inputs, layers, itemsize=itemsize)
    limit = memory_limit()
    if est.total <= limit:
        return est
    copies = BASE_COPIES + max(OPTIMIZER_COPIES.values())
    detail = ""
    if est.largest is not None:
        i, n_in, n_out = est.largest
        detail = (f"; most of them are the {n_in:,} x {n_out:,} connections into layer {i + 1}"
                  f" ({n_out:,} neurons)")
    raise MemoryLimitError(
        f"This network needs {format_bytes(est.total)} of memory to train: {est.n_params:,} "
        f"weights, each kept {copies} times (the weight, its gradient, a restore point and "
        f"the optimizer's running averages){detail}. But {_machine_clause(limit)}. "
        f"Use fewer neurons per layer (the connections between two layers grow with the "
        f"product of their sizes) or fewer layers.")


def check_batch_memory(n_inputs: InputShape, layers: list, batch: int, itemsize: int = 4) -> None:
    """Raise :class:`MemoryLimitError` when the work arrays for batches of ``batch`` rows, on
    top of the network itself, would need too much memory."""
    est = estimate_memory(n_inputs, layers, batch_size=batch, itemsize=itemsize)
    limit = memory_limit()
    if est.total <= limit:
        return
    raise MemoryLimitError(
        f"Working on batches of {batch:,} rows needs {format_bytes(est.activations)} of memory "
        f"for the layers' outputs (plus {format_bytes(est.total - est.activations)} for the "
        f"network itself). But {_machine_clause(limit)}. Use a smaller batch size or fewer "
        f"neurons per layer.")


def rows_within(n_inputs: InputShape, layers: list, rows: int, budget: int, itemsize: int = 4) -> int:
    """The number of rows, at most ``rows`` and at least 1, whose work arrays fit ``budget``
    bytes (used to predict a very wide network in smaller chunks)."""
    per_row = activation_bytes_per_row(n_inputs, layers, itemsize)
    return max(1, min(rows, budget // max(per_row, 1)))


def _prod(shape) -> int:
    out = 1
    for n in shape:
        out *= int(n)
    return out
