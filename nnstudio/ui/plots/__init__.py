"""Training views: loss/accuracy curves, weight histograms, decision map or regression fit,
confusion matrix."""
from __future__ import annotations

from nnstudio.ui.plots.boundary import DecisionBoundaryWidget
from nnstudio.ui.plots.confusion import ConfusionMatrixWidget
from nnstudio.ui.plots.fit import FitViewWidget
from nnstudio.ui.plots.histograms import WeightHistogramWidget
from nnstudio.ui.plots.metrics import MetricsPlotWidget
from nnstudio.ui.plots.panel import TrainingViewsPanel

__all__ = ["DecisionBoundaryWidget", "ConfusionMatrixWidget", "FitViewWidget",
           "WeightHistogramWidget", "MetricsPlotWidget", "TrainingViewsPanel"]
