"""The glossary window: the words of training in a list, each explained in plain sentences."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnstudio.explain.glossary import ENTRIES, entry, key_of_link, link
from nnstudio.ui.help.links import SHORTCUT


def entry_html(key: str) -> str:
    """Entry ``key`` as HTML: title, sentences, other names and "see also" links."""
    e = entry(key)
    parts = [f"<h3>{html.escape(e.title)}</h3><p>{html.escape(e.text)}</p>"]
    if e.also_called:
        parts.append(f"<p><i>Also called:</i> {html.escape(', '.join(e.also_called))}</p>")
    if e.see_also:
        links = ", ".join(f'<a href="{link(k)}">{html.escape(ENTRIES[k].title)}</a>'
                          for k in e.see_also)
        parts.append(f"<p><i>See also:</i> {links}</p>")
    return "".join(parts)


class GlossaryPanel(QWidget):
    """A search box, the list of words, and the chosen word's explanation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a word…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Shows only the words whose name or explanation contains this.")
        self.search.textChanged.connect(self._on_search_changed)
        self.list = QListWidget()
        for e in ENTRIES.values():
            item = QListWidgetItem(e.title)
            item.setData(Qt.ItemDataRole.UserRole, e.key)
            self.list.addItem(item)
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)  # glossary: links are ours; see _on_text_anchor_clicked
        self.text.anchorClicked.connect(self._on_text_anchor_clicked)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.search)
        column.addWidget(self.list)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.text)
        split.setStretchFactor(1, 1)
        split.setSizes([230, 450])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(split)
        self.show_entry(next(iter(ENTRIES)))

    def current_key(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def show_entry(self, key: str) -> None:
        """Select and show entry ``key`` (clearing a search that would hide it)."""
        entry(key)  # a plain error for an unknown key
        item = self._item(key)
        if item.isHidden():
            self.search.clear()
        self.list.setCurrentItem(item)
        self.list.scrollToItem(item)

    def _item(self, key: str) -> QListWidgetItem:
        return self.list.item(list(ENTRIES).index(key))

    def _on_list_current_changed(self, current, _previous) -> None:
        if current is not None:
            self.text.setHtml(entry_html(current.data(Qt.ItemDataRole.UserRole)))

    def _on_text_anchor_clicked(self, url) -> None:
        key = key_of_link(url.toString())
        if key is not None:
            self.show_entry(key)

    def _on_search_changed(self, text: str) -> None:
        words = text.lower().split()
        first = None
        for e in ENTRIES.values():
            found = " ".join((e.title, e.text, *e.also_called)).lower()
            hidden = not all(w in found for w in words)
            self._item(e.key).setHidden(hidden)
            if not hidden and first is None:
                first = e.key
        if first is not None and (self.current_key() is None or self.list.currentItem().isHidden()):
            self.list.setCurrentItem(self._item(first))


class GlossaryDialog(QDialog):
    """The glossary in a window of its own that stays open beside the main window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Glossary ({SHORTCUT})")
        self.setModal(False)
        self.panel = GlossaryPanel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.panel)
        self.resize(700, 420)

    @classmethod
    def for_window(cls, window: QWidget | None) -> GlossaryDialog:
        """The glossary of ``window`` (made on first use, one per window)."""
        dialog = getattr(window, "_glossary_dialog", None) if window is not None else None
        if dialog is None:
            dialog = cls(window)
            if window is not None:
                window._glossary_dialog = dialog
        return dialog

    def open_at(self, key: str | None) -> None:
        """Show the window at entry ``key`` (None: where it was)."""
        if key is not None:
            self.panel.show_entry(key)
        self.show()
        # Already open behind the main window: bring it forward. (The headless platform of
        # tests and screenshots has no stacking and warns about raise().)
        if QGuiApplication.platformName() != "offscreen":
            self.raise_()
            self.activateWindow()
