"""``python -m nnstudio``: the same as the ``nnstudio`` command."""
from __future__ import annotations

# The guard matters: on Windows the trainer's child processes re-import this module as
# ``__mp_main__``; run unguarded, each child would open another window.
if __name__ == "__main__":
    import multiprocessing

    # First of all: a frozen build re-executes itself for child processes (see cli.main).
    multiprocessing.freeze_support()

    from nnstudio.cli import main

    raise SystemExit(main())
