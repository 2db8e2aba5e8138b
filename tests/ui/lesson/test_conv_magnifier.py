"""The magnifying glass on pictures (issue 11): the chosen sample's feature maps on the canvas,
and a clicked pixel of a Conv2D map gives kernel x patch + bias -> activation with the
engine's numbers, and its backward pass."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from nnstudio.data.bundled import load_bundled
from nnstudio.explain.conv_math import pixel_of
from nnstudio.explain.numbers import num
from nnstudio.ui.network import canvas_maps as maps

pytestmark = pytest.mark.usefixtures("isolated_settings")


@pytest.fixture
def conv_window(window, qtbot):
    """The window on the 8x8 digit pictures: Rescaling, Conv2D 8, MaxPool2D, Flatten, Dense,
    output; sample 3 under the magnifying glass, stage "through each layer"."""
    w = window
    w.answers["question"] = None
    w.ctl.ask_keep_learning = lambda switch: False
    assert w.ctl.set_dataset(load_bundled("digits-images"))
    assert w.ctl.insert_layer(1, "Conv2D") and w.ctl.insert_layer(2, "MaxPool2D")
    assert w.ctl.update_layer(1, filters=8)
    w.ctl.choose_sample(3)
    qtbot.waitUntil(lambda: w.magnifier.walk is not None and w.canvas.overlay is not None)
    w.magnifier.set_stage(1)
    return w


def test_the_samples_feature_maps_are_drawn_and_a_clicked_pixel_shows_its_arithmetic(conv_window, qtbot):
    w = conv_window
    canvas = w.canvas
    conv = next(c for c in canvas.columns if c.kind == "Conv2D")
    walk = w.magnifier.walk
    lt = walk.trace.layers[conv.layer]
    np.testing.assert_array_equal(canvas.overlay.values[conv.layer], lt.output.reshape(-1))
    assert canvas._picture == maps.picture_image(w.ctl.scaled_split.train.X[3])  # the chosen one
    placed = maps.tiles(conv, conv.area.top(), conv.area.bottom())
    assert [ch for _r, ch in placed] == list(range(min(8, maps.MAX_TILES)))[:len(placed)]
    assert len(placed) >= 2
    rect, ch = placed[1]
    pos = QPointF(rect.left() + rect.width() * 0.5, rect.top() + rect.height() * 0.4)
    QTest.mouseClick(canvas, Qt.LeftButton, Qt.NoModifier, pos.toPoint())
    qtbot.waitUntil(lambda: w.magnifier.selection is not None)
    kind, layer, j = w.magnifier.selection
    assert (kind, layer) == ("neuron", conv.layer)
    r, c, m = pixel_of(lt.output.shape, j)
    assert m == ch and (r, c) == (int(0.4 * 6), int(0.5 * 6))
    z = float(lt.weighted_sum[r, c, m])  # the engine's weighted sum at that pixel
    title, text = w.lesson.clicked_title.text(), w.lesson.clicked.text()
    assert title == f"conv2d_1, map {m + 1}, row {r + 1}, column {c + 1}:"
    assert f"= z = {num(z)};" in text and "kernel" in text and "products" in text
    # The window of the input that pixel sees is outlined on the maps before it.
    assert canvas.overlay.patch == (conv.layer - 1, r, c, 3)
    w.magnifier.set_stage(4)  # backward
    qtbot.waitUntil(lambda: "Backward: this pixel receives dL/da = " in w.lesson.clicked.text())
    assert num(float(lt.grad_output[r, c, m])) in w.lesson.clicked.text()
    canvas.grab()


def test_pixels_of_the_input_and_of_a_pooling_map_answer_too(conv_window, qtbot):
    w = conv_window
    pool = next(c for c in w.canvas.columns if c.kind == "MaxPool2D")
    w.magnifier.select(("neuron", pool.layer, 0))
    qtbot.waitUntil(lambda: "keeps its largest value" in w.lesson.clicked.text())
    w.magnifier.select(("neuron", -1, 9))
    qtbot.waitUntil(lambda: w.lesson.clicked_title.text() == "Input picture, row 2, column 2:")
    assert "a 8x8 grey picture" in w.lesson.sample_label.text()
    tip = w.canvas.overlay.neuron_tip(pool.layer, 0)
    assert tip.startswith("<b>max_pooling2d_1, map 1, row 1, column 1</b>")


def test_apply_this_step_on_a_conv_net_and_undo_it(conv_window, qtbot):
    w = conv_window
    before = w.ctl.network.params.copy()
    after = np.concatenate([w.magnifier.walk.preview[name]["params_after"].reshape(-1)
                            for name in w.ctl.network.param_slices()])
    w.lesson.apply_button.click()
    np.testing.assert_array_equal(w.ctl.network.params, after)
    w.ctl.undo_stack.undo()
    np.testing.assert_array_equal(w.ctl.network.params, before)
