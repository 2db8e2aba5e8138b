"""``nnstudio check-augment``: does each augmentation keep the pictures' classes?

A command of its own (not a flag of ``train``): it needs a trained model and changes nothing,
and its answer is a report per transform and class, which would drown in a training log.
"""
from __future__ import annotations

import argparse
import json
import sys

from nnstudio.errors import ConfigError, ProjectError


def add_check_augment_parser(sub) -> None:
    """The ``check-augment`` sub-command's arguments."""
    check = sub.add_parser(
        "check-augment", allow_abbrev=False, help="does each augmentation keep the pictures' classes?",
        description="With a project's trained model, turn, flip, shift ... its validation pictures "
                    "and count how many still read as their class, which turn into another class "
                    "(a 6 upside down reads as a 9) and which are no longer recognised, per "
                    "transform and per class. Checks the project's augmentation (or --augment) and "
                    "the usual traps (mirror, upside down, half turn). The project is not changed.")
    check.add_argument("project", help="a trained .nnproj project file on pictures")
    check.add_argument("--augment", metavar="LIST",
                       help="the transforms to check, e.g. rotate=15,shift=0.1,flip-h (default: the "
                            "project's augmentation, else a safe default for its pictures)")
    check.add_argument("--seed", type=int, default=0, metavar="N", help="seed of the random strengths")
    check.add_argument("--json", action="store_true", help="print the whole report as one JSON object")


def run_check_augment(args: argparse.Namespace) -> int:
    from nnstudio.data.augment import AugmentPipeline, default_pipeline, parse_augment
    from nnstudio.data.augment_check import check_session, plural
    from nnstudio.project import Session, load_project

    project = load_project(args.project)
    if not project.is_trained:
        raise ProjectError(f"The project {project.name!r} has not been trained yet; train it first "
                           "(without augmentation), e.g. nnstudio train FILE --save FILE.")
    session = Session.open(project)
    dataset = session.dataset
    if dataset is None or not dataset.is_image:
        raise ConfigError("check-augment needs a project on pictures; this one's data is a table")
    channels = dataset.sample_shape[-1]
    spec = project.training.get("augment")
    if args.augment:
        pipeline = parse_augment(args.augment, fill="edge" if channels == 3 else "zeros")
    elif isinstance(spec, dict) and spec.get("class") == "AugmentPipeline":
        pipeline = AugmentPipeline.from_config(spec.get("config", {}))
    else:
        pipeline = default_pipeline(channels, dataset.class_names)
    report = check_session(session, pipeline, seed=args.seed)
    if args.json:
        print(json.dumps({"project": project.name, "checked": pipeline.get_config(),
                          **report.to_dict(), "suggested_rules": report.suggested_rules()}))
        return 0
    out = sys.stdout
    print(f"Class-change check of {project.name!r} ({dataset.name}).", file=out)
    for line in report.lines():
        print(f"- {line}", file=out)
    print("\nPer class, share that keeps its class:", file=out)
    names = [p.key for p in report.probes]
    width = max(len(n) for n in [*names, "class"]) + 1
    print("class".ljust(8) + "".join(n.rjust(width) for n in names), file=out)
    for c in range(len(dataset.class_names)):
        cells = []
        for p in report.probes:
            r = p.per_class[c]
            cells.append((f"{r.kept * 100:.0f} %" if r.n else "-").rjust(width))
        print(str(dataset.class_names[c])[:7].ljust(8) + "".join(cells), file=out)
    rules = report.suggested_rules()
    if rules:
        parts = [f"{plural(str(dataset.class_names[int(k)]))}: never {', '.join(v['forbid'])}"
                 for k, v in rules.items()]
        print("\nSuggested rules (per class): " + "; ".join(parts), file=out)
    return 0
