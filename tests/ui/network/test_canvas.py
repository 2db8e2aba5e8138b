"""NetworkCanvasWidget and LayerPaletteWidget against the real controller and engine."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent, QFontMetricsF
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from nnstudio.data import Dataset, load_builtin
from nnstudio.ui.controller import ProjectController
from nnstudio.ui.network.canvas import INDEX_MIME, LAYER_MIME, NetworkCanvasWidget
from nnstudio.ui.network.canvas_layout import bias_source, output_names
from nnstudio.ui.network.palette import DRAG_SIZE, LayerPaletteWidget


@pytest.fixture
def canvas(qtbot, ctl):
    c = NetworkCanvasWidget(ctl)
    qtbot.addWidget(c)
    c.resize(1000, 400)
    c.show()
    qtbot.waitExposed(c)
    return c


@pytest.fixture
def palette(qtbot, ctl):
    p = LayerPaletteWidget(ctl)
    qtbot.addWidget(p)
    return p


def palette_mime(palette: LayerPaletteWidget, kind: str) -> QMimeData:
    item = next(palette.item(r) for r in range(palette.count())
                if palette.kind_of(palette.item(r)) == kind)
    return palette.mimeData([item])


def gap_pos(canvas: NetworkCanvasWidget, before: int) -> QPoint:
    """Point between the column before layer ``before`` and layer ``before`` itself."""
    a, b = canvas.column_center(before - 1), canvas.column_center(before)
    return QPoint((a.x() + b.x()) // 2, a.y())


def drag_event(cls, pos: QPoint, action, mime: QMimeData):
    """A QDragEnterEvent / QDragMoveEvent: PySide6 6.12 takes a QPointF (the QPoint form is
    deprecated there), 6.11 only a QPoint."""
    try:
        return cls(QPointF(pos), action, mime, Qt.LeftButton, Qt.NoModifier)
    except TypeError:
        return cls(QPoint(pos), action, mime, Qt.LeftButton, Qt.NoModifier)


def drag_and_drop(canvas, mime: QMimeData, pos: QPoint, action=Qt.CopyAction) -> int | None:
    """Send the events a real drag sends; return the insert position shown while hovering."""
    enter = drag_event(QDragEnterEvent, pos, action, mime)
    QApplication.sendEvent(canvas, enter)
    move = drag_event(QDragMoveEvent, pos, action, mime)
    QApplication.sendEvent(canvas, move)
    shown = canvas.drop_index
    drop = QDropEvent(QPointF(pos), action, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(canvas, drop)
    assert enter.isAccepted() and move.isAccepted()
    return shown


def sizes(ctl) -> list[int]:
    return ctl.network.layer_sizes()


def test_palette_lists_engine_layers_with_plain_tooltips(palette):
    kinds = [palette.kind_of(palette.item(r)) for r in range(palette.count())]
    from nnstudio.engine import LAYERS

    assert kinds[:2] == ["Dense", "Dropout"] and sorted(kinds) == sorted(LAYERS)
    assert "connected to every neuron" in palette.item(0).toolTip()
    assert not palette.item(0).icon().isNull()


def test_palette_mime_data_carries_the_layer_name(palette):
    for kind in ("Dense", "Dropout"):
        mime = palette_mime(palette, kind)
        assert mime.hasFormat(LAYER_MIME)
        assert bytes(mime.data(LAYER_MIME)) == kind.encode()
    assert palette.mimeTypes() == [LAYER_MIME]


def test_palette_drag_shows_a_small_tile(palette):
    for row in range(palette.count()):
        drag = palette.make_drag(palette.item(row))
        pm = drag.pixmap()
        size = pm.deviceIndependentSize()
        assert (size.width(), size.height()) == (DRAG_SIZE.width(), DRAG_SIZE.height())
        assert size.width() <= 160 and size.height() <= 40  # not the whole 480 px row
        assert 0 <= drag.hotSpot().x() < 20 and 0 <= drag.hotSpot().y() <= size.height()
        assert bytes(drag.mimeData().data(LAYER_MIME)) == palette.kind_of(palette.item(row)).encode()


def test_palette_double_click_and_enter_add_before_output(qtbot, ctl, palette):
    palette.show()
    item = palette.item(1)  # Dropout
    rect = palette.visualItemRect(item)
    # A real double-click starts with a click: item views ignore a lone double-click event.
    QTest.mouseClick(palette.viewport(), Qt.LeftButton, pos=rect.center())
    QTest.mouseDClick(palette.viewport(), Qt.LeftButton, pos=rect.center())
    assert [layer["class"] for layer in ctl.layers] == ["Dense", "Dense", "Dropout", "Dense"]
    palette.setCurrentRow(0)
    QTest.keyClick(palette, Qt.Key_Return)
    assert [layer["class"] for layer in ctl.layers] == ["Dense", "Dense", "Dropout", "Dense", "Dense"]
    assert ctl.layers[-1]["config"]["activation"] == "sigmoid"  # output still last


def test_drop_dense_between_two_columns_inserts_and_undoes(ctl, canvas, palette):
    ctl.update_layer(0, units=8)
    assert sizes(ctl) == [2, 8, 16, 1]
    shown = drag_and_drop(canvas, palette_mime(palette, "Dense"), gap_pos(canvas, 1))
    assert shown == 1  # the indicator stood in the gap before layer 1
    assert canvas.drop_index is None  # and went away with the drop
    assert [layer["class"] for layer in ctl.layers] == ["Dense"] * 4
    assert sizes(ctl) == [2, 8, 8, 16, 1]  # a new Dense is as wide as the one before it
    assert ctl.selected == 1
    assert len(canvas.columns) == 5
    ctl.undo_stack.undo()
    assert sizes(ctl) == [2, 8, 16, 1]
    assert len(canvas.columns) == 4


def test_drop_position_follows_the_mouse_and_leave_clears(ctl, canvas, palette):
    mime = palette_mime(palette, "Dropout")
    for before in (0, 1, 2):
        pos = gap_pos(canvas, before)
        QApplication.sendEvent(canvas, drag_event(QDragEnterEvent, pos, Qt.CopyAction, mime))
        assert canvas.drop_index == before
    # Far right, past the output column: still before the output (it stays last).
    assert canvas.insert_index_at(canvas.width() - 1) == len(ctl.layers) - 1
    QApplication.sendEvent(canvas, QDragLeaveEvent())
    assert canvas.drop_index is None


def test_drop_dropout_at_the_start(ctl, canvas, palette):
    drag_and_drop(canvas, palette_mime(palette, "Dropout"), gap_pos(canvas, 0))
    assert [layer["class"] for layer in ctl.layers] == ["Dropout", "Dense", "Dense", "Dense"]
    assert canvas.columns[1].kind == "Dropout"


def test_unknown_payload_is_refused_with_a_message(ctl, canvas, messages):
    mime = QMimeData()
    mime.setData(LAYER_MIME, b"Transformer")
    drag_and_drop(canvas, mime, gap_pos(canvas, 1))
    assert len(ctl.layers) == 3
    assert messages and messages[-1][1] == "error" and "Transformer" in messages[-1][0]


def test_reorder_by_index_drop(ctl, canvas):
    ctl.insert_layer(0, "Dropout")  # Dropout, Dense 16, Dense 16, output
    ctl.update_layer(1, units=4)
    mime = QMimeData()
    mime.setData(INDEX_MIME, b"0")
    drag_and_drop(canvas, mime, gap_pos(canvas, 2), Qt.MoveAction)
    assert [layer["class"] for layer in ctl.layers] == ["Dense", "Dropout", "Dense", "Dense"]
    assert sizes(ctl) == [2, 4, 4, 16, 1]
    ctl.undo_stack.undo()
    assert [layer["class"] for layer in ctl.layers] == ["Dropout", "Dense", "Dense", "Dense"]


def test_click_selects_a_column_and_highlights_it(qtbot, ctl, canvas):
    with qtbot.waitSignal(ctl.selection_changed) as sig:
        QTest.mouseClick(canvas, Qt.LeftButton, pos=canvas.column_center(1))
    assert sig.args == [1] and ctl.selected == 1
    QTest.mouseClick(canvas, Qt.LeftButton, pos=canvas.column_center(2))
    assert ctl.selected == 2
    QTest.mouseClick(canvas, Qt.LeftButton, pos=canvas.column_center(-1))  # the input
    assert ctl.selected == -1


def test_keyboard_delete_and_backspace_remove_the_selected_layer(ctl, canvas):
    ctl.select(0)
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key_Delete)
    assert sizes(ctl) == [2, 16, 1]
    ctl.select(0)
    QTest.keyClick(canvas, Qt.Key_Backspace)
    assert sizes(ctl) == [2, 1]
    ctl.undo_stack.undo()
    ctl.undo_stack.undo()
    assert sizes(ctl) == [2, 16, 16, 1]


def test_arrow_keys_move_the_selection(ctl, canvas):
    QTest.keyClick(canvas, Qt.Key_Right)
    assert ctl.selected == 0
    QTest.keyClick(canvas, Qt.Key_Right)
    QTest.keyClick(canvas, Qt.Key_Right)
    QTest.keyClick(canvas, Qt.Key_Right)
    assert ctl.selected == 2
    QTest.keyClick(canvas, Qt.Key_Escape)
    assert ctl.selected == -1


def test_output_layer_cannot_be_removed(ctl, canvas, messages):
    QTest.mouseClick(canvas, Qt.LeftButton, pos=canvas.column_center(2))
    QTest.keyClick(canvas, Qt.Key_Delete)
    assert len(ctl.layers) == 3
    assert messages[-1][1] == "warning" and "output layer" in messages[-1][0]


def test_tooltip_gives_the_parameter_arithmetic_and_output_issue(ctl, canvas):
    assert "2 inputs \u00d7 16 neurons + 16 biases = 48 parameters" in canvas.column_tooltip(0)
    assert "16 inputs \u00d7 16 neurons" in canvas.column_tooltip(1)
    assert "2 features" in canvas.column_tooltip(-1)
    ctl.update_layer(2, units=3)  # a sigmoid output with 3 neurons does not fit 2 classes
    assert ctl.output_issue() and ctl.output_issue() in canvas.column_tooltip(2)


def test_labels_collapsed_columns_and_class_names(ctl, canvas):
    # Every heading has the same two lines: what and how big, then how it works.
    assert [c.title_lines for c in canvas.columns] == [
        ["Input 2", "features"], ["Dense 16", "ReLU"], ["Dense 16", "ReLU"], ["Output 1", "Sigmoid"]]
    assert canvas.columns[1].heading == "Dense 16 \u00b7 ReLU"  # one line, for the tooltip
    assert canvas.columns[0].names == ctl.dataset.feature_names
    assert canvas.columns[-1].names == [f"chance of {ctl.dataset.class_names[1]}"]
    assert len(canvas.columns[1].points) == 8 and canvas.columns[1].count_text == "\u2026 16 neurons"
    ctl.insert_layer(1, "Dropout")
    ctl.update_layer(0, trainable=False)
    assert canvas.columns[2].title_lines == ["Dropout", "20 % off"] and canvas.columns[1].frozen
    assert "Dropout 20 %" in canvas.column_tooltip(1)


def titles_fit(canvas) -> bool:
    """Every title line (and collapsed count) is inside its column's highlight."""
    fm = QFontMetricsF(canvas.label_font)
    return all(fm.horizontalAdvance(t) <= c.rect.width() - 8
               for c in canvas.columns for t in c.title_lines)


