"""The ring around the chosen sample's dot, and finding the dot a click meant.

Shared by the data panel's scatter and the decision map, so a chosen sample looks the same in
both and a click picks a dot by the same rule.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

#: How far (in screen pixels) from a dot's centre a click still picks it: a 5-7 px dot is
#: hard to hit exactly on a laptop's touchpad.
PICK_RADIUS = 8
CLICK_TIP = "Click a dot to look at that sample under the magnifying glass."
RING_COLOR = "#202020"


def nearest_dot(view_box: pg.ViewBox, scene_pos, xy: np.ndarray, radius: float = PICK_RADIUS) -> int:
    """Index of the row of ``xy`` (shape (n, 2), data coordinates of ``view_box``) drawn
    nearest to ``scene_pos`` if within ``radius`` pixels, else -1."""
    if not len(xy) or not view_box.sceneBoundingRect().contains(scene_pos):
        return -1
    at = view_box.mapSceneToView(scene_pos)
    px, py = view_box.viewPixelSize()  # data units per screen pixel, per axis
    if not (px > 0 and py > 0):
        return -1
    d2 = ((xy[:, 0] - at.x()) / px) ** 2 + ((xy[:, 1] - at.y()) / py) ** 2
    best = int(np.argmin(d2))
    return best if d2[best] <= radius ** 2 else -1


class SampleRing:
    """A dark ring with a white halo, drawn over every dot of ``plot`` (a pyqtgraph PlotItem)."""

    def __init__(self, plot: pg.PlotItem, size: float = 15) -> None:
        # Two rings: the dark one shows on pale backgrounds, the white halo on dark dots.
        self.halo = pg.ScatterPlotItem(size=size + 3, pen=pg.mkPen("w", width=4), brush=None,
                                       antialias=True)
        self.item = pg.ScatterPlotItem(size=size, pen=pg.mkPen(RING_COLOR, width=2.2), brush=None,
                                       antialias=True)
        for z, item in enumerate((self.halo, self.item)):
            item.setZValue(50 + z)
            # The ring is not data: autoRange must not widen the view around it.
            plot.addItem(item, ignoreBounds=True)
            item.hide()

    def show_at(self, at: tuple[float, float] | None) -> None:
        """Put the ring at ``at`` (data coordinates); None hides it."""
        for item in (self.halo, self.item):
            if at is None:
                item.hide()
                item.clear()
            else:
                item.setData([at[0]], [at[1]])
                item.show()

    def position(self) -> tuple[float, float] | None:
        """Where the ring is, or None when hidden (for tests and callers)."""
        if not self.item.isVisible():
            return None
        x, y = self.item.getData()
        return (float(x[0]), float(y[0])) if len(x) else None
