"""Scrolling a panel must never change a setting by accident.

Spin boxes, sliders and combo boxes take the mouse wheel whenever one slides under the pointer
while a panel scrolls (a teacher's seed went from 0 to 4 and redrew the data). With this
filter they take the wheel only once clicked or tabbed into; otherwise the wheel scrolls the
panel around them (and scroll bars, sliders too, always scroll).
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QScrollBar, QWidget

_GUARDED = (QAbstractSpinBox, QAbstractSlider, QComboBox)


class WheelGuard(QObject):
    """Application-wide event filter; :meth:`install` it once the window's widgets exist."""

    def install(self, app, window) -> None:
        """Filter ``app``'s events; ``window``'s widgets, made before the filter (no Polish
        event reaches it for them), are set up now. Not ``app.allWidgets()``: it also lists
        widgets of other windows that are being deleted, and touching those crashes."""
        app.installEventFilter(self)
        for widget in window.findChildren(QWidget):
            _no_wheel_focus(widget)

    def eventFilter(self, obj, event) -> bool:  # Qt override
        if event.type() == QEvent.Type.Polish:
            _no_wheel_focus(obj)
        # Scroll bars are sliders too, but scrolling is their job: a scroll area hands them
        # every wheel turn over the panel (guarded, no panel scrolled at all).
        if event.type() == QEvent.Type.Wheel and isinstance(obj, _GUARDED) \
                and not isinstance(obj, QScrollBar) and not obj.hasFocus():
            # Ignored and filtered: Qt offers it to the parents, and the scroll area scrolls.
            event.ignore()
            return True
        return False


def _no_wheel_focus(widget) -> None:
    """Qt gives a WheelFocus widget the focus *before* filters see the wheel event, so the first
    turn would pass as "focused" and change the value: strong focus (click or Tab) only."""
    if isinstance(widget, _GUARDED) and widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
        widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