def three_hidden(ctl, dataset=None) -> None:
    if dataset is not None:
        ctl.set_dataset(dataset)
    ctl.insert_layer(1, "Dense")
    ctl.update_layer(1, units=32, activation="tanh")


@pytest.mark.parametrize("name", ["iris", "spiral"])
def test_names_stay_with_three_hidden_layers_at_590(qtbot, ctl, name):
    three_hidden(ctl, load_builtin(name))
    c = NetworkCanvasWidget(ctl)
    qtbot.addWidget(c)
    c.resize(590, 420)  # the canvas of a 1440 x 900 window
    cols = c.columns
    assert len(cols) == 5
    assert cols[0].names == ctl.dataset.feature_names and not cols[0].names_cut
    assert cols[-1].names == output_names(ctl.dataset, cols[-1].size) and cols[-1].names
    assert titles_fit(c)
    assert cols[0].rect.left() >= 0 and cols[-1].cx + cols[-1].names_width < c.width()
    # Narrower still, or with more layers, the names are shortened or drawn smaller first.
    ctl.insert_layer(1, "Dropout")
    ctl.insert_layer(1, "Dense")
    assert len(c.columns) == 7 and c.columns[0].names and c.columns[-1].names
    assert titles_fit(c)


def test_dropout_is_a_pass_through_without_bias(qtbot, ctl):
    ctl.insert_layer(1, "Dropout")  # input, Dense 16, Dropout, Dense 16, output
    c = NetworkCanvasWidget(ctl)
    qtbot.addWidget(c)
    c.resize(590, 420)
    inp, dense1, drop, dense2, out = c.columns
    assert drop.kind == "Dropout" and drop.size == dense1.size and drop.bias is None
    # Neurons line up across the Dropout: its connections run straight across, one to one.
    assert [p.y() for p in drop.points] == [p.y() for p in dense1.points]
    assert [p.y() for p in dense2.points] == [p.y() for p in dense1.points]
    assert len(c.connection_pens(1)) == len(drop.points)
    assert all(p.style() == Qt.DashLine for p in c.connection_pens(1))
    # The Dense after the Dropout takes its bias from the Dense before it.
    assert bias_source(c.columns, 3) is dense1 and dense1.bias is not None
    assert len(c.connection_pens(2)) == 8 * 8 + 8
    assert bias_source(c.columns, 1) is inp and bias_source(c.columns, 4) is dense2
    assert all(p.y() > max(q.y() for q in col.points) for col in (inp, dense1, dense2)
               for p in [col.bias])
    ctl.move_layer(1, 0)  # a Dropout right after the input: the input keeps its bias
    assert c.columns[1].kind == "Dropout" and c.columns[1].bias is None
    assert bias_source(c.columns, 2) is c.columns[0]


