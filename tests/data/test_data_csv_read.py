"""CSV import of well-formed (if messy) files: formats, column handling, targets, notes."""
from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.data import CsvOptions, load_dataset_source, read_csv
from nnstudio.errors import DataError


def load(tmp_path, content, name="data.csv", **options):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return read_csv(path, CsvOptions(**options))


def notes_of(ds):
    return "\n".join(ds.notes)


@pytest.mark.parametrize("content, delimiter_word", [
    ("a,b,c\n1,2,x\n3,4,y\n", "comma"),
    ("a;b;c\n1;2;x\n3;4;y\n", "semicolon"),
    ("a\tb\tc\n1\t2\tx\n3\t4\ty\n", "tab"),
    ("a|b|c\n1|2|x\n3|4|y\n", "vertical bar"),
    ("a,b,c\r\n1,2,x\r\n3,4,y\r\n", "comma"),
    ("a,b,c\r1,2,x\r3,4,y", "comma"),
    ("\ufeffa,b,c\n1,2,x\n3,4,y\n", "comma"),
    (" a , b ,c\n 1, 2 ,x\n3 ,4, y \n\n", "comma"),
    ("a,b,c,\n1,2,x,\n3,4,y,,\n", "comma"),
])
def test_separators_line_endings_bom_and_spaces(tmp_path, content, delimiter_word):
    ds = load(tmp_path, content)
    assert ds.feature_names == ["a", "b"]
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])
    assert ds.class_names == ["x", "y"] and ds.y.tolist() == [0, 1]
    assert f"values separated by {delimiter_word}" in notes_of(ds)


def test_semicolon_file_with_decimal_commas(tmp_path):
    ds = load(tmp_path, "\ufefflength;width;kind\n1,5;2;x\n3;4,25;y\n5;6;x\n")
    np.testing.assert_allclose(ds.X, [[1.5, 2], [3, 4.25], [5, 6]])
    assert "Decimal commas (like 1,5) were read as decimal points in 'length', 'width'" in notes_of(ds)


def test_quoted_fields_keep_commas_quotes_and_line_breaks(tmp_path):
    text = ('name,size,kind\n"Smith, John",1,"a, b"\n"O""Neil",2,"c\nd"\n"Doe, Jane",3,"a, b"\n'
            '"Smith, John",4,"c\nd"\n')
    ds = load(tmp_path, text)
    assert ds.feature_names == ['name=Doe, Jane', "name=O\"Neil", "name=Smith, John", "size"]
    assert ds.class_names == ["a, b", "c\nd"]
    np.testing.assert_array_equal(ds.X[:, 3], [1, 2, 3, 4])
    np.testing.assert_array_equal(ds.X[:, :3], [[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 0, 1]])


def test_header_detection_and_override(tmp_path):
    ds = load(tmp_path, "1,2,0\n3,4,1\n5,6,0\n")
    assert ds.feature_names == ["column 1", "column 2"]
    assert ds.n_samples == 3 and "no header row" in notes_of(ds)
    # An all-text first row looks like a header; the person can say it is data.
    forced = load(tmp_path, "red,small,yes\nblue,big,no\nred,big,no\n", has_header=False)
    assert forced.n_samples == 3 and forced.feature_names[0] == "column 1=blue"
    named = load(tmp_path, "1,2,0\n3,4,1\n5,6,0\n", has_header=True)
    assert named.feature_names == ["1", "2"] and named.n_samples == 2
    dup = load(tmp_path, "a,a,,c\n1,2,3,x\n4,5,6,y\n")
    assert dup.feature_names == ["a", "a (2)", "column 3"]


def test_explicit_delimiter_wins(tmp_path):
    ds = load(tmp_path, "a,b;c\n1,2;x\n3,4;y\n", delimiter=";")
    assert ds.feature_names == ["a,b"]
    np.testing.assert_allclose(ds.X[:, 0], [1.2, 3.4])   # with ';' as separator, ',' is a decimal mark


