"""Did the fix help? Two short runs from the same weights and seed, overlaid in one plot, and
the doctor's sentence underneath.

While the proof runs: its progress and a Cancel button. Then the compared score (validation
loss, say) of the run without the fix in grey and with the fix in green, the training loss of
each dashed; the sentence says what the two ended at and whether that is a clear difference.
"""
from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.ui.views.axes import ReadableAxis
from nnstudio.ui.views.palette import BACKGROUND, HINT_STYLE, style_plot

WITHOUT_COLOR = "#9A9A9A"
WITH_COLOR = "#3B9B5E"
_WORDS = {"val_loss": "validation loss", "val_acc": "validation accuracy (%)",
          "train_loss": "training loss", "train_acc": "training accuracy (%)"}


class _Plot(pg.PlotWidget):
    def sizeHint(self):  # noqa: N802 - Qt override: do not claim the scene's size
        return QSize(300, 160)


class ProofViewWidget(QWidget):
    """Shows one proof: :meth:`start` (progress), :meth:`set_progress`, :meth:`show_proof`.

    Attributes
    ----------
    curves : dict[str, pyqtgraph.PlotDataItem]
        ``"without"``, ``"with"`` (the compared score per epoch), ``"without_train"``,
        ``"with_train"`` (the training loss, dashed; hidden when the score is that).
    sentence_label : QLabel
        The doctor's sentence, once the proof is done.
    """

    cancel_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFormat("Training without and with the fix: %p %")
        self.progress.setToolTip("Two short runs from the same starting weights and seed: one "
                                 "without the fix, one with it.")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the comparison (the fix stays applied; Undo takes it back).")
        self.cancel_button.clicked.connect(self.cancel_requested)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.key_label = QLabel(
            f'<span style="color:{WITHOUT_COLOR}">━━</span> without the fix &nbsp;&nbsp; '
            f'<span style="color:{WITH_COLOR}">━━</span> with the fix &nbsp;&nbsp; '
            '<span style="color:#666">╌╌</span> training loss')
        self.plot = _Plot(background=BACKGROUND, axisItems={"left": ReadableAxis("left")})
        item = self.plot.getPlotItem()
        style_plot(item, bottom="epoch", left="validation loss")
        item.showGrid(x=False, y=False)
        item.setContentsMargins(0, 7, 4, 0)
        self.curves = {}
        for key, color, style in (("without", WITHOUT_COLOR, Qt.PenStyle.SolidLine),
                                  ("with", WITH_COLOR, Qt.PenStyle.SolidLine),
                                  ("without_train", WITHOUT_COLOR, Qt.PenStyle.DashLine),
                                  ("with_train", WITH_COLOR, Qt.PenStyle.DashLine)):
            width = 2 if style == Qt.PenStyle.SolidLine else 1
            self.curves[key] = item.plot([], [], pen=pg.mkPen(color, width=width, style=style),
                                         connect="finite")
        self.plot.setToolTip("Grey: the settings before the fix. Green: with the fix. Both runs "
                             "start from the same weights and shuffle the data the same way, "
                             "so the fix is the only difference.")
        self.sentence_label = QLabel()
        self.sentence_label.setWordWrap(True)
        self.sentence_label.setStyleSheet(HINT_STYLE)
        self.sentence_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sentence_label.setVisible(False)
        self.empty_label = QLabel("Press a fix under the loss curve: it is applied (Undo takes it "
                                  "back) and then tried out here, with and without it.")
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color: #666;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        lay.addWidget(self.title)
        lay.addLayout(progress_row)
        lay.addWidget(self.key_label)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.sentence_label)
        lay.addWidget(self.empty_label)
        self.proof = None
        self._set_running(False)
        self.key_label.setVisible(False)
        self.title.setVisible(False)

    def _set_running(self, running: bool) -> None:
        for w in (self.progress, self.cancel_button):
            w.setVisible(running)

    def start(self, label: str) -> None:
        """A proof of the fix ``label`` has started: empty plot, progress at 0."""
        self.proof = None
        self.title.setText(f"<b>Trying out:</b> {escape(label)}")
        self.title.setVisible(True)
        self.empty_label.setVisible(False)
        self.sentence_label.setVisible(False)
        self.key_label.setVisible(True)
        for curve in self.curves.values():
            curve.setData([], [])
        self.progress.setValue(0)
        self._set_running(True)

    def set_progress(self, fraction: float) -> None:
        self.progress.setValue(int(round(100 * max(0.0, min(1.0, fraction)))))

    def show_failure(self, message: str) -> None:
        self._set_running(False)
        self.sentence_label.setText(message)
        self.sentence_label.setVisible(True)

    def show_proof(self, proof) -> None:
        """Draw ``proof`` (:class:`nnstudio.doctor.prove.Proof`) and say what it found."""
        self.proof = proof
        self._set_running(False)
        self.title.setText(f"<b>Tried out:</b> {escape(proof.fix.label)} &nbsp;<span style='color:#666'>"
                           f"({proof.epochs:,} epochs each, seed {proof.seed}; the fix stays "
                           "applied, Undo takes it back)</span>")
        metric = proof.metric
        scale = 100.0 if metric.endswith("_acc") else 1.0
        self.plot.getPlotItem().setLabel("left", _WORDS.get(metric, metric))
        for key, run in (("without", proof.without), ("with", proof.with_fix)):
            x, y = _series(run.history, metric, scale)
            self.curves[key].setData(x, y)
            show_train = metric != "train_loss"
            tx, ty = _series(run.history, "train_loss", 1.0) if show_train and scale == 1.0 else ([], [])
            self.curves[f"{key}_train"].setData(tx, ty)
        self.plot.getPlotItem().enableAutoRange()
        self.sentence_label.setText(proof.sentence)
        self.sentence_label.setVisible(True)


def _series(history: dict, key: str, scale: float) -> tuple[np.ndarray, np.ndarray]:
    epochs = np.asarray(history.get("epoch", []), float)
    values = np.array([np.nan if v is None else v for v in history.get(key, [])], float)
    if len(values) != len(epochs) or not np.isfinite(values).any():
        return np.array([]), np.array([])
    return epochs, values * scale
