"""The magnifying glass's state: which sample, which stage, what is clicked, and the step's
numbers (a :class:`~nnstudio.explain.StepWalk` from the Qt-free :mod:`nnstudio.explain`).

One object read by the panel and the canvas, so they never disagree about what is shown; it
recomputes the walk when the sample, the weights, the network or the settings change (not
while a run trains: then the run owns the weights).
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from nnstudio.errors import NNStudioError
from nnstudio.explain import walk_session_step
from nnstudio.explain.numbers import num
from nnstudio.ui.lesson import overlay as overlays
from nnstudio.ui.network.canvas_sample import SampleOverlay
from nnstudio.ui.undo_commands import ApplyStepCommand

STAGES = ("input", "layers", "output", "loss", "backward", "update")


class Magnifier(QObject):
    """Holds the step of the chosen sample and what the teacher is looking at.

    Parameters
    ----------
    ctl : ProjectController
    runner : TrainingRunner
        Its state decides whether the step may be applied (idle or paused, not running).
    """

    #: The walk, the stage or the selection changed: panels and the canvas redraw.
    changed = Signal()

    def __init__(self, ctl, runner, parent=None):
        super().__init__(parent)
        self._ctl, self._runner = ctl, runner
        self.walk = None
        #: Why there is no walk, in plain words ("" when there is one).
        self.problem = ""
        self.stage = 0
        #: ("neuron", layer, j), ("weight", layer, i, j), ("layer", layer) or None.
        self.selection: tuple | None = None
        self.active = False  # the panel is on show: only then is the walk kept current
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(0)
        self._refresh.timeout.connect(self.refresh)
        for sig in (ctl.sample_chosen, ctl.network_changed, ctl.dataset_changed,
                    ctl.settings_changed):
            sig.connect(self._refresh_soon)
        ctl.weights_changed.connect(self._on_ctl_weights_changed)
        runner.state_changed.connect(self._refresh_soon)

    # ------------------------------------------------------------------ reading
    @property
    def stage_key(self) -> str:
        return STAGES[self.stage]

    @property
    def running(self) -> bool:
        return self._runner.state == "running"

    def apply_problem(self) -> str:
        """Why Apply this step cannot be pressed now, in plain words ("" when it can)."""
        if self.running:
            return "Training is running: pause it (Space) to look at one sample's step."
        if self.walk is None:
            return self.problem or "Choose a sample first."
        return ""

    # ------------------------------------------------------------------ changing
    def set_active(self, active: bool) -> None:
        self.active = bool(active)
        self._refresh_soon()

    def set_stage(self, stage: int) -> None:
        stage = max(0, min(len(STAGES) - 1, int(stage)))
        if stage != self.stage:
            self.stage = stage
            self.changed.emit()

    def next_stage(self) -> bool:
        """One stage on; False at the last one."""
        if self.stage >= len(STAGES) - 1:
            return False
        self.set_stage(self.stage + 1)
        return True

    def back_stage(self) -> None:
        self.set_stage(self.stage - 1)

    def select(self, selection: tuple | None) -> None:
        if selection != self.selection:
            self.selection = selection
            self.changed.emit()

    def _on_ctl_weights_changed(self) -> None:
        if not self._ctl.training_active:  # while training the run owns the weights
            self._refresh_soon()

    def _refresh_soon(self, *_args) -> None:
        self._refresh.start()

    def refresh(self) -> None:
        """Recompute the step from the network as it is now."""
        self._refresh.stop()
        ctl = self._ctl
        walk, problem = None, ""
        if not self.active:
            pass
        elif ctl.network is None or ctl.scaled_split is None:
            problem = "Choose a data set and build a network first."
        elif ctl.chosen_sample < 0:
            problem = ("Choose a sample: click a dot in the data plot or a row in the data "
                       "table, or pick one here with Sample # or Random sample.")
        elif self.running:
            problem = "Training is running: pause it (Space) to look at one sample's step."
        elif ctl.output_issue():
            problem = f"The network cannot take a step yet: {ctl.output_issue()}"
        else:
            try:
                walk = walk_session_step(ctl.session, ctl.chosen_sample)
            except NNStudioError as exc:
                problem = str(exc)
        if walk is not None and self.selection is not None and not _still_valid(self.selection, walk):
            self.selection = None
        if walk is None and self.walk is None and problem == self.problem:
            return  # nothing to show before or after (e.g. closed while the weights change)
        self.walk, self.problem = walk, problem
        self.changed.emit()

    # ------------------------------------------------------------------ acting
    def apply(self) -> bool:
        """Perform the step on the network (undoable, Ctrl+Z); True when applied."""
        problem = self.apply_problem()
        ctl = self._ctl
        if problem:
            ctl.message_posted.emit(problem, "warning")
            return False
        if ctl.training_active:  # paused: the run holds its own copy of the weights
            if not ctl.confirm_stop_training():
                return False
            self.refresh()  # from the weights the run stopped at
            if self.walk is None:
                return False
        try:
            command = ApplyStepCommand(ctl, self.walk)
        except NNStudioError as exc:
            ctl.message_posted.emit(str(exc), "error")
            self.refresh()
            return False
        walk = self.walk
        ctl.undo_stack.push(command)
        # The canvas and the curves barely move for one sample: say what the step did.
        before, after = num(walk.loss), num(walk.loss_after)
        went = (f"stayed at {after}" if before == after else
                f"{'fell' if walk.loss_after < walk.loss else 'rose'} from {before} to {after}")
        ctl.message_posted.emit(f"Applied the step of sample #{walk.sample_index}: its loss "
                                f"{went}. Ctrl+Z undoes it.", "info")
        self.refresh()
        return True

    def overlay(self) -> SampleOverlay | None:
        """What the canvas shows now (None: no sample, or training runs)."""
        if self.walk is None or not self.active:
            return None
        return overlays.build(self.walk, self.stage_key, self.selection, self._ctl.network)


def _still_valid(selection: tuple, walk) -> bool:
    """Whether ``selection`` names something in ``walk``'s network (an edit may remove it)."""
    layers = walk.trace.layers
    kind, layer = selection[0], selection[1]
    if not -1 <= layer < len(layers) or (kind == "weight" and layer < 0):
        return False
    if kind == "neuron":
        size = np.size(layers[0].input) if layer < 0 else np.size(layers[layer].output)
        return 0 <= selection[2] < size
    if kind == "weight":
        lt = layers[layer]
        i, j = selection[2], selection[3]
        return lt.kind == "Dense" and -1 <= i < np.size(lt.input) and 0 <= j < np.size(lt.output)
    return True
