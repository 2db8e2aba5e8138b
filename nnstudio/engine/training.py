"""Training as a plain generator: the caller drives it and can stop, pause (by not asking for
the next record) or change ``optimizer.learning_rate`` between yields.
"""
from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from nnstudio.engine.microbatch import PartSteps, part_rows
from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import Optimizer
from nnstudio.engine.policies import EarlyStopping, TargetStop
from nnstudio.engine.stopping import Best, check_stop, check_target
from nnstudio.errors import ConfigError, NNStudioError

_GATHER_LIMIT = 32 * 2**20  # bytes of X above which batches are gathered one by one


class Diverged(NNStudioError):
    """The loss became NaN or infinite; the network holds the last finite weights.

    Attributes
    ----------
    epoch : int or None
        The epoch of this ``fit`` call in which the loss stopped being finite (from 1).
    learning_rate : float or None
        The rate that epoch trained at.
    """

    def __init__(self, message: str, epoch: int | None = None,
                 learning_rate: float | None = None):
        super().__init__(message)
        self.epoch, self.learning_rate = epoch, learning_rate

    def __reduce__(self):  # pickles with its numbers (the trainer process sends errors on)
        return type(self), (str(self), self.epoch, self.learning_rate)


@dataclass(frozen=True)
class BatchRecord:
    """Progress inside an epoch: mean training loss over the batches since the last record."""

    epoch: int
    batch: int
    batches_per_epoch: int
    loss: float
    samples_seen: int
    seconds: float


