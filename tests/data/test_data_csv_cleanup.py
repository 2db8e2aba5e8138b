"""Careful clean-up of real-world CSV text: spaces, letter case, tiny classes, kept columns."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import NA_MARKERS, CsvOptions, is_missing, preview_csv, read_csv
from nnstudio.data.dataset import balance_notes
from nnstudio.data.dates import parse_dates
from nnstudio.errors import DataError


def load(tmp_path, content, **options):
    path = tmp_path / "data.csv"
    path.write_text(content, encoding="utf-8")
    return read_csv(path, CsvOptions(**options))


def notes_of(ds):
    return "\n".join(ds.notes)


def test_surrounding_spaces_are_stripped_from_features_and_target(tmp_path):
    rows = ['size,colour,label', '1," red ",yes', '2,red\u00a0, yes', '3,\u200bblue,no ', '4,blue,"no\t"',
            '5,red,\u00a0yes\u00a0']
    ds = load(tmp_path, "\n".join(rows) + "\n")
    assert ds.class_names == ["no", "yes"] and ds.y.tolist() == [1, 1, 0, 0, 1]
    assert ds.feature_names == ["size", "colour=blue", "colour=red"]


def test_target_labels_differing_only_in_case_are_merged(user_csv):
    ds = read_csv(user_csv, CsvOptions(missing="mean"))
    assert ds.class_names == ["no", "yes"]              # no third class 'Yes'
    assert ds.class_counts() == {"no": 22, "yes": 27}   # 49 rows: one had no label
    text = notes_of(ds)
    assert ("Class names that differ only in letter case were merged, keeping the most common spelling: "
            "'Yes' (1 row) into 'yes' (26 rows).") in text
    assert "has only" not in text                       # merged: no tiny class left


def test_the_most_frequent_spelling_wins(tmp_path):
    labels = ["Cat"] * 4 + ["cat"] + ["CAT"] * 2 + ["dog"] * 5
    rows = "\n".join(f"{i},{label}" for i, label in enumerate(labels))
    ds = load(tmp_path, f"x,animal\n{rows}\n")
    assert ds.class_names == ["Cat", "dog"] and ds.class_counts() == {"Cat": 7, "dog": 5}
    assert "'CAT' (2 rows) and 'cat' (1 row) into 'Cat' (4 rows)" in notes_of(ds)


def test_category_features_differing_only_in_case_are_merged(user_csv):
    ds = read_csv(user_csv, CsvOptions(missing="mean"))
    cities = [n for n in ds.feature_names if n.startswith("city=")]
    assert cities == ["city=Berlin", "city=Lyon", "city=Madrid", "city=Paris", "city=Rome"]
    paris = ds.feature_names.index("city=Paris")
    assert ds.X[:, paris].sum() == 10                   # 9 'Paris' + 1 'paris'
    assert "'city' is a category with 5 values" in notes_of(ds)
    assert "'paris' (1 row) into 'Paris' (9 rows)" in notes_of(ds)


def test_tiny_classes_are_flagged_in_plain_words(tmp_path):
    labels = ["yes"] * 10 + ["no"] * 10 + ["maybe"] + ["perhaps"] * 3
    rows = "\n".join(f"{i},{i % 7},{label}" for i, label in enumerate(labels))
    text = notes_of(load(tmp_path, f"a,b,answer\n{rows}\n"))
    assert ("Class 'maybe' has only 1 sample: the network cannot learn it, and it may be missing from the "
            "validation part. Consider fixing the label or removing the row.") in text
    assert "Class 'perhaps' has only 3 samples: too few for the network to learn it" in text
    assert "'yes' has only" not in text and "'no' has only" not in text
    assert "unbalanced" not in text          # 10 / 10: only the tiny classes are odd


def test_many_tiny_classes_share_one_note():
    notes = balance_notes(np.array([0] * 9 + [1, 2, 3, 4, 4]), ["a", "b", "c", "d", "e"])
    small = [n for n in notes if "fewer than 5" in n]
    assert small == ["4 classes have fewer than 5 samples each: 'b' (1), 'c' (1), 'd' (1), 'e' (2). The "
                     "network cannot learn them, and they may be missing from the validation part. Consider "
                     "fixing their labels or removing those rows."]
    assert not any("has only" in n for n in balance_notes(np.arange(10) % 2, ["x", "y"]))


def test_na_markers_are_public_and_match_the_reader():
    assert "NA" in NA_MARKERS and "?" in NA_MARKERS and "None" in NA_MARKERS
    # Missing in any column: empty cells and the spellings programs write for a gap.
    assert is_missing("") and is_missing("  NA ") and is_missing("n/a") and is_missing("#N/A")
    # "?" and "None" depend on the column (a gap among numbers, a value among words).
    assert not is_missing("?") and not is_missing("None")
    assert not is_missing("unknown") and not is_missing("0") and not is_missing("Na")


def test_preview_counts_missing_values_as_the_import_does(user_csv):
    preview = preview_csv(user_csv, n_rows=50)
    assert preview.missing_counts["income"] == 2 and preview.missing_counts["age"] == 2
    ds = read_csv(user_csv, CsvOptions(missing="mean"))
    assert "Filled 2 missing value(s) in 'income'" in notes_of(ds)
    assert "Filled 2 missing value(s) in 'age'" in notes_of(ds)
    income = preview.columns.index("income")
    marked = [row[income] for row, mask in zip(preview.rows, preview.missing_mask) if mask[income]]
    assert marked == ["unknown", "N/A"]   # the stray word counts, like the NA marker
    assert len(preview.missing_mask) == len(preview.rows)
    assert all(len(m) == len(preview.columns) for m in preview.missing_mask)
    label = preview.columns.index("label")
    assert sum(m[label] for m in preview.missing_mask) == preview.missing_counts["label"] == 1


def test_preview_says_whether_the_row_count_is_exact(tmp_path, user_csv):
    small = preview_csv(user_csv)
    assert small.n_rows_exact and small.n_rows_total_estimate == 50
    big = tmp_path / "big.csv"
    big.write_text("a,b\n" + "1.2345,2.3456\n" * 150_000)   # > 1 MB: only the head is read
    preview = preview_csv(big)
    assert not preview.n_rows_exact and abs(preview.n_rows_total_estimate - 150_000) < 5_000


def test_keep_columns_uses_an_id_and_a_date(user_csv):
    ds = read_csv(user_csv, CsvOptions(missing="mean", keep_columns=["date", "id"], drop_columns=["city"]))
    assert ds.feature_names == ["id", "date", "age", "income"]
    np.testing.assert_array_equal(ds.X[:3, 0], [1, 2, 3])
    np.testing.assert_array_equal(ds.X[:3, 1], [0, 1, 2])              # days since 2023-01-01
    assert ds.X[-1, 1] == (np.datetime64("2023-02-22") - np.datetime64("2023-01-01")).astype(int)
    text = notes_of(ds)
    assert ("'date' holds dates; as you chose, it was kept as a number: days since the earliest date "
            "(2023-01-01).") in text
    assert "'id' was kept as a number feature, as you chose (it looked like an ID)." in text
    assert "'city' was left out, as you chose." in text
    assert ds.source["options"]["keep_columns"] == ["date", "id"]


def test_keep_columns_turns_free_text_into_categories(tmp_path):
    rows = "\n".join(f"{i % 4},name {i},{'ab'[i % 2]}" for i in range(30))
    ds = load(tmp_path, f"x,who,label\n{rows}\n", keep_columns=["who"])
    assert len(ds.feature_names) == 31 and "who=name 7" in ds.feature_names
    assert "'who' was kept as a category, as you chose" in notes_of(ds)
    assert "can only memorise the rows" in notes_of(ds)
    default = load(tmp_path, f"x,who,label\n{rows}\n")
    assert default.feature_names == ["x"]


@pytest.mark.parametrize("content, options, fragment", [
    ("a,b,c\n1,,x\n2,,y\n", {"keep_columns": ["b"]}, "'b' has no values, so it cannot be used"),
    ("a,b,c\n" + "".join(f"{i % 3},w{i},x\n" for i in range(150)), {"keep_columns": ["b"]},
     "'b' has 150 different values. A text column can become at most 100"),
    ("a,b,c\n1,2,x\n2,3,y\n", {"keep_columns": ["c"]},
     "'c' is both the target and in the list of columns to use"),
    ("a,b,c\n1,2,x\n2,3,y\n", {"keep_columns": ["a"], "drop_columns": [0]},
     "'a' is both in the list of columns to leave out and in the list to keep"),
    ("a,b,c\n1,2,x\n2,3,y\n", {"keep_columns": ["zzz"]}, "Kept column 'zzz' was not found"),
])
def test_keep_columns_errors_name_the_column(tmp_path, content, options, fragment):
    with pytest.raises(DataError, match=fragment.replace("(", r"\(")):
        load(tmp_path, content, **options)


def test_keep_columns_option_round_trips():
    options = CsvOptions(keep_columns=["date", 0], drop_columns=("x",))
    assert options.keep_columns == ("date", 0)
    assert CsvOptions.from_dict(options.to_dict()) == options
    old = {"target": None, "missing": "drop", "delimiter": None, "has_header": None, "task": None,
           "drop_columns": []}                            # saved before keep_columns existed
    assert CsvOptions.from_dict(old).keep_columns == ()
    with pytest.raises(DataError, match="keep_columns must be a list of column names or numbers, got 'a'"):
        CsvOptions(keep_columns="a")
    with pytest.raises(DataError, match="keep_columns must hold column names or numbers, got 1.5"):
        CsvOptions(keep_columns=[1.5])


def test_parse_dates_formats():
    days, unit, start = parse_dates(np.array(["2021-01-01", "2021-01-03", "2021-01-02T12:00", "soon", ""]))
    assert unit == "days" and start == "2021-01-01"
    np.testing.assert_array_equal(days[:3], [0, 2, 1.5])
    assert np.isnan(days[3:]).all()
    # 25/04 can only be day first; 04/25 only month first; the whole column follows.
    assert parse_dates(np.array(["03/04/2021", "25/04/2021"]))[0].tolist() == [0, 22]
    assert parse_dates(np.array(["03/04/2021", "04/25/2021"]))[0].tolist() == [0, 52]
    named, _, start = parse_dates(np.array(["12 Jan 2020", "Jan 14, 2020", "13-Feb-20"]))
    assert named.tolist() == [0, 2, 32] and start == "2020-01-12"
    hours, unit, _ = parse_dates(np.array(["10:30", "10:30 PM", "12:00 am"]))
    assert unit == "hours" and hours.tolist() == [10.5, 22.5, 0]
    zoned, _, _ = parse_dates(np.array(["2021-01-01T00:00Z", "2021-01-01T00:00+02:00"]))
    np.testing.assert_allclose(zoned, [2 / 24, 0])

