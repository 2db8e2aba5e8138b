"""The layer palette: the kinds of layer a person can drag onto the network canvas."""
from __future__ import annotations

from PySide6.QtCore import QByteArray, QItemSelectionModel, QMimeData, QPoint, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QDrag, QFont, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from nnstudio.engine import LAYERS
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
        for name, cls in LAYERS.items():
            item = QListWidgetItem(layer_icon(name), f"{name} layer")
            item.setData(Qt.UserRole, name)
            item.setToolTip(f"<b>{name}</b><br>{cls.description}<br><i>Drag it onto the network, "
                            "or double-click to add it before the output layer.</i>")
            item.setSizeHint(QSize(0, _ICON + 10))
            self.addItem(item)
        # Current (for Enter) but not highlighted: nothing is "chosen" in a palette.
        self.setCurrentRow(0, QItemSelectionModel.NoUpdate)
        self.setMaximumHeight(self.count() * (_ICON + 14) + 8)
        self.itemDoubleClicked.connect(self._on_item_double_clicked)

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