@dataclass(frozen=True)
class EpochRecord:
    """Metrics at the end of an epoch (``epoch`` counts from 1). Accuracies are None for
    regression, validation values None without validation data."""

    epoch: int
    epochs: int
    train_loss: float
    train_acc: float | None
    val_loss: float | None
    val_acc: float | None
    samples_seen: int
    seconds: float
    samples_per_second: float
    learning_rate: float
    #: Plain words when the stop rule ended the run after this epoch, else None.
    stopped: str | None = None
    #: The epoch (counted over all runs) whose weights the stop rule restored, else None.
    restored_epoch: int | None = None


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def fit(network: Network, X: np.ndarray, y: np.ndarray, *, optimizer: Optimizer, epochs: int = 10,
        batch_size: int = 32, seed: int = 0, validation: tuple[np.ndarray, np.ndarray] | None = None,
        report_every: int = 0, shuffle: bool = True, on_validation=None, epochs_before: int = 0,
        transform=None, schedule=None, stop: EarlyStopping | None = None,
        target: TargetStop | None = None,
        ) -> Generator[BatchRecord | EpochRecord, None, None]:
    """Train ``network`` on ``X`` (n_samples, n_features) and ``y`` and yield progress records.

    Parameters
    ----------
    optimizer : Optimizer
        Its ``learning_rate`` is read at every step, so it may be changed between yields.
        Its state (momentum, Adam averages) carries over when ``fit`` is called again with the
        same network and frozen layers.
    batch_size : int
        Samples per update; 1 is per-sample SGD.
    seed : int
        Seeds shuffling, dropout and the batch transform: the same seed gives bit-identical
        weights. Each epoch draws from its own stretch of the seed's random stream.
    report_every : int
        When > 0, also yield a :class:`BatchRecord` every this many batches.
    on_validation : callable or None
        Called as ``on_validation(epoch, predictions)`` with the network's outputs on the
        validation data, each time they are scored (before that epoch's record is yielded):
        a confusion matrix, say, without predicting every row a second time.
    epochs_before : int
        Epochs the network trained in earlier runs. Epoch k of this call then shuffles, drops
        out and gets its scheduled rate like epoch ``epochs_before + k`` of one long run, so
        training 30 epochs and then 4 more (with the optimizer's state carried over, see
        :meth:`Optimizer.load_state_dict`) gives the weights of 34 in one go, bit for bit.
        The records still count this call's epochs from 1.
    transform : callable or None
        Called as ``transform(x, y, rng)`` on every training batch (never on validation
        data); returns the batch to train on, ``(x, y)`` of the same shapes. ``x`` and ``y``
        are read-only views (writing into them raises ``ValueError``), ``y`` as the loss
        takes it (class numbers for softmax outputs, 0/1 columns for sigmoid ones, scaled
        values for regression), ``rng`` is this epoch's generator. E.g.
        :class:`~nnstudio.engine.policies.GaussianNoise`.
    schedule : callable or None
        ``schedule(epoch) -> learning rate``, epoch counted from 1 over all runs (see
        ``epochs_before``); sets ``optimizer.learning_rate`` at the start of every epoch.
        E.g. :class:`~nnstudio.engine.policies.StepDecay`. A schedule with
        ``sees_records = True`` (:class:`~nnstudio.engine.policies.ReduceOnPlateau`) is
        copied once per call with ``schedule.start()`` and that copy is asked
        ``schedule(epoch, last)``, ``last`` the previous :class:`EpochRecord` of this call
        (None for its first epoch).
    stop : EarlyStopping or None
        Ends the run when its monitored value stops improving; the last record then says
        so (``stopped``) and, with ``restore_best``, the network and the optimizer's state
        are those of the best epoch (``restored_epoch``).
    target : TargetStop or None
        Ends the run after the first epoch whose monitored score reaches the target (the
        weights stay that epoch's); the last record's ``stopped`` says so in words. Checked
        before ``stop``.

    With ``network.target_scaling`` set, the gradients (and so the learning rate and any L2
    penalty) work on the scaled targets, while every loss in the records, like
    :meth:`Network.predict`, is in the targets' own units.

    Raises
    ------
    Diverged
        When the loss stops being finite; the weights of the last good epoch are restored.
    """
    epochs = _check_int("epochs", epochs, 1)
    batch_size = _check_int("batch_size", batch_size, 1)
    report_every = _check_int("report_every", report_every, 0)
    # uint8 inputs (image pixels) stay uint8: each batch is converted as it is gathered.
    X = network._check_X(X, keep_uint8=True)
    n = len(X)
    if n == 0:
        raise ConfigError("there are no training samples")
    y = np.asarray(y)
    if len(y) != n:
        raise ConfigError(f"X has {n} samples but y has {len(y)}")
    loss = network.loss
    Y = loss.prepare_targets(y, network.n_outputs, network.dtype)
    loss_value = loss.value
    scaling = network.target_scaling
    if scaling is not None:
        # Scaled once per call, so the hot loop is unchanged. Regression losses depend on
        # output - target only, so the shift cancels and scaling both by ``scale`` gives the
        # loss in real units.
        Y = scaling.transform(Y, network.dtype)
        scale = scaling.scale

        def loss_value(p, t):
            return loss.value(p * scale, t * scale)
    epochs_before = _check_int("epochs_before", epochs_before, 0)
    for name, value in (("transform", transform), ("schedule", schedule)):
        if value is not None and not callable(value):
            raise ConfigError(f"{name} must be callable or None, got {value!r:.80}")
    if validation is not None and len(validation[0]) == 0:
        validation = None
    check_stop(stop, validation is not None, loss.is_classification)
    check_target(target, validation is not None, loss.is_classification)
    sees_records = schedule is not None and getattr(schedule, "sees_records", False)
    if sees_records:
        schedule = schedule.start()  # its own bookkeeping: the caller's object stays as it was
    last_record: EpochRecord | None = None
    if validation is not None:
        Xv = network._check_X(validation[0])
        Yv = validation[1]
        loss.prepare_targets(Yv, network.n_outputs, network.dtype)  # fail early, before training

    _ = network._lowest_trainable  # raises when everything is frozen
    optimizer.attach(network)  # keeps its state when bound to these parameters already

    bits = np.random.PCG64(seed)
    rng = np.random.Generator(bits)
    stream_start = bits.state
    dropout = any(getattr(layer, "rate", 0) for layer in network.layers)
    # Small data is shuffled with one gather per epoch. A big set (MNIST-sized) is gathered
    # batch by batch into one reused buffer: a fresh full copy costs more in page faults
    # than the whole epoch's extra gather calls.
    # uint8 data is always gathered batch by batch (into a uint8 buffer, then converted):
    # a float copy of a whole image set would take 4x its memory.
    as_bytes = X.dtype == np.uint8
    per_batch = as_bytes or (X.nbytes > _GATHER_LIMIT and shuffle)
    Xs = np.empty((min(batch_size, n), *X.shape[1:]), network.dtype) if per_batch else np.empty_like(X)
    Xb = np.empty(Xs.shape, np.uint8) if as_bytes else None
    order = np.arange(n, dtype=np.int64) if per_batch and not shuffle else None
    Ys = np.empty_like(Y)
    # What a batch transform sees: read-only views, so it cannot change the epoch's data.
    Xs_seen, Ys_seen = Xs.view(), Ys.view()
    Xs_seen.flags.writeable = Ys_seen.flags.writeable = False
    best = Best(stop, network, optimizer) if stop is not None else None
    P = np.empty((n, network.n_outputs), network.dtype)  # the epoch's outputs, scored at its end
    starts = list(range(0, n, batch_size))
    n_batches = len(starts)
    batch_sizes = {min(batch_size, n), n - starts[-1]}  # the last batch may be smaller
    batches = _batch_views(starts, batch_size, n, Xs, Ys, P, per_batch)
    # Bound once: attribute lookups cost ~0.1 us each in a ~20 us batch-1 step.
    forward_train, backward, step = network.forward_train, network.backward, optimizer.step
    step_rng = rng if dropout else None
    rows = part_rows(network, batch_size)
    parts = PartSteps(network, rows) if rows is not None else None
    snapshot = network.params.copy()
    samples_seen = 0
    total_seconds = 0.0

    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        epoch_seconds = 0.0
        # 2**64 draws per epoch (no epoch uses nearly as many): where epoch e starts does not
        # depend on what earlier epochs drew, so a continued run draws like one long run.
        bits.state = stream_start
        bits.advance((epochs_before + epoch - 1) << 64)
        if sees_records:
            optimizer.learning_rate = _scheduled_rate(schedule, epochs_before + epoch, last_record)
        elif schedule is not None:
            optimizer.learning_rate = _scheduled_rate(schedule, epochs_before + epoch)
        if shuffle:
            perm = rng.permutation(n)
            if not per_batch:
                np.take(X, perm, axis=0, out=Xs, mode="clip")  # "raise" would buffer out
            np.take(Y, perm, axis=0, out=Ys, mode="clip")
        else:
            if order is not None:  # per_batch: the batches are gathered in order
                perm = order
            else:
                Xs[...] = X
            Ys[...] = Y
        last_report = 0
        for chunk_start in range(0, n_batches, report_every or n_batches):
            chunk_end = min(chunk_start + (report_every or n_batches), n_batches)
            # Looked up once per chunk, not per step: a layer changed between yields (which
            # drops the network's buffers) still gets fresh ones from the next chunk on.
            bufs = {size: network.buffers(size) for size in batch_sizes} if parts is None else {}
            # A diverging run overflows on purpose; it is detected below, not warned about.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                for s, e, xb, yb, pb in batches(chunk_start, chunk_end):
                    if Xb is not None:
                        np.take(X, perm[s:e], axis=0, out=Xb[:e - s], mode="clip")
                        np.copyto(xb, Xb[:e - s])
                    elif per_batch:
                        np.take(X, perm[s:e], axis=0, out=xb, mode="clip")
                    if transform is not None:
                        xb, yb = _transformed(transform, Xs_seen[:e - s] if per_batch else Xs_seen[s:e],
                                              Ys_seen[s:e], rng, yb, network.dtype)
                    if parts is not None:  # a conv net on a large batch: in cached parts
                        parts(xb, yb, pb, step_rng)
                    else:
                        buf = bufs[e - s]
                        forward_train(xb, buf, step_rng, out=pb)
                        backward(xb, yb, pb, buf, dropout)
                    step()
                if chunk_end < n_batches:
                    seg = slice(starts[last_report], min(starts[chunk_end - 1] + batch_size, n))
                    value = loss_value(P[seg], Ys[seg])
            if chunk_end < n_batches:
                if not math.isfinite(value):
                    _diverged(network, snapshot, epoch, optimizer)
                last_report = chunk_end
                epoch_seconds += time.perf_counter() - t0
                yield BatchRecord(epoch, chunk_end, n_batches, value, samples_seen + seg.stop,
                                  total_seconds + epoch_seconds)
                t0 = time.perf_counter()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            train_loss = loss_value(P, Ys)
            finite = math.isfinite(train_loss) and bool(np.isfinite(network.params).all())
        if not finite:
            _diverged(network, snapshot, epoch, optimizer)
        snapshot[...] = network.params
        train_acc = loss.n_correct(P, Ys) / n if loss.is_classification else None
        val_loss = val_acc = None
        if validation is not None:
            # Weights on their way to diverging overflow here too: the loss says so, not a warning.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                Pv = network.predict(Xv)
                val_loss, val_acc = network.scores(Pv, Yv)
            if on_validation is not None:
                on_validation(epoch, Pv)
        samples_seen += n
        scores = {"train_loss": train_loss, "train_acc": train_acc, "val_loss": val_loss,
                  "val_acc": val_acc}
        stopped: str | None = None
        restored: int | None = None
        aimed = scores[target.monitor] if target is not None else None
        if target is not None and aimed is not None and target.reached(aimed):
            stopped = target.reason(aimed, epochs_before + epoch)
        elif best is not None:
            stopped, restored = best.update(epochs_before + epoch, scores)
        epoch_seconds += time.perf_counter() - t0
        total_seconds += epoch_seconds
        last_record = EpochRecord(epoch, epochs, train_loss, train_acc, val_loss, val_acc,
                                  samples_seen, total_seconds, n / max(epoch_seconds, 1e-9),
                                  optimizer.learning_rate, stopped, restored)
        yield last_record
        if stopped:
            return


