"""Confusion matrix on the validation data: a coloured grid of counts, classes on both axes.

Right answers (the diagonal) are green, wrong ones red; the colour strength is the share of
that true class, so small classes are as readable as big ones.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFont

from nnstudio.ui.views.layout import AspectBox, SnapshotView, side_label, swatch
from nnstudio.ui.views.palette import BACKGROUND, BAD_COLOR, FOREGROUND, GOOD_COLOR, style_plot

WAITING = "The confusion matrix appears here once training starts (it needs validation data)."
NEEDS_CLASSES = "The confusion matrix is for data with classes (this data asks for numbers)."
ZERO_COLOR = "#B8B8B8"  # zeros fade away, so the mix-ups stand out in a 10 x 10 grid
_MAX_NAME = 14


def matrix_to_rgb(matrix: np.ndarray) -> np.ndarray:
    """uint8 RGB (n, n, 3) for counts (n, n): green diagonal, red elsewhere, by row share."""
    m = np.asarray(matrix, float)
    share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    good = np.array(pg.mkColor(GOOD_COLOR).getRgb()[:3], float)
    bad = np.array(pg.mkColor(BAD_COLOR).getRgb()[:3], float)
    n = len(m)
    target = np.where(np.eye(n, dtype=bool)[..., None], good, bad)
    strength = np.sqrt(share)[..., None]  # a few mistakes should already show
    return np.clip(255 + (target - 255) * strength, 0, 255).astype(np.uint8)


def _short(name: str) -> str:
    return name if len(name) <= _MAX_NAME else name[:_MAX_NAME - 1] + "…"


class ConfusionMatrixWidget(SnapshotView):
    """Rows: the true class; columns: the class the network answered.

    Attributes
    ----------
    matrix : ndarray of shape (n, n) or None
        The counts shown.
    text_items : list of list of pyqtgraph.TextItem
        ``text_items[true][predicted]`` shows that count.

    A left click on a cell emits ``cell_clicked(true, predicted)`` (the gallery shows that
    cell's pictures); :attr:`click_tip` adds a line saying so to the tooltip.
    """

    cell_clicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget(background=BACKGROUND)
        item = self.plot_widget.getPlotItem()
        style_plot(item, bottom="class the network answered", left="true class")
        item.showGrid(x=False, y=False)
        item.setMouseEnabled(x=False, y=False)
        item.setMenuEnabled(False)
        item.invertY(True)  # first class at the top, like a table
        item.setAspectLocked(True)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        item.addItem(self.image_item)
        self._tip = ("Each row is a true class, each column the class the network answered, counted "
                     "on the validation data.\nGreen squares on the diagonal are right answers; red "
                     "squares show which classes it mixes up.")
        self.plot_widget.setToolTip(self._tip)
        self.plot_widget.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self._add_message_page(WAITING)
        self.side = side_label(
            "<b>Rows</b>: the true class.<br><b>Columns</b>: the network's answer.<br><br>"
            f"{swatch(GOOD_COLOR, 'right answers (diagonal)')}<br>"
            f"{swatch(BAD_COLOR, 'mix-ups')}<br><br>"
            "Stronger colour = a larger share of that row. Counted on the validation data, "
            "which the network never trains on.")
        self.box = AspectBox(self.plot_widget, self.side, margins=(90, 70))
        self._stack.addWidget(self.box)
        self.matrix: np.ndarray | None = None
        self.text_items: list[list[pg.TextItem]] = []
        self.class_names: list[str] = []

    def set_class_names(self, names) -> None:
        """Label the axes with ``names`` (from the data); ``[]`` = data without classes
        (a plain message), None = no data yet."""
        self.class_names = [str(n) for n in (names or [])]
        self.matrix = None
        self.message.setText(NEEDS_CLASSES if names is not None and len(self.class_names) < 2
                             else WAITING)
        self._stack.setCurrentIndex(0)

    def clear(self) -> None:
        self.matrix = None
        self._stack.setCurrentIndex(0)

    def show_snapshot(self, snapshot) -> None:
        if snapshot.confusion is not None:
            self.set_matrix(snapshot.confusion)

    def set_matrix(self, matrix: np.ndarray) -> None:
        """Show counts ``matrix`` of shape (n_classes, n_classes)."""
        m = np.asarray(matrix)
        n = len(m)
        if self.matrix is None or len(self.matrix) != n or not self.text_items:
            self._build(n)
        self.matrix = m.copy()
        self.image_item.setImage(matrix_to_rgb(m), autoLevels=False, levels=(0, 255))
        self.image_item.setRect(QRectF(0, 0, n, n))
        share = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
        for i in range(n):
            for j in range(n):
                text = self.text_items[i][j]
                text.setText(str(int(m[i, j])))
                text.setColor("w" if share[i, j] > 0.45 else FOREGROUND if m[i, j] else ZERO_COLOR)
        total = int(m.sum())
        right = int(np.trace(m))
        pct = 100.0 * right / total if total else 0.0
        self.plot_widget.setTitle(f"Validation: {right} of {total} right ({pct:.1f} %)",
                                  color=FOREGROUND, size="9pt")
        self._stack.setCurrentIndex(1)

    def set_click_tip(self, text: str) -> None:
        """A line added to the tooltip about what a click on a cell does ("" for none)."""
        self.plot_widget.setToolTip(self._tip + (f"\n{text}" if text else ""))

    def cell_at(self, scene_pos) -> tuple[int, int] | None:
        """``(true, predicted)`` of the cell under ``scene_pos``, None outside the grid."""
        if self.matrix is None:
            return None
        p = self.plot_widget.getPlotItem().vb.mapSceneToView(scene_pos)
        i, j, n = int(np.floor(p.y())), int(np.floor(p.x())), len(self.matrix)
        return (i, j) if 0 <= i < n and 0 <= j < n else None

    def _on_scene_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        cell = self.cell_at(event.scenePos())
        if cell is not None:
            event.accept()
            self.cell_clicked.emit(*cell)

    def cell_texts(self) -> np.ndarray:
        """The numbers written in the cells, as strings of shape (n, n) (for tests)."""
        return np.array([[t.textItem.toPlainText() for t in row] for row in self.text_items])

    def _build(self, n: int) -> None:
        item = self.plot_widget.getPlotItem()
        for row in self.text_items:
            for text in row:
                item.removeItem(text)
        font = QFont()
        font.setPointSize(9 if n <= 6 else 7)
        self.text_items = []
        for i in range(n):
            row = []
            for j in range(n):
                text = pg.TextItem("", anchor=(0.5, 0.5))
                text.setFont(font)
                text.setPos(j + 0.5, i + 0.5)
                item.addItem(text)
                row.append(text)
            self.text_items.append(row)
        self._label_axes(n)
        item.setRange(xRange=(0, n), yRange=(0, n), padding=0.02)

    def _label_axes(self, n: int) -> None:
        names = self.class_names if len(self.class_names) == n else [str(i) for i in range(n)]
        ticks = [[(i + 0.5, _short(name)) for i, name in enumerate(names)]]
        item = self.plot_widget.getPlotItem()
        item.getAxis("bottom").setTicks(ticks)
        item.getAxis("left").setTicks(ticks)
