"""Links into the glossary for captions and tooltips, and opening the glossary at one.

    label.setText(f"The {glossary_link('loss', 'loss')} fell to 0.31.")
    connect_glossary_links(label)          # a click opens the glossary at "Loss"

    spin.setToolTip(glossary_tip("How big a step each update takes.", "learning_rate"))
    # Shift+F1 over the spin box opens the glossary at "Learning rate".

Tooltips vanish when the mouse moves, so a link in one cannot be clicked: its entry opens with
Shift+F1 (:func:`key_near`) instead, which reads the ``glossary:KEY`` the tooltip carries.
"""
from __future__ import annotations

import html
import re

from PySide6.QtCore import QUrl
from PySide6.QtGui import QCursor, QDesktopServices
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from nnstudio.explain.glossary import entry, key_of_link, link

SHORTCUT = "Shift+F1"
_KEY_IN_TEXT = re.compile(r"glossary:([a-z0-9_]+)")


def glossary_link(key: str, text: str) -> str:
    """HTML for ``text`` linking to entry ``key`` (``<a href="glossary:key">text</a>``), for a
    caption a :class:`QLabel` shows (see :func:`connect_glossary_links`); checks the key."""
    return f'<a href="{link(key)}">{html.escape(text)}</a>'


def glossary_tip(tip: str, key: str) -> str:
    """Tooltip ``tip`` (plain text) followed by where to read more: entry ``key``'s title and
    the Shift+F1 key that opens it."""
    return (f"<p>{html.escape(tip, quote=False)}</p><p>More in the glossary: "
            f"{glossary_link(key, entry(key).title)} ({SHORTCUT}).</p>")


def key_in(text: str) -> str | None:
    """The first glossary key a text (a tooltip, a caption) links to, or None."""
    for match in _KEY_IN_TEXT.finditer(text or ""):
        key = key_of_link(f"glossary:{match.group(1)}")
        if key:
            return key
    return None


def key_near(widget: QWidget | None = None) -> str | None:
    """The glossary key of the widget under the mouse (or ``widget``, else the focused one):
    the first linked in its tooltip, or in a parent's. None when there is none."""
    candidates = [QApplication.widgetAt(QCursor.pos()), widget, QApplication.focusWidget()]
    for w in candidates:
        while w is not None:
            key = key_in(w.toolTip()) or (key_in(w.text()) if isinstance(w, QLabel) else None)
            if key:
                return key
            w = w.parentWidget()
    return None


def open_glossary(key: str | None, near: QWidget | None = None):
    """Show the glossary window of ``near``'s main window at entry ``key`` (None: where it
    was) and return it."""
    from nnstudio.ui.help.glossary_panel import GlossaryDialog

    top = near.window() if near is not None else QApplication.activeWindow()
    dialog = GlossaryDialog.for_window(top)
    dialog.open_at(key)
    return dialog


def follow_link(href: str, near: QWidget | None = None) -> None:
    """Open a link of a caption: ``glossary:KEY`` in the glossary, anything else outside."""
    key = key_of_link(href)
    if key is not None:
        open_glossary(key, near)
    elif href:
        QDesktopServices.openUrl(QUrl(href))


def connect_glossary_links(label: QLabel) -> None:
    """Let ``label``'s ``glossary:KEY`` links open the glossary when clicked."""
    label.setOpenExternalLinks(False)
    label.linkActivated.connect(lambda href: follow_link(href, label))
