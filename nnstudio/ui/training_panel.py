"""Training settings (optimizer, learning rate, batch size, epochs, L2, seed) and the run buttons."""
from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QSlider, QSpinBox, QToolButton, QVBoxLayout, QWidget)

#: What the optimizer combo shows -> (optimizer class, momentum, nesterov).
OPTIMIZER_CHOICES = {
    "Adam": ("Adam", None, None),
    "SGD": ("SGD", 0.0, False),
    "SGD + momentum": ("SGD", 0.9, False),
    "SGD + Nesterov": ("SGD", 0.9, True),
}
_OPT_TIPS = {
    "Adam": "Adapts the step size for every weight; a robust default that needs little tuning.",
    "SGD": "Plain gradient descent: each step moves every weight a little against its gradient.",
    "SGD + momentum": "Gradient descent that keeps some speed from earlier steps, like a rolling ball.",
    "SGD + Nesterov": "Momentum that looks one step ahead before correcting; often a little steadier.",
}
#: Up to 10, so a class can see what a far too large rate does (the run stops and says why).
LR_MIN, LR_MAX, LR_STEPS_PER_DECADE = 1e-5, 10.0, 20


def lr_to_slider(lr: float) -> int:
    return round((math.log10(lr) - math.log10(LR_MIN)) * LR_STEPS_PER_DECADE)


def slider_to_lr(pos: int) -> float:
    return float(f"{10 ** (math.log10(LR_MIN) + pos / LR_STEPS_PER_DECADE):.3g}")


class TrainingPanel(QWidget):
    """Edits ``ctl.project.training``; the run buttons show the window's shared actions.

    ``learning_rate_edited`` fires on every change so a running trainer can follow it live.
    """

    learning_rate_edited = Signal(float)
    slow_motion_toggled = Signal(bool)

    def __init__(self, ctl, actions: dict, parent=None):
        super().__init__(parent)
        self._ctl = ctl
        box = QGroupBox("Training settings")
        form = QFormLayout(box)

        self.optimizer = QComboBox()
        for i, name in enumerate(OPTIMIZER_CHOICES):
            self.optimizer.addItem(name)
            self.optimizer.setItemData(i, _OPT_TIPS[name], Qt.ToolTipRole)
        self.optimizer.setToolTip("How the weights are changed after each batch. " + _OPT_TIPS["Adam"])
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
        for w in (self.lr_slider, self.lr_box):
            w.setToolTip(tip)
        lr_row = QHBoxLayout()
        lr_row.addWidget(self.lr_slider, 1)
        lr_row.addWidget(self.lr_box)
        form.addRow("Learning rate", lr_row)

        self.batch = QSpinBox()
        self.batch.setRange(1, 65536)
        self.batch.setToolTip("Samples looked at before each update. 1 = per-sample SGD as in "
                              "textbooks (slow but noisy); 32 is a common choice.")
        form.addRow("Batch size", self.batch)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1_000_000)
        self.epochs.setToolTip("How many times to go through all training samples when you press Train.")
        form.addRow("Epochs", self.epochs)
        self.l2 = QDoubleSpinBox()
        self.l2.setDecimals(5)
        self.l2.setRange(0.0, 1.0)
        self.l2.setSingleStep(0.0001)
        self.l2.setToolTip("L2 weight decay: gently pulls every weight towards 0 so the network "
                           "cannot lean on a few huge weights (helps against overfitting). 0 = off.")
        form.addRow("L2 penalty", self.l2)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Seed of the random starting weights, shuffling and dropout: the same "
                             "seed gives exactly the same training run.")
        form.addRow("Seed", self.seed)
        self.slow = QCheckBox("Slow motion (about 10 epochs a second)")
        self.slow.setToolTip("Trains slowly enough to watch the decision map, the weights and the "
                             "curves change epoch by epoch. Untick it for full speed; you can switch "
                             "while training.")
        form.addRow(self.slow)

        buttons = QGridLayout()
        names = ["train", "pause", "stop", "step", "reset"]
        for i, key in enumerate(names):
            b = QToolButton()
            b.setDefaultAction(actions[key])
            b.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
            b.setSizePolicy(b.sizePolicy().horizontalPolicy().Expanding, b.sizePolicy().verticalPolicy())
            buttons.addWidget(b, i // 3, i % 3)
            setattr(self, f"{key}_button", b)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(box)
        lay.addLayout(buttons)
        lay.addStretch(1)

        self.optimizer.currentTextChanged.connect(self._on_optimizer_changed)
        self.lr_slider.valueChanged.connect(self._on_lr_slider_moved)
        self.lr_box.valueChanged.connect(self._on_lr_box_changed)
        self.batch.valueChanged.connect(lambda v: ctl.set_training(batch_size=v))
        self.epochs.valueChanged.connect(lambda v: ctl.set_training(epochs=v))
        self.l2.valueChanged.connect(lambda v: ctl.set_training(weight_decay=v))
        self.seed.valueChanged.connect(lambda v: ctl.set_training(seed=v))
        self.slow.toggled.connect(self._on_slow_toggled)
        ctl.settings_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """Model -> UI, without echoing changes back."""
        t = self._ctl.project.training
        opt = t["optimizer"]
        cfg = opt["config"]
        if opt["class"] == "Adam":
            choice = "Adam"
        elif cfg.get("nesterov"):
            choice = "SGD + Nesterov"
        elif cfg.get("momentum"):
            choice = "SGD + momentum"
        else:
            choice = "SGD"
        widgets = (self.optimizer, self.lr_slider, self.lr_box, self.batch, self.epochs, self.l2, self.seed,
                   self.slow)
        blockers = [QSignalBlocker(w) for w in widgets]
        self.optimizer.setCurrentText(choice)
        self.optimizer.setToolTip("How the weights are changed after each batch. " + _OPT_TIPS[choice])
        lr = cfg.get("learning_rate", 0.01)
        self.lr_box.setValue(lr)
        self.lr_slider.setValue(lr_to_slider(max(lr, LR_MIN)))
        self.batch.setValue(t.get("batch_size", 32))
        self.epochs.setValue(t.get("epochs", 100))
        self.l2.setValue(cfg.get("weight_decay", 0.0))
        self.seed.setValue(t.get("seed", 0))
        self.slow.setChecked(bool(t.get("slow_motion", False)))
        del blockers

    def _on_slow_toggled(self, on: bool) -> None:
        self._ctl.set_training(slow_motion=on)
        self.slow_motion_toggled.emit(on)

    def _on_optimizer_changed(self, text: str) -> None:
        cls, momentum, nesterov = OPTIMIZER_CHOICES[text]
        changes = {"optimizer": cls}
        if cls == "SGD":
            changes.update(momentum=momentum, nesterov=nesterov)
        self._ctl.set_training(**changes)

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
        self._ctl.set_training(learning_rate=lr)
        self.learning_rate_edited.emit(lr)
