"""The picture layers in the window (issue 11): the canvas draws a conv net on pictures with
its shapes, the palette and a drop refuse picture layers on a table in plain words, a layer
that does not fit is drawn red and explained, the inspector's forms and arithmetic, Train off.

Real controller, real engine, real bundled data. pytest-qt fails a test when an exception
escapes a Qt event handler (paint, drop, click), so every test here also checks that.
"""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from nnstudio.data.bundled import load_bundled
from nnstudio.engine import LAYERS
from nnstudio.ui.controller import ProjectController
from nnstudio.ui.network.canvas import NetworkCanvasWidget
from nnstudio.ui.network.inspector import LayerInspectorPanel
from nnstudio.ui.network.palette import LayerPaletteWidget

CONV_NET = (("Conv2D", 1), ("MaxPool2D", 2), ("Conv2D", 3), ("MaxPool2D", 4))


@pytest.fixture(scope="module")
def mnist():
    return load_bundled("mnist")


@pytest.fixture
def pictures(mnist):
    """A controller on MNIST (28x28 grey) with the default picture network: Rescaling,
    Flatten, Dense 64, output."""
    ctl = ProjectController()
    ctl.ask_keep_learning = lambda switch: False
    assert ctl.set_dataset(mnist)
    yield ctl
    ctl.undo_stack.clear()


@pytest.fixture
def convnet(pictures):
    """Rescaling, Conv2D 16, MaxPool2D, Conv2D 32, MaxPool2D, Flatten, Dense 64, output."""
    for kind, i in CONV_NET:
        assert pictures.insert_layer(i, kind)
    assert pictures.update_layer(3, filters=32)
    return pictures


def widgets(qtbot, ctl, size=(1000, 420)):
    canvas = NetworkCanvasWidget(ctl)
    palette = LayerPaletteWidget(ctl)
    inspector = LayerInspectorPanel(ctl)
    for w in (canvas, palette, inspector):
        qtbot.addWidget(w)
    canvas.resize(*size)
    canvas.show()
    qtbot.waitExposed(canvas)
    return canvas, palette, inspector


