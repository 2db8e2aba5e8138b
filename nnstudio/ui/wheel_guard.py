"""Scrolling a panel must never change a setting by accident.

Spin boxes, sliders and combo boxes take the mouse wheel whenever one slides under the pointer
while a panel scrolls (a teacher's seed went from 0 to 4 and redrew the data). With this
filter they take the wheel only once clicked or tabbed into; otherwise the wheel scrolls the
panel around them.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox

_GUARDED = (QAbstractSpinBox, QAbstractSlider, QComboBox)


class WheelGuard(QObject):
    """Application-wide event filter (install with ``app.installEventFilter``)."""

    def eventFilter(self, obj, event) -> bool:  # Qt override
        if event.type() == QEvent.Type.Wheel and isinstance(obj, _GUARDED) and not obj.hasFocus():
            if obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel no longer grabs focus
            # Ignored and filtered: Qt then offers the wheel to the parents (the scroll area).
            event.ignore()
            return True
        return False
