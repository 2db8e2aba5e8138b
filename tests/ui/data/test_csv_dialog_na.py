"""The CSV dialog's "Words for no value" list: a word such as 'None' can be switched between a
value and a gap per column, and the preview and the imported classes follow (issue 8)."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from nnstudio.ui.data.csv_preview_table import MISSING_CELL
from nnstudio.ui.data.data_panel import DataPanel

# Header and first 40 rows of R's MASS::survey (see tests/data/fixtures/README.md).
SURVEY = Path(__file__).parents[2] / "data" / "fixtures" / "mass_survey_head40.csv"


@pytest.fixture
def panel(qtbot, ctl, tmp_path):
    # A private settings file: tests must never touch the person's own nnstudio settings.
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    panel = DataPanel(ctl, settings=settings)
    qtbot.addWidget(panel)
    return panel


def _red(dialog, column: str) -> list[str]:
    c = dialog.preview.columns.index(column)
    return [dialog.table.item(r, c).text() for r in range(1, dialog.table.rowCount())
            if dialog.table.item(r, c).background().color() == MISSING_CELL]


def _import(qtbot, dialog):
    with qtbot.waitSignal(dialog.load_finished, timeout=10000) as blocker:
        dialog.import_button.click()
    assert blocker.args == ["loaded"]


def test_switching_none_between_value_and_missing(qtbot, panel, ctl):
    dialog = panel.open_csv(str(SURVEY))
    qtbot.addWidget(dialog)
    dialog.set_target("Exer")
    states = dialog.na_words.states()
    assert states[("Exer", "None")] is False and states[("Pulse", "NA")] is True
    assert dialog.na_words.isVisibleTo(dialog)
    # The words kept as values come first: they are the guesses worth checking.
    assert dialog.na_words.item(0).text() == "'None' in 'Exer' (4 rows): a value"
    assert _red(dialog, "Exer") == [] and _red(dialog, "Pulse") == ["NA"] * 4
    assert "have no 'Exer' value" not in dialog.missing_label.text()

    _import(qtbot, dialog)
    assert ctl.dataset.class_names == ["Freq", "None", "Some"]
    assert "Kept as values, not as gaps: 'None' in 'Exer' (4 rows)" in dialog.notes_text()

    dialog.set_na_word("Exer", "None", True)          # "None" means "did not answer" here
    assert dialog.na_words.states()[("Exer", "None")] is True
    assert dialog.na_words.item(0).text() == "'None' in 'Exer' (4 rows): missing"
    assert dialog.preview.missing_counts["Exer"] == 4
    assert _red(dialog, "Exer") == ["None"] * 3       # rows 2-4; the 4th is past the 20 shown
    assert "4 row(s) have no 'Exer' value to predict" in dialog.missing_label.text()
    assert dialog.options().na_values == (("Exer", "None", "missing"),)

    _import(qtbot, dialog)
    assert ctl.dataset.class_names == ["Freq", "Some"] and ctl.dataset.n_samples == 36
    assert ctl.dataset.source["options"]["na_values"] == {"Exer": {"None": "missing"}}

    dialog.set_na_word("Exer", "None", False)         # back to the reader's own choice
    assert dialog.options().na_values == () and _red(dialog, "Exer") == []


def test_choices_survive_a_new_preview_and_a_strong_word_can_be_kept(qtbot, panel, ctl, tmp_path):
    path = tmp_path / "regions.csv"
    rows = "\n".join(f"{i},{['EU', 'NA', 'AS'][i % 3]},{'ab'[i % 2]}" for i in range(12))
    path.write_text(f"n,region,label\n{rows}\n")
    dialog = panel.open_csv(str(path))
    qtbot.addWidget(dialog)
    assert dialog.preview.column_kinds["region"] == "category"
    assert dialog.preview.missing_counts["region"] == 4
    dialog.set_na_word("region", "NA", False)          # North America, not a gap
    assert dialog.preview.missing_counts["region"] == 0
    dialog.header_check.setChecked(True)                 # a re-preview keeps the choice
    assert dialog.na_words.states()[("region", "NA")] is False
    _import(qtbot, dialog)
    assert "region=NA" in ctl.dataset.feature_names


def test_without_marker_words_the_list_is_hidden(qtbot, panel, tmp_path):
    path = tmp_path / "clean.csv"
    path.write_text("a,b,label\n1,2,x\n3,4,y\n5,6,x\n")
    dialog = panel.open_csv(str(path))
    qtbot.addWidget(dialog)
    assert dialog.na_words.count() == 0 and not dialog.na_words.isVisibleTo(dialog)
    assert dialog.missing_label.text() == "No missing values in the file."


def test_counts_of_a_long_file_say_they_cover_its_first_rows(qtbot, panel, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("a,b,label\n" + "".join(f"{'NA' if i % 4 == 0 else i % 5},{i % 7},{'xy'[i % 2]}\n"
                                            for i in range(3000)))
    dialog = panel.open_csv(str(path))
    qtbot.addWidget(dialog)
    assert dialog.missing_label.text() == "Missing values in the first 2,000 rows: 'a' 500."
    assert dialog.na_words.item(0).text() == "'NA' in 'a' (500 rows in the first 2,000 rows): missing"
    c = dialog.preview.columns.index("a")
    assert "500 missing in the first 2,000 rows" in dialog.table.horizontalHeaderItem(c).toolTip()


def test_the_fill_choice_says_what_word_columns_get(qtbot, panel):
    # survey.csv has gaps in word columns ('Sex', 'Smoke'): they get the most common word, and
    # the choice must not claim "the column mean" for them.
    dialog = panel.open_csv(str(SURVEY))
    qtbot.addWidget(dialog)
    label = dialog.missing_mean.text().replace("&", "")
    assert "most common word" in label and "average" in label
    notes = _import_notes(qtbot, dialog)
    assert "with its most common value ('" in notes  # what the import did for a word column


def _import_notes(qtbot, dialog) -> str:
    dialog.set_target("Exer")
    _import(qtbot, dialog)
    return dialog.notes_text()
