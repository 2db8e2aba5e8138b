"""Which cell texts mean "no value here", and the person's per-column choices about them.

A word such as "None" is a gap in a column of numbers but a real answer in a column of words:
the exercise column of R's MASS::survey has the levels Freq / Some / None, and the outcome of
vcd::Arthritis is None / Some / Marked. Treating "None" as missing everywhere (pandas' default)
silently drops a whole class. So there are two lists:

* ``STRONG_NA`` are missing in any column. Each is what a program writes for a gap and none is
  a plausible category name: an empty cell; "NA" (R's ``write.csv``); "N/A" and "n/a" ("not
  applicable" in forms and spreadsheets); "NaN" and "nan" (what numpy, pandas and Python write
  for a missing number); "#N/A" (Excel's error value for a failed lookup).
* ``WEAK_NA`` are missing only in a column whose other cells are numbers. In a column of words
  they are values: "None" and "none" are answers, "-" is a negative test result next to "+",
  "?" is "don't know" in a survey, "null" can be a category read from JSON, and "na" is a word
  in several languages (Polish "na" = "on").

The person can switch any word in any column (``CsvOptions.na_values``): mark a word as missing
(``"missing"``) or keep it as a value (``"value"``); only an empty cell is always missing.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

from nnstudio.errors import DataError

STRONG_NA = ("", "NA", "N/A", "n/a", "NaN", "nan", "#N/A")
WEAK_NA = ("na", "NAN", "null", "NULL", "Null", "None", "none", "NONE", "?", "-", "--")
NA_CHOICES = ("missing", "value")


@dataclass(frozen=True)
class NaWord:
    """One word of a column that is, or could be, a missing-value marker.

    Attributes
    ----------
    word : str
        The cell text (stripped).
    count : int
        Cells holding it in the rows looked at.
    missing : bool
        How this import treats it.
    default_missing : bool
        How the rule treats it when nobody chose (``missing != default_missing`` means the
        person's choice decided it).
    """

    word: str
    count: int
    missing: bool
    default_missing: bool

    @property
    def chosen(self) -> bool:
        return self.missing != self.default_missing


def check_na_values(value) -> tuple:
    """``CsvOptions.na_values`` as sorted (column, word, choice) triples; DataError otherwise.

    Accepts the saved form ``{column: {word: "missing" | "value"}}`` or an iterable of triples.
    Words are stripped, as cells are.
    """
    if value is None:
        return ()
    if isinstance(value, dict):
        triples = []
        for column, words in value.items():
            if not isinstance(words, dict):
                raise DataError(f"na_values[{column!r}] must map words to 'missing' or 'value', "
                                f"got {words!r}")
            triples += [(column, word, choice) for word, choice in words.items()]
    elif isinstance(value, (str, bytes, numbers.Number)):
        raise DataError("na_values must map column names to {word: 'missing' or 'value'}, "
                        f"got {value!r}")
    else:
        try:
            triples = [tuple(t) for t in value]
        except TypeError:
            raise DataError("na_values must map column names to {word: 'missing' or 'value'}, "
                            f"got {value!r}") from None
    checked = {}
    for triple in triples:
        if len(triple) != 3:
            raise DataError(f"na_values entries must be (column, word, 'missing' or 'value'), got {triple!r}")
        column, word, choice = triple
        if not isinstance(column, str):
            raise DataError(f"na_values: column names must be text, got {column!r}")
        if not isinstance(word, str):
            raise DataError(f"na_values[{column!r}]: words must be text, got {word!r}")
        if choice not in NA_CHOICES:
            raise DataError(f"na_values[{column!r}][{word!r}] must be 'missing' or 'value', got {choice!r}")
        word = word.strip()
        if word == "" and choice == "value":
            raise DataError(f"na_values[{column!r}]: an empty cell is always missing; it cannot be "
                            "kept as a value")
        checked[(column, word)] = choice
    return tuple(sorted((c, w, ch) for (c, w), ch in checked.items()))


def na_values_dict(triples: tuple) -> dict[str, dict[str, str]]:
    """The saved (JSON) form of ``check_na_values``' triples: ``{column: {word: choice}}``."""
    out: dict[str, dict[str, str]] = {}
    for column, word, choice in triples:
        out.setdefault(column, {})[word] = choice
    return out


def words_note(words: dict[str, list[NaWord]]) -> list[str]:
    """Plain notes naming the marker words treated as missing and those kept as values.

    ``words`` maps a column name to its ``NaWord`` list (empty cells are not listed: the
    missing-value counts already cover them).
    """
    gone: dict[str, list[str]] = {}
    kept: dict[str, list[str]] = {}
    first_kept = ("", "")   # the example in the advice
    for column, found in words.items():
        for w in found:
            if not w.word:
                continue
            why = ", as you chose" if w.chosen else ""
            if not w.missing and not kept:
                first_kept = (column, w.word)
            (gone if w.missing else kept).setdefault(w.word, []).append(
                f"'{column}' ({w.count} row{'s' if w.count != 1 else ''}{why})")
    notes = []
    if gone:
        listed = "; ".join(f"{word!r} in {_some(cols)}" for word, cols in gone.items())
        notes.append(f"Counted as missing values: {listed}.")
    if kept:
        listed = "; ".join(f"{word!r} in {_some(cols)}" for word, cols in kept.items())
        column, word = first_kept
        notes.append(f"Kept as values, not as gaps: {listed}. In a column of words such a word can be "
                     "a real category (an answer 'None', a test result '-'); if it means 'no value' "
                     "here, mark it as missing in the import options (on the command line: "
                     f"--na-values \"{column}={word}\").")
    return notes


def _some(items: list[str], limit: int = 8) -> str:
    # A file of 700 pixel columns must not make a note of 700 names.
    more = f" and {len(items) - limit} more columns" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


class MissingValuesError(DataError):
    """Feature values are missing and nobody chose what to do with them.

    ``str(err)`` is the window's wording; ``command_line_message()`` names the ``--missing``
    flag instead. ``counts`` maps each column to its number of missing values and ``n_rows``
    is the number of rows with at least one gap.
    """

    def __init__(self, counts: dict[str, int], n_rows: int) -> None:
        self.counts = dict(counts)
        self.n_rows = int(n_rows)
        super().__init__(f"Some feature values are missing: {self.listing()}. Choose what to do with "
                         f"them in the import options: 'drop rows' removes the {self.n_rows} row(s) with a "
                         "gap, 'fill with column mean' fills numbers with the column average and "
                         "categories with their most common value.")

    def listing(self) -> str:
        return ", ".join(f"'{name}' {count} row(s)" for name, count in self.counts.items())

    def command_line_message(self) -> str:
        return (f"Some feature values are missing: {self.listing()}. Use --missing drop to remove the "
                f"{self.n_rows} row(s) with a gap, or --missing mean to fill numbers with the column "
                "average and categories with their most common value.")
