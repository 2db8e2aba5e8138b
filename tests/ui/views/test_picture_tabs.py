"""The training views on pictures (issue 11): the Decision map tab, which means nothing for
pictures, is hidden while the Pictures tab is shown, and comes back for a table. Real window,
real bundled data."""
from __future__ import annotations

from nnstudio.ui.views.panel import PREDICTION_TAB


def test_the_decision_map_tab_is_hidden_for_pictures_and_back_for_a_table(window, qtbot):
    views = window.views
    assert views.widget(PREDICTION_TAB) is views.boundary and views.isTabVisible(PREDICTION_TAB)
    views.setCurrentWidget(views.boundary)  # open: a switch to pictures must not leave it shown
    window.data_panel.select_builtin("digits-images")
    assert window.ctl.dataset.is_image
    assert not views.isTabVisible(PREDICTION_TAB)
    assert views.currentWidget() is views.metrics
    assert views.isTabVisible(views.indexOf(window.gallery))
    window.data_panel.select_builtin("spiral")
    assert not window.ctl.dataset.is_image
    assert views.isTabVisible(PREDICTION_TAB) and views.tabText(PREDICTION_TAB) == "Decision map"
    assert not views.isTabVisible(views.indexOf(window.gallery))
