"""What ``nnstudio train`` says after a run: the scores, the window's verdict, where it saved."""
from __future__ import annotations

import argparse
import sys

from nnstudio.commands.report import format_score, score_table, strict_json, wrap


def run_verdict(project, run_start: int, dataset, val_y, final: dict, status: str, *,
                network=None, X_train=None, diverged=None, last=None) -> dict | None:
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
    network, X_train : Network and ndarray of shape (n_train, n_features), or None
        The trained network and its training rows: the doctor's newer rules (flat curves and
        dead ReLU neurons, too few rows for the weights) need them.
    diverged : Diverged or None
        What fit raised when the loss stopped being finite.
    last : EpochRecord or None
        The run's last epoch record: when the stop rule ended the run (``stopped``, and
        ``restored_epoch`` after early stopping went back), the verdict says so and judges
        the weights kept (:func:`~nnstudio.doctor.diagnose_run`'s ``run_end``).

    Returns
    -------
    dict or None
        ``{"text", "level", "findings", "flags"}``: the text names flags (``--reset``,
        ``--lr``) where the window names its buttons; level ``info`` or ``warning``;
        ``findings`` the doctor's findings as data (:meth:`~nnstudio.doctor.Finding.to_dict`),
        each with its one-click ``fixes`` (:meth:`~nnstudio.doctor.Fix.to_dict`); ``flags``
        the fixes a command line can try (``["--early-stop 10", "--l2 0.001"]``). For a
        diverged run ``text`` is None: its message already says what happened and what to try.
    """
    from nnstudio.doctor import diagnose_run, fixes_for, level, render, settings_of

    has_val = len(val_y) > 0 if val_y is not None else False
    settings = settings_of(project)

    def as_data(findings) -> list[dict]:
        return [{**f.to_dict(), "fixes": [x.to_dict() for x in fixes_for(f, settings, has_val)]}
                for f in findings]

    if status == "diverged":
        findings = diagnose_run(project.history, run_start, dataset, val_y, None,
                                project.training["optimizer"]["config"].get("learning_rate", 0.01),
                                network=network, X_train=X_train, diverged=diverged)
        data = as_data(findings)
        return {"text": None, "level": level(findings), "findings": data, "flags": _flags(data)}
    if len(project.history.get("epoch", [])) - run_start == 1 and not getattr(last, "stopped", None):
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
                            stopped=status == "interrupted", network=network, X_train=X_train,
                            run_end=last if status == "completed" else None)
    data = as_data(findings)
    return {"text": render(findings, for_="cli"), "level": level(findings), "findings": data,
            "flags": _flags(data)}


def _flags(findings: list[dict]) -> list[str]:
    """The fixes a command line can make, as flags (``--lr 0.001``, ``--early-stop 10``);
    layer edits (a Dropout layer) have none."""
    flags: list[str] = []
    for f in findings:
        for fix in f["fixes"]:
            flag = _flag(fix["kind"], fix["params"])
            if flag is not None and flag not in flags:
                flags.append(flag)
    return flags


def _flag(kind: str, p: dict) -> str | None:
    if kind == "learning_rate":
        return f"--lr {p['learning_rate']:g}"
    if kind == "early_stopping" and p.get("monitor") != "val_acc":
        return f"--early-stop {p['patience']}"
    if kind == "l2":
        return f"--l2 {p['weight_decay']:g}"
    if kind == "plateau":
        return "--schedule plateau"
    return None


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
    verdict = result["verdict"]
    if verdict and verdict["text"]:
        print(file=human)
        print(wrap(verdict["text"]), file=human)
        if verdict.get("flags"):
            print(wrap("To try: " + ", ".join(verdict["flags"])
                       + " (add them to the same command)."), file=human)
    if result["saved"]:
        print(f"Saved to {result['saved']}", file=human)
    elif not result["save_error"]:
        print("Not saved (add --save FILE.nnproj to keep the trained network).", file=human)
    human.flush()
