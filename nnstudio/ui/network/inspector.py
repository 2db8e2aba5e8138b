"""The layer inspector: the settings of the layer selected on the canvas, and the network's size.

Every change goes through ``ctl.update_layer`` (undoable); the panel redraws itself from the
controller's signals with its widgets' signals blocked, so a refresh never edits the model.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine import ACTIVATIONS, LAYERS, get_activation
from nnstudio.engine.layers import describe_shape
from nnstudio.ui.help.links import glossary_tip
from nnstudio.ui.network.inspector_images import ImageLayerForms
from nnstudio.ui.network.layer_specs import POWERS_OF_TWO, output_explanation

#: Largest layer the inspector accepts; more would take gigabytes with a 784-pixel input.
MAX_UNITS = 10_000
_INVALID_STYLE = "QComboBox { border: 2px solid #d93025; border-radius: 3px; }"


class UnitsValidator(QValidator):
    """Digits only (letters are refused while typing); Acceptable for 1..MAX_UNITS."""

    def validate(self, text: str, pos: int):
        t = text.strip()
        if t and not t.isdigit():
            return QValidator.State.Invalid, text, pos
        if t and 1 <= int(t) <= MAX_UNITS:
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos


def _label(text: str = "", style: str = "") -> QLabel:
    lab = QLabel(text)
    lab.setWordWrap(True)
    lab.setTextInteractionFlags(Qt.TextSelectableByMouse)
    if style:
        lab.setStyleSheet(style)
    return lab


class LayerInspectorPanel(QWidget):
    """Edits the selected layer: neurons, activation and freezing, or the dropout rate.

    Parameters
    ----------
    ctl : ProjectController
        The panel reads ``ctl.layers`` / ``ctl.selected`` and edits through ``update_layer``.
    """

    def __init__(self, ctl, parent: QWidget | None = None):
        super().__init__(parent)
        self._ctl = ctl
        self._invalid = False
        self.title_label = _label(style="font-weight: 600; font-size: 11pt;")
        self.about_label = _label(style="color: #5f6368;")

        self.units_combo = QComboBox()
        self.units_combo.setEditable(True)
        self.units_combo.setInsertPolicy(QComboBox.NoInsert)
        self.units_combo.setCompleter(None)  # inline completion would turn "12" into "128"
        self.units_combo.addItems([str(n) for n in POWERS_OF_TWO])
        self.units_combo.setValidator(UnitsValidator(self.units_combo))
        self.units_combo.setToolTip("How many neurons this layer has. Pick one or type any whole "
                                    f"number from 1 to {MAX_UNITS:,}, then press Enter. More neurons "
                                    "can learn more complicated shapes but train slower.")
        self.units_combo.lineEdit().installEventFilter(self)
        self.units_combo.installEventFilter(self)  # focus-out reaches the combo, not its line
        self.units_combo.lineEdit().inputRejected.connect(self._on_units_input_rejected)
        self.units_combo.lineEdit().textEdited.connect(self._on_units_text_edited)
        self.units_combo.activated.connect(self._on_units_activated)

        self.activation_combo = QComboBox()
        for name, cls in ACTIVATIONS.items():
            self.activation_combo.addItem(name, cls.key)
            self.activation_combo.setItemData(self.activation_combo.count() - 1,
                                              cls.description, Qt.ToolTipRole)
        self.activation_combo.setToolTip(glossary_tip(
            "What each neuron does with its sum before passing it on.", "activation"))
        self.activation_combo.activated.connect(self._on_activation_activated)

        # Two lines: a check box cannot wrap and the inspector dock is narrow.
        self.frozen_check = QCheckBox("Frozen: keep these weights\nfixed while training")
        self.frozen_check.setToolTip(
            "A frozen layer keeps its weights: training only changes the other layers.\n"
            "Freeze layers that have already learned something useful (trained here, or from a "
            "trained project) so new training cannot spoil them. Freezing fresh random weights "
            "only keeps them random.")
        self.frozen_check.toggled.connect(self._on_frozen_toggled)

        self.rate_spin = QDoubleSpinBox()
        self.rate_spin.setRange(0.0, 0.9)
        self.rate_spin.setSingleStep(0.05)
        self.rate_spin.setDecimals(2)
        self.rate_spin.setKeyboardTracking(False)  # apply on Enter / arrows, not per keystroke
        self.rate_spin.setToolTip(glossary_tip("The share of neurons switched off at each "
                                               "training step (0.2 = 20 %). Helps against "
                                               "learning the examples by heart.", "dropout"))
        self.rate_spin.valueChanged.connect(self._on_rate_value_changed)

        self.dense_form = QWidget()
        form = QFormLayout(self.dense_form)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.addRow("Neurons:", self.units_combo)
        form.addRow("Activation:", self.activation_combo)
        form.addRow(self.frozen_check)
        self.dropout_form = QWidget()
        form = QFormLayout(self.dropout_form)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Switch-off rate:", self.rate_spin)
        self.image_forms = ImageLayerForms(ctl)

        self.params_label = _label(style="color: #202124;")
        self.output_label = _label(style="color: #5f6368;")
        self.issue_label = _label(style="color: #b3261e; background: #fdecea; border-radius: 4px;"
                                        " padding: 6px;")
        self.hint_label = _label("Click a layer in the network to change its settings here. "
                                 "Drag layers from the palette to add them.", "color: #5f6368;")
        self.totals_label = _label(style="color: #202124;")
        self.totals_label.setTextFormat(Qt.RichText)
        self.totals_label.setToolTip("Parameters are the numbers the network learns: one weight per "
                                     "connection and one bias per neuron. Frozen ones stay fixed.")

        # The settings scroll when the dock is short, so a long warning never squashes the
        # boxes above it; the totals stay in view below.
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 6, 0)  # keeps text off the scroll bar when it shows
        # The warning sits right under the boxes that fix it, so a short dock still shows it.
        for w in (self.title_label, self.about_label, self.dense_form, self.dropout_form,
                  self.image_forms, self.issue_label, self.params_label, self.output_label, self.hint_label):
            lay.addWidget(w)
        lay.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidget(body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.addWidget(self.scroll, 1)
        outer.addWidget(self.totals_label)

        ctl.network_changed.connect(self.refresh)
        ctl.dataset_changed.connect(self.refresh)
        ctl.selection_changed.connect(self.refresh)
        self.refresh()

    # ------------------------------------------------------------------ model -> view
    def refresh(self, *_args) -> None:
        """Show the selected layer's settings (widgets' signals blocked: no edit comes back)."""
        ctl = self._ctl
        i = ctl.selected if 0 <= ctl.selected < len(ctl.layers) else -1
        self._set_invalid(False)
        self.totals_label.setText(self._totals_html())
        self.hint_label.setVisible(i < 0)
        check = ctl.shape_check()
        if i < 0:
            self.title_label.setText("Network" if ctl.layers else "No network yet")
            for w in (self.about_label, self.dense_form, self.dropout_form, self.params_label,
                      self.output_label, self.issue_label):
                w.hide()
            self.image_forms.show_layer(None)
            if check is not None and check.problem:  # said even before a layer is clicked
                self.issue_label.setText(f"\u26a0 {check.problem}")
                self.issue_label.show()
            return
        spec = ctl.layers[i]
        cfg, kind = spec["config"], spec["class"]
        is_output = i == len(ctl.layers) - 1
        self.title_label.setText(f"Output layer ({kind})" if is_output
                                 else f"Layer {i + 1}: {kind}")
        self.about_label.setText(LAYERS[kind].description)
        self.about_label.show()
        self.dense_form.setVisible(kind == "Dense")
        self.dropout_form.setVisible(kind == "Dropout")
        self.image_forms.show_layer(spec)
        widgets = (self.units_combo, self.activation_combo, self.frozen_check, self.rate_spin)
        for w in widgets:
            w.blockSignals(True)
        try:
            if kind == "Dense":
                self.units_combo.setEditText(str(cfg["units"]))
                key = get_activation(cfg.get("activation", "linear")).key
                self.activation_combo.setCurrentIndex(max(0, self.activation_combo.findData(key)))
                self.frozen_check.setChecked(not cfg.get("trainable", True))
            else:
                self.rate_spin.setValue(float(cfg.get("rate", 0.0)))
        finally:
            for w in widgets:
                w.blockSignals(False)
        self.params_label.setText(self.params_text(i))
        self.params_label.show()
        self.output_label.setVisible(is_output and ctl.dataset is not None)
        if is_output and ctl.dataset is not None:
            self.output_label.setText(output_explanation(ctl.dataset, spec))
        issue = ctl.output_issue() if is_output else None
        if check is not None and check.bad is not None and i >= check.bad:
            issue = (f"This layer does not fit: {check.reason}" if i == check.bad else
                     f"Its size is not known: layer {check.bad + 1} before it does not fit "
                     f"({check.reason})")
        self.issue_label.setVisible(issue is not None)
        self.issue_label.setText(f"\u26a0 {issue}" if issue else "")

    def params_text(self, i: int) -> str:
        """What layer ``i`` receives and gives, and its parameter arithmetic (the engine's,
        e.g. ``3x3 kernel × 1 channel × 16 filters + 16 biases = 160 parameters``)."""
        check = self._ctl.shape_check()
        info = check.shapes[i] if check is not None and i < len(check.shapes) else None
        if info is None:
            return "Parameters: not known until the layer fits what it receives."
        if len(info.input_shape) == 1 and len(info.output_shape) == 1:
            return info.param_text  # "8 inputs × 4 neurons + ..." says the sizes already
        flow = (f"Receives {describe_shape(info.input_shape)}, gives "
                f"{describe_shape(info.output_shape)}.")
        return f"{flow}\n{info.param_text}"

    def _totals_html(self) -> str:
        # Two short lines (the total in bold, its split below) read well in a narrow dock.
        first, _, second = self.totals_text().partition("\n")
        text = f"<b>{html.escape(first)}</b>"
        return text + (f"<br><span style='color:#5f6368'>{html.escape(second)}</span>"
                       if second else "")

    def totals_text(self) -> str:
        """``"Total: 338 parameters\nTrainable: 338 · Frozen: 0"`` for the whole network."""
        ctl = self._ctl
        if ctl.network is not None:
            total, trainable = ctl.network.n_params, ctl.network.n_trainable_params
        elif ctl.dataset is not None and ctl.layers:  # no live network (e.g. a bad setting)
            check = ctl.shape_check()
            if check is None or check.problem:
                return ("Total: not known yet\nA layer does not fit what it receives (shown "
                        "in red on the network).")
            total = sum(s.n_params for s in check.shapes)
            trainable = sum(s.n_params for s in check.shapes if s.trainable)
        else:
            return "No parameters yet: choose a data set first."
        return (f"Total: {total:,} parameters\n"
                f"Trainable: {trainable:,} \u00b7 Frozen: {total - trainable:,}")

    # ------------------------------------------------------------------ view -> model
    def eventFilter(self, obj: QObject, e: QEvent) -> bool:
        # Enter is handled here rather than by the line edit, which would stay silent on text
        # its validator does not accept ("0"): that text deserves a message too. It is caught
        # on the combo as well: the combo holds the keyboard focus and hands keys straight to
        # its line edit, past any filter installed there.
        combo = self.units_combo
        line = combo.lineEdit()
        if obj not in (line, combo) or combo.view().isVisible():  # the list is open: it decides
            return super().eventFilter(obj, e)
        if e.type() == QEvent.KeyPress and e.key() in (Qt.Key_Return, Qt.Key_Enter):
            self._commit_units(line.text())
            return True
        # Switching to another window or opening the list is not "leaving the box".
        if e.type() == QEvent.FocusOut and e.reason() not in (Qt.ActiveWindowFocusReason,
                                                              Qt.PopupFocusReason):
            self._commit_units(line.text())
        return super().eventFilter(obj, e)

    def _commit_units(self, text: str) -> None:
        """Apply typed or chosen neurons (Enter, leaving the box, the list); refuse bad text
        with a message and show the layer's real value again."""
        ctl, i = self._ctl, self._ctl.selected
        if not 0 <= i < len(ctl.layers) or ctl.layers[i]["class"] != "Dense":
            return
        state = self.units_combo.validator().validate(text, 0)[0]
        if state != QValidator.State.Acceptable:
            self._reject_units(text)
            self.refresh()
            self.units_combo.lineEdit().selectAll()  # typing replaces the restored value
            return
        self._set_invalid(False)
        units = int(text.strip())
        if units == ctl.layers[i]["config"].get("units") or not ctl.update_layer(i, units=units):
            self.refresh()  # unchanged or refused by the controller: show the real value

    def _reject_units(self, text: str, typed: bool = False) -> None:
        t = text.strip()
        if typed:
            if self._invalid:  # one message per mistake, not one per keystroke
                return
            why = "only digits can be typed there, so that key was left out"
        elif not t:
            why = "the box is empty"
        elif not t.isdigit():
            why = f"\u201c{t}\u201d is not a whole number"
        elif int(t) == 0:
            why = "0 is not allowed"
        else:
            why = f"{int(t):,} is too many"
        ctl = self._ctl
        keeps = ""
        if not typed and 0 <= ctl.selected < len(ctl.layers):  # typing goes on: nothing kept yet
            units = ctl.layers[ctl.selected]["config"].get("units")
            keeps = f" The layer keeps its {units:,} neurons." if units else ""
        ctl.message_posted.emit(
            f"Neurons must be a whole number from 1 to {MAX_UNITS:,}; {why}.{keeps}", "error")
        if typed:
            self._set_invalid(True)

    def _set_invalid(self, invalid: bool) -> None:
        self._invalid = invalid
        self.units_combo.setProperty("invalid", invalid)
        self.units_combo.setStyleSheet(_INVALID_STYLE if invalid else "")

    @property
    def units_invalid(self) -> bool:
        """True while the neurons box shows text that was refused (red border)."""
        return self._invalid

    def _on_units_input_rejected(self) -> None:
        self._reject_units(self.units_combo.lineEdit().text(), typed=True)

    def _on_units_text_edited(self, text: str) -> None:
        if self._invalid and self.units_combo.validator().validate(text, 0)[0] == \
                QValidator.State.Acceptable:
            self._set_invalid(False)

    def _on_units_activated(self, index: int) -> None:
        self._commit_units(self.units_combo.itemText(index))

    def _on_activation_activated(self, index: int) -> None:
        i = self._ctl.selected
        if 0 <= i < len(self._ctl.layers):
            self._ctl.update_layer(i, activation=self.activation_combo.itemData(index))

    def _on_frozen_toggled(self, checked: bool) -> None:
        i = self._ctl.selected
        if 0 <= i < len(self._ctl.layers):
            self._ctl.update_layer(i, trainable=not checked)

    def _on_rate_value_changed(self, value: float) -> None:
        i = self._ctl.selected
        if 0 <= i < len(self._ctl.layers) and self._ctl.layers[i]["class"] == "Dropout":
            self._ctl.update_layer(i, rate=round(value, 2))
