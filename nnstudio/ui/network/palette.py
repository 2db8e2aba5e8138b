"""The layer palette: the kinds of layer a person can drag onto the network canvas."""
from __future__ import annotations

import html

from PySide6.QtCore import QByteArray, QItemSelectionModel, QMimeData, QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QDrag, QFont, QIcon, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from nnstudio.engine import LAYERS
from nnstudio.project.layer_edits import picture_refusal
from nnstudio.ui.network import canvas_maps as maps
from nnstudio.ui.network import canvas_paint as paint
from nnstudio.ui.network.canvas import LAYER_MIME

_ICON = 36
#: Size of the picture that follows the mouse while a layer is dragged (logical pixels).
DRAG_SIZE = QSize(140, 32)


def layer_icon(kind: str) -> QIcon:
    """A small picture of the layer kind, drawn like the canvas draws it (no icon files)."""
    pm = QPixmap(_ICON * 2, _ICON * 2)  # drawn at 2x so it stays crisp on high-DPI screens
    pm.setDevicePixelRatio(2)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    if kind in _PICTURE_ICONS:
        _PICTURE_ICONS[kind](p)
        p.end()
        return QIcon(pm)
    left = [QPointF(9, y) for y in (9, 18, 27)]
    right = [QPointF(27, y) for y in (9, 18, 27)]
    if kind == "Dropout":
        fill, outline = paint.FILLS["Dropout"]
        p.setPen(QPen(QColor(paint.DROPOUT_LINE), 1.2, Qt.DashLine))
        for a, b in zip(left, right):
            p.drawLine(a, b)
        style, off = Qt.DashLine, 1
    else:
        fill, outline = paint.FILLS["Dense"]
        for a in left:
            for k, b in enumerate(right):
                p.setPen(QPen(QColor(paint.POSITIVE if (k + int(a.y())) % 2 else paint.NEGATIVE), 1.2))
                p.drawLine(a, b)
        style, off = Qt.SolidLine, -1
    for j, pt in enumerate(left + right):
        p.setPen(QPen(QColor(outline), 1.3, style))
        p.setBrush(QColor("#e8eaed" if j == 3 + off else fill))
        p.drawEllipse(pt, 4.2, 4.2)
    if kind == "Dropout":  # the switched-off neuron gets a cross, as on the canvas
        c = right[off]
        p.setPen(QPen(QColor("#80868b"), 1.2))
        p.drawLine(QPointF(c.x() - 2, c.y() - 2), QPointF(c.x() + 2, c.y() + 2))
        p.drawLine(QPointF(c.x() - 2, c.y() + 2), QPointF(c.x() + 2, c.y() - 2))
    p.end()
    return QIcon(pm)


def _maps(p: QPainter, x: float, y: float, side: float, n: int, kind: str) -> QRectF:
    """``n`` squares stacked up and to the right from ``(x, y)``; returns the front one."""
    fill, outline = maps.MAP_COLOURS[kind]
    for j in reversed(range(n)):
        p.setPen(QPen(QColor(outline), 1.2))
        p.setBrush(QColor(fill) if j else QColor("white"))
        p.drawRect(QRectF(x + 3 * j, y - 3 * j, side, side))
    return QRectF(x, y, side, side)


def _conv_icon(p: QPainter) -> None:
    front = _maps(p, 4, 13, 18, 4, "Conv2D")
    p.setPen(QPen(QColor(paint.POSITIVE), 1.6))  # the small kernel on the front map
    p.setBrush(QColor(255, 220, 190, 160))
    p.drawRect(QRectF(front.left() + 3, front.top() + 3, 8, 8))


def _pool_icon(p: QPainter) -> None:
    fill, outline = maps.MAP_COLOURS["MaxPool2D"]
    p.setPen(QPen(QColor(outline), 1.1))
    p.setBrush(QColor(fill))
    p.drawRect(QRectF(3, 8, 18, 18))
    for t in (7.5, 12, 16.5):  # a fine grid becomes a coarse one
        p.drawLine(QPointF(3, 8 + t - 3), QPointF(21, 8 + t - 3))
        p.drawLine(QPointF(3 + t - 3, 8), QPointF(3 + t - 3, 26))
    p.drawLine(QPointF(22, 17), QPointF(25, 17))
    p.drawRect(QRectF(25, 12, 9, 9))
    p.drawLine(QPointF(29.5, 12), QPointF(29.5, 21))
    p.drawLine(QPointF(25, 16.5), QPointF(34, 16.5))


def _flatten_icon(p: QPainter) -> None:
    p.setPen(QPen(QColor("#9aa0a6"), 1.2))
    p.setBrush(QColor("#f1f3f4"))
    p.drawPolygon(QPolygonF([QPointF(3, 5), QPointF(22, 13), QPointF(22, 23), QPointF(3, 31)]))
    fill, outline = paint.FILLS["Dense"]
    p.setPen(QPen(QColor(outline), 1.2))
    p.setBrush(QColor(fill))
    for y in (11, 18, 25):
        p.drawEllipse(QPointF(28, y), 3.4, 3.4)


