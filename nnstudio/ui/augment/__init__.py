"""Augmentation in the window: Train > Augmentation… (pictures only) opens the settings, the
preview, the class-change check and the with/without comparison."""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from nnstudio.ui.augment.augment_dialog import AugmentDialog

TIP = ("Change training pictures at random (turns, shifts, zoom, light), see a preview, check "
       "that a transform keeps each class, and compare training with and without it")


class AugmentActions(QObject):
    """The Train-menu entry (Ctrl+Shift+A), enabled for picture data; one dialog at a time."""

    def __init__(self, window, menu):
        super().__init__(window)
        self._window = window
        self.dialog: AugmentDialog | None = None
        self.action = QAction("Augmentation\u2026", window)
        self.action.setShortcut("Ctrl+Shift+A")
        self.action.setToolTip(TIP + " (Ctrl+Shift+A)")
        self.action.setStatusTip(TIP)
        self.action.triggered.connect(self.open)
        menu.addAction(self.action)
        window.ctl.dataset_changed.connect(self._on_dataset_changed)
        self._on_dataset_changed()

    def _on_dataset_changed(self) -> None:
        ds = self._window.ctl.dataset
        pictures = ds is not None and ds.is_image and ds.task == "classification"
        self.action.setEnabled(pictures)
        if not pictures and self.dialog is not None:
            self.dialog.close()

    def open(self) -> AugmentDialog | None:
        ds = self._window.ctl.dataset
        if ds is None or not ds.is_image:
            self._window.ctl.message_posted.emit("Augmentation works on pictures; this data is a table.",
                                                 "warning")
            return None
        if self.dialog is None:
            self.dialog = AugmentDialog(self._window.ctl, self._window)
            self.dialog.finished.connect(self._on_dialog_finished)
        if self.dialog.isVisible():
            self.dialog.raise_()  # open already, maybe behind the window
        self.dialog.show()
        return self.dialog

    def _on_dialog_finished(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def shutdown(self) -> None:
        if self.dialog is not None:
            self.dialog.shutdown()


__all__ = ["AugmentActions", "AugmentDialog"]
