"""CSV import time and peak memory against pandas.read_csv, in one run, interleaved repetitions.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/csv_read.py

Target (issue 8): nnstudio's ``read_csv`` within 1.5x of ``pandas.read_csv``'s time, with a peak
memory of at most 3x the float32 array of the file's cells. Every run is a fresh subprocess, so
its peak resident memory (ru_maxrss, interpreter and imports included) is its own. pandas is only
the peer: install it for the bench (``pip install pandas``, never a dependency of nnstudio) or
point ``--peer-python`` at an interpreter that has it.

Cases: an MNIST-shaped file (60,000 rows x 785 whole numbers, 110 MB; ``--mnist`` reuses one,
else it is generated); the same with a column of words and one "NA" (those two columns become
text cells, the rest stay numbers); a 50,000-row mixed file (numbers, words, dates, "NA" gaps);
and a 200,000-row file of 20 decimal columns (a regression table).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

WORKER = r"""
import json, os, resource, sys, time

def ticks():
    # (all CPU ticks, idle ticks, this process's ticks): other processes' share of the machine
    try:
        with open("/proc/stat") as f:
            vals = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    t = os.times()
    return sum(vals), vals[3] + vals[4], (t.user + t.system) * os.sysconf("SC_CLK_TCK")

tool, path, target = sys.argv[1], sys.argv[2], sys.argv[3]
t0 = ticks()
if tool == "nnstudio":
    from nnstudio.data import CsvOptions, read_csv
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    start = time.perf_counter()
    ds = read_csv(path, CsvOptions(target=target, missing="mean"))
    seconds = time.perf_counter() - start
    shape = list(ds.X.shape)
elif tool == "loadtxt":   # the floor: numpy's C reader alone, as nnstudio's fast road uses it
    import numpy as np
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    array = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    seconds = time.perf_counter() - start
    shape = list(array.shape)
else:
    import pandas as pd
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    frame = pd.read_csv(path)
    seconds = time.perf_counter() - start
    shape = list(frame.shape)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t1 = ticks()
other = float("nan")
if t0 and t1 and t1[0] > t0[0]:
    total = t1[0] - t0[0]
    other = max(0.0, (total - (t1[1] - t0[1]) - (t1[2] - t0[2])) / total)
print(json.dumps({"seconds": seconds, "peak_mb": peak, "base_mb": base, "shape": shape, "other": other}))
"""


def write_mnist_like(path: Path, n: int = 60_000, seed: int = 0) -> None:
    """Whole numbers 0..255, ~80 % zeros, as in MNIST's CSV; header label,pixel0..pixel783."""
    rng = np.random.default_rng(seed)
    words = np.array([str(v) for v in range(256)], dtype=object)
    with open(path, "w", encoding="ascii") as out:
        out.write("label," + ",".join(f"pixel{i}" for i in range(784)) + "\n")
        for start in range(0, n, 5_000):
            block = rng.integers(0, 256, (min(5_000, n - start), 785))
            block[:, 1:][rng.random((len(block), 784)) < 0.8] = 0
            block[:, 0] %= 10
            out.write("\n".join(",".join(row) for row in words[block]) + "\n")


def write_with_words(source: Path, path: Path) -> None:
    """``source`` (MNIST-shaped) plus a column of words and an 'NA' half way: the fast road
    reads those two columns as text cells and the rest as numbers."""
    with open(source, encoding="ascii") as lines, open(path, "w", encoding="ascii") as out:
        out.write(next(lines).rstrip("\n") + ",kind\n")
        for i, line in enumerate(lines):
            if i == 30_000:
                cells = line.split(",")
                cells[5] = "NA"
                line = ",".join(cells)
            out.write(line.rstrip("\n") + (",a\n" if i % 3 else ",b\n"))


