"""Weight histograms: one small plot per Dense or Conv2D layer, the start of the run in grey behind.

Plots are rebuilt only when the layers change (names differ); otherwise each snapshot just
calls ``setData`` on the existing step curves.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.ui.views.axes import ReadableAxis
from nnstudio.ui.views.layout import SnapshotView
from nnstudio.ui.views.palette import BACKGROUND, FOREGROUND, LAYER_COLORS, REFERENCE_COLOR, style_plot

MAX_COLUMNS = 4
CAPTION = ("Filled: the weights now.   Grey dashed outline: at the start of this training run.   "
           "Height: how many weights have that value.")


class WeightHistogramWidget(SnapshotView):
    """How the weights of each layer are spread, and how training moves them.

    Attributes
    ----------
    curves : list of pyqtgraph.PlotDataItem
        One step curve per Dense or Conv2D layer: x = bin edges (n_bins + 1), y = counts (n_bins).
    reference_curves : list of pyqtgraph.PlotDataItem
        The same layers at the start of the run (the worker's epoch-0 snapshot, else the first
        one shown after :meth:`clear`), drawn as a grey outline.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(BACKGROUND)
        self.view.setToolTip(
            "Each small chart shows one layer's weights: how many weights (height) have which "
            "value (left to right).\nGrey outline: at the start of this training run. Watch the "
            "weights spread out as the network learns;\nweights piling up far from zero can "
            "mean the learning rate is too high.")
        caption = QLabel(CAPTION)
        caption.setWordWrap(True)
        caption.setStyleSheet(f"QLabel {{ color: {FOREGROUND}; font-size: 8pt; }}")
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 2)
        page_layout.setSpacing(2)
        page_layout.addWidget(self.view, 1)
        page_layout.addWidget(caption)
        self._add_message_page("Weight charts appear here once training starts.")
        self._stack.addWidget(page)
        self.plots: list[pg.PlotItem] = []
        self.curves: list[pg.PlotDataItem] = []
        self.reference_curves: list[pg.PlotDataItem] = []
        self._names: list[str] = []
        self._reference: list | None = None  # [(name, edges, counts)] at the start of the run

    def clear(self) -> None:
        """Forget the plots and the grey reference (a new network or new data)."""
        self.view.clear()
        self.plots, self.curves, self.reference_curves, self._names = [], [], [], []
        self._reference = None
        self._stack.setCurrentIndex(0)

    def set_reference(self, snapshot) -> None:
        """Use ``snapshot`` (normally the worker's epoch-0 one) as the grey outline."""
        self._reference = list(snapshot.histograms)
        self._draw_reference()

    def show_snapshot(self, snapshot) -> None:
        """Draw ``snapshot.histograms`` (``[(name, edges, counts), ...]``)."""
        names = [name for name, _, _ in snapshot.histograms]
        if names != self._names:
            reference = self._reference
            self.clear()
            self._reference = reference
            self._build(names)
        if snapshot.epoch == 0 or not self._reference_fits():
            self._reference = list(snapshot.histograms)
        for (_, edges, counts), curve in zip(snapshot.histograms, self.curves):
            curve.setData(edges, counts)
        self._draw_reference()
        self._stack.setCurrentIndex(1)

    def _reference_fits(self) -> bool:
        return self._reference is not None and [r[0] for r in self._reference] == self._names

    def _draw_reference(self) -> None:
        if not self._reference_fits():
            return
        for (_, edges, counts), ref in zip(self._reference, self.reference_curves):
            ref.setData(edges, counts)

    def _build(self, names: list[str]) -> None:
        self._names = list(names)
        columns = min(MAX_COLUMNS, max(1, len(names)))
        for i, name in enumerate(names):
            plot = self.view.addPlot(row=i // columns, col=i % columns,
                                     axisItems={"bottom": ReadableAxis("bottom")})
            plot.setTitle(name, color=FOREGROUND, size="9pt")
            style_plot(plot, bottom="weight value", left="count" if i % columns == 0 else None)
            plot.setMouseEnabled(x=False, y=False)
            plot.setMenuEnabled(False)
            color = QColor(LAYER_COLORS[i % len(LAYER_COLORS)])
            fill = QColor(color)
            fill.setAlpha(110)
            curve = plot.plot([0, 1], [0], stepMode="center", fillLevel=0, antialias=True,
                              pen=pg.mkPen(color, width=1.5), brush=pg.mkBrush(fill))
            ref = plot.plot([0, 1], [0], stepMode="center", antialias=True,
                            pen=pg.mkPen(REFERENCE_COLOR, width=1.5, style=Qt.PenStyle.DashLine))
            self.plots.append(plot)
            self.curves.append(curve)
            self.reference_curves.append(ref)
