"""Image folder import: 10,000 small PNGs (MNIST digits, one folder per class) in under 3 s.

Compares, in one run, with interleaved repetitions and medians:

- **nnstudio**: ``read_image_folder(DIR, size=28)``, the whole import: walking the folder,
  reading every header (kinds of pixel, sizes, the memory check), decoding into one
  preallocated uint8 array, the notes;
- **plain Pillow** (the peer): the loop a person would write, ``for each class folder, for
  each file: np.asarray(Image.open(path).convert("L"))``, then ``np.stack``: no checks, no
  header pass, no resize (the files are already 28x28).

The PNGs are written once from the bundled MNIST set to ``--dir`` (default
``/tmp/nnstudio_bench_mnist_png``). Prints the other processes' share of the CPUs and the load
average, as the machine is shared.

Run: ``python bench/image_import.py [--reps 5]``
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine_load import OtherLoad  # noqa: E402  (bench/ is not a package)

TARGET_SECONDS = 3.0


def write_pngs(folder: Path) -> int:
    """The 10,000 bundled MNIST digits as 28x28 grey PNGs in ``folder/<digit>/<i>.png``."""
    from PIL import Image

    from nnstudio.data import load_builtin

    ds = load_builtin("mnist")
    marker = folder / ".complete"
    if marker.exists():
        return ds.n_samples
    for d in ds.class_names:
        (folder / d).mkdir(parents=True, exist_ok=True)
    for i, (pixels, label) in enumerate(zip(ds.X, ds.y)):
        Image.fromarray(pixels[:, :, 0]).save(folder / ds.class_names[label] / f"{i}.png")
    marker.write_text("written\n")  # a hidden file: the import skips and lists it
    return ds.n_samples


def nnstudio_import(folder: Path):
    from nnstudio.data.images import read_image_folder

    return read_image_folder(folder, size=28)


def pillow_loop(folder: Path):
    from PIL import Image

    images, labels = [], []
    for label, cls in enumerate(sorted(p for p in os.listdir(folder) if not p.startswith("."))):
        for name in os.listdir(folder / cls):
            with Image.open(folder / cls / name) as img:
                images.append(np.asarray(img.convert("L")))
            labels.append(label)
    return np.stack(images), np.array(labels)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/nnstudio_bench_mnist_png"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--wait", type=float, default=10.0,
                    help="seconds to wait for other processes to go under 25 %% of the CPUs before "
                         "each measurement (default 10; 0 = do not wait)")
    args = ap.parse_args(argv)
    import PIL

    print(f"Python {sys.version.split()[0]}   Pillow {PIL.__version__}   CPUs {os.cpu_count()}   "
          f"load average before {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    n = write_pngs(args.dir)
    size = sum(f.stat().st_size for f in args.dir.rglob("*.png"))
    print(f"{n:,} PNGs in {args.dir} ({size / n:.0f} bytes each on average)")
    ds = nnstudio_import(args.dir)  # warm-up: imports, the page cache
    X, _ = pillow_loop(args.dir)
    assert ds.X.shape == (n, 28, 28, 1) and X.shape == (n, 28, 28)
    assert sorted(map(int, ds.X.reshape(n, -1).sum(1))) == sorted(map(int, X.reshape(n, -1).sum(1)))
    print("notes:", " / ".join(ds.notes[1:-1]) or "(none)")
    cases = {"nnstudio": nnstudio_import, "plain Pillow loop": pillow_loop}
    times: dict[str, list[float]] = {c: [] for c in cases}
    others: list[float] = []
    load = OtherLoad()
    for rep in range(max(1, args.reps)):
        for case in (cases if rep % 2 == 0 else reversed(list(cases))):
            if args.wait > 0:
                load.wait_quiet(limit=0.25, timeout=args.wait)
            load.start()
            t0 = time.perf_counter()
            cases[case](args.dir)
            times[case].append(time.perf_counter() - t0)
            others.append(load.stop())
        print(f"  rep {rep + 1}: " + "  ".join(f"{c} {times[c][-1]:.3f} s" for c in cases)
              + f"  others {max(others[-2:]):.0%}", flush=True)
    med = {c: statistics.median(v) for c, v in times.items()}
    ours, peer = med["nnstudio"], med["plain Pillow loop"]
    print()
    print(f"Importing {n:,} 28x28 PNGs, one folder per class; medians of {args.reps} interleaved repetitions")
    print("| | seconds | pictures/s | vs plain Pillow loop | target |")
    print("|---|---:|---:|---:|---|")
    print(f"| nnstudio read_image_folder | {ours:.2f} | {n / ours:,.0f} | {ours / peer:.2f}x the time | "
          f"< {TARGET_SECONDS:.0f} s: {'met' if ours < TARGET_SECONDS else 'missed'} |")
    print(f"| plain Pillow loop (peer) | {peer:.2f} | {n / peer:,.0f} | 1.00x | |")
    print(f"others' CPU share: median {statistics.median(others):.0%}, max {max(others):.0%}; "
          f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
