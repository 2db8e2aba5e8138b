"""Imported first in the trainer processes' forkserver, before numpy: one BLAS thread.

Only small networks train in a child (see ``nnstudio.trainer.process.runs_in_child``); their matrix
products gain nothing from a second BLAS thread, and OpenBLAS's idle threads spin for a while
after each call, taking the CPU from the window on a 2-core laptop (30-60 ms paint stalls).
Kept outside ``nnstudio.trainer``, whose ``__init__`` imports numpy.
"""
import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
