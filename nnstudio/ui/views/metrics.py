"""Loss and accuracy curves, training and validation, with plain-language hints underneath.

Records arrive up to ~1000 times a second (tiny data sets); each one only writes a row into a
preallocated buffer. A single-shot 40 ms timer then redraws the four curves once with
``setData`` (curves are created once), so the GUI cost does not grow with the epoch rate.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.doctor import curve_findings, render
from nnstudio.ui.views.axes import ReadableAxis
from nnstudio.ui.views.doctor_strip import DoctorStripWidget
from nnstudio.ui.views.palette import (
    BACKGROUND,
    BAD_COLOR,
    LABEL_STYLE,
    TRAIN_COLOR,
    VAL_COLOR,
    style_plot,
)
from nnstudio.ui.views.rate_strip import RateStripWidget

REDRAW_MS = 40
# The hint's colours (palette.HINT_STYLE) on the box that holds it and the doctor's buttons.
_HINT_BOX_STYLE = ("#hint_box { background: #FFF6E0; border: 1px solid #E8C77A; border-radius: 4px; }"
                   " QLabel { color: #5A4300; }")
_HINT_TEXT_STYLE = "QLabel { background: transparent; border: none; }"
_KEY_TRAIN = f'<span style="color:{TRAIN_COLOR}">━━</span> training'
_KEY_BOTH = _KEY_TRAIN + f' &nbsp;&nbsp; <span style="color:{VAL_COLOR}">━━</span> validation'
MAX_REDRAW_MS = 300
PAINT_SHARE = 0.2  # painting may take at most ~20 % of the GUI thread while training runs
#: The loss axis turns logarithmic when the loss climbs to more than this factor (3 decades)
#: above its best so far: an exploding run (0.5 -> 10²¹) then shows where it went wrong instead
#: of a flat line and one spike. A falling loss stays linear, however far it falls: that is the
#: curve beginners know, and the demo's axis would otherwise flip shape in the middle of a run.
LOG_SPAN = 1e3
#: The loss plot's and the rate strip's left axes are this wide, so their epochs line up.
AXIS_WIDTH = 46
EMPTY_EPOCHS = (0, 10)  # axes of an empty plot, so no stale range from an earlier run stays
_COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "learning_rate")
_RATE = _COLUMNS.index("learning_rate")


def _value(v) -> float:
    return np.nan if v is None else float(v)


_STEPS = np.array([1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0])


def nice_ceil(v: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 x 10^k that is >= ``v`` (1 for v <= 0)."""
    if not np.isfinite(v) or v <= 0:
        return 1.0
    scale = 10.0 ** np.floor(np.log10(v))
    return float(_STEPS[np.searchsorted(_STEPS, v / scale * (1 - 1e-9))] * scale)


class _TimedPlotWidget(pg.PlotWidget):
    """A PlotWidget that adds up how long it paints (to pace the redraws)."""

    paint_seconds = 0.0  # since MetricsPlotWidget.flush last reset it

    def sizeHint(self):  # noqa: N802 - Qt override
        # QGraphicsView's hint is its scene rect, which grows with the widget: a plot once
        # shown alone would keep claiming the whole row when its neighbour comes back.
        return QSize(300, 200)

    def paintEvent(self, event):  # noqa: N802 - Qt override
        start = time.perf_counter()
        super().paintEvent(event)
        self.paint_seconds += time.perf_counter() - start


