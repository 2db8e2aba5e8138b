"""The table of rows: a model over the arrays (50,000 rows), its sorting and filters, and the
window's table choosing a sample and following the chosen one."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from nnstudio.data import Dataset
from nnstudio.data.split import split_dataset
from nnstudio.ui.data.rows_model import (
    ANSWER_COL,
    CHOSEN_BACKGROUND,
    FIRST_FEATURE_COL,
    PART_COL,
    TEST,
    TRAIN,
    VAL,
    DataRowsModel,
    format_value,
)


def big_dataset(n: int = 50_000) -> Dataset:
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.normal(170, 10, n), rng.uniform(0, 50_000, n)]).astype(np.float32)
    y = (X[:, 0] > 170).astype(np.int64) + (X[:, 1] > 40_000)
    return Dataset(X, y, ["height", "income"], ["low", "mid", "high"], "classification",
                   {"kind": "test"}, "people")


@pytest.fixture
def big(qapp):
    ds = big_dataset()
    split = split_dataset(ds, 0.2, 0.2, seed=1)
    model = DataRowsModel()
    model.set_data(ds, split)
    return ds, split, model


def cell(model, view_row, col, role=Qt.ItemDataRole.DisplayRole):
    return model.data(model.index(view_row, col), role)


def test_fifty_thousand_rows_through_the_model(big):
    ds, split, model = big
    assert model.rowCount() == 50_000 and model.columnCount() == FIRST_FEATURE_COL + 2
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)] == [
        "Row", "Part", "Class", "height", "income"]
    row = int(split.train_indices[7])  # the 8th training sample
    assert cell(model, row, 0) == str(row)
    assert cell(model, row, PART_COL) == "training 7"
    assert cell(model, row, ANSWER_COL) == ds.class_names[ds.y[row]]
    assert cell(model, row, FIRST_FEATURE_COL) == format_value(ds.X[row, 0])
    assert cell(model, int(split.val_indices[0]), PART_COL) == "validation"
    assert cell(model, int(split.test_indices[0]), PART_COL) == "test"
    assert model.part_of(row) == TRAIN and model.position_in_part(row) == 7


def test_sorting_by_a_feature_both_ways_keeps_ties_in_row_order(big):
    ds, _split, model = big
    col = FIRST_FEATURE_COL + 1
    model.sort(col, Qt.SortOrder.AscendingOrder)
    shown = np.array([ds.X[model.data_row(r), 1] for r in range(model.rowCount())])
    assert np.all(np.diff(shown) >= 0)
    model.sort(col, Qt.SortOrder.DescendingOrder)
    assert ds.X[model.data_row(0), 1] == ds.X[:, 1].max()
    model.sort(ANSWER_COL, Qt.SortOrder.DescendingOrder)
    top = [model.data_row(r) for r in range(50)]
    assert all(ds.y[r] == 2 for r in top) and top == sorted(top)  # ties: the data's order
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.data_row(0) == 49_999


def test_filters_by_part_and_class(big):
    ds, split, model = big
    model.set_filter(VAL, None)
    assert model.rowCount() == len(split.val_indices)
    assert all(model.part_of(model.data_row(r)) == VAL for r in range(0, model.rowCount(), 97))
    model.set_filter(TEST, 2)
    expected = int(np.sum(ds.y[split.test_indices] == 2))
    assert model.rowCount() == expected > 0
    hidden = int(split.train_indices[0])
    assert model.view_row(hidden) == -1
    model.set_filter(None, None)
    assert model.rowCount() == 50_000 and model.view_row(hidden) == hidden


def test_the_chosen_row_is_marked(big):
    _ds, split, model = big
    row = int(split.train_indices[3])
    model.set_chosen(row)
    assert cell(model, model.view_row(row), 2, Qt.ItemDataRole.BackgroundRole) == CHOSEN_BACKGROUND
    assert "magnifying glass looks at this" in cell(model, model.view_row(row), 0,
                                                       Qt.ItemDataRole.ToolTipRole)
    model.set_chosen(-1)
    assert cell(model, model.view_row(row), 2, Qt.ItemDataRole.BackgroundRole) is None


def test_values_read_in_the_datas_own_units():
    assert format_value(np.float32(5.1)) == "5.1"
    assert format_value(48213.5) == "48213.5"
    assert format_value(1200.0) == "1200"
    assert format_value(-0.56310734) == "-0.5631"


def test_regression_rows_show_the_value_to_predict(qapp):
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    ds = Dataset(X, np.linspace(25000, 90000, 6), ["area", "age"], [], "regression",
                 {"kind": "test"}, "prices")
    model = DataRowsModel()
    model.set_data(ds, None)
    assert model.headerData(ANSWER_COL, Qt.Orientation.Horizontal) == "Value"
    assert cell(model, 1, ANSWER_COL) == "38000"
    assert not model.has_classes()


# ---------------------------------------------------------------------- in the window
def select_row(panel, data_row: int) -> None:
    index = panel.model.index(panel.model.view_row(data_row), 0)
    panel.table.selectionModel().setCurrentIndex(
        index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)


def test_a_training_row_chooses_that_sample(window):
    ctl, panel = window.ctl, window.rows_panel
    i = 11
    select_row(panel, int(ctl.split.train_indices[i]))
    assert ctl.chosen_sample == i
    # The same sample wears a ring on the decision map: the training part's scaled values.
    assert window.views.boundary.ring.position() == pytest.approx(
        tuple(ctl.scaled_split.train.X[i].astype(float)))


def test_a_validation_row_says_why_it_is_not_chosen(window):
    ctl, panel = window.ctl, window.rows_panel
    ctl.choose_sample(4)
    row = int(ctl.split.val_indices[0])
    select_row(panel, row)
    assert ctl.chosen_sample == 4  # unchanged
    assert f"Row {row} is a validation sample" in panel.note.text()
    assert "trains on" in panel.note.text() or "training step" in panel.note.text()


def test_sample_chosen_selects_and_scrolls_to_the_row(window, qtbot):
    ctl, panel = window.ctl, window.rows_panel
    window.data_panel.rows_button.click()  # shows the table's tab
    qtbot.waitUntil(lambda: panel.isVisible())
    panel.part_combo.setCurrentIndex(panel.part_combo.findData(VAL))  # hides training rows
    i = len(ctl.split.train_indices) - 1
    ctl.choose_sample(i)
    row = int(ctl.split.train_indices[i])
    current = panel.table.currentIndex()
    assert current.isValid() and panel.model.data_row(current.row()) == row
    assert panel.model.filters() == (None, None)  # the filter let the chosen row show again
    rect = panel.table.visualRect(current)
    assert panel.table.viewport().rect().intersects(rect)  # scrolled into view
    assert panel.model.data(current, Qt.ItemDataRole.BackgroundRole) == CHOSEN_BACKGROUND
    ctl.choose_sample(-1)
    assert panel.model.data(current, Qt.ItemDataRole.BackgroundRole) is None


def test_new_data_empties_the_choice_and_fills_the_table(window):
    ctl, panel = window.ctl, window.rows_panel
    ctl.choose_sample(2)
    window.data_panel.select_builtin("moons")
    assert ctl.chosen_sample == -1
    assert panel.model.rowCount() == ctl.dataset.n_samples
    assert window.views.boundary.ring.position() is None


def test_new_data_sorts_by_row_again_and_the_note_stays_readable(window):
    panel = window.rows_panel
    panel.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    assert panel.model.data_row(0) != 0
    window.ctl.set_split(seed=5)  # the same data: the order stays
    assert panel.table.horizontalHeader().sortIndicatorSection() == 3
    window.data_panel.select_builtin("moons")
    assert panel.model.data_row(0) == 0
    assert panel.table.horizontalHeader().sortIndicatorSection() == 0
    first = panel.note.styleSheet()
    for i in (1, 2, 3):  # a muted colour muted again would fade a little more each time
        window.ctl.choose_sample(i)
    assert panel.note.styleSheet() == first
