"""The sub-commands of the ``nnstudio`` command line (see :mod:`nnstudio.cli`)."""
