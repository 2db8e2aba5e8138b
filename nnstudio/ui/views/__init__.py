"""Training views: loss/accuracy curves, weight histograms, decision map or regression fit,
confusion matrix."""
from __future__ import annotations

from nnstudio.ui.views.boundary import DecisionBoundaryWidget
from nnstudio.ui.views.confusion import ConfusionMatrixWidget
from nnstudio.ui.views.fit import FitViewWidget
from nnstudio.ui.views.histograms import WeightHistogramWidget
from nnstudio.ui.views.metrics import MetricsPlotWidget
from nnstudio.ui.views.panel import TrainingViewsPanel

__all__ = ["DecisionBoundaryWidget", "ConfusionMatrixWidget", "FitViewWidget",
           "WeightHistogramWidget", "MetricsPlotWidget", "TrainingViewsPanel"]
