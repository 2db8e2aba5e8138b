"""From a file on disk to a table of text cells: reading, decoding, separator and header detection.

Nothing here interprets values beyond "is this a number"; ``columns`` and ``csv_reader`` do
that. Every failure is a DataError that names the file and says what to do.
"""
from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnstudio.data.csv_options import DELIMITER_NAMES, DELIMITERS
from nnstudio.data.progress import Progress
from nnstudio.errors import DataError
from nnstudio.file_kinds import special_kind

_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$")
READ_CHUNK = 1 << 20          # bytes per read, so progress moves and cancel is polled on big files
ROWS_PER_CHUNK = 20_000       # rows parsed before they are packed into numpy columns
WIDE_TEXT = 256               # longer cells are kept as Python strings, not fixed-width numpy text
#: Stripped from both ends of every cell: all Unicode spaces (incl. the no-break space that
#: spreadsheets and web pages paste in) plus invisible zero-width marks, so " yes\u00a0" is "yes".
STRIP_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\u200b\u200c\u200d\u2060\ufeff"


@dataclass
class Table:
    """The cells of a CSV file, one stripped text array per column."""

    names: list[str]
    columns: list[np.ndarray]      # each of shape (n_rows,), dtype str or object
    line_numbers: np.ndarray       # (n_rows,) line in the file where each row starts (1-based)
    delimiter: str
    has_header: bool
    notes: list[str] = field(default_factory=list)
    #: (n_rows, n_columns) float32 when ``csv_fast`` read the file: ``columns`` are then float
    #: columns (views of it, or float64 where float32 is not exact) except those that hold words
    #: (text cells, as here), and ``ranges`` (2, n_columns) float64 holds the smallest and
    #: largest value of each float column.
    matrix: np.ndarray | None = None
    ranges: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return int(self.line_numbers.shape[0])


def read_bytes(path: Path, progress: Progress | None = None, weight: float = 0.1,
               limit: int | None = None) -> bytearray:
    """Read at most ``limit`` bytes of ``path``, reporting progress from 0 to ``weight``.

    Only regular files are read: a device (/dev/zero) never ends and opening a named pipe
    waits for a writer, so both are refused before ``open``.
    """
    try:
        info = os.stat(path)
        size = info.st_size
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise DataError(f"'{path}' is {special_kind(info.st_mode)}, not a regular file, so nnstudio "
                            "cannot read data from it. Choose a CSV file saved on disk.")
        # Read into one buffer of the file's size: a list of chunks joined at the end held the
        # file twice for a moment (and the join took ~0.05 s per 100 MB).
        want = size if limit is None else min(size, limit)
        raw, done = bytearray(want), 0
        view = memoryview(raw)
        with open(path, "rb") as handle:
            while done < want:
                got = handle.readinto(view[done:min(done + READ_CHUNK, want)])
                if not got:
                    break                  # the file shrank while being read
                done += got
                if progress is not None and size:
                    progress.report(weight * done / size)
            view.release()
            del raw[done:]
            while limit is None or done < limit:     # the file grew while being read
                chunk = handle.read(READ_CHUNK if limit is None else min(READ_CHUNK, limit - done))
                if not chunk:
                    break
                raw += chunk
                done += len(chunk)
    except FileNotFoundError:
        raise DataError(f"The file '{path}' was not found. It may have been moved, renamed or deleted; "
                        "choose the file again.") from None
    except IsADirectoryError:
        raise DataError(f"'{path}' is a folder, not a file. Choose a CSV file inside it.") from None
    except PermissionError:
        raise DataError(f"nnstudio is not allowed to read '{path}'. Check the file's permissions, "
                        "or copy it to a folder you own and open the copy.") from None
    except OSError as exc:
        raise DataError(f"The file '{path}' could not be read ({exc.strerror or exc}).") from None
    return raw


