"""The data panel's "What is in the data" box: name, size, task, classes, notes, and the
buttons to the details and to the table of rows."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout

from nnstudio.ui.data.data_summary import balance_text, classes_html
from nnstudio.ui.help.links import glossary_tip
from nnstudio.ui.text_style import warn

ROWS_TIP = ("Show the data as a table: every row with its class and part; click a training row "
            "to look at it under the magnifying glass.")


class DataSummaryBox(QGroupBox):
    """What the data holds, in words; "Show rows" emits ``rows_requested`` (for pictures the
    button reads "Show pictures" and emits ``pictures_requested``)."""

    rows_requested = Signal()
    pictures_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__("What is in the data", parent)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        self.classes_label = QLabel()
        self.classes_label.setWordWrap(True)
        self.classes_label.setToolTip("Samples per class; the colours match the plot below.")
        self.balance_label = QLabel()
        self.balance_label.setWordWrap(True)
        self.balance_label.setTextFormat(Qt.TextFormat.RichText)  # class names are escaped in it
        warn(self.balance_label)
        self.details_button = QToolButton()
        self.details_button.setText("Details")
        self.details_button.setCheckable(True)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setAutoRaise(True)
        self.details_button.setToolTip("Show how the data was made or read: what was done with "
                                       "each column, the class balance and more.")
        self.details_button.toggled.connect(self._on_details_button_toggled)
        self.rows_button = QToolButton()
        self.rows_button.setText("Show rows")
        self.rows_button.setAutoRaise(True)
        self.rows_button.setToolTip(ROWS_TIP)
        self.rows_button.clicked.connect(self._on_rows_button_clicked)
        self._pictures = False
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.notes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.notes_label.hide()
        layout = QVBoxLayout(self)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.details_button)
        buttons.addStretch(1)
        buttons.addWidget(self.rows_button)
        for w in (self.summary_label, self.classes_label, self.balance_label):
            layout.addWidget(w)
        layout.addLayout(buttons)
        layout.addWidget(self.notes_label)

    def show_dataset(self, ds) -> None:
        """Describe ``ds`` (a Dataset, or None for no data)."""
        if ds is None:
            for w in (self.summary_label, self.classes_label, self.balance_label):
                w.clear()
            self.notes_label.clear()
            self.details_button.setEnabled(False)
            return
        task = (f"sort into {ds.n_classes} classes" if ds.task == "classification"
                else "predict a number")
        self._pictures = bool(ds.is_image)
        if ds.is_image:
            h, w, c = ds.sample_shape
            self.summary_label.setText(
                f"<b>{html.escape(ds.name)}</b><br>{ds.n_samples:,} pictures of {h}\u00d7{w} "
                f"({'grey' if c == 1 else 'colour'}) \u00b7 {task}")
            colours = "" if c == 1 else " \u00d7 3 colours"
            self.summary_label.setToolTip(glossary_tip(
                f"Each sample is a picture; the network sees its {ds.n_features:,} pixel values "
                f"({h} \u00d7 {w}{colours}), each a whole number from 0 (dark) to 255 (bright).",
                "sample"))
            self.rows_button.setText("Show pictures")
            self.rows_button.setToolTip("Show every picture with its class in the Pictures tab; "
                                        "after training, the ones the network gets wrong.")
        else:
            self.summary_label.setText(
                f"<b>{html.escape(ds.name)}</b><br>{ds.n_samples:,} samples \u00b7 "
                f"{ds.n_features} feature{'s' if ds.n_features != 1 else ''} \u00b7 {task}")
            self.summary_label.setToolTip(glossary_tip("Samples are the rows (examples); features "
                                                       "are the numbers the network sees for each "
                                                       "one.", "sample"))
            self.rows_button.setText("Show rows")
            self.rows_button.setToolTip(ROWS_TIP)
        self.classes_label.setText(classes_html(ds))
        self.balance_label.setText(balance_text(ds))
        self.balance_label.setVisible(bool(self.balance_label.text()))
        items = "".join(f"<li>{html.escape(n)}</li>" for n in ds.notes)
        self.notes_label.setText(f"<ul style='margin-left:-24px'>{items}</ul>" if items
                                 else "No notes for this data set.")
        self.details_button.setEnabled(True)

    def _on_rows_button_clicked(self) -> None:
        (self.pictures_requested if self._pictures else self.rows_requested).emit()

    def _on_details_button_toggled(self, shown: bool) -> None:
        self.details_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.notes_label.setVisible(shown)
