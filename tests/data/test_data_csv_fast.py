"""The fast road for files of numbers (csv_fast): same result as the text road, big numbers
refused by name, linear duplicate-name numbering, and special files refused before reading."""
from __future__ import annotations

import csv
import os
import re
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.data import CsvOptions, csv_fast, load_dataset_source, preview_csv, read_csv
from nnstudio.data.csv_build import build_dataset
from nnstudio.data.csv_parse import decode, parse_table, unique_names
from nnstudio.data.progress import Progress
from nnstudio.errors import Cancelled, DataError


def numeric_file(path, n=60, seed=0, header=True, sep=",", sep_line=False):
    """Every kind the column analysis tells apart, all as plain numbers.

    id (ID by name), n (counter: 1, 2, 3 ... without an ID name), big (8-digit whole numbers
    going up: all different only in float64), year (whole, all different, but a year), flat
    (constant), pixel (0..255, repeats), size (decimals), count (small whole numbers), label.
    """
    rng = np.random.default_rng(seed)
    names = ["id", "n", "big", "year", "flat", "pixel", "size", "count", "label"]
    rows = []
    for i in range(n):
        rows.append([str(1000 + i), str(i + 1), str(20_000_001 + i), str(1950 + i), "7",
                     str(int(rng.integers(0, 256))), f"{rng.normal(3, 2):.5f}", str(int(rng.integers(0, 4))),
                     str(int(rng.integers(0, 3)))])
    lines = ([f"sep={sep}"] if sep_line else []) + ([sep.join(names)] if header else [])
    lines += [sep.join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def text_road(path, options: CsvOptions):
    """The same file through the tokenizer (csv_parse) only, as before the fast road existed."""
    text, _, notes = decode(path.read_bytes(), path.name)
    table = parse_table(text, options.delimiter, options.has_header, path.name)
    assert table.matrix is None
    return build_dataset(table, options, path.name, Progress(None, None, ""), notes)


def fast_table(path, options: CsvOptions):
    text, _, _ = decode(path.read_bytes(), path.name)
    return csv_fast.read_numbers(text, options, path.name)


def assert_same(a, b):
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X.dtype == b.X.dtype == np.float32
    np.testing.assert_array_equal(a.y, b.y)
    assert a.y.dtype == b.y.dtype
    assert (a.feature_names, a.class_names, a.task, a.notes) == (b.feature_names, b.class_names, b.task,
                                                                 b.notes)


def assert_reads_like_the_text_road(path, options: CsvOptions) -> None:
    """read_csv gives what the text road gives: the same data, names and notes, or the same error."""
    try:
        slow = text_road(path, options)
    except DataError as err:
        with pytest.raises(DataError) as raised:
            read_csv(path, options)
        assert str(raised.value) == str(err)
    else:
        assert_same(read_csv(path, options), slow)


@pytest.mark.parametrize("options", [
    {}, {"target": "label"}, {"target": "size"}, {"target": "label", "task": "regression"},
    {"target": "count", "drop_columns": ["pixel"], "keep_columns": ["id", "flat"]},
])
def test_numbers_read_fast_give_what_the_text_road_gives(tmp_path, options):
    path = numeric_file(tmp_path / "numbers.csv")
    options = CsvOptions(**options)
    assert fast_table(path, options).matrix is not None      # the fast road took it
    fast, slow = read_csv(path, options), text_road(path, options)
    assert_same(fast, slow)
    notes = "\n".join(fast.notes)
    if options.target == "label" and not options.task:
        assert fast.feature_names == ["year", "pixel", "size", "count"]
        assert "'id' looks like an ID or row number" in notes
        assert "'n' has a different whole number in every row (1, 2, 3, ...)" in notes
        assert "'flat' has the same value (7) in every row" in notes
        # 20000001, 20000002, ...: an ID only when judged in float64 (float32 holds every
        # second one, so they would seem to repeat and pass for a measurement).
        assert "'big' has a different whole number in every row (2e+07, 2e+07, 2e+07, ...)" in notes


@pytest.mark.parametrize("first", [123_456_001, 123_456_789_001])   # within int32 / past it
def test_big_whole_numbers_are_judged_in_float64(tmp_path, first):
    # 40 different 9-digit numbers in a shuffled order, 1 apart: "run without gaps" only holds
    # in float64 (float32 rounds them to multiples of 8, and then they repeat).
    rng = np.random.default_rng(1)
    values = rng.permutation(np.arange(first, first + 40))
    lines = ["account,score,label"] + [f"{v},{i % 7},{i % 2}" for i, v in enumerate(values)]
    path = tmp_path / "accounts.csv"
    path.write_text("\n".join(lines) + "\n")
    fast, slow = read_csv(path), text_road(path, CsvOptions())
    assert_same(fast, slow)
    assert fast.feature_names == ["score"]
    assert f"'account' has a different whole number in every row ({float(first):g}" in "\n".join(fast.notes)


@pytest.mark.parametrize("layout", [{"header": False}, {"sep": ";", "sep_line": True}, {"sep": "\t"}])
def test_fast_road_headerless_sep_line_and_tabs(tmp_path, layout):
    path = numeric_file(tmp_path / "numbers.csv", **layout)
    options = CsvOptions(target=-1)
    assert fast_table(path, options).matrix is not None
    assert_same(read_csv(path, options), text_road(path, options))


def test_many_blocks_progress_cancel_and_line_numbers(tmp_path, monkeypatch):
    # Tiny blocks: the file goes through loadtxt in many pieces, with blank lines between them.
    monkeypatch.setattr(csv_fast, "BLOCK_CHARS", 200)
    monkeypatch.setattr(csv_fast, "FIRST_BLOCK_CHARS", 50)
    path = numeric_file(tmp_path / "numbers.csv", n=400)
    text = path.read_text().replace("\n1010,", "\n\n\r\n1010,")
    path.write_text(text, newline="")
    options = CsvOptions(target="label")
    table = fast_table(path, options)
    assert table.matrix is not None and table.n_rows == 400
    assert table.line_numbers[9:12].tolist() == [11, 14, 15]      # two blank lines before id 1010
    calls = []
    fast = read_csv(path, options, progress=calls.append)
    assert_same(fast, text_road(path, options))
    assert len(calls) > 20 and calls == sorted(calls) and calls[-1] == 1.0
    seen = []
    with pytest.raises(Cancelled):
        read_csv(path, options, progress=seen.append, cancel=lambda: len(seen) >= 5)
    assert len(seen) == 5


@pytest.mark.parametrize("cell, road", [
    ("NA", "words"), ("", "words"), ("abc", "words"), ("nan", "words"), ("inf", "words"), ("  ", "words"),
    ("1,5", "text"), ('"2\n"', "text"), ("1_000", "text"), (' "x,y"', "text"), ('1, "2', "text"),
])
def test_cells_that_are_not_plain_numbers(tmp_path, monkeypatch, cell, road):
    # A gap or a word makes its column text cells (the rest stay numbers); what loadtxt could
    # split differently from the csv module sends the whole file down the text road.
    monkeypatch.setattr(csv_fast, "BLOCK_CHARS", 300)      # the odd cell sits in a later block
    path = numeric_file(tmp_path / "numbers.csv", n=80)
    lines = path.read_text().splitlines()
    parts = lines[70].split(",")
    parts[6] = cell
    lines[70] = ",".join(parts)
    path.write_text("\n".join(lines) + "\n")
    options = CsvOptions(target="label", missing="mean")
    table = fast_table(path, options)
    if road == "words":
        assert [c.dtype.kind for c in table.columns] == ["f"] * 6 + ["U"] + ["f"] * 2
    else:
        assert table is None
    assert_reads_like_the_text_road(path, options)


@pytest.mark.parametrize("options", [
    {"missing": "mean"}, {"missing": "drop"}, {"missing": "drop", "target": "city"},
    {"missing": "mean", "keep_columns": ["customer_id", "signup_date", "country"],
     "drop_columns": ["remarks"]},
    {"missing": "mean", "target": "income", "task": "regression"},
])
def test_a_messy_file_reads_the_same_with_its_word_columns_as_text(tmp_path, make_messy_csv, options):
    path = tmp_path / "customers.csv"
    make_messy_csv(path, n_rows=1500)
    options = CsvOptions(**options)
    table = fast_table(path, options)
    kinds = "".join(c.dtype.kind for c in table.columns)
    assert kinds == "fUUUUUUUfU"       # customer_id and score numbers; the rest text cells
    assert_same(read_csv(path, options), text_road(path, options))


def test_a_number_marked_as_missing_takes_the_text_road(tmp_path):
    path = numeric_file(tmp_path / "numbers.csv")
    options = CsvOptions(target="label", missing="drop", na_values={"pixel": {"7": "missing"}})
    assert fast_table(path, options) is None
    assert_same(read_csv(path, options), text_road(path, options))


def test_values_match_a_direct_parse(tmp_path):
    path = numeric_file(tmp_path / "numbers.csv", n=500)
    ds = read_csv(path, CsvOptions(target="label"))
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    for k, name in enumerate(ds.feature_names):
        np.testing.assert_array_equal(ds.X[:, k], np.array([float(r[name]) for r in rows], dtype=np.float32))
    assert ds.X.flags.c_contiguous


# ---------------------------------------------------------------- numbers beyond float32
def _with_cell(path, line, column, value, extra_text=False):
    """numeric_file, with ``value`` in ``column`` on file line ``line`` (1-based, header = 1)."""
    lines = numeric_file(path).read_text().splitlines()
    header = lines[0].split(",")
    parts = lines[line - 1].split(",")
    parts[header.index(column)] = value
    lines[line - 1] = ",".join(parts)
    if extra_text:       # a column of words sends the file down the text road
        lines = [f"{row},{'kind' if i == 0 else 'ab'[i % 2]}" for i, row in enumerate(lines)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("extra_text", [False, True], ids=["numbers", "with a column of words"])
@pytest.mark.parametrize("reader", [read_csv, text_road], ids=["fast road", "text road"])
def test_numbers_too_large_for_float32_are_refused_by_name(tmp_path, extra_text, reader):
    path = _with_cell(tmp_path / "data.csv", 12, "size", "1e39", extra_text)
    assert fast_table(path, CsvOptions(target="label")) is not None
    with pytest.raises(DataError, match=r"^'size' holds numbers too large for nnstudio \(up to 3\.4e38\): "
                                        r"1e\+39 on line 12\. Rescale"):
        reader(path, CsvOptions(target="label"))


@pytest.mark.parametrize("extra_text", [False, True], ids=["numbers", "with a column of words"])
@pytest.mark.parametrize("reader", [read_csv, text_road], ids=["fast road", "text road"])
def test_a_target_of_huge_numbers_is_refused_by_name(tmp_path, extra_text, reader):
    lines = ["a,income"] + [f"{i % 5},{1 if i % 3 else 5}e38" for i in range(30)]
    if extra_text:
        lines = [row + ("," + ("kind" if i == 0 else "xy"[i % 2])) for i, row in enumerate(lines)]
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"'income' holds numbers too large for nnstudio \(up to 3\.4e38\): "
                                        r"5e\+38 on line 2 \(and 9 more\)"):
        reader(path, CsvOptions(target="income", task="regression"))


@pytest.mark.parametrize("extra_text", [False, True], ids=["numbers", "with a column of words"])
@pytest.mark.parametrize("reader", [read_csv, text_road], ids=["fast road", "text road"])
def test_huge_numbers_in_a_column_left_out_do_no_harm(tmp_path, extra_text, reader):
    lines = ["a,b,flat,label"] + [f"{i % 5},{i % 3},5e38,{i % 2}" for i in range(30)]
    if extra_text:
        lines = [row + ("," + ("kind" if i == 0 else "xy"[i % 2])) for i, row in enumerate(lines)]
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    ds = reader(path, CsvOptions(target="label"))
    assert "flat" not in ds.feature_names
    assert "'flat' has the same value (5e+38) in every row" in "\n".join(ds.notes)


# ---------------------------------------------------------------- duplicate header names
def test_forty_thousand_duplicate_names_are_numbered_in_linear_time(tmp_path):
    names = unique_names(["x"] * 40_000)
    assert names[:3] == ["x", "x (2)", "x (3)"] and names[-1] == "x (40000)"
    assert len(set(names)) == 40_000
    path = tmp_path / "wide.csv"
    path.write_text("x," * 40_000 + "\n")
    preview = preview_csv(path, n_rows=0)
    assert preview.columns[-2:] == ["x (40000)", "column 40001"]


def test_numbering_never_takes_a_real_name():
    assert unique_names(["x", "x (2)", "x", " x ", "", "column 5", ""]) == \
        ["x", "x (2)", "x (3)", "x (4)", "column 5", "column 5 (2)", "column 7"]


# ---------------------------------------------------------------- special files
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
@pytest.mark.timeout(30)   # opening a pipe without a writer would block: fail, do not hang
def test_a_named_pipe_is_refused_before_it_is_opened(tmp_path):
    fifo = tmp_path / "data.csv"
    os.mkfifo(fifo)
    message = re.escape("is a named pipe (FIFO), not a regular file")
    with pytest.raises(DataError, match=message):
        read_csv(fifo)
    with pytest.raises(DataError, match=message):
        preview_csv(fifo)
    with pytest.raises(DataError, match=message):
        load_dataset_source({"kind": "csv", "path": str(fifo), "options": {}})


@pytest.mark.skipif(not os.path.exists("/dev/zero") or sys.platform == "win32", reason="needs /dev/zero")
@pytest.mark.timeout(30)   # reading /dev/zero never ends
def test_a_device_is_refused_before_it_is_read():
    with pytest.raises(DataError, match=r"^'/dev/zero' is a device, not a regular file"):
        read_csv("/dev/zero")
    with pytest.raises(DataError, match="is a device"):
        preview_csv("/dev/zero")


@pytest.mark.parametrize("change, fast", [
    (lambda t: t.replace("\n", "\r\n"), True),                     # Windows line ends
    (lambda t: t.replace("\n1005,", '\n"1005",'), True),            # a quoted number
    (lambda t: t.replace("\n", "\r"), False),                       # old Mac line ends
    (lambda t: t.replace("\n1005,", "\n   \n1005,"), False),        # a line of spaces: a note
    (lambda t: "\n" + t, False),                                    # a blank first line
    (lambda t: t.replace("\n1005,", "\n,,,,,,,,\n1005,"), False),   # a line of separators
])
def test_line_level_oddities(tmp_path, change, fast):
    path = numeric_file(tmp_path / "numbers.csv")
    path.write_text(change(path.read_text()), newline="")
    options = CsvOptions(target="label")
    assert (fast_table(path, options) is not None) == fast
    assert_same(read_csv(path, options), text_road(path, options))


def test_columns_of_words_found_late_are_read_again_from_the_top(tmp_path, monkeypatch, make_messy_csv):
    # 'score' holds numbers for 1,400 rows, then a word and a 'nan': it becomes a column of text
    # cells (its earlier cells read again) while the columns of words found at once stay so.
    monkeypatch.setattr(csv_fast, "BLOCK_CHARS", 2_000)
    path = tmp_path / "customers.csv"
    make_messy_csv(path, n_rows=1500)
    lines = path.read_text().splitlines()
    for at, word in ((1401, "unknown"), (1450, "nan")):
        parts = lines[at].split(",")
        parts[-2] = word
        lines[at] = ",".join(parts)
    path.write_text("\n".join(lines) + "\n")
    options = CsvOptions(missing="mean")
    table = fast_table(path, options)
    assert "".join(c.dtype.kind for c in table.columns) == "fUUUUUUUUU"
    assert table.columns[8][:2].tolist() == [line.split(",")[-2] for line in lines[1:3]]
    fast = read_csv(path, options)
    assert_same(fast, text_road(path, options))
    notes = "\n".join(fast.notes)
    assert "'score' holds numbers and is used as a feature. 1 cell(s) held words instead of numbers " \
           "('unknown')" in notes
    assert "'nan' in 'score' (1 row)" in notes and "Filled 2 missing value(s) in 'score'" in notes


@pytest.mark.parametrize("words", [False, True], ids=["numbers", "with a column of words"])
def test_features_written_into_the_matrix_itself(tmp_path, monkeypatch, words):
    # X takes the memory of the matrix it is gathered from, a few rows at a time: every tile
    # boundary must keep rows that are not read yet.
    from nnstudio.data import number_columns
    monkeypatch.setattr(number_columns, "ROWS_PER_COPY", 7)
    rng = np.random.default_rng(3)
    values = rng.integers(0, 50, (300, 12))
    header = [f"x{i}" for i in range(11)] + ["label"]
    rows = [[str(v) for v in row] for row in values]
    if words:
        header.insert(4, "kind")
        for i, row in enumerate(rows):
            row.insert(4, "ab"[i % 2])
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(",".join(r) for r in [header] + rows) + "\n")
    options = CsvOptions(task="regression")
    fast = read_csv(path, options)
    assert_same(fast, text_road(path, options))
    expected = values[:, :11].astype(np.float32)
    if words:
        kind_a = (np.arange(300) % 2 == 0)[:, None]
        expected = np.hstack([expected[:, :4], kind_a, ~kind_a, expected[:, 4:]])
    np.testing.assert_array_equal(fast.X, expected)


