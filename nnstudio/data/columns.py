"""Decide what each CSV column is (numbers, categories, an ID, dates...) and why.

``analyse_column`` looks at one column of text cells and returns a ``ColumnInfo`` whose
``reason`` is a plain sentence for the import report.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from nnstudio.data.na_rules import STRONG_NA, WEAK_NA, NaWord

#: Every cell text (after stripping surrounding spaces) the reader may treat as "no value here":
#: ``STRONG_NA`` in any column, ``WEAK_NA`` only in a column of numbers (see na_rules for why).
#: Case matters on purpose: "Na" is sodium. The person can switch any word per column.
NA_MARKERS = STRONG_NA + WEAK_NA
_STRONG_SET = frozenset(STRONG_NA)
MAX_CATEGORIES = 20          # more distinct words than this and a text column is left out
MIN_ROWS_FOR_UNIQUE_ID = 20  # "every value differs" only means ID-like with enough rows
MOSTLY_NUMERIC = 0.9         # share of number cells above which the rest count as missing

KINDS = ("number", "category", "text", "id", "date", "constant", "empty")

_ID_NAME = re.compile(r"^(id|idx|index|row|row ?(id|no|num|number)|#|unnamed: ?0)$|(^|[_\s.\-])id$",
                      re.IGNORECASE)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_ID_CAMEL = re.compile(r"[a-z](Id|ID)$")  # PassengerId, userID; not "Acid" or "Liquid"
_DATE_NAME = re.compile(r"(date|time|timestamp|datetime|day|month)$|^(date|time)", re.IGNORECASE)
_TIME = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp]\.?[Mm]\.?)?"
_DATE_PATTERNS = re.compile("|".join([
    rf"\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}([ T]{_TIME}\s*(Z|[+-]\d{{2}}:?\d{{2}})?)?",
    rf"\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}( {_TIME})?",
    _TIME,
    r"\d{1,2}[ \-][A-Za-z]{3,9}\.?[ \-]\d{2,4}",
    r"[A-Za-z]{3,9}\.? \d{1,2},? \d{4}",
]).join(["^(?:", ")$"]))


@dataclass
class ColumnInfo:
    """What a column holds and how it would become features.

    Attributes
    ----------
    kind : one of KINDS
        "number" and "category" become features; the other kinds are left out.
    missing : ndarray of bool, shape (n_rows,)
        Cells that are empty, an NA marker, or stray words in a number column.
    numbers : ndarray of float64, shape (n_rows,) or None
        For "number" columns; NaN where missing.
    categories : list of str
        For "category" columns, the distinct values in sorted order.
    codes : ndarray of int64, shape (n_rows,) or None
        For "category" columns, index into ``categories``; -1 where missing.
    reason : str
        Plain-language sentence for the import notes.
    stray : list of str
        Words found in a mostly-number column that were treated as missing.
    kept : bool
        True when the person chose to use a column the reader would have left out.
    na_words : list of NaWord
        Marker words found in the column (and words the person chose for it), with how they
        were treated: missing, or kept as values.
    """

    name: str
    kind: str
    missing: np.ndarray
    numbers: np.ndarray | None = None
    categories: list[str] = field(default_factory=list)
    codes: np.ndarray | None = None
    reason: str = ""
    stray: list[str] = field(default_factory=list)
    decimal_comma: bool = False
    kept: bool = False
    na_words: list[NaWord] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.kind in ("number", "category")


def is_missing(text: str) -> bool:
    """True when one cell's text is missing in any column: empty, "NA", "N/A", "NaN", "#N/A"...

    Words such as "None", "null", "?" or "-" depend on the column (missing among numbers, a
    value among words) and so are not missing here; ``analyse_column(...).missing`` applies
    the whole rule to a column, including stray words ("unknown") in a number column.
    """
    return str(text).strip() in _STRONG_SET


def missing_mask(values: np.ndarray) -> np.ndarray:
    """``is_missing`` for a whole column of stripped cells, shape (n,) -> bool (n,)."""
    return np.isin(values, STRONG_NA)


def merge_case(uniques: np.ndarray, counts: np.ndarray) -> tuple[list[str], np.ndarray, list[tuple]]:
    """Merge distinct values that differ only in letter case ("Yes", "yes").

    Parameters
    ----------
    uniques : ndarray of str, shape (k,)
        Distinct values, sorted (as ``np.unique`` returns them).
    counts : ndarray of int, shape (k,)
        How often each value occurs.

    Returns
    -------
    names : list of str
        The values left after merging, sorted; each group keeps its most frequent spelling
        (the first in sorted order on a tie).
    remap : ndarray of int64, shape (k,)
        Index into ``names`` for each of ``uniques``.
    merged : list of (kept, kept_count, [(other, other_count), ...])
        One entry per group that had more than one spelling; empty when nothing merged.
    """
    texts = [str(u) for u in np.asarray(uniques).tolist()]
    folded = [t.casefold() for t in texts]
    if len(set(folded)) == len(folded):   # the usual case: nothing to merge
        return texts, np.arange(len(texts), dtype=np.int64), []
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(folded):
        groups.setdefault(key, []).append(i)
    keep = {key: max(members, key=lambda i: (int(counts[i]), -i)) for key, members in groups.items()}
    names = sorted(texts[i] for i in keep.values())
    position = {name: j for j, name in enumerate(names)}
    remap = np.array([position[texts[keep[key]]] for key in folded], dtype=np.int64)
    merged = []
    for key, members in groups.items():
        if len(members) > 1:
            kept = keep[key]
            others = sorted(((texts[i], int(counts[i])) for i in members if i != kept),
                            key=lambda pair: -pair[1])
            merged.append((texts[kept], int(counts[kept]), others))
    merged.sort(key=lambda entry: entry[0])
    return names, remap, merged


def describe_merges(merged: list[tuple]) -> str:
    """Plain words for the ``merged`` list of ``merge_case``: "'Yes' (1 row) into 'yes' (27 rows)"."""
    def rows(n: int) -> str:
        return f"{n} row{'s' if n != 1 else ''}"
    parts = []
    for kept, kept_count, others in merged:
        other_text = " and ".join(f"{o!r} ({rows(c)})" for o, c in others)
        parts.append(f"{other_text} into {kept!r} ({rows(kept_count)})")
    return "; ".join(parts)


def looks_like_id_name(name: str) -> bool:
    return bool(_ID_NAME.search(name.strip()) or _ID_CAMEL.search(name.strip()))


def to_numbers(values: np.ndarray, decimal_comma: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Parse text cells as numbers.

    Returns
    -------
    numbers : ndarray of float64, shape (n,)
        NaN where a cell is not a finite number.
    ok : ndarray of bool, shape (n,)
    """
    try:
        # Fast path: numpy parses a whole column at once when every cell is a number.
        numbers = np.asarray(values).astype(np.float64)
    except (ValueError, TypeError):
        # Parse each distinct text once; text columns repeat their values a lot.
        uniques, inverse = np.unique(np.asarray(values), return_inverse=True)
        parsed = np.array([_parse(str(u), decimal_comma) for u in uniques.tolist()], dtype=np.float64)
        return _finite(parsed[inverse.reshape(-1)])
    return _finite(numbers)


