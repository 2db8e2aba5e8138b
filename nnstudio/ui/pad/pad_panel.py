"""The drawing pad: draw a picture of the data's size and see the network's answer, live."""
from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.ui.gallery.gallery_model import percent
from nnstudio.ui.gallery.pictures import to_pixmap
from nnstudio.ui.pad.pad_canvas import PadCanvasWidget
from nnstudio.ui.pad.prob_bars import ProbabilityBarsWidget
from nnstudio.ui.text_style import mute

#: The answer is worked out at most this often while drawing (ms): live, yet a conv net's
#: forward pass never queues up behind the mouse.
THROTTLE_MS = 60
#: Pictures the data's background colour is measured on.
BACKGROUND_SAMPLE = 500
NO_PICTURES = ("The drawing pad is for picture data: open an image folder or pick a picture set "
               "(such as the MNIST digits), then draw one here.")


def data_fill(X: np.ndarray, background: QColor) -> float:
    """The share of the side the drawn part of pictures ``X`` (n, H, W, C) usually covers:
    the median of each picture's longer ink extent / its side (MNIST: ~20 / 28)."""
    x = X[:BACKGROUND_SAMPLE].astype(np.int16)
    bg = np.array(background.getRgb()[:x.shape[3]] if x.shape[3] == 3 else [background.red()])
    ink = np.abs(x - bg).max(axis=3) > 32                          # (n, H, W)
    rows, cols = ink.any(axis=2), ink.any(axis=1)                  # (n, H), (n, W)
    def extent(m: np.ndarray) -> np.ndarray:
        first = m.argmax(axis=1)
        last = m.shape[1] - 1 - m[:, ::-1].argmax(axis=1)
        return np.where(m.any(axis=1), last - first + 1, 0)
    share = np.maximum(extent(rows) / x.shape[1], extent(cols) / x.shape[2])
    share = share[share > 0]
    return float(np.clip(np.median(share), 0.3, 1.0)) if len(share) else 1.0


def data_colours(X: np.ndarray) -> tuple[QColor, QColor]:
    """``(background, ink)`` of pictures ``X`` uint8 (n, H, W, C): the median of their border
    pixels, and its opposite (MNIST: black and white)."""
    x = X[:BACKGROUND_SAMPLE]
    border = np.concatenate([x[:, 0].reshape(-1, x.shape[3]), x[:, -1].reshape(-1, x.shape[3]),
                             x[:, :, 0].reshape(-1, x.shape[3]), x[:, :, -1].reshape(-1, x.shape[3])])
    bg = np.median(border, axis=0).astype(int)
    rgb = [int(v) for v in (np.repeat(bg, 3) if len(bg) == 1 else bg)]
    return QColor(*rgb), QColor(*(255 - v for v in rgb))


