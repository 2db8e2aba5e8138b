"""Conv nets: nnstudio against PyTorch CPU eager, in one run, interleaved repetitions, 1 thread.

Run with the machine's forced OpenBLAS kernel lifted (see DESIGN.md, performance notes):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/conv.py --reps 5

Cases (issue 11), Adam 1e-3, training steps per second over whole epochs:

* ``digits``: the bundled 8x8 digits (1,797 images), conv 3x3x8 (ReLU) - 2x2 max pool -
  flatten - dense 10 (softmax), batch 32 and 128; targets >= 3x and >= 2x torch.
* ``mnist``: 28x28 images (the bundled MNIST digits when there, else random uint8 pixels of
  that shape), conv 3x3x16 - pool - conv 3x3x32 - pool - flatten - dense 10, batch 32 and
  128; targets >= 0.8x and >= 0.6x torch.

Both get the same float32 pixels (0..1) and the same initial weights (nnstudio's, copied into
torch's NCHW layout); torch runs with ``torch.set_flush_denormal(True)`` (switched off again
before nnstudio runs: numpy shares the flag) and one thread, like numpy's BLAS here. GFLOP/s
counts the products the engine really does (``Network.flops_per_sample``: forward, weight
gradients, input gradients above the first layer) for both. ``--profile`` prints where one
nnstudio step spends its time, layer by layer.

The machine is shared: before each case the bench waits (``--quiet-wait``) for other
processes to go quiet, and reports the share of the CPUs they took during its runs.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from machine_load import OtherLoad
from threadpoolctl import threadpool_info, threadpool_limits

from nnstudio.engine import Adam, Conv2D, Dense, Flatten, MaxPool2D, Network, fit
from nnstudio.engine.microbatch import part_rows

try:
    import torch
except ImportError:  # the peer is optional
    torch = None

TARGETS = {("digits", 32): 3.0, ("digits", 128): 2.0, ("mnist", 32): 0.8, ("mnist", 128): 0.6}
EPOCHS = {"digits": 4, "mnist": 1}


def layers(case: str) -> list:
    if case == "digits":
        return [Conv2D(8, 3), MaxPool2D(), Flatten(), Dense(10, "softmax")]
    return [Conv2D(16, 3), MaxPool2D(), Conv2D(32, 3), MaxPool2D(), Flatten(), Dense(10, "softmax")]


def data(case: str, n_mnist: int) -> tuple[np.ndarray, np.ndarray, str]:
    from nnstudio.data import load_builtin

    if case == "digits":
        ds = load_builtin("digits")
        X = np.asarray(ds.X, np.float32).reshape(-1, 8, 8, 1)
        return X / X.max(), np.asarray(ds.y), "bundled 8x8 digits"
    try:
        ds = load_builtin("mnist")
        X = np.asarray(ds.X).reshape(-1, 28, 28, 1)[:n_mnist]
        return X.astype(np.float32) / 255, np.asarray(ds.y)[:n_mnist], "bundled MNIST"
    except Exception:  # not bundled yet: random pixels of the same shape do the same work
        rng = np.random.default_rng(0)
        X = rng.integers(0, 256, (n_mnist, 28, 28, 1), dtype=np.uint8)
        return X.astype(np.float32) / 255, rng.integers(0, 10, n_mnist), "random uint8 28x28"


def ours(case: str, X: np.ndarray, y: np.ndarray, batch: int) -> float:
    net = Network(X.shape[1:], layers(case), seed=0)
    t = time.perf_counter()
    for _ in fit(net, X, y, optimizer=Adam(1e-3), epochs=EPOCHS[case], batch_size=batch, seed=0):
        pass
    return EPOCHS[case] * -(-len(X) // batch) / (time.perf_counter() - t)


def torch_model(case: str, input_shape: tuple[int, ...]):
    """torch's twin of :func:`layers` with nnstudio's initial weights (NCHW; the Flatten
    before the dense layer is channels-last, as nnstudio's)."""
    net = Network(input_shape, layers(case), seed=0)
    mods: list = []
    for layer in net.layers:
        if isinstance(layer, Conv2D):
            conv = torch.nn.Conv2d(layer.W.shape[2], layer.filters, layer.kernel_size)
            conv.weight.data = torch.from_numpy(layer.W.transpose(3, 2, 0, 1).copy())
            conv.bias.data = torch.from_numpy(layer.b.copy())
            mods += [conv, torch.nn.ReLU()]
        elif isinstance(layer, MaxPool2D):
            mods.append(torch.nn.MaxPool2d(2))
        elif isinstance(layer, Flatten):
            mods += [Nhwc(), torch.nn.Flatten()]
        else:
            lin = torch.nn.Linear(layer.W.shape[0], layer.units)
            lin.weight.data = torch.from_numpy(layer.W.T.copy())
            lin.bias.data = torch.from_numpy(layer.b.copy())
            mods.append(lin)
    return torch.nn.Sequential(*mods)


if torch is not None:
    class Nhwc(torch.nn.Module):
        def forward(self, x):
            return x.permute(0, 2, 3, 1)


def peer(case: str, X: np.ndarray, y: np.ndarray, batch: int) -> float:
    model = torch_model(case, X.shape[1:])
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    lossf = torch.nn.CrossEntropyLoss()
    Xt = torch.from_numpy(np.ascontiguousarray(X.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y.astype(np.int64))
    g = torch.Generator().manual_seed(0)
    steps = 0
    torch.set_flush_denormal(True)
    try:
        t = time.perf_counter()
        for _ in range(EPOCHS[case]):
            perm = torch.randperm(len(Xt), generator=g)
            Xs, ys = Xt[perm], yt[perm]
            for s in range(0, len(Xs), batch):
                opt.zero_grad(set_to_none=True)
                lossf(model(Xs[s:s + batch]), ys[s:s + batch]).backward()
                opt.step()
                steps += 1
        return steps / (time.perf_counter() - t)
    finally:
        torch.set_flush_denormal(False)


def profile(case: str, X: np.ndarray, y: np.ndarray, batch: int, steps: int = 200) -> None:
    """Median microseconds per layer of forward and backward, and of the optimizer step (one
    part of the batch when fit runs it in parts: see nnstudio/engine/microbatch.py)."""
    net = Network(X.shape[1:], layers(case), seed=0)
    opt = Adam(1e-3)
    opt.attach(net)
    rows = part_rows(net, batch)
    if rows is not None:
        print(f"\n(batch {batch} trains in parts of {rows} rows: one part is timed)")
        batch = rows
    buf = net.buffers(batch)
    Y = net.loss.prepare_targets(y[:batch], net.n_outputs, net.dtype)
    xb = np.ascontiguousarray(X[:batch])
    times: dict[str, list[float]] = {}

    def tick(name: str, t0: float) -> float:
        t1 = time.perf_counter()
        times.setdefault(name, []).append((t1 - t0) * 1e6)
        return t1

    for _ in range(steps):
        t = time.perf_counter()
        x = xb
        for layer, a, cache in zip(net.layers, buf.a, buf.caches):
            x = layer.forward(x, a, cache, True, None)
            t = tick(f"fwd {layer.name}", t)
        g = buf.g[-1]
        net.loss.gradient(x, Y, out=g)
        for backward, cache, grads in buf.backward:
            g = backward(g, cache, grads)
            t = tick(f"bwd {backward.__self__.name}", t)
        opt.step()
        tick("optimizer", t)
    total = sum(statistics.median(v) for v in times.values())
    print(f"\nprofile {case} batch {batch}: {total:.0f} us per step (medians)")
    for name, v in times.items():
        print(f"  {name:<24} {statistics.median(v):8.1f} us  {statistics.median(v) / total:5.1%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3, help="interleaved repetitions (median reported)")
    ap.add_argument("--mnist-samples", type=int, default=4000, help="28x28 images per epoch")
    ap.add_argument("--quiet-wait", type=float, default=10.0,
                    help="seconds to wait for other processes to go quiet before each case (0: don't)")
    ap.add_argument("--profile", action="store_true", help="also time one step layer by layer")
    ap.add_argument("--cases", nargs="+", default=["digits", "mnist"], choices=["digits", "mnist"])
    args = ap.parse_args()

    for info in threadpool_info():
        if info.get("user_api") == "blas":
            print(f"BLAS: {info.get('internal_api')} {info.get('version')} "
                  f"kernel={info.get('architecture')}")
    print(f"torch: {torch.__version__ if torch else 'not installed (peer skipped)'}; 1 thread; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    sets = {case: data(case, args.mnist_samples) for case in args.cases}
    for case, (X, _, what) in sets.items():
        print(f"{case}: {what}, {len(X):,} images of {X.shape[1]}x{X.shape[2]}")
    load = OtherLoad()
    res: dict[tuple[str, int, str], list[float]] = {}
    others: dict[tuple[str, int], list[float]] = {}
    with threadpool_limits(1, user_api="blas"):
        if torch:
            torch.set_num_threads(1)
        for rep in range(args.reps):
            for case, (X, y, _) in sets.items():
                for batch in (32, 128):
                    if args.quiet_wait > 0:
                        load.wait_quiet(timeout=args.quiet_wait)
                    runners = [("ours", ours)] + ([("torch", peer)] if torch else [])
                    for who, fn in runners:
                        load.start()
                        res.setdefault((case, batch, who), []).append(fn(case, X, y, batch))
                        others.setdefault((case, batch), []).append(load.stop())
            print(f"  repetition {rep + 1}/{args.reps} done", flush=True)
        if args.profile:
            for case, (X, y, _) in sets.items():
                for batch in (32, 128):
                    profile(case, X, y, batch)

    print("\n| case | batch | nnstudio steps/s | torch steps/s | ratio | target | nnstudio GFLOP/s "
          "| torch GFLOP/s | others |")
    print("|---|---|---|---|---|---|---|---|---|")
    for case, (X, _, _) in sets.items():
        flops = Network(X.shape[1:], layers(case)).flops_per_sample()
        for batch in (32, 128):
            o = statistics.median(res[(case, batch, "ours")])
            t = statistics.median(res.get((case, batch, "torch"), [float("nan")]))
            target = TARGETS[(case, batch)]
            verdict = "met" if o / t >= target else "MISSED" if t == t else "--"
            busy = max(others[(case, batch)])
            print(f"| {case} | {batch} | {o:,.0f} | {t:,.0f} | {o / t:.2f}x | >= {target:g}x {verdict} "
                  f"| {o * batch * flops / 1e9:.1f} | {t * batch * flops / 1e9:.1f} "
                  f"| {statistics.median(others[(case, batch)]):.0%} / {busy:.0%}"
                  f"{' BUSY' if busy > 0.10 else ''} |")
    print("others = the share of all CPUs other processes took during the case's runs (median / most)")


if __name__ == "__main__":
    main()
