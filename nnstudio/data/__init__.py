"""Data for nnstudio: built-in and bundled data sets, CSV import, splits and scaling.

Pure numpy and the standard library; never imports Qt.
"""
from __future__ import annotations

from nnstudio.data.columns import NA_MARKERS, is_missing
from nnstudio.data.csv_options import CsvOptions, CsvPreview
from nnstudio.data.csv_reader import preview_csv, read_csv
from nnstudio.data.dataset import Dataset
from nnstudio.data.na_rules import STRONG_NA, WEAK_NA, MissingValuesError, NaWord
from nnstudio.data.scaling import Standardizer
from nnstudio.data.sources import BUILTINS, BuiltinInfo, list_builtins, load_builtin, load_dataset_source
from nnstudio.data.split import Split, split_dataset

__all__ = [
    "BUILTINS", "BuiltinInfo", "CsvOptions", "CsvPreview", "Dataset", "MissingValuesError", "NA_MARKERS",
    "NaWord", "STRONG_NA", "Split", "Standardizer", "WEAK_NA", "is_missing", "list_builtins",
    "load_builtin", "load_dataset_source", "preview_csv", "read_csv", "split_dataset",
]
