"""Columns already read as numbers (``csv_fast``): their analysis, range check, and X from them.

``analyse_numbers`` gives the same kind and the same sentence as ``columns.analyse_column`` on
the same cells as text, without a text array and mostly without ``np.unique``: a column of
pixels (0..255 in 60,000 rows) cannot be all-different, and a constant is just min == max.
"""
from __future__ import annotations

import numpy as np

from nnstudio.data.columns import (
    MIN_ROWS_FOR_UNIQUE_ID,
    ColumnInfo,
    MissingRule,
    looks_like_id_name,
    number_reason,
)
from nnstudio.errors import DataError

FLOAT32_MAX = float(np.finfo(np.float32).max)   # 3.4e38: the largest number X can hold
ROWS_PER_COPY = 4096    # rows gathered at a time by gather_features


def number_missing(values: np.ndarray) -> MissingRule:
    """``columns.column_missing`` for a float column, shape (n,): only NaN is a gap, no words."""
    missing = np.isnan(values)
    numbers = values[~missing].astype(np.float64)
    return MissingRule(missing, True, numbers, np.ones(len(numbers), dtype=bool), [])


def analyse_numbers(name: str, values: np.ndarray,
                    span: tuple[float, float] | np.ndarray | None = None) -> ColumnInfo:
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
        # No gaps: one read-only row of False shared by every column (785 columns x 60,000 rows
        # of their own masks were 47 MB); writing into it raises instead of corrupting others.
        missing, good = np.broadcast_to(np.False_, values.shape), values
        low, high = float(span[0]), float(span[1])
    if low == high:
        return ColumnInfo(name, "constant", missing, reason=number_reason(name, "constant", (low,)))
    if looks_like_id_name(name):
        return ColumnInfo(name, "id", missing, reason=number_reason(name, "id_name"))
    first = _counter_start(name, good, low, high)
    if first is not None:
        return ColumnInfo(name, "id", missing, reason=number_reason(name, "counter", first))
    return ColumnInfo(name, "number", missing, numbers=values, reason=number_reason(name, "number"))


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


def gather_features(matrix: np.ndarray, columns: list[np.ndarray], usable: list[ColumnInfo], used: list[int],
                    n_rows: int, reuse: bool = False) -> tuple[np.ndarray, list[str]]:
    """X of shape (n_rows, n_features) float32 and the feature names, as ``csv_build`` stacks them.

    Parameters
    ----------
    matrix : ndarray of float32, shape (n_file_rows, n_columns)
        ``Table.matrix``; ``columns`` are ``Table.columns``.
    usable : the columns that become features, each from file column ``used[i]``.
    reuse : bool
        Write X into ``matrix``'s own memory, row by row from the top (each row's features
        fit in the space its cells used): no second array of the file's size (~190 MB, and
        ~0.3 s of fresh memory on the MNIST-shaped file). ``matrix`` and every view of it
        (the float ``columns``, their ``ColumnInfo.numbers``) then hold garbage.

    A feature whose numbers are still the matrix column itself (all rows kept, nothing filled)
    is copied from the matrix with ``np.take`` a block of rows at a time, ~15x faster here than
    one fancy index (whose result is column-major and would need another copy); the others
    (float64 columns, text columns made numbers or yes/no columns) are written one by one.
    """
    names, slots, direct, width = [], [], [], 0
    for info, j in zip(usable, used):
        slots.append(width)
        if info.numbers is not None:
            names.append(info.name)
            if info.numbers is columns[j] and columns[j].dtype == np.float32:
                direct.append((width, j))
            width += 1
        else:
            names += [f"{info.name}={c}" for c in info.categories]
            width += len(info.categories)
    # Every slot takes some matrix column (column 0 where the feature comes from elsewhere,
    # overwritten below): np.take can then write whole rows, 5x faster than a fancy assignment
    # of the direct slots only.
    take = [0] * width
    for slot, j in direct:
        take[slot] = j
    if reuse and direct and width <= matrix.shape[1] and matrix.flags.c_contiguous and len(matrix) == n_rows:
        flat = matrix.reshape(-1)          # a view: the matrix is row-major and contiguous
        for row in range(0, n_rows, ROWS_PER_COPY):
            # Rows up to row + ROWS_PER_COPY are read into the tile before it is written back,
            # and the write ends before their end (width <= n_columns): nothing unread is lost.
            tile = np.take(matrix[row:row + ROWS_PER_COPY], take, axis=1)
            flat[row * width:(row + len(tile)) * width] = tile.reshape(-1)
        X = flat[:n_rows * width].reshape(n_rows, width)
        if width < 0.75 * matrix.shape[1]:
            X = X.copy()                   # many columns left out: free the big buffer
    else:
        X = np.empty((n_rows, width), dtype=np.float32)
        if direct:
            for row in range(0, n_rows, ROWS_PER_COPY):
                np.take(matrix[row:row + ROWS_PER_COPY], take, axis=1, out=X[row:row + ROWS_PER_COPY])
    done = {d[0] for d in direct}
    for info, slot in zip(usable, slots):
        if slot in done:
            continue
        if info.numbers is not None:
            X[:, slot] = info.numbers
        else:
            assert info.codes is not None  # a column of words: codes instead of numbers
            X[:, slot:slot + len(info.categories)] = info.codes[:, None] == np.arange(len(info.categories))
    return X, names
