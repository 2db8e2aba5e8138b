"""Columns a person chose to keep although the reader would leave them out (IDs, dates, text).

``use_anyway`` turns such a column into a feature the network can take, and says how in
``ColumnInfo.reason``: dates become days since the earliest date, number-like IDs stay
numbers, and words become categories (one yes/no column each) when there are not too many.
"""
from __future__ import annotations

import numpy as np

from nnstudio.data.columns import MOSTLY_NUMERIC, ColumnInfo, describe_merges, merge_case, to_numbers
from nnstudio.data.dates import parse_dates
from nnstudio.errors import DataError

MAX_KEPT_CATEGORIES = 100   # a kept text column becomes this many yes/no columns at most

_LOOKED_LIKE = {"id": "it looked like an ID", "text": "it looked like free text",
                "constant": "it has the same value in every row", "date": "it holds dates"}


def use_anyway(info: ColumnInfo, values: np.ndarray, decimal_comma: bool = False) -> ColumnInfo:
    """Make ``info`` (from ``analyse_column``) usable as a feature.

    Parameters
    ----------
    info : ColumnInfo
        The reader's verdict on the column; returned unchanged when it is already usable.
    values : ndarray of str, shape (n_rows,)
        The same stripped cells that ``info`` describes.

    Raises
    ------
    DataError
        When the column cannot become numbers or a manageable set of categories.
    """
    if info.usable:
        return info
    name = info.name
    if info.kind == "empty":
        raise DataError(f"'{name}' has no values, so it cannot be used as an input even though you "
                        "chose to keep it. Leave it out.")
    missing = info.missing.copy()
    if info.kind == "date":
        return _dates(info, values, missing)
    present = values[~missing]
    numbers, ok = to_numbers(present, decimal_comma)
    if ok.mean() >= MOSTLY_NUMERIC:
        full = np.full(len(values), np.nan)
        full[~missing] = numbers
        missing |= np.isnan(full)
        used = ColumnInfo(name, "number", missing, numbers=full, kept=True)
        used.reason = f"'{name}' was kept as a number feature, as you chose ({_LOOKED_LIKE[info.kind]})."
        if info.kind == "constant":
            used.reason += " Being the same everywhere, it cannot help the network tell rows apart."
        if not ok.all():
            used.reason += (f" {int((~ok).sum())} cell(s) held words instead of numbers; "
                            "they count as missing.")
        return used
    uniques, inverse, counts = np.unique(present, return_inverse=True, return_counts=True)
    names, remap, merged = merge_case(uniques, counts)
    n = len(names)
    if n > MAX_KEPT_CATEGORIES:
        raise DataError(f"'{name}' has {n} different values. A text column can become at most "
                        f"{MAX_KEPT_CATEGORIES} yes/no columns (one per value), so it cannot be used as an "
                        "input even though you chose to keep it. Leave it out, or group its values into "
                        "fewer categories in the file.")
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[~missing] = remap[inverse.reshape(-1)]
    used = ColumnInfo(name, "category", missing, categories=list(names), codes=codes, kept=True)
    used.reason = (f"'{name}' was kept as a category, as you chose ({_LOOKED_LIKE[info.kind]}): its "
                   f"{n} values became {n} yes/no columns.")
    if n == len(present):
        used.reason += (" Every row has a different value, so the network can only memorise the rows, "
                        "not learn from them.")
    if merged:
        used.reason += (" Values that differ only in letter case were merged, keeping the most common "
                        f"spelling: {describe_merges(merged)}.")
    return used


def _dates(info: ColumnInfo, values: np.ndarray, missing: np.ndarray) -> ColumnInfo:
    name = info.name
    numbers, unit, start = parse_dates(values)
    unreadable = np.isnan(numbers) & ~missing
    missing |= np.isnan(numbers)
    if missing.all():
        raise DataError(f"'{name}' could not be read as dates or times, so it cannot be used as an input "
                        "even though you chose to keep it. Leave it out.")
    used = ColumnInfo(name, "number", missing, numbers=np.where(missing, np.nan, numbers), kept=True)
    if unit == "days":
        used.reason = (f"'{name}' holds dates; as you chose, it was kept as a number: days since the "
                       f"earliest date ({start}).")
    else:
        used.reason = (f"'{name}' holds times of day; as you chose, it was kept as a number: hours since "
                       "midnight.")
    if unreadable.any():
        examples = ", ".join(repr(str(v)) for v in np.unique(values[unreadable])[:3])
        used.reason += (f" {int(unreadable.sum())} cell(s) could not be read as dates ({examples}); they "
                        "count as missing values.")
    return used
