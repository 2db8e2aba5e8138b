"""Augmentation speed: 28x28 pictures per second on one thread, per transform and for the
whole pipeline, with PyTorch's ``affine_grid`` + ``grid_sample`` (bilinear, zeros outside,
1 thread) as the peer for the geometric part.

Batches of the bundled MNIST digits as ``fit`` hands them over (float32 0..255, shape
(batch, 28, 28, 1)), through ``AugmentPipeline.__call__`` (fit's hook, with its reused
arrays). Interleaved repetitions, medians; wall time and this process's CPU time (the
machine is shared: CPU time is what the work cost, wall time what a user would have waited),
the other processes' share of the CPUs and the load average. Target: >= 30,000 pictures/s.

Usage: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 python bench/augment.py``

``--compare`` also answers "does it help?" with fixed seeds (a few minutes): 100 MNIST digits
(the default network, Adam 0.003, 150 epochs, 1,000 validation digits), without and with
rotate=15,shift=0.1, seeds 0-4; and 300 of the size-normalised 8x8 digits with shift=0.1 and
0.2, where shifting hurts.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from machine_load import OtherLoad  # noqa: E402  (bench/ is not a package)

TARGET = 30_000


def cases():
    from nnstudio.data.augment import (
        AugmentPipeline,
        Brightness,
        ColourJitter,
        Contrast,
        FlipHorizontal,
        Noise,
        Rotate,
        Shift,
        Zoom,
    )

    single = [Rotate(15), FlipHorizontal(), Shift(0.1), Zoom(0.1), Brightness(0.2), Contrast(0.2),
              ColourJitter(0.1), Noise(0.05)]
    out = {f"{t.label} only": AugmentPipeline([t]) for t in single}
    # grey pictures: colour jitter has nothing to do (a row kept to show it costs nothing)
    out["Colour only (nothing to do on grey)"] = out.pop("Colour only")
    out["rotate+shift+zoom (geometric)"] = AugmentPipeline([Rotate(15), Shift(0.1), Zoom(0.1)])
    out["whole pipeline (rotate, shift, zoom, brightness, contrast, noise)"] = AugmentPipeline(
        [Rotate(15), Shift(0.1), Zoom(0.1), Brightness(0.2), Contrast(0.2), Noise(0.05)])
    return out


def torch_peer(batch: int):
    """Rotation + shift + zoom with torch's affine_grid/grid_sample, one thread; None without torch."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    import warnings

    torch.set_num_threads(1)
    # fit's batches are read-only; grid_sample only reads them
    warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
    gen = torch.Generator().manual_seed(0)

    def run(x_np: np.ndarray, rng) -> None:
        x = torch.from_numpy(x_np).permute(0, 3, 1, 2)  # NCHW view
        n = x.shape[0]
        a = (torch.rand(n, generator=gen) * 2 - 1) * (15 * np.pi / 180)
        s = torch.exp((torch.rand(n, generator=gen) * 2 - 1) * np.log1p(0.1))
        t = (torch.rand(n, 2, generator=gen) * 2 - 1) * 0.2
        theta = torch.stack([torch.stack([a.cos() / s, -a.sin() / s, t[:, 0]], 1),
                             torch.stack([a.sin() / s, a.cos() / s, t[:, 1]], 1)], 1)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

    return run