def test_headers_never_spill_past_their_highlight(qtbot, ctl):
    ctl.update_layer(0, units=1024, activation="leaky_relu", trainable=False)
    ctl.update_layer(2, units=3)  # flagged output
    c = NetworkCanvasWidget(ctl)
    qtbot.addWidget(c)
    for w in (1000, 590, 400, 320):
        c.resize(w, 420)
        assert titles_fit(c), w
        assert all(len(col.title_lines) == 2 for col in c.columns)
        rects = [col.rect for col in c.columns]
        assert all(a.right() <= b.left() for a, b in zip(rects, rects[1:]))  # no overlaps


def test_weight_style_maps_sign_to_colour_and_size_to_width():
    pos, w_pos = NetworkCanvasWidget.weight_style(0.9, 1.0)
    neg, w_neg = NetworkCanvasWidget.weight_style(-0.9, 1.0)
    faint, w_faint = NetworkCanvasWidget.weight_style(0.05, 1.0)
    assert pos.red() > pos.blue() and neg.blue() > neg.red()  # orange vs blue
    assert w_pos == pytest.approx(w_neg) and w_faint < w_pos
    assert faint.saturation() < pos.saturation()  # weak weights fade towards white
    assert NetworkCanvasWidget.weight_style(5.0, 1.0)[1] == pytest.approx(3.6)  # clipped
    assert NetworkCanvasWidget.weight_style(1.0, 0.0)[1] == pytest.approx(0.6)


