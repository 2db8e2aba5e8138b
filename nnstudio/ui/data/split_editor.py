"""Train / validation / test percentages, split seed and feature scaling, with debounced edits."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.ui.help.links import glossary_tip
from nnstudio.ui.text_style import mute

DEBOUNCE_MS = 300
MAX_PERCENT = 45  # each of validation and test; training always keeps at least 10 %


class SplitEditorWidget(QWidget):
    """Edits the project's split dict (``val``, ``test``, ``seed``, ``standardize``).

    ``split_edited(dict)`` carries only the keys the person changed since the last
    ``set_split``: a project saved with 12.5 % keeps that value until its own spin box is
    touched. Slider drags apply on release; keys and spin boxes apply after a short pause.
    """

    split_edited = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._synced: dict = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.apply_now)

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(1, 1)
        self.val_slider, self.val_spin = self._percent_row(
            grid, 0, "Va&lidation:", 5,
            "Share of the samples kept aside to check the network while it trains. "
            "It never learns from them, so this shows how well it copes with new data. "
            f"From 5 to {MAX_PERCENT} %: the live validation curves need a few samples.")
        self.test_slider, self.test_spin = self._percent_row(
            grid, 1, "Te&st:", 0,
            f"Share of the samples kept for a final exam after training, 0 to {MAX_PERCENT} %. "
            "0 % skips the test.")

        self.summary_label = QLabel()
        self.summary_label.setToolTip(glossary_tip("Training data is what the network learns "
                                                   "from: everything not used for validation or "
                                                   "test.", "validation_data"))
        self.sizes_label = QLabel()
        self.sizes_label.setWordWrap(True)
        mute(self.sizes_label)

        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.setToolTip("Which samples land in which part. The same number always gives "
                                  "the same split; change it to shuffle differently.")
        self.seed_spin.valueChanged.connect(self._on_value_changed)
        seed_label = QLabel("Spl&it seed:")
        seed_label.setBuddy(self.seed_spin)
        self.standardize_check = QCheckBox("Stan&dardize features")
        self.standardize_check.setToolTip(glossary_tip(
            "Rescale every input to average 0 and spread 1 (measured on the training part). "
            "Networks learn much better when inputs have similar ranges.", "standardisation"))
        self.standardize_check.toggled.connect(self.apply_now)
        seed_row = QHBoxLayout()
        seed_row.addWidget(seed_label)
        seed_row.addWidget(self.seed_spin)
        seed_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.sizes_label)
        layout.addLayout(seed_row)
        layout.addWidget(self.standardize_check)
        self._update_summary()

    def _percent_row(self, grid: QGridLayout, row: int, text: str, minimum: int,
                     tip: str) -> tuple[QSlider, QSpinBox]:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(minimum, MAX_PERCENT)
        slider.setPageStep(5)
        spin = QSpinBox()
        spin.setRange(minimum, MAX_PERCENT)
        spin.setSuffix(" %")
        spin.setKeyboardTracking(False)
        for w in (slider, spin):
            w.setToolTip(tip)
        label = QLabel(text)
        label.setBuddy(spin)
        label.setToolTip(tip)
        # The slider and the spin box mirror each other; QSpinBox ignores a same-value set.
        slider.valueChanged.connect(spin.setValue)
        spin.valueChanged.connect(slider.setValue)
        spin.valueChanged.connect(self._on_value_changed)
        slider.sliderReleased.connect(self.apply_now)
        grid.addWidget(label, row, 0)
        grid.addWidget(slider, row, 1)
        grid.addWidget(spin, row, 2)
        return slider, spin

    # ------------------------------------------------------------------ model -> UI
    def set_split(self, split: dict) -> None:
        """Show ``split`` (the project's dict) without emitting anything."""
        self._timer.stop()
        widgets = (self.val_slider, self.val_spin, self.test_slider, self.test_spin,
                   self.seed_spin, self.standardize_check)
        for w in widgets:
            w.blockSignals(True)
        val, test = round(split["val"] * 100), round(split["test"] * 100)
        for w in (self.val_slider, self.val_spin):
            w.setValue(val)
        for w in (self.test_slider, self.test_spin):
            w.setValue(test)
        self.seed_spin.setValue(int(split.get("seed", 0)))
        self.standardize_check.setChecked(bool(split.get("standardize", True)))
        for w in widgets:
            w.blockSignals(False)
        self._synced = self._values()
        self._update_summary()

    def set_sizes(self, n_train: int, n_val: int, n_test: int) -> None:
        self.sizes_label.setText(f"{n_train:,} \u00b7 {n_val:,} \u00b7 {n_test:,} samples")
        self.sizes_label.setToolTip(f"{n_train:,} samples to train on, {n_val:,} to validate with, "
                                    f"{n_test:,} for the final test.")

    # ------------------------------------------------------------------ UI -> model
    def _values(self) -> dict:
        return {"val": self.val_spin.value(), "test": self.test_spin.value(),
                "seed": self.seed_spin.value(), "standardize": self.standardize_check.isChecked()}

    def _on_value_changed(self, _value: int) -> None:
        self._update_summary()
        if not (self.val_slider.isSliderDown() or self.test_slider.isSliderDown()):
            self._timer.start()  # (re)start: one apply after the last change

    def pending(self) -> bool:
        """True while an edit waits for the debounce timer."""
        return self._timer.isActive()

    def apply_now(self) -> None:
        """Emit the changes made since the last ``set_split`` (if any)."""
        self._timer.stop()
        now = self._values()
        changed = {k: v for k, v in now.items() if self._synced.get(k) != v}
        if not changed:
            return
        self._synced = now
        for key in ("val", "test"):
            if key in changed:
                changed[key] = changed[key] / 100
        self.split_edited.emit(changed)

    def _update_summary(self) -> None:
        val, test = self.val_spin.value(), self.test_spin.value()
        self.summary_label.setText(f"<b>Train {100 - val - test} %</b> \u00b7 Validation {val} % "
                                   f"\u00b7 Test {test} %")

    def discard_pending(self) -> None:
        """Forget an edit still waiting for the timer (the panel is closing)."""
        self._timer.stop()
