"""The inspector's forms for the picture layers: Conv2D (filters, kernel, step, border,
activation), MaxPool2D (window) and Rescaling (scale).

Every choice goes through ``ctl.update_layer`` (undoable, refused in plain words when it is
not valid); :meth:`ImageLayerForms.show_layer` fills the boxes with their signals blocked,
so showing a layer never edits it. The choices come from the engine's registries and the
layer classes' own checks, not from a copied table.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from nnstudio.engine import ACTIVATIONS, get_activation
from nnstudio.engine.layers.conv_geometry import PADDINGS
from nnstudio.ui.help.links import glossary_tip

#: Kernel and pooling sizes offered (any other size in a project file is shown too).
KERNELS = (1, 3, 5, 7)
POOLS = (2, 3, 4)
MAX_FILTERS = 1024
_PADDING_WORDS = {"valid": "none (maps shrink)", "same": "zeros (maps keep their size)"}


def _side(value) -> int:
    return int(value[0] if isinstance(value, (list, tuple)) else value)


def _form(parent: QWidget) -> QFormLayout:
    form = QFormLayout(parent)
    form.setContentsMargins(0, 0, 0, 0)
    form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
    return form


class ImageLayerForms(QWidget):
    """The three forms, one shown at a time (:meth:`show_layer`).

    Parameters
    ----------
    ctl : ProjectController
    """

    def __init__(self, ctl, parent: QWidget | None = None):
        super().__init__(parent)
        self._ctl = ctl
        self.filters_spin = QSpinBox()
        self.filters_spin.setRange(1, MAX_FILTERS)
        self.filters_spin.setKeyboardTracking(False)  # apply on Enter / arrows, not per digit
        self.filters_spin.setToolTip(
            "How many filters the layer has. Each filter is a small grid of weights that looks "
            "for one pattern (an edge, a curve) everywhere in the picture and makes one map of "
            "where it found it: 16 filters make 16 maps.")
        self.filters_spin.valueChanged.connect(lambda v: self._edit(filters=int(v)))

        self.kernel_combo = QComboBox()
        for k in KERNELS:
            self.kernel_combo.addItem(f"{k}x{k}", k)
        self.kernel_combo.setToolTip(
            "The size of each filter: it looks at this many pixels at a time (3x3 is the usual "
            "choice; 5x5 sees more at once and has more weights). Without a border the maps "
            "shrink by the kernel's size minus 1.")
        self.kernel_combo.activated.connect(
            lambda i: self._edit(kernel_size=int(self.kernel_combo.itemData(i))))

        self.stride_spin = QSpinBox()
        self.stride_spin.setRange(1, 4)
        self.stride_spin.setKeyboardTracking(False)
        self.stride_spin.setToolTip(
            "How many pixels the filter moves between two looks. 1 looks everywhere; 2 skips "
            "every other position, so the maps come out half as wide and high.")
        self.stride_spin.valueChanged.connect(lambda v: self._edit(strides=int(v)))

        self.padding_combo = QComboBox()
        for key in PADDINGS:
            self.padding_combo.addItem(_PADDING_WORDS.get(key, key), key)
        self.padding_combo.setToolTip(
            "What happens at the picture's edge. None: the filter stays inside the picture, "
            "so a 3x3 filter makes 26x26 maps from 28x28 pixels. Zeros: a border of zeros "
            "around the picture lets the maps keep its size.")
        self.padding_combo.activated.connect(
            lambda i: self._edit(padding=self.padding_combo.itemData(i)))

        self.activation_combo = QComboBox()
        for name, cls in ACTIVATIONS.items():
            if cls.key == "softmax":  # for output layers only; the engine refuses it here
                continue
            self.activation_combo.addItem(name, cls.key)
            self.activation_combo.setItemData(self.activation_combo.count() - 1,
                                              cls.description, Qt.ToolTipRole)
        self.activation_combo.setToolTip(glossary_tip(
            "What is done with each pixel's sum before it goes on (ReLU keeps positive "
            "values, turns negatives into 0).", "activation"))
        self.activation_combo.activated.connect(
            lambda i: self._edit(activation=self.activation_combo.itemData(i)))

        self.frozen_check = QCheckBox("Frozen: keep these filters\nfixed while training")
        self.frozen_check.setToolTip(
            "A frozen layer keeps its filters: training only changes the other layers. Freeze "
            "filters that have already learned useful patterns (edges, strokes), e.g. from a "
            "trained project; freezing fresh random filters only keeps them random.")
        self.frozen_check.toggled.connect(lambda on: self._edit(trainable=not on))

        self.conv_form = QWidget()
        form = _form(self.conv_form)
        form.addRow("Filters:", self.filters_spin)
        form.addRow("Kernel:", self.kernel_combo)
        form.addRow("Step (stride):", self.stride_spin)
        form.addRow("Border (padding):", self.padding_combo)
        form.addRow("Activation:", self.activation_combo)
        form.addRow(self.frozen_check)

        self.pool_combo = QComboBox()
        for k in POOLS:
            self.pool_combo.addItem(f"{k}x{k}", k)
        self.pool_combo.setToolTip(
            "Each window of this many pixels becomes one pixel holding the window's largest "
            "value: 2x2 halves the maps' width and height (26x26 becomes 13x13). No weights "
            "to learn.")
        self.pool_combo.activated.connect(self._on_pool_activated)
        self.pool_form = QWidget()
        _form(self.pool_form).addRow("Window:", self.pool_combo)

        self.scale_edit = QLineEdit()
        self.scale_edit.setToolTip(
            "Every value is multiplied by this number before the next layer. 1/255 turns "
            "pixels of 0 to 255 into 0 to 1, the range the weights start out suited to. "
            "Type a number or a fraction such as 1/255, then press Enter.")
        self.scale_edit.editingFinished.connect(self._on_scale_edited)
        self.rescale_form = QWidget()
        _form(self.rescale_form).addRow("Multiply by:", self.scale_edit)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        for w in (self.conv_form, self.pool_form, self.rescale_form):
            lay.addWidget(w)

    @property
    def boxes(self) -> tuple:
        return (self.filters_spin, self.kernel_combo, self.stride_spin, self.padding_combo,
                self.activation_combo, self.frozen_check, self.pool_combo, self.scale_edit)

    def show_layer(self, spec: dict | None) -> bool:
        """Show the form of ``spec``'s kind with its values; False (all hidden) for a kind
        these forms do not cover."""
        kind = spec["class"] if spec else ""
        cfg = spec["config"] if spec else {}
        self.conv_form.setVisible(kind == "Conv2D")
        self.pool_form.setVisible(kind == "MaxPool2D")
        self.rescale_form.setVisible(kind == "Rescaling")
        for w in self.boxes:
            w.blockSignals(True)
        try:
            if kind == "Conv2D":
                self.filters_spin.setValue(int(cfg.get("filters", 1)))
                _choose(self.kernel_combo, _side(cfg.get("kernel_size", 3)), "{0}x{0}")
                self.stride_spin.setValue(_side(cfg.get("strides", 1)))
                self.padding_combo.setCurrentIndex(max(0, self.padding_combo.findData(
                    cfg.get("padding", "valid"))))
                key = get_activation(cfg.get("activation", "relu")).key
                self.activation_combo.setCurrentIndex(max(0, self.activation_combo.findData(key)))
                self.frozen_check.setChecked(not cfg.get("trainable", True))
            elif kind == "MaxPool2D":
                _choose(self.pool_combo, _side(cfg.get("pool_size", 2)), "{0}x{0}")
            elif kind == "Rescaling":
                self.scale_edit.setText(scale_words(float(cfg.get("scale", 1 / 255))))
        finally:
            for w in self.boxes:
                w.blockSignals(False)
        return kind in ("Conv2D", "MaxPool2D", "Rescaling")

    # ------------------------------------------------------------------ view -> model
    def _edit(self, **changes) -> None:
        ctl = self._ctl
        i = ctl.selected
        if 0 <= i < len(ctl.layers):
            ctl.update_layer(i, **changes)

    def _on_pool_activated(self, index: int) -> None:
        size = int(self.pool_combo.itemData(index))
        self._edit(pool_size=size, strides=size)  # windows side by side, as Keras' default

    def _on_scale_edited(self) -> None:
        ctl, i = self._ctl, self._ctl.selected
        if not (0 <= i < len(ctl.layers) and ctl.layers[i]["class"] == "Rescaling"):
            return
        text = self.scale_edit.text().strip()
        value = parse_scale(text)
        if value is None:
            ctl.message_posted.emit(
                f"Multiply by must be a number such as 0.5 or a fraction such as 1/255; "
                f"\u201c{text}\u201d is not. The layer keeps its scale.", "error")
            self.show_layer(ctl.layers[i])
            return
        if abs(value - float(ctl.layers[i]["config"].get("scale", 1 / 255))) > 1e-15:
            self._edit(scale=value)


def _choose(combo: QComboBox, value: int, label: str) -> None:
    index = combo.findData(value)
    if index < 0:  # a size from a project file that the list does not offer
        combo.addItem(label.format(value), value)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


def parse_scale(text: str) -> float | None:
    """``"1/255"`` -> 0.00392..., ``"0.5"`` -> 0.5; None for text that is not a finite number."""
    import math

    try:
        if "/" in text:
            num, den = text.split("/", 1)
            value = float(num) / float(den)
        else:
            value = float(text)
    except (ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


def scale_words(scale: float) -> str:
    """``1/255`` for 0.0039215..., else the number (``0.5``)."""
    if scale and 1 / scale > 1 and abs(1 / scale - round(1 / scale)) < 1e-6:
        return f"1/{round(1 / scale)}"
    return f"{scale:.6g}"
