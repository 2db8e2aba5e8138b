"""Findings about a training run in plain words (pure python: no Qt), shared by the window
and the command line."""
from __future__ import annotations

from nnstudio.doctor.verdict import summarize_run

__all__ = ["summarize_run"]