#: Up to this many batches per epoch, every batch's views are sliced once per ``fit`` call
#: (~0.5 us per step saved at batch size 1); more are sliced step by step (bounded memory).
_VIEW_LIMIT = 1 << 16


def _batch_views(starts: list[int], batch_size: int, n: int, Xs: np.ndarray, Ys: np.ndarray,
                 P: np.ndarray, per_batch: bool):
    """``batches(first, stop)``: the ``(start, end, x, y, p)`` of batches ``first`` to ``stop - 1``,
    views into the epoch's inputs ``Xs`` (its first rows when ``per_batch``: the batch is
    gathered there), targets ``Ys`` and outputs ``P``; the buffers are filled in place every
    epoch, so the views stay valid for the whole call."""

    def one(s: int) -> tuple:
        e = min(s + batch_size, n)
        return s, e, Xs[:e - s] if per_batch else Xs[s:e], Ys[s:e], P[s:e]

    if len(starts) > _VIEW_LIMIT:
        return lambda first, stop: map(one, starts[first:stop])
    views = [one(s) for s in starts]
    return lambda first, stop: views[first:stop]


def _scheduled_rate(schedule, epoch: int, *last) -> float:
    rate = schedule(epoch, *last)
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) \
            or not math.isfinite(rate) or rate <= 0:
        raise ConfigError(f"the learning-rate schedule gave {rate!r} for epoch {epoch}; a "
                          "learning rate must be a positive number")
    return float(rate)