def _rescaling_icon(p: QPainter) -> None:
    fill, outline = maps.MAP_COLOURS["Rescaling"]
    p.setPen(QPen(QColor(outline), 1.2))
    p.setBrush(QColor(fill))
    p.drawRoundedRect(QRectF(5, 7, 26, 22), 4, 4)
    p.setPen(QPen(QColor(outline), 2.0, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
    p.drawPolyline(QPolygonF([QPointF(10, 24), QPointF(10, 18), QPointF(18, 18), QPointF(18, 12),
                              QPointF(26, 12)]))


_PICTURE_ICONS = {"Conv2D": _conv_icon, "MaxPool2D": _pool_icon, "Flatten": _flatten_icon,
                  "Rescaling": _rescaling_icon}


def drag_pixmap(kind: str, font: QFont, ratio: float = 2.0) -> QPixmap:
    """A small tile (icon + name, :data:`DRAG_SIZE`) shown under the mouse while dragging.

    Qt's default drag picture is the whole list row (as wide as the dock), which hides the
    network and the drop marker; this tile leaves them in view.
    """
    w, h = DRAG_SIZE.width(), DRAG_SIZE.height()
    pm = QPixmap(round(w * ratio), round(h * ratio))
    pm.setDevicePixelRatio(ratio)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(QPen(QColor(paint.ACCENT), 1.2))
    p.setBrush(QColor(255, 255, 255, 235))
    p.drawRoundedRect(QRectF(0.6, 0.6, w - 1.2, h - 1.2), 6, 6)
    p.drawPixmap(QRectF(4, (h - 26) / 2, 26, 26).toRect(), layer_icon(kind).pixmap(QSize(26, 26), ratio))
    f = QFont(font)
    f.setBold(True)
    p.setFont(f)
    p.setPen(QColor(paint.TEXT))
    p.drawText(QRectF(36, 0, w - 42, h), Qt.AlignVCenter | Qt.AlignLeft, f"{kind} layer")
    p.end()
    return pm


class LayerPaletteWidget(QListWidget):
    """One entry per kind in :data:`nnstudio.engine.LAYERS`; drag one onto the canvas.

    Double-click or Enter adds the layer just before the output layer, so the palette also
    works without a mouse drag.

    Parameters
    ----------
    ctl : ProjectController
        Receives the layers added with double-click / Enter.
    """

    def __init__(self, ctl, parent: QWidget | None = None):
        super().__init__(parent)
        self._ctl = ctl
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setIconSize(QSize(_ICON, _ICON))
        self.setSpacing(2)
        self.setAccessibleName("Layer palette")
        self.setToolTip("Drag a layer onto the network, or double-click it (or press Enter) to add "
                        "it just before the output layer.")
        for name in LAYERS:
            item = QListWidgetItem(layer_icon(name), f"{name} layer")
            item.setData(Qt.UserRole, name)
            item.setSizeHint(QSize(0, _ICON + 10))
            self.addItem(item)
        self._on_ctl_dataset_changed()
        ctl.dataset_changed.connect(self._on_ctl_dataset_changed)
        # Current (for Enter) but not highlighted: nothing is "chosen" in a palette.
        self.setCurrentRow(0, QItemSelectionModel.NoUpdate)
        self.setMaximumHeight(self.count() * (_ICON + 14) + 8)
        self.itemDoubleClicked.connect(self._on_item_double_clicked)

    def _on_ctl_dataset_changed(self) -> None:
        """Picture layers are greyed out while the data are a table, their tooltip saying
        why and what to choose (a drop or Enter would be refused in the same words)."""
        for k in range(self.count()):
            item = self.item(k)
            name = self.kind_of(item)
            refusal = picture_refusal(name, self._ctl.dataset)
            flags = item.flags()
            item.setFlags(flags & ~Qt.ItemIsEnabled if refusal else flags | Qt.ItemIsEnabled)
            how = ("For pictures: choose a picture data set first." if refusal else
                   "Drag it onto the network, or double-click to add it before the output layer.")
            item.setToolTip(f"<b>{name}</b><br>{html.escape(LAYERS[name].description)}"
                            f"<br><i>{html.escape(how)}</i>"
                            + (f"<br>{html.escape(refusal)}" if refusal else ""))

    def kind_of(self, item: QListWidgetItem) -> str:
        return item.data(Qt.UserRole)

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME]

    def mimeData(self, items) -> QMimeData:
        """What a drag carries: the layer class name under ``application/x-nnstudio-layer``."""
        mime = QMimeData()
        if items:
            mime.setData(LAYER_MIME, QByteArray(self.kind_of(items[0]).encode("utf-8")))
        return mime

    def make_drag(self, item: QListWidgetItem) -> QDrag:
        """The drag of ``item``: its MIME data and a small picture held at its left end, so
        the drop marker under the mouse stays visible beside it."""
        drag = QDrag(self)
        drag.setMimeData(self.mimeData([item]))
        drag.setPixmap(drag_pixmap(self.kind_of(item), self.font(), self.devicePixelRatioF()))
        drag.setHotSpot(QPoint(6, DRAG_SIZE.height() // 2))
        return drag

    def startDrag(self, supported_actions) -> None:
        item = self.currentItem()
        if item is not None:
            self.make_drag(item).exec(Qt.CopyAction)
        self._unselect()

    def _unselect(self) -> None:
        # The press that began the drag selected the row; left highlighted, it looked as if
        # that kind were "chosen" for the next click. Enter still adds the current row.
        self.clearSelection()

    def add_layer(self, kind: str) -> bool:
        """Add a ``kind`` layer just before the output layer (undoable)."""
        ctl = self._ctl
        if ctl.dataset is None or not ctl.layers:
            ctl.message_posted.emit("Choose a data set first: the network is built around it.",
                                    "warning")
            return False
        return ctl.insert_layer(len(ctl.layers) - 1, kind)

    def _on_item_double_clicked(self, item: QListWidgetItem) -> None:
        self.add_layer(self.kind_of(item))
        self._unselect()

    def keyPressEvent(self, e) -> None:
        if e.key() in (Qt.Key_Return, Qt.Key_Enter) and self.currentItem() is not None:
            self.add_layer(self.kind_of(self.currentItem()))
            e.accept()
        else:
            super().keyPressEvent(e)