def compare() -> None:
    """With and without augmentation, fixed seeds, the issue's two cases."""
    from nnstudio.data.augment import parse_augment
    from nnstudio.data.images_bundled import load_image_set
    from nnstudio.doctor.prove import ProofSetup
    from nnstudio.project import default_network_config
    from nnstudio.trainer.augment_compare import compare_augmentation

    print("| data | augmentation | epochs | seeds | without | with | answer |")
    print("|---|---|---:|---:|---:|---:|---|")
    for name, n_train, spec, epochs in (("mnist", 100, "rotate=15,shift=0.1", 150),
                                        ("digits-images", 300, "shift=0.1", 60),
                                        ("digits-images", 300, "shift=0.2", 60)):
        ds = load_image_set(name)
        order = np.random.default_rng(0).permutation(len(ds.y))
        tr, va = order[:n_train], order[n_train:n_train + 1000]
        training = {"optimizer": {"class": "Adam", "config": {"learning_rate": 0.003}},
                    "batch_size": 32, "epochs": epochs, "seed": 0}
        setup = ProofSetup(default_network_config(ds, seed=0), training, ds.X[tr], ds.y[tr],
                           ds.X[va], ds.y[va])
        t0 = time.perf_counter()
        result = compare_augmentation(setup, {"class": "AugmentPipeline",
                                              "config": parse_augment(spec).get_config()},
                                      seeds=range(5))
        print(f"| {n_train} {name} | {spec} | {epochs} | 5 | {result.mean_before * 100:.1f} % | "
              f"{result.mean_after * 100:.1f} % | {result.sentence} ({time.perf_counter() - t0:.0f} s) |",
              flush=True)
    print()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--batches", type=int, default=40, help="batches per measurement (default 40)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--wait", type=float, default=3.0,
                    help="seconds to wait for other processes to go under 25 %% of the CPUs before "
                         "each measurement (0: do not wait)")
    ap.add_argument("--compare", action="store_true",
                    help="also train with and without augmentation (fixed seeds, a few minutes)")
    args = ap.parse_args(argv)
    if args.compare:
        compare()
    from threadpoolctl import threadpool_info

    from nnstudio.data.images_bundled import load_image_set

    pools = "; ".join(f"{p.get('internal_api')} {p.get('architecture', '')} x{p.get('num_threads')}"
                      for p in threadpool_info())
    print(f"numpy {np.__version__}   CPUs {os.cpu_count()}   thread pools: {pools or 'none'}   "
          f"load average before {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    X = load_image_set("mnist").X[: args.batch * args.batches].astype(np.float32)
    batches = [X[i:i + args.batch] for i in range(0, len(X), args.batch)]
    for b in batches:
        b.flags.writeable = False  # as fit hands them over
    y = np.zeros(args.batch, np.int64)
    todo = cases()
    peer = torch_peer(args.batch)
    if peer is not None:
        todo["peer: torch affine_grid + grid_sample (rotate+shift+zoom)"] = peer
    wall: dict[str, list[float]] = {k: [] for k in todo}
    cpu: dict[str, list[float]] = {k: [] for k in todo}
    others: list[float] = []
    load = OtherLoad()
    names = list(todo)
    for rep in range(args.reps):
        for name in (names if rep % 2 == 0 else names[::-1]):
            run = todo[name]
            rng = np.random.default_rng(rep)
            run(batches[0], y, rng) if name[:4] != "peer" else run(batches[0], rng)  # warm-up
            if args.wait > 0:
                load.wait_quiet(limit=0.25, timeout=args.wait)
            load.start()
            c0, w0 = time.process_time(), time.perf_counter()
            if name[:4] == "peer":
                for b in batches:
                    run(b, rng)
            else:
                for b in batches:
                    run(b, y, rng)
            cpu[name].append(time.process_time() - c0)
            wall[name].append(time.perf_counter() - w0)
            others.append(load.stop())
        print(f"  rep {rep + 1}/{args.reps} done, others {max(others[-len(names):]):.0%}", flush=True)
    n = len(X)
    print()
    print(f"28x28 pictures per second, one thread, batches of {args.batch} (float32 0..255 as fit "
          f"gives them), medians of {args.reps} interleaved repetitions of {n:,} pictures")
    print("| transform | pictures/s (CPU time) | pictures/s (wall) | target |")
    print("|---|---:|---:|---|")
    for name in names:
        by_cpu = n / statistics.median(cpu[name])
        by_wall = n / statistics.median(wall[name])
        target = "" if name[:4] == "peer" else f">= {TARGET:,}: {'met' if by_cpu >= TARGET else 'missed'}"
        print(f"| {name} | {by_cpu:,.0f} | {by_wall:,.0f} | {target} |")
    print(f"others' CPU share: median {statistics.median(others):.0%}, max {max(others):.0%}; "
          f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
