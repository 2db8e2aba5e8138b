"""Turning ``nnstudio train`` arguments into a project (and its already loaded data set)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nnstudio.commands.train_policies import apply_policy_flags
from nnstudio.engine.optimizer_choices import choice_by_key
from nnstudio.errors import ConfigError, DataError
from nnstudio.project import Project, load_project
from nnstudio.project.build import default_network_config
from nnstudio.project.defaults import training_for, uses_data_defaults, watch_what_split_keeps
from nnstudio.project.document import default_split, default_training

# Flags that describe a new project; they make no sense together with a project file.
NEW_PROJECT_FLAGS = {
    "samples": "--samples", "noise": "--noise", "data_seed": "--data-seed", "target": "--target",
    "missing": "--missing", "layers": "--layers", "activation": "--activation",
    "na_values": "--na-values", "not_na": "--not-na", "image_size": "--image-size",
    "colour": "--colour/--grey",
}
# Flags that only describe how an image folder is read.
IMAGE_FLAGS = ("image_size", "colour")
# Built-in data set parameter behind each data flag.
DATA_PARAMS = {"samples": "n_samples", "noise": "noise", "data_seed": "seed"}



def prepare_project(args: argparse.Namespace, progress=None):
    """Build the project to train from the command line.

    Returns
    -------
    project : Project
    dataset : Dataset or None
        The data when it was loaded here (new projects); None for a project file, whose data
        :func:`~nnstudio.project.build_from_project` loads.

    Raises
    ------
    ConfigError, DataError, ProjectError
        For contradictory flags, bad values and unreadable files.
    """
    images = getattr(args, "images", None)
    sources = [flag for flag, given in (("a project file", args.project), ("--dataset", args.dataset),
                                        ("--csv", args.csv), ("--images", images)) if given]
    if len(sources) != 1:
        raise ConfigError("give exactly one of a project file, --dataset NAME, --csv FILE or --images DIR"
                          + (f" (got {' and '.join(sources)})" if sources else ""))
    if args.project:
        project, dataset = _from_file(args), None
    else:
        project, dataset = _new_project(args, progress)
    _apply_training_flags(project, args)
    return project, dataset


def _from_file(args: argparse.Namespace) -> Project:
    given = [flag for attr, flag in NEW_PROJECT_FLAGS.items() if getattr(args, attr, None) is not None]
    if given:
        raise ConfigError(f"{', '.join(given)} describe a new project and cannot be used with "
                          "a project file")
    project = load_project(args.project)
    for note in project.notes:  # e.g. the CSV was found next to the project
        print(f"nnstudio: {note}", file=sys.stderr)
    if args.reset:
        project.clear_results()
    if (args.val is not None or args.test is not None) and project.is_trained:
        raise ConfigError("--val/--test cannot change the split of an already trained project "
                          "(its test data would leak into training); add --reset to start over")
    return project


def _new_project(args: argparse.Namespace, progress):
    from nnstudio.data import CsvOptions, MissingValuesError, read_csv
    from nnstudio.data.na_rules import check_na_values

    if not getattr(args, "images", None):
        for attr in IMAGE_FLAGS:
            if getattr(args, attr, None) is not None:
                raise ConfigError(f"{NEW_PROJECT_FLAGS[attr]} only applies to --images")
    if args.dataset:
        dataset = _load_builtin(args)
    elif getattr(args, "images", None):
        dataset = _load_images(args, progress)
    else:
        for attr in DATA_PARAMS:
            if getattr(args, attr) is not None:
                raise ConfigError(f"{NEW_PROJECT_FLAGS[attr]} only applies to --dataset")
        options = CsvOptions(target=_csv_target(args.csv, args.target), missing=args.missing,
                             na_values=check_na_values(_na_values(args)))  # the stored triples
        try:
            dataset = read_csv(args.csv, options, progress=progress)
        except MissingValuesError as exc:  # the window's wording names its options, not flags
            raise DataError(exc.command_line_message()) from None
    hidden = args.layers  # None: the data's default (16, 16 for a table; see default_network_config)
    if isinstance(hidden, list):  # layer configs: convolutions, pooling, flatten (layer_spec.py)
        from nnstudio.commands.layer_spec import network_from_specs

        if args.activation:  # the Dense layers' activation; convolutions keep ReLU
            for spec in hidden:
                if spec["class"] == "Dense":
                    spec["config"]["activation"] = args.activation
        network = network_from_specs(dataset, hidden, seed=args.seed or 0)
    else:
        network = default_network_config(dataset, hidden=hidden, activation=args.activation or "relu",
                                         seed=args.seed or 0)
    name = Path(args.save).stem if args.save else dataset.name
    # A table of the person's own starts with early stopping and epochs for its size.
    own = uses_data_defaults(dataset.source)  # pictures: the same, without the L2 penalty
    training = training_for(dataset.n_samples, images=dataset.is_image) if own else default_training()
    return Project(name=name, data_source=dict(dataset.source), split=default_split(),
                   network=network, training=training), dataset


def _na_values(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    """``--na-values COLUMN=WORD`` (missing) and ``--not-na COLUMN=WORD`` (a value) as
    ``CsvOptions.na_values``; the last ``=`` splits, as column names may hold one, words not."""
    choices: dict[str, dict[str, str]] = {}
    for flag, attr, choice in (("--na-values", "na_values", "missing"), ("--not-na", "not_na", "value")):
        for text in getattr(args, attr, None) or ():
            column, sep, word = text.rpartition("=")
            if not sep or not column.strip():
                raise ConfigError(f"{flag} takes COLUMN=WORD, such as {flag} Exer=None, got {text!r}")
            choices.setdefault(column.strip(), {})[word.strip()] = choice
    return choices


def _csv_target(path: str, target: str | None) -> str | int | None:
    """``--target`` is a column name, or a 0-based column number when no column has that name."""
    from nnstudio.data import preview_csv

    if target is None or not target.strip().isdigit():
        return target
    if target in preview_csv(path, n_rows=1).columns:
        return target
    return int(target)


def _load_images(args: argparse.Namespace, progress):
    from nnstudio.data.images import DEFAULT_SIZE, read_image_folder

    for attr in ("target", "missing", "na_values", "not_na", *DATA_PARAMS):
        if getattr(args, attr, None) is not None:
            raise ConfigError(f"{NEW_PROJECT_FLAGS[attr]} does not apply to --images")
    size = DEFAULT_SIZE if args.image_size is None else args.image_size
    return read_image_folder(args.images, size=size, colour=args.colour or "auto", progress=progress)


def _load_builtin(args: argparse.Namespace):
    from nnstudio.data import list_builtins, load_builtin

    for attr in ("target", "missing", "na_values", "not_na"):
        if getattr(args, attr, None) is not None:
            raise ConfigError(f"{NEW_PROJECT_FLAGS[attr]} only applies to --csv")
    infos = {info.name: info for info in list_builtins()}
    info = infos.get(args.dataset)
    if info is None:
        raise ConfigError(f"unknown data set {args.dataset!r}; choose one of {', '.join(infos)} "
                          "(see 'nnstudio datasets')")
    params = {}
    for attr, param in DATA_PARAMS.items():
        value = getattr(args, attr)
        if value is None:
            continue
        if param not in info.params:
            raise ConfigError(f"the data set {args.dataset!r} has no setting for "
                              f"{NEW_PROJECT_FLAGS[attr]}")
        params[param] = value
    return load_builtin(args.dataset, **params)


def _apply_training_flags(project: Project, args: argparse.Namespace) -> None:
    training = project.training
    for attr in ("epochs", "batch_size", "seed"):
        if getattr(args, attr) is not None:
            training[attr] = getattr(args, attr)
    if args.optimizer is not None:
        old = training["optimizer"]["config"]
        lr = args.lr if args.lr is not None else old.get("learning_rate", 0.01)
        l2 = args.l2 if args.l2 is not None else old.get("weight_decay", 0.0)
        training["optimizer"] = choice_by_key(args.optimizer).config(lr, l2)
    else:
        if args.lr is not None:
            training["optimizer"]["config"]["learning_rate"] = args.lr
        if args.l2 is not None:
            training["optimizer"]["config"]["weight_decay"] = args.l2
    for attr in ("val", "test"):
        if getattr(args, attr) is not None:
            project.split[attr] = getattr(args, attr)
    if project.split["val"] + project.split["test"] >= 1:
        raise ConfigError(f"--val + --test must stay below 1 so some data is left to train on, "
                          f"got {project.split['val']} + {project.split['test']}")
    apply_policy_flags(training, args, has_validation=project.split["val"] > 0)
    _apply_augment(project, getattr(args, "augment", None))
    watch_what_split_keeps(training, project.split)  # --val 0: the default stop watches training
    # Build the optimizer and the policies once now so a bad value fails before any training.
    from nnstudio.engine import optimizer_from_config
    from nnstudio.project.run_policies import run_policies

    optimizer_from_config(training["optimizer"])
    run_policies(training)


def _apply_augment(project: Project, text: str | None) -> None:
    """``--augment rotate=15,shift=0.1`` into ``training["augment"]`` ('none': off)."""
    if text is None:
        return
    if text.strip().lower() == "none":
        project.training["augment"] = None
        return
    from nnstudio.data.augment import parse_augment

    shape = project.network.get("input_shape") or []
    if len(shape) != 3:
        raise ConfigError("--augment changes pictures; this project's data is a table")
    pipeline = parse_augment(text, fill="edge" if shape[-1] == 3 else "zeros")
    project.training["augment"] = {"class": "AugmentPipeline", "config": pipeline.get_config()}
