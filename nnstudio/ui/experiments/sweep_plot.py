"""The sweep's runs overlaid in one plot: one colour per run, a legend, curves made once."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor

#: Okabe & Ito's colour-blind safe colours (no yellow: it vanishes on white).
RUN_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000")

_Y_LABELS = {"val_loss": "validation loss", "train_loss": "training loss",
             "val_acc": "validation accuracy (%)"}


def run_colour(index: int) -> QColor:
    return QColor(RUN_COLOURS[index % len(RUN_COLOURS)])


class SweepPlotWidget(pg.PlotWidget):
    """Per run, ``metric`` per epoch (learning rates), or per training step (data: the runs on
    fewer rows take more epochs for as many steps, so their epochs would not line up)."""

    def __init__(self, parent=None):
        super().__init__(parent, background="w")
        self.setMinimumHeight(220)
        self.showGrid(x=True, y=True, alpha=0.25)
        self._legend = self.addLegend(offset=(-10, 10), labelTextColor="#222",
                                      brush=pg.mkBrush(255, 255, 255, 210), pen=pg.mkPen("#bbb"))
        self._curves: list = []
        self._data: list[tuple[list, list, list]] = []
        self.metric = "val_loss"
        self._steps: list[int] | None = None

    def set_runs(self, labels: list[str], metric: str, steps_per_epoch: list[int] | None = None) -> None:
        """Start afresh with one empty curve per run; with ``steps_per_epoch`` (one per run)
        the x axis counts training steps instead of epochs."""
        for curve in self._curves:
            self.removeItem(curve)
        self._legend.clear()
        self.metric, self._steps = metric, steps_per_epoch
        log = metric.endswith("loss")  # losses span decades: 0.6 at first, 1e-4 when learned
        self.setLogMode(x=False, y=log)
        self.setLabel("left", _Y_LABELS[metric] + (" (log scale)" if log else ""))
        self.setLabel("bottom", "training steps (weight updates)" if steps_per_epoch else "epoch")
        self._curves = []
        self._data = [([], [], [0]) for _ in labels]  # x, y, history entries read so far
        for i, label in enumerate(labels):
            curve = self.plot([], [], pen=pg.mkPen(run_colour(i), width=2), name=label)
            # Thousands of epochs per run: draw about one point per pixel column (peaks kept).
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self._curves.append(curve)

    def show_history(self, index: int, history: dict) -> None:
        """Draw run ``index``'s history (lists per key, see ``RunResult.history``)."""
        xs, ys, done = self._data[index]
        per = self._steps[index] if self._steps else 1
        acc = self.metric.endswith("acc")
        epochs, values = history["epoch"], history[self.metric]
        for k in range(done[0], len(epochs)):  # only what arrived since the last call
            y = values[k]
            if y is None or y != y or (not acc and y <= 0):
                continue  # no score, NaN, or a loss a log axis cannot show
            xs.append(epochs[k] * per)
            ys.append(100.0 * y if acc else y)
        done[0] = len(epochs)
        self._curves[index].setData(xs, ys)

    def curve_data(self, index: int):
        """(x, y) of run ``index``'s curve as drawn (for tests)."""
        return self._curves[index].getData()
