"""The drawing pad on the real engine: its answer is network.predict's for its pixels, bit for
bit; it draws in the data's colours; the right button erases; it follows the mouse live."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from nnstudio.ui.pad.pad_panel import data_colours


@pytest.fixture
def pad(window, qtbot):
    """The window on the MNIST digits with the drawing pad open."""
    window.data_panel.select_builtin("mnist")
    window.actions["pad"].trigger()
    qtbot.waitUntil(lambda: window.pad.canvas.isVisible())
    return window.pad


def draw_seven(canvas) -> None:
    canvas.draw_line(QPointF(8, 6), QPointF(20, 6))
    canvas.draw_line(QPointF(20, 6), QPointF(12, 23))


def test_the_pad_answers_what_predict_answers_for_its_pixels(window, pad, train_to_the_end):
    window.ctl.set_training(epochs=1)
    train_to_the_end(window, 1)
    draw_seven(pad.canvas)
    pad.update_answer()
    pixels = pad.pixels()
    assert pixels.dtype == np.uint8 and pixels.shape == (28, 28, 1)
    expected = window.ctl.network.predict(pixels[None].copy())[0]
    assert np.array_equal(pad.outputs, expected)  # bit for bit
    assert np.array_equal(pad.probabilities, expected)
    assert np.array_equal(pad.bars.probabilities, expected.astype(np.float64))
    best = int(np.argmax(expected))
    assert f"answers <b style='font-size:14pt'>{best}</b>" in pad.answer_label.text()
    assert "not trained" not in pad.answer_label.text()


def test_mnist_is_drawn_white_on_black_like_the_data(window, pad):
    ds = window.ctl.dataset
    bg, ink = data_colours(ds.X)
    assert (bg.red(), ink.red()) == (0, 255)
    assert not pad.pixels().any()  # a blank pad is the data's black
    draw_seven(pad.canvas)
    pixels = pad.pixels()[..., 0]
    assert pixels.max() == 255  # the middle of a stroke is full white
    assert 0 < np.count_nonzero(pixels) < 28 * 28 // 3
    assert len(np.unique(pixels)) > 2  # soft edges, as MNIST's scanned strokes
    assert "light on dark" in pad.intro.text()


def test_the_right_button_erases_and_clear_starts_again(pad, qtbot):
    canvas = pad.canvas
    qtbot.waitUntil(lambda: canvas.width() > 100)
    r = canvas._target()
    at = lambda x, y: QPoint(int(r.x() + r.width() * x / 28), int(r.y() + r.height() * y / 28))  # noqa: E731
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=at(6, 14))
    for x in range(7, 23):
        qtbot.mouseMove(canvas, at(x, 14))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=at(22, 14))
    drawn = pad.pixels()[..., 0]
    assert drawn[14, 8:20].min() > 200  # a stroke along row 14
    qtbot.mousePress(canvas, Qt.MouseButton.RightButton, pos=at(10, 14))
    for x in range(11, 17):
        qtbot.mouseMove(canvas, at(x, 14))
    qtbot.mouseRelease(canvas, Qt.MouseButton.RightButton, pos=at(16, 14))
    erased = pad.pixels()[..., 0]
    assert erased[14, 11:15].max() == 0 and erased[14, 19] > 200  # a gap; the rest stays
    pad.clear_button.click()
    assert not pad.pixels().any()


def test_the_answer_follows_the_drawing_live(pad, qtbot):
    pad.update_answer()
    blank = pad.probabilities.copy()
    assert "Draw something" in pad.answer_label.text()  # an empty pad still gets an answer: said so
    draw_seven(pad.canvas)  # no explicit update: the throttle timer asks the network
    qtbot.waitUntil(lambda: not np.array_equal(pad.probabilities, blank), timeout=2000)
    assert np.isclose(pad.probabilities.sum(), 1.0, atol=1e-5)
    assert "not trained yet" in pad.answer_label.text()  # honest about an untrained network


def test_the_pad_takes_the_data_s_size(window, qtbot):
    window.data_panel.select_builtin("digits-images")
    pad = window.pad
    assert pad.pixels().shape == (8, 8, 1)
    pad.canvas.draw_line(QPointF(2, 1), QPointF(2, 7))
    pad.update_answer()
    assert np.array_equal(pad.probabilities, window.ctl.network.predict(pad.pixels()[None])[0])


def test_the_pad_is_offered_for_pictures_only(window):
    assert not window.actions["pad"].isEnabled()  # the spiral demo: no pictures to draw
    assert not window.pad.corner_button.isVisibleTo(window)
    window.data_panel.select_builtin("mnist")
    assert window.actions["pad"].isEnabled() and window.pad.corner_button.isVisibleTo(window)
    assert "Drawing pad" in [a.text() for a in window.menuBar().actions()[3].menu().actions()]


def ink_centre_and_extent(pixels: np.ndarray) -> tuple[np.ndarray, int]:
    w = pixels[..., 0].astype(float)
    ys, xs = np.indices(w.shape)
    centre = np.array([(w * ys).sum(), (w * xs).sum()]) / w.sum() + 0.5  # in pixel units
    rows, cols = np.flatnonzero(w.max(axis=1) > 32), np.flatnonzero(w.max(axis=0) > 32)
    return centre, int(max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1)


def test_a_small_drawing_in_a_corner_is_centred_and_sized_like_mnist(pad, qtbot):
    pad.canvas.brush = 1.0
    pad.canvas.draw_line(QPointF(2, 2), QPointF(8, 2))  # a small 7 in the top left corner
    pad.canvas.draw_line(QPointF(8, 2), QPointF(4, 10))
    centre, extent = ink_centre_and_extent(pad.pixels())
    assert np.allclose(centre, [14, 14], atol=1.0)  # centred by mass, as MNIST's digits
    assert 19 <= extent <= 22  # 20 of 28 pixels, as MNIST's digits
    pad.update_answer()
    assert np.array_equal(pad.probabilities, pad.ctl.network.predict(pad.pixels()[None])[0])
    pad.centre_check.setChecked(False)  # as drawn: the network sees the corner
    centre, extent = ink_centre_and_extent(pad.pixels())
    assert centre.max() < 8 and extent <= 10
    assert np.array_equal(pad.probabilities, pad.ctl.network.predict(pad.pixels()[None])[0])


def test_colour_pictures_get_a_colour_pad_and_an_ink_button(window, qtbot, tmp_path):
    from PIL import Image
    from PySide6.QtGui import QColor

    for c, colour in enumerate([(220, 40, 40), (40, 180, 60)]):
        (tmp_path / f"c{c}").mkdir()
        for i in range(6):
            a = np.full((12, 12, 3), 245, np.uint8)
            a[3 + i % 4:8 + i % 4, 3:9] = colour
            Image.fromarray(a).save(tmp_path / f"c{c}" / f"{i}.png")
    dialog = window.data_panel.open_image_folder(str(tmp_path))
    dialog.set_choices(size=12, colour="colour")
    with qtbot.waitSignal(dialog.load_finished, timeout=20_000):
        dialog.start_import()
    pad = window.pad
    window.actions["pad"].trigger()
    assert pad.pixels().shape == (12, 12, 3) and np.all(pad.pixels() == 245)  # the data's white
    assert pad.ink_button.isVisibleTo(pad)
    pad.set_ink(QColor(220, 40, 40))
    pad.centre_check.setChecked(False)
    pad.canvas.brush = 2.0
    pad.canvas.draw_line(QPointF(6.5, 3), QPointF(6.5, 9))  # through the middle of column 6
    assert tuple(pad.pixels()[6, 6]) == (220, 40, 40)
    pad.update_answer()
    out = window.ctl.network.predict(pad.pixels()[None])[0]  # two classes: one sigmoid output
    assert np.array_equal(pad.outputs, out) and out.shape == (1,)
    assert np.array_equal(pad.probabilities, [1 - out[0], out[0]])
    window.data_panel.select_builtin("mnist")
    assert not pad.ink_button.isVisibleTo(pad)
