"""Missing-value words: "NA" is a gap everywhere, "None" only among numbers (issue 8).

The real-file excerpts in fixtures/ come from R's MASS::survey and vcd::Arthritis (see
fixtures/README.md); the counts below were checked against pandas with only the strong
markers as NA.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import STRONG_NA, WEAK_NA, CsvOptions, MissingValuesError, preview_csv, read_csv
from nnstudio.errors import DataError

FIXTURES = Path(__file__).parent / "fixtures"
SURVEY = FIXTURES / "mass_survey_head40.csv"
ARTHRITIS = FIXTURES / "vcd_arthritis_every3rd.csv"


def load(tmp_path, content, **options):
    path = tmp_path / "data.csv"
    path.write_text(content, encoding="utf-8")
    return read_csv(path, CsvOptions(**options))


def notes_of(ds):
    return "\n".join(ds.notes)


def test_the_strong_list_is_what_programs_write_for_a_gap():
    assert STRONG_NA == ("", "NA", "N/A", "n/a", "NaN", "nan", "#N/A")
    assert {"None", "none", "null", "NULL", "?", "-", "--", "na"} <= set(WEAK_NA)
    assert not set(STRONG_NA) & set(WEAK_NA)


def test_survey_keeps_none_as_an_exercise_level():
    ds = read_csv(SURVEY, CsvOptions(target="Exer", missing="mean"))
    assert ds.class_counts() == {"Freq": 17, "None": 4, "Some": 19}   # pandas agrees (README)
    text = notes_of(ds)
    assert "sorted into 3 classes" in text
    assert ("Kept as values, not as gaps: 'None' in 'Exer' (4 rows). In a column of words such a word "
            "can be a real category") in text
    assert '--na-values "Exer=None"' in text
    # R's NA is still a gap, in the numbers and among the words ('M.I' is Metric / Imperial).
    assert "Counted as missing values: 'NA' in 'Pulse' (6 rows), 'Height' (8 rows), 'M.I' (8 rows)." in text
    assert "Filled 6 missing value(s) in 'Pulse'" in text and "Filled 8 missing value(s) in 'M.I'" in text


def test_arthritis_outcome_none_is_a_class_unless_marked_missing():
    ds = read_csv(ARTHRITIS, CsvOptions(target="Improved"))
    assert ds.class_names == ["Marked", "None", "Some"]
    assert ds.class_counts() == {"Marked": 10, "None": 13, "Some": 5}

    chosen = CsvOptions(target="Improved", na_values={"Improved": {"None": "missing"}})
    gone = read_csv(ARTHRITIS, chosen)
    assert gone.class_counts() == {"Marked": 10, "Some": 5}
    text = notes_of(gone)
    assert "Dropped 13 row(s) whose target 'Improved' was missing" in text
    assert "Counted as missing values: 'None' in 'Improved' (13 rows, as you chose)." in text
    assert gone.source["options"]["na_values"] == {"Improved": {"None": "missing"}}


def test_weak_words_are_gaps_among_numbers_and_values_among_words(tmp_path):
    # 30 % of 'dose' is a marker word: far beyond the few stray words a number column may hold,
    # so only the weak-marker rule makes it a number column.
    dose = ["1.5", "None", "2", "?", "3.5", "-", "4", "5", "6", "7"] * 3
    result = ["+", "-", "+", "?", "-", "+", "-", "+", "-", "+"] * 3
    label = ["a", "b"] * 15
    rows = "\n".join(",".join(r) for r in zip(dose, result, label))
    ds = load(tmp_path, f"dose,result,label\n{rows}\n", missing="mean")
    assert ds.feature_names == ["dose", "result=+", "result=-", "result=?"]
    assert ds.X[1, 0] == pytest.approx(np.mean([1.5, 2, 3.5, 4, 5, 6, 7]))   # 'None' filled
    text = notes_of(ds)
    assert ("Counted as missing values: '-' in 'dose' (3 rows); '?' in 'dose' (3 rows); "
            "'None' in 'dose'") in text
    assert "Kept as values, not as gaps: '-' in 'result' (12 rows); '?' in 'result' (3 rows)." in text


def test_a_strong_word_can_be_kept_and_any_word_marked_missing(tmp_path):
    rows = "\n".join(f"{i},{['EU', 'NA', 'AS'][i % 3]},{['x', 'unknown', 'y', 'x'][i % 4]},{'ab'[i % 2]}"
                     for i in range(12))
    content = f"n,region,shade,label\n{rows}\n"
    with pytest.raises(MissingValuesError):
        load(tmp_path, content)                       # 'NA' is a gap by default
    ds = load(tmp_path, content, na_values={"region": {"NA": "value"}, "shade": {"unknown": "missing"}},
              missing="drop")
    assert "region=NA" in ds.feature_names           # North America
    assert ds.n_samples == 9 and "shade=unknown" not in ds.feature_names
    assert "Kept as values, not as gaps: 'NA' in 'region' (4 rows, as you chose)" in notes_of(ds)


def test_a_stray_word_called_a_value_makes_a_column_of_words(tmp_path):
    rows = "\n".join(f"{'many' if i == 3 else i % 7},{'ab'[i % 2]}" for i in range(30))
    assert load(tmp_path, f"count,label\n{rows}\n", missing="mean").feature_names == ["count"]
    kept = load(tmp_path, f"count,label\n{rows}\n", na_values={"count": {"many": "value"}})
    assert "count=many" in kept.feature_names


def test_na_values_round_trip_through_json():
    options = CsvOptions(target="Exer", na_values={"Exer": {"None": "missing", " - ": "value"},
                                                   "Region": {"NA": "value"}})
    assert options.na_values == (("Exer", "-", "value"), ("Exer", "None", "missing"),
                                 ("Region", "NA", "value"))
    saved = json.loads(json.dumps(options.to_dict()))
    assert saved["na_values"] == {"Exer": {"-": "value", "None": "missing"}, "Region": {"NA": "value"}}
    assert CsvOptions.from_dict(saved) == options
    assert CsvOptions().to_dict()["na_values"] == {}
    # Files saved before the option existed still load.
    old = {k: v for k, v in CsvOptions().to_dict().items() if k != "na_values"}
    assert CsvOptions.from_dict(old) == CsvOptions()


@pytest.mark.parametrize("value, message", [
    ("Exer=None", "na_values must map column names to {word: 'missing' or 'value'}, got 'Exer=None'"),
    ({"Exer": "None"}, "na_values['Exer'] must map words to 'missing' or 'value', got 'None'"),
    ({"Exer": {"None": "gap"}}, "na_values['Exer']['None'] must be 'missing' or 'value', got 'gap'"),
    ({"Exer": {"None": True}}, "na_values['Exer']['None'] must be 'missing' or 'value', got True"),
    ({3: {"None": "missing"}}, "na_values: column names must be text, got 3"),
    ({"Exer": {"": "value"}}, "na_values['Exer']: an empty cell is always missing"),
])
def test_bad_na_values_are_named(value, message):
    with pytest.raises(DataError) as err:
        CsvOptions(na_values=value)
    assert message in str(err.value)


def test_an_unknown_column_in_na_values_is_named(tmp_path):
    with pytest.raises(DataError, match="Missing-value choice column 'Exr' was not found"):
        read_csv(SURVEY, CsvOptions(target="Exer", na_values={"Exr": {"None": "missing"}}))
    # The preview skips it: its columns change with the separator and header choice.
    assert preview_csv(SURVEY, options=CsvOptions(na_values={"Exr": {"None": "missing"}})).columns


def test_preview_lists_the_words_and_follows_the_choice():
    preview = preview_csv(SURVEY, n_rows=5)
    exer = preview.columns.index("Exer")
    assert [(w.word, w.count, w.missing) for w in preview.na_words["Exer"]] == [("None", 4, False)]
    assert [(w.word, w.count, w.missing) for w in preview.na_words["Pulse"]] == [("NA", 6, True)]
    assert preview.na_words["Sex"] == []
    assert preview.missing_counts["Exer"] == 0 and preview.column_kinds["Exer"] == "category"
    assert preview.rows[1][exer] == "None" and not preview.missing_mask[1][exer]

    chosen = preview_csv(SURVEY, n_rows=5, options=CsvOptions(na_values={"Exer": {"None": "missing"}}))
    word = chosen.na_words["Exer"][0]
    assert (word.word, word.missing, word.default_missing, word.chosen) == ("None", True, False, True)
    assert chosen.missing_counts["Exer"] == 4 and chosen.missing_mask[1][exer]


def test_preview_says_when_counts_cover_only_the_first_rows(tmp_path):
    small = preview_csv(SURVEY)
    assert small.counts_whole_file and small.n_rows_checked == 40
    big = tmp_path / "big.csv"
    big.write_text("a,b\n" + "".join(f"{i % 5 if i % 4 else 'NA'},x{i % 3}\n" for i in range(5000)))
    preview = preview_csv(big)
    assert preview.n_rows_exact and preview.n_rows_checked == 2000 and not preview.counts_whole_file
    assert preview.missing_counts["a"] == 500              # of 2,000 rows, not of 5,000


def test_a_class_whose_rows_all_have_gaps_is_named_when_dropped(tmp_path):
    rows = [f"{i},{i % 3},{'Some' if i % 2 else 'Marked'}" for i in range(20)]
    rows += [f"{20 + i},NA,None" for i in range(4)]            # 'None' patients: no 'score'
    content = "age,score,Improved\n" + "\n".join(rows) + "\n"
    kept = load(tmp_path, content, missing="mean")
    assert kept.class_counts()["None"] == 4
    dropped = load(tmp_path, content, missing="drop")
    assert dropped.class_names == ["Marked", "Some"]
    assert ("Class 'None' of the target 'Improved' had only rows with gaps and is gone: all its 4 row(s) "
            "were dropped with the rows with missing values.") in notes_of(dropped)
    assert "is gone" not in notes_of(kept)


def test_missing_values_error_carries_the_facts(tmp_path):
    with pytest.raises(MissingValuesError) as err:
        read_csv(SURVEY, CsvOptions(target="Exer"))
    exc = err.value
    assert isinstance(exc, DataError)
    assert exc.counts == {"Pulse": 6, "Height": 8, "M.I": 8} and exc.n_rows == 14   # pandas: 14
    assert "Choose what to do with them in the import options" in str(exc)
    line = exc.command_line_message()
    assert "'Pulse' 6 row(s)" in line and "Use --missing drop to remove the 14 row(s)" in line
    assert "--missing mean" in line and "import options" not in line


def test_a_word_in_many_columns_is_one_short_note(tmp_path):
    header = ",".join(f"p{j}" for j in range(12)) + ",label"

    def row(i: int) -> str:  # 12 numbers with NA every fifth cell, then the label
        return ",".join("NA" if (i + j) % 5 == 0 else str(i * j % 7) for j in range(12)) + f",{'ab'[i % 2]}"

    rows = "\n".join(row(i) for i in range(30))
    text = notes_of(load(tmp_path, f"{header}\n{rows}\n", missing="mean"))
    assert "Counted as missing values: 'NA' in 'p0' (6 rows), " in text
    assert "'p7' (6 rows) and 4 more columns." in text
