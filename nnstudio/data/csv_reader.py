"""Public CSV entry points: ``preview_csv`` for the import dialog, ``read_csv`` for the data."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from nnstudio.data.columns import analyse_column
from nnstudio.data.csv_build import build_dataset, na_choices
from nnstudio.data.csv_fast import read_table
from nnstudio.data.csv_options import CsvOptions, CsvPreview
from nnstudio.data.csv_parse import decode, parse_table, read_bytes
from nnstudio.data.dataset import Dataset
from nnstudio.data.params import check_int
from nnstudio.data.progress import CancelFn, Progress, ProgressFn

PREVIEW_BYTES = 1 << 20      # the preview reads at most this much of the file
PREVIEW_KIND_ROWS = 2000     # rows used to guess column kinds in the preview


def _options(options: CsvOptions | dict | None) -> CsvOptions:
    if options is None:
        return CsvOptions()
    return CsvOptions.from_dict(options) if isinstance(options, dict) else options


def read_csv(path: str | os.PathLike, options: CsvOptions | dict | None = None,
             progress: ProgressFn | None = None, cancel: CancelFn | None = None) -> Dataset:
    """Load a CSV file as a Dataset.

    Parameters
    ----------
    path : path of the file.
    options : CsvOptions (or its dict form); default detects everything and uses the last column
        as the target.
    progress : callable(float), optional
        Called with growing fractions in 0..1 (at most ~100 times; 1.0 at the end).
    cancel : callable() -> bool, optional
        Polled while loading; returning True stops with ``Cancelled``.

    Returns
    -------
    Dataset
        ``X`` of shape (n_rows, n_features) float32; ``notes`` say what was done with each column.

    Raises
    ------
    DataError
        With a plain message naming the line or column at fault and what to do.
    Cancelled
        When ``cancel()`` returned True.
    """
    options = _options(options)
    path = Path(path).expanduser()
    name = path.name
    steps = Progress(progress, cancel, f"Loading '{name}' was cancelled.")
    steps.check()
    raw = read_bytes(path, steps, weight=0.1)
    text, encoding, notes = decode(raw, name)
    del raw    # the text copy is all we need from here; big files should not be held twice
    table = read_table(text, options, name, steps, start=0.1, end=0.6)   # numbers fast, else as text
    del text
    dataset = build_dataset(table, options, name, steps, notes, start=0.6)
    dataset.source = {"kind": "csv", "path": str(path.resolve()), "options": options.to_dict()}
    steps.done()
    return dataset


def preview_csv(path: str | os.PathLike, n_rows: int = 20,
                options: CsvOptions | dict | None = None) -> CsvPreview:
    """Show the first ``n_rows`` data rows of a CSV file and what the reader guesses about it.

    Reads at most the first megabyte, so it is quick on any file. ``options`` (optional) fixes
    the delimiter or header choice, and its ``na_values`` which words count as missing (choices
    for columns the file does not have are ignored). Rows with the wrong number of values are left out and
    described in ``CsvPreview.notes`` rather than raised, so the person can see the file;
    unreadable files (missing, empty, binary) raise DataError.
    """
    n_rows = check_int("n_rows", n_rows, 0)
    options = _options(options)
    path = Path(path).expanduser()
    name = path.name
    raw = read_bytes(path, limit=PREVIEW_BYTES)
    try:
        size = path.stat().st_size
    except OSError:
        size = len(raw)
    truncated = size > len(raw)
    if truncated and b"\n" in raw:
        # Cut at the last full line so no row (or UTF-8 character) is split in half.
        raw = raw[: raw.rfind(b"\n") + 1]
    text, encoding, notes = decode(raw, name)
    table = parse_table(text, options.delimiter, options.has_header, name, strict=False)
    n_kind = min(table.n_rows, max(PREVIEW_KIND_ROWS, n_rows))
    n_shown = min(n_rows, table.n_rows)
    choices = na_choices(options, table, strict=False)
    kinds, missing, masks, words = {}, {}, [], {}
    for j, (column_name, column) in enumerate(zip(table.names, table.columns)):
        # The reader's own analysis, so "missing" means here exactly what it means on import
        # (including stray words such as "unknown" in a number column).
        info = analyse_column(column_name, column[:n_kind], table.delimiter != ",", choices.get(j))
        kinds[column_name] = info.kind
        missing[column_name] = int(info.missing.sum())
        masks.append(info.missing[:n_shown])
        words[column_name] = [w for w in info.na_words if w.word]  # empty cells: no choice to make
    if truncated and table.n_rows:
        estimate = int(round(table.n_rows * size / max(len(raw), 1)))
    else:
        estimate = table.n_rows
    rows = [[str(col[i]) for col in table.columns] for i in range(n_shown)]
    mask = np.column_stack(masks) if masks else np.zeros((n_shown, 0), dtype=bool)
    return CsvPreview(columns=table.names, rows=rows, delimiter=table.delimiter,
                      has_header=table.has_header, n_rows_total_estimate=estimate,
                      column_kinds=kinds, missing_counts=missing, encoding=encoding,
                      notes=notes + table.notes, missing_mask=mask.tolist(),
                      n_rows_exact=not truncated, na_words=words, n_rows_checked=n_kind)
