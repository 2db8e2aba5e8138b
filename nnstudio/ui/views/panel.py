"""The training views in tabs: curves, weight histograms, decision map, confusion matrix.

The window connects the controller's ``epoch_recorded`` to :meth:`TrainingViewsPanel.on_epoch`
and the training runner's ``snapshot_ready`` to :meth:`TrainingViewsPanel.on_snapshot`.
Snapshots are drawn only on the visible tab; the others keep the latest one and draw it when
they are opened, so hidden views cost nothing.

The third tab shows what the network answers, in the form that suits the data: the decision
map for classification ("Decision map"), the network's curve through the samples for
regression with 1 feature ("Fit"), predicted against true values for regression with more
features ("Predicted vs true"). A named tab says what it holds; a neutral "Prediction map"
would need its tooltip read before a beginner knows which picture to expect.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QTabWidget

from nnstudio.ui.views.boundary import DecisionBoundaryWidget
from nnstudio.ui.views.confusion import NEEDS_CLASSES, ConfusionMatrixWidget
from nnstudio.ui.views.fit import FitViewWidget
from nnstudio.ui.views.histograms import WeightHistogramWidget
from nnstudio.ui.views.metrics import MetricsPlotWidget
from nnstudio.ui.views.proof_view import ProofViewWidget

PREDICTION_TAB = 2
_PREDICTION_TABS = {
    "decision": ("Decision map",
                 "For data with 2 features: which class the network answers at every point."),
    "fit": ("Fit", "The network's answer for every input, drawn as a line through the samples."),
    "scatter": ("Predicted vs true",
                "The network's answer against the true value for each validation sample."),
}


class TrainingViewsPanel(QTabWidget):
    """Tabs "Loss & accuracy", "Weights", a prediction view, "Confusion matrix", and "Did it
    help?" (the proof of a doctor's fix; hidden until one is tried).

    The prediction tab (index 2) holds :attr:`boundary` ("Decision map", classification) or
    :attr:`fit` ("Fit" / "Predicted vs true", regression), switched by :meth:`set_dataset`;
    it is hidden for pictures.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDocumentMode(True)
        self.metrics = MetricsPlotWidget()
        self.histograms = WeightHistogramWidget()
        self.boundary = DecisionBoundaryWidget()
        self.fit = FitViewWidget(self)  # owned here while another view holds the tab
        self.fit.hide()
        self.confusion = ConfusionMatrixWidget()
        #: "Did it help?": the proof of the doctor's last fix (a tab once a fix was pressed).
        self.proof = ProofViewWidget()
        tabs = (
            # "&&" shows one "&" (a single one would mark a keyboard shortcut).
            (self.metrics, "Loss && accuracy",
             "How the error (loss) and the share of right answers change, epoch after epoch."),
            (self.histograms, "Weights",
             "How the network's weights are spread in each layer, and how training moves them."),
            (self.boundary, *_PREDICTION_TABS["decision"]),
            (self.confusion, "Confusion matrix",
             "Which classes the network gets right, and which it mixes up (validation data)."),
        )
        for index, (widget, title, tip) in enumerate(tabs):
            self.addTab(widget, title)
            self.setTabToolTip(index, tip)
        index = self.addTab(self.proof, "Did it help?")
        self.setTabToolTip(index, "The doctor's last fix tried out: training without and with it, "
                                  "from the same start, overlaid.")
        self.setTabVisible(index, False)
        self._snapshot = None
        self._drawn: set[int] = set()  # tabs that already show the latest snapshot
        self.currentChanged.connect(self._on_tabs_current_changed)

    # ------------------------------------------------------------------ worker -> views
    def on_epoch(self, record) -> None:
        """Slot for ``ProjectController.epoch_recorded``: only buffers; the curves redraw on a timer."""
        self.metrics.append(record)

    def on_snapshot(self, snapshot) -> None:
        """Slot for ``TrainingRunner.snapshot_ready``: draw it on the visible tab only."""
        self._snapshot = snapshot
        self._drawn.clear()
        if snapshot.epoch == 0:  # the start of a run: the weight charts' grey outline
            self.histograms.set_reference(snapshot)
        self._draw_current()

    # ------------------------------------------------------------------ project -> views
    def set_history(self, history: dict) -> None:
        """Show a saved history (the project's ``history`` dict)."""
        self.metrics.set_history(history)

    def set_dataset(self, data, scaler=None) -> None:
        """Show the samples a network trains on: a ``Dataset`` (``X``, ``y``, ``class_names``,
        ``task``, ``feature_names``; the scaled training split), or None. ``scaler`` (the
        Standardizer ``X`` was scaled with, or None) lets the "Fit" view show x in the data's
        own units."""
        pictures = False
        if data is None:
            self.boundary.set_data(None, None, [])
            self.confusion.set_class_names(None)
            self.setTabVisible(self.indexOf(self.confusion), True)
            self._use_prediction_view("decision")
        else:
            names = list(getattr(data, "class_names", []) or [])
            task = getattr(data, "task", None) or ("classification" if names else "regression")
            self.confusion.set_class_names(names)
            # Numbers to predict have no classes to confuse: no tab that can only say so.
            self.setTabVisible(self.indexOf(self.confusion), task != "regression")
            if task == "regression":
                self.fit.set_data(data.X, data.y, getattr(data, "feature_names", ()), scaler)
                self.boundary.set_data(None, None, [])
                kind = "fit" if np.shape(data.X)[-1] == 1 else "scatter"
                self._use_prediction_view(kind)
                self.confusion.message.setText(
                    f"{NEEDS_CLASSES} The “{_PREDICTION_TABS[kind][0]}” tab shows how close "
                    "the network's answers are.")
            else:
                pictures = np.ndim(data.X) > 2  # (n, H, W, C): no 2-feature plane to map
                self.boundary.set_data(None if pictures else data.X, data.y, names)
                self.fit.set_data(None, None)
                self._use_prediction_view("decision")
        self._show_prediction_tab(not pictures)
        self.clear_snapshot()

    def _show_prediction_tab(self, show: bool) -> None:
        """Show or hide the third tab; pictures have no decision map (the "Pictures" tab shows
        what the network answers for them)."""
        if not show and self.currentIndex() == PREDICTION_TAB:
            self.setCurrentWidget(self.metrics)
        self.setTabVisible(PREDICTION_TAB, show)

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
        self.fit.clear()
        self.confusion.clear()

    def hide_proof_tab(self) -> None:
        """Hide "Did it help?" (new data: the last proof was about other data)."""
        index = self.indexOf(self.proof)
        if self.currentIndex() == index:
            self.setCurrentWidget(self.metrics)
        self.setTabVisible(index, False)

    def show_proof_tab(self) -> None:
        """Show and open the "Did it help?" tab (a fix is being tried out)."""
        self.setTabVisible(self.indexOf(self.proof), True)
        self.setCurrentWidget(self.proof)

    # ------------------------------------------------------------------ internals
    def _use_prediction_view(self, kind: str) -> None:
        """Put the view for ``kind`` ("decision", "fit", "scatter") in the third tab."""
        widget = self.boundary if kind == "decision" else self.fit
        title, tip = _PREDICTION_TABS[kind]
        if self.widget(PREDICTION_TAB) is not widget:
            current = self.currentIndex()
            self.blockSignals(True)  # a tab swap is not the user changing tabs
            self.removeTab(PREDICTION_TAB)
            self.insertTab(PREDICTION_TAB, widget, title)
            self.setCurrentIndex(current)
            self.blockSignals(False)
            self._drawn.discard(PREDICTION_TAB)
        self.setTabText(PREDICTION_TAB, title)
        self.setTabToolTip(PREDICTION_TAB, tip)

    def _draw_current(self) -> None:
        index = self.currentIndex()
        widget = self.widget(index)
        if self._snapshot is None or index in self._drawn or widget in (self.metrics, self.proof):
            return
        widget.show_snapshot(self._snapshot)
        self._drawn.add(index)

    def _on_tabs_current_changed(self, index: int) -> None:
        self._draw_current()
