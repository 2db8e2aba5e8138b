"""Checks for user-set numbers; each failure names the setting and the value received."""
from __future__ import annotations

import math
import numbers

from nnstudio.errors import DataError


def check_int(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    """Return ``value`` as an int, or raise DataError like ``n_samples must be an integer >= 10, got 3``.

    Whole-number floats (400.0, as a spin box or JSON may give) are accepted; bools are not.
    """
    number: int | None = None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        number = int(value)
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if number is not None and number >= minimum and (maximum is None or number <= maximum):
        return number
    if number is not None and maximum is not None and number > maximum:
        raise DataError(f"{name} must be an integer <= {maximum}, got {value!r}")
    raise DataError(f"{name} must be an integer >= {minimum}, got {value!r}")


def check_float(name: str, value: object, minimum: float, maximum: float | None = None,
                include_max: bool = True) -> float:
    """Return ``value`` as a float in [minimum, maximum], or raise a DataError naming it."""
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    number = float(value) if isinstance(value, numbers.Real) and is_number else math.nan
    too_big = maximum is not None and (number > maximum or (not include_max and number >= maximum))
    if is_number and math.isfinite(number) and number >= minimum and not too_big:
        return number
    if maximum is None:
        wanted = f"a number >= {minimum:g}"
    elif include_max:
        wanted = f"a number from {minimum:g} to {maximum:g}"
    else:
        wanted = f"a number >= {minimum:g} and below {maximum:g}"
    raise DataError(f"{name} must be {wanted}, got {value!r}")