class MetricsPlotWidget(QWidget):
    """Two plots side by side: loss (left) and accuracy (right, hidden for regression); under
    the loss, a strip with the learning rate of each epoch once it has changed.

    Attributes
    ----------
    curves : dict[str, pyqtgraph.PlotDataItem]
        ``"train_loss"``, ``"val_loss"``, ``"train_acc"``, ``"val_acc"``, ``"learning_rate"``
        (in :attr:`rate_plot`); x = epoch.
    hints : list of nnstudio.doctor.Finding
        What :func:`nnstudio.doctor.curve_findings` reads from the curves shown.
    hint_label : QLabel
        The hints in plain words; hidden when there are none.
    log_loss : bool
        The loss axis is logarithmic: the loss exploded (rose 3 decades above its best). The
        curves then hold log10 values (``getData``); ``getOriginalDataset`` gives the losses.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._data = np.full((len(_COLUMNS), 256), np.nan)
        self._n = 0
        self._dirty = False
        self._flush_seconds = 0.0
        self.hints = []
        #: The epoch early stopping went back to (its weights are the network's), else None.
        self._kept: int | None = None
        self.log_loss = False  # the loss axis is logarithmic (the loss exploded)

        self.loss_plot = _TimedPlotWidget(background=BACKGROUND,
                                          axisItems={"left": ReadableAxis("left")})
        self.acc_plot = _TimedPlotWidget(background=BACKGROUND)
        self.curves = {}
        for widget, metric, label in ((self.loss_plot, "loss", "loss"),
                                      (self.acc_plot, "acc", "accuracy (%)")):
            item = widget.getPlotItem()
            style_plot(item, bottom="epoch", left=label)
            item.showGrid(x=False, y=False)  # grid lines cost ~40 % of a frame's paint time
            # Room above the axis: a tick label at the very top (log axes end on "1") would
            # otherwise be cut in half by the widget's edge.
            item.setContentsMargins(0, 7, 4, 0)
            # Long runs (10 000+ epochs): draw only what is visible, one point per pixel.
            item.setClipToView(True)
            item.setDownsampling(auto=True, mode="peak")
            for split, color, name in (("train", TRAIN_COLOR, "training"),
                                       ("val", VAL_COLOR, "validation")):
                # Width 1: Qt's raster engine strokes wider antialiased pens ~4x slower
                # (measured 31 vs 7 ms a frame for 3000 epochs), and that time is the GUI's.
                self.curves[f"{split}_{metric}"] = item.plot(
                    [], [], name=name, pen=pg.mkPen(color, width=1), antialias=True,
                    connect="finite")
        # The learning rate of each epoch, under the loss and on its epochs.
        self.rate_plot = RateStripWidget(self.loss_plot, AXIS_WIDTH)
        self.curves["learning_rate"] = self.rate_plot.curve
        self.loss_plot.getPlotItem().getAxis("left").setWidth(AXIS_WIDTH)  # epochs line up
        # Fixed 0..100 %: a curve creeping from 97 to 98 % should not look like a big change.
        self.acc_plot.getPlotItem().enableAutoRange(y=False)
        self.acc_plot.setYRange(0, 104, padding=0)
        # The plots follow the data in steps (_follow_data), not with pyqtgraph's auto range:
        # an axis whose range changes is laid out again in Python, ~2/3 of a redraw's cost,
        # and the auto range itself makes every redraw paint each plot twice. Panning or
        # zooming by hand stops the following; "View all" in the context menu starts it again.
        self._following: dict = {}
        for widget in (self.loss_plot, self.acc_plot):
            view = widget.getPlotItem().getViewBox()
            view.enableAutoRange(False)
            self._following[view] = None  # None: follow; False: moved by hand; else: range shown
            view.sigRangeChangedManually.connect(
                lambda _mask, view=view: self._following.__setitem__(view, False))
        # Where the best validation score was, shown with the overfitting hint.
        self.best_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(VAL_COLOR, width=1,
                                         style=Qt.PenStyle.DashLine),
                                         label="best", labelOpts={
                                             "position": 0.95, "color": VAL_COLOR})
        self.jump_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(BAD_COLOR, width=1,
                                         style=Qt.PenStyle.DotLine))
        for line in (self.best_line, self.jump_line):
            line.setVisible(False)
            self.loss_plot.addItem(line, ignoreBounds=True)

        self.loss_plot.setToolTip(
            "How wrong the network still is, after each epoch (one pass over the training data).\n"
            "Blue: on the data it learns from. Orange: on validation data it never learns from.\n"
            "Both should go down; if only blue keeps falling, it is memorising (overfitting).")
        self.acc_plot.setToolTip(
            "How many samples the network puts in the right class, in percent.\n"
            "Blue: training data. Orange: validation data (the honest score).")

        self.hint_label = QLabel()
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet(_HINT_TEXT_STYLE)
        self.hint_label.setVisible(False)
        self.hint_label.setToolTip("A tip read from the curves above; it goes away when it no "
                                   "longer applies.")
        # The key sits above the plots, not in them, where it hid the newest part of a curve.
        self.key_label = QLabel(_KEY_BOTH)
        self.key_label.setToolTip("Training: the data the network learns from. Validation: data it "
                                  "never learns from, the honest score.")
        plots = QHBoxLayout()
        plots.setContentsMargins(0, 0, 0, 0)
        loss_column = QVBoxLayout()
        loss_column.setContentsMargins(0, 0, 0, 0)
        loss_column.setSpacing(0)
        loss_column.addWidget(self.loss_plot, 1)
        loss_column.addWidget(self.rate_plot)
        plots.addLayout(loss_column, 1)  # equal halves, whatever was shown before
        plots.addWidget(self.acc_plot, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(4)
        layout.addWidget(self.key_label)
        layout.addLayout(plots, 1)
        #: The doctor's fix buttons for what the hints say (filled by the window's doctor).
        self.doctor = DoctorStripWidget()
        # Hint and buttons in one box: two boxes cost the plots ~12 px more at 1366x768.
        self.hint_box = QFrame()
        self.hint_box.setObjectName("hint_box")
        self.hint_box.setStyleSheet(_HINT_BOX_STYLE)
        box = QVBoxLayout(self.hint_box)
        box.setContentsMargins(8, 3, 6, 3)
        box.setSpacing(2)
        box.addWidget(self.hint_label)
        box.addWidget(self.doctor)
        self.hint_box.setVisible(False)
        self.doctor.shown_changed.connect(self._update_hint_box)
        layout.addWidget(self.hint_box)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.flush)

    # ------------------------------------------------------------------ feeding
    @property
    def n_epochs(self) -> int:
        return self._n

    def append(self, record) -> None:
        """Add one ``EpochRecord``. Epochs are numbered after the ones already shown (as the
        project history does), so a second run continues the curves."""
        self._grow(self._n + 1)
        epoch = self._data[0, self._n - 1] + 1 if self._n else 1
        if getattr(record, "epoch", None) == 1:
            self._kept = None  # a new run
        if getattr(record, "restored_epoch", None) is not None:
            self._kept = int(record.restored_epoch)
        self._data[:, self._n] = (epoch, _value(record.train_loss), _value(record.train_acc),
                                  _value(record.val_loss), _value(record.val_acc),
                                  _value(getattr(record, "learning_rate", None)))
        self._n += 1
        self._schedule()

    def set_history(self, history: dict) -> None:
        """Show a saved history (``{"epoch": [...], "train_loss": [...], ...}``) at once."""
        n = len(history.get("epoch", []) or [])
        old, old_n = self._data, self._n
        self._data = np.full((len(_COLUMNS), max(256, n)), np.nan)
        for row, key in enumerate(_COLUMNS):
            values = history.get(key) or []
            if len(values) == n:
                self._data[row, :n] = [_value(v) for v in values]
        if "learning_rate" not in history:
            # Saved histories hold no rates: keep those of the epochs already shown when the
            # history still begins with them (a run's end, an undo that keeps its epochs).
            same = min(n, old_n)
            if same and np.array_equal(old[1, :same], self._data[1, :same], equal_nan=True):
                self._data[_RATE, :same] = old[_RATE, :same]
        kept = self._kept
        if kept is not None and not (n >= kept and old_n >= kept and np.array_equal(
                old[1, :kept], self._data[1, :kept], equal_nan=True)):
            self._kept = None  # other epochs now: not the ones early stopping went back in
        self._n = n
        self._dirty = True
        self.flush()

    def clear(self) -> None:
        self.set_history({})

    def _grow(self, n: int) -> None:
        if n > self._data.shape[1]:
            bigger = np.full((len(_COLUMNS), 2 * self._data.shape[1]), np.nan)
            bigger[:, :self._n] = self._data[:, :self._n]
            self._data = bigger

    def _schedule(self) -> None:
        self._dirty = True
        if not self._timer.isActive():
            # 40 ms normally; slower when painting gets expensive (long histories, slow
            # machines), so that drawing never crowds out the rest of the GUI.
            # What the last redraw cost: flush() itself and every paint it caused.
            cost_ms = 1000 * (self._flush_seconds + self.loss_plot.paint_seconds
                              + self.acc_plot.paint_seconds + self.rate_plot.paint_seconds)
            self._timer.start(int(min(MAX_REDRAW_MS, max(REDRAW_MS, cost_ms / PAINT_SHARE))))

    # ------------------------------------------------------------------ drawing
    def flush(self) -> None:
        """Redraw now if anything arrived since the last redraw (the timer calls this)."""
        self._timer.stop()
        if not self._dirty:
            return
        self._dirty = False
        start = time.perf_counter()
        self.loss_plot.paint_seconds = self.acc_plot.paint_seconds = 0.0
        self.rate_plot.paint_seconds = 0.0
        n = self._n
        x = self._data[0, :n]
        for row, key in enumerate(_COLUMNS[1:_RATE], start=1):
            y = self._data[row, :n]
            if key.endswith("acc"):
                y = y * 100.0
            if np.isfinite(y).any():
                self.curves[key].setData(x, y)
            else:  # no validation data / regression: no curve and no legend confusion
                self.curves[key].setData([], [])
        has_val = bool(np.isfinite(self._data[3, :n]).any()) or n == 0
        self.key_label.setText(_KEY_BOTH if has_val else _KEY_TRAIN)
        has_acc = bool(np.isfinite(self._data[2, :n]).any()) or n == 0
        self.acc_plot.setVisible(has_acc)
        self._update_log_mode(self._data[[1, 3], :n])
        self._update_rates(x, self._data[_RATE, :n])
        if n == 0:
            self._reset_ranges()
        else:
            self._follow_data(n)
        self._update_hints()
        for widget in (self.loss_plot, self.acc_plot, self.rate_plot):
            # Settle ranges and axes now: left to paint time, a range change makes pyqtgraph
            # schedule a second, full paint of the plot.
            widget.getPlotItem().getViewBox().prepareForPaint()
        self._flush_seconds = time.perf_counter() - start

    def _follow_data(self, n: int) -> None:
        """Show epochs 0..nice_ceil(n) and losses 0..nice_ceil(max) (whole decades on a log
        axis): the ranges, and so the axes, change only a few times per decade."""
        x_max = nice_ceil(max(n, EMPTY_EPOCHS[1]))
        losses = self._data[[1, 3], :n]
        losses = losses[np.isfinite(losses)]
        if self.log_loss:
            losses = losses[losses > 0]
            lo, hi = (np.log10(losses.min()), np.log10(losses.max())) if losses.size else (0, 1)
            loss_range = (float(np.floor(lo)), float(max(np.ceil(hi), np.floor(lo) + 1)))
        else:
            loss_range = (0.0, nice_ceil(1.05 * float(losses.max())) if losses.size else 1.0)
        for widget, y_range in ((self.loss_plot, loss_range), (self.acc_plot, None)):
            view = widget.getPlotItem().getViewBox()
            if any(view.autoRangeEnabled()):  # "View all": follow the data again
                view.enableAutoRange(False)
                self._following[view] = None
            target = (x_max, y_range)
            if self._following[view] is not False and self._following[view] != target:
                self._following[view] = target
                view.setRange(xRange=(0.0, x_max), yRange=y_range, padding=0.02)

    def _update_log_mode(self, losses: np.ndarray) -> None:
        log = False
        for row in losses:  # training, validation
            row = row[np.isfinite(row) & (row > 0)]
            if row.size and bool((row > LOG_SPAN * np.minimum.accumulate(row)).any()):
                log = True
        if log != self.log_loss:
            self.log_loss = log
            item = self.loss_plot.getPlotItem()
            item.setLogMode(y=log)
            item.setLabel("left", "loss (log scale)" if log else "loss", **LABEL_STYLE)

    def _update_rates(self, x: np.ndarray, rates: np.ndarray) -> None:
        shown = self.rate_plot.show_rates(x, rates)
        if self.rate_plot.isVisibleTo(self) != shown:
            self.rate_plot.setVisible(shown)
            # One epoch axis for both, under the rate strip.
            self.loss_plot.getPlotItem().showAxis("bottom", not shown)

    def _reset_ranges(self) -> None:
        """Empty plots forget the last run's axes: epochs 0-10, loss 0-1, accuracy 0-100 %."""
        self.rate_plot.forget_range()
        for widget, y_range in ((self.loss_plot, (0, 1)), (self.acc_plot, (0, 104))):
            view = widget.getPlotItem().getViewBox()
            view.setXRange(*EMPTY_EPOCHS, padding=0.02)  # a little air: edge labels show whole
            view.setYRange(*y_range, padding=0.04 if widget is self.loss_plot else 0)
            self._following[view] = None  # follow the data again as it arrives

    def _update_hints(self) -> None:
        """The doctor's reading of the curves so far, the same one the end-of-run verdict
        starts from: memorising marks the best epoch, an overshooting step where it jumped."""
        n = self._n
        # After early stopping went back, the epochs after the kept one are no longer the
        # network's: read the curves up to it, and mark it.
        upto = n if self._kept is None else min(n, self._kept)
        self.hints = curve_findings(*self._data[[0, 1, 3, 4], :upto])
        at = {("best" if f.kind == "overfitting" else "jump"): f.epoch for f in self.hints
              if f.epoch is not None}
        if self._kept is not None and self._kept <= n:
            at["best"] = self._kept
        # Only touch what changed: a new label text re-lays out the widget, a moved line
        # re-renders its HTML label.
        for key, line in (("best", self.best_line), ("jump", self.jump_line)):
            if line.isVisible() != (key in at):
                line.setVisible(key in at)
            if key in at and line.value() != at[key]:
                line.setValue(at[key])
        text = render(self.hints, for_="plot")
        if text != self.hint_label.text():
            self.hint_label.setText(text)
            self.hint_label.setVisible(bool(text))
            self._update_hint_box()

    def _update_hint_box(self) -> None:
        shown = not self.hint_label.isHidden() or not self.doctor.isHidden()
        if self.hint_box.isHidden() == shown:
            self.hint_box.setVisible(shown)
