"""Numbers a beginner can read: ``7·10²¹`` instead of ``7e+21`` on axes and in labels."""
from __future__ import annotations

import math

import pyqtgraph as pg

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _power_of_ten(text: str) -> str:
    """``"7e+21"`` -> ``"7·10²¹"``, ``"1e-05"`` -> ``"10⁻⁵"``; other text unchanged."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    exponent = str(int(exponent)).translate(_SUPERSCRIPT)
    return f"10{exponent}" if mantissa in ("1", "1.0") else f"{mantissa}·10{exponent}"


def readable_number(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits, powers of ten written out for very big
    or very small numbers (``0.123``, ``12.3``, ``4560``, ``7.1·10²¹``)."""
    if value is None or math.isnan(value):
        return "–"
    if math.isinf(value):
        return "too large to show"
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        return _power_of_ten(f"{_trim(mantissa)}e{exponent}")
    if value == 0:
        return "0"
    places = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return _trim(f"{value:.{places}f}")


def _trim(text: str) -> str:
    """``"1.50"`` -> ``"1.5"``, ``"2.00"`` -> ``"2"``: trailing zeros say nothing to a reader."""
    return text.rstrip("0").rstrip(".") if "." in text else text


class ReadableAxis(pg.AxisItem):
    """An AxisItem whose large and tiny tick labels read ``2·10⁶`` instead of ``2e+06``."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph override
        return [_power_of_ten(s) for s in super().tickStrings(values, scale, spacing)]
