"""How the magnifying glass writes numbers: one rounding rule for every caption.

Two decimals for ordinary values (``0.52``), two significant digits for small ones
(``0.0031``, ``3.1e-05``), negatives in brackets where they are a term of a product or a
sum (``0.52 x (-0.81)``), and a weight's value before and after an update with as many
decimals as it takes to see that it changed (``0.520 -> 0.465``).
"""
from __future__ import annotations

import math

import numpy as np


def num(value: float) -> str:
    """``value`` rounded for a caption: whole numbers as they are (``1``), two decimals from
    0.1 up (``0.52``, ``-1.31``), two
    significant digits below (``0.024``, ``0.0031``, ``3.1e-05``), ``1.2e+05`` from 10^5."""
    v = float(value)
    if not math.isfinite(v):
        return "infinity" if v > 0 else ("-infinity" if v < 0 else "not a number")
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e5:
        return f"{v:.3g}"
    if v == int(v):  # a target of 1, a count: no decimals to read past
        return str(int(v))
    if a >= 0.1:
        return f"{v:.2f}"
    if a >= 1e-4:
        return f"{v:.2g}"
    return f"{v:.2g}"


def plain(value: float) -> str:
    """A value in the data's own units as a person would write it: ``6.9``, ``1500``,
    ``0.25``, ``1.23e+06`` (up to four significant digits)."""
    v = float(value)
    if not math.isfinite(v):
        return num(v)
    return f"{v:.4g}" if abs(v) < 1e6 else f"{v:.3g}"


def log_argument(p: float, loss: float) -> str:
    """``p`` with as many decimals (2 to 6) as it takes for ``-log(shown)`` to round to the
    same caption number as ``loss``, so ``-log(0.917) = 0.087`` adds up on paper."""
    for d in range(2, 7):
        shown = round(float(p), d)
        if shown > 0 and num(-math.log(shown)) == num(loss):
            return fixed(p, d)
    return num(p)


def term(value: float) -> str:
    """:func:`num`, with a negative value in brackets: ``(-0.81)``, for use inside a formula."""
    text = num(value)
    return f"({text})" if text.startswith("-") else text


def signed(value: float) -> str:
    """:func:`num` with an explicit sign for a change: ``+0.0011``, ``-0.0024``, ``0``."""
    text = num(value)
    return text if text.startswith("-") or text == "0" else "+" + text


def fixed(value: float, decimals: int) -> str:
    """``value`` with exactly ``decimals`` decimals (never ``-0.00``)."""
    text = f"{float(value):.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def decimals_to_tell_apart(before: float, after: float, least: int = 2, most: int = 8) -> int:
    """The fewest decimals (from ``least`` to ``most``) at which ``before`` and ``after``
    round to different texts, so a caption shows that a weight moved."""
    for d in range(least, most + 1):
        if fixed(before, d) != fixed(after, d):
            return d
    return most if before != after else least


def percent(p: float) -> str:
    """A probability as a percentage: ``27 %``, ``0.3 %``, ``99.6 %``, ``over 99.9 %``,
    ``under 0.1 %`` (never a rounded 100 % or 0 % for what is not exactly that)."""
    v = 100 * float(p)
    if v in (0, 100) or 1 <= v <= 99:
        return f"{v:.0f} %"
    if 0.05 <= v < 1 or 99 < v < 99.95:
        return f"{v:.1f} %"
    return "under 0.1 %" if v < 1 else "over 99.9 %"


def vector(values, limit: int = 8) -> str:
    """A short list in brackets: ``[0.61, 0, 1.30]``; longer ones show their first ``limit``
    values and how many more there are."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    shown = ", ".join(num(v) for v in flat[:limit])
    more = len(flat) - limit
    return f"[{shown}, ... {more} more]" if more > 0 else f"[{shown}]"


def exact(value: float) -> str:
    """The shortest text that reads back as the same float32 (for worksheets)."""
    return str(np.float32(value))


def short(value: float) -> str:
    """A float64 for a worksheet: the float32 text when the value is a float32 (data, the
    engine's outputs), else ten significant digits."""
    v = float(value)
    return exact(v) if float(np.float32(v)) == v else f"{v:.10g}"
