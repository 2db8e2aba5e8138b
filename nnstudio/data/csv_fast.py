"""The fast road for files of plain numbers: numpy's C reader instead of csv + text columns.

A file whose every cell is a number (MNIST-shaped: 60,000 rows x 785 columns, 110 MB) took
~23 s and 1.4 GB on the text road (``csv_parse.parse_table``: a Python string per cell, then
numpy text columns). ``np.loadtxt`` parses the same bytes in C at pandas' speed or better, so
this module feeds it the text a few megabytes at a time (progress moves and cancel is polled
between blocks) and writes the numbers straight into one float32 matrix.

The fast road only takes files it can read exactly as the text road would: any cell that is not
a finite number (a word, an empty cell, "NA", "nan", a decimal comma, a row of another width,
a quoted line break, a line of spaces) sends the whole file down the text road, which explains
such cells in its notes. ``read_table`` is the one entry point and returns a ``Table`` either way.
"""
from __future__ import annotations

import csv
import io

import numpy as np

from nnstudio.data.csv_build import resolve_column
from nnstudio.data.csv_options import DELIMITERS, CsvOptions
from nnstudio.data.csv_parse import Table, detect_header, parse_table, sniff_format, unique_names
from nnstudio.data.progress import Progress
from nnstudio.errors import DataError

BLOCK_CHARS = 4 << 20      # text per loadtxt call: ~30 progress steps on a 110 MB file
FIRST_BLOCK_CHARS = 1 << 16   # the first call is small, so a file of words leaves at once
#: float32 holds every whole number up to 2**24 exactly. Past it, columns are also kept in
#: float64: 8-digit IDs or Unix times must stay all-different to be recognised as IDs, and
#: values beyond float32's range must reach the "too large" message, not become inf.
EXACT_IN_FLOAT32 = float(2 ** 24)


def read_table(text: str, options: CsvOptions, name: str, progress: Progress | None = None,
               start: float = 0.1, end: float = 0.6) -> Table:
    """Split ``text`` into a Table: numbers through ``read_numbers`` when every cell is one,
    else ``csv_parse.parse_table`` (same arguments, same errors and notes)."""
    table = read_numbers(text, options, name, progress, start, end)
    if table is None:
        table = parse_table(text, options.delimiter, options.has_header, name, progress, start, end)
    return table


def _numeric_choice(options: CsvOptions) -> bool:
    """True when the person marked a number-like word (-999, nan) as missing or as a value."""
    for _column, word, _choice in getattr(options, "na_values", ()):
        try:
            float(word)
        except ValueError:
            continue
        return True
    return False


