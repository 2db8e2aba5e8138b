"""Small text styles shared by the data panel and the CSV dialog."""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

ERROR_COLOR = "#b3261e"
WARNING_COLOR = "#8a5300"


def muted_color(widget: QWidget) -> QColor:
    """Text colour between the text and the background: readable, yet clearly secondary.

    ``palette(mid)`` is too faint on light themes (#b8b8b8 on #efefef); mixing the two
    palette colours keeps the contrast on dark themes too.
    """
    pal = widget.palette()
    fg, bg = pal.color(QPalette.ColorRole.WindowText), pal.color(QPalette.ColorRole.Window)
    mix = 0.4
    return QColor.fromRgbF(fg.redF() * (1 - mix) + bg.redF() * mix,
                           fg.greenF() * (1 - mix) + bg.greenF() * mix,
                           fg.blueF() * (1 - mix) + bg.blueF() * mix)


def mute(widget: QWidget) -> None:
    widget.setStyleSheet(f"color: {muted_color(widget).name()};")


def warn(widget: QWidget) -> None:
    widget.setStyleSheet(f"color: {WARNING_COLOR};")


def error(widget: QWidget) -> None:
    widget.setStyleSheet(f"color: {ERROR_COLOR};")
