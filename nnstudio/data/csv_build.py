"""Turn a parsed CSV table into a Dataset: pick the target, choose features, handle gaps.

Every decision lands in ``Dataset.notes`` as a plain sentence, and every dead end raises a
DataError that says which column is at fault and what to choose instead.
"""
from __future__ import annotations

import numpy as np

from nnstudio.data.column_use import use_anyway
from nnstudio.data.columns import (
    ColumnInfo,
    analyse_column,
    column_missing,
    describe_merges,
    merge_case,
    missing_mask,
    to_numbers,
)
from nnstudio.data.csv_options import DELIMITER_NAMES, CsvOptions
from nnstudio.data.csv_parse import Table
from nnstudio.data.dataset import Dataset, balance_notes
from nnstudio.data.na_rules import MissingValuesError, words_note
from nnstudio.data.number_columns import analyse_numbers, check_float32_range, gather_features, number_missing
from nnstudio.data.progress import Progress
from nnstudio.errors import DataError

MAX_AUTO_CLASSES = 20    # whole-number targets with more values than this are regression
MAX_CLASSES = 100        # beyond this, classification is refused outright


def _names(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def resolve_column(spec: str | int, table: Table, what: str) -> int:
    """0-based index of column ``spec`` (a name, or a number that may be negative)."""
    names = table.names
    if isinstance(spec, int):
        index = spec if spec >= 0 else len(names) + spec
        if not 0 <= index < len(names):
            raise DataError(f"{what} column number {spec} is out of range: the file has {len(names)} "
                            f"columns, numbered 0 to {len(names) - 1}.")
        return index
    if spec in names:
        return names.index(spec)
    folded = [n.strip().casefold() for n in names]
    if spec.strip().casefold() in folded:
        return folded.index(spec.strip().casefold())
    hint = "" if table.has_header else \
        " (the file has no header row, so columns are called 'column 1', 'column 2', ...)"
    raise DataError(f"{what} column '{spec}' was not found. Available columns: {_names(names, 30)}{hint}. "
                    "Choose one of them.")


def na_choices(options: CsvOptions, table: Table, strict: bool = True) -> dict[int, dict[str, str]]:
    """The person's missing-value choices by 0-based column: {column: {word: "missing" | "value"}}.

    With ``strict`` an unknown column name raises DataError; without (the preview, whose
    columns change with the separator and header choice) it is skipped.
    """
    out: dict[int, dict[str, str]] = {}
    for column, word, choice in options.na_values:
        try:
            index = resolve_column(column, table, "Missing-value choice")
        except DataError:
            if strict:
                raise
            continue
        out.setdefault(index, {})[word] = choice
    return out


def _class_keys(values: np.ndarray, decimal_comma: bool) -> set:
    """The classes ``values`` (target cells, shape (n,)) fall into, compared as the target is
    encoded: numbers by value ("1" is "1.0"), words ignoring letter case."""
    numbers, ok = to_numbers(values, decimal_comma)
    if ok.all():
        return set(numbers.tolist())
    return {str(v).casefold() for v in np.unique(values).tolist()}


def _lost_class_notes(name: str, before: np.ndarray, after: np.ndarray, decimal_comma: bool) -> list[str]:
    """Name each class of the target ``name`` whose every row was dropped for gaps in features."""
    lost = _class_keys(before, decimal_comma) - _class_keys(after, decimal_comma)
    if not lost:
        return []
    numbers, ok = to_numbers(before, decimal_comma)
    keys = numbers if ok.all() else np.array([str(v).casefold() for v in before.tolist()], dtype=object)
    notes = []
    for key in sorted(lost, key=str):
        rows = keys == key
        # A float target (read by csv_fast) has no text left: show the class as its name.
        shown = _class_name(before[rows][0]) if before.dtype.kind == "f" else str(before[rows][0])
        notes.append(f"Class {shown!r} of the target '{name}' had only rows with gaps and is gone: all its "
                     f"{int(rows.sum())} row(s) were dropped with the rows with missing values. Fill the "
                     "gaps instead ('fill with column mean', on the command line --missing mean) to keep "
                     "it, or leave out the columns with the gaps.")
    return notes


def _class_name(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def encode_target(name: str, values: np.ndarray, task: str | None, decimal_comma: bool,
                  lines: np.ndarray | None = None) -> tuple[str, np.ndarray, list[str], list[str]]:
    """Return (task, y, class_names, notes) for target cells ``values`` of shape (n,).

    ``lines`` (shape (n,), optional) are the file lines of the cells, for messages.
    """
    numbers, ok = to_numbers(values, decimal_comma)
    numeric = bool(ok.all())
    if task == "regression" and not numeric:
        example = str(values[~ok][0])
        raise DataError(f"The target '{name}' contains text (for example {example!r}), so it cannot be "
                        "predicted as a number (regression). Choose 'classification', or pick a target "
                        "column that holds numbers.")
    whole = numeric and bool(np.all(numbers == np.round(numbers)))
    merged: list[tuple] = []
    if numeric:
        uniques, inverse = np.unique(numbers, return_inverse=True)
    else:
        uniques, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
        # "Yes" and "yes" are one answer typed two ways; keep the spelling most rows use.
        names, remap, merged = merge_case(uniques, counts)
        if merged:
            inverse = remap[inverse.reshape(-1)]
            uniques = np.array(names)
    if task is None:
        auto = not numeric or (whole and len(uniques) <= MAX_AUTO_CLASSES)
        chosen = "classification" if auto else "regression"
    else:
        chosen = task
    if chosen == "regression":
        check_float32_range(name, numbers, lines)
        y = numbers.astype(np.float32)
        why = " (you chose regression)" if task else ""
        notes = [f"Target: '{name}', a number to predict (regression){why}. Its values run from "
                 f"{numbers.min():g} to {numbers.max():g} (average {numbers.mean():.6g})."]
        return chosen, y, [], notes
    class_names = [_class_name(u) for u in uniques] if numeric else [str(u) for u in uniques]
    if len(uniques) < 2:
        raise DataError(f"The target column '{name}' has only one class ({class_names[0]!r}) in every "
                        "usable row. A classifier needs at least two classes to tell apart; choose another "
                        "target column or a file with more than one class.")
    if len(uniques) > MAX_CLASSES:
        extra = " Choose 'regression' to predict it as a number instead." if numeric else \
            " Choose another target column."
        raise DataError(f"The target column '{name}' has {len(uniques)} different values, too many to use "
                        f"each as a class (at most {MAX_CLASSES}).{extra}")
    if task:
        why = "you chose classification"
    elif numeric:
        why = (f"it holds {len(uniques)} different whole numbers, each treated as a class; choose "
               "'regression' to predict it as a number instead")
    else:
        why = "it holds words, each one a class"
    notes = [f"Target: '{name}', sorted into {len(uniques)} classes (classification; {why})."]
    if merged:
        notes.append(f"Class names that differ only in letter case were merged, keeping the most common "
                     f"spelling: {describe_merges(merged)}. If they really are different classes, rename "
                     "one of them in the file.")
    return chosen, inverse.reshape(-1).astype(np.int64), class_names, notes


def _keep_rows(info: ColumnInfo, rows: np.ndarray) -> None:
    """Restrict ``info`` to ``rows`` in place; categories that vanish are removed."""
    info.missing = info.missing[rows]
    if info.numbers is not None:
        info.numbers = info.numbers[rows]
    if info.codes is not None:
        codes = info.codes[rows]
        used = np.unique(codes[codes >= 0])
        remap = np.full(len(info.categories) + 1, -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        info.codes = remap[codes]          # -1 stays -1 via the last slot
        info.categories = [info.categories[i] for i in used]


def _handle_missing(usable: list[ColumnInfo], choice: str | None,
                    n_rows: int) -> tuple[np.ndarray, list[str]]:
    """Apply the user's missing-value choice; return (rows to keep, notes)."""
    counts = {info.name: int(info.missing.sum()) for info in usable if info.missing.any()}
    keep = np.arange(n_rows)
    if not counts:
        return keep, []
    gappy = np.any([info.missing for info in usable], axis=0)
    listing = ", ".join(f"'{n}' {c} row(s)" for n, c in counts.items())
    if choice is None:
        # The facts travel with the error, so the window and the command line can each name
        # their own remedy (the import options / --missing drop|mean).
        raise MissingValuesError(counts, int(gappy.sum()))
    if choice == "drop":
        keep = np.flatnonzero(~gappy)
        if keep.size == 0:
            raise DataError(f"Every row has at least one missing value ({listing}), so 'drop rows' would "
                            "leave nothing. Choose 'fill with column mean' instead, or leave out the "
                            "columns with the most gaps.")
        for info in usable:
            _keep_rows(info, keep)
        return keep, [f"Dropped {int(gappy.sum())} row(s) with missing values (in {_names(list(counts))}), "
                      "as you chose."]
    notes = []
    for info in usable:
        if not info.missing.any():
            continue
        n = int(info.missing.sum())
        if info.numbers is not None:
            mean = float(np.mean(info.numbers[~info.missing]))
            info.numbers[info.missing] = mean
            notes.append(f"Filled {n} missing value(s) in '{info.name}' with the column mean ({mean:.6g}).")
        else:
            assert info.codes is not None  # a column of words: codes instead of numbers
            common = int(np.bincount(info.codes[info.codes >= 0]).argmax())
            info.codes[info.missing] = common
            notes.append(f"Filled {n} missing value(s) in '{info.name}' with its most common value "
                         f"({info.categories[common]!r}).")
        info.missing = np.zeros_like(info.missing)
    return keep, notes


def _stack_features(usable: list[ColumnInfo]) -> tuple[np.ndarray, list[str]]:
    """X of shape (n_rows, n_features) float32 from the usable columns, and the feature names."""
    blocks, feature_names = [], []
    for info in usable:
        if info.numbers is not None:
            blocks.append(info.numbers[:, None])
            feature_names.append(info.name)
        else:
            assert info.codes is not None  # a column of words: codes instead of numbers
            blocks.append(info.codes[:, None] == np.arange(len(info.categories)))
            feature_names += [f"{info.name}={c}" for c in info.categories]
    return np.hstack([b.astype(np.float32) for b in blocks]), feature_names


def _no_features_error(name: str, infos: list[ColumnInfo], target: str) -> DataError:
    reasons = " ".join(info.reason for info in infos)
    return DataError(f"'{name}' has no column that can be used as a feature besides the target '{target}'. "
                     f"{reasons} nnstudio needs at least one column of numbers or categories to learn from."
                     .replace("  ", " "))


def build_dataset(table: Table, options: CsvOptions, name: str, progress: Progress,
                  notes: list[str], start: float = 0.6) -> Dataset:
    """Make a Dataset from ``table`` following ``options``; ``notes`` are prepended to its notes."""
    names, n_cols = table.names, len(table.names)
    sep = DELIMITER_NAMES.get(table.delimiter, repr(table.delimiter))
    if n_cols < 2:
        raise DataError(f"'{name}' has only one column ('{names[0] if names else ''}'). nnstudio needs at "
                        "least one feature column and one target column. If the values are separated by "
                        f"something other than a {sep}, choose the separator in the import options.")
    if table.n_rows == 0:
        raise DataError(f"'{name}' has a header row ({_names(names, 6)}) but no data rows below it. "
                        "Add data rows, or choose another file.")
    target = resolve_column(options.target if options.target is not None else -1, table, "Target")
    if options.target is None:
        # A separator at the end of every line makes an empty last column; skip past it.
        while (target > 0 and names[target] == f"column {target + 1}"
               and missing_mask(table.columns[target]).all()):
            target -= 1
    tname = names[target]
    left_out = {resolve_column(spec, table, "Left-out") for spec in options.drop_columns}
    if target in left_out:
        raise DataError(f"'{tname}' is both the target and in the list of columns to leave out. "
                        "Remove it from that list, or choose another target.")
    kept = {resolve_column(spec, table, "Kept") for spec in options.keep_columns}
    if target in kept:
        raise DataError(f"'{tname}' is both the target and in the list of columns to use as inputs. "
                        "Remove it from that list, or choose another target.")
    if kept & left_out:
        both = names[min(kept & left_out)]
        raise DataError(f"'{both}' is both in the list of columns to leave out and in the list to keep. "
                        "Choose one.")
    header = "first row used as column names" if table.has_header else \
        f"no header row, so the columns are called 'column 1' to 'column {n_cols}'"
    notes = list(notes) + [f"Read {table.n_rows} rows and {n_cols} columns from '{name}' "
                           f"(values separated by {sep}; {header})."] + list(table.notes)
    decimal_comma = table.delimiter != ","
    choices = na_choices(options, table)

    # Rows without a target cannot teach anything; they go whatever the missing-value choice.
    # The target follows the same rule as the inputs: in a target of words "None" is a class.
    tvalues = table.columns[target]
    target_rule = (number_missing(tvalues) if tvalues.dtype.kind == "f"   # read by csv_fast
                   else column_missing(tvalues, decimal_comma, choices.get(target)))
    tmissing = target_rule.missing
    if options.task != "classification":
        numbers, ok = to_numbers(tvalues, decimal_comma)
        stray = ~ok & ~tmissing
        if stray.any() and ok.sum() >= 0.9 * (~tmissing).sum() and len(np.unique(tvalues[stray])) <= 5:
            notes.append(f"{int(stray.sum())} row(s) had words instead of a number in the target "
                         f"'{tname}' ({', '.join(repr(str(v)) for v in np.unique(tvalues[stray]))}); "
                         "they were dropped.")
            tmissing = tmissing | stray
    if tmissing.all():
        raise DataError(f"The target column '{tname}' has no values. Choose another target column.")
    if tmissing.any():
        lines = ", ".join(str(n) for n in table.line_numbers[tmissing][:5])
        notes.append(f"Dropped {int(tmissing.sum())} row(s) whose target '{tname}' was missing "
                     f"(line {lines}{', ...' if tmissing.sum() > 5 else ''}).")
    rows = np.flatnonzero(~tmissing)

    infos: list[ColumnInfo] = []
    feature_cols = [j for j in range(n_cols) if j != target and j not in left_out]
    for k, j in enumerate(feature_cols):
        progress.report(start + (0.95 - start) * k / max(len(feature_cols), 1))
        # All rows kept (the usual case): the column itself, no copy (a float column of csv_fast
        # is a view of its matrix, and the numbers of the info stay views).
        values = table.columns[j] if len(rows) == table.n_rows else table.columns[j][rows]
        if values.dtype.kind == "f":
            span = table.ranges[:, j] if table.ranges is not None and len(rows) == table.n_rows else None
            info = analyse_numbers(names[j], values, span)
        else:
            info = analyse_column(names[j], values, decimal_comma, choices.get(j))
        infos.append(use_anyway(info, values, decimal_comma) if j in kept else info)
    notes += [f"'{names[j]}' was left out, as you chose." for j in sorted(left_out)]
    usable = [info for info in infos if info.usable]
    if not usable:
        raise _no_features_error(name, infos, tname)
    row_lines = table.line_numbers[rows]
    for info in usable:
        if info.numbers is not None:
            check_float32_range(info.name, info.numbers, row_lines)

    keep, missing_notes = _handle_missing(usable, options.missing, len(rows))
    before = tvalues[rows]
    rows = rows[keep]
    task, y, class_names, target_notes = encode_target(tname, tvalues[rows], options.task, decimal_comma,
                                                       table.line_numbers[rows])
    if task == "classification" and len(keep) < len(before):
        missing_notes += _lost_class_notes(tname, before, tvalues[rows], decimal_comma)

    if table.matrix is not None:
        # Read by csv_fast: number columns come straight from its float32 matrix.
        used = [j for j, info in zip(feature_cols, infos) if info.usable]
        X, feature_names = gather_features(table.matrix, table.columns, usable, used, len(rows), reuse=True)
        table.matrix = None    # used up: X lives in its memory now (nothing below reads the columns)
    else:
        X, feature_names = _stack_features(usable)

    numeric = [i.name for i in usable if i.kind == "number"]
    notes += target_notes
    if numeric:
        notes.append(f"Used as numbers ({len(numeric)} column(s)): {_names(numeric)}.")
    notes += [i.reason for i in infos if i.kind != "number" or i.stray or i.kept]
    commas = [i.name for i in usable if i.decimal_comma]
    if commas:
        notes.append(f"Decimal commas (like 1,5) were read as decimal points in {_names(commas)}.")
    found = {i.name: i.na_words for i in infos if i.na_words}
    found[tname] = target_rule.words
    notes += words_note({n: found[n] for n in names if found.get(n)})
    notes += missing_notes
    if task == "classification":
        notes += balance_notes(y, class_names)
    return Dataset(X=X, y=y, feature_names=feature_names, class_names=class_names, task=task,
                   source={}, name=name.rsplit(".", 1)[0] or name, notes=notes)
