""""When to stop and how fast to learn": early stopping, a target, a learning-rate schedule.

A folding section of the training panel (closed, it is one line that says what is set), so
the panel still fits a 1366x768 laptop. Every control writes the project's training settings
through the controller, as the settings above it do; the policies themselves and their checks
live in :mod:`nnstudio.engine.policies` (``stop``, ``target``, ``schedule`` keys of
``project.training``).
"""
from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.errors import NNStudioError
from nnstudio.project.run_policies import run_policies
from nnstudio.ui.training.schedule_specs import (
    SCHEDULES,
    TARGETS,
    schedule_spec,
    stop_spec,
    summary,
    target_spec,
)

TITLE = "When to stop and how fast to learn"


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" when narrower than its text (all of it in the tooltip)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                                   max(20, self.width())))


class StopAndRateBox(QWidget):
    """The folding section; :attr:`toggle` opens and closes it (closed by default)."""

    def __init__(self, ctl, parent=None):
        super().__init__(parent)
        self._ctl = ctl
        self.toggle = QToolButton()
        self.toggle.setText(TITLE)
        self.toggle.setCheckable(True)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolTip("Stop training by itself (when it stops improving, or at a score "
                               "you choose) and let the learning rate change during the run.")
        # One line, cut with "…" (the whole text in its tooltip): a wrapped summary made the
        # closed section taller than the dock has room for at 1366x768.
        self.summary_label = ElidedLabel()
        self.summary_label.setStyleSheet("color: #555;")
        self.body = QWidget()
        form = QFormLayout(self.body)
        form.setContentsMargins(8, 0, 0, 0)

        # Early stopping: the check box, its patience and whether to go back to the best.
        self.stop_check = QCheckBox("Stop when validation stops improving")
        self.stop_check.setToolTip(
            "Early stopping: end the run when the validation loss has not got better for a "
            "number of epochs, so the network does not go on memorising the training data.")
        self.patience = QSpinBox()
        self.patience.setRange(1, 100_000)
        self.patience.setSuffix(" epochs")
        self.patience.setToolTip("How many epochs without a better validation loss to wait "
                                 "before stopping. Curves wobble: a few epochs is too impatient.")
        self.restore_check = QCheckBox("then go back to the best epoch")
        self.restore_check.setToolTip("When it stops, the network takes back the weights of its "
                                      "best epoch (lowest validation loss), not the last ones.")
        form.addRow(self.stop_check)
        patience_row = QHBoxLayout()
        patience_row.addWidget(QLabel("after"))
        patience_row.addWidget(self.patience, 1)
        form.addRow(patience_row)
        form.addRow(self.restore_check)

        # A target: stop once a score is reached.
        self.target_check = QCheckBox("Stop at a target")
        self.target_check.setToolTip("End the run as soon as the network is good enough: a "
                                     "validation accuracy at least, or a loss at most, this value.")
        self.target_metric = QComboBox()
        for key, (label, tip, _lower, _unit) in TARGETS.items():
            self.target_metric.addItem(label, key)
            self.target_metric.setItemData(self.target_metric.count() - 1, tip, Qt.ToolTipRole)
        self.target_metric.setToolTip("Which score the target is about.")
        self.target_value = QDoubleSpinBox()
        self.target_value.setToolTip("The score to reach: an accuracy in percent, or a loss.")
        self.target_value.setKeyboardTracking(False)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target_metric, 1)
        target_row.addWidget(self.target_value)
        form.addRow(self.target_check)
        form.addRow(target_row)

        # The learning-rate schedule and its one or two settings.
        self.schedule = QComboBox()
        for key, (label, tip) in SCHEDULES.items():
            self.schedule.addItem(label, key)
            self.schedule.setItemData(self.schedule.count() - 1, tip, Qt.ToolTipRole)
        self.schedule.setToolTip("How the learning rate changes during training. It starts at the "
                                 "Learning rate above; the rate of each epoch is drawn under the "
                                 "loss curve.")
        form.addRow("Rate", self.schedule)
        self.settings = QStackedWidget()
        self.settings.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.step_every, self.step_factor = self._spin(1, 100_000, " epochs"), self._factor()
        self.step_every.setToolTip("The rate changes after every this many epochs.")
        self.step_factor.setToolTip("Each change multiplies the rate by this (0.5 halves it).")
        self.cos_epochs, self.cos_final = self._spin(1, 1_000_000, " epochs"), QDoubleSpinBox()
        self.cos_epochs.setToolTip("The rate glides down along a smooth curve over this many "
                                   "epochs, then stays at the final rate.")
        self.cos_final.setDecimals(6)
        self.cos_final.setRange(0.0, 10.0)
        self.cos_final.setSingleStep(0.0001)
        self.cos_final.setKeyboardTracking(False)
        self.cos_final.setToolTip("Where the rate ends (0 = glide all the way down).")
        self.plateau_patience, self.plateau_factor = self._spin(1, 100_000, " epochs"), self._factor()
        self.plateau_patience.setToolTip("When the validation loss has not improved for this "
                                         "many epochs, the rate is lowered.")
        self.plateau_factor.setToolTip("Each time, the rate is multiplied by this (0.1 = a tenth).")
        self.settings.addWidget(QWidget())  # "keep it the same": nothing to set
        for first, a, second, b in (("every", self.step_every, "times", self.step_factor),
                                    ("over", self.cos_epochs, "down to", self.cos_final),
                                    ("after", self.plateau_patience, "times", self.plateau_factor)):
            page = QWidget()
            row = QHBoxLayout(page)
            row.setContentsMargins(0, 0, 0, 0)
            for w in (QLabel(first), a, QLabel(second), b):
                row.addWidget(w)
            self.settings.addWidget(page)
        form.addRow(self.settings)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.toggle)
        lay.addWidget(self.summary_label)
        lay.addWidget(self.body)
        self.body.setVisible(False)

        self.toggle.toggled.connect(self._on_toggle_toggled)
        for w in (self.stop_check, self.restore_check):
            w.toggled.connect(self._write_stop)
        self.patience.valueChanged.connect(self._write_stop)
        self.target_check.toggled.connect(self._write_target)
        self.target_metric.currentIndexChanged.connect(self._on_target_metric_changed)
        self.target_value.valueChanged.connect(self._write_target)
        self.schedule.currentIndexChanged.connect(self._write_schedule)
        for w in (self.step_every, self.step_factor, self.cos_epochs, self.cos_final,
                  self.plateau_patience, self.plateau_factor):
            w.valueChanged.connect(self._write_schedule)
        ctl.settings_changed.connect(self.refresh)
        self.refresh()

    @staticmethod
    def _spin(low: int, high: int, suffix: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setSuffix(suffix)
        spin.setKeyboardTracking(False)  # a half-typed "1" of "15" is not a setting
        return spin

    @staticmethod
    def _factor() -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setDecimals(3)
        spin.setRange(0.001, 0.999)
        spin.setSingleStep(0.05)
        spin.setKeyboardTracking(False)
        return spin

    def _controls(self) -> tuple:
        return (self.stop_check, self.patience, self.restore_check, self.target_check,
                self.target_metric, self.target_value, self.schedule, self.step_every,
                self.step_factor, self.cos_epochs, self.cos_final, self.plateau_patience,
                self.plateau_factor)

    # ------------------------------------------------------------------ model -> UI
    def refresh(self) -> None:
        """Show ``ctl.project.training`` without writing anything back."""
        t = self._ctl.project.training
        blockers = [QSignalBlocker(w) for w in self._controls()]
        stop = (t.get("stop") or {}).get("config") if t.get("stop") else None
        self.stop_check.setChecked(stop is not None)
        self.patience.setValue(int((stop or {}).get("patience", 10)))
        self.restore_check.setChecked(bool((stop or {}).get("restore_best", True)))
        for w in (self.patience, self.restore_check):
            w.setEnabled(stop is not None)
        target = (t.get("target") or {}).get("config") if t.get("target") else None
        self.target_check.setChecked(target is not None)
        metric = (target or {}).get("monitor", "val_acc")
        self.target_metric.setCurrentIndex(max(0, self.target_metric.findData(metric)))
        self._set_target_range(metric)
        if target is not None:
            value = float(target.get("value", 0.9))
            self.target_value.setValue(value * 100 if TARGETS[metric][3] == "%" else value)
        for w in (self.target_metric, self.target_value):
            w.setEnabled(target is not None)
        spec = t.get("schedule") or None
        kind = spec["class"] if spec else ""
        self.schedule.setCurrentIndex(max(0, self.schedule.findData(kind)))
        config = (spec or {}).get("config", {})
        epochs = int(t.get("epochs", 100))
        self.step_every.setValue(int(config.get("every", 10)) if kind == "StepDecay" else 10)
        self.step_factor.setValue(float(config.get("factor", 0.5)) if kind == "StepDecay" else 0.5)
        self.cos_epochs.setValue(int(config.get("epochs", epochs)) if kind == "CosineDecay" else epochs)
        self.cos_final.setValue(float(config.get("final_rate", 0.0)) if kind == "CosineDecay" else 0.0)
        plateau = kind == "ReduceOnPlateau"
        self.plateau_patience.setValue(int(config.get("patience", 5)) if plateau else 5)
        self.plateau_factor.setValue(float(config.get("factor", 0.1)) if plateau else 0.1)
        self.settings.setCurrentIndex(self.schedule.currentIndex())
        self.settings.setVisible(bool(kind))
        del blockers
        self.summary_label.set_full_text(summary(t))
        self.summary_label.setVisible(not self.toggle.isChecked())

    def _set_target_range(self, metric: str) -> None:
        if TARGETS[metric][3] == "%":
            self.target_value.setDecimals(1)
            self.target_value.setRange(0.1, 100.0)
            self.target_value.setSingleStep(1.0)
            self.target_value.setSuffix(" %")
            if self.target_value.value() <= 1.0:
                self.target_value.setValue(90.0)
        else:
            self.target_value.setDecimals(4)
            self.target_value.setRange(0.0, 1e9)
            self.target_value.setSingleStep(0.01)
            self.target_value.setSuffix("")

    # ------------------------------------------------------------------ UI -> model
    def _on_toggle_toggled(self, open_: bool) -> None:
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        self.body.setVisible(open_)
        self.summary_label.setVisible(not open_)

    def _write_stop(self) -> None:
        spec = stop_spec(self.stop_check.isChecked(), self.patience.value(),
                         self.restore_check.isChecked())
        self._write("stop", spec)

    def _on_target_metric_changed(self) -> None:
        with QSignalBlocker(self.target_value):
            self._set_target_range(self.target_metric.currentData())
            if TARGETS[self.target_metric.currentData()][3] != "%":
                self.target_value.setValue(0.1)
        self._write_target()

    def _write_target(self) -> None:
        metric = self.target_metric.currentData()
        value = self.target_value.value()
        if TARGETS[metric][3] == "%":
            value /= 100.0
        self._write("target", target_spec(self.target_check.isChecked(), metric, value))

    def _write_schedule(self) -> None:
        kind = self.schedule.currentData()
        t = self._ctl.project.training
        rate = float(t["optimizer"]["config"].get("learning_rate", 0.01))
        values = {"StepDecay": (self.step_every.value(), self.step_factor.value()),
                  "CosineDecay": (self.cos_epochs.value(), self.cos_final.value()),
                  "ReduceOnPlateau": (self.plateau_patience.value(), self.plateau_factor.value())}
        self._write("schedule", schedule_spec(kind, rate, *values.get(kind, (0, 0))))

    def _write(self, key: str, spec: dict | None) -> None:
        """Set ``training[key]`` when the engine accepts it; else say why and show the old one."""
        try:
            run_policies({**self._ctl.project.training, key: spec})
        except NNStudioError as exc:
            self._ctl.message_posted.emit(str(exc), "error")
            self.refresh()
            return
        self._ctl.set_training(**{key: spec})
