"""Columns already read as numbers (``csv_fast``): their analysis, range check and selection.

``analyse_numbers`` gives the same kind and the same sentence as ``columns.analyse_column`` on
the same cells as text, without a text array and mostly without ``np.unique``: a column of
pixels (0..255 in 60,000 rows) cannot be all-different, and a constant is just min == max.
"""
from __future__ import annotations

import numpy as np

from nnstudio.data.columns import MIN_ROWS_FOR_UNIQUE_ID, ColumnInfo, MissingRule, looks_like_id_name
from nnstudio.errors import DataError

FLOAT32_MAX = float(np.finfo(np.float32).max)   # 3.4e38: the largest number X can hold
ROWS_PER_COPY = 4096    # rows gathered at a time by select_columns


def number_missing(values: np.ndarray) -> MissingRule:
    """``columns.column_missing`` for a float column, shape (n,): only NaN is a gap, no words."""
    missing = np.isnan(values)
    numbers = values[~missing].astype(np.float64)
    return MissingRule(missing, True, numbers, np.ones(len(numbers), dtype=bool), [])


def analyse_numbers(name: str, values: np.ndarray, span: tuple[float, float] | None = None) -> ColumnInfo:
    """Classify one float column, shape (n_rows,) (NaN = missing), as ``analyse_column`` would.

    ``span`` is the column's (smallest, largest) value when the caller knows it (``csv_fast``
    does, in float64, and its columns hold no NaN): then most columns are judged without
    walking them, which matters for a column of a row-major matrix (a strided view).
    ``ColumnInfo.numbers`` is ``values`` itself (no copy) for a usable column.
    """
    if span is None:
        missing = np.isnan(values)
        good = values[~missing] if missing.any() else values
        if good.size == 0:
            return ColumnInfo(name, "empty", missing, reason=f"'{name}' has no values, so it was left out.")
        low, high = float(good.min()), float(good.max())
    else:
        missing, good = np.zeros(len(values), dtype=bool), values
        low, high = float(span[0]), float(span[1])
    if low == high:
        return ColumnInfo(name, "constant", missing, reason=(
            f"'{name}' has the same value ({low:g}) in every row, so it tells nothing apart and was "
            "left out."))
    if looks_like_id_name(name):
        return ColumnInfo(name, "id", missing, reason=(
            f"'{name}' looks like an ID or row number, which says nothing about the target, so it was "
            "left out."))
    first = _counter_start(name, good, low, high)
    if first is not None:
        return ColumnInfo(name, "id", missing, reason=(
            f"'{name}' has a different whole number in every row ({first[0]:g}, {first[1]:g}, "
            f"{first[2]:g}, ...), like a row number or ID, so it was left out."))
    return ColumnInfo(name, "number", missing, numbers=values,
                      reason=f"'{name}' holds numbers and is used as a feature.")


def _counter_start(name: str, good: np.ndarray, low: float, high: float) -> list[float] | None:
    """The three smallest values when ``good`` is counter-like (``columns._counter_like``), else None."""
    n = len(good)
    if n < MIN_ROWS_FOR_UNIQUE_ID or "year" in name.lower():
        return None
    span = high - low + 1.0
    if span < n:
        return None      # fewer whole numbers in the range than rows: some value repeats
    if not np.all(good == np.round(good)):
        return None
    if np.all(good[1:] > good[:-1]):
        return [float(v) for v in good[:3]]          # only going up: all different, in order
    if not (span == n or n * n / (2.0 * span) >= 3.0):
        return None
    distinct = np.unique(good)
    return [float(v) for v in distinct[:3]] if len(distinct) == n else None


def check_float32_range(name: str, numbers: np.ndarray, lines: np.ndarray | None = None) -> None:
    """Refuse, by name, numbers that float32 cannot hold (beyond +-3.4e38).

    Parameters
    ----------
    numbers : ndarray of float, shape (n,)
        A column's values (NaN for gaps).
    lines : ndarray of int, shape (n,), optional
        The file line of each value, for the message.
    """
    if numbers.dtype == np.float32:
        return                       # already float32: nothing can be out of its range
    too_big = np.abs(numbers) > FLOAT32_MAX
    if not too_big.any():
        return
    at = int(np.argmax(too_big))
    where = f" on line {int(lines[at])}" if lines is not None else ""
    more = int(too_big.sum()) - 1
    others = f" (and {more} more)" if more else ""
    raise DataError(f"'{name}' holds numbers too large for nnstudio (up to 3.4e38): {numbers[at]:g}{where}"
                    f"{others}. Rescale the column in the file (for example divide it by a power of ten) "
                    "or leave it out.")


def select_columns(matrix: np.ndarray, columns: list[int]) -> np.ndarray:
    """``matrix[:, columns]`` of a row-major float32 matrix, as a row-major array (n_rows, k).

    ``np.take`` a block of rows at a time into the result: ~15x faster here than one fancy
    index, whose result is column-major (and would need another copy to become row-major).
    """
    out = np.empty((matrix.shape[0], len(columns)), dtype=np.float32)
    for row in range(0, len(out), ROWS_PER_COPY):
        np.take(matrix[row:row + ROWS_PER_COPY], columns, axis=1, out=out[row:row + ROWS_PER_COPY])
    return out
