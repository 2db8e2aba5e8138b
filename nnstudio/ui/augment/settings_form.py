"""The augmentation settings: one row per transform of the registry (on/off, probability,
strength), read into and out of an :class:`~nnstudio.data.augment.AugmentPipeline`."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QGridLayout, QLabel, QWidget

from nnstudio.data.augment import TRANSFORMS, AugmentPipeline

#: How each strength is shown: (suffix, shown = stored * factor, decimals, step).
_UNITS = {"degrees": (" degrees", 1.0, 0, 5.0), "fraction": (" %", 100.0, 0, 5.0),
          "amount": (" %", 100.0, 0, 5.0), "std": (" %", 100.0, 0, 1.0)}


class AugmentSettingsWidget(QWidget):
    """Rows of ``[x] Rotate   probability [100 %]   strength [15 degrees]``.

    Signals
    -------
    pipeline_edited : the user changed a setting (read :meth:`pipeline`).
    """

    pipeline_edited = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("<b>Transform</b>"), 0, 0)
        grid.addWidget(QLabel("<b>How often</b>"), 0, 1)
        grid.addWidget(QLabel("<b>How much</b>"), 0, 2)
        self.rows: dict[str, tuple[QCheckBox, QDoubleSpinBox, QDoubleSpinBox | None]] = {}
        self._rules: dict = {}
        self._fill = "zeros"
        self._loading = False
        for r, (name, cls) in enumerate(TRANSFORMS.items(), start=1):
            box = QCheckBox(cls.label)
            box.setToolTip(cls.help)
            prob = QDoubleSpinBox()
            prob.setRange(0, 100)
            prob.setDecimals(0)
            prob.setSingleStep(10)
            prob.setSuffix(" %")
            prob.setToolTip(f"The share of training pictures that get '{cls.label.lower()}' each time "
                            "they are used (100 %: all of them, each by a random amount).")
            strength = None
            if cls.strength_name is not None:
                suffix, factor, decimals, step = _UNITS[cls.strength_name]
                strength = QDoubleSpinBox()
                strength.setRange(cls.strength_range[0] * factor, cls.strength_range[1] * factor)
                strength.setDecimals(decimals)
                strength.setSingleStep(step)
                strength.setSuffix(suffix)
                strength.setToolTip(f"At most this much: {cls.help}")
                grid.addWidget(strength, r, 2)
            for w in (box, prob, strength):
                if w is None:
                    continue
                (w.toggled if w is box else w.valueChanged).connect(self._on_edited)
            grid.addWidget(box, r, 0)
            grid.addWidget(prob, r, 1)
            self.rows[name] = (box, prob, strength)
        self.set_pipeline(AugmentPipeline())

    def set_pipeline(self, pipeline: AugmentPipeline) -> None:
        """Show ``pipeline`` (transforms it lacks are shown off, at their defaults)."""
        self._loading = True
        try:
            self._rules = pipeline.class_rules
            self._fill = pipeline.fill
            for name, (box, prob, strength) in self.rows.items():
                cls = TRANSFORMS[name]
                t = pipeline.get(name) or cls()
                box.setChecked(pipeline.get(name) is not None)
                prob.setValue(t.probability * 100)
                prob.setEnabled(box.isChecked())
                if strength is not None and cls.strength_name is not None:
                    strength.setValue(t.strength * _UNITS[cls.strength_name][1])
                    strength.setEnabled(box.isChecked())
        finally:
            self._loading = False

    def pipeline(self) -> AugmentPipeline:
        """The pipeline the rows describe (with the class rules and fill it was given)."""
        transforms = []
        for name, (box, prob, strength) in self.rows.items():
            if not box.isChecked():
                continue
            cls = TRANSFORMS[name]
            value = None
            if strength is not None and cls.strength_name is not None:
                value = strength.value() / _UNITS[cls.strength_name][1]
            transforms.append(cls(value, prob.value() / 100))
        return AugmentPipeline(transforms, class_rules=self._rules, fill=self._fill)

    def set_rules(self, rules: dict) -> None:
        self._rules = dict(rules)
        self.pipeline_edited.emit()

    def _on_edited(self, *_args) -> None:
        for _name, (box, prob, strength) in self.rows.items():
            prob.setEnabled(box.isChecked())
            if strength is not None:
                strength.setEnabled(box.isChecked())
        if not self._loading:
            self.pipeline_edited.emit()
