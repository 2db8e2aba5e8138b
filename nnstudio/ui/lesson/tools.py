"""The magnifying glass's extras for the selected weight: check its gradient against finite
differences, nudge its value and watch this sample's loss move (nothing changes until Apply),
and export the whole step as a worksheet."""
from __future__ import annotations

import html
import os

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from nnstudio.errors import NNStudioError
from nnstudio.explain import check_gradient, nudge, worksheet_csv, worksheet_html
from nnstudio.explain.numbers import num, percent
from nnstudio.ui.lesson.details import probabilities

#: Slider steps over the nudge range.
STEPS = 400


class WeightToolsWidget(QWidget):
    """Check this gradient and Nudge a weight, for the weight the magnifier has selected."""

    def __init__(self, ctl, magnifier, parent: QWidget | None = None):
        super().__init__(parent)
        self._ctl, self._mag = ctl, magnifier
        self._param: tuple[str, tuple[int, ...]] | None = None
        self._base = 0.0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.check_button = QPushButton("Check this gradient")
        self.check_button.setToolTip("Compare the gradient backpropagation found for this weight "
                                     "with a finite-difference estimate (move the weight a tiny "
                                     "bit each way and measure the loss).")
        self.check_button.clicked.connect(self.check)
        self.check_result = QLabel()
        self.check_result.setWordWrap(True)
        self.check_result.setTextFormat(Qt.RichText)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Nudge this weight:"), 0, 0)
        self.value = QDoubleSpinBox()
        self.value.setDecimals(4)
        self.value.setRange(-1e6, 1e6)
        self.value.setSingleStep(0.01)
        self.value.setKeyboardTracking(False)
        self.value.setToolTip("Try another value for this weight: this sample's loss and output "
                              "below follow at once. The network itself changes only with "
                              "Apply this step.")
        self.value.valueChanged.connect(self._on_value_changed)
        grid.addWidget(self.value, 0, 1)
        self.reset_button = QPushButton("Back to its value")
        self.reset_button.clicked.connect(lambda: self.value.setValue(self._base))
        grid.addWidget(self.reset_button, 0, 2)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, STEPS)
        self.slider.setToolTip(self.value.toolTip())
        self.slider.valueChanged.connect(self._on_slider_moved)
        grid.addWidget(self.slider, 1, 0, 1, 3)
        self.nudge_result = QLabel()
        self.nudge_result.setWordWrap(True)
        self.nudge_result.setTextFormat(Qt.RichText)
        top = QHBoxLayout()
        top.addWidget(self.check_button)
        top.addStretch(1)
        lay.addLayout(top)
        lay.addWidget(self.check_result)
        lay.addLayout(grid)
        lay.addWidget(self.nudge_result)

    # ------------------------------------------------------------------ the selected weight
    def show_weight(self, param: tuple[str, tuple[int, ...]] | None, value: float = 0.0) -> None:
        """Work on parameter ``(name, index)`` whose current value is ``value``."""
        same = param == self._param and value == self._base
        self._param, self._base = param, float(value)
        self.setEnabled(param is not None)
        if same:
            return
        self.check_result.clear()
        self.nudge_result.clear()
        span = max(1.0, 2 * abs(self._base))
        self._lo, self._hi = self._base - span, self._base + span
        for w in (self.value, self.slider):
            w.blockSignals(True)
        self.value.setValue(self._base)
        self.slider.setValue(STEPS // 2)
        for w in (self.value, self.slider):
            w.blockSignals(False)

    def _on_slider_moved(self, pos: int) -> None:
        self.value.setValue(self._lo + (self._hi - self._lo) * pos / STEPS)

    def _on_value_changed(self, value: float) -> None:
        if self._hi > self._lo:
            self.slider.blockSignals(True)
            self.slider.setValue(round((value - self._lo) / (self._hi - self._lo) * STEPS))
            self.slider.blockSignals(False)
        self.nudge_result.setText(self.nudge_text(value))

    def nudge_text(self, value: float) -> str:
        """This sample's loss and output with the selected weight at ``value``."""
        walk, ctl = self._mag.walk, self._ctl
        if walk is None or self._param is None or ctl.network is None:
            return ""
        name, index = self._param
        try:
            loss, output = nudge(ctl.network, walk.x, walk.y, name, index, float(value))
        except NNStudioError as exc:
            return html.escape(str(exc))
        out = np.asarray(output, dtype=np.float64).reshape(-1)
        if walk.task == "classification":
            p = probabilities(out)
            k = int(np.asarray(walk.y).reshape(-1)[0])
            shown = (f"the right answer ({html.escape(walk.label_name or str(k))}) gets "
                     f"{percent(p[k])}" if k < len(p) else "")
        else:
            shown = "the output is " + ", ".join(num(v) for v in walk.real_units(out))
        change = "fell" if loss < walk.loss else "rose" if loss > walk.loss else "stays"
        return (f"With this weight at <b>{num(value)}</b> (now {num(self._base)}), this sample's "
                f"loss would be <b>{num(loss)}</b> (now {num(walk.loss)}: it {change}); "
                f"{shown}. <i>The network is unchanged.</i>")

    def check(self) -> str:
        """Backprop next to finite differences for the selected weight; returns the sentence."""
        walk, ctl = self._mag.walk, self._ctl
        if walk is None or self._param is None or ctl.network is None:
            return ""
        name, index = self._param
        try:
            result = check_gradient(ctl.network, walk.x, walk.y, name, index)
        except NNStudioError as exc:
            text = html.escape(str(exc))
        else:
            text = html.escape(result.caption)
        self.check_result.setText(text)
        return text


def export_worksheet(parent: QWidget, walk, folder: str = "") -> str | None:
    """Ask where to save the step (CSV or HTML) and write it; returns the path or None."""
    if walk is None:
        return None
    name = f"step_sample_{walk.sample_index if walk.sample_index is not None else 0}"
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export this step as a worksheet", os.path.join(folder, name + ".html"),
        "Web page, opens in any browser (*.html);;Table for a spreadsheet (*.csv)")
    if not path:
        return None
    csv = path.lower().endswith(".csv") or ("csv" in chosen and not path.lower().endswith(".html"))
    if not os.path.splitext(path)[1]:
        path += ".csv" if csv else ".html"
    text = worksheet_csv(walk) if csv else worksheet_html(walk)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path
