"""One-click experiments: the sweep dialog, its Train-menu entries and the adopt command."""
from nnstudio.ui.experiments.actions import ExperimentActions
from nnstudio.ui.experiments.adopt_command import AdoptSettingsCommand
from nnstudio.ui.experiments.experiments_dialog import ExperimentsDialog

__all__ = ["AdoptSettingsCommand", "ExperimentActions", "ExperimentsDialog"]
