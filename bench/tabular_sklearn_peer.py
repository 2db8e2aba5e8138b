"""The scikit-learn side of bench/tabular_vs_sklearn.py, run by an interpreter that has
scikit-learn and pandas (``--peer-python``; never a dependency of nnstudio).

    PEER_PYTHON tabular_sklearn_peer.py JOB.json  ->  prints one JSON object per line

The job lists files, each with its target, task and, per repetition of the cross-validation,
the fold number of every row (the same folds nnstudio is scored on). For each fold and model
the peer fits a standard pipeline on the other folds and scores the fold: numbers get the mean
of the training rows for a gap and are standardised; words get the most frequent word for a gap
and are one-hot encoded (unknown words in a test fold are all-zero). Regression targets are
standardised too (``TransformedTargetRegressor``), as nnstudio does, so neither side is slowed
by targets in dollars. Cells read as missing: the ones nnstudio treats as missing in every
column.
"""
from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

# nnstudio's STRONG_NA: missing in any column (a "None" among words is a value, e.g. a class).
NA = ["", "NA", "N/A", "NaN", "#N/A"]


def preprocess(frame: pd.DataFrame) -> ColumnTransformer:
    numbers = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    words = [c for c in frame.columns if c not in numbers]
    return ColumnTransformer([
        ("numbers", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numbers),
        ("words", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                OneHotEncoder(handle_unknown="ignore")), words),
    ])


def models(task: str) -> dict:
    if task == "classification":
        return {"logistic": LogisticRegression(max_iter=5000),
                "mlp(16,16)": MLPClassifier(hidden_layer_sizes=(16, 16), max_iter=1000, random_state=0)}
    scaled = lambda model: TransformedTargetRegressor(model, transformer=StandardScaler())  # noqa: E731
    return {"ridge": scaled(Ridge()),
            "mlp(16,16)": scaled(MLPRegressor(hidden_layer_sizes=(16, 16), max_iter=1000, random_state=0))}


def run(item: dict) -> dict:
    frame = pd.read_csv(item["path"], keep_default_na=False, na_values=NA)
    y = frame.pop(item["target"])
    y = y.astype(str).to_numpy() if item["task"] == "classification" else y.to_numpy(float)
    scores: dict[str, list[float]] = {}
    started = time.perf_counter()
    for folds, k in [(np.asarray(f), k) for f in item["folds"] for k in range(max(f) + 1)]:
        test = folds == k
        for name, model in models(item["task"]).items():
            pipe = make_pipeline(preprocess(frame), model)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                pipe.fit(frame[~test], y[~test])
            pred = pipe.predict(frame[test])
            score = accuracy_score(y[test], pred) if item["task"] == "classification" \
                else r2_score(y[test], pred)
            scores.setdefault(name, []).append(float(score))
    return {"key": item["key"], "scores": scores, "seconds": time.perf_counter() - started,
            "rows": len(frame), "columns": len(frame.columns)}


def main() -> None:
    with open(sys.argv[1]) as f:
        job = json.load(f)
    for item in job:
        print(json.dumps(run(item)), flush=True)


if __name__ == "__main__":
    main()
