"""What ``nnstudio train`` says after a run: the scores, the window's verdict, where it saved."""
from __future__ import annotations

import argparse
import sys

from nnstudio.commands.report import format_score, score_table, strict_json, wrap


def run_verdict(project, run_start: int, dataset, val_y, final: dict, status: str) -> dict | None:
    """The window's verdict on the run (the same findings), worded for a terminal.

    Parameters
    ----------
    project : Project
        Its ``history`` holds this run's epochs from index ``run_start`` on.
    run_start : int
        Epochs trained before this run.
    dataset : Dataset
        The whole data set (raw targets), as the window passes it.
    val_y : ndarray of shape (n_val,) or (n_val, n_outputs)
        The validation targets.
    final : dict
        ``{"train", "val", "test"}`` scores from :func:`~nnstudio.project.evaluation.evaluate_dataset`.
    status : str
        ``completed``, ``interrupted`` or ``diverged``.

    Returns
    -------
    dict or None
        ``{"text", "level", "findings"}``: the text names flags (``--reset``, ``--lr``) where
        the window names its buttons; level ``info`` or ``warning``; ``findings`` the doctor's
        findings as data (:meth:`~nnstudio.doctor.Finding.to_dict`). None for a diverged run,
        whose message already says what happened and what to try (the window gives none either).
    """
    from nnstudio.doctor import diagnose_run, level, render

    if status == "diverged":
        return None
    if len(project.history.get("epoch", [])) - run_start == 1:
        # As the window after one step: a verdict on one epoch would judge too early.
        return {"text": f"Trained one epoch ({project.epochs_trained:,} so far): too early to judge. "
                        "Train for more epochs (--epochs N) to get a verdict.", "level": "info",
                "findings": []}
    test = final["test"]
    test_metrics = (test["loss"], test.get("accuracy")) if test["n_samples"] else None
    rate = project.training["optimizer"]["config"].get("learning_rate", 0.01)
    errors = None
    if dataset.task == "regression":  # the mean absolute errors, as the window's Fit view
        errors = (final["val"].get("mae"), test.get("mae"))
    findings = diagnose_run(project.history, run_start, dataset, val_y, test_metrics, rate, errors,
                            stopped=status == "interrupted")
    return {"text": render(findings, for_="cli"), "level": level(findings),
            "findings": [f.to_dict() for f in findings]}


def print_report(args: argparse.Namespace, human, result: dict) -> None:
    """Print ``result``: JSON on stdout with ``--json``, else scores, verdict and file to ``human``.

    ``--quiet`` keeps all of this: it hides only the progress bar and the per-epoch lines.
    """
    if result["message"]:
        print(result["message"], file=sys.stderr, flush=True)
    if args.json:
        print(strict_json(result))
        return
    speed = result["samples_per_second"]
    heading = "Finished" if result["status"] == "completed" else "Stopped"
    seconds = result["elapsed_seconds"]
    print(f"{heading} after {format_score(seconds, 2 if seconds < 10 else 1)} s"
          + (f" ({speed:,.0f} samples/s)" if speed else "") + ":", file=human)
    labels = {"train": "train", "val": "validation", "test": "test"}
    print(score_table({labels[part]: s for part, s in result["final"].items()}, indent="  "),
          file=human)
    if result["verdict"]:
        print(file=human)
        print(wrap(result["verdict"]["text"]), file=human)
    if result["saved"]:
        print(f"Saved to {result['saved']}", file=human)
    elif not result["save_error"]:
        print("Not saved (add --save FILE.nnproj to keep the trained network).", file=human)
    human.flush()
