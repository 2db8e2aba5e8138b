"""Training runs for the window, in a child process; Qt-free.

- :mod:`~nnstudio.trainer.snapshots`: what the views show of a network at one moment.
- :mod:`~nnstudio.trainer.driver`: the loop in the child (``fit`` + commands + messages).
- :mod:`~nnstudio.trainer.process`: starting the child and talking to it.
"""
from nnstudio.trainer.driver import Job, choose_report_every
from nnstudio.trainer.process import TrainerProcess, warm_up
from nnstudio.trainer.snapshots import TrainingSnapshot, boundary_grid_for, make_snapshot, snapshot_for

__all__ = ["Job", "TrainerProcess", "TrainingSnapshot", "boundary_grid_for", "choose_report_every",
           "make_snapshot", "snapshot_for", "warm_up"]