def read_numbers(text: str, options: CsvOptions, name: str, progress: Progress | None = None,
                 start: float = 0.1, end: float = 0.6) -> Table | None:
    """The Table of a file whose every data cell is a finite number, or None for any other file.

    Returns
    -------
    Table or None
        ``matrix`` holds all cells as float32, shape (n_rows, n_columns); ``ranges`` the
        smallest and largest value of each column (float64, shape (2, n_columns)), so the column
        analysis rarely needs to walk a column. ``columns[j]`` is ``matrix[:, j]``, or a float64
        copy for the target and for columns with values past 2**24 (see ``EXACT_IN_FLOAT32``).
        None means "use the text road".
    """
    if _numeric_choice(options):
        return None
    cut, skipped, sample, delimiter = sniff_format(text, options.delimiter, name)
    if delimiter not in DELIMITERS:
        return None
    newline = "\n"                    # ("\r\n" too; old Mac "\r" alone: the text road)
    stop = text.find(newline, cut)
    stop = len(text) if stop < 0 else stop
    first_line = text[cut:stop].rstrip("\r\n")
    if not first_line.strip() or first_line.count('"') % 2 or "\r" in first_line:
        return None                  # blank, odd quotes, "\r" line ends: the text road
    first = next(csv.reader([first_line], delimiter=delimiter, skipinitialspace=True))
    width = len(first)
    has_header = options.has_header
    if has_header is None:
        rest = list(csv.reader(sample[1:], delimiter=delimiter, skipinitialspace=True))
        has_header = detect_header(first, rest, delimiter)
    if width < 2:
        return None
    names = unique_names(first) if has_header else [f"column {i + 1}" for i in range(width)]
    line = skipped + 1                # line number of the next line handed to loadtxt
    pos = cut
    if has_header:
        pos, line = min(stop + 1, len(text)), line + 1
    probe = Table(names=names, columns=[], line_numbers=np.zeros(0, np.int64), delimiter=delimiter,
                  has_header=has_header)
    try:
        target = resolve_column(options.target if options.target is not None else -1, probe, "Target")
    except DataError:
        target = None                 # build_dataset says what is wrong with the choice

    # Rows are at most the line breaks + 1. np.empty only reserves that: pages never written
    # (the share of blank lines) never take memory.
    capacity = text.count(newline, pos) + 1
    matrix = np.empty((capacity, width), dtype=np.float32)
    ranges = np.array([np.full(width, np.inf), np.full(width, -np.inf)])
    wide: dict[int, list[np.ndarray]] = {} if target is None else {target: []}
    line_numbers: list[np.ndarray] = []
    n = 0
    total = max(len(text) - cut, 1)
    block_chars = FIRST_BLOCK_CHARS
    while pos < len(text):
        stop = text.find(newline, min(pos + block_chars, len(text)))
        block_chars = BLOCK_CHARS
        stop = len(text) if stop < 0 else stop + 1
        chunk = text[pos:stop]
        pos = stop
        if "\r" in chunk and chunk.count("\r") != chunk.count("\r\n"):
            return None                # a lone "\r" ends a line for the text road, not for loadtxt
        n_lines = chunk.count("\n") + (not chunk.endswith("\n"))
        if "\n\n" in chunk or "\n\r\n" in chunk or chunk.startswith(("\n", "\r\n")):
            # Blank lines: loadtxt and the text road both skip them (without a note); number
            # the rest by where they are.
            index = [i for i, part in enumerate(chunk.split("\n")[:n_lines]) if part not in ("", "\r")]
            at = line + np.asarray(index, dtype=np.int64)
        else:
            at = np.arange(line, line + n_lines)
        line += n_lines
        if not len(at):
            continue
        try:
            # Bytes, not str lines: loadtxt decodes a byte stream in C, 2x faster here.
            block = np.loadtxt(io.BytesIO(chunk.encode("utf-8")), delimiter=delimiter, dtype=np.float64,
                               comments=None, quotechar='"', ndmin=2, encoding="utf-8")
        except ValueError:
            return None                # a word, a gap or a row of another width
        del chunk
        if block.shape != (len(at), width) or n + len(at) > capacity:
            return None                # a quoted line break joined lines: the text road explains
        low, high = block.min(axis=0), block.max(axis=0)
        if not (np.isfinite(low).all() and np.isfinite(high).all()):
            return None                # "nan" / "inf" cells: missing or stray words there
        np.minimum(ranges[0], low, out=ranges[0])
        np.maximum(ranges[1], high, out=ranges[1])
        for j in np.flatnonzero(np.maximum(-low, high) > EXACT_IN_FLOAT32).tolist():
            if j not in wide:
                # The rows so far were all within 2**24 here, so float32 held them exactly
                # (or they were not whole numbers, and then exactness does not decide anything).
                wide[j] = [matrix[:n, j].astype(np.float64)]
        for j, parts in wide.items():
            parts.append(block[:, j].copy())
        with np.errstate(over="ignore"):   # past float32's range: inf here, refused by name later
            matrix[n:n + len(at)] = block
        del block
        line_numbers.append(at)
        n += len(at)
        if progress is not None:
            progress.report(start + (end - start) * (pos - cut) / total)
    matrix = matrix[:n]
    columns = [np.concatenate(wide[j]) if wide.get(j) else matrix[:, j] for j in range(width)]
    lines_of_rows = np.concatenate(line_numbers) if line_numbers else np.zeros(0, np.int64)
    return Table(names=names, columns=columns, line_numbers=lines_of_rows.astype(np.int64),
                 delimiter=delimiter, has_header=bool(has_header), matrix=matrix, ranges=ranges)
