"""The gallery on the real engine: filters, wrong answers after training, a confusion cell's
pictures on a click, a training picture chosen for the magnifying glass, lazy thumbnails."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from nnstudio.ui.gallery.gallery_model import ROW_ROLE, percent
from nnstudio.ui.gallery.pictures import TRAIN, VAL, parts_of
from nnstudio.ui.gallery.selection import ALL, CELL, WRONG, GalleryFilter, answers_of, select_rows


def test_select_rows_filters_and_orders_mistakes_by_confidence():
    y = np.array([0, 1, 1, 0, 2, 1])
    parts = np.array([0, 1, 1, 1, 0, 1], dtype=np.int8)
    answers = np.array([0, 2, 1, 1, 2, 2])
    confidence = np.array([0.9, 0.6, 0.8, 0.95, 0.7, 0.99])
    assert select_rows(GalleryFilter(ALL, part=1), y, parts).tolist() == [1, 2, 3, 5]
    assert select_rows(GalleryFilter(ALL, true_class=1), y, parts).tolist() == [1, 2, 5]
    assert select_rows(GalleryFilter(WRONG), y, parts, answers, confidence).tolist() == [5, 3, 1]
    cell = GalleryFilter(CELL, part=1, true_class=1, answered=2)
    assert select_rows(cell, y, parts, answers, confidence).tolist() == [5, 1]
    assert select_rows(GalleryFilter(WRONG), y, parts).tolist() == []  # no answers yet: nothing


def test_a_network_is_never_shown_100_percent_sure():
    assert [percent(p) for p in (0.997, 0.5, 0.01)] == ["99%", "50%", "1%"]


def test_answers_of_one_sigmoid_output():
    answer, confidence = answers_of(np.array([[0.2], [0.9]]))
    assert answer.tolist() == [0, 1] and np.allclose(confidence, [0.8, 0.9])


@pytest.fixture
def pictures(window, qtbot):
    """The window on the 8x8 digits as pictures, the Pictures tab open."""
    window.data_panel.select_builtin("digits-images")
    window.views.setCurrentWidget(window.gallery)
    qtbot.waitUntil(lambda: window.gallery.view.isVisible())
    return window


def test_the_tab_shows_every_picture_filtered_by_class_and_part(pictures):
    g, ds = pictures.gallery, pictures.ctl.dataset
    assert len(g.shown_rows()) == ds.n_samples == 1797
    g.class_combo.setCurrentIndex(g.class_combo.findData(7))
    g.class_combo.activated.emit(g.class_combo.currentIndex())
    assert np.all(ds.y[g.shown_rows()] == 7) and len(g.shown_rows()) == int(np.sum(ds.y == 7))
    g.part_combo.setCurrentIndex(g.part_combo.findData(VAL))
    g.part_combo.activated.emit(g.part_combo.currentIndex())
    parts, _ = parts_of(ds.n_samples, pictures.ctl.split)
    rows = g.shown_rows()
    assert len(rows) and np.all(parts[rows] == VAL) and np.all(ds.y[rows] == 7)
    assert g.count_label.text() == f"{len(rows)} pictures"


def test_thumbnails_are_made_only_for_the_pictures_shown(pictures, qtbot):
    g = pictures.gallery
    qtbot.waitUntil(lambda: len(g.model._cache) > 0)
    assert len(g.model._cache) < 400  # of 1,797: the view asked only for what is on screen
    g.view.scrollToBottom()
    last = g.model.index(g.model.rowCount() - 1)
    qtbot.waitUntil(lambda: int(g.shown_rows()[-1]) in g.model._cache)
    assert g.model.data(last, ROW_ROLE) == int(g.shown_rows()[-1])


def test_wrong_answers_after_training_are_the_network_s(pictures, qtbot, train_to_the_end):
    train_to_the_end(pictures, 2)
    g, ctl = pictures.gallery, pictures.ctl
    g.set_filter(GalleryFilter(WRONG, part=VAL))
    qtbot.waitUntil(lambda: g._thread is None and g._answered_tag == g._tag, timeout=20_000)
    val = ctl.split.val_indices
    p = ctl.network.predict(ctl.dataset.X[val])
    wrong = set(val[p.argmax(axis=1) != ctl.dataset.y[val]].tolist())
    assert wrong and set(g.shown_rows().tolist()) == wrong
    conf = p.max(axis=1)[np.isin(val, g.shown_rows())]
    shown_conf = g.confidence[g.shown_rows()]
    assert np.all(np.diff(shown_conf) <= 0)  # most confident mistakes first
    assert np.isclose(shown_conf.max(), conf.max())
    first = g.model.index(0)
    row = int(g.shown_rows()[0])
    assert g.model.data(first).startswith(f"{ctl.dataset.y[row]} \u2192 {int(p[val == row].argmax())}")
    assert "wrong" in g.model.data(first, Qt.ItemDataRole.ToolTipRole)


def test_a_confusion_cell_click_shows_its_pictures(pictures, qtbot, train_to_the_end):
    train_to_the_end(pictures, 2)
    views, g, ctl = pictures.views, pictures.gallery, pictures.ctl
    views.setCurrentWidget(views.confusion)
    qtbot.waitUntil(lambda: views.confusion.matrix is not None and views.confusion.box.isVisible())
    m = views.confusion.matrix
    off = m - np.diag(np.diag(m))
    i, j = (int(v) for v in np.unravel_index(off.argmax(), m.shape))
    assert m[i, j] > 0
    pw = views.confusion.plot_widget
    scene = pw.getPlotItem().vb.mapViewToScene(QPointF(j + 0.5, i + 0.5))
    at = pw.mapFromScene(scene)
    qtbot.mouseClick(pw.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert views.currentWidget() is g
    assert g.filter == GalleryFilter(CELL, VAL, i, j)
    qtbot.waitUntil(lambda: g._thread is None and g._answered_tag == g._tag, timeout=20_000)
    rows = g.shown_rows()
    assert len(rows) == m[i, j]  # the very pictures the cell counts
    assert np.all(ctl.dataset.y[rows] == i) and np.all(np.isin(rows, ctl.split.val_indices))
    assert np.all(ctl.network.predict(ctl.dataset.X[rows]).argmax(axis=1) == j)
    assert g._cell_row.isVisible() and "mix-ups" in g.cell_label.text()
    g.all_button.click()
    assert g.filter == GalleryFilter() and len(g.shown_rows()) == ctl.dataset.n_samples


def test_a_click_on_a_training_picture_chooses_it(pictures, qtbot):
    g, ctl = pictures.gallery, pictures.ctl
    g.set_filter(GalleryFilter(ALL, part=TRAIN))
    index = g.model.index(5)
    row = g.model.data(index, ROW_ROLE)
    qtbot.waitUntil(lambda: g.view.visualRect(index).isValid())  # laid out after a delay
    rect = g.view.visualRect(index)
    with qtbot.waitSignal(ctl.sample_chosen, timeout=2000) as got:
        qtbot.mouseClick(g.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert int(ctl.split.train_indices[got.args[0]]) == row
    g.set_filter(GalleryFilter(ALL, part=VAL))
    before = ctl.chosen_sample
    qtbot.waitUntil(lambda: g.view.visualRect(g.model.index(0)).isValid())
    qtbot.mouseClick(g.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=g.view.visualRect(g.model.index(0)).center())
    assert ctl.chosen_sample == before and "validation picture" in g.note.text()


def test_the_tab_is_only_there_for_pictures(window):
    views = window.views
    assert not views.isTabVisible(views.indexOf(window.gallery))  # the spiral demo
    window.data_panel.select_builtin("mnist")
    assert views.isTabVisible(views.indexOf(window.gallery))
    assert len(window.gallery.shown_rows()) == 10_000
