"""The choices a person makes when importing a CSV file, and what a preview shows them."""
from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass, field

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
    """

    target: str | int | None = None
    missing: str | None = None
    delimiter: str | None = None
    has_header: bool | None = None
    task: str | None = None
    drop_columns: tuple = field(default_factory=tuple)

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
            raise DataError(f"delimiter must be a single character such as ',' or ';', got {self.delimiter!r}")
        if self.has_header not in (None, True, False):
            raise DataError(f"has_header must be True, False or None, got {self.has_header!r}")
        if isinstance(self.drop_columns, (str, int)):
            raise DataError(f"drop_columns must be a list of column names or numbers, got {self.drop_columns!r}")
        cols = tuple(self.drop_columns)
        for col in cols:
            if not isinstance(col, (str, numbers.Integral)) or isinstance(col, bool):
                raise DataError(f"drop_columns must hold column names or numbers, got {col!r}")
        object.__setattr__(self, "drop_columns", tuple(c if isinstance(c, str) else int(c) for c in cols))

    def to_dict(self) -> dict:
        """JSON-able dict (drop_columns as a list)."""
        data = asdict(self)
        data["drop_columns"] = list(self.drop_columns)
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
        data["drop_columns"] = tuple(data.get("drop_columns") or ())
        return cls(**data)


@dataclass
class CsvPreview:
    """The first rows of a CSV file as text, plus what the reader guessed about it.

    ``column_kinds`` maps each column name to one of "number", "category", "text" (too many
    different words; would be left out), "id", "date", "constant" or "empty", judged from the
    previewed rows only. ``missing_counts`` counts missing cells per column in those rows.
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
