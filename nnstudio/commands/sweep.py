"""``nnstudio sweep PROJECT --rates | --data``: short runs side by side, answered in a sentence.

The project file is only read, unless ``--adopt K`` asks to save run K's learning rate into it
(nothing else in the file changes). Exit codes: 0 done, 130 stopped with Ctrl+C (the runs
that finished are still reported), 2 for bad input (see :mod:`nnstudio.cli`).
"""
from __future__ import annotations

import argparse
import sys
import textwrap

from nnstudio.commands.progress import ProgressBar
from nnstudio.errors import ConfigError

EXIT_OK, EXIT_INTERRUPTED = 0, 130


def add_sweep_parser(sub, positive_int) -> None:
    """The ``sweep`` sub-command's arguments (``sub``: the sub-parsers of ``nnstudio``)."""
    sweep = sub.add_parser(
        "sweep", allow_abbrev=False, help="try five learning rates, or less data, in short parallel runs",
        description="Short runs of a project side by side (one per core), each from the same "
                    "fresh weights and seed, answered in a sentence. The project file is not "
                    "changed unless --adopt is given.")
    sweep.add_argument("project", help="an .nnproj project file")
    kind = sweep.add_mutually_exclusive_group(required=True)
    kind.add_argument("--rates", action="store_true",
                      help="Which learning rate? The project's rate times 1/100, 1/10, 1, 10 and 100")
    kind.add_argument("--data", action="store_true",
                      help="Would more data help? 10, 25, 50 and 100 %% of the training rows, "
                           "scored on the same validation rows")
    sweep.add_argument("--epochs", type=positive_int, metavar="N",
                       help="epochs per run (default: the project's, capped at about a million "
                            "samples per run); with --data, the full-data run's, the others take "
                            "as many steps")
    sweep.add_argument("--adopt", type=positive_int, metavar="K",
                       help="with --rates: save run K's learning rate into the project file")
    sweep.add_argument("--json", action="store_true", help="print one JSON object with every run's history")


def run_sweep_command(args: argparse.Namespace) -> int:
    """Run ``nnstudio sweep`` with parsed ``args``; return the exit code."""
    from nnstudio.commands.train import StopOnCtrlC
    from nnstudio.project import Session, load_project, save_project
    from nnstudio.trainer.sweep import adopted_training, plan_data_sweep, plan_rate_sweep, run_sweep

    if args.adopt is not None and not args.rates:
        raise ConfigError("--adopt works with --rates: the runs of --data all use the project's own "
                          "settings, so there is nothing to adopt")
    project = load_project(args.project)
    for note in project.notes:
        print(f"nnstudio: {note}", file=sys.stderr)
    session = Session.open(project)
    plan = (plan_rate_sweep if args.rates else plan_data_sweep)(session, epochs=args.epochs)
    if args.adopt is not None and args.adopt > len(plan.runs):
        raise ConfigError(f"--adopt must name one of the runs, 1 to {len(plan.runs)}, got {args.adopt}")
    human = sys.stderr if args.json else sys.stdout
    question = "Which learning rate?" if args.rates else "Would more data help?"
    if not args.json:
        print(f"{question} {len(plan.runs)} runs of {project.name!r}, from the same starting "
              f"weights (seed {plan.training.get('seed', 0)}):", file=human, flush=True)
    bar = ProgressBar(sys.stderr, enabled=sys.stderr.isatty())
    with StopOnCtrlC() as stop:
        result = run_sweep(plan, progress=lambda i, rec, runner: bar.update(
            runner.progress(), f"{sum(r.status not in ('waiting', 'running') for r in runner.results)}"
                               f"/{len(plan.runs)} runs done"),
            cancel=lambda: stop.requested)
    bar.clear()
    adopted = None
    if args.adopt is not None and not result.cancelled:
        run = plan.runs[args.adopt - 1]
        project.training = adopted_training(project.training, run)
        save_project(project, args.project)
        adopted = {"run": args.adopt, "learning_rate": run.learning_rate, "file": args.project}
    if args.json:
        from nnstudio.commands.report import strict_json

        out = result.to_dict()
        out["adopted"] = adopted
        print(strict_json(out))
    else:
        print(format_table(result), file=human)
        for note in result.notes:
            print(textwrap.fill(note, 88, initial_indent="Note: ", subsequent_indent="  "), file=human)
        print(textwrap.fill(result.sentence, 88), file=human)
        if adopted is not None:
            print(f"Saved learning rate {adopted['learning_rate']:g} (run {args.adopt}) into "
                  f"{args.project}.", file=human)
        elif args.rates and result.best is not None and not result.cancelled \
                and plan.runs[result.best].learning_rate != plan.base_rate:
            print(f"To use it: nnstudio sweep {args.project} --rates --adopt {result.best + 1} "
                  "(or set the rate in the window).", file=human)
    if result.cancelled:
        if args.adopt is not None:
            print("nnstudio: stopped; the project file was not changed.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


def format_table(result) -> str:
    """The runs as a text table: what each tried, how far it got and its best score."""
    acc = result.metric == "val_acc"
    score = {"val_loss": "best val loss", "val_acc": "best val acc", "train_loss": "best train loss"}
    head = "rate" if result.kind == "rates" else "data"
    rows = [("#", head, "epochs", score[result.metric], "at epoch", "status")]
    for r in result.runs:
        best = r.best(result.metric)
        value = "-" if best is None else (f"{best[0]:.1%}" if acc else f"{best[0] + 0.0:.4g}")
        rows.append((str(r.run.index + 1), r.run.label, f"{r.epochs_done}/{r.run.epochs}", value,
                     "-" if best is None else str(best[1]),
                     (r.message if r.status == "completed" and r.message else r.status)
                     + (" *" if result.best == r.run.index else "")))
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if k in (1, 5) else cell.rjust(w)
                       for k, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in rows]
    return "\n".join(lines)

