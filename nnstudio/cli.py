"""The ``nnstudio`` command.

``nnstudio [--demo] [--smoke-test] [PROJECT]`` opens the window; ``nnstudio train``,
``nnstudio evaluate`` and ``nnstudio datasets`` work headless, without Qt. Bad arguments or
files print one ``nnstudio: error: ...`` line and exit with status 2, never a traceback.

This module must not import Qt: the window is imported only in the branch that opens it.
"""
from __future__ import annotations

import argparse
import difflib
import multiprocessing
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from nnstudio import __version__
from nnstudio.errors import NNStudioError

COMMANDS = ("train", "evaluate", "step", "sweep", "check-augment", "datasets")
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one plain line, like every other nnstudio error."""

    #: Set by ``main`` so errors found by the top parser (unknown options) still point at the
    #: command's own help.
    help_hint: str | None = None

    def error(self, message: str):
        hint = self.help_hint or self.prog
        self.exit(EXIT_USAGE, f"nnstudio: error: {message} (see '{hint} --help')\n")


# ------------------------------------------------------------------ argument types
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text!r}")
    return value


def _row(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a row number >= 0, got {text!r}")
    return value


def _seed(text: str) -> int:
    # numpy refuses negative seeds with a ValueError deep inside training set-up.
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return value


def _float_check(text: str, ok, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or value != value or not ok(value):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    return _float_check(text, lambda v: 0 < v < float("inf"), "a positive number")


def _non_negative(text: str) -> float:
    return _float_check(text, lambda v: 0 <= v < float("inf"), "a number >= 0")


def _fraction(text: str) -> float:
    return _float_check(text, lambda v: 0 <= v < 1, "a fraction in [0, 1)")


def _layers(text: str) -> tuple[int, ...] | list[dict]:
    """``"16,16"`` -> (16, 16); ``""`` or ``"none"`` -> () for no hidden layer;
    ``"conv16,pool,flatten,64"`` -> layer configs (see commands/layer_spec.py)."""
    from nnstudio.commands.layer_spec import parse_layers
    from nnstudio.errors import ConfigError

    try:
        return parse_layers(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--layers: ")) from None


def _image_size(text: str) -> int | str:
    if text.strip().lower() == "auto":
        return "auto"
    from nnstudio.data.images import MAX_SIDE, MIN_SIDE

    try:
        value = int(text)
    except ValueError:
        value = 0
    if not MIN_SIDE <= value <= MAX_SIDE:
        raise argparse.ArgumentTypeError(
            f"must be a whole number of pixels from {MIN_SIDE} to {MAX_SIDE}, or 'auto', got {text!r}")
    return value


# ------------------------------------------------------------------ parser
def build_parser() -> _Parser:
    """The parser of the headless sub-commands (the window's options are in its help text)."""
    from nnstudio.commands.train_policies import add_policy_flags
    from nnstudio.engine.optimizer_choices import DEFAULT_LEARNING_RATE, OPTIMIZER_CHOICES

    # allow_abbrev=False: a typo such as --n must not silently mean --noise.
    parser = _Parser(
        prog="nnstudio", allow_abbrev=False,
        description="Build neural networks and watch them learn. Without a command, opens the window.",
        epilog="Window: nnstudio [--demo] [PROJECT.nnproj]   Headless: nnstudio COMMAND --help",
    )
    parser.add_argument("--version", action="version", version=f"nnstudio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    train = sub.add_parser("train", allow_abbrev=False, help="train a network from a terminal",
                           description="Train a network on a project file, a built-in data set "
                                       "or a CSV file. Ctrl+C stops and saves what was trained.")
    source = train.add_argument_group("data (choose one)")
    source.add_argument("project", nargs="?", help="an .nnproj project file to (continue to) train")
    source.add_argument("--dataset", metavar="NAME", help="a built-in data set (see 'nnstudio datasets')")
    source.add_argument("--samples", type=_positive_int, metavar="N",
                        help="number of samples (synthetic data sets)")
    source.add_argument("--noise", type=_non_negative, metavar="X", help="noise level (synthetic data sets)")
    source.add_argument("--data-seed", type=_seed, metavar="N", help="random seed of the generated data")
    source.add_argument("--csv", metavar="FILE", help="a CSV file with one sample per row")
    source.add_argument("--images", metavar="DIR",
                        help="a folder of pictures (PNG, JPEG, BMP, GIF) with one sub-folder per class")
    source.add_argument("--image-size", type=_image_size, metavar="N",
                        help="with --images: resize every picture to N x N pixels (default 28), or "
                             "'auto' for the pictures' median size (at most 64)")
    colour = source.add_mutually_exclusive_group()
    colour.add_argument("--colour", "--color", dest="colour", action="store_const", const="colour",
                        help="with --images: keep the colours (default: grey when every picture is grey)")
    colour.add_argument("--grey", "--gray", dest="colour", action="store_const", const="grey",
                        help="with --images: read the pictures in grey")
    source.add_argument("--target", metavar="COLUMN", help="the CSV column to predict (default: last)")
    source.add_argument("--missing", choices=("drop", "mean"),
                        help="CSV rows with empty cells: drop them or fill in the column mean")
    source.add_argument("--na-values", action="append", metavar="COLUMN=WORD",
                        help="count WORD in CSV column COLUMN as a missing value, e.g. "
                             "--na-values Exer=None (repeat for more). By default empty cells, NA, N/A, "
                             "NaN and #N/A are missing in every column, while None, null, ?, - and -- "
                             "are missing only in columns of numbers and are values among words")
    source.add_argument("--not-na", action="append", metavar="COLUMN=WORD",
                        help="keep WORD in CSV column COLUMN as a value, not a gap, e.g. "
                             "--not-na Region=NA when NA means North America (repeat for more)")
    source.add_argument("--val", type=_fraction, metavar="F",
                        help="fraction kept for validation (default 0.2)")
    source.add_argument("--test", type=_fraction, metavar="F", help="fraction kept for testing (default 0.2)")

    net = train.add_argument_group("network and training")
    net.add_argument("--layers", type=_layers, metavar="N,N",
                     help="hidden layer sizes, e.g. 16,16 (default), or 'none'; for pictures "
                          "also convN (N filters 3x3), convNx5 (5x5), pool (2x2 max pooling) "
                          "and flatten, e.g. conv16,pool,conv32,pool,flatten,64")
    net.add_argument("--activation", metavar="NAME", help="hidden activation: relu (default), "
                     "leaky_relu, tanh, sigmoid, linear")
    optimizers = OPTIMIZER_CHOICES  # the engine's list, which the window's combo box shows too
    net.add_argument("--optimizer", choices=[c.key for c in optimizers], metavar="NAME",
                     help="how the weights change after each batch: "
                          + "; ".join(f"{c.key} ({c.description[0].lower()}{c.description[1:-1]})"
                                      for c in optimizers) + f". Default {optimizers[0].key}")
    net.add_argument("--lr", type=_positive_float, metavar="X",
                     help=f"learning rate (default {DEFAULT_LEARNING_RATE:g})")
    net.add_argument("--batch-size", type=_positive_int, metavar="N", help="samples per step (default 32)")
    net.add_argument("--epochs", type=_positive_int, metavar="N",
                     help="passes over the training data (default 100)")
    net.add_argument("--l2", type=_non_negative, metavar="X", help="L2 weight penalty (default 0)")
    net.add_argument("--seed", type=_seed, metavar="N",
                     help="random seed of weights and shuffling (default 0)")
    net.add_argument("--reset", action="store_true",
                     help="with a project file: forget its trained weights and start over")
    net.add_argument("--augment", metavar="LIST",
                     help="pictures: change training pictures at random each epoch, e.g. "
                          "rotate=15,shift=0.1,flip-h (also zoom, flip-v, brightness, contrast, "
                          "colour, noise; NAME=STRENGTH@PROBABILITY); 'none' turns it off")
    add_policy_flags(train.add_argument_group("schedule and stopping"))

    out = train.add_argument_group("output")
    out.add_argument("--save", metavar="FILE", help="save the trained project (.nnproj)")
    out.add_argument("--json", action="store_true", help="print one JSON result object on stdout")
    out.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")

    evaluate = sub.add_parser("evaluate", allow_abbrev=False, help="score a trained project on its test data",
                              description="Accuracy and loss (or MSE and MAE) of a trained project "
                                          "on its validation and test data.")
    evaluate.add_argument("project", help="a trained .nnproj project file")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")

    step = sub.add_parser("step", allow_abbrev=False, help="one training step on one sample, in plain words",
                          description="Work out one training step of a project on one sample of its "
                                      "training data: the input, every layer's sums and activations, "
                                      "the output, the loss, the gradients and the update, with the "
                                      "numbers. The project file is not changed.")
    step.add_argument("project", help="an .nnproj project file (trained or not)")
    step.add_argument("--sample", type=_row, metavar="N", required=True,
                      help="the row of the training part to look at (from 0)")
    step.add_argument("--lr", type=_positive_float, metavar="X",
                      help="learning rate of the step (default: the project's)")
    step_out = step.add_mutually_exclusive_group()
    step_out.add_argument("--json", action="store_true", help="print the whole step as one JSON object")
    step_out.add_argument("--csv", action="store_true", help="print every number as a CSV worksheet")
    step_out.add_argument("--html", action="store_true", help="print every number as an HTML worksheet")

    from nnstudio.commands.check_augment import add_check_augment_parser
    from nnstudio.commands.sweep import add_sweep_parser

    add_check_augment_parser(sub)

    add_sweep_parser(sub, _positive_int)

    datasets = sub.add_parser("datasets", allow_abbrev=False, help="list the built-in data sets",
                              description="The built-in data sets and their settings.")
    datasets.add_argument("--json", action="store_true", help="print a JSON list")
    return parser


# ------------------------------------------------------------------ entry point
def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``nnstudio`` command; returns the process exit status."""
    # First of all: in a frozen Windows build, child processes (the trainer) re-run this
    # executable with multiprocessing's own arguments; this runs the child and exits.
    multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and _looks_like_a_command(argv[0]):
        near = difflib.get_close_matches(argv[0], COMMANDS, n=1)
        _error(f"unknown command {argv[0]!r}" + (f" (did you mean {near[0]!r}?)" if near else "")
               + f"; the commands are {', '.join(COMMANDS)}, or give a project file "
               "(.nnproj) to open it in the window (see 'nnstudio --help')")
        return EXIT_USAGE
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        return _open_window(argv)
    parser = build_parser()
    parser.help_hint = f"nnstudio {argv[0]}" if argv[0] in COMMANDS else None
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors; keep main() returning
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    return _run_command(args)


def _looks_like_a_command(first: str) -> bool:
    """True for a first argument such as ``export`` that is meant as a command we do not have.

    Not for a project to open: anything that exists as a file, ends in ``.nnproj`` or does
    not look like a single word (a path, an option) still goes to the window.
    """
    if first in COMMANDS or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", first):
        return False
    return not first.lower().endswith(".nnproj") and not Path(first).exists()


def _run_command(args: argparse.Namespace) -> int:
    try:
        if args.command == "train":
            from nnstudio.commands.train import run_train

            return run_train(args)
        if args.command == "evaluate":
            from nnstudio.commands.evaluate import run_evaluate

            return run_evaluate(args)
        if args.command == "step":
            from nnstudio.commands.step import run_step

            return run_step(args)
        if args.command == "sweep":
            from nnstudio.commands.sweep import run_sweep_command

            return run_sweep_command(args)
        if args.command == "check-augment":
            from nnstudio.commands.check_augment import run_check_augment

            return run_check_augment(args)
        if args.command == "datasets":
            from nnstudio.commands.datasets import run_datasets

            return run_datasets(args)
        build_parser().print_help()
        return EXIT_USAGE
    except NNStudioError as exc:
        _error(_command_line_wording(exc, args))
    except BrokenPipeError:  # `nnstudio ... | head`: the reader left, which is not an error
        _silence_stdout()
        return 0
    except OSError as exc:  # files the data loader could not open, a full disk...
        _error(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    except KeyboardInterrupt:  # Ctrl+C while loading, before training started
        print("nnstudio: stopped.", file=sys.stderr)
        return 130
    return EXIT_USAGE


def _command_line_wording(exc: NNStudioError, args: argparse.Namespace) -> str:
    """The error's message, with remedies a terminal can act on where the window's differ."""
    from nnstudio.data import MissingValuesError

    if not isinstance(exc, MissingValuesError):
        return str(exc)
    if getattr(args, "csv", None):
        return exc.command_line_message()
    # A project file whose CSV has gaps now (edited since it was saved): --missing describes a
    # new project, so the remedies are a new project or the window.
    return (f"Some feature values are missing in the project's CSV file: {exc.listing()}, and the "
            "project does not say what to do with them. Train a new project from the file with "
            "--csv FILE --missing drop (removes the rows with a gap) or --missing mean (fills them "
            "in), or open the project in the window and choose in its import options.")


def _silence_stdout() -> None:
    # Python would complain again when flushing stdout at exit (see the "signal" docs' note
    # on SIGPIPE); point stdout at devnull instead.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _error(message: str) -> None:
    one_line = " ".join(message.split())
    print(f"nnstudio: error: {one_line}", file=sys.stderr, flush=True)


def _open_window(argv: list[str]) -> int:
    try:
        from nnstudio.ui.app import run_app
    except ModuleNotFoundError as exc:  # UI not installed / not written yet, or Qt missing
        print(f"nnstudio: the window is not available ({exc}); the commands train, evaluate "
              "and datasets still work (see 'nnstudio --help').", file=sys.stderr)
        return 1
    return run_app(argv)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