# Not "-0": in a column of zeros the text road names the constant "-0" or "0" depending on
# np.unique's sort order of -0.0 and 0.0 (equal values), which the fast road cannot follow.
CELLS = ["1", "2", "-1", "0.5", "1e3", "12", "100000000", "3000000000", "NA", "", "nan", "inf", "a",
         "b", "None", "?", '"5"', ' "4"', '"a,b"', 'a"b', "x y", "  8 ", "1,5", "2021-01-02", "1e39", "-",
         "1_0", "\u00a0 3"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_small_file_reads_as_the_text_road_reads_it(tmp_path_factory, monkeypatch, data):
    monkeypatch.setattr(csv_fast, "BLOCK_CHARS", 120)
    monkeypatch.setattr(csv_fast, "FIRST_BLOCK_CHARS", 30)
    sep = data.draw(st.sampled_from([",", ";", "\t"]))
    width = data.draw(st.integers(2, 4))
    kinds = data.draw(st.lists(st.sampled_from(["int", "float", "word"]), min_size=width, max_size=width))
    plain = {"int": st.integers(0, 9).map(str), "float": st.floats(0, 1).map(lambda v: f"{v:.3f}"),
             "word": st.sampled_from(["a", "b", "c"])}
    rows = [[data.draw(st.one_of(plain[k], st.sampled_from(CELLS)) if data.draw(st.booleans()) else plain[k])
             for k in kinds] for _ in range(data.draw(st.integers(1, 30)))]
    lines = [sep.join(f"c{j}" for j in range(width))] + [sep.join(r) for r in rows]
    text = "\n".join(lines) + "\n"
    if data.draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    path = tmp_path_factory.mktemp("fuzz") / "data.csv"
    path.write_text(text, newline="")
    options = CsvOptions(**data.draw(st.sampled_from([{}, {"missing": "mean"}, {"missing": "drop"},
                                                      {"missing": "mean", "task": "regression"}])))
    assert_reads_like_the_text_road(path, options)
