"""The Rows tab on pictures (issue 11): a picture's row is one column per pixel, so the Rows
dock and its View-menu entry are hidden for pictures ("Show pictures" opens the gallery
instead) and come back for a table. Real window, real bundled data."""
from __future__ import annotations


def test_the_rows_dock_is_hidden_for_pictures_and_back_for_a_table(window, qtbot):
    dock = window._docks["rows_dock"]
    toggle = dock.toggleViewAction()
    box = window.data_panel.summary_box
    box.rows_button.click()  # open on the table: it must come back after the pictures
    assert dock.isVisible() and toggle.isChecked()

    window.data_panel.select_builtin("digits-images")
    assert window.ctl.dataset.is_image
    assert dock.isHidden() and not toggle.isVisible()
    assert box.rows_button.text() == "Show pictures"
    box.rows_button.click()  # opens the Pictures tab, never the table of 64 pixel columns
    assert dock.isHidden() and window.views.currentWidget() is window.gallery

    window.data_panel.select_builtin("spiral")
    assert not dock.isHidden() and toggle.isVisible() and toggle.isChecked()
    assert box.rows_button.text() == "Show rows"


def test_a_rows_dock_the_user_closed_stays_closed_after_pictures(window):
    dock = window._docks["rows_dock"]
    dock.close()
    window.data_panel.select_builtin("digits-images")
    window.data_panel.select_builtin("spiral")
    assert dock.isHidden() and dock.toggleViewAction().isVisible()
