"""Training settings (optimizer, learning rate, batch size, epochs, L2, seed, speed; when to stop
and the rate schedule, folded) and the run buttons."""
from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine.optimizer_choices import OPTIMIZER_CHOICES, choice_by_label, choice_of
from nnstudio.ui.help.links import glossary_tip
from nnstudio.ui.training.schedule_specs import with_rate
from nnstudio.ui.training.stop_rate_box import StopAndRateBox

_OPT_TIP = "How the weights are changed after each batch. "

#: Up to 10, so a class can see what a far too large rate does (the run stops and says why).
LR_MIN, LR_MAX, LR_STEPS_PER_DECADE = 1e-5, 10.0, 20


#: The speed slider's stops, slow to fast, in epochs a second; 0 = as fast as possible. The
#: demo's 200 epochs take under a second at full speed: over before a class has looked.
SPEEDS = (1, 3, 10, 30, 100, 0)
SPEED_TIP = ("How fast training goes. Slide left to slow it down (down to one epoch a second) so a "
             "class can watch the curves, the weights and the decision map change; slide right for "
             "as fast as this computer can. You can change it while training; the project keeps it.")


def speed_text(epochs_per_second: float) -> str:
    """``0`` -> ``"Fastest"``, ``10`` -> ``"10 epochs a second"``, ``1`` -> ``"1 epoch a second"``."""
    if not epochs_per_second:
        return "Fastest"
    return f"{epochs_per_second:g} epoch{'' if epochs_per_second == 1 else 's'} a second"


def speed_to_slider(epochs_per_second: float) -> int:
    """The slider stop nearest to ``epochs_per_second`` (0 = the "Fastest" stop at the right).

    A value from a hand-edited file that is no stop (say 5) shows at the nearest one; the
    run still uses the value itself.
    """
    if not epochs_per_second or epochs_per_second <= 0:
        return len(SPEEDS) - 1
    steps = [abs(math.log(epochs_per_second / s)) for s in SPEEDS[:-1]]
    return steps.index(min(steps))


def lr_to_slider(lr: float) -> int:
    return round((math.log10(lr) - math.log10(LR_MIN)) * LR_STEPS_PER_DECADE)


def slider_to_lr(pos: int) -> float:
    return float(f"{10 ** (math.log10(LR_MIN) + pos / LR_STEPS_PER_DECADE):.3g}")


