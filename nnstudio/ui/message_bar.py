"""The one place where the window tells the user what happened, in plain words."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

_STYLES = {
    "info": ("#eef6ee", "#2e6b34", "ℹ"),
    "warning": ("#fff6e0", "#8a5a00", "⚠"),
    "error": ("#fdecec", "#9b1c1c", "✖"),
}
_INFO_SECONDS = 8


class MessageBar(QFrame):
    """A strip above the canvas: errors stay until closed, other messages fade back to a quiet
    hint. It never hides, so the panels below do not jump when a message comes or goes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("message_bar")
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Hide this message (Esc)")
        close.clicked.connect(self.clear_message)
        self._close = close
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        lay.addWidget(self.icon)
        lay.addWidget(self.text, 1)
        lay.addWidget(close, 0, Qt.AlignTop)
        self.level = ""
        self.hint = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_message)
        self.setMinimumHeight(2 * self.fontMetrics().lineSpacing() + 10)
        self.clear_message()

    def set_hint(self, text: str) -> None:
        """The quiet line shown when there is no message (what to do next, the last result)."""
        self.hint = text
        if not self.level:
            self.text.setText(text)

    def clear_message(self) -> None:
        self._timer.stop()
        self.level = ""
        self.setStyleSheet("#message_bar { background: transparent; border: 1px solid transparent; }"
                           " QLabel { color: #555; }")
        self.icon.setText("")
        self.text.setText(self.hint)
        self._close.hide()

    def show_message(self, text: str, level: str = "info") -> None:
        bg, fg, icon = _STYLES.get(level, _STYLES["info"])
        self.level = level
        self.setStyleSheet(f"#message_bar {{ background: {bg}; border: 1px solid {fg}; border-radius: 4px; }}"
                           f" QLabel {{ color: {fg}; }}")
        self.icon.setText(icon)
        self.text.setText(text)
        self._close.show()
        if level == "error":
            self._timer.stop()
        else:
            self._timer.start(_INFO_SECONDS * 1000)

    def keyPressEvent(self, event) -> None:  # Qt override
        if event.key() == Qt.Key_Escape:
            self.clear_message()
        else:
            super().keyPressEvent(event)