def test_text_encodings(tmp_path):
    latin = load(tmp_path, "name,v,cls\nJos\xe9,1,a\nRen\xe9,2,b\n\u20ac,3,a\n".encode("cp1252"))
    assert "name=José" in latin.feature_names and "name=€" in latin.feature_names
    assert "not valid UTF-8" in notes_of(latin) and "Latin-1" in notes_of(latin)
    utf16 = load(tmp_path, "a\tb\tc\n1\t2\tx\n3\t4\ty\n".encode("utf-16"))
    assert utf16.feature_names == ["a", "b"] and "UTF-16" in notes_of(utf16)
    utf8 = load(tmp_path, "größe,cls\n1,ä\n2,ö\n")
    assert utf8.feature_names == ["größe"] and utf8.class_names == ["ä", "ö"]


def test_target_choice_by_name_index_and_default(tmp_path):
    text = "Species,len,wid\nsetosa,1,5.5\nvirginica,2,6.25\nsetosa,3,7\n"
    by_name = load(tmp_path, text, target="species")  # case-insensitive fallback
    assert by_name.class_names == ["setosa", "virginica"] and by_name.feature_names == ["len", "wid"]
    by_index = load(tmp_path, text, target=0)
    np.testing.assert_array_equal(by_index.y, by_name.y)
    last = load(tmp_path, text)
    assert last.task == "regression" and last.feature_names == ["Species=setosa", "Species=virginica", "len"]
    assert load(tmp_path, text, target=-2).feature_names[-1] == "wid"


@pytest.mark.parametrize("values, options, task, class_names", [
    (["1", "2", "3", "1", "2", "3"], {}, "classification", ["1", "2", "3"]),
    (["0", "1", "0", "1", "1", "0"], {}, "classification", ["0", "1"]),
    (["1.5", "2.25", "3", "1", "2", "3"], {}, "regression", []),
    ([str(i * 3) for i in range(25)], {}, "regression", []),
    (["1", "2", "3", "1", "2", "3"], {"task": "regression"}, "regression", []),
    (["0.5", "1.5", "0.5", "1.5"], {"task": "classification"}, "classification", ["0.5", "1.5"]),
    (["yes", "no", "yes", "no"], {}, "classification", ["no", "yes"]),
])
def test_task_is_decided_from_the_target(tmp_path, values, options, task, class_names):
    rows = "\n".join(f"{i % 4},{i % 3},{v}" for i, v in enumerate(values))
    ds = load(tmp_path, f"f1,f2,target\n{rows}\n", **options)
    assert ds.task == task and ds.class_names == class_names
    assert ds.y.dtype == (np.int64 if task == "classification" else np.float32)
    if task == "regression":
        np.testing.assert_allclose(ds.y, [float(v) for v in values])
        assert "a number to predict (regression)" in notes_of(ds)


def test_column_kinds_are_explained(tmp_path):
    rows = ["PassengerId,row,Acid,created,colour,remark,const,score,label"]
    for i in range(40):
        rows.append(f"{100 + i},{i},{(i * 7) % 5},2020-01-{i % 28 + 1:02d} 10:00,{['red', 'blue'][i % 2]},"
                    f"remark {i * 13 % 37},same,{i * 0.5},{'ab'[i % 3 == 0]}")
    ds = load(tmp_path, "\n".join(rows), drop_columns=["score"])
    assert ds.feature_names == ["Acid", "colour=blue", "colour=red"]
    text = notes_of(ds)
    assert "'PassengerId' looks like an ID" in text
    assert "'row' looks like an ID" in text
    assert "'created' holds dates or times" in text
    assert "'colour' is a category with 2 values ('blue', 'red'); it became 2 yes/no columns" in text
    assert "'remark' is text with 37 different values" in text
    assert "'const' has the same value ('same') in every row" in text
    assert "'score' was left out, as you chose." in text
    np.testing.assert_array_equal(ds.X[:2, 1:], [[0, 1], [1, 0]])


