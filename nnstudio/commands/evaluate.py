"""``nnstudio evaluate``: score a trained project on its validation and test data."""
from __future__ import annotations

import argparse
import sys

import numpy as np

from nnstudio.commands.report import not_finite_note, score_table, strict_json, wrap
from nnstudio.errors import ProjectError
from nnstudio.project import Session, load_project
from nnstudio.project.build import data_label
from nnstudio.project.evaluation import evaluate_dataset

PART_LABELS = {"val": "validation", "test": "test"}


def evaluate_project(path: str) -> dict:
    """Scores of the project at ``path`` on its validation and test parts.

    Returns
    -------
    dict
        ``project``, ``dataset``, ``task``, ``class_names`` and ``scores`` mapping
        ``"validation"`` / ``"test"`` to :func:`~nnstudio.project.evaluation.evaluate_dataset`
        results (without the confusion matrix, which is given once, for ``confusion_split``).
    """
    project = load_project(path)
    for note in project.notes:  # e.g. the CSV was found next to the project
        print(f"nnstudio: {note}", file=sys.stderr)
    if not project.is_trained:
        raise ProjectError(f"The project {project.name!r} has not been trained yet; "
                           "train it first (nnstudio train FILE --save FILE).")
    session = Session.open(project)
    network, split, data = session.network, session.split, session.scaled_split
    assert network is not None and split is not None and data is not None  # open() built them
    changed = session.data_changed()
    if changed:
        raise ProjectError(f"{changed} So nnstudio evaluate does not report them. To score this "
                           "network, put the data file back as it was; to train afresh on the file "
                           f"as it is now: nnstudio train {path} --reset --save {path}")
    # Overflowing outputs are reported in plain words (see report.not_finite_note), not as
    # numpy's RuntimeWarnings.
    with np.errstate(all="ignore"):
        scores = {PART_LABELS[p]: evaluate_dataset(network, getattr(data, p)) for p in ("val", "test")}
        if not any(s["n_samples"] for s in scores.values()):
            # No held-out data at all (val = test = 0): training data is all there is to report.
            scores = {"train": evaluate_dataset(network, data.train)}
    confusion_split = next((name for name in ("test", "validation", "train")
                            if name in scores and scores[name]["n_samples"]), None)
    confusion = None
    for name, s in scores.items():
        matrix = s.pop("confusion_matrix", None)
        if name == confusion_split:
            confusion = matrix
    return {
        "project": project.name, "dataset": data_label(project.data_source), "task": split.train.task,
        "class_names": list(split.train.class_names), "epochs_trained": project.epochs_trained,
        "scores": scores, "confusion_split": confusion_split if confusion else None,
        "confusion_matrix": confusion,
    }


def run_evaluate(args: argparse.Namespace) -> int:
    """Run ``nnstudio evaluate`` with parsed ``args``; return the exit code."""
    result = evaluate_project(args.project)
    if args.json:
        print(strict_json(result))
        return 0
    kind = (f"classification, {len(result['class_names'])} classes"
            if result["task"] == "classification" else "regression")
    print(f"Project {result['project']!r}: data {result['dataset']!r} ({kind}), "
          f"trained {result['epochs_trained']} epochs")
    print()
    print(score_table(result["scores"]))
    note = not_finite_note(result["scores"])
    if note:
        print()
        print(wrap(note))
    if result["confusion_matrix"]:
        print()
        print(f"Confusion matrix ({result['confusion_split']} data; rows = true class, "
              "columns = predicted class):")
        print(format_confusion(result["confusion_matrix"], result["class_names"]))
    return 0


def format_confusion(matrix: list[list[int]], class_names: list[str], max_name: int = 12) -> str:
    """A small text table of a confusion matrix with class names on both axes."""
    n = len(matrix)
    names = [(class_names[i] if i < len(class_names) else str(i))[:max_name] for i in range(n)]
    width = max([len(name) for name in names] + [len(str(v)) for row in matrix for v in row] + [3])
    label_width = max(len(name) for name in names)
    header = " " * label_width + "".join(f"  {name:>{width}}" for name in names)
    rows = [f"{names[i]:<{label_width}}" + "".join(f"  {v:>{width}}" for v in matrix[i]) for i in range(n)]
    return "\n".join([header, *rows])
