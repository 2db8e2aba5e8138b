"""The learning rate of each epoch, in a short strip under the loss curve.

Shown once the rate changed (a schedule, the slider moved mid-run, the tenth after a blow-up):
a flat line for a rate that never moved would take room from the loss curve and say nothing.
Logarithmic (schedules multiply the rate), x linked to the loss plot, and it carries the epoch
axis the two share.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize

from nnstudio.ui.views.axes import ReadableAxis, readable_number
from nnstudio.ui.views.palette import BACKGROUND, LABEL_STYLE, style_plot

#: The learning rate's colour: neither training's blue nor validation's orange.
RATE_COLOR = "#59A14F"
#: Height of the strip, with the epoch axis it shares with the loss plot (which then hides
#: its own): two tick labels and the axis.
RATE_PLOT_HEIGHT = 80
#: The strip shows once the rate changed by more than this factor over the shown epochs.
RATE_CHANGED = 1.0001


class RateStripWidget(pg.PlotWidget):
    """The strip; :meth:`show_rates` draws it and says whether it is worth showing.

    Attributes
    ----------
    curve : pyqtgraph.PlotDataItem
        x = epoch, y = log10 of the rate (a log axis: ``getOriginalDataset`` gives the rates).
    paint_seconds : float
        Time spent painting since the owner last reset it (the redraws are paced by it).
    """

    paint_seconds = 0.0

    def __init__(self, loss_plot: pg.PlotWidget, axis_width: int, parent=None):
        super().__init__(parent, background=BACKGROUND, axisItems={"left": ReadableAxis("left")})
        item = self.getPlotItem()
        style_plot(item, left="rate")
        item.showGrid(x=False, y=False)
        item.setContentsMargins(0, 4, 4, 0)
        item.setLabel("bottom", "epoch", **LABEL_STYLE)
        item.setLogMode(y=True)
        item.setXLink(loss_plot.getPlotItem())
        item.setMouseEnabled(x=False, y=False)
        item.getAxis("left").setWidth(axis_width)
        self.setFixedHeight(RATE_PLOT_HEIGHT)
        self.setVisible(False)
        self.curve = item.plot([], [], pen=pg.mkPen(RATE_COLOR, width=1), connect="finite")
        self.setToolTip("The learning rate of each epoch: how big a step each update took.\n"
                        "A schedule lowers it as training goes; so does the doctor after a "
                        "blow-up.")
        self._shown_range: tuple | None = None

    def sizeHint(self):  # noqa: N802 - Qt override: not the scene's size
        return QSize(300, RATE_PLOT_HEIGHT)

    def paintEvent(self, event):  # noqa: N802 - Qt override
        start = time.perf_counter()
        super().paintEvent(event)
        self.paint_seconds += time.perf_counter() - start

    def show_rates(self, x: np.ndarray, rates: np.ndarray) -> bool:
        """Draw ``rates`` (n,) against epochs ``x`` (n,); True when the rate changed (the strip
        is worth showing). The axis spans whole decades and labels only the lowest and the
        highest rate: a log axis's own ticks crowded "0.3 0.4 0.5 ..." into a strip this short."""
        ok = np.isfinite(rates) & (rates > 0)
        changed = bool(ok.any()) and float(rates[ok].max()) > RATE_CHANGED * float(rates[ok].min())
        if not changed:
            if self.curve.getData()[0] is not None and len(self.curve.getData()[0]):
                self.curve.setData([], [])
            return False
        self.curve.setData(x[ok], rates[ok])
        low, high = float(rates[ok].min()), float(rates[ok].max())
        lo, hi = np.log10(low), np.log10(high)
        y_range = (float(np.floor(lo)), float(max(np.ceil(hi), np.floor(lo) + 1)))
        if self._shown_range != (y_range, low, high):
            self._shown_range = (y_range, low, high)
            self.getPlotItem().getViewBox().setYRange(*y_range, padding=0.15)  # labels stay whole
            self.getPlotItem().getAxis("left").setTicks(
                [[(float(np.log10(v)), readable_number(v)) for v in (low, high)]])
        return True

    def forget_range(self) -> None:
        self._shown_range = None
