"""The drawing pad's canvas: draw with the mouse at a fine resolution; the network sees the
drawing averaged down to the data's size, as uint8 pixels like the data's."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

#: Drawing happens at about this many screen pixels a side, then is averaged down: a stroke
#: then covers data pixels partly, with soft edges, as MNIST's scanned pen strokes do.
FINE_SIDE = 280


class PadCanvasWidget(QWidget):
    """A square-pixel canvas of ``height`` x ``width`` data pixels, drawn ``scale`` times finer.

    Left button: ink; right button: erase (back to the background). ``brush`` is the pen's
    width in data pixels. :meth:`pixels` gives what the network sees: uint8 of shape
    (height, width, channels). ``changed`` is emitted after each stroke segment.

    ``fill`` (0..1, or None for off): the drawing is first resized so its longer side covers
    this share of the picture and moved so its centre of mass sits in the middle -- what
    MNIST did to every digit (20 of 28 pixels, centred by mass). A person draws anywhere and
    at any size; without this the network is asked about a picture unlike any it learned.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.brush = 2.0
        self.fill: float | None = None
        self.channels = 1
        self.background = QColor(0, 0, 0)
        self.ink = QColor(255, 255, 255)
        self._last: QPointF | None = None
        self._erasing = False
        self.set_shape(28, 28, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(140, 140)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw with the left mouse button; the right button erases.")

    # ------------------------------------------------------------------ public
    def set_shape(self, height: int, width: int, channels: int) -> None:
        """A blank canvas for pictures of ``height`` x ``width`` with 1 (grey) or 3 channels."""
        self.h, self.w, self.channels = int(height), int(width), int(channels)
        self.scale = max(1, FINE_SIDE // max(self.h, self.w))
        self._image = QImage(self.w * self.scale, self.h * self.scale, QImage.Format.Format_RGB888)
        self.clear()

    def set_colours(self, background: QColor, ink: QColor) -> None:
        """The data's background and ink (MNIST: black and white); clears the canvas."""
        self.background, self.ink = QColor(background), QColor(ink)
        self.clear()

    def set_ink(self, ink: QColor) -> None:
        """Draw on with ``ink`` (the drawing so far stays)."""
        self.ink = QColor(ink)

    def clear(self) -> None:
        self._image.fill(self.background)
        self.update()
        self.changed.emit()

    def pixels(self) -> np.ndarray:
        """The drawing at the data's size: uint8 of shape (height, width, channels), each pixel
        the rounded mean of its ``scale`` x ``scale`` block of the fine drawing."""
        img = self._centred() if self.fill else self._image
        fine = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
        fine = fine[:, :img.width() * 3].reshape(self.h, self.scale, self.w, self.scale, 3)
        mean = fine.mean(axis=(1, 3), dtype=np.float64)
        out = np.rint(mean).astype(np.uint8)
        return out[..., :1].copy() if self.channels == 1 else out

    def _ink(self, img: QImage) -> np.ndarray:
        """How far each pixel of ``img`` is from the background, 0..255, shape (h, w)."""
        a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
        a = a[:, :img.width() * 3].reshape(img.height(), img.width(), 3).astype(np.int16)
        bg = np.array(self.background.getRgb()[:3], dtype=np.int16)
        return np.abs(a - bg).max(axis=2)

    def _centred(self) -> QImage:
        """The fine drawing resized to ``fill`` of the side and centred by its mass."""
        ink = self._ink(self._image)
        ys, xs = np.nonzero(ink > 16)
        if not len(ys):
            return self._image
        x0, y0 = int(xs.min()), int(ys.min())
        bw, bh = int(xs.max()) + 1 - x0, int(ys.max()) + 1 - y0
        W, H = self._image.width(), self._image.height()
        k = self.fill * min(W, H) / max(bw, bh)
        crop = self._image.copy(x0, y0, bw, bh).scaled(
            max(1, round(bw * k)), max(1, round(bh * k)), Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation).convertToFormat(QImage.Format.Format_RGB888)
        weight = self._ink(crop).astype(np.float64)
        total = weight.sum() or 1.0
        cy = (weight.sum(axis=1) * (np.arange(crop.height()) + 0.5)).sum() / total
        cx = (weight.sum(axis=0) * (np.arange(crop.width()) + 0.5)).sum() / total
        out = QImage(W, H, QImage.Format.Format_RGB888)
        out.fill(self.background)
        painter = QPainter(out)
        painter.drawImage(QPointF(W / 2 - cx, H / 2 - cy), crop)
        painter.end()
        return out

    def is_blank(self) -> bool:
        """True when nothing is drawn (every pixel is the background)."""
        bg = self.background
        px = self.pixels()
        want = [bg.red()] if self.channels == 1 else [bg.red(), bg.green(), bg.blue()]
        return bool(np.all(px == np.array(want, dtype=np.uint8)))

    def draw_line(self, a: QPointF, b: QPointF, erase: bool = False) -> None:
        """A stroke from ``a`` to ``b``, in data pixels (0..width, 0..height)."""
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self.background if erase else self.ink, max(self.brush * self.scale, 1.0))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        s = float(self.scale)
        painter.drawLine(QPointF(a.x() * s, a.y() * s), QPointF(b.x() * s, b.y() * s))
        painter.end()
        self.update()
        self.changed.emit()

    # ------------------------------------------------------------------ geometry
    def _target(self) -> QRectF:
        """Where the canvas is drawn in the widget: as big as fits, square pixels, centred."""
        k = min(self.width() / self.w, self.height() / self.h)
        tw, th = self.w * k, self.h * k
        return QRectF((self.width() - tw) / 2, (self.height() - th) / 2, tw, th)

    def to_data(self, pos: QPointF) -> QPointF:
        """Widget position -> data pixels."""
        r = self._target()
        return QPointF((pos.x() - r.x()) / r.width() * self.w, (pos.y() - r.y()) / r.height() * self.h)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(FINE_SIDE, FINE_SIDE)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return int(width * self.h / self.w)

    # ------------------------------------------------------------------ Qt events
    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        r = self._target()
        painter.drawImage(r, self._image)
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.drawRect(r.adjusted(0, 0, -1, -1))

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        self._erasing = event.button() == Qt.MouseButton.RightButton
        self._last = self.to_data(event.position())
        self.draw_line(self._last, self._last, self._erasing)  # a click makes a dot

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._last is None:
            return
        p = self.to_data(event.position())
        self.draw_line(self._last, p, self._erasing)
        self._last = p

    def mouseReleaseEvent(self, _event) -> None:  # noqa: N802 - Qt override
        self._last = None

    def contextMenuEvent(self, event) -> None:  # noqa: N802 - Qt override
        event.accept()  # the right button erases here; no menu
