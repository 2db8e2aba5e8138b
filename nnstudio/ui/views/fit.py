"""The regression views: how close the network's numbers are to the true ones.

- 1 feature ("Fit"): the training samples as dots (x across, the true value up) and the
  network's answer for every x as a line, so a person watches the line bend onto the dots.
- More features ("Predicted vs true"): one dot per validation sample, the true value across and
  the network's answer up; a perfect network puts every dot on the dashed diagonal.

Both show the typical error (mean absolute error) in plain words in the title.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from nnstudio.ui.views.axes import ReadableAxis, readable_number
from nnstudio.ui.views.layout import AspectBox, SnapshotView, side_label, swatch
from nnstudio.ui.views.palette import (
    BACKGROUND,
    FOREGROUND,
    LABEL_STYLE,
    REFERENCE_COLOR,
    TRAIN_COLOR,
    class_color,
    style_plot,
)

WAITING = "The network's predictions appear here once training starts."
CURVE_COLOR = "#E15759"  # the network's answer: a strong red line over the blue dots
_MARGIN = 0.15           # of the true values' span: room around the data, not for a runaway line


def _finite(a: np.ndarray) -> np.ndarray:
    """Non-finite values as NaN (drawn as gaps) and huge ones clipped: Qt paths with 1e21
    coordinates draw slowly and wrongly, and such values are far off the visible range anyway."""
    a = np.asarray(a, dtype=np.float64)
    return np.where(np.isfinite(a), np.clip(a, -1e9, 1e9), np.nan)


def _padded(lo: float, hi: float, margin: float = _MARGIN) -> tuple[float, float]:
    pad = max(hi - lo, 1e-6) * margin
    return lo - pad, hi + pad


class FitViewWidget(SnapshotView):
    """The network's numeric answers against the true values (regression data).

    Attributes
    ----------
    mode : str
        ``"curve"`` (1 feature), ``"scatter"`` (more features) or ``""`` (no data).
    points : pyqtgraph.ScatterPlotItem
        curve: training samples (x, true value); scatter: (true, predicted) per sample.
    curves : list of pyqtgraph.PlotDataItem
        curve mode: the network's answer over x, one line per output.
    diagonal : pyqtgraph.PlotDataItem
        scatter mode: the "perfect prediction" line.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget(background=BACKGROUND, axisItems={
            "left": ReadableAxis("left"), "bottom": ReadableAxis("bottom")})
        item = self.plot_widget.getPlotItem()
        style_plot(item)
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("w", width=0.6), antialias=True)
        item.addItem(self.points)
        self.diagonal = item.plot([], [], pen=pg.mkPen(REFERENCE_COLOR, width=1.5,
                                                       style=Qt.PenStyle.DashLine))
        self.curves: list[pg.PlotDataItem] = []
        self._add_message_page(WAITING)
        self.side = side_label()
        # The curve takes the whole width; the scatter stays square, so the diagonal is at
        # 45 degrees and "above the line" reads as "answers too high".
        self.box = AspectBox(self.plot_widget, self.side)
        self._stack.addWidget(self.box)
        self.mode = ""
        self.error_text = ""
        self.off_chart = False  # curve mode: the whole line lies outside the data's range
        self._shift, self._scale = 0.0, 1.0  # scaled x -> the data's own units
        self._y_range: tuple | None = None

    # ------------------------------------------------------------------ data
    def set_data(self, X, y, feature_names=(), scaler=None) -> None:
        """Regression samples ``X`` (n, n_features) as the network sees them, targets ``y``
        (n,) or (n, k). ``scaler`` (the Standardizer ``X`` was scaled with, or None) lets the
        1-feature view show x in the data's own units. ``X`` None = no data yet."""
        self.clear()
        self.points.clear()
        self._y_range = None
        if X is None:
            self.mode = ""
            self.message.setText(WAITING)
            self._stack.setCurrentIndex(0)
            return
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
        names = list(feature_names or [])
        item = self.plot_widget.getPlotItem()
        if y.size:
            self._y_range = _padded(float(np.nanmin(y)), float(np.nanmax(y)))
        if X.shape[1] == 1:
            self.mode = "curve"
            self.box.set_ratio(5.0)
            if scaler is not None:
                self._shift, self._scale = float(scaler.mean[0]), float(scaler.std[0])
            else:
                self._shift, self._scale = 0.0, 1.0
            x = X[:, 0] * self._scale + self._shift
            self._set_points(np.repeat(x, y.shape[1]), y.ravel(), y.shape[1])
            item.setLabel("bottom", names[0] if names else "input", **LABEL_STYLE)
            item.setLabel("left", "value to predict", **LABEL_STYLE)
            self.plot_widget.setToolTip(
                "Dots: the training samples (input across, true value up).\nRed line: what the "
                "network answers for every input. Training bends the line onto the dots.")
            if len(x):
                # Fixed ranges: a line that shoots off (a too-high learning rate) leaves the
                # plot instead of squashing the dots into a flat row.
                item.setRange(xRange=_padded(float(x.min()), float(x.max()), 0.06),
                              yRange=self._y_range, padding=0)
        else:
            self.mode = "scatter"
            self.box.set_ratio(1.0)
            item.setLabel("bottom", "true value", **LABEL_STYLE)
            item.setLabel("left", "network's answer", **LABEL_STYLE)
            self.plot_widget.setToolTip(
                "Each dot is a validation sample: its true value across, the network's answer "
                "up.\nDots on the dashed line are predicted exactly; the farther off, the "
                "bigger the error.")
        self._update_side()
        self.message.setText(WAITING)
        # The dots alone already tell something; the scatter needs the network's answers.
        self._stack.setCurrentIndex(1 if self.mode == "curve" else 0)

    def clear(self) -> None:
        """Drop the network's answers (keep the samples)."""
        for curve in self.curves:
            curve.setData([], [])
        if self.mode == "scatter":
            self.points.clear()
        self.diagonal.setData([], [])
        self.error_text = ""
        self.off_chart = False
        self.plot_widget.setTitle(None)
        if self.mode == "scatter":
            self._stack.setCurrentIndex(0)

    def show_snapshot(self, snapshot) -> None:
        """Draw ``snapshot.fit_curve`` (curve mode) or ``snapshot.predictions`` (scatter mode)
        and the typical error."""
        if self.mode == "curve" and snapshot.fit_curve is not None:
            x, y = snapshot.fit_curve
            y = np.asarray(y).reshape(len(x), -1)
            self._ensure_curves(y.shape[1])
            xs = np.asarray(x, dtype=np.float64) * self._scale + self._shift
            for k, curve in enumerate(self.curves):  # more lines than outputs: empty the rest
                curve.setData(*((xs, _finite(y[:, k])) if k < y.shape[1] else ([], [])),
                              connect="finite")
            lo, hi = self._y_range or (-np.inf, np.inf)
            self.off_chart = not bool(((y >= lo) & (y <= hi)).any())
        elif self.mode == "scatter" and snapshot.predictions is not None:
            true, pred = (np.asarray(a, dtype=np.float64) for a in snapshot.predictions)
            self._set_points(true.ravel(), _finite(pred).ravel(), true.shape[1])
            if self._y_range is not None:
                lo, hi = self._y_range
                self.diagonal.setData([lo, hi], [lo, hi])
                self.plot_widget.getPlotItem().setRange(xRange=(lo, hi), yRange=(lo, hi),
                                                        padding=0)
        else:
            return
        self._show_error(snapshot)
        self._stack.setCurrentIndex(1)

    # ------------------------------------------------------------------ internals
    def _set_points(self, x: np.ndarray, y: np.ndarray, n_targets: int) -> None:
        ok = np.isfinite(x) & np.isfinite(y)
        if n_targets == 1:
            self.points.setData(x[ok], y[ok], brush=pg.mkBrush(TRAIN_COLOR))
            return
        brushes = [pg.mkBrush(class_color(k)) for k in range(n_targets)]
        target = np.tile(np.arange(n_targets), len(x) // n_targets)
        self.points.setData(x[ok], y[ok], brush=[brushes[t] for t in target[ok]])

    def _ensure_curves(self, n: int) -> None:
        item = self.plot_widget.getPlotItem()
        while len(self.curves) < n:
            color = CURVE_COLOR if not self.curves else class_color(len(self.curves)).darker(130)
            self.curves.append(item.plot([], [], pen=pg.mkPen(color, width=2.5), antialias=True))

    def _show_error(self, snapshot) -> None:
        mae = snapshot.mean_abs_error
        if mae is None:
            self.error_text = ""
            self.plot_widget.setTitle(None)
        else:
            self.error_text = f"Typical error ({snapshot.error_split}): {readable_number(mae)}"
            self.plot_widget.setTitle(self.error_text, color=FOREGROUND, size="10pt")
            rmse = readable_number(snapshot.rms_error)
            self.plot_widget.getPlotItem().titleLabel.setToolTip(
                f"Mean absolute error on the {snapshot.error_split} data: on average the "
                f"network's answer is {readable_number(mae)} away from the true value.\n"
                f"Root mean square error (punishes big misses more): {rmse}.")
        self._update_side(snapshot.error_split if mae is not None else None)

    def _update_side(self, error_split: str | None = None) -> None:
        if self.mode == "curve":
            line = "<b>Line</b>: the network's answer"
            text = (f"{swatch(TRAIN_COLOR, '<b>Dots</b>: training samples')}<br>"
                    f"{swatch(CURVE_COLOR, line)}<br><br>"
                    "Training bends the line onto the dots. A line that wiggles through "
                    "every dot has learned the noise by heart.")
        else:
            text = ("<b>Dots</b>: validation samples, the true value across and the network's "
                    "answer up.<br><br><b>Dashed line</b>: perfect answers. The closer the dots "
                    "lie to it, the better.")
        if self.mode == "curve" and self.off_chart:
            text += ("<br><br><b>The line is off the chart</b>: the network's answers are far "
                     "from every true value, often because the learning rate is too high.")
        if error_split:
            text += ("<br><br><b>Typical error</b>: how far, on average, the network's answer "
                     f"is from the true value ({error_split} data).")
        self.side.setText(text)
