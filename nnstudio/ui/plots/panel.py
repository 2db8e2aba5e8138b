"""The training views in tabs: curves, weight histograms, decision map, confusion matrix.

The window connects the worker's signals to :meth:`TrainingViewsPanel.on_epoch` and
:meth:`TrainingViewsPanel.on_snapshot`. Snapshots are drawn only on the visible tab; the others
keep the latest one and draw it when they are opened, so hidden views cost nothing.
"""
from __future__ import annotations

from PySide6.QtWidgets import QTabWidget

from nnstudio.ui.plots.boundary import DecisionBoundaryWidget
from nnstudio.ui.plots.confusion import ConfusionMatrixWidget
from nnstudio.ui.plots.histograms import WeightHistogramWidget
from nnstudio.ui.plots.metrics import MetricsPlotWidget


class TrainingViewsPanel(QTabWidget):
    """Tabs "Loss & accuracy", "Weights", "Decision map", "Confusion matrix"."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDocumentMode(True)
        self.metrics = MetricsPlotWidget()
        self.histograms = WeightHistogramWidget()
        self.boundary = DecisionBoundaryWidget()
        self.confusion = ConfusionMatrixWidget()
        tabs = (
            # "&&" shows one "&" (a single one would mark a keyboard shortcut).
            (self.metrics, "Loss && accuracy",
             "How the error (loss) and the share of right answers change, epoch after epoch."),
            (self.histograms, "Weights",
             "How the network's weights are spread in each layer, and how training moves them."),
            (self.boundary, "Decision map",
             "For data with 2 features: which class the network answers at every point."),
            (self.confusion, "Confusion matrix",
             "Which classes the network gets right, and which it mixes up (validation data)."),
        )
        for index, (widget, title, tip) in enumerate(tabs):
            self.addTab(widget, title)
            self.setTabToolTip(index, tip)
        self._snapshot = None
        self._drawn: set[int] = set()  # tabs that already show the latest snapshot
        self.currentChanged.connect(self._on_tabs_current_changed)

    # ------------------------------------------------------------------ worker -> views
    def on_epoch(self, record) -> None:
        """Slot for ``TrainerWorker.epoch_finished``: only buffers; the curves redraw on a timer."""
        self.metrics.append(record)

    def on_snapshot(self, snapshot) -> None:
        """Slot for ``TrainerWorker.snapshot_ready``: draw it on the visible tab only."""
        self._snapshot = snapshot
        self._drawn.clear()
        if snapshot.epoch == 0:  # the start of a run: the weight charts' grey outline
            self.histograms.set_reference(snapshot)
        self._draw_current()

    # ------------------------------------------------------------------ project -> views
    def set_history(self, history: dict) -> None:
        """Show a saved history (the project's ``history`` dict)."""
        self.metrics.set_history(history)

    def set_dataset(self, data) -> None:
        """Show the samples a network trains on: a ``Dataset`` (``X``, ``y``, ``class_names``;
        the scaled training split), or None."""
        if data is None:
            self.boundary.set_data(None, None, [])
            self.confusion.set_class_names(None)
        else:
            names = list(getattr(data, "class_names", []) or [])
            self.boundary.set_data(data.X, data.y, names)
            self.confusion.set_class_names(names)
        self.clear_snapshot()

    def clear(self) -> None:
        """Empty every view (new network, new data or weights reset)."""
        self.metrics.clear()
        self.clear_snapshot()

    def clear_snapshot(self) -> None:
        """Forget the pictures of the weights (history stays)."""
        self._snapshot = None
        self._drawn.clear()
        self.histograms.clear()
        self.boundary.clear()
        self.confusion.clear()

    # ------------------------------------------------------------------ internals
    def _draw_current(self) -> None:
        index = self.currentIndex()
        widget = self.widget(index)
        if self._snapshot is None or index in self._drawn or widget is self.metrics:
            return
        widget.show_snapshot(self._snapshot)
        self._drawn.add(index)

    def _on_tabs_current_changed(self, index: int) -> None:
        self._draw_current()
