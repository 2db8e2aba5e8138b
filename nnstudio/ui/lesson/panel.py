"""The "Magnifying glass" panel: one sample through one training step, stage by stage.

It shows what the :class:`~nnstudio.ui.lesson.magnifier.Magnifier` holds (the walk of the
Qt-free :mod:`nnstudio.explain`) and forwards the teacher's clicks; the canvas paints the same
state (:func:`connect_canvas`).
"""
from __future__ import annotations

import html
import random

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.errors import NNStudioError
from nnstudio.explain.glossary import ENTRIES
from nnstudio.explain.numbers import num
from nnstudio.ui.help.links import connect_glossary_links, glossary_link
from nnstudio.ui.lesson import conv_view
from nnstudio.ui.lesson.details import LayerNeuronsTable, ProbabilityBarsWidget, probabilities
from nnstudio.ui.lesson.magnifier import STAGES
from nnstudio.ui.lesson.overlay import param_of
from nnstudio.ui.lesson.tools import WeightToolsWidget, export_worksheet

#: Short names on the stage buttons (the stage's own title is shown below them).
STAGE_BUTTONS = ("1 Input", "2 Layers", "3 Output", "4 Loss", "5 Backward", "6 Update")
#: Play speeds: (label, seconds per stage).
SPEEDS = (("Slow: 4 s a stage", 4.0), ("Medium: 2 s a stage", 2.0), ("Fast: 0.8 s a stage", 0.8))


def caption_html(text: str) -> str:
    """A caption in plain words as rich text: arrows as arrows, paragraphs kept."""
    body = html.escape(text).replace(" -&gt; ", " \u2192 ").replace("\n\n", "<p>").replace("\n", "<br>")
    return body