def test_show_weights_changes_the_drawn_pens(ctl, canvas):
    n_in, units = ctl.network.layers[0].W.shape
    others = [layer.W.copy() for layer in ctl.network.layers[1:]]
    canvas.show_weights([np.ones((n_in, units), np.float32)] + others)
    pens = canvas.connection_pens(0)[: n_in * 8]  # weights first, then the bias lines
    assert len(pens) == n_in * 8
    assert all(p.color().red() > p.color().blue() for p in pens)
    canvas.show_weights([-np.ones((n_in, units), np.float32)] + others)
    assert all(p.color().blue() > p.color().red() for p in canvas.connection_pens(0)[: n_in * 8])
    graded = np.linspace(-1, 1, n_in * units, dtype=np.float32).reshape(n_in, units)
    canvas.show_weights([graded] + others)
    widths = {p.widthF() for p in canvas.connection_pens(0)}
    assert len(widths) > 2
    canvas.show_weights([np.ones((3, 3), np.float32)])  # stale shapes are ignored, not drawn
    assert len({p.color().name() for p in canvas.connection_pens(0)[: n_in * 8]}) == 1
    ctl.weights_changed.emit()  # back to the network's own weights
    assert len({p.color().name() for p in canvas.connection_pens(0)}) > 1


def test_paint_784_inputs_draws_capped_columns(qtbot, ctl, tmp_path):
    rng = np.random.default_rng(0)
    ds = Dataset(rng.random((200, 784)), rng.integers(0, 10, 200), [f"px{i}" for i in range(784)],
                 [str(i) for i in range(10)], "classification", {"kind": "test"}, "pixels")
    ctl.set_dataset(ds)
    ctl.insert_layer(0, "Dense")
    ctl.update_layer(0, units=256)
    c = NetworkCanvasWidget(ctl)
    qtbot.addWidget(c)
    for w, h in ((1000, 400), (600, 300)):
        c.resize(w, h)
        img = c.grab()
        assert not img.isNull() and img.width() == w
    cols = c.columns
    assert [len(col.points) for col in cols] == [8, 8, 8, 8, 10]
    assert cols[0].count_text == "\u2026 784 inputs" and cols[-1].names == [str(i) for i in range(10)]
    assert len(c.connection_pens(0)) == 8 * 8 + 8  # drawn neurons only, plus the bias node
    img.save(str(tmp_path / "canvas_784.png"))