def test_missing_value_choices(tmp_path):
    text = "a,b,colour,label\n1,10,red,p\nNA,20,,q\n3,N/A,red,p\n5,40,blue,q\n7,,blue,p\n9,60,blue,\n"
    dropped = load(tmp_path, text, missing="drop")
    assert dropped.n_samples == 2 and dropped.X[:, 0].tolist() == [1, 5]
    assert "Dropped 1 row(s) whose target 'label' was missing (line 7)" in notes_of(dropped)
    assert "Dropped 3 row(s) with missing values (in 'a', 'b', 'colour')" in notes_of(dropped)
    filled = load(tmp_path, text, missing="mean")
    np.testing.assert_allclose(filled.X[:, 0], [1, 4, 3, 5, 7])
    np.testing.assert_allclose(filled.X[:, 1], [10, 20, 70 / 3, 40, 70 / 3], rtol=1e-6)
    assert filled.feature_names[2:] == ["colour=blue", "colour=red"]
    assert filled.X[1, 2:].tolist() == [1, 0]   # the gap takes the most common colour
    assert "Filled 1 missing value(s) in 'a' with the column mean (4)" in notes_of(filled)
    assert "with its most common value ('blue')" in notes_of(filled)


def test_stray_words_in_number_columns_count_as_missing(tmp_path):
    rows = "\n".join(f"{'unknown' if i == 3 else 20 + i * 7 % 23},{i % 2},{i * 1.5 if i != 5 else 'n.a.'}"
                     for i in range(30))
    ds = load(tmp_path, f"age,flag,price\n{rows}\n", missing="mean")
    assert ds.task == "regression" and ds.n_samples == 29 and ds.feature_names == ["age", "flag"]
    assert "1 cell(s) held words instead of numbers ('unknown'); they count as missing" in notes_of(ds)
    assert ("1 row(s) had words instead of a number in the target 'price' ('n.a.'); "
            "they were dropped") in notes_of(ds)


def test_unbalanced_classes_are_reported(tmp_path):
    rows = "\n".join(f"{i},{i % 5},{'rare' if i % 10 == 0 else 'common'}" for i in range(3, 103))
    ds = load(tmp_path, f"x,z,label\n{rows}\n")
    assert ds.class_counts() == {"common": 90, "rare": 10}
    assert "Rows per class: 'common' 90, 'rare' 10." in notes_of(ds)
    assert "unbalanced" in notes_of(ds) and "'common' would already be right 90%" in notes_of(ds)


def test_messy_realistic_file(messy_csv):
    path, expected = messy_csv
    # 'null' among city names is a value by default (see test_data_csv_na.py); here it means
    # "no city", so it is marked missing, as a person would in the import options.
    ds = read_csv(path, CsvOptions(missing="mean", na_values={"city": {"null": "missing"}}))
    n_kept = 3000 - expected["target_missing"]
    assert ds.X.shape == (n_kept, 8)
    assert ds.feature_names == ["age", "income", "city=Amsterdam", "city=Berlin", "city=Cork",
                                "city=Dijon", "city=Essen", "score"]
    assert ds.class_counts() == {"no": expected["no"], "yes": expected["yes"]}
    text = notes_of(ds)
    for fragment in [
        "Read 3000 rows and 10 columns from 'customers.csv'",
        f"Dropped {expected['target_missing']} row(s) whose target 'churned' was missing (line 5, 455,",
        "'customer_id' looks like an ID", "'signup_date' holds dates", "'remarks' is text with",
        "'country' has the same value ('NL')", "'email' has a different text in every row",
        f"Filled {expected['age_missing']} missing value(s) in 'age'",
        f"Filled {expected['income_missing']} missing value(s) in 'income'",
        f"Filled {expected['city_null']} missing value(s) in 'city'",
        f"'null' in 'city' ({expected['city_null']} rows, as you chose)",
        "The classes are unbalanced",
    ]:
        assert fragment in text, fragment
    assert np.all(np.isfinite(ds.X))
    dropped = read_csv(path, CsvOptions(missing="drop", na_values={"city": {"null": "missing"}}))
    assert dropped.n_samples == n_kept - expected["gappy_rows_null_missing"]

    # Without that choice 'null' is a sixth city, and the notes say it was kept as a value.
    default = read_csv(path, CsvOptions(missing="drop"))
    assert default.n_samples == n_kept - expected["gappy_rows"]
    assert "city=null" in default.feature_names
    kept = f"Kept as values, not as gaps: 'null' in 'city' ({expected['city_null']} rows)"
    assert kept in notes_of(default)