class TrainingPanel(QWidget):
    """Edits ``ctl.project.training``; the run buttons show the window's shared actions.

    ``learning_rate_edited`` fires on every change so a running trainer can follow it live.
    """

    learning_rate_edited = Signal(float)
    #: Epochs a second (0 = as fast as possible), on every move of the speed slider.
    speed_edited = Signal(float)

    def __init__(self, ctl, actions: dict, parent=None):
        super().__init__(parent)
        self._ctl = ctl
        box = QGroupBox("Training settings")
        form = QFormLayout(box)

        self.optimizer = QComboBox()
        for i, choice in enumerate(OPTIMIZER_CHOICES):  # the engine's list: one source
            self.optimizer.addItem(choice.label)
            self.optimizer.setItemData(i, choice.description, Qt.ToolTipRole)
        self.optimizer.setToolTip(_OPT_TIP + OPTIMIZER_CHOICES[0].description)
        form.addRow("Optimizer", self.optimizer)

        self.lr_slider = QSlider(Qt.Horizontal)
        self.lr_slider.setRange(0, lr_to_slider(LR_MAX))
        self.lr_box = QDoubleSpinBox()
        self.lr_box.setDecimals(5)
        self.lr_box.setRange(LR_MIN, LR_MAX)
        self.lr_box.setSingleStep(0.001)
        tip = ("Learning rate: how big a step each update takes. Too small and learning crawls; too "
               "large and the loss jumps around or explodes. You can change it while training. "
               f"From {LR_MIN:g} to {LR_MAX:g}; 0.01 is a good start for Adam, 0.1 for SGD.")
        tip = glossary_tip(tip, "learning_rate")
        for w in (self.lr_slider, self.lr_box):
            w.setToolTip(tip)
        lr_row = QHBoxLayout()
        lr_row.addWidget(self.lr_slider, 1)
        lr_row.addWidget(self.lr_box)
        form.addRow("Learning rate", lr_row)

        self.batch = QSpinBox()
        self.batch.setRange(1, 65536)
        self.batch.setToolTip(glossary_tip("Samples looked at before each update. 1 = per-sample "
                                           "SGD as in textbooks (slow but noisy); 32 is a common "
                                           "choice.", "batch"))
        form.addRow("Batch size", self.batch)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1_000_000)
        self.epochs.setToolTip(glossary_tip("How many times to go through all training samples "
                                            "when you press Train.", "epoch"))
        form.addRow("Epochs", self.epochs)
        self.l2 = QDoubleSpinBox()
        self.l2.setDecimals(5)
        self.l2.setRange(0.0, 1.0)
        self.l2.setSingleStep(0.0001)
        self.l2.setToolTip(glossary_tip("L2 weight decay: gently pulls every weight towards 0 so "
                                        "the network cannot lean on a few huge weights (helps "
                                        "against overfitting). 0 = off.", "l2_penalty"))
        form.addRow("L2 penalty", self.l2)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Seed of the random starting weights, shuffling and dropout: the same "
                             "seed gives exactly the same training run.")
        form.addRow("Seed", self.seed)
        self.speed = QSlider(Qt.Horizontal)
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setPageStep(1)
        self.speed.setTickPosition(QSlider.TicksBelow)
        self.speed.setAccessibleName("Training speed")
        self.speed_label = QLabel()
        # As wide as the longest text, so the slider does not jump while it moves.
        self.speed_label.setMinimumWidth(max(self.speed_label.fontMetrics().horizontalAdvance(speed_text(v))
                                             for v in SPEEDS))
        for w in (self.speed, self.speed_label):
            w.setToolTip(SPEED_TIP)
        speed_row = QHBoxLayout()
        speed_row.addWidget(self.speed, 1)
        speed_row.addWidget(self.speed_label)
        form.addRow("Speed", speed_row)

        buttons = QGridLayout()
        # The same inset as the settings box above: the right-hand buttons must not touch the
        # window's edge, where a window frame or the screen's edge cuts them off.
        buttons.setContentsMargins(4, 0, 4, 0)
        names = ["train", "pause", "stop", "step", "reset"]
        for i, key in enumerate(names):
            b = QToolButton()
            b.setDefaultAction(actions[key])
            b.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
            b.setSizePolicy(b.sizePolicy().horizontalPolicy().Expanding, b.sizePolicy().verticalPolicy())
            buttons.addWidget(b, i // 3, i % 3)
            setattr(self, f"{key}_button", b)

        #: Early stopping, a target and the rate schedule, folded away by default.
        self.stop_rate = StopAndRateBox(ctl)
        form.addRow(self.stop_rate)

        # The settings scroll when the dock is short (the folding section opened at 1366x768);
        # the run buttons stay in view below them.
        scroll = QScrollArea()
        settings = QWidget()
        settings_lay = QVBoxLayout(settings)
        settings_lay.setContentsMargins(0, 0, 0, 0)
        settings_lay.addWidget(box)
        settings_lay.addStretch(1)
        scroll.setWidget(settings)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll = scroll
        self._settings = settings
        self._fit_closed_settings()
        # A schedule's row ("over 200 epochs down to 0.000000") widens the settings after the
        # section opened: fit the width again whenever their layout changes.
        settings.installEventFilter(self)
        self.stop_rate.toggle.toggled.connect(self._on_stop_rate_toggled)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(scroll, 1)
        lay.addLayout(buttons)

        self.optimizer.currentTextChanged.connect(self._on_optimizer_changed)
        self.lr_slider.valueChanged.connect(self._on_lr_slider_moved)
        self.lr_box.valueChanged.connect(self._on_lr_box_changed)
        self.batch.valueChanged.connect(lambda v: ctl.set_training(batch_size=v))
        self.epochs.valueChanged.connect(lambda v: ctl.set_training(epochs=v))
        self.l2.valueChanged.connect(lambda v: ctl.set_training(weight_decay=v))
        self.seed.valueChanged.connect(lambda v: ctl.set_training(seed=v))
        self.speed.valueChanged.connect(self._on_speed_moved)
        ctl.settings_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Model -> UI, without echoing changes back."""
        t = self._ctl.project.training
        cfg = t["optimizer"]["config"]
        choice = choice_of(t["optimizer"])
        widgets = (self.optimizer, self.lr_slider, self.lr_box, self.batch, self.epochs, self.l2, self.seed,
                   self.speed)
        blockers = [QSignalBlocker(w) for w in widgets]
        self.optimizer.setCurrentText(choice.label)
        self.optimizer.setToolTip(_OPT_TIP + choice.description)
        lr = cfg.get("learning_rate", 0.01)
        self.lr_box.setValue(lr)
        self.lr_slider.setValue(lr_to_slider(max(lr, LR_MIN)))
        self.batch.setValue(t.get("batch_size", 32))
        self.epochs.setValue(t.get("epochs", 100))
        self.l2.setValue(cfg.get("weight_decay", 0.0))
        self.seed.setValue(t.get("seed", 0))
        speed = t.get("epochs_per_second", 0)
        self.speed.setValue(speed_to_slider(speed))
        self.speed_label.setText(speed_text(speed))
        del blockers

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self._settings and event.type() == QEvent.Type.LayoutRequest:
            self._fit_width()
        return super().eventFilter(watched, event)

    def _fit_width(self) -> None:
        """Room for a scroll bar beside the settings, so one never covers their right edge."""
        width = (self._settings.minimumSizeHint().width()
                 + self.scroll.verticalScrollBar().sizeHint().width())
        if self.scroll.minimumWidth() != width:
            self.scroll.setMinimumWidth(width)

    def _fit_closed_settings(self) -> None:
        """Closed, the settings never scroll: the dock keeps room for all of them."""
        if not self.stop_rate.toggle.isChecked():
            self.scroll.setMinimumHeight(self._settings.minimumSizeHint().height())
        self._fit_width()

    def _on_stop_rate_toggled(self, opened: bool) -> None:
        """Opened, the dock grows by the section's height where the window has room (the
        layer settings above give way); what does not fit scrolls."""
        self._fit_closed_settings()
        dock = self.parentWidget()
        window = dock.parentWidget() if dock is not None else None
        if not hasattr(window, "resizeDocks"):
            return
        body = self.stop_rate.body.sizeHint().height()
        grow = body if opened else -body
        window.resizeDocks([dock], [max(dock.minimumSizeHint().height(), dock.height() + grow)],
                           Qt.Vertical)
        if opened:  # what was opened comes into view, if the dock still scrolls
            QTimer.singleShot(0, lambda: self.scroll.ensureWidgetVisible(self.stop_rate.body, 0, 0))

    def _on_speed_moved(self, pos: int) -> None:
        speed = SPEEDS[pos]
        self.speed_label.setText(speed_text(speed))
        self._ctl.set_training(epochs_per_second=speed)
        self.speed_edited.emit(float(speed))

    def _on_optimizer_changed(self, text: str) -> None:
        choice = choice_by_label(text)
        self._ctl.set_training(optimizer=choice.cls.display_name, **choice.settings)

    def _on_lr_slider_moved(self, pos: int) -> None:
        lr = slider_to_lr(pos)
        with QSignalBlocker(self.lr_box):
            self.lr_box.setValue(lr)
        self._set_lr(lr)

    def _on_lr_box_changed(self, lr: float) -> None:
        with QSignalBlocker(self.lr_slider):
            self.lr_slider.setValue(lr_to_slider(max(lr, LR_MIN)))
        self._set_lr(lr)

    def _set_lr(self, lr: float) -> None:
        # A schedule starts from this rate too (with_rate), so what is set here is where the
        # run begins.
        self._ctl.set_training(**with_rate(self._ctl.project.training, lr))
        self.learning_rate_edited.emit(lr)
