"""The Dataset container and the package's import boundary."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import Dataset
from nnstudio.errors import DataError

SOURCE = {"kind": "builtin", "name": "x", "params": {}}


def test_dataset_normalises_dtypes_and_reports_counts():
    ds = Dataset(X=[[1, 2], [3, 4], [5, 6]], y=[0, 1, 1], feature_names=["a", "b"],
                 class_names=["no", "yes"], task="classification", source=SOURCE, name="t")
    assert ds.X.dtype == np.float32 and ds.y.dtype == np.int64
    assert (ds.n_samples, ds.n_features, ds.n_classes) == (3, 2, 2)
    assert ds.class_counts() == {"no": 1, "yes": 2}
    part = ds.subset(np.array([2, 0]), name="part")
    assert part.y.tolist() == [1, 0] and part.name == "part" and part.source is not ds.source
    reg = Dataset(X=np.zeros((2, 1)), y=[0.5, 1.5], feature_names=["x"], class_names=[],
                  task="regression", source=SOURCE, name="r")
    assert reg.y.dtype == np.float32 and reg.n_classes == 0 and reg.class_counts() == {}


@pytest.mark.parametrize("kwargs, message", [
    ({"X": np.zeros(3)}, "features must be a 2-D table"),
    ({"y": [0, 1]}, "features have 3 rows but targets have 2"),
    ({"y": [0, 1, 2]}, "class labels must lie in 0..1"),
    ({"feature_names": ["a"]}, "got 1 feature names for 2 features"),
    ({"task": "clustering"}, "task must be 'classification' or 'regression', got 'clustering'"),
    ({"image_shape": (3, 3)}, "image_shape (3, 3) does not match 2 features"),
])
def test_inconsistent_dataset_is_refused(kwargs, message):
    base = dict(X=np.zeros((3, 2)), y=[0, 1, 1], feature_names=["a", "b"], class_names=["n", "y"],
                task="classification", source=SOURCE, name="t")
    with pytest.raises(DataError) as err:
        Dataset(**(base | kwargs))
    assert message in str(err.value)


def test_data_package_never_imports_qt():
    code = ("import sys, nnstudio.data, nnstudio.resources; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    repo = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