def decode(raw: bytes | bytearray, name: str) -> tuple[str, str, list[str]]:
    """Turn file bytes into text; returns (text, encoding, notes).

    Tries UTF-8 (with or without BOM) and UTF-16 (with BOM), then falls back to Windows Latin-1
    with a note. Empty, compressed, spreadsheet and binary files raise DataError.
    """
    if not raw or raw.isspace():      # (not raw.strip(): that copies a 100 MB file)
        raise DataError(f"The file '{name}' is empty. Choose a CSV file that contains data.")
    if raw[:4] == b"PK\x03\x04" or raw[:4] == b"\xd0\xcf\x11\xe0":
        raise DataError(f"'{name}' looks like an Excel workbook (or a zip file), not a CSV text file. "
                        "Open it in your spreadsheet program and use 'Save as' -> 'CSV'.")
    if raw[:2] == b"\x1f\x8b":
        raise DataError(f"'{name}' is compressed (gzip). Unpack it first, then open the CSV inside.")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16"), "utf-16", ["The file is in UTF-16 (as some spreadsheet "
                                                    "programs save 'Unicode text'); it was read as such."]
        except UnicodeDecodeError:
            pass
    binary = DataError(f"'{name}' does not look like a text file (it contains binary data). "
                       "Choose a CSV file: plain text with one row per line and values separated "
                       "by commas or semicolons.")
    if b"\x00" in raw[:65536]:
        raise binary
    notes: list[str] = []
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        # cp1252 covers what Windows spreadsheets write (é, €, smart quotes); latin-1 never fails.
        try:
            text, encoding = raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "latin-1"
        notes.append(f"The file is not valid UTF-8 (first bad byte at position {exc.start}); it was "
                     "read as Latin-1 (Western European). If accented letters look wrong, save the "
                     "file as 'CSV UTF-8' and load it again.")
    sample = text[:65536]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > 0.01 * len(sample):
        raise binary
    return text, encoding, notes