def test_empty_state_and_drop_without_data(qtbot, palette):
    ctl = ProjectController()
    got = []
    ctl.message_posted.connect(lambda text, level: got.append(level))
    c = NetworkCanvasWidget(ctl)
    qtbot.addWidget(c)
    c.resize(600, 300)
    assert not c.grab().isNull() and c.columns == []
    drag_and_drop(c, palette_mime(palette, "Dense"), QPoint(300, 150))
    assert got == ["warning"] and ctl.layers == []


def test_redraws_on_controller_signals(ctl, canvas):
    ctl.update_layer(0, units=128)
    assert canvas.columns[1].size == 128 and canvas.columns[1].collapsed
    ctl.undo_stack.undo()
    assert canvas.columns[1].size == 16


def test_keyboard_focus_shows_as_a_frame(qtbot, ctl):
    c = NetworkCanvasWidget(ctl)
    qtbot.addWidget(c)
    c.resize(500, 300)
    c.show()
    qtbot.waitExposed(c)
    edge = lambda: c.grab().toImage().pixelColor(1, c.height() // 2)  # noqa: E731
    assert edge() == QColor("white")
    c.activateWindow()
    c.setFocus()
    qtbot.waitUntil(c.hasFocus, timeout=2000)
    assert edge() == c.palette().highlight().color()