def _transformed(transform, x_seen: np.ndarray, y_seen: np.ndarray, rng, yb: np.ndarray,
                 dtype) -> tuple[np.ndarray, np.ndarray]:
    """The batch ``transform`` returns, checked; targets it changed are written into ``yb``
    (the epoch's own copy), so the epoch's loss is scored against what was trained on."""
    out = transform(x_seen, y_seen, rng)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise ConfigError(f"a batch transform must return (x, y), got {type(out).__name__}")
    x, y = out
    x = np.ascontiguousarray(x, dtype=dtype)
    if x.shape != x_seen.shape:
        raise ConfigError(f"the batch transform returned inputs of shape {x.shape}, the batch "
                          f"has shape {x_seen.shape}")
    if y is not y_seen:
        y = np.asarray(y)
        if y.shape != yb.shape or not np.can_cast(y.dtype, yb.dtype, "same_kind"):
            raise ConfigError(f"the batch transform returned targets of shape {y.shape} and type "
                              f"{y.dtype}; the batch's are {yb.shape}, {yb.dtype}")
        yb[...] = y
    return x, yb


def _diverged(network: Network, snapshot: np.ndarray, epoch: int, optimizer: Optimizer) -> None:
    network.params[...] = snapshot
    optimizer.reset_state()  # its running averages saw the bad steps
    lr = optimizer.learning_rate
    kept = f"the weights from the end of epoch {epoch - 1} were kept" if epoch > 1 else \
        "the weights from before training were kept"
    raise Diverged(
        f"Training stopped in epoch {epoch}: the loss became too large to compute (the network "
        f"diverged). This usually means the learning rate ({lr:g}) is too high; try {lr / 10:g}. "
        f"Nothing is lost: {kept}.", epoch=epoch, learning_rate=float(lr))
