"""Findings about a training run (pure python: no Qt), shared by the window, the command line
and reports.

- :func:`curve_findings`: what the curves show so far (the hints under the loss plot);
- :func:`diagnose_run`: the verdict on a finished run, starting from the same reading;
- :func:`render`: findings in words for the window, the command line or the plot;
- :func:`live_findings`: the rules cheap enough to run every few epochs (exploded, the
  curves, flat, too little data); :func:`after_run_findings` adds what needs the network
  (dead ReLU neurons, :func:`dead_relu_share`);
- :mod:`~nnstudio.doctor.fixes`: one-click fixes (:class:`Fix`, :func:`fixes_for`) and
  :mod:`~nnstudio.doctor.prove`: :func:`prove_fix`, a run with and one without a fix;
- :mod:`~nnstudio.doctor.run_end`: a run its stop rule ended (:class:`RunEnd`,
  :func:`run_end_of` the last epoch record): the verdict judges the weights early stopping
  kept and says so;
- :mod:`~nnstudio.doctor.thresholds`: every number the rules judge by.
"""
from __future__ import annotations

from nnstudio.doctor.curves import curve_findings, loss_trend
from nnstudio.doctor.findings import Finding, Remedy, level
from nnstudio.doctor.fixes import Fix, fixes_for, settings_of
from nnstudio.doctor.live import after_run_findings, exploded_finding, live_findings
from nnstudio.doctor.neurons import DeadReLUs, dead_relu_share
from nnstudio.doctor.prove import (
           Proof,
           ProofRun,
           ProofSetup,
           prove_fix,
           setup_from_project,
           setup_from_session,
)
from nnstudio.doctor.render import plain_number, render, sentence
from nnstudio.doctor.run_end import RunEnd, run_end_of
from nnstudio.doctor.verdict import diagnose_run, summarize_run

__all__ = ["DeadReLUs", "Finding", "Fix", "Proof", "ProofRun", "ProofSetup", "Remedy",
           "RunEnd", "after_run_findings", "curve_findings", "dead_relu_share", "diagnose_run",
           "exploded_finding", "fixes_for", "level", "live_findings", "loss_trend", "plain_number",
           "prove_fix", "render", "run_end_of", "sentence", "settings_of", "setup_from_project",
           "setup_from_session", "summarize_run"]
