"""Layout helper: keep a map's plot at its natural shape and explain it beside it.

A wide, short panel (~900 x 350) would otherwise stretch an aspect-locked plot into a wide
box with empty axis range on both sides. Instead the plot gets just the width its shape
needs, and the rest of the row holds a plain explanation.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedLayout, QWidget

from nnstudio.ui.views.palette import MESSAGE_STYLE

SIDE_STYLE = "QLabel { color: #404040; font-size: 9pt; padding: 6px; }"


class AspectBox(QWidget):
    """Lays out a plot at the largest size that keeps ``ratio`` and, right beside it, an
    explanation label; the pair is centred in the space available.

    ``ratio`` is width / height of the data area; ``margins`` (w, h) are the pixels the axes
    and title take, which do not scale with the data.
    """

    GAP = 12

    def __init__(self, child: QWidget, side: QLabel | None = None, ratio: float = 1.0,
                 margins=(70, 60), parent=None):
        super().__init__(parent)
        self.child, self.side = child, side
        child.setParent(self)
        if side is not None:
            side.setParent(self)
        self.ratio = ratio
        self.margins = margins
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_ratio(self, ratio: float) -> None:
        self.ratio = max(0.2, min(5.0, float(ratio)))
        self._place()

    def resizeEvent(self, event):  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        mw, mh = self.margins
        width, height = self.width(), self.height()
        side_w = 0
        if self.side is not None:
            side_w = max(self.side.minimumWidth(), min(self.side.maximumWidth(), width // 4))
        plot_w = min(width - side_w - self.GAP, int(max(height - mh, 10) * self.ratio + mw))
        plot_w = max(plot_w, 50)
        x = max(0, (width - plot_w - side_w - self.GAP) // 2)
        self.child.setGeometry(x, 0, plot_w, height)
        if self.side is not None:
            self.side.setGeometry(x + plot_w + self.GAP, 0, side_w, height)

    def sizeHint(self):  # noqa: N802 - Qt override
        return self.child.sizeHint()


def side_label(html: str = "") -> QLabel:
    """A word-wrapped explanation for the right of a map."""
    label = QLabel(html)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    label.setStyleSheet(SIDE_STYLE)
    label.setMinimumWidth(170)
    label.setMaximumWidth(260)
    return label


def swatch(color_hex: str, text: str) -> str:
    """HTML for a coloured square followed by ``text`` (legends in side labels)."""
    return (f'<span style="color:{color_hex}; font-size:12pt;">&#9632;</span>&nbsp;{text}')


class SnapshotView(QWidget):
    """Base of the views that draw a ``TrainingSnapshot``: page 0 of ``_stack`` is a plain
    message shown while there is nothing to draw; subclasses add their plot page after it."""

    def _add_message_page(self, text: str) -> None:
        self.message = QLabel(text)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(MESSAGE_STYLE)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.message)

    def show(self, snapshot=None) -> None:
        """``show(snapshot)`` draws a snapshot; ``show()`` is still ``QWidget.show``."""
        if snapshot is None:
            super().show()
        else:
            self.show_snapshot(snapshot)

    def show_snapshot(self, snapshot) -> None:  # overridden by every view
        raise TypeError(f"{type(self).__name__} does not draw snapshots")