def drop(canvas, palette, kind: str, gap: int) -> bool:
    """Drop a palette ``kind`` into gap ``gap`` (before layer ``gap``), as a drag would."""
    item = next(palette.item(r) for r in range(palette.count())
                if palette.kind_of(palette.item(r)) == kind)
    mime = palette.mimeData([item])
    x = (canvas.columns[gap].cx + canvas.columns[gap + 1].cx) / 2
    pos = QPointF(x, canvas.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(canvas, enter)
    event = QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(canvas, event)
    return event.isAccepted()


def column(canvas, kind: str, nth: int = 0):
    return [c for c in canvas.columns if c.kind == kind][nth]


# ---------------------------------------------------------------------- tables refuse
def test_a_conv_layer_dropped_on_the_spiral_is_refused_in_plain_words(qtbot, ctl, messages):
    canvas, palette, _inspector = widgets(qtbot, ctl)
    before = [s["class"] for s in ctl.layers]
    assert not drop(canvas, palette, "Conv2D", 1)
    assert [s["class"] for s in ctl.layers] == before
    text, level = messages[-1]
    assert level == "warning" and text.startswith("Conv2D is for pictures")
    assert "“Spiral” is a table (2 numbers per row)" in text
    canvas.grab()  # paints without the old ConfigError traceback


def test_the_palette_greys_picture_layers_out_on_a_table_and_says_why(qtbot, ctl, mnist):
    palette = LayerPaletteWidget(ctl)
    qtbot.addWidget(palette)
    enabled = {palette.kind_of(palette.item(r)): bool(palette.item(r).flags() & Qt.ItemIsEnabled)
               for r in range(palette.count())}
    assert enabled == {"Dense": True, "Dropout": True, "Conv2D": False, "MaxPool2D": False,
                       "Flatten": False, "Rescaling": True}
    tip = next(palette.item(r) for r in range(palette.count())
               if palette.kind_of(palette.item(r)) == "Conv2D").toolTip()
    assert "For pictures: choose a picture data set first." in tip
    ctl.ask_keep_learning = lambda switch: False
    ctl.set_dataset(mnist)
    assert all(palette.item(r).flags() & Qt.ItemIsEnabled for r in range(palette.count()))


# ---------------------------------------------------------------------- pictures draw
@pytest.mark.parametrize("kind", list(LAYERS))
def test_every_kind_can_be_dropped_into_a_picture_network(qtbot, pictures, kind):
    canvas, palette, inspector = widgets(qtbot, pictures)
    n = len(pictures.layers)
    assert drop(canvas, palette, kind, 1)  # after Rescaling: the maps are still pictures
    assert len(pictures.layers) == n + 1 and pictures.layers[1]["class"] == kind
    pictures.select(1)
    canvas.grab()
    inspector.grab()
    pictures.undo_stack.undo()
    assert len(pictures.layers) == n


def test_a_conv_net_on_mnist_is_drawn_with_its_shapes(qtbot, convnet):
    canvas, _palette, _inspector = widgets(qtbot, convnet)
    cols = canvas.columns
    assert cols[0].is_maps and cols[0].count_texts[0] == "28x28 pixels"
    assert column(canvas, "Conv2D").size_text == "16 maps of 26x26"
    assert column(canvas, "MaxPool2D").size_text == "16 maps of 13x13"
    assert column(canvas, "Conv2D", 1).size_text == "32 maps of 11x11"
    assert column(canvas, "MaxPool2D", 1).size_text == "32 maps of 5x5"
    flat = column(canvas, "Flatten")
    assert flat.size_text == "800 values" and flat.funnel is not None and flat.points
    # Maps shrink on the canvas as they shrink in the network; stacks, not neurons.
    sides = [column(canvas, k, n).stack.width() for k, n in
             (("Conv2D", 0), ("MaxPool2D", 0), ("Conv2D", 1), ("MaxPool2D", 1))]
    assert sides == sorted(sides, reverse=True) and all(not column(canvas, "Conv2D").drawn for _ in [0])
    assert column(canvas, "Rescaling").title_lines[1] == "pixels / 255"
    assert "3x3 kernel \u00d7 1 channel \u00d7 16 filters + 16 biases = 160 parameters" in \
        canvas.column_tooltip(1)
    canvas.grab()


def test_at_1366x768_titles_switch_to_their_short_form_instead_of_being_cut(qtbot, convnet):
    canvas, _palette, _inspector = widgets(qtbot, convnet, size=(560, 330))
    conv = column(canvas, "Conv2D")
    assert conv.title_lines == ["Conv 16", "3x3 ReLU"]
    assert not any(c.title_cut for c in canvas.columns)
    canvas.grab()


# ---------------------------------------------------------------------- the inspector
def test_the_inspector_arithmetic_equals_the_engine_parameter_count(qtbot, convnet):
    _canvas, _palette, inspector = widgets(qtbot, convnet)
    net = convnet.network
    for i, layer in enumerate(net.layers):
        convnet.select(i)
        count = sum(int(v.size) for v in getattr(layer, "params", {}).values())
        text = inspector.params_label.text()
        if layer.kind == "Conv2D":
            assert text.endswith(f"= {count:,} parameters")
    convnet.select(1)
    assert inspector.params_label.text() == (
        "Receives 1 map of 28x28, gives 16 maps of 26x26.\n"
        "3x3 kernel \u00d7 1 channel \u00d7 16 filters + 16 biases = 160 parameters")
    assert inspector.image_forms.conv_form.isVisibleTo(inspector)
    assert inspector.totals_text().startswith(f"Total: {net.n_params:,} parameters")


def test_conv_settings_from_the_inspector_are_undoable_edits(qtbot, convnet):
    _canvas, _palette, inspector = widgets(qtbot, convnet)
    convnet.select(1)
    forms = inspector.image_forms
    forms.kernel_combo.setCurrentIndex(forms.kernel_combo.findData(5))
    forms.kernel_combo.activated.emit(forms.kernel_combo.currentIndex())
    assert convnet.layers[1]["config"]["kernel_size"] == 5
    assert convnet.network.layers[1].output_shape == (24, 24, 16)
    assert inspector.params_label.text().endswith("5x5 kernel \u00d7 1 channel \u00d7 16 filters + "
                                                  "16 biases = 416 parameters")
    forms.filters_spin.setValue(8)
    assert convnet.layers[1]["config"]["filters"] == 8
    convnet.undo_stack.undo()
    convnet.undo_stack.undo()
    assert convnet.layers[1]["config"]["kernel_size"] == 3 and convnet.layers[1]["config"]["filters"] == 16
    forms.frozen_check.setChecked(True)
    assert convnet.layers[1]["config"]["trainable"] is False
    assert not convnet.network.layers[1].trainable
    convnet.select(0)
    assert forms.rescale_form.isVisibleTo(inspector) and forms.scale_edit.text() == "1/255"
    forms.scale_edit.setText("1/2")
    forms.scale_edit.editingFinished.emit()
    assert convnet.layers[0]["config"]["scale"] == 0.5


# ---------------------------------------------------------------------- what does not fit
def test_an_impossible_layer_is_drawn_red_explained_and_blocks_training(qtbot, pictures, messages):
    canvas, _palette, inspector = widgets(qtbot, pictures)
    for _k in range(4):  # 28 -> 14 -> 7 -> 3 -> 1: a 3x3 convolution cannot follow
        pictures.insert_layer(1, "MaxPool2D")
    pictures.insert_layer(5, "Conv2D")
    bad = column(canvas, "Conv2D")
    assert bad.problem.startswith("a 3x3 convolution needs at least 3x3 pixels; this layer "
                                  "receives 1x1")
    assert bad.shape is None and all(c.shape is None for c in canvas.columns[bad.layer + 2:])
    assert "Does not fit" in canvas.column_tooltip(bad.layer)
    assert pictures.network_problem().startswith("Layer 6 (conv2d_1): a 3x3 convolution")
    pictures.select(bad.layer)
    assert inspector.issue_label.text().startswith("\u26a0 This layer does not fit: a 3x3 convolution")
    assert inspector.totals_text().startswith("Total: not known yet")
    canvas.grab()
    inspector.grab()
    pictures.update_layer(bad.layer, padding="same")  # the fix the sentence names
    assert pictures.network_problem() is None and column(canvas, "Conv2D").shape == (1, 1, 16)


@pytest.mark.usefixtures("isolated_settings")
def test_train_is_off_with_the_reason_while_a_layer_does_not_fit(window, qtbot):
    w = window
    w.ctl.ask_keep_learning = lambda switch: False
    assert w.ctl.set_dataset(load_bundled("digits-images"))  # 8x8 pictures
    assert w.actions["train"].isEnabled()
    for kind, i in (("Conv2D", 1), ("MaxPool2D", 2), ("MaxPool2D", 3), ("Conv2D", 4)):
        w.ctl.insert_layer(i, kind)  # 8 -> 6 -> 3 -> 1: the second 3x3 convolution cannot fit
    train = w.actions["train"]
    assert not train.isEnabled() and not w.actions["step"].isEnabled()
    assert train.toolTip().startswith("Cannot train yet: Layer 5 (conv2d_2): a 3x3 convolution "
                                      "needs at least 3x3 pixels; this layer receives 1x1")
    assert not w.runner.start()  # F5 / Space reach the runner: it refuses in the same words
    assert w.messages.text.text().startswith("Cannot train: Layer 5 (conv2d_2)")
    w.grab()
    w.ctl.undo_stack.undo()
    assert train.isEnabled() and train.toolTip() == "Train the network with these settings"
