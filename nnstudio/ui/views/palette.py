"""Colours and plot styling shared by every training view.

One class keeps one colour everywhere (decision map, scatter, legend), and training /
validation curves keep theirs, so a person learns the code once.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QGraphicsItem

# Tableau 10: distinct for common colour-vision deficiencies and soft on a white background.
# Green before red: with three classes, red would read as "wrong" next to the confusion matrix.
# The data panel's scatter uses the same list, so a class has one colour everywhere.
CLASS_COLORS = ["#4E79A7", "#F28E2B", "#59A14F", "#76B7B2", "#E15759",
                "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F", "#BAB0AC"]
TRAIN_COLOR = "#4E79A7"
VAL_COLOR = "#F28E2B"
LAYER_COLORS = ["#59A14F", "#B07AA1", "#4E79A7", "#F28E2B", "#76B7B2", "#E15759"]
REFERENCE_COLOR = "#9A9A9A"
GOOD_COLOR = "#3B9B5E"      # right answers in the confusion matrix
BAD_COLOR = "#D9534F"       # wrong answers
BACKGROUND = "w"
FOREGROUND = "#404040"
HINT_STYLE = ("QLabel { background: #FFF6E0; border: 1px solid #E8C77A; border-radius: 4px;"
              " padding: 4px 8px; color: #5A4300; }")
MESSAGE_STYLE = "QLabel { color: #606060; font-size: 11pt; }"
LABEL_STYLE = {"color": FOREGROUND, "font-size": "9pt"}  # axis titles


def class_color(index: int) -> QColor:
    """Colour of class ``index``; past ten classes the palette repeats, darker each round."""
    base = QColor(CLASS_COLORS[index % len(CLASS_COLORS)])
    return base.darker(100 + 35 * (index // len(CLASS_COLORS)))


def class_rgb(n_classes: int) -> np.ndarray:
    """float array of shape (n_classes, 3), values 0..255, for blending decision maps."""
    return np.array([class_color(i).getRgb()[:3] for i in range(n_classes)], dtype=np.float32)


def style_plot(plot: pg.PlotItem, bottom: str | None = None, left: str | None = None) -> None:
    """Dark-grey axes, light grid and axis labels on a white plot."""
    font = QFont()
    font.setPointSize(8)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(FOREGROUND))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.setStyle(tickFont=font)
        axis.enableAutoSIPrefix(False)  # "loss (x0.001)" would puzzle a beginner
        # An axis reaches into the plot (ticks, grid), so every redraw of the data (a new
        # decision map, a curve update) repainted its tick labels: ~3 ms per axis and frame.
        # Cached, it is drawn again only when its range or size changes.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    if bottom:
        plot.setLabel("bottom", bottom, **LABEL_STYLE)
    if left:
        plot.setLabel("left", left, **LABEL_STYLE)
    plot.showGrid(x=True, y=True, alpha=0.15)
    plot.hideButtons()  # the "A" auto-range button puzzles people; the context menu stays
