"""The doctor's buttons under the loss curve: one-click fixes for what the curves show, and
what to do after a blow-up.

Only shows and forwards: the window's doctor (:mod:`nnstudio.ui.training.doctor_live`) says
which fixes fit and what a press does. Each row is an optional sentence and up to
:data:`SHOWN` buttons; more fixes sit in a "More fixes" menu, and the row wraps (a
:class:`FlowLayout`), so it never grows wider than the plots on a 1366 px screen (a row on one
line once pushed the window 113 px past it).
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.ui.views.flow_layout import FlowLayout

SHOWN = 2
FIX_TIP = ("Apply this change (Undo, Ctrl+Z, takes it back), then train twice from the same "
           "starting weights and seed, without and with it, and show both curves: does it help?")
_STRIP_STYLE = "#doctor_strip { background: transparent; border: none; }"


class DoctorStripWidget(QFrame):
    """Rows of fix buttons (:meth:`set_rows`) and the blow-up row (:meth:`show_blow_up`).

    Attributes
    ----------
    buttons : list of QPushButton
        The fix buttons on show, in order (each has its :class:`~nnstudio.doctor.fixes.Fix`
        in ``button.fix``); fixes behind "More fixes" are in :attr:`more_fixes`.
    """

    fix_chosen = Signal(object)          # Fix
    shown_changed = Signal(bool)
    continue_requested = Signal()
    look_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("doctor_strip")
        self.setStyleSheet(_STRIP_STYLE)
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(2)
        self._shown: tuple = ()
        self.buttons: list[QPushButton] = []
        self.more_fixes: list = []
        self.blow_up_label = QLabel()
        self.blow_up_label.setWordWrap(True)
        self.continue_button = QPushButton("Continue training")
        self.continue_button.setToolTip("Go on training from the weights that came back, at the "
                                        "smaller learning rate (the same as Train, F5).")
        self.continue_button.clicked.connect(self.continue_requested)
        self.look_button = QPushButton("Look at the step that blew up")
        self.look_button.setToolTip("Open the training sample with the largest error in the "
                                    "magnifying glass and follow its step through the network.")
        self.look_button.clicked.connect(self.look_requested)
        self.look_button.setVisible(False)
        self.blow_up_row = QWidget()
        row = QHBoxLayout(self.blow_up_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.continue_button)
        row.addWidget(self.look_button)
        row.addStretch(1)
        self.blow_up_label.setVisible(False)
        self.blow_up_row.setVisible(False)
        self._lay.addWidget(self.blow_up_label)
        self._lay.addWidget(self.blow_up_row)
        self._rows: list[QWidget] = []
        self.setVisible(False)

    # ------------------------------------------------------------------ what to show
    def set_rows(self, rows: list[tuple[str, list]]) -> None:
        """``rows``: ``(what the doctor sees, [Fix, ...])`` each, e.g. ``("Memorising", [...])``,
        optionally with a third item, the finding's sentence (the title's tooltip);
        rows without fixes are left out. Nothing is rebuilt when the same rows come again (the
        live doctor asks every second)."""
        rows = [(row[0], row[1], row[2] if len(row) > 2 else "") for row in rows if row[1]]
        key = tuple((title, tuple(f.label for f in fixes), tip) for title, fixes, tip in rows)
        if key == self._shown:
            return
        self._shown = key
        for w in self._rows:
            self._lay.removeWidget(w)
            w.deleteLater()
        self._rows, self.buttons, self.more_fixes = [], [], []
        for title, fixes, tip in rows:
            self._add_row(self._button_row(title, fixes, tip))
        self._update_visible()

    def show_blow_up(self, text: str, can_look: bool) -> None:
        self.blow_up_label.setText(text)
        self.look_button.setVisible(can_look)
        for w in (self.blow_up_label, self.blow_up_row):
            w.setVisible(True)
        self._update_visible()

    def clear_blow_up(self) -> None:
        for w in (self.blow_up_label, self.blow_up_row):
            w.setVisible(False)
        self._update_visible()

    def clear(self) -> None:
        self.set_rows([])
        self.clear_blow_up()

    @property
    def blow_up_shown(self) -> bool:
        return not self.blow_up_row.isHidden()

    # ------------------------------------------------------------------ internals
    def _add_row(self, widget: QWidget) -> None:
        self._lay.addWidget(widget)
        self._rows.append(widget)

    def _button_row(self, title: str, fixes: list, tip: str = "") -> QWidget:
        row = QWidget()
        lay = FlowLayout(row)  # wraps: the buttons never widen the window past the screen
        label = QLabel(f"<b>{escape(title)}</b> – try:")
        label.setToolTip(tip)  # what the doctor saw, in a sentence
        lay.addWidget(label)
        for fix in fixes[:SHOWN]:
            button = QPushButton(fix.label)
            button.setToolTip(FIX_TIP)
            button.fix = fix
            button.clicked.connect(lambda _=False, f=fix: self.fix_chosen.emit(f))
            lay.addWidget(button)
            self.buttons.append(button)
        if len(fixes) > SHOWN:
            more = QToolButton()
            more.setText("More fixes")
            more.setToolTip("Other changes that may help; each is applied and then tried out.")
            more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            menu = QMenu(more)
            for fix in fixes[SHOWN:]:
                action = menu.addAction(fix.label)
                action.setToolTip(FIX_TIP)
                action.triggered.connect(lambda _=False, f=fix: self.fix_chosen.emit(f))
                self.more_fixes.append(fix)
            more.setMenu(menu)
            lay.addWidget(more)
        return row

    def _update_visible(self) -> None:
        shown = bool(self._rows) or self.blow_up_shown
        if self.isHidden() == shown:
            self.setVisible(shown)
            self.shown_changed.emit(shown)
