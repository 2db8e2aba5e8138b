"""``nnstudio train``: train a network from a terminal, with progress, metrics and saving.

Exit codes: 0 finished, 1 training diverged, 130 stopped with Ctrl+C (2 for bad input is
handled by :mod:`nnstudio.cli`). Whatever was trained is saved with ``--save`` in all three
cases, so an interrupted run is not lost.
"""
from __future__ import annotations

import argparse
import signal
import sys
import textwrap
import threading
import time

import numpy as np

from nnstudio.commands.progress import ProgressBar, epoch_line, print_every
from nnstudio.commands.safe_save import save_despite_ctrl_c
from nnstudio.commands.train_report import print_report, run_verdict
from nnstudio.commands.train_setup import prepare_project
from nnstudio.errors import ProjectError
from nnstudio.project import Session, check_writable
from nnstudio.project.build import data_label
from nnstudio.project.evaluation import evaluate_dataset
from nnstudio.project.run_policies import run_policies

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

    def __enter__(self) -> StopOnCtrlC:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def run_train(args: argparse.Namespace) -> int:
    """Run ``nnstudio train`` with parsed ``args``; return the exit code."""
    from nnstudio.data import load_dataset_source
    from nnstudio.engine import Diverged, EpochRecord, fit

    human = sys.stderr if args.json else sys.stdout  # keep stdout pure JSON with --json
    bar = ProgressBar(sys.stderr, enabled=not args.quiet and sys.stderr.isatty())
    if args.save:
        check_writable(args.save)

    reading = lambda f: bar.update(f, "reading data")  # noqa: E731
    project, dataset = prepare_project(args, progress=reading)
    own_data = args.csv or getattr(args, "images", None)
    import_notes = list(dataset.notes) if dataset is not None and own_data else []
    if import_notes:  # what the import did with each column or file, the words it took as gaps, ...
        bar.clear()
        _say(args, human, "\n".join(textwrap.fill(note, 88, initial_indent="- ", subsequent_indent="  ",
                                                  break_on_hyphens=False, break_long_words=False)
                                    for note in import_notes) + "\n")
    if dataset is None:  # a project file: load its data here, the verdict needs all of it
        dataset = load_dataset_source(project.data_source, progress=reading)
    session = Session.open(project, dataset=dataset, progress=reading)
    project, network, split, data = session.project, session.network, session.split, session.scaled_split
    assert network is not None and split is not None and data is not None  # open() built them
    bar.clear()
    changed = session.data_changed()
    if changed:
        print(f"nnstudio: warning: {changed} Training goes on, but the validation and test scores "
              "of this network cannot be trusted; add --reset to train it afresh on the data as it "
              "is now.", file=sys.stderr, flush=True)
    session.stamp_data()
    train, val = data.train, data.val
    epochs, batch_size = project.training["epochs"], project.training["batch_size"]
    already = project.epochs_trained
    _say(args, human, f"Training on {split.train.n_samples} samples ({val.n_samples} for validation, "
                      f"{split.test.n_samples} for testing), {network.n_params} weights, "
                      f"{epochs} epochs" + (f" after {already} earlier ones" if already else ""))

    every = print_every(epochs)
    batches = max(1, -(-train.n_samples // batch_size))
    status, message, last, diverged = "completed", None, None, None
    # Continue exactly where the saved run stopped: its optimizer state (Adam's averages) and
    # its epoch count, which places these epochs in the seed's random stream.
    optimizer = session.make_optimizer()
    policies = run_policies(project.training)  # batch transform, rate schedule, stop rule
    optimizer.attach(network)
    for note in optimizer.load_state_dict(project.optimizer_state if already else None):
        _say(args, human, note)
    started = time.perf_counter()
    gen = fit(network, train.X, train.y, optimizer=optimizer, epochs=epochs,
              batch_size=batch_size, seed=project.training["seed"], epochs_before=already,
              validation=(val.X, val.y) if val.n_samples else None,
              report_every=max(1, batches // 10), **policies)
    with StopOnCtrlC() as stop:
        try:
            for rec in gen:
                if isinstance(rec, EpochRecord):
                    last = rec
                    session.record_epoch(rec)
                    if rec.epoch % every == 0 or rec.epoch in (1, epochs):
                        bar.clear()
                        _say(args, human, epoch_line(rec, rec.epoch, epochs))
                    if rec.stopped:  # the stop rule ended the run (and may have gone back)
                        bar.clear()
                        _say(args, human, rec.stopped)
                else:
                    done = (rec.epoch - 1 + rec.batch / rec.batches_per_epoch) / epochs
                    bar.update(done, f"epoch {rec.epoch}/{epochs}  loss {rec.loss:.4f}")
                if stop.requested:
                    status = "interrupted"
                    break
        except Diverged as exc:
            status, message, diverged = "diverged", str(exc), exc
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
        # A diverged run's averages saw the bad steps: the next run starts them afresh.
        project.optimizer_state = optimizer.state_dict() if status != "diverged" else None
        project.scaler = session.scaler.get_config() if session.scaler is not None else None
        project.network = network.get_config()  # with the target scaling these weights need
    if args.save:
        try:
            saved, ctrl_c = save_despite_ctrl_c(project, args.save)
        except ProjectError as exc:
            save_error, ctrl_c = str(exc), False
        if ctrl_c:  # the user wants out; the final scores can wait for `nnstudio evaluate`
            print(f"nnstudio: stopped by Ctrl+C; the trained network was saved first, to {saved}",
                  file=sys.stderr, flush=True)
            return EXIT_INTERRUPTED

    with np.errstate(all="ignore"):  # an overflowing network: the scores say so, no warnings
        final = {part: evaluate_dataset(network, getattr(data, part))
                 for part in ("train", "val", "test")}
    for scores in final.values():
        scores.pop("confusion_matrix", None)  # `nnstudio evaluate` prints it; keep this short
    samples = last.samples_seen if last is not None else 0
    result = {
        "status": status, "message": message, "dataset": data_label(project.data_source),
        "task": split.train.task,
        "epochs_run": project.epochs_trained - already, "epochs_total": project.epochs_trained,
        "final": final, "history": project.history, "elapsed_seconds": round(elapsed, 3),
        "samples_per_second": round(samples / elapsed, 1) if elapsed > 0 else None,
        "saved": saved, "save_error": save_error, "data_warning": changed,
        "import_notes": import_notes,
        "verdict": run_verdict(project, already, dataset, val.y, final, status,
                               network=network, X_train=train.X, diverged=diverged, last=last),
    }
    print_report(args, human, result)
    if save_error:
        print(f"nnstudio: error: {save_error}", file=sys.stderr)
        return 2
    return {"completed": EXIT_OK, "diverged": EXIT_DIVERGED, "interrupted": EXIT_INTERRUPTED}[status]


def _say(args: argparse.Namespace, stream, text: str) -> None:
    if not args.quiet:
        print(text, file=stream, flush=True)
