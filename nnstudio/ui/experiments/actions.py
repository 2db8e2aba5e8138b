"""The Train menu's "Which learning rate?…" and "Would more data help?…"."""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from nnstudio.ui.experiments.experiments_dialog import ExperimentsDialog

#: Why the experiments wait while a run trains: they need the cores it uses.
BUSY = "Stop training first: the experiments train several copies of the network at once, on every core."
TIPS = {"rates": "Five short runs at rates from 1/100 to 100 times yours, side by side, and which "
                 "one learned best",
        "data": "Short runs on 10, 25, 50 and 100 % of the training rows, and whether more rows "
                "would likely help"}


class ExperimentActions(QObject):
    """Adds the two entries to ``menu`` and opens the dialog; disabled while training runs."""

    def __init__(self, window, menu):
        super().__init__(window)
        self._window = window
        self.dialog: ExperimentsDialog | None = None
        self.actions: dict[str, QAction] = {}
        menu.addSeparator()
        for kind, text, key in (("rates", "Which learning rate?…", "Ctrl+Shift+L"),
                                ("data", "Would more data help?…", "Ctrl+Shift+D")):
            action = QAction(text, window)
            action.setShortcut(key)
            action.triggered.connect(lambda _checked=False, k=kind: self.open(k))
            menu.addAction(action)
            self.actions[kind] = action
        window.runner.state_changed.connect(self._on_runner_state)
        self._on_runner_state(window.runner.state)

    def _on_runner_state(self, state: str) -> None:
        idle = state == "idle"
        for kind, action in self.actions.items():
            action.setEnabled(idle)
            tip = TIPS[kind] + f" ({action.shortcut().toString()})"
            action.setToolTip(tip if idle else BUSY)
            action.setStatusTip(TIPS[kind] if idle else BUSY)

    def open(self, kind: str) -> ExperimentsDialog | None:
        """Open the dialog for ``kind`` ("rates" or "data") and start it; None when the project
        cannot be swept (the reason goes to the message bar)."""
        ctl = self._window.ctl
        if self._window.runner.state != "idle":
            ctl.message_posted.emit(BUSY, "warning")
            return None
        dialog = ExperimentsDialog(ctl, kind, self._window)
        if not dialog.start():
            dialog.deleteLater()
            return None
        self.dialog = dialog
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()  # window-modal: no Train, no edits while the runs use the cores
        return dialog