def _parse(text: str, decimal_comma: bool) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    if not decimal_comma and _THOUSANDS.match(text):
        # "1,234,567" (quoted in a comma-separated file) is one number with thousands separators.
        return float(text.replace(",", ""))
    if decimal_comma and text.count(",") == 1:
        # "1,5" is 1.5 in files that use ';' or tabs as separators (much of Europe).
        try:
            return float(text.replace(",", "."))
        except ValueError:
            pass
    return np.nan


def _finite(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(numbers)
    numbers[~ok] = np.nan
    return numbers, ok


def _quote_list(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


@dataclass
class MissingRule:
    """What ``column_missing`` decided for one column of text cells (shape (n,) throughout).

    ``numbers`` / ``ok`` are ``to_numbers`` of ``values[~missing]`` when the column holds
    numbers (``numeric``), else None.
    """

    missing: np.ndarray
    numeric: bool
    numbers: np.ndarray | None
    ok: np.ndarray | None
    words: list[NaWord]


def column_missing(values: np.ndarray, decimal_comma: bool = False,
                   choices: dict[str, str] | None = None) -> MissingRule:
    """Which cells of one column of stripped text cells are missing values.

    ``STRONG_NA`` words are missing in any column. ``WEAK_NA`` words ("None", "?", "-", ...)
    are missing only when the column's other cells are numbers; among words they are values
    (a category "None"). ``choices`` ({word: "missing" | "value"}) overrides both for the
    words it names, and may mark any other word as missing.
    """
    choices = choices or {}
    as_value = [w for w, c in choices.items() if c == "value"]
    # One pass over the column finds every candidate cell; the rest works on those few only.
    found = np.isin(values, NA_MARKERS + tuple(choices))
    at = np.flatnonzero(found)
    sub = values[at]
    chosen = np.array([choices.get(str(v), "") for v in sub.tolist()], dtype=object)
    strong = np.zeros(len(values), dtype=bool)
    weak = np.zeros(len(values), dtype=bool)
    strong[at] = (np.isin(sub, STRONG_NA) & (chosen == "")) | (chosen == "missing")
    weak[at] = np.isin(sub, WEAK_NA) & (chosen == "")
    present = values[~(strong | weak)]
    numeric, numbers, ok = False, None, None
    # A quick look at the first cells settles most text columns without parsing them all.
    if present.size and to_numbers(present[:200], decimal_comma)[1].mean() >= 0.5:
        numbers, ok = to_numbers(present, decimal_comma)
        n_ok = int(ok.sum())
        strays = np.unique(present[~ok])
        # A word the person called a value is not a stray gap: it makes the column text.
        numeric = n_ok == len(present) or (n_ok >= MOSTLY_NUMERIC * len(present) and len(strays) <= 5
                                           and not np.isin(strays, as_value).any())
    gaps_in_numbers = numeric or not present.size
    missing = strong | weak if gaps_in_numbers else strong
    if not numeric:
        numbers = ok = None
    words = []
    if at.size:
        uniques, counts = np.unique(sub, return_counts=True)
        for word, count in zip(uniques.tolist(), counts.tolist()):
            word = str(word)
            default = word in _STRONG_SET or (gaps_in_numbers and word in WEAK_NA)
            words.append(NaWord(word, int(count), choices.get(word, "missing" if default else "value")
                                == "missing", default))
    return MissingRule(missing, numeric, numbers, ok, words)


def analyse_column(name: str, values: np.ndarray, decimal_comma: bool = False,
                   choices: dict[str, str] | None = None) -> ColumnInfo:
    """Classify one column of stripped text cells, shape (n_rows,).

    ``choices`` ({word: "missing" | "value"}) are the person's missing-value choices for it.
    """
    rule = column_missing(values, decimal_comma, choices)
    missing = rule.missing
    n_present = int((~missing).sum())
    if n_present == 0:
        return ColumnInfo(name, "empty", missing, reason=f"'{name}' has no values, so it was left out.",
                          na_words=rule.words)
    if rule.numeric:
        assert rule.numbers is not None and rule.ok is not None  # set exactly when numeric
        info = _numeric(name, values, missing, rule.numbers, rule.ok, decimal_comma)
        info.na_words = rule.words
        return info
    info = _words(name, values, missing)
    info.na_words = rule.words
    return info


def _words(name: str, values: np.ndarray, missing: np.ndarray) -> ColumnInfo:
    n_present = int((~missing).sum())
    present = values[~missing]
    uniques, inverse, counts = np.unique(present, return_inverse=True, return_counts=True)
    date_like = np.array([bool(_DATE_PATTERNS.match(str(u))) for u in uniques])
    date_share = counts[date_like].sum() / n_present
    if date_share >= 0.9 or (date_share >= 0.5 and _DATE_NAME.search(name)):
        return ColumnInfo(name, "date", missing, reason=(
            f"'{name}' holds dates or times (like {str(uniques[date_like][0])!r}), which the network "
            "cannot use directly, so it was left out."))
    # "Paris" and "paris" are one city: a typo in case must not make a new category.
    names, remap, merged = merge_case(uniques, counts)
    if merged:
        inverse = remap[inverse.reshape(-1)]
        uniques = np.array(names)
    n_unique = len(names)
    if n_unique == 1:
        return ColumnInfo(name, "constant", missing, reason=(
            f"'{name}' has the same value ({str(uniques[0])!r}) in every row, so it tells nothing "
            "apart and was left out."))
    if looks_like_id_name(name):
        return ColumnInfo(name, "id", missing, reason=(
            f"'{name}' looks like an ID or row label, which says nothing about the target, "
            "so it was left out."))
    if n_unique == n_present and n_present >= MIN_ROWS_FOR_UNIQUE_ID:
        return ColumnInfo(name, "id", missing, reason=(
            f"'{name}' has a different text in every row (like {str(uniques[0])!r}), as names or "
            "IDs do, so it was left out."))
    if n_unique > MAX_CATEGORIES:
        return ColumnInfo(name, "text", missing, reason=(
            f"'{name}' is text with {n_unique} different values; only text columns with at most "
            f"{MAX_CATEGORIES} different values (categories) can be used, so it was left out."))
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[~missing] = inverse.reshape(-1)
    categories = list(names)
    reason = (f"'{name}' is a category with {n_unique} values ({_quote_list(categories)}); it became "
              f"{n_unique} yes/no columns, one per value.")
    if merged:
        reason += (" Values that differ only in letter case were merged, keeping the most common "
                   f"spelling: {describe_merges(merged)}.")
    return ColumnInfo(name, "category", missing, categories=categories, codes=codes, reason=reason)


def _counter_like(name: str, good: np.ndarray, distinct: np.ndarray) -> bool:
    """Whole numbers, all different, that behave like a counter or an ID rather than a measurement.

    All-different alone is not enough (prices can be all different), so one more sign is needed:
    they run without gaps, only go up row by row, or are too many to all differ by chance
    (the birthday effect: n values spread over a range r collide about n^2 / 2r times).
    """
    n = len(good)
    if n < MIN_ROWS_FOR_UNIQUE_ID or len(distinct) != n or "year" in name.lower():
        return False
    if not np.all(good == np.round(good)):
        return False
    span = float(distinct[-1] - distinct[0]) + 1.0
    return bool(span == n or np.all(np.diff(good) > 0) or n * n / (2.0 * span) >= 3.0)


def _numeric(name: str, values: np.ndarray, missing: np.ndarray, numbers: np.ndarray,
             ok: np.ndarray, decimal_comma: bool) -> ColumnInfo:
    stray = [str(v) for v in np.unique(values[~missing][~ok])]
    missing = missing.copy()
    present_idx = np.flatnonzero(~missing)
    missing[present_idx[~ok]] = True
    full = np.full(len(values), np.nan)
    full[present_idx[ok]] = numbers[ok]
    used_comma = decimal_comma and bool(np.any(np.char.find(values[present_idx[ok]].astype(str), ",") >= 0))
    info = ColumnInfo(name, "number", missing, numbers=full, stray=stray, decimal_comma=used_comma)
    good = full[~missing]
    distinct = np.unique(good)
    if len(distinct) == 1:
        info.kind, info.numbers = "constant", None
        info.reason = number_reason(name, "constant", distinct[:1])
    elif looks_like_id_name(name):
        info.kind, info.numbers = "id", None
        info.reason = number_reason(name, "id_name")
    elif _counter_like(name, good, distinct):
        info.kind, info.numbers = "id", None
        info.reason = number_reason(name, "counter", distinct[:3])
    else:
        info.reason = number_reason(name, "number")
        if stray:
            info.reason += (f" {int((~ok).sum())} cell(s) held words instead of numbers "
                            f"({_quote_list(stray)}); they count as missing values.")
    return info


def number_reason(name: str, kind: str, shown=()) -> str:
    """The import note for a column of numbers, the same on the text road and the fast road
    (``number_columns``): ``kind`` is "constant", "id_name", "counter" or "number"; ``shown``
    the value (constant) or the first three values (counter) to quote."""
    if kind == "constant":
        return (f"'{name}' has the same value ({shown[0]:g}) in every row, so it tells nothing "
                "apart and was left out.")
    if kind == "id_name":
        return (f"'{name}' looks like an ID or row number, which says nothing about the target, "
                "so it was left out.")
    if kind == "counter":
        return (f"'{name}' has a different whole number in every row ({shown[0]:g}, {shown[1]:g}, "
                f"{shown[2]:g}, ...), like a row number or ID, so it was left out.")
    return f"'{name}' holds numbers and is used as a feature."
