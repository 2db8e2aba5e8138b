"""The choices a person makes when importing a CSV file, and what a preview shows them."""
from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, field

from nnstudio.data.na_rules import NaWord, check_na_values, na_values_dict
from nnstudio.errors import DataError

MISSING_CHOICES = (None, "drop", "mean")
TASK_CHOICES = (None, "classification", "regression")
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar", " ": "space"}


@dataclass(frozen=True)
class CsvOptions:
    """How to turn a CSV file into a Dataset.

    Parameters
    ----------
    target : str or int or None
        Column to predict: a header name or 0-based column number; None means the last column.
    missing : {None, "drop", "mean"}
        What to do with missing feature values. None refuses (and says which columns have them),
        "drop" removes those rows, "mean" fills numbers with the column mean and categories with
        the most frequent value.
    delimiter : str or None
        Separator character; None detects it.
    has_header : bool or None
        Whether the first row holds column names; None detects it.
    task : {None, "classification", "regression"}
        None decides from the target column.
    drop_columns : tuple of (str or int)
        Columns to leave out, by name or 0-based number.
    keep_columns : tuple of (str or int)
        Columns to use as inputs even when the reader would leave them out (an ID, dates, free
        text, one value everywhere): dates become days since the earliest date, number-like
        IDs stay numbers, words become categories. No effect on columns used anyway.
    na_values : dict {column name: {word: "missing" | "value"}}
        The person's choices about words that may mean "no value" (see ``na_rules``): by
        default empty cells, "NA", "N/A", "NaN" and "#N/A" are missing in any column, while
        "None", "null", "?", "-" ... are missing only in a column of numbers and are values
        (categories, classes) in a column of words. ``{"Exer": {"None": "missing"}}`` makes
        "None" a gap in 'Exer'; ``{"Region": {"NA": "value"}}`` keeps "NA" (North America) as
        a category. Stored as sorted (column, word, choice) triples; ``to_dict`` gives the dict.
    """

    target: str | int | None = None
    missing: str | None = None
    delimiter: str | None = None
    has_header: bool | None = None
    task: str | None = None
    drop_columns: tuple = field(default_factory=tuple)
    keep_columns: tuple = field(default_factory=tuple)
    na_values: tuple = field(default_factory=tuple)

    def __post_init__(self) -> None:
        target = self.target
        if target is not None and not isinstance(target, str):
            if not isinstance(target, numbers.Integral) or isinstance(target, bool):
                raise DataError(f"target must be a column name or column number, got {target!r}")
            object.__setattr__(self, "target", int(target))
        if self.missing not in MISSING_CHOICES:
            raise DataError(f"missing must be None, 'drop' or 'mean', got {self.missing!r}")
        if self.task not in TASK_CHOICES:
            raise DataError(f"task must be None, 'classification' or 'regression', got {self.task!r}")
        if self.delimiter is not None and (not isinstance(self.delimiter, str) or len(self.delimiter) != 1
                                           or self.delimiter in "\"\r\n"):
            raise DataError(f"delimiter must be a single character such as ',' or ';', "
                            f"got {self.delimiter!r}")
        if self.has_header not in (None, True, False):
            raise DataError(f"has_header must be True, False or None, got {self.has_header!r}")
        for key in ("drop_columns", "keep_columns"):
            object.__setattr__(self, key, _column_list(key, getattr(self, key)))
        object.__setattr__(self, "na_values", check_na_values(self.na_values))

    def to_dict(self) -> dict:
        """JSON-able dict (drop_columns and keep_columns as lists, na_values as a dict)."""
        data = asdict(self)
        data["drop_columns"] = list(self.drop_columns)
        data["keep_columns"] = list(self.keep_columns)
        data["na_values"] = na_values_dict(self.na_values)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> CsvOptions:
        """Inverse of ``to_dict``; unknown keys raise DataError."""
        if not isinstance(data, dict):
            raise DataError(f"CSV options must be a dict, got {type(data).__name__}")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise DataError(f"Unknown CSV option {unknown[0]!r}; known options are "
                            f"{', '.join(cls.__dataclass_fields__)}.")
        data = dict(data)
        for key in ("drop_columns", "keep_columns"):
            if key in data and isinstance(data[key], list):
                data[key] = tuple(data[key])
        return cls(**data)


def _column_list(key: str, value) -> tuple:
    """``value`` as a tuple of column names and ints; DataError naming ``key`` otherwise."""
    if value is None:
        return ()
    if isinstance(value, (str, numbers.Integral)):
        raise DataError(f"{key} must be a list of column names or numbers, got {value!r}")
    cols = tuple(value)
    for col in cols:
        if not isinstance(col, (str, numbers.Integral)) or isinstance(col, bool):
            raise DataError(f"{key} must hold column names or numbers, got {col!r}")
    return tuple(c if isinstance(c, str) else int(c) for c in cols)


@dataclass
class CsvPreview:
    """The first rows of a CSV file as text, plus what the reader guessed about it.

    ``column_kinds`` maps each column name to one of "number", "category", "text" (too many
    different words; would be left out), "id", "date", "constant" or "empty", judged from the
    rows checked: the first ``n_rows_checked`` (at most 2000). ``missing_counts`` counts missing
    cells per column in those rows only, by ``read_csv``'s own rules: empty cells and "NA"-like
    markers, words such as "None" or "?" in a number column, and the few stray words a number
    column holds ("unknown"); ``counts_whole_file`` says whether those rows are the whole file.
    ``missing_mask[r][c]`` tells the same for each shown cell ``rows[r][c]``. ``na_words`` lists,
    per column, the words that may mean "no value" found in those rows and how they are treated
    (``NaWord.missing``), the person's ``na_values`` choices included. ``n_rows_exact`` is
    False when the file was too big to read whole and ``n_rows_total_estimate`` is an estimate.
    """

    columns: list[str]
    rows: list[list[str]]
    delimiter: str
    has_header: bool
    n_rows_total_estimate: int
    column_kinds: dict[str, str]
    missing_counts: dict[str, int]
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)
    missing_mask: list[list[bool]] = field(default_factory=list)
    n_rows_exact: bool = True
    na_words: dict[str, list[NaWord]] = field(default_factory=dict)
    n_rows_checked: int = 0

    @property
    def counts_whole_file(self) -> bool:
        """True when ``missing_counts`` cover every row of the file, not just its first rows."""
        return self.n_rows_exact and self.n_rows_checked >= self.n_rows_total_estimate