def test_source_reloads_the_same_data(messy_csv):
    path, _ = messy_csv
    ds = read_csv(path, CsvOptions(missing="drop", target="churned"))
    source = json.loads(json.dumps(ds.source))
    assert source["kind"] == "csv" and source["path"] == str(path.resolve())
    assert source["options"]["missing"] == "drop" and source["options"]["target"] == "churned"
    again = load_dataset_source(source)
    np.testing.assert_array_equal(again.X, ds.X)
    np.testing.assert_array_equal(again.y, ds.y)
    assert CsvOptions.from_dict(source["options"]) == CsvOptions(missing="drop", target="churned")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.lists(st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=3, max_size=3),
                      min_size=2, max_size=30),
       delimiter=st.sampled_from([",", ";", "\t", "|"]), header=st.booleans())
def test_any_numeric_table_round_trips(tmp_path, table, delimiter, header):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    if header:
        writer.writerow(["first", "second", "target"])
    for i, row in enumerate(table):
        writer.writerow([repr(v) for v in row[:2]] + [f"{i * 0.37 + 0.1:.2f}"])
    X = np.array(table, dtype=np.float32)[:, :2]
    kept = [j for j in range(2) if not np.all(X[:, j] == X[0, j])]   # constant columns are left out
    if not kept:
        with pytest.raises(DataError, match="no column that can be used as a feature"):
            load(tmp_path, buffer.getvalue(), missing="mean", task="regression")
        return
    ds = load(tmp_path, buffer.getvalue(), missing="mean", task="regression")
    assert ds.n_samples == len(table)
    np.testing.assert_array_equal(ds.X, X[:, kept])
    np.testing.assert_allclose(ds.y, [i * 0.37 + 0.1 for i in range(len(table))], atol=1e-5)


def test_spreadsheet_quirks(tmp_path):
    excel = load(tmp_path, "sep=;\na;b;c\n1;2;x\n3;4;y\n")
    assert excel.feature_names == ["a", "b"] and excel.n_samples == 2
    numeric_names = load(tmp_path, "2019,2020,target\n1,2,3.5\n3,4,4.5\n5,6,7.25\n")
    assert numeric_names.feature_names == ["2019", "2020"] and numeric_names.n_samples == 3
    thousands = load(tmp_path, 'a,b,c\n"1,234",2,x\n"12,000.5",3,y\n7,4,x\n')
    np.testing.assert_array_equal(thousands.X[:, 0], [1234, 12000.5, 7])


def test_all_different_whole_numbers_are_ids_only_when_that_is_no_coincidence(tmp_path):
    rng = np.random.default_rng(0)
    ticket = rng.permutation(500)[:100]            # 100 different values out of 500: an ID
    price = np.round(rng.uniform(1, 100, 100), 2)   # different too, but decimals: a measurement
    rows = "\n".join(f"{t},{p},{i % 3}" for i, (t, p) in enumerate(zip(ticket, price)))
    ds = load(tmp_path, f"ticket,price,label\n{rows}\n")
    assert ds.feature_names == ["price"]
    assert "'ticket' has a different whole number in every row" in notes_of(ds)
