"""The decision map: what the network answers at every point of a 2-feature plane.

An ImageItem coloured by the predicted class probabilities (blended class colours, paler where
the network is unsure) lies behind a scatter of the data coloured by the true class, so a
person sees which points fall on the wrong side. A click on a dot chooses that training
sample for the magnifying glass; the chosen one wears a ring.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal

from nnstudio.ui.views.layout import AspectBox, SnapshotView, side_label, swatch
from nnstudio.ui.views.palette import BACKGROUND, class_color, class_rgb, style_plot
from nnstudio.ui.views.sample_ring import CLICK_TIP, SampleRing, nearest_dot

NEEDS_2D = "The decision map needs data with 2 features"
NEEDS_CLASSES = "The decision map needs data with classes (this data asks for numbers)."
WAITING = "The decision map appears here once training starts."


def probabilities_to_rgb(probs: np.ndarray) -> np.ndarray:
    """Colour a probability grid of shape (gh, gw, n_classes) as uint8 RGB (gh, gw, 3).

    Each pixel blends the class colours by probability, then fades towards white as the
    network becomes unsure (highest probability near 1 / n_classes).
    """
    k = probs.shape[-1]
    colors = class_rgb(k)
    blend = probs @ colors                                    # (gh, gw, 3)
    sure = (probs.max(axis=-1, keepdims=True) - 1.0 / k) / (1.0 - 1.0 / k)
    strength = 0.25 + 0.5 * np.clip(sure, 0.0, 1.0)           # never as strong as the points
    rgb = 255.0 + (blend - 255.0) * strength
    return np.clip(rgb, 0, 255).astype(np.uint8)


class DecisionBoundaryWidget(SnapshotView):
    """Map of the network's answer over the plane, with the data on top.

    Attributes
    ----------
    image_item : pyqtgraph.ImageItem
        Row-major RGB image of shape (gh, gw, 3); row 0 is ``ymin``.
    scatter : pyqtgraph.ScatterPlotItem
        The training samples: dot ``i`` is row ``i`` of the training part.
    ring : SampleRing
        Around the chosen sample (:meth:`show_chosen`).
    message : QLabel
        Shown instead of the plot when the data does not fit a map.
    """

    #: A click on (or within a few pixels of) dot ``i``: row ``i`` of the training part.
    sample_clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot_widget = pg.PlotWidget(background=BACKGROUND)
        item = self.plot_widget.getPlotItem()
        style_plot(item, bottom="feature 1", left="feature 2")
        item.setAspectLocked(True)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.image_item.setZValue(-10)
        item.addItem(self.image_item)
        self.scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=0.8), antialias=True)
        item.addItem(self.scatter)
        self.ring = SampleRing(item)
        self._xy = np.zeros((0, 2))
        self._chosen = -1
        self.plot_widget.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.plot_widget.setToolTip(
            "Each dot is a training sample, coloured by its true class. The background shows "
            "what the network would answer there:\nstrong colour = sure, pale = unsure. Dots on "
            "a background of another colour are answered wrongly.\n" + CLICK_TIP)
        self._add_message_page(WAITING)
        self.side = side_label()
        self.box = AspectBox(self.plot_widget, self.side)
        self._stack.addWidget(self.box)
        self.class_names: list[str] = []
        self._usable = False

    def set_data(self, X, y, class_names) -> None:
        """Show samples ``X`` (n, 2) in the space the network sees (scaled) with classes ``y``.

        Data with another number of features, or without classes, shows a plain message.
        """
        self.scatter.clear()
        self.image_item.clear()
        self._xy = np.zeros((0, 2))
        self.show_chosen(-1)  # row numbers of other data mean other samples
        self.class_names = list(class_names or [])
        X = None if X is None else np.asarray(X)
        if X is None:
            return self._show_message(WAITING)
        if X.ndim != 2 or X.shape[1] != 2:
            return self._show_message(f"{NEEDS_2D} (this data has {X.shape[-1]}). The spiral, "
                                      "moons, circles, XOR and blobs examples have 2.")
        if len(self.class_names) < 2:
            return self._show_message(NEEDS_CLASSES)
        y = np.asarray(y).astype(np.int64).ravel()
        brushes = [pg.mkBrush(class_color(i)) for i in range(len(self.class_names))]
        self.scatter.setData(X[:, 0], X[:, 1], brush=[brushes[c % len(brushes)] for c in y],
                             data=y)
        self._xy = X.astype(float)
        chips = "<br>".join(swatch(class_color(i).name(), name)
                            for i, name in enumerate(self.class_names))
        self.side.setText(
            f"{chips}<br><br><b>Dots</b>: samples, coloured by their true class.<br>"
            "<b>Background</b>: the class the network answers there; pale where it is unsure.")
        self._usable = True
        self.message.setText(WAITING)
        self._stack.setCurrentIndex(1)
        span = X.max(axis=0) - X.min(axis=0)
        self.box.set_ratio(span[0] / max(span[1], 1e-9))
        self.plot_widget.getPlotItem().autoRange()

    def clear(self) -> None:
        """Drop the map (keep the data points)."""
        self.image_item.clear()

    def show_chosen(self, index: int) -> None:
        """Ring training sample ``index`` (-1: no ring); slot for ``sample_chosen``."""
        self._chosen = int(index)
        inside = 0 <= self._chosen < len(self._xy)
        self.ring.show_at(tuple(self._xy[self._chosen]) if inside else None)

    def _on_scene_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self._usable:
            return
        hit = nearest_dot(self.plot_widget.getPlotItem().vb, event.scenePos(), self._xy)
        if hit >= 0:
            event.accept()
            self.sample_clicked.emit(hit)

    def _show_message(self, text: str) -> None:
        self._usable = False
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)

    def show_snapshot(self, snapshot) -> None:
        """Colour the background from ``snapshot.boundary`` over ``snapshot.boundary_extent``."""
        if not self._usable or snapshot.boundary is None or snapshot.boundary_extent is None:
            return
        xmin, xmax, ymin, ymax = snapshot.boundary_extent
        self.image_item.setImage(probabilities_to_rgb(snapshot.boundary), autoLevels=False,
                                 levels=(0, 255))
        self.image_item.setRect(QRectF(xmin, ymin, xmax - xmin, ymax - ymin))
        self.box.set_ratio((xmax - xmin) / max(ymax - ymin, 1e-9))
        self.plot_widget.getPlotItem().setRange(xRange=(xmin, xmax), yRange=(ymin, ymax),
                                                padding=0)
