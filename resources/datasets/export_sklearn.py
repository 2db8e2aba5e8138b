"""Re-create the bundled CSV files from scikit-learn's own copies of the UCI data sets.

nnstudio does not depend on scikit-learn; this script only documents (and repeats) how the
files in ``nnstudio/resources/datasets`` (package data, shipped in the wheel) were made. It
lives out here, outside the package, because nnstudio never needs it at run time. Run it with
scikit-learn importable, for example::

    pip install --target /tmp/skl scikit-learn
    PYTHONPATH=/tmp/skl python resources/datasets/export_sklearn.py

Each file is a plain CSV with a header row: the feature names, then one class column holding
the class *name* (e.g. ``setosa``), so the files also open as is in a spreadsheet.
"""
from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

# resources/datasets/ -> the repository root -> the package data folder.
OUT = Path(__file__).resolve().parents[2] / "nnstudio" / "resources" / "datasets"


def _rows(bunch, class_names, target_header):
    header = [str(name) for name in bunch.feature_names] + [target_header]
    yield header
    for features, target in zip(bunch.data, bunch.target):
        # repr gives the shortest text that reads back to the same float; digits are whole numbers.
        cells = [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in features]
        yield cells + [class_names[int(target)]]


def _write(name, rows, compress=False):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    if compress:
        # mtime=0 and no stored file name keep the .gz byte-for-byte reproducible.
        out = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
            gz.write(data)
        (OUT / f"{name}.csv.gz").write_bytes(out.getvalue())
    else:
        (OUT / f"{name}.csv").write_bytes(data)


def main() -> None:
    from sklearn import datasets

    iris = datasets.load_iris()
    _write("iris", _rows(iris, [str(n) for n in iris.target_names], "species"))
    wine = datasets.load_wine()
    _write("wine", _rows(wine, ["cultivar 1", "cultivar 2", "cultivar 3"], "cultivar"))
    cancer = datasets.load_breast_cancer()
    _write("breast_cancer", _rows(cancer, [str(n) for n in cancer.target_names], "diagnosis"))
    digits = datasets.load_digits()
    _write("digits", _rows(digits, [str(d) for d in range(10)], "digit"), compress=True)


if __name__ == "__main__":
    main()
