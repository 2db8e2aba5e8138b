"""Findings about a training run (pure python: no Qt), shared by the window, the command line
and reports.

- :func:`curve_findings`: what the curves show so far (the hints under the loss plot);
- :func:`diagnose_run`: the verdict on a finished run, starting from the same reading;
- :func:`render`: findings in words for the window, the command line or the plot;
- :mod:`~nnstudio.doctor.thresholds`: every number the two judge by.
"""
from __future__ import annotations

from nnstudio.doctor.curves import curve_findings, loss_trend
from nnstudio.doctor.findings import Finding, Remedy, level
from nnstudio.doctor.render import plain_number, render, sentence
from nnstudio.doctor.verdict import diagnose_run, summarize_run

__all__ = ["Finding", "Remedy", "curve_findings", "diagnose_run", "level", "loss_trend",
           "plain_number", "render", "sentence", "summarize_run"]
