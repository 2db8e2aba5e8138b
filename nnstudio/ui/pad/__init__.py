"""The drawing pad: draw a picture and see the network's answer, live."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QToolButton

from nnstudio.ui.pad.pad_panel import DrawingPadPanel

PAD_TIP = "Draw a picture with the mouse and see, live, what the network answers"


def attach_pad(window) -> DrawingPadPanel:
    """Add the drawing pad to ``window``: a dock on the right (a tab beside the training
    settings when first opened), the action ``window.actions["pad"]`` (Ctrl+D, View menu) and
    a "Draw…" button in the corner of the views' tabs, shown for picture data only."""
    ctl = window.ctl
    pad = DrawingPadPanel(ctl, window.runner)
    dock = window._dock("Drawing pad", pad, Qt.RightDockWidgetArea, "pad_dock")
    dock.hide()  # tabified when first opened (see MainWindow._place_magnifier for why)
    placed = {"done": False}

    def show_pad() -> None:
        training = window._docks["training_dock"]
        if not placed["done"] and not dock.isFloating() and not training.isFloating() \
                and not training.isHidden():
            window.tabifyDockWidget(training, dock)  # the first time only: then where the user put it
        opening = dock.isHidden()
        placed["done"] = True
        dock.show()
        above = window._docks["inspector_dock"]
        if opening and not above.isHidden() and not above.isFloating() and not dock.isFloating():
            # Most of the right column: the canvas and ten bars need ~550 px on a laptop.
            # After the show has been laid out: before it, the tabbed dock's height is still 0.
            QTimer.singleShot(0, lambda: window.resizeDocks(
                [above, dock], [int((above.height() + dock.height()) * 0.3),
                                int((above.height() + dock.height()) * 0.7)], Qt.Orientation.Vertical))
        dock.raise_()
        pad.update_answer()
        pad.canvas.setFocus(Qt.FocusReason.OtherFocusReason)

    # The dock's own View-menu entry, with a key: one "Drawing pad" entry, not two.
    toggle = dock.toggleViewAction()
    toggle.setShortcut(QKeySequence("Ctrl+D"))
    toggle.setToolTip(PAD_TIP + " (Ctrl+D)")
    toggle.setStatusTip(PAD_TIP)
    toggle.triggered.connect(lambda on: on and show_pad())
    window.actions["pad"] = toggle
    window.addAction(toggle)  # Ctrl+D also with the menu bar hidden
    button = QToolButton()
    button.setText("Draw\u2026")
    button.setAutoRaise(True)
    button.setToolTip(PAD_TIP + " (Ctrl+D).")
    button.clicked.connect(show_pad)
    window.views.setCornerWidget(button, Qt.Corner.TopRightCorner)

    def on_dataset_changed() -> None:
        ds = ctl.dataset
        pictures = ds is not None and ds.is_image and ds.task == "classification"
        button.setVisible(pictures)
        window.actions["pad"].setEnabled(pictures)

    ctl.dataset_changed.connect(on_dataset_changed)
    on_dataset_changed()
    pad.show_pad = show_pad
    pad.dock = dock
    pad.corner_button = button
    return pad


__all__ = ["DrawingPadPanel", "attach_pad"]
