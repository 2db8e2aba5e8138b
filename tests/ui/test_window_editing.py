"""The window's network and data editing, driven as a user would: drops on the canvas, the
inspector, undo / redo, data switches, and what edits do to trained weights and their history."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox


def drop_layer(w, kind: str, before_column: int):
    """Drop ``kind`` from the palette's own MIME data into the gap before a canvas column."""
    palette = w.palette
    item = next(palette.item(i) for i in range(palette.count()) if palette.kind_of(palette.item(i)) == kind)
    mime = palette.mimeData([item])
    canvas = w.canvas
    left = canvas.column_rect(before_column - 1)
    right = canvas.column_rect(before_column)
    pos = QPoint((left.right() + right.left()) // 2, right.center().y())
    enter = QDragEnterEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(canvas, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(pos), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(canvas, drop)


def test_demo_opens_ready_to_train(window):
    ctl = window.ctl
    assert ctl.dataset.name.lower().startswith("spiral")
    assert [layer["config"]["units"] for layer in ctl.layers] == [16, 16, 1]
    assert ctl.network.layer_sizes() == [2, 16, 16, 1]
    assert window.actions["train"].isEnabled() and not window.actions["stop"].isEnabled()
    assert "Spiral demo" in window.windowTitle()


def test_build_edit_undo_redo_through_the_window(window, qtbot):
    ctl = window.ctl
    drop_layer(window, "Dense", before_column=2)  # between the two hidden layers
    assert [layer["class"] for layer in ctl.layers] == ["Dense", "Dense", "Dense", "Dense"]
    assert ctl.network.layer_sizes() == [2, 16, 16, 16, 1]

    # Select the new layer on the canvas and set 24 neurons and tanh in the inspector.
    qtbot.mouseClick(window.canvas, Qt.LeftButton, pos=window.canvas.column_center(1))
    assert ctl.selected == 1
    combo = window.inspector.units_combo
    combo.lineEdit().selectAll()
    qtbot.keyClicks(combo.lineEdit(), "24")
    qtbot.keyClick(combo.lineEdit(), Qt.Key_Return)
    act = window.inspector.activation_combo
    act.setCurrentIndex(act.findText("Tanh"))
    act.activated.emit(act.currentIndex())  # what a user's choice in the list sends
    assert ctl.layers[1]["config"]["units"] == 24 and ctl.layers[1]["config"]["activation"] == "tanh"
    assert ctl.network.layer_sizes() == [2, 16, 24, 16, 1]
    assert "16 inputs × 24 neurons + 24 biases = 408 parameters" in window.inspector.params_label.text()

    window.actions["undo"].trigger()   # activation back to ReLU
    window.actions["undo"].trigger()   # units back to 16
    assert ctl.layers[1]["config"] == {"units": 16, "activation": "relu", "trainable": True,
                                       "name": "dense_2"}  # layers keep their names
    window.actions["undo"].trigger()   # the drop itself
    assert ctl.network.layer_sizes() == [2, 16, 16, 1]
    window.actions["redo"].trigger()
    assert ctl.network.layer_sizes() == [2, 16, 16, 16, 1]
    assert window.isWindowModified()


def test_loading_iris_resizes_input_and_output(window):
    window.data_panel.select_builtin("iris")
    window.data_panel.load_selected()
    ctl = window.ctl
    assert ctl.network.layer_sizes() == [4, 16, 16, 3]
    assert ctl.layers[-1]["config"]["activation"] == "softmax"
    assert ctl.output_issue() is None
    assert "3 classes" in window.messages.text.text()


def test_editing_while_training_asks_and_respects_no(window, qtbot):
    window.ctl.set_training(epochs=100_000)
    window.actions["train"].trigger()
    qtbot.waitUntil(lambda: len(window.ctl.project.history["epoch"]) > 2, timeout=20_000)
    window.answers["question"] = QMessageBox.No
    assert not window.ctl.insert_layer(0, "Dropout")
    assert window.runner.state in ("running", "paused") and len(window.ctl.layers) == 3
    window.answers["question"] = QMessageBox.Yes
    assert window.ctl.insert_layer(0, "Dropout")
    assert window.runner.state == "idle" and len(window.ctl.layers) == 4


def test_switching_data_is_undoable(window):
    ctl = window.ctl
    window.data_panel.select_builtin("iris")
    window.data_panel.load_selected()
    assert ctl.network.layer_sizes() == [4, 16, 16, 3]
    assert "Iris" in window.actions["undo"].text()
    window.actions["undo"].trigger()
    assert ctl.dataset.name.lower().startswith("spiral") and ctl.network.layer_sizes() == [2, 16, 16, 1]
    window.actions["redo"].trigger()
    assert ctl.network.layer_sizes() == [4, 16, 16, 3]


def test_views_follow_the_network_after_an_edit_not_the_old_result(window, qtbot, train_to_the_end):
    train_to_the_end(window, epochs=100)
    qtbot.wait(10)
    trained = window.views._snapshot.confusion.copy()
    assert np.trace(trained) >= 0.95 * trained.sum()
    window.actions["reset"].trigger()
    qtbot.waitUntil(lambda: window.views._snapshot.epoch == 0, timeout=5000)
    snap = window.views._snapshot
    weighted = [layer for layer in window.ctl.network.layers if hasattr(layer, "W")]
    for shown, layer in zip(snap.weights, weighted):
        np.testing.assert_array_equal(shown, layer.W)
    val = window.ctl.scaled_split.val
    pred = window.ctl.network.predict_classes(val.X)
    assert snap.confusion.sum() == len(val.y)
    assert np.trace(snap.confusion) == np.count_nonzero(pred == val.y)


def test_undo_of_an_edit_brings_back_the_trained_weights_and_their_history(window, train_to_the_end):
    train_to_the_end(window, epochs=30)
    trained = window.ctl.network.get_weights()
    window.ctl.insert_layer(1, "Dense")
    assert window.ctl.project.history["epoch"] == []
    window.actions["undo"].trigger()
    assert len(window.ctl.project.history["epoch"]) == 30
    for k, v in trained.items():
        np.testing.assert_array_equal(window.ctl.network.get_weights()[k], v)
    assert window.status.epoch_label.text() == "Epochs trained: 30"
    assert window.messages.hint.startswith("Trained for 30 epochs so far")


def test_reset_weights_can_be_undone(window, train_to_the_end):
    w = window
    train_to_the_end(w, epochs=15)
    trained = w.ctl.network.params.copy()
    history = {k: list(v) for k, v in w.ctl.project.history.items()}
    w.actions["reset"].trigger()
    assert w.ctl.project.history["epoch"] == [] and not np.array_equal(w.ctl.network.params, trained)
    assert w.actions["undo"].text().endswith("Reset weights")
    w.actions["undo"].trigger()
    np.testing.assert_array_equal(w.ctl.network.params, trained)
    assert w.ctl.project.history == history
    assert w.status.epoch_label.text() == "Epochs trained: 15"
    w.actions["redo"].trigger()
    assert w.ctl.project.history["epoch"] == []


def test_freezing_a_layer_keeps_what_was_learned_and_the_history(window, train_to_the_end):
    w = window
    train_to_the_end(w, epochs=10)
    params = w.ctl.network.params.copy()
    w.ctl.update_layer(0, trainable=False)
    assert len(w.ctl.project.history["epoch"]) == 10 and w.status.epoch_label.text() == "Epochs trained: 10"
    np.testing.assert_array_equal(w.ctl.network.params, params)
    assert w.ctl.network.n_trainable_params < w.ctl.network.n_params
    w.actions["undo"].trigger()
    assert len(w.ctl.project.history["epoch"]) == 10 and w.ctl.network.layers[0].trainable
    w.ctl.update_layer(0, units=8)  # a different network: its history starts again
    assert w.ctl.project.history["epoch"] == []


def test_a_new_split_after_training_warns_about_flattering_scores(window, train_to_the_end):
    shown = []
    window.ctl.message_posted.connect(lambda text, level: shown.append((level, text)))
    window.ctl.set_split(val=0.3)  # untrained: nothing to warn about
    assert not shown
    train_to_the_end(window, epochs=3)
    shown.clear()
    window.ctl.set_split(seed=5)
    assert shown and shown[-1][0] == "warning" and "Reset weights" in shown[-1][1]
    assert "From 5 to 45 %" in window.data_panel.split_editor.val_spin.toolTip()
