"""A corpus of broken CSV files: each must end in its own plain message, never a traceback."""
from __future__ import annotations

import gzip

import pytest

from nnstudio.data import CsvOptions, csv_parse, preview_csv, read_csv
from nnstudio.errors import DataError

# name -> (file bytes, options, fragments the message must contain)
CORPUS = {
    "empty": (b"", {}, ["The file 'bad.csv' is empty"]),
    "blank_lines": (b"\n \n\r\n", {}, ["'bad.csv' is empty"]),
    "only_header": (b"height,weight,label\n", {},
                    ["header row ('height', 'weight', 'label') but no data rows"]),
    "extra_field": (b"a,b,c\n1,2,x\n4,5,6,y\n7,8,x\n", {},
                    ["Line 3 of 'bad.csv' has 4 values but the header has 3 columns",
                     "a value contains a comma without quotes"]),
    "missing_field": (b"a,b,c\n1,2,x\n4,5,y\n7,x\n", {},
                      ["Line 4 of 'bad.csv' has 2 values but the header has 3 columns",
                       "a value or a comma is missing"]),
    "many_ragged": (b"a;b;c\n1;2;x\n1;2\n3;4;y\n5\n6;7;8;9\n", {},
                    ["Line 3 ", "has 2 values",
                     "2 more line(s) have the same problem (for example line 5, 6)", "semicolon"]),
    "ragged_after_sep_line": (b"sep=;\na;b;c\n1;2;x\n3;4\n", {}, ["Line 4 of 'bad.csv' has 2 values"]),
    "huge_field": (b"a,b,c\n1,2,x\n3," + b"x" * 200_000 + b",y\n", {},
                   ["Line 3 of 'bad.csv' cannot be read as CSV (field larger than field limit"]),
    "ragged_no_header": (b"1,2,3\n4,5\n", {}, ["Line 2 of 'bad.csv' has 2 values but the first row has 3"]),
    "open_quote": (b'a,b\n1,"x\n2,3\n4,5\n', {},
                   ["Line 2 of 'bad.csv' opens a quoted value", "never closed"]),
    "nul_bytes": (b"a,b\x00,c\n\x00\x01\x02\x03", {}, ["'bad.csv' does not look like a text file"]),
    "control_garbage": (bytes(range(1, 32)) * 40, {}, ["does not look like a text file"]),
    "excel": (b"PK\x03\x04" + bytes(200), {}, ["looks like an Excel workbook", "'Save as' -> 'CSV'"]),
    "gzip": (gzip.compress(b"a,b\n1,2\n"), {}, ["'bad.csv' is compressed (gzip)"]),
    "single_column": (b"value\n1\n2\n3\n", {}, ["'bad.csv' has only one column ('value')",
                                                 "choose the separator"]),
    "target_name_missing": (b"a,b,c\n1,2,x\n3,4,y\n", {"target": "price"},
                            ["Target column 'price' was not found. Available columns: 'a', 'b', 'c'"]),
    "target_index_range": (b"a,b,c\n1,2,x\n3,4,y\n", {"target": 5},
                           ["Target column number 5 is out of range: "
                            "the file has 3 columns, numbered 0 to 2"]),
    "target_name_no_header": (b"1,2,0\n3,4,1\n", {"target": "label"},
                              ["'label' was not found", "no header row, so columns are called 'column 1'"]),
    "drop_unknown": (b"a,b,c\n1,2,x\n3,4,y\n", {"drop_columns": ["zzz"]},
                     ["Left-out column 'zzz' was not found"]),
    "drop_target": (b"a,b,c\n1,2,x\n3,4,y\n", {"drop_columns": ["c"]},
                    ["'c' is both the target and in the list of columns to leave out"]),
    "no_features": (b"id,when,label\n"
                    + b"".join(b"%d,2021-01-%02d,%s\n" % (i, i % 28 + 1, b"ab"[i % 2:i % 2 + 1])
                               for i in range(30)), {},
                    ["no column that can be used as a feature besides the target 'label'",
                     "'id' looks like an ID", "'when' holds dates",
                     "at least one column of numbers or categories"]),
    "single_class": (b"a,b,label\n1,2,yes\n3,4,yes\n5,6,yes\n", {},
                     ["The target column 'label' has only one class ('yes')", "at least two classes"]),
    "target_empty": (b"a,b,label\n1,2,\n3,4,NA\n", {}, ["The target column 'label' has no values"]),
    "missing_no_choice": (b"a,b,c,label\n1,NA,x,p\n2,3,,q\n?,4,y,p\n5,6,y,q\n", {},
                          ["Some feature values are missing: 'a' 1 row(s), 'b' 1 row(s), 'c' 1 row(s)",
                           "'drop rows' removes the 3 row(s)", "'fill with column mean'"]),
    "missing_everywhere": (b"a,b,label\n1,,p\n,3,q\n2,,p\n,4,q\n", {"missing": "drop"},
                           ["Every row has at least one missing value", "'fill with column mean' instead"]),
    "regression_on_text": (b"a,label\n1,cat\n2,dog\n", {"task": "regression"},
                           ["The target 'label' contains text (for example 'cat')",
                            "Choose 'classification'"]),
    "too_many_classes": (b"a,label\n" + b"".join(b"%d,%d.5\n" % (i % 7, i) for i in range(150)),
                         {"task": "classification"},
                         ["'label' has 150 different values, too many", "Choose 'regression'"]),
}


