"""Printing scores for people and for programs: aligned tables and strict JSON.

A regression in real units (house prices of 25,000-190,000) has a mean squared error of
~1e10; printed with ``%.4f`` next to a sample count it read ``109244487656.18`` (60 samples
glued to the MSE). Every score here goes through :func:`format_score` and every table through
:func:`format_table`, which pads columns to their widest cell.
"""
from __future__ import annotations

import json
import math
import textwrap

import numpy as np

#: From here on, thousands separators and about six significant digits (an MAE of 3,984.48, an
#: MSE of 13,502,160,906), which a non-programmer reads more easily than 1.35e+10.
BIG = 1e3
#: Past this, separators make a number too long for a table: scientific notation.
HUGE = 1e12
#: Below this (and above 0), four decimals would print 0.0000: three significant digits.
TINY = 1e-3


def format_score(value, digits: int = 4) -> str:
    """A score for a terminal: ``0.3718``, ``13,502,160,906``, ``2.5e+15``, ``inf``, or ``-``.

    Parameters
    ----------
    value : float or None
        None (the part had no samples) prints ``-``.
    digits : int
        Decimals for ordinary values (losses 4, accuracies 3).
    """
    if value is None:
        return "-"
    value = float(value)
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    size = abs(value)
    if size >= HUGE:
        return f"{value:.6g}"
    if size >= BIG:
        decimals = max(0, min(digits, 6 - len(str(int(size)))))
        return f"{value:,.{decimals}f}"
    if 0 < size < TINY:
        return f"{value:.3g}"
    return f"{value:.{digits}f}"


def format_table(header: list[str], rows: list[list[str]], indent: str = "") -> str:
    """Columns separated by two spaces at least; the first left-aligned, the others right-aligned.

    Parameters
    ----------
    header : list of str, length n_columns
    rows : list of lists of str, each of length n_columns
    indent : str
        Put before every line.
    """
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for row in table:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:])]
        lines.append(indent + "  ".join(cells).rstrip())
    return "\n".join(lines)


def score_table(scores: dict[str, dict], indent: str = "") -> str:
    """The table of :func:`~nnstudio.project.evaluation.evaluate_dataset` results by part name.

    Parts without samples are left out. Classification shows loss and accuracy; regression
    the mean squared error and the mean absolute error (in the units of the target).
    """
    parts = {name: s for name, s in scores.items() if s.get("n_samples")}
    regression = any("mse" in s for s in parts.values())
    if regression:
        header = ["", "samples", "MSE", "MAE"]
        rows = [[name, f"{s['n_samples']:,}", format_score(s["mse"]), format_score(s["mae"])]
                for name, s in parts.items()]
    else:
        header = ["", "samples", "loss", "accuracy"]
        rows = [[name, f"{s['n_samples']:,}", format_score(s["loss"]),
                 format_score(s.get("accuracy"), 3)] for name, s in parts.items()]
    return format_table(header, rows, indent)


def not_finite_note(scores: dict[str, dict]) -> str | None:
    """A plain sentence when a score in ``scores`` is infinite or NaN, else None."""
    parts = [part for part, s in scores.items() if s.get("n_samples") and any(
        isinstance(v, float) and not math.isfinite(v) for k, v in s.items() if k != "n_samples")]
    if not parts:
        return None
    where = " and ".join(parts)
    return (f"The network's outputs overflowed on the {where} data (numbers too large to "
            "compute), so the scores shown as 'inf' or 'nan' mean nothing. Train it again from "
            "fresh weights with a smaller learning rate.")


def wrap(text: str, width: int = 88) -> str:
    """``text`` wrapped for a terminal."""
    return "\n".join(textwrap.wrap(text, width))


# ------------------------------------------------------------------ JSON
def strict_json(value, indent: int | None = 2) -> str:
    """``value`` as strict JSON: NaN and infinity become null, and a ``notes`` list says which.

    Parameters
    ----------
    value : dict
        The result object; a ``notes`` list is added to (or extended in) a copy of it.

    Returns
    -------
    str
        JSON that every parser accepts (Python's ``json`` writes ``Infinity`` / ``NaN``
        by default, which JavaScript, jq and most other readers reject).
    """
    bad: list[str] = []
    clean = _finite(value, "", bad)
    if isinstance(clean, dict):
        clean["notes"] = list(clean.get("notes") or []) + bad
    return json.dumps(clean, indent=indent, allow_nan=False)


def _finite(value, path: str, bad: list[str]):
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isfinite(value):
            return value
        bad.append(f"{path} is null: it was {_kind(value)}")
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {k: _finite(v, f"{path}.{k}" if path else str(k), bad) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        inner: list[str] = []
        clean = [_finite(v, f"{path}[{i}]", inner) for i, v in enumerate(value)]
        if len(inner) > 3:
            # A history list with many bad epochs: one note, not one per epoch.
            bad.append(f"{path}: {len(inner)} of {len(value)} values are null: they were "
                       "infinite or not a number (NaN)")
        else:
            bad.extend(inner)
        return clean
    return value


def _kind(value: float) -> str:
    if math.isnan(value):
        return "not a number (NaN)"
    return "infinite (too large to compute)" if value > 0 else "minus infinity"