class MagnifyingGlassPanel(QWidget):
    """Sample chooser, the six stages with Back / Next / Play, the caption, what was clicked
    (a neuron's arithmetic, a weight's chain rule), every neuron of a layer, the extras and
    Apply this step."""

    def __init__(self, ctl, magnifier, parent: QWidget | None = None):
        super().__init__(parent)
        self._ctl, self._mag = ctl, magnifier
        self.setObjectName("magnifying_glass")
        self.setAccessibleName("Magnifying glass")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)

        # The sample
        row = QHBoxLayout()
        row.addWidget(QLabel("Sample #"))
        self.sample_spin = QSpinBox()
        self.sample_spin.setToolTip("A row of the training part: the sample to follow through "
                                    "one training step.")
        self.sample_spin.setKeyboardTracking(False)
        self.sample_spin.setSpecialValueText("none")  # -1: no sample chosen
        self.sample_spin.valueChanged.connect(self._on_sample_spin_changed)
        row.addWidget(self.sample_spin)
        self.random_button = QPushButton("Random sample")
        self.random_button.setToolTip("Pick any row of the training part.")
        self.random_button.clicked.connect(self.choose_random)
        row.addWidget(self.random_button)
        row.addStretch(1)
        outer.addLayout(row)
        self.sample_label = QLabel()
        self.sample_label.setWordWrap(True)
        self.sample_label.setTextFormat(Qt.RichText)
        outer.addWidget(self.sample_label)

        # The stages
        strip = QHBoxLayout()
        strip.setSpacing(2)
        self.stage_group = QButtonGroup(self)
        self.stage_buttons: list[QPushButton] = []
        for k, text in enumerate(STAGE_BUTTONS):
            b = QPushButton(text)
            b.setCheckable(True)
            b.setFlat(False)
            b.setMinimumWidth(10)
            b.setStyleSheet("QPushButton { padding: 2px 3px; }")
            self.stage_group.addButton(b, k)
            self.stage_buttons.append(b)
            strip.addWidget(b)
        self.stage_group.idClicked.connect(self._mag.set_stage)
        outer.addLayout(strip)
        nav = QHBoxLayout()
        self.back_button = QPushButton("\u25c0 Previous")
        self.back_button.setToolTip("The stage before (Left or Page Up)")
        self.back_button.clicked.connect(self._mag.back_stage)
        self.next_button = QPushButton("Next \u25b6")
        self.next_button.setToolTip("The next stage (Right or Page Down)")
        self.next_button.clicked.connect(self._mag.next_stage)
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Go through the stages by themselves at the chosen speed")
        self.play_button.toggled.connect(self._on_play_toggled)
        self.speed = QComboBox()
        for label, _s in SPEEDS:
            self.speed.addItem(label)
        self.speed.setCurrentIndex(1)
        self.speed.setToolTip("How long Play stays on each stage")
        self.speed.currentIndexChanged.connect(self._on_speed_changed)
        for w in (self.back_button, self.next_button, self.play_button, self.speed):
            nav.addWidget(w)
        nav.addStretch(1)
        outer.addLayout(nav)
        self._play = QTimer(self)
        self._play.timeout.connect(self._on_play_tick)
        self._on_speed_changed(self.speed.currentIndex())

        # What the stage and the click show: in a scroll area, Apply stays in sight below it.
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 0, 0)
        self.stage_title = QLabel()
        font = self.stage_title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.stage_title.setFont(font)
        self.stage_title.setWordWrap(True)
        lay.addWidget(self.stage_title)
        self.stage_words = QLabel()  # the stage's word in the glossary
        self.stage_words.setTextFormat(Qt.RichText)
        connect_glossary_links(self.stage_words)
        lay.addWidget(self.stage_words)
        self.caption = _text_label("What happens in this stage")
        lay.addWidget(self.caption)
        self.bars = ProbabilityBarsWidget()
        self.bars.class_clicked.connect(self._on_bars_clicked)
        lay.addWidget(self.bars)
        self.clicked_title = QLabel()
        self.clicked_title.setWordWrap(True)
        lay.addWidget(self.clicked_title)
        font = self.clicked_title.font()
        font.setBold(True)
        self.clicked_title.setFont(font)
        self.clicked = _text_label("The arithmetic of what was clicked")
        lay.addWidget(self.clicked)
        self.tools = WeightToolsWidget(ctl, magnifier)
        lay.addWidget(self.tools)
        layer_row = QHBoxLayout()
        layer_row.addWidget(QLabel("All neurons of"))
        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("Every neuron of a layer, also those the canvas leaves out "
                                    "(\u2026). Click a row to see its arithmetic.")
        self.layer_combo.activated.connect(self._on_layer_combo_activated)
        layer_row.addWidget(self.layer_combo, 1)
        lay.addLayout(layer_row)
        self.neurons = LayerNeuronsTable()
        self.neurons.setMinimumHeight(170)
        self.neurons.cellClicked.connect(self._on_neurons_clicked)
        lay.addWidget(self.neurons)
        lay.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidget(body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        outer.addWidget(self.scroll, 1)

        # Acting on it
        act = QHBoxLayout()
        self.export_button = QPushButton("Export worksheet\u2026")
        self.export_button.setToolTip("Save every number of this step as a table (CSV) or a "
                                      "web page (HTML), for a lesson.")
        self.export_button.clicked.connect(self.export)
        self.apply_button = QPushButton("Apply this step")
        self.apply_button.setToolTip("Really make this update to the network, as training would "
                                     "for this one sample (Ctrl+Z undoes it).")
        self.apply_button.setDefault(True)
        self.apply_button.clicked.connect(self._mag.apply)
        act.addWidget(self.export_button)
        act.addStretch(1)
        act.addWidget(self.apply_button)
        outer.addLayout(act)
        self.apply_reason = QLabel()
        self.apply_reason.setWordWrap(True)
        self.apply_reason.setStyleSheet("color: #5f6368;")
        outer.addWidget(self.apply_reason)

        # Keys while the panel (or anything in it) has the focus.
        for keys, slot in (((Qt.Key_Left, Qt.Key_PageUp), self._mag.back_stage),
                           ((Qt.Key_Right, Qt.Key_PageDown), self._mag.next_stage)):
            for key in keys:
                sc = QShortcut(QKeySequence(key), self)
                sc.setContext(Qt.WidgetWithChildrenShortcut)
                sc.activated.connect(slot)
        self.setFocusPolicy(Qt.StrongFocus)

        self._shown_selection: tuple | None = None
        self._shown_stage = -1
        #: Neurons the canvas draws, per layer (set by :func:`connect_canvas`).
        self._canvas_columns: dict[int, list[int]] = {}
        magnifier.changed.connect(self.refresh)
        ctl.sample_chosen.connect(self._on_ctl_sample_chosen)
        ctl.dataset_changed.connect(self._on_ctl_dataset_changed)
        self._on_ctl_dataset_changed()
        self.refresh()

    # ------------------------------------------------------------------ choosing a sample
    def _on_ctl_dataset_changed(self) -> None:
        split = self._ctl.scaled_split
        n = 0 if split is None else len(split.train.y)
        self.sample_spin.blockSignals(True)
        self.sample_spin.setRange(-1, max(-1, n - 1))
        self.sample_spin.setValue(self._ctl.chosen_sample)
        self.sample_spin.setSuffix(f"  of {n:,}" if n else "")
        self.sample_spin.blockSignals(False)
        self.sample_spin.setEnabled(n > 0)
        self.random_button.setEnabled(n > 0)

    def _on_ctl_sample_chosen(self, index: int) -> None:
        self.sample_spin.blockSignals(True)
        self.sample_spin.setValue(index)
        self.sample_spin.blockSignals(False)

    def _on_sample_spin_changed(self, value: int) -> None:
        self._ctl.choose_sample(value)

    def choose_random(self) -> int:
        split = self._ctl.scaled_split
        if split is None or len(split.train.y) == 0:
            return -1
        index = random.randrange(len(split.train.y))
        self._ctl.choose_sample(index)
        return index

    # ------------------------------------------------------------------ stages
    def _on_play_toggled(self, on: bool) -> None:
        self.play_button.setText("Pause" if on else "Play")
        if on:
            if self._mag.stage == len(STAGES) - 1:
                self._mag.set_stage(0)
            self._play.start()
        else:
            self._play.stop()

    def _on_speed_changed(self, k: int) -> None:
        self._play.setInterval(int(SPEEDS[max(0, k)][1] * 1000))

    def _on_play_tick(self) -> None:
        if self._mag.walk is None or not self._mag.next_stage():
            self.play_button.setChecked(False)

    # ------------------------------------------------------------------ clicks
    def _on_layer_combo_activated(self, k: int) -> None:
        self._mag.select(("layer", int(self.layer_combo.itemData(k))))

    def _on_bars_clicked(self, k: int) -> None:
        walk = self._mag.walk
        if walk is not None:  # one sigmoid neuron holds both classes' answer
            last = len(walk.trace.layers) - 1
            self._mag.select(("neuron", last, min(k, walk.trace.output.size - 1)))

    def _on_neurons_clicked(self, row: int, _col: int) -> None:
        if self.neurons.layer is not None:
            self._mag.select(("neuron", self.neurons.layer, row))

    def export(self) -> str | None:
        path = export_worksheet(self, self._mag.walk)
        if path:
            self._ctl.message_posted.emit(f"Saved this step as a worksheet: {path}", "info")
        return path

    # ------------------------------------------------------------------ model -> view
    def refresh(self) -> None:
        mag, walk = self._mag, self._mag.walk
        stage = mag.stage
        for k, b in enumerate(self.stage_buttons):
            b.setChecked(k == stage)
            b.setEnabled(walk is not None)
        self.back_button.setEnabled(walk is not None and stage > 0)
        self.next_button.setEnabled(walk is not None and stage < len(STAGES) - 1)
        self.play_button.setEnabled(walk is not None)
        self.export_button.setEnabled(walk is not None)
        problem = mag.apply_problem()
        self.apply_button.setEnabled(not problem)
        self.apply_reason.setText(problem if problem else self._apply_note(walk))
        if walk is None:
            self.sample_label.setText(html.escape(mag.problem))
            self.stage_title.setText("")
            self.stage_words.setVisible(False)
            self.caption.setText(f"<span style='color:#5f6368'>{html.escape(mag.problem)}</span>")
            for w in (self.bars, self.clicked_title, self.clicked, self.tools):
                w.setVisible(False)
            self.neurons.clear_rows()
            self.layer_combo.clear()
            return
        self.sample_label.setText(self._sample_text(walk))
        st = walk.stage(STAGES[stage])
        title = st.title.split(". ", 1)[-1] if st.title[:1].isdigit() else st.title
        self.stage_title.setText(f"Stage {stage + 1} of {len(STAGES)}: {title}")
        words = [k for k in glossary_keys(walk, STAGES[stage]) if k in ENTRIES]
        self.stage_words.setText("In the glossary: " + ", ".join(
            glossary_link(k, ENTRIES[k].title) for k in words) if words else "")
        self.stage_words.setVisible(bool(words))
        self.caption.setText(caption_html(st.caption))
        if stage != self._shown_stage:  # a new stage: its title and caption come into view
            self._shown_stage = stage
            self.scroll.verticalScrollBar().setValue(0)
        probs = walk.probabilities
        self.bars.setVisible(probs is not None and STAGES[stage] in ("output", "loss", "update"))
        if probs is not None:
            k = int(walk.y) if walk.task == "classification" else -1
            if STAGES[stage] == "update":  # the same sample after the update, before as a tick
                self.bars.set_probabilities(walk.class_names, probabilities(walk.output_after),
                                            k, before=probs)
            else:
                self.bars.set_probabilities(walk.class_names, probs, k)
        self._show_selection(walk)

    def _apply_note(self, walk) -> str:
        if walk is None:
            return ""
        where = " The paused run ends first (its weights are kept)." if self._ctl.training_active else ""
        return (f"Apply changes the network as Train would for this one sample "
                f"({walk.optimizer_kind}, learning rate {num(walk.learning_rate)}); Ctrl+Z "
                f"undoes it.{where}")

    def _sample_text(self, walk) -> str:
        first = walk.trace.layers[0].input if walk.trace.layers else None
        if first is not None and np.ndim(first) == 3:  # a picture: its pixels say little as a list
            h, w, c = np.shape(first)
            target = (f"true class <b>{html.escape(walk.label_name or '')}</b>"
                      if walk.task == "classification" else "")
            colour = "grey" if c == 1 else "colour"
            return (f"Row {walk.sample_index} of the training part: a {h}x{w} {colour} picture "
                    f"(on the canvas, left); {target}.")
        n = min(len(walk.feature_names), 6)
        raw = walk.x_raw if walk.x_raw is not None else walk.x
        values = ", ".join(f"{html.escape(walk.feature_names[i])} = {num(raw[i])}" for i in range(n))
        more = f", \u2026 ({len(walk.feature_names) - n} more)" if len(walk.feature_names) > n else ""
        if walk.task == "classification":
            target = f"true class <b>{html.escape(walk.label_name or '')}</b>"
        else:
            target = "target " + ", ".join(num(v) for v in walk.real_units(walk.target_vector()))
        units = " (in the data's own units)" if walk.x_raw is not None else ""
        return f"Row {walk.sample_index} of the training part{units}: {values}{more}; {target}."

    def _fill_layer_combo(self, walk) -> None:
        items = [("Input (the features)", -1)] + [
            (f"{lt.name} ({lt.kind}, {lt.output.size:,})", k)
            for k, lt in enumerate(walk.trace.layers)]
        if [self.layer_combo.itemText(i) for i in range(self.layer_combo.count())] != [t for t, _ in items]:
            self.layer_combo.clear()
            for text, k in items:
                self.layer_combo.addItem(text, k)

    def _show_selection(self, walk) -> None:
        sel = self._mag.selection
        layers = walk.trace.layers
        self._fill_layer_combo(walk)
        layer = sel[1] if sel else (len(layers) - 1 if STAGES[self._mag.stage] != "input" else -1)
        title, text, weight = self._selection_text(walk, sel)
        self.clicked_title.setText(title)
        self.clicked.setText(text)
        self.clicked_title.setVisible(bool(title))
        self.clicked.setVisible(bool(text))
        if sel is not None and sel != self._shown_selection and text:
            # A click on the canvas: bring its arithmetic into view.
            QTimer.singleShot(0, lambda: self.scroll.ensureWidgetVisible(self.clicked, 0, 40))
        self._shown_selection = sel
        self.tools.setVisible(weight is not None)
        if weight is not None:
            name, index = weight
            self.tools.show_weight(weight, float(walk.weights_before[name][index]))
        idx = self.layer_combo.findData(layer)
        self.layer_combo.setCurrentIndex(max(0, idx))
        names = walk.feature_names if layer < 0 else None
        with_grad = STAGES[self._mag.stage] in ("backward", "update")
        self.neurons.show_layer(walk, layer, names, with_grad)
        if sel and sel[0] == "neuron" and sel[2] < self.neurons.rowCount():
            self.neurons.selectRow(sel[2])

    def _selection_text(self, walk, sel) -> tuple[str, str, tuple | None]:
        """(title, rich text, (param, index) of a selected weight or None)."""
        layers = walk.trace.layers
        last = len(layers) - 1
        try:
            if sel is None:
                return ("Click a neuron or a connection on the canvas, a bar or a row below, to "
                        "see its arithmetic.", "", None)
            if sel[0] == "neuron":
                layer, j = sel[1], sel[2]
                picture = conv_view.picture_text(walk, self._ctl.network, layer, j,
                                                 STAGES[self._mag.stage] in ("backward", "update"))
                if picture is not None:
                    return (*picture, None)
                if layer < 0:
                    raw = walk.x_raw[j] if walk.x_raw is not None else walk.x[j]
                    return (f"Input {html.escape(walk.feature_names[j])}:",
                            f"In the data: {num(raw)}. Scaled, as the network sees it: "
                            f"{num(walk.x[j])}.", None)
                lt = layers[layer]
                if lt.kind != "Dense":
                    off = " (dropout is off in this step, as when predicting)" \
                        if lt.kind == "Dropout" and lt.mask is None else ""
                    return (f"{lt.name}, neuron {j + 1}:",
                            f"passes {num(lt.output.reshape(-1)[j])} on unchanged{off}.", None)
                text = caption_html(walk.neuron(layer, j).caption)
                if STAGES[self._mag.stage] in ("backward", "update"):
                    name = ("dL/dz = p - y" if layer == last and walk.fused else "dL/d(its output)")
                    text += f"<p>Backward: {name} = {num(lt.grad_output.reshape(-1)[j])}.</p>"
                if layer == last:
                    text += "<p>" + caption_html(walk.output_math().caption) + "</p>"
                canvas = self._canvas_columns.get(layer)
                hidden = " (the canvas leaves it out: \u2026)" if canvas and j not in canvas else ""
                return (f"{lt.name}, neuron {j + 1}{hidden}:", text, None)
            if sel[0] == "weight":
                param = param_of(walk, sel[1], sel[2], sel[3])
                chain = walk.weight_chain(*param)
                parts = [chain.chain_caption, chain.update_caption, chain.why_caption]
                text = "".join(f"<p>{caption_html(t)}</p>" for t in parts if t)
                head = (f"Bias of {html.escape(chain.target)}:" if sel[2] < 0 else
                        f"Weight {html.escape(chain.source)} \u2192 {html.escape(chain.target)}:")
                return (head, text, param)
            return ("", "", None)  # a layer: the table shows it
        except (NNStudioError, IndexError, KeyError) as exc:
            return ("", html.escape(str(exc)), None)


def glossary_keys(walk, stage: str) -> list[str]:
    """The glossary's words for ``stage`` of ``walk`` (keys; those it lacks are skipped)."""
    output = walk.activation_keys[-1] or "identity"
    loss = {"binary_crossentropy": "cross_entropy", "categorical_crossentropy": "cross_entropy",
            "mse": "mean_squared_error"}.get(
        walk.loss_key, walk.loss_key)
    return {"input": ["sample", "feature", "standardisation"],
            "layers": ["forward_pass", "weight", "bias", "activation"],
            "output": [output if output in ("softmax", "sigmoid") else "identity"],
            "loss": ["loss", loss],
            "backward": ["backward_pass", "gradient"],
            "update": [walk.optimizer_kind.lower(), "learning_rate"]}[stage]


def _text_label(name: str) -> QLabel:
    """Rich text that wraps, can be selected and copied, and grows with its text (the panel
    scrolls as a whole: no box inside it scrolls on its own)."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.RichText)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
    label.setAccessibleName(name)
    label.setStyleSheet("QLabel { background: white; border: 1px solid #dadce0; padding: 6px; }")
    return label


def connect_canvas(magnifier, canvas, panel=None) -> None:
    """The canvas paints the magnifier's state and reports clicks on neurons and weights;
    ``panel`` learns which neurons the canvas draws (to say when one is left out)."""
    if panel is not None:
        def _columns() -> None:
            panel._canvas_columns = {c.layer: list(c.drawn) for c in canvas.columns}
        magnifier.changed.connect(_columns)
    def _overlay() -> None:
        overlay = magnifier.overlay()
        if overlay is not None or canvas.overlay is not None:  # none before and after: no rebuild
            canvas.set_overlay(overlay)
    magnifier.changed.connect(_overlay)
    canvas.neuron_clicked.connect(lambda layer, j: magnifier.select(("neuron", layer, j)))
    canvas.weight_clicked.connect(lambda layer, i, j: magnifier.select(("weight", layer, i, j)))
