"""The fast road for files of numbers: numpy's C reader instead of csv + text columns.

A file whose every cell is a number (MNIST-shaped: 60,000 rows x 785 columns, 110 MB) took
~23 s and 1.4 GB on the text road (``csv_parse.parse_table``: a Python string per cell, then
numpy text columns). ``np.loadtxt`` parses the same bytes in C at about pandas' speed, so this
module feeds it the text a few megabytes at a time (progress moves and cancel is polled between
blocks) and writes the numbers straight into one float32 matrix (~2 s and 0.35 GB there).

Columns that hold anything but finite numbers (words, empty cells, "NA", "nan", decimal commas)
are found from the first block that shows them and read again as text cells, through a loadtxt
converter, so a big file of numbers with a column of names or a few gaps stays fast; those text
columns then get the text road's own analysis. Whatever loadtxt could read differently from
the csv module (a row of another width, a quoted line break, a quote after a space, a line of
spaces, "\r" line ends) sends the whole file down the text road, which explains such lines.
``read_table`` is the one entry point and returns a ``Table`` either way.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np

from nnstudio.data.csv_build import resolve_column
from nnstudio.data.csv_options import DELIMITERS, CsvOptions
from nnstudio.data.csv_parse import (
    STRIP_CHARS,
    Table,
    detect_header,
    pack_cells,
    parse_table,
    sniff_format,
    unique_names,
)
from nnstudio.data.progress import Progress
from nnstudio.errors import DataError

BLOCK_CHARS = 4 << 20      # text per loadtxt call: ~30 progress steps on a 110 MB file
FIRST_BLOCK_CHARS = 1 << 16   # the first call is small, so a file of words leaves at once
#: float32 holds every whole number up to 2**24 exactly. Past it, columns are also kept in
#: float64: 8-digit IDs or Unix times must stay all-different to be recognised as IDs, and
#: values beyond float32's range must reach the "too large" message, not become inf.
EXACT_IN_FLOAT32 = float(2 ** 24)
MAX_TRIES = 8              # tries per block, each finding new columns of words (or "nan")
_AT_ROW = re.compile(r"at row (\d+), column \d+")
_NOT_INT32 = re.compile(r"could not convert string '(.*)' to int32")
_NEGATIVE_ZERO = re.compile(r"-0+(?=[\s,;|\"]|$)")   # "-0" is -0.0 as a float, 0 as an integer


def _number_not_int32(error: str) -> bool:
    """True when loadtxt's int32 ``error`` is about a number (0.5, 3000000000, nan), not a word,
    or when it cannot tell (then floats are the safe way on)."""
    cell = _NOT_INT32.search(error)
    if cell is None:
        return "int32" in error
    try:
        float(cell.group(1))
    except ValueError:
        return False
    return True


def read_table(text: str, options: CsvOptions, name: str, progress: Progress | None = None,
               start: float = 0.1, end: float = 0.6) -> Table:
    """Split ``text`` into a Table: through ``read_numbers`` when loadtxt can read it as the csv
    module would, else ``csv_parse.parse_table`` (same arguments, same errors and notes)."""
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


@dataclass
class _Layout:
    """Where the rows start and what they are called."""

    names: list[str]
    delimiter: str
    has_header: bool
    cut: int              # characters before the table (an Excel "sep=" line)
    pos: int              # where the first data row starts
    line: int             # its line number in the file
    target: int | None    # the target column, kept in float64 when it is a number


def _layout(text: str, options: CsvOptions, name: str) -> _Layout | None:
    """Header, separator and target as the text road would find them; None to leave the file to it."""
    if _numeric_choice(options):
        return None
    cut, skipped, sample, delimiter = sniff_format(text, options.delimiter, name)
    if delimiter not in DELIMITERS:
        return None
    stop = text.find("\n", cut)
    stop = len(text) if stop < 0 else stop
    first_line = text[cut:stop].rstrip("\r\n")
    if not first_line.strip() or first_line.count('"') % 2 or "\r" in first_line:
        return None                  # blank, odd quotes, "\r" line ends: the text road
    first = next(csv.reader([first_line], delimiter=delimiter, skipinitialspace=True))
    has_header = options.has_header
    if has_header is None:
        rest = list(csv.reader(sample[1:], delimiter=delimiter, skipinitialspace=True))
        has_header = detect_header(first, rest, delimiter)
    if len(first) < 2:
        return None
    names = unique_names(first) if has_header else [f"column {i + 1}" for i in range(len(first))]
    pos, line = (min(stop + 1, len(text)), skipped + 2) if has_header else (cut, skipped + 1)
    probe = Table(names=names, columns=[], line_numbers=np.zeros(0, np.int64), delimiter=delimiter,
                  has_header=has_header)
    try:
        target = resolve_column(options.target if options.target is not None else -1, probe, "Target")
    except DataError:
        target = None                 # build_dataset says what is wrong with the choice
    return _Layout(names, delimiter, bool(has_header), cut, pos, line, target)


def read_numbers(text: str, options: CsvOptions, name: str, progress: Progress | None = None,
                 start: float = 0.1, end: float = 0.6) -> Table | None:
    """The Table of ``text`` read by loadtxt, or None to leave the file to the text road.

    Returns
    -------
    Table or None
        ``matrix`` holds the cells as float32, shape (n_rows, n_columns), and ``ranges`` the
        smallest and largest value of each column (float64, shape (2, n_columns)), so the column
        analysis rarely needs to walk a column. ``columns[j]`` is ``matrix[:, j]``; a float64
        copy for the target and for columns with values past 2**24 (see ``EXACT_IN_FLOAT32``);
        or, for a column that holds words, its stripped text cells as the text road packs them
        (its matrix column and range then mean nothing).
    """
    layout = _layout(text, options, name)
    if layout is None:
        return None
    return _Reader(text, layout).read(progress, start, end)


def _word_columns(chunk: str, delimiter: str, width: int, words: set[int], error: str) -> set[int] | None:
    """Columns of ``chunk`` (text of whole rows) holding a cell that is not a finite number.

    loadtxt's ``error`` names the row it stopped at ("... at row 1383, column 5."): that row
    alone is looked at when it can be found (a big block of a wide file costs ~0.6 s to scan
    whole); the next try of the block finds any other. None when the rows do not split into
    ``width`` cells the way the csv module splits them: then loadtxt failed for another reason,
    and the text road must explain it.
    """
    where = _AT_ROW.search(error)
    text = chunk
    if where:
        rows_text = [part for part in chunk.split("\n") if part not in ("", "\r")]
        if int(where.group(1)) < len(rows_text):
            text = rows_text[int(where.group(1))]
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                          skipinitialspace=True) if row]
    except csv.Error:
        return None                   # (a cell past the csv module's size limit)
    if any(len(row) != width for row in rows):
        return None
    found = set()
    for j in set(range(width)) - words:
        cells = np.char.strip(np.array([row[j] for row in rows], dtype=str), STRIP_CHARS)
        try:
            numbers = cells.astype(np.float64)
        except ValueError:
            found.add(j)
            continue
        if not np.isfinite(numbers).all():
            found.add(j)
    return found or None


class _Reader:
    """One pass of loadtxt over the rows of ``text``; columns of words are read as text cells."""

    def __init__(self, text: str, layout: _Layout) -> None:
        self.text, self.layout = text, layout
        self.width = len(layout.names)
        self.cells: dict[int, list[str]] = {}      # column -> its text cells so far (columns of words)
        self.converters: dict = {}
        self.spans: list[tuple[int, int]] = []      # text of the blocks read so far
        # Rows are at most the line breaks + 1. np.empty only reserves that: pages never written
        # (the share of blank lines) never take memory.
        self.capacity = text.count("\n", layout.pos) + 1
        self.matrix = np.empty((self.capacity, self.width), dtype=np.float32)
        self.ranges = np.array([np.full(self.width, np.inf), np.full(self.width, -np.inf)])
        self.wide: dict[int, list[np.ndarray]] = {} if layout.target is None else {layout.target: []}
        self.n = 0
        # Whole numbers parse ~1.7x faster as int32 than as floats, to the same values; the
        # first block with a decimal point (or a number past +-2**31) switches to floats for good.
        self.whole = True

    def _loadtxt(self, chunk: str, usecols: list[int] | None = None, dtype: type = np.float64) -> np.ndarray:
        # Bytes, not str lines: loadtxt decodes a byte stream in C, 2x faster here.
        converters = self.converters if usecols is None else {j: self.converters[j] for j in usecols}
        return np.loadtxt(io.BytesIO(chunk.encode("utf-8")), delimiter=self.layout.delimiter,
                          dtype=dtype, comments=None, quotechar='"', ndmin=2, encoding="utf-8",
                          usecols=usecols, converters=converters)

    def _add_words(self, found: set[int], n_rows: int) -> bool:
        """Read columns ``found`` as text from now on, and their cells of the blocks read so far."""
        if len(self.cells) + len(found) == self.width:
            return False              # no column of numbers left: nothing to gain here
        for j in sorted(found):
            self.cells[j] = []
            # loadtxt hands each cell of these columns, unquoted, to its converter, in row order.
            self.converters[j] = lambda cell, keep=self.cells[j].append: keep(cell) or 0
            self.wide.pop(j, None)
        for begin, stop in self.spans:
            self._loadtxt(self.text[begin:stop], usecols=sorted(found))
        return all(len(self.cells[j]) == n_rows for j in found)

    def _block(self, chunk: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The numbers of the rows in ``chunk``, shape (rows, n_columns), and each column's
        smallest and largest (float64); None for the text road."""
        # "-0" read as an integer would lose its sign (the text road keeps -0.0): floats here.
        whole = self.whole and not ("-0" in chunk and _NEGATIVE_ZERO.search(chunk))
        for _ in range(MAX_TRIES):
            for texts in self.cells.values():
                del texts[self.n:]    # cells a failed try of this block handed over
            try:
                block = self._loadtxt(chunk, dtype=np.int32 if whole and self.whole else np.float64)
            except ValueError as error:   # a word, a gap, a ragged row; or a decimal point
                if self.whole and _number_not_int32(str(error)):
                    self.whole = False    # 0.5, 1e3, 3000000000, nan: floats from here on
                    continue
                found = _word_columns(chunk, self.layout.delimiter, self.width, set(self.cells), str(error))
            else:
                if block.shape[1] != self.width or self.n + len(block) > self.capacity:
                    return None
                low, high = block.min(axis=0).astype(np.float64), block.max(axis=0).astype(np.float64)
                if block.dtype == np.int32:
                    if max(-low.min(), high.max()) > EXACT_IN_FLOAT32:
                        block = block.astype(np.float64)   # round as the text road does: via float64
                    return block, low, high
                finite = np.isfinite(low) & np.isfinite(high)
                if finite.all():
                    return block, low, high
                found = set(np.flatnonzero(~finite).tolist())   # "nan" / "inf": read as text
            if not found or not self._add_words(found, self.n):
                return None
        return None

    def read(self, progress: Progress | None, start: float, end: float) -> Table | None:
        text, layout = self.text, self.layout
        pos, line = layout.pos, layout.line
        line_numbers: list[np.ndarray] = []
        total = max(len(text) - layout.cut, 1)
        block_chars = FIRST_BLOCK_CHARS
        while pos < len(text):
            stop = text.find("\n", min(pos + block_chars, len(text)))
            block_chars = BLOCK_CHARS
            stop = len(text) if stop < 0 else stop + 1
            chunk, pos = text[pos:stop], stop
            if "\r" in chunk and chunk.count("\r") != chunk.count("\r\n"):
                return None           # a lone "\r" ends a line for the text road, not for loadtxt
            n_lines = chunk.count("\n") + (not chunk.endswith("\n"))
            if chunk.isspace():       # only line breaks (skipped), or a line of spaces (a note)
                if chunk.strip("\r\n"):
                    return None
                line += n_lines
                continue
            parsed = self._block(chunk)
            if parsed is None:
                return None
            block = parsed[0]
            if len(block) == n_lines:
                at = np.arange(line, line + n_lines)
            else:
                # Blank lines: loadtxt and the text road both skip them (without a note); number
                # the rest by where they are. Any other shortfall is a quoted line break.
                parts = chunk.split("\n")[:n_lines]
                at = line + np.asarray([i for i, part in enumerate(parts) if part not in ("", "\r")],
                                       dtype=np.int64)
                if len(at) != len(block):
                    return None
            line += n_lines
            self.spans.append((stop - len(chunk), stop))
            self._store(*parsed)
            line_numbers.append(at)
            if progress is not None:
                progress.report(start + (end - start) * (pos - layout.cut) / total)
        return self._table(line_numbers)

    def _store(self, block: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
        n, rows = self.n, len(block)
        np.minimum(self.ranges[0], low, out=self.ranges[0])
        np.maximum(self.ranges[1], high, out=self.ranges[1])
        for j in np.flatnonzero(np.maximum(-low, high) > EXACT_IN_FLOAT32).tolist():
            if j not in self.wide and j not in self.cells:
                # The rows so far were all within 2**24 here, so float32 held them exactly
                # (or they were not whole numbers, and then exactness does not decide anything).
                self.wide[j] = [self.matrix[:n, j].astype(np.float64)]
        for j, parts in self.wide.items():
            parts.append(block[:, j].astype(np.float64))
        with np.errstate(over="ignore"):   # past float32's range: inf here, refused by name later
            self.matrix[n:n + rows] = block
        self.n += rows

    def _table(self, line_numbers: list[np.ndarray]) -> Table | None:
        n, layout = self.n, self.layout
        matrix = self.matrix[:n]
        columns = [np.concatenate(self.wide[j]) if self.wide.get(j) else matrix[:, j]
                   for j in range(self.width)]
        limit = csv.field_size_limit()
        for j, texts in self.cells.items():
            # A quote left in a cell means loadtxt split a line the csv module splits otherwise
            # (1, "a,b"); a cell longer than the csv module takes gets the text road's message.
            if len(texts) != n or '"' in "".join(texts) or max(map(len, texts), default=0) > limit:
                return None
            columns[j] = pack_cells(texts)
        lines_of_rows = np.concatenate(line_numbers) if line_numbers else np.zeros(0, np.int64)
        return Table(names=layout.names, columns=columns, line_numbers=lines_of_rows.astype(np.int64),
                     delimiter=layout.delimiter, has_header=layout.has_header, matrix=matrix,
                     ranges=self.ranges)