@pytest.mark.parametrize("case", list(CORPUS))
def test_malformed_file_gives_its_own_message(tmp_path, case):
    content, options, fragments = CORPUS[case]
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        read_csv(path, CsvOptions(**options))
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, f"{case}: {fragment!r} not in {message!r}"
    assert "Traceback" not in message and err.value.__cause__ is None


def test_messages_for_files_that_cannot_be_opened(tmp_path, monkeypatch):
    with pytest.raises(DataError, match=r"The file '.*nope\.csv' was not found.*choose the file again"):
        read_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a folder, not a file"):
        read_csv(tmp_path)
    path = tmp_path / "secret.csv"
    path.write_text("a,b\n1,2\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # Tests may run as root, where chmod 000 does not stop reading; fake the refusal instead.
    monkeypatch.setattr(csv_parse, "open", refuse, raising=False)
    with pytest.raises(DataError, match="not allowed to read .*secret.csv.*permissions"):
        read_csv(path)
    with pytest.raises(DataError, match="not allowed to read"):
        preview_csv(path)


def test_preview_raises_for_unreadable_files_but_reports_ragged_lines(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="is empty"):
        preview_csv(path)
    path.write_bytes(b"\x00\x00\x00")
    with pytest.raises(DataError, match="not look like a text file"):
        preview_csv(path)
    path.write_bytes(b"a,b,c\n1,2,x\n4,5\n7,8,y\n")
    preview = preview_csv(path)
    assert preview.rows == [["1", "2", "x"], ["7", "8", "y"]]
    assert any("Line 3 of 'bad.csv' has 2 values" in note and "not shown" in note for note in preview.notes)


@pytest.mark.parametrize("bad_options, message", [
    ({"missing": "zero"}, "missing must be None, 'drop' or 'mean', got 'zero'"),
    ({"task": "clustering"}, "task must be None, 'classification' or 'regression', got 'clustering'"),
    ({"delimiter": ";;"}, "delimiter must be a single character such as ',' or ';', got ';;'"),
    ({"target": 1.5}, "target must be a column name or column number, got 1.5"),
    ({"has_header": "yes"}, "has_header must be True, False or None, got 'yes'"),
    ({"drop_columns": "a"}, "drop_columns must be a list of column names or numbers, got 'a'"),
])
def test_bad_options_are_rejected_by_name(bad_options, message):
    with pytest.raises(DataError) as err:
        CsvOptions(**bad_options)
    assert str(err.value) == message
    with pytest.raises(DataError, match="Unknown CSV option 'sep'"):
        CsvOptions.from_dict({"sep": ","})