def parse_number(text: str, decimal_comma: bool = False) -> float | None:
    """A finite float, or None when ``text`` is not a number."""
    try:
        value = float(text.replace(",", ".") if decimal_comma and text.count(",") == 1 else text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def sample_lines(text: str, max_lines: int = 100) -> list[str]:
    """The first lines of ``text`` (at most 64 KB), for guessing the format."""
    lines = io.StringIO(text[:65536], newline="").readlines()[:max_lines]
    return [line for line in lines if line.strip()]


def sniff_delimiter(lines: list[str]) -> str:
    """Pick the separator among , ; tab | that splits ``lines`` into the same number of fields.

    csv.Sniffer is consulted first but only breaks ties: it is easily fooled by decimal commas
    ("1,5;2,3"), so candidates are scored on consistent field counts and on how many cells
    become numbers.
    """
    try:
        sniffed = csv.Sniffer().sniff("".join(lines), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    best_key, best = None, sniffed if sniffed in DELIMITERS else ","
    for delimiter in DELIMITERS:
        rows = [r for r in csv.reader(lines, delimiter=delimiter, skipinitialspace=True) if r]
        if not rows:
            continue
        widths = Counter(len(r) for r in rows)
        width, count = widths.most_common(1)[0]
        consistency = count / len(rows)
        cells = [c.strip() for r in rows for c in r]
        numeric = sum(parse_number(c, delimiter != ",") is not None for c in cells) / max(len(cells), 1)
        key = (width >= 2 and consistency >= 0.8, round(numeric, 1), delimiter == sniffed, consistency, width)
        if best_key is None or key > best_key:
            best_key, best = key, delimiter
    return best


def detect_header(first: list[str], rest: list[list[str]], delimiter: str) -> bool:
    """True when the first row holds column names rather than data.

    It does when none of its cells is a number, or when some column has a word on top of
    numbers ("price" above 3.5, 4.0, ...).
    """
    comma = delimiter != ","
    cells = [c.strip() for c in first]
    if not any(cells):
        return False
    if all(parse_number(c, comma) is None for c in cells):
        return True
    for j, cell in enumerate(cells):
        below = [r[j].strip() for r in rest if len(r) > j and r[j].strip()]
        if cell and parse_number(cell, comma) is None and below and \
                sum(parse_number(b, comma) is not None for b in below) >= 0.9 * len(below):
            return True
    return False


def unique_names(raw: list[str]) -> list[str]:
    """Column names with blanks filled ("column 3") and duplicates numbered ("a (2)")."""
    names, seen = [], set()
    # Next number to try per base name: 40,000 columns called "x" would otherwise try
    # "x (2)" .. "x (n)" for the n-th one (minutes). Numbers skipped were taken and stay taken,
    # so the names are the same as trying from 2 each time.
    next_k: dict[str, int] = {}
    for i, name in enumerate(raw):
        name = name.strip(STRIP_CHARS) or f"column {i + 1}"
        base, k = name, next_k.get(name, 2)
        while name in seen:
            name, k = f"{base} ({k})", k + 1
        next_k[base] = k
        seen.add(name)
        names.append(name)
    return names


def pack_cells(column: list[str]) -> np.ndarray:
    """One column of cells as a stripped text array, shape (n,) (object dtype for long cells)."""
    # Fixed-width numpy text is compact and fast for np.unique / isin, but its width is set by
    # the longest cell, so one very long cell would make the whole column huge.
    if column and max(map(len, column)) > WIDE_TEXT:
        return np.array([c.strip(STRIP_CHARS) for c in column], dtype=object)
    return np.char.strip(np.array(column, dtype=str), STRIP_CHARS)


def _ragged_error(bad: list[tuple[int, int, bool]], width: int, has_header: bool, delimiter: str,
                  name: str) -> DataError:
    line, found, quoted_newline = bad[0]
    if quoted_newline:
        # A value that swallowed line breaks means a quote was opened and never closed.
        return DataError(f"Line {line} of '{name}' opens a quoted value (\") that is never closed, so the "
                         "following lines ran into it. Add the missing quote mark and load the file again.")
    where = "the header has" if has_header else "the first row has"
    sep = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    hint = (f"Perhaps a value contains a {sep} without quotes around it, or there is an extra {sep}."
            if found > width else f"Perhaps a value or a {sep} is missing on that line.")
    more = ""
    if len(bad) > 1:
        others = ", ".join(str(b[0]) for b in bad[1:6])
        more = f" {len(bad) - 1} more line(s) have the same problem (for example line {others})."
    values = "value" if found == 1 else "values"
    return DataError(f"Line {line} of '{name}' has {found} {values} but {where} {width} columns. "
                     f"{hint}{more} Fix the file in a text editor or spreadsheet and load it again.")


def sniff_format(text: str, delimiter: str | None, name: str) -> tuple[int, int, list[str], str]:
    """Where the table starts in ``text`` and its separator.

    Returns
    -------
    cut : int
        Characters to skip: an Excel "sep=;" first line, else 0.
    skipped_lines : int
        Lines those characters hold (line numbers count from the top of the file).
    lines : list of str
        The first non-blank lines of the table, for guessing the header.
    delimiter : str
        ``delimiter``, else the one the sep= line names, else the one detected.
    """
    lines = sample_lines(text)
    if not lines:
        raise DataError(f"The file '{name}' is empty. Choose a CSV file that contains data.")
    hint = _SEP_LINE.match(lines[0])
    cut = skipped_lines = 0
    if hint:
        # Excel writes "sep=;" as a first line to name the separator; obey it and skip it.
        cut = text.index(lines[0]) + len(lines[0])
        skipped_lines = text[:cut].count("\n") or 1
        lines = lines[1:]
        delimiter = delimiter or hint.group(1)
        if not lines:
            raise DataError(f"The file '{name}' is empty. Choose a CSV file that contains data.")
    return cut, skipped_lines, lines, delimiter or sniff_delimiter(lines)


def parse_table(text: str, delimiter: str | None, has_header: bool | None, name: str,
                progress: Progress | None = None, start: float = 0.1, end: float = 0.6,
                strict: bool = True) -> Table:
    """Split ``text`` into rows and columns.

    Parameters
    ----------
    delimiter, has_header : None to detect.
    strict : bool
        True raises DataError on rows with the wrong number of values; False (used by the
        preview) leaves them out and explains them in ``Table.notes``.
    """
    cut, skipped_lines, lines, delimiter = sniff_format(text, delimiter, name)
    if cut:
        text = text[cut:]
    total = max(len(text), 1)
    consumed = 0

    def counted_lines():
        # Count characters handed to csv.reader so progress follows the position in the text.
        nonlocal consumed
        for line in io.StringIO(text, newline=""):
            consumed += len(line)
            yield line

    reader = csv.reader(counted_lines(), delimiter=delimiter, skipinitialspace=True)
    header: list[str] | None = None
    width = 0
    chunks: list[list[np.ndarray]] = []
    pending: list[list[str]] = []
    starts: list[int] = []
    bad: list[tuple[int, int, bool]] = []
    notes: list[str] = []
    empty_rows = 0
    previous_end = skipped_lines   # line numbers count from the top of the file
    first_multiline: int | None = None   # first row whose quoted value spans lines

    def flush() -> None:
        if pending:
            chunks.append([pack_cells(list(col)) for col in zip(*pending)])
            pending.clear()

    try:
        for row in reader:
            line_start, previous_end = previous_end + 1, skipped_lines + reader.line_num
            joined = "".join(row)
            if not joined.strip():
                empty_rows += bool(row)
                continue
            if first_multiline is None and ("\n" in joined or "\r" in joined):
                first_multiline = line_start
            if header is None:
                if has_header is None:
                    rest = list(csv.reader(lines[1:], delimiter=delimiter, skipinitialspace=True))
                    has_header = detect_header(row, rest, delimiter)
                width = len(row)
                if has_header:
                    header = row
                    continue
                header = [""] * width
            if len(row) > width and not any(c.strip() for c in row[width:]):
                row = row[:width]       # trailing separators (Excel writes "1,2,3,,")
            if len(row) != width:
                bad.append((line_start, len(row), any("\n" in c or "\r" in c for c in row)))
                continue
            pending.append(row)
            starts.append(line_start)
            if len(pending) >= ROWS_PER_CHUNK:
                flush()
            if progress is not None and len(starts) % 2000 == 0:
                progress.report(start + (end - start) * consumed / total)
    except csv.Error as exc:
        raise DataError(f"Line {skipped_lines + reader.line_num} of '{name}' cannot be read as CSV ({exc}). "
                        "Check that quotes (\") on that line are balanced.") from None
    flush()
    if strict and first_multiline is not None and text.count('"') % 2:
        # An odd number of quote marks: the multi-line value is a quote left open.
        bad.insert(0, (first_multiline, width, True))
    if bad:
        if strict:
            raise _ragged_error(bad, width, bool(has_header), delimiter, name)
        notes.append(str(_ragged_error(bad, width, bool(has_header), delimiter, name)).replace(
            "Fix the file", "Such lines are not shown. Fix the file"))
    if empty_rows:
        notes.append(f"Skipped {empty_rows} empty row(s).")
    header = header or []
    names = unique_names(header) if has_header else [f"column {i + 1}" for i in range(width)]
    if chunks:
        columns = [np.concatenate([chunk[i] for chunk in chunks]) for i in range(width)]
    else:
        columns = [np.array([], dtype=str) for _ in range(width)]
    return Table(names=names, columns=columns, line_numbers=np.asarray(starts, dtype=np.int64),
                 delimiter=delimiter, has_header=bool(has_header), notes=notes)