def write_mixed(path: Path, n: int = 50_000, seed: int = 0) -> None:
    """Numbers, categories, free text, dates and 'NA' gaps: a file only the text road can read."""
    rng = np.random.default_rng(seed)
    cities = np.array(["Amsterdam", "Berlin", "Cork", "Dijon", "Essen"])
    words = np.array(["late", "early", "vip", "new", "promo", "web", "store", "phone"])
    lines = ["id,date,age,income,city,remark,score,churned"]
    ages, incomes = rng.integers(18, 80, n), rng.normal(40_000, 9_000, n)
    for i in range(n):
        age = "NA" if i % 97 == 5 else str(ages[i])
        income = "?" if i % 131 == 7 else f"{incomes[i]:.2f}"
        lines.append(f"{i + 1},2021-{1 + i % 12:02d}-{1 + i % 28:02d},{age},{income},{cities[i % 5]},"
                     f'"{words[i % 8]} {words[(i * 7) % 8]}, noted",{rng.normal():.4f},'
                     f"{'yes' if rng.random() < 0.2 else 'no'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_decimals(path: Path, n: int = 200_000, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    data = rng.normal(0, 100, (n, 20))
    header = ",".join(f"x{i}" for i in range(19)) + ",y"
    np.savetxt(path, data, fmt="%.6g", delimiter=",", header=header, comments="")


def wait_quiet(limit: float = 0.05, timeout: float = 20.0) -> bool:
    """Wait (at most ``timeout`` s) until the machine's CPUs are under ``limit`` busy for 0.5 s."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        try:
            with open("/proc/stat") as f:
                a = [int(v) for v in f.readline().split()[1:9]]
            time.sleep(0.5)
            with open("/proc/stat") as f:
                b = [int(v) for v in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return False
        total = sum(b) - sum(a)
        if total > 0 and 1 - (b[3] + b[4] - a[3] - a[4]) / total < limit:
            return True
    return False


def run(python: str, tool: str, path: Path, target: str) -> dict:
    done = subprocess.run([python, "-c", WORKER, tool, str(path), target], capture_output=True, text=True,
                          check=False)
    if done.returncode:
        raise SystemExit(f"{tool} failed on {path.name}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repetitions per case")
    parser.add_argument("--mnist", default="/tmp/mnist_like.csv", help="an MNIST-shaped CSV to reuse")
    parser.add_argument("--peer-python", default=sys.executable, help="interpreter with pandas installed")
    parser.add_argument("--quiet-wait", type=float, default=20.0,
                        help="seconds to wait for other processes to go quiet before each case (0: don't)")
    args = parser.parse_args()
    check = subprocess.run([args.peer_python, "-c", "import pandas; print(pandas.__version__)"],
                           capture_output=True, text=True, check=False)
    if check.returncode:
        raise SystemExit(f"pandas is not importable by {args.peer_python}; pip install pandas there, or "
                         "pass --peer-python")
    print(f"numpy {np.__version__}, pandas {check.stdout.strip()}, {os.cpu_count()} CPUs, "
          f"{args.repeat} interleaved repetitions, medians; peak = max resident memory of a fresh process")
    with tempfile.TemporaryDirectory() as tmp:
        mnist = Path(args.mnist)
        if not mnist.is_file():
            mnist = Path(tmp) / "mnist_like.csv"
            print(f"writing {mnist} ...")
            write_mnist_like(mnist)
        cases = [("mnist 60000x785", mnist, "label"), ("+ words + NA", Path(tmp) / "words.csv", "label"),
                 ("mixed 50000x8", Path(tmp) / "mixed.csv", "churned"),
                 ("decimals 200000x20", Path(tmp) / "decimals.csv", "y")]
        write_with_words(mnist, cases[1][1])
        write_mixed(cases[2][1])
        write_decimals(cases[3][1])
        print(f"\n{'case':<19} {'file MB':>7} {'nnstudio s':>10} {'pandas s':>9} {'ratio':>6} {'peak MB':>8} "
              f"{'f32 MB':>7} {'peak/f32':>8} {'others':>6}  target met?  (pandas peak; np.loadtxt alone)")
        busy = False
        for label, path, target in cases:
            if args.quiet_wait > 0 and not wait_quiet(timeout=args.quiet_wait):
                print(f"  (the machine did not go quiet within {args.quiet_wait:g} s before {label})")
            ours, peer, floor = [], [], []
            numeric = label.startswith(("mnist", "decimals"))
            for _ in range(args.repeat):
                ours.append(run(sys.executable, "nnstudio", path, target))
                peer.append(run(args.peer_python, "pandas", path, target))
                if numeric:
                    floor.append(run(sys.executable, "loadtxt", path, target))
            seconds = statistics.median(r["seconds"] for r in ours)
            peer_seconds = statistics.median(r["seconds"] for r in peer)
            peak = statistics.median(r["peak_mb"] for r in ours)
            base = statistics.median(r["base_mb"] for r in ours)
            rows, cols = peer[0]["shape"]
            f32 = rows * cols * 4 / 2 ** 20     # the float32 array of every cell of the file
            ratio, peak_ratio = seconds / peer_seconds, peak / f32
            # Small files: the interpreter and imports (~base MB) dwarf the data, so the memory
            # target is judged on what reading added to them.
            judged = peak_ratio if f32 >= 100 else (peak - base) / f32
            met = "yes" if ratio <= 1.5 and judged <= 3.0 else "NO"
            size = path.stat().st_size / 2 ** 20
            peer_peak = statistics.median(r["peak_mb"] for r in peer)
            extra = "" if f32 >= 100 else f" (read added {peak - base:.0f} MB: {judged:.1f}x)"
            if floor:
                extra += (f"; loadtxt {statistics.median(r['seconds'] for r in floor):.2f} s "
                          f"{statistics.median(r['peak_mb'] for r in floor):.0f} MB")
            # Other processes' share of the CPUs during the timed runs: over 10 % (BUSY) the
            # times say more about the neighbours than about the readers.
            other = statistics.median(r["other"] for r in ours + peer)
            busy = busy or other > 0.10
            print(f"{label:<19} {size:7.0f} {seconds:10.2f} {peer_seconds:9.2f} {ratio:6.2f} {peak:8.0f} "
                  f"{f32:7.0f} {peak_ratio:8.2f} {other:6.0%}{'!' if other > 0.10 else ' '} {met:<11}  "
                  f"({peer_peak:.0f} MB){extra}")
        if busy:
            print("\n! BUSY: other processes used over 10 % of the CPUs during those runs; their times "
                  "are not trustworthy: run again on a quiet machine.")


if __name__ == "__main__":
    main()
