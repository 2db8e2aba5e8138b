"""``nnstudio step``: one training step of a project on one sample, in plain words.

Prints the six stages of the magnifying glass (input, layers, output, loss, backward,
update) with the step's own numbers, or the whole step as JSON (``--json``) or as a worksheet
(``--csv``, ``--html``). Reads the project and never writes it: the update is worked out on
a copy (see :mod:`nnstudio.explain`).
"""
from __future__ import annotations

import argparse
import sys

from nnstudio.commands.report import strict_json, wrap
from nnstudio.project import Session, load_project
from nnstudio.project.build import data_label


def step_walk(path: str, sample: int, learning_rate: float | None = None):
    """``(project, session, walk)`` for row ``sample`` of the training part of the project
    at ``path`` (notes about the file go to stderr)."""
    from nnstudio.explain import walk_session_step

    project = load_project(path)
    for note in project.notes:  # e.g. the CSV was found next to the project
        print(f"nnstudio: {note}", file=sys.stderr)
    session = Session.open(project)
    changed = session.data_changed()
    if changed:
        print(f"nnstudio: note: {' '.join(changed.split())} The step below uses the data as it "
              "is now.", file=sys.stderr)
    return project, session, walk_session_step(session, sample, learning_rate)


def run_step(args: argparse.Namespace) -> int:
    """Run ``nnstudio step`` with parsed ``args``; return the exit code."""
    from nnstudio.explain import worksheet_csv, worksheet_html

    project, session, walk = step_walk(args.project, args.sample, args.lr)
    if args.json:
        result = walk.to_dict()
        result = {"project": project.name, "dataset": data_label(project.data_source),
                  "epochs_trained": project.epochs_trained, **result}
        print(strict_json(result))
        return 0
    if args.csv:
        sys.stdout.write(worksheet_csv(walk))
        return 0
    if args.html:
        sys.stdout.write(worksheet_html(walk))
        return 0
    n_rows = len(session.scaled_split.train.X) if session.scaled_split is not None else 0
    trained = (f"trained {project.epochs_trained} epochs" if project.is_trained
               else "not trained yet (its starting weights)")
    print(f"Project {project.name!r}: data {data_label(project.data_source)!r}, {trained}.")
    print(f"One training step on row {walk.sample_index} of the {n_rows} training rows, "
          f"{walk.optimizer_kind} with learning rate {walk.learning_rate:g}.")
    for stage in walk.stages:
        print()
        print(stage.title)
        for paragraph in stage.caption.split("\n"):
            print(wrap(paragraph))
    for note in walk.notes:
        print()
        print(wrap(f"Note: {note}"))
    return 0
