"""Turn date and time text ("2021-03-04", "4/3/2021", "12 Jan 2020", "10:30 PM") into numbers.

Used only when a person asks to keep a date column as a feature: the network needs a number,
so dates become days since the earliest date and bare times become hours since midnight.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import numpy as np

_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}(?:\.\d+)?))?\s*(?P<ampm>[AaPp])?\.?(?:[Mm]\.?)?"
_ISO = re.compile(rf"^(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}})"
                  rf"(?:[ T]{_TIME}\s*(?P<tz>Z|[+-]\d{{2}}:?\d{{2}})?)?$")
_NUMERIC = re.compile(rf"^(?P<a>\d{{1,2}})[-/.](?P<b>\d{{1,2}})[-/.](?P<y>\d{{2,4}})(?: {_TIME})?$")
_TIME_ONLY = re.compile(rf"^{_TIME}$")
_DAY_NAME_YEAR = re.compile(r"^(?P<d>\d{1,2})[ \-](?P<mon>[A-Za-z]{3,9})\.?[ \-](?P<y>\d{2,4})$")
_NAME_DAY_YEAR = re.compile(r"^(?P<mon>[A-Za-z]{3,9})\.? (?P<d>\d{1,2}),? (?P<y>\d{4})$")
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_EPOCH = datetime(1970, 1, 1)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:   # the same rule as strptime's %y: 69-99 -> 1900s, 00-68 -> 2000s
        year += 1900 if year >= 69 else 2000
    return year


def _clock(match: re.Match) -> float:
    """Hours since midnight from the time groups of ``match`` (0 when there is no time)."""
    if match.group("H") is None:
        return 0.0
    hours, minutes = int(match.group("H")), int(match.group("M"))
    seconds = float(match.group("S") or 0.0)
    ampm = (match.group("ampm") or "").lower()
    if ampm:
        if not 1 <= hours <= 12:
            raise ValueError("hour out of range for AM/PM")
        hours = hours % 12 + (12 if ampm == "p" else 0)
    if hours > 23 or minutes > 59 or seconds >= 61:
        raise ValueError("time out of range")
    return hours + minutes / 60.0 + seconds / 3600.0


def _days(year: int, month: int, day: int, hours: float = 0.0, offset_hours: float = 0.0) -> float:
    moment = datetime(year, month, day) + timedelta(hours=hours - offset_hours)
    return (moment - _EPOCH) / timedelta(days=1)


def _offset(text: str | None) -> float:
    if not text or text == "Z":
        return 0.0
    sign = -1.0 if text[0] == "-" else 1.0
    digits = text[1:].replace(":", "")
    return sign * (int(digits[:2]) + int(digits[2:]) / 60.0)


def _day_first(texts: list[str]) -> bool:
    """Whether "03/04/2021" means 3 April (day first) for this column.

    Decided once per column from values that only fit one reading ("25/03" must be day
    first, "03/25" month first); day first when nothing tells, as in most of the world.
    """
    firsts, seconds = [], []
    for text in texts:
        match = _NUMERIC.match(text)
        if match:
            firsts.append(int(match.group("a")))
            seconds.append(int(match.group("b")))
    return not (seconds and max(seconds) > 12 and (not firsts or max(firsts) <= 12))


def _parse_one(text: str, day_first: bool) -> tuple[float, bool]:
    """(value, is_date): days since 1970 for dates, hours since midnight for bare times."""
    if match := _ISO.match(text):
        return _days(int(match.group("y")), int(match.group("m")), int(match.group("d")),
                     _clock(match), _offset(match.group("tz"))), True
    if match := _NUMERIC.match(text):
        a, b = int(match.group("a")), int(match.group("b"))
        day, month = (a, b) if day_first else (b, a)
        return _days(_year(match.group("y")), month, day, _clock(match)), True
    if match := _TIME_ONLY.match(text):
        return _clock(match), False
    match = _DAY_NAME_YEAR.match(text) or _NAME_DAY_YEAR.match(text)
    if match:
        named = _MONTHS.get(match.group("mon")[:3].lower())
        if named is None:
            raise ValueError("unknown month name")
        return _days(_year(match.group("y")), named, int(match.group("d"))), True
    raise ValueError("not a date")


def parse_dates(values: np.ndarray) -> tuple[np.ndarray, str, str]:
    """Parse a column of date or time cells.

    Parameters
    ----------
    values : ndarray of str, shape (n,)
        Stripped cells; anything that is not a date or time becomes NaN.

    Returns
    -------
    numbers : ndarray of float64, shape (n,)
        Days since the earliest date in the column, or hours since midnight when the column
        holds only times of day (no dates); NaN where a cell could not be read.
    unit : {"days", "hours"}
    start : str
        The earliest date as YYYY-MM-DD ("" for bare times or when nothing could be read).
    """
    uniques, inverse = np.unique(np.asarray(values).astype(str), return_inverse=True)
    texts = uniques.tolist()
    day_first = _day_first(texts)
    parsed = np.full(len(texts), np.nan)
    is_date = np.zeros(len(texts), dtype=bool)
    for i, text in enumerate(texts):
        try:
            parsed[i], is_date[i] = _parse_one(text, day_first)
        except (ValueError, OverflowError):
            continue
    numbers = parsed[inverse.reshape(-1)]
    if is_date.any():
        # A column of dates: bare times in it are not comparable, so they count as unreadable.
        numbers[~is_date[inverse.reshape(-1)]] = np.nan
        first = float(np.nanmin(numbers))
        start = (_EPOCH + timedelta(days=first)).date().isoformat()
        return numbers - first, "days", start
    return numbers, "hours", ""