class DrawingPadPanel(QWidget):
    """Canvas, brush size, Clear, what the network sees, and its probabilities as bars.

    ``outputs`` holds ``network.predict`` of :meth:`pixels`, untouched (shape (n_outputs,));
    ``probabilities`` the probability of each class drawn as bars (the same array, except for
    one sigmoid output p, which is [1 - p, p]); both None when there is nothing to answer with.
    """

    def __init__(self, ctl, runner=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctl = ctl
        self.probabilities: np.ndarray | None = None
        self.outputs: np.ndarray | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(THROTTLE_MS)
        self._timer.timeout.connect(self.update_answer)

        self.intro = QLabel()
        self.intro.setWordWrap(True)
        mute(self.intro)
        self.canvas = PadCanvasWidget()
        self.canvas.changed.connect(self._timer.start)

        self.brush_spin = QDoubleSpinBox()
        self.brush_spin.setRange(0.5, 8.0)
        self.brush_spin.setSingleStep(0.5)
        self.brush_spin.setDecimals(1)
        self.brush_spin.setSuffix(" px")
        self.brush_spin.setToolTip("How thick the pen is, in pixels of the data's pictures.")
        self.brush_spin.valueChanged.connect(lambda v: setattr(self.canvas, "brush", float(v)))
        brush_label = QLabel("&Pen:")
        brush_label.setBuddy(self.brush_spin)
        self.ink_button = QPushButton("&Ink\u2026")
        self.ink_button.setToolTip("The colour the pen draws in (colour pictures only).")
        self.ink_button.clicked.connect(self._on_ink_button_clicked)
        self.clear_button = QPushButton("&Clear")
        self.clear_button.setToolTip("Start a new drawing (Delete).")
        self.clear_button.clicked.connect(self.canvas.clear)
        QShortcut(QKeySequence.StandardKey.Delete, self, self.canvas.clear,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.centre_check = QCheckBox("Centre and size &like the data")
        self.centre_check.setChecked(True)
        self.centre_check.toggled.connect(self._on_centre_check_toggled)
        self.seen = QLabel()
        self.seen.setToolTip("What the network sees: your drawing at the data's own size.")
        tools = QHBoxLayout()
        tools.setContentsMargins(0, 0, 0, 0)
        tools.addWidget(brush_label)
        tools.addWidget(self.brush_spin)
        tools.addWidget(self.ink_button)
        tools.addWidget(self.clear_button)
        tools.addStretch(1)

        self.answer_label = QLabel()
        self.answer_label.setWordWrap(True)
        answer = QHBoxLayout()
        answer.setContentsMargins(0, 0, 0, 0)
        answer.addWidget(self.seen)
        answer.addWidget(self.answer_label, 1)
        self.bars = ProbabilityBarsWidget()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.intro)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(tools)
        layout.addWidget(self.centre_check)
        layout.addLayout(answer)
        layout.addWidget(self.bars)

        ctl.dataset_changed.connect(self._on_ctl_dataset_changed)
        ctl.weights_changed.connect(self._timer.start)
        ctl.network_changed.connect(self._timer.start)
        if runner is not None:  # the window's network takes the run's weights at each snapshot
            runner.snapshot_ready.connect(lambda _s: self._timer.start())
        self._shape = None
        self._on_ctl_dataset_changed()

    # ------------------------------------------------------------------ public
    def pixels(self) -> np.ndarray:
        """The drawing as the network receives it: uint8 of shape (H, W, C)."""
        return self.canvas.pixels()

    def update_answer(self) -> None:
        """Ask the network about the drawing now (normally throttled after each stroke)."""
        self._timer.stop()
        ds, net = self.ctl.dataset, self.ctl.network
        pixels = self.pixels()
        side = max(pixels.shape[:2])
        self.seen.setPixmap(to_pixmap(pixels, side * max(1, 48 // side)))
        if ds is None or not ds.is_image or ds.task != "classification":
            return self._no_answer("")
        if net is None or tuple(net.input_shape) != tuple(pixels.shape):
            return self._no_answer("The network does not take pictures of this size yet; "
                                   "fix the network first.")
        p = self.outputs = net.predict(pixels[None])[0]
        if len(p) == 1:  # one sigmoid output: the probability of the second class
            p = np.array([1.0 - p[0], p[0]], dtype=p.dtype)
        self.probabilities = p
        self.bars.set_probabilities(ds.class_names, p)
        best = int(np.argmax(p))
        trained = bool(self.ctl.project.history.get("epoch"))
        guess = "" if trained else (" <span style='color:#8a5300'>(the network is not trained "
                                    "yet: this is a guess)</span>")
        name = html.escape(ds.class_names[best])
        if self.canvas.is_blank():
            self.answer_label.setText(f"Draw something. Even for an empty pad the network answers "
                                      f"{name} ({percent(p[best])} sure): it always picks a class.")
            return
        self.answer_label.setText(f"It sees the picture on the left and answers <b style='font-size:14pt'>"
                                  f"{name}</b> ({percent(p[best])} sure){guess}")

    # ------------------------------------------------------------------ model -> UI
    def _on_ctl_dataset_changed(self) -> None:
        ds = self.ctl.dataset
        image = ds is not None and ds.is_image and ds.task == "classification"
        self.canvas.setEnabled(image)
        for w in (self.brush_spin, self.clear_button, self.centre_check):
            w.setEnabled(image)
        if not image:
            self.intro.setText(NO_PICTURES)
            self._shape = None
            self._no_answer("")
            return
        if ds.sample_shape == self._shape and ds.X is getattr(self, "_shown_X", None):
            return  # a new split of the same pictures: keep the drawing
        self._shape, self._shown_X = ds.sample_shape, ds.X
        h, w, c = ds.sample_shape
        self.canvas.set_shape(h, w, c)
        bg, ink = data_colours(ds.X)
        self.canvas.set_colours(bg, ink)
        self.ink_button.setVisible(c == 3)
        self._show_ink()
        self._fill = data_fill(ds.X, bg)
        self.canvas.fill = self._fill if self.centre_check.isChecked() else None
        self.centre_check.setToolTip(
            f"Before the network looks, your drawing is resized so it covers {self._fill:.0%} of the "
            "picture, as in the data, and moved so its middle is in the middle. MNIST did the same "
            "to every digit; without it a digit drawn small or in a corner looks like none the "
            "network has seen. 'It sees' shows the result.")
        # About a 14th of the side: MNIST's pen strokes are 2-3 pixels of 28.
        self.brush_spin.setValue(round(max(1.0, max(h, w) / 12) * 2) / 2)
        dark = bg.lightness() < 128
        self.intro.setText(f"Draw like the data ({h}\u00d7{w}, {'grey' if c == 1 else 'colour'}): "
                           f"{'light on dark' if dark else 'dark on light'}, as the data has them. "
                           "The right button erases.")
        self.update_answer()

    def set_ink(self, colour: QColor) -> None:
        """Draw on in ``colour`` (as the Ink… button does)."""
        self.canvas.set_ink(colour)
        self._show_ink()

    def _show_ink(self) -> None:
        c = self.canvas.ink
        text = "black" if c.lightness() > 128 else "white"
        self.ink_button.setStyleSheet(f"QPushButton {{ background: {c.name()}; color: {text}; }}")

    def _on_ink_button_clicked(self) -> None:
        colour = QColorDialog.getColor(self.canvas.ink, self, "Pen colour")
        if colour.isValid():
            self.set_ink(colour)

    def _on_centre_check_toggled(self, on: bool) -> None:
        self.canvas.fill = getattr(self, "_fill", None) if on else None
        self.update_answer()

    def _no_answer(self, text: str) -> None:
        self.probabilities = self.outputs = None
        ds = self.ctl.dataset
        self.bars.set_probabilities(ds.class_names if ds is not None and ds.is_image else [], None)
        self.answer_label.setText(text)
