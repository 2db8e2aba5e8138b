"""Exceptions whose message is shown to the user as is, in plain words."""
from __future__ import annotations


class NNStudioError(Exception):
    """Base class: ``str(err)`` is a complete, plain-language message."""


class DataError(NNStudioError):
    """A data set or data file cannot be used (bad CSV, bad parameters)."""


class ConfigError(NNStudioError):
    """A layer, optimizer or training setting has an invalid value."""


class ProjectError(NNStudioError):
    """A project file is corrupt, foreign or cannot be read or written."""


class Cancelled(NNStudioError):
    """The user cancelled a long operation."""
