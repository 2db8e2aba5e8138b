"""``nnstudio train``: train a network from a terminal, with progress, metrics and saving.

Exit codes: 0 finished, 1 training diverged, 130 stopped with Ctrl+C (2 for bad input is
handled by :mod:`nnstudio.cli`). Whatever was trained is saved with ``--save`` in all three
cases, so an interrupted run is not lost.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np

from nnstudio.commands.progress import ProgressBar, epoch_line, print_every
from nnstudio.commands.train_setup import prepare_project
from nnstudio.errors import ProjectError
from nnstudio.project import build_from_project, optimizer_from_project, save_project, scaled_split
from nnstudio.project.evaluation import evaluate_dataset
from nnstudio.project.session import data_label

EXIT_OK, EXIT_DIVERGED, EXIT_INTERRUPTED = 0, 1, 130


class StopOnCtrlC:
    """Turn the first Ctrl+C into a polite stop request checked between training steps.

    A second Ctrl+C falls back to Python's default (``KeyboardInterrupt``) so a stuck run
    can still be killed. Only the main thread may install signal handlers; elsewhere this
    does nothing and Ctrl+C surfaces as ``KeyboardInterrupt``, which is handled too.
    """

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handle(self, signum, frame):
        self.requested = True
        signal.signal(signal.SIGINT, self._previous)

    def __enter__(self) -> "StopOnCtrlC":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def run_train(args: argparse.Namespace) -> int:
    """Run ``nnstudio train`` with parsed ``args``; return the exit code."""
    from nnstudio.engine import Diverged, EpochRecord, fit

    human = sys.stderr if args.json else sys.stdout  # keep stdout pure JSON with --json
    bar = ProgressBar(sys.stderr, enabled=not args.quiet and sys.stderr.isatty())
    if args.save:
        _check_save_target(args.save)

    project, dataset = prepare_project(args, progress=lambda f: bar.update(f, "reading data"))
    network, split, scaler = build_from_project(
        project, progress=lambda f: bar.update(f, "reading data"), dataset=dataset)
    bar.clear()
    data = scaled_split(split, scaler)
    train, val = data.train, data.val
    epochs, batch_size = project.training["epochs"], project.training["batch_size"]
    already = project.epochs_trained
    _say(args, human, f"Training on {split.train.n_samples} samples ({val.n_samples} for validation, "
                      f"{split.test.n_samples} for testing), {network.n_params} weights, "
                      f"{epochs} epochs" + (f" after {already} earlier ones" if already else ""))

    every = print_every(epochs)
    batches = max(1, -(-train.n_samples // batch_size))
    status, message, last = "completed", None, None
    started = time.perf_counter()
    gen = fit(network, train.X, train.y, optimizer=optimizer_from_project(project), epochs=epochs,
              batch_size=batch_size, seed=project.training["seed"] + already,
              validation=(val.X, val.y) if val.n_samples else None,
              report_every=max(1, batches // 10))
    with StopOnCtrlC() as stop:
        try:
            for rec in gen:
                if isinstance(rec, EpochRecord):
                    last = rec
                    project.append_epoch(rec)
                    if rec.epoch % every == 0 or rec.epoch in (1, epochs):
                        bar.clear()
                        _say(args, human, epoch_line(rec, rec.epoch, epochs))
                else:
                    done = (rec.epoch - 1 + rec.batch / rec.batches_per_epoch) / epochs
                    bar.update(done, f"epoch {rec.epoch}/{epochs}  loss {rec.loss:.4f}")
                if stop.requested:
                    status = "interrupted"
                    break
        except Diverged as exc:
            status, message = "diverged", str(exc)
        except KeyboardInterrupt:
            status = "interrupted"
        finally:
            gen.close()
            bar.clear()
    elapsed = time.perf_counter() - started
    if status == "interrupted":
        message = f"Stopped by Ctrl+C after {project.epochs_trained - already} epochs."

    saved, save_error = None, None
    weights = network.get_weights()
    if all(np.isfinite(w).all() for w in weights.values()):
        project.weights = weights
        project.scaler = scaler.get_config() if scaler is not None else None
    if args.save:
        try:
            saved = str(save_project(project, args.save))
        except ProjectError as exc:
            save_error = str(exc)

    final = {part: evaluate_dataset(network, getattr(data, part)) for part in ("train", "val", "test")}
    for scores in final.values():
        scores.pop("confusion_matrix", None)  # `nnstudio evaluate` prints it; keep this short
    samples = last.samples_seen if last is not None else 0
    result = {
        "status": status, "message": message, "dataset": data_label(project.data_source),
        "task": split.train.task,
        "epochs_run": project.epochs_trained - already, "epochs_total": project.epochs_trained,
        "final": final, "history": project.history, "elapsed_seconds": round(elapsed, 3),
        "samples_per_second": round(samples / elapsed, 1) if elapsed > 0 else None,
        "saved": saved, "save_error": save_error,
    }
    _report(args, human, result)
    if save_error:
        print(f"nnstudio: error: {save_error}", file=sys.stderr)
        return 2
    return {"completed": EXIT_OK, "diverged": EXIT_DIVERGED, "interrupted": EXIT_INTERRUPTED}[status]


def _check_save_target(path: str) -> None:
    # Fail before a long run, not after it.
    target = Path(path).expanduser()
    if target.is_dir():
        raise ProjectError(f"Cannot save to {path!r}: it is a folder.")
    if not target.absolute().parent.is_dir():
        raise ProjectError(f"Cannot save to {path!r}: the folder {str(target.absolute().parent)!r} "
                           "does not exist.")


def _say(args: argparse.Namespace, stream, text: str) -> None:
    if not args.quiet:
        print(text, file=stream, flush=True)


def _report(args: argparse.Namespace, human, result: dict) -> None:
    if result["message"]:
        print(result["message"], file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(_finite(result), indent=2, allow_nan=False))
        return
    if args.quiet:
        return
    lines = []
    for part, label in (("train", "train"), ("val", "validation"), ("test", "test")):
        scores = result["final"][part]
        if not scores["n_samples"]:
            continue
        if "accuracy" in scores:
            lines.append(f"  {label:<11} loss {scores['loss']:.4f}  accuracy {scores['accuracy']:.3f}")
        else:
            lines.append(f"  {label:<11} MSE {scores['mse']:.4f}  MAE {scores['mae']:.4f}")
    speed = result["samples_per_second"]
    heading = "Finished" if result["status"] == "completed" else "Stopped"
    print(f"{heading} after {result['elapsed_seconds']:.1f} s"
          + (f" ({speed:,.0f} samples/s)" if speed else "") + ":", file=human)
    print("\n".join(lines), file=human)
    if result["saved"]:
        print(f"Saved to {result['saved']}", file=human)
    elif not result["save_error"]:
        print("Not saved (add --save FILE.nnproj to keep the trained network).", file=human)


def _finite(value):
    """``value`` with NaN / infinity replaced by None, so ``--json`` output is strict JSON."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
