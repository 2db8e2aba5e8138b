"""Large files: progress reports, cancelling, speed, and the quick preview."""
from __future__ import annotations

import time

import numpy as np
import pytest

from nnstudio.data import CsvOptions, load_dataset_source, preview_csv, read_csv
from nnstudio.errors import Cancelled


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory, make_messy_csv):
    path = tmp_path_factory.mktemp("big") / "big.csv"
    make_messy_csv(path, n_rows=20_000, seed=1)
    return path


def test_progress_grows_to_one_in_at_most_about_a_hundred_calls(big_csv):
    calls = []
    started = time.perf_counter()
    ds = read_csv(big_csv, CsvOptions(missing="mean"), progress=calls.append)
    elapsed = time.perf_counter() - started
    assert ds.n_samples > 19_900
    assert 5 <= len(calls) <= 101
    assert calls == sorted(calls) and 0.0 <= calls[0] and calls[-1] == 1.0
    assert calls.count(1.0) == 1
    # 20 000 rows x 10 columns (1.8 MB) loads in well under a second on a laptop; the bound is loose
    # so a busy CI machine does not fail it.
    assert elapsed < 5.0


def test_cancel_stops_loading(big_csv):
    calls = []
    with pytest.raises(Cancelled, match="Loading 'big.csv' was cancelled."):
        read_csv(big_csv, progress=calls.append, cancel=lambda: len(calls) >= 3)
    assert len(calls) == 3
    with pytest.raises(Cancelled):
        read_csv(big_csv, cancel=lambda: True)
    with pytest.raises(Cancelled):
        load_dataset_source({"kind": "csv", "path": str(big_csv), "options": {}}, cancel=lambda: True)
    with pytest.raises(Cancelled):
        load_dataset_source({"kind": "builtin", "name": "iris", "params": {}}, cancel=lambda: True)


def test_builtin_source_reports_completion():
    calls = []
    load_dataset_source({"kind": "builtin", "name": "moons", "params": {"n_samples": 50}},
                        progress=calls.append)
    assert calls == [1.0]


def test_preview_of_a_large_file_reads_only_its_head(big_csv):
    started = time.perf_counter()
    preview = preview_csv(big_csv, n_rows=5)
    assert time.perf_counter() - started < 2.0
    assert preview.columns[:3] == ["customer_id", "signup_date", "age"]
    assert len(preview.rows) == 5 and preview.rows[0][0] == "1000"
    assert preview.delimiter == "," and preview.has_header
    assert abs(preview.n_rows_total_estimate - 20_000) < 1_000
    assert preview.column_kinds == {
        "customer_id": "id", "signup_date": "date", "age": "number", "income": "number",
        "city": "category", "remarks": "text", "country": "constant", "email": "id",
        "score": "number", "churned": "category"}
    assert preview.missing_counts["age"] > 0 and preview.missing_counts["score"] == 0


def test_preview_of_small_files(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text("x;y;label\n1,5;2;a\n3;NA;b\n5;6;a\n", encoding="utf-8-sig")
    preview = preview_csv(path)
    assert preview.columns == ["x", "y", "label"] and preview.delimiter == ";"
    assert preview.rows == [["1,5", "2", "a"], ["3", "NA", "b"], ["5", "6", "a"]]
    assert preview.n_rows_total_estimate == 3
    assert preview.column_kinds["x"] == "number" and preview.missing_counts == {"x": 0, "y": 1, "label": 0}
    headerless = preview_csv(path, options=CsvOptions(has_header=False))
    assert headerless.columns == ["column 1", "column 2", "column 3"] and len(headerless.rows) == 4


def test_large_dataset_values_match_a_direct_parse(big_csv):
    ds = read_csv(big_csv, CsvOptions(missing="drop"))
    # Cross-check the vectorised path against a slow, obvious one on the 'score' column.
    import csv
    with open(big_csv, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # 'null' among city names is a value (a column of words); '?' among incomes is a gap.
    gap_markers = {"", "NA", "N/A", "?"}
    kept = [r for r in rows if r["churned"] and not ({r["age"], r["income"], r["city"]} & gap_markers)]
    np.testing.assert_allclose(ds.X[:, -1], [float(r["score"]) for r in kept], rtol=1e-6)
    np.testing.assert_array_equal(ds.y, [r["churned"] == "yes" for r in kept])
