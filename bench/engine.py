"""Engine throughput against PyTorch CPU eager, in one run, interleaved repetitions.

Run with the machine's forced OpenBLAS kernel lifted (see DESIGN.md, performance notes):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/engine.py

Targets (issue 2): MLP 784-256-128-10 with Adam >= 1.5x torch samples/s at batch 64,
>= 1.2x at batch 256 and >= 80 % of the numpy float32 GEMM peak at batch 256 (one BLAS
thread, as in DESIGN.md's measurement; FLOPs counted as 6 x parameters per sample); spiral
2-16-16-2 with SGD >= 5x torch steps/s at batch 1 and 10. Torch is skipped when absent.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from nnstudio.data import load_builtin
from nnstudio.engine import SGD, Adam, Dense, Network, fit

try:
    import torch
except ImportError:  # the peer is optional
    torch = None


def mnist_like(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return X, y


# ---------------------------------------------------------------- nnstudio
def ours_mlp(X, y, batch):
    net = Network(784, [Dense(256, "relu"), Dense(128, "relu"), Dense(10, "softmax")], seed=0)
    t = time.perf_counter()
    for _ in fit(net, X, y, optimizer=Adam(1e-3), epochs=1, batch_size=batch, seed=0):
        pass
    return len(X) / (time.perf_counter() - t), net.n_params


def ours_spiral(X, y, batch, epochs):
    net = Network(2, [Dense(16, "relu"), Dense(16, "relu"), Dense(2, "softmax")], seed=0)
    t = time.perf_counter()
    for _ in fit(net, X, y, optimizer=SGD(0.05), epochs=epochs, batch_size=batch, seed=0):
        pass
    steps = epochs * -(-len(X) // batch)
    return steps / (time.perf_counter() - t)


# ---------------------------------------------------------------- torch (the peer)
def torch_loop(model, opt, X, y, batch, epochs):
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    lossf = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(0)
    steps = 0
    t = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(len(Xt), generator=g)
        Xs, ys = Xt[perm], yt[perm]
        for s in range(0, len(Xs), batch):
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(Xs[s:s + batch]), ys[s:s + batch])
            loss.backward()
            opt.step()
            steps += 1
    return steps, time.perf_counter() - t


def torch_mlp(X, y, batch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
    _, sec = torch_loop(model, torch.optim.Adam(model.parameters(), 1e-3), X, y, batch, 1)
    return len(X) / sec


def torch_spiral(X, y, batch, epochs):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
                                torch.nn.ReLU(), torch.nn.Linear(16, 2))
    steps, sec = torch_loop(model, torch.optim.SGD(model.parameters(), 0.05), X, y, batch, epochs)
    return steps / sec


def gemm_peak(reps=20) -> float:
    """FLOP/s of numpy float32 matmul on shapes like the MLP's at batch 256."""
    rng = np.random.default_rng(0)
    a = rng.random((256, 784), dtype=np.float32)
    b = rng.random((784, 256), dtype=np.float32)
    out = np.empty((256, 256), np.float32)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(20):
            np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - t)
    return 20 * 2 * 256 * 784 * 256 / best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3, help="interleaved repetitions (median reported)")
    ap.add_argument("--samples", type=int, default=60000, help="MNIST-shaped samples per epoch")
    args = ap.parse_args()

    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    for info in blas:
        print(f"BLAS: {info.get('internal_api')} {info.get('version')} kernel={info.get('architecture')} "
              f"max threads={info.get('num_threads')}")
    print(f"torch: {torch.__version__ if torch else 'not installed (peer skipped)'}\n")
    X, y = mnist_like(args.samples)
    sp = load_builtin("spiral", n_samples=400, n_classes=2)
    Xs, ys = sp.X, sp.y

    rows = []
    for threads in (1, 2):
        with threadpool_limits(threads, user_api="blas"):
            if torch:
                torch.set_num_threads(threads)
            peaks = []
            res: dict[str, list[float]] = {}
            for _ in range(args.reps):  # interleaved: ours, torch, ours, torch ...
                peaks.append(gemm_peak(reps=5))  # measured between the runs, like them
                for batch in (64, 256):
                    v, n_params = ours_mlp(X, y, batch)
                    res.setdefault(f"mlp{batch}-ours", []).append(v)
                    if torch:
                        res.setdefault(f"mlp{batch}-torch", []).append(torch_mlp(X, y, batch))
                for batch, epochs in ((1, 10), (10, 50)):  # ~0.2 s each: long enough to time
                    res.setdefault(f"sp{batch}-ours", []).append(ours_spiral(Xs, ys, batch, epochs))
                    if torch:
                        res.setdefault(f"sp{batch}-torch", []).append(torch_spiral(Xs, ys, batch, epochs))
            peak = statistics.median(peaks)  # this VM's speed drifts: compare medians with medians
            med = {k: statistics.median(v) for k, v in res.items()}
            for name, unit, target in (("mlp64", "samples/s", 1.5), ("mlp256", "samples/s", 1.2),
                                       ("sp1", "steps/s", 5.0), ("sp10", "steps/s", 5.0)):
                ours, peer = med[f"{name}-ours"], med.get(f"{name}-torch")
                ratio = ours / peer if peer else float("nan")
                extra = ""
                if name == "mlp256":
                    extra = f"{ours * 6 * n_params / peak:.0%} of GEMM peak ({peak / 1e9:.0f} GFLOP/s)"
                rows.append((threads, name, unit, ours, peer, ratio, target, extra))

    print(f"{'thr':>3} {'case':<7} {'unit':<9} {'nnstudio':>10} {'torch':>10} {'ratio':>6} {'target':>6}  note")
    for thr, name, unit, ours, peer, ratio, target, extra in rows:
        ok = "ok" if ratio >= target else ("--" if np.isnan(ratio) else "LOW")
        peer_s = f"{peer:10.0f}" if peer else f"{'-':>10}"
        print(f"{thr:>3} {name:<7} {unit:<9} {ours:10.0f} {peer_s} {ratio:6.2f} {target:5.1f}x {ok} {extra}")


if __name__ == "__main__":
    main()
