"""One training step under a magnifying glass, without Qt: the window's step-through panel
and ``nnstudio step`` share it.

:func:`walk_step` / :func:`walk_session_step` work out one sample's step with the engine's
own numbers (:class:`StepWalk`: six :class:`Stage` captions, the arithmetic of any neuron or
weight); :func:`apply_step` makes it for real and :func:`undo_step` takes it back;
:func:`check_gradient` and :func:`nudge` answer "is this gradient right?" and "what does this
weight do?"; :func:`worksheet_csv` / :func:`worksheet_html` print every number for a lesson.
"""
from __future__ import annotations

from nnstudio.explain.apply import AppliedStep, GradientCheck, apply_step, check_gradient, nudge, undo_step
from nnstudio.explain.arithmetic import NeuronMath, OutputMath
from nnstudio.explain.chain import WeightMath
from nnstudio.explain.walk import STAGE_KEYS, Stage, StepWalk, walk_session_step, walk_step
from nnstudio.explain.worksheet import worksheet_csv, worksheet_html

__all__ = [
    "AppliedStep", "GradientCheck", "apply_step", "check_gradient", "nudge", "undo_step",
    "NeuronMath", "OutputMath", "WeightMath", "STAGE_KEYS", "Stage", "StepWalk",
    "walk_session_step", "walk_step", "worksheet_csv", "worksheet_html",
]
