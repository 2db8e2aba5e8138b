"""The magnifying glass's cost: one sample's trace + preview on the digits-sized network.

Run with the machine's forced OpenBLAS kernel lifted (see DESIGN.md, performance notes):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/step_trace.py

Network 784-256-128-10 (ReLU, softmax), Adam with some state (it has made 50 steps), one
MNIST-shaped random sample. Cases, each the median (and 90th percentile) of ``--reps``
interleaved repetitions:

- ``train step``: the engine's own per-sample training step (forward, backward, Adam step at
  batch size 1): what the magnifying glass explains, for scale;
- ``trace``: :meth:`Network.trace` (every intermediate and gradient of the step);
- ``trace + preview``: that plus :meth:`Optimizer.preview` of the update (the issue's measure,
  target < 20 ms so stepping feels instant);
- ``walk_step``: the whole :func:`nnstudio.explain.walk_step` (trace, a twin network, the
  preview, the loss after the update and the six captions);
- ``walk + to_dict``: what ``nnstudio step --json`` computes;
- ``torch step``: the peer, PyTorch eager forward + backward + Adam step on one sample (skipped
  when torch is absent).

The machine is shared: before each thread count the bench waits (``--quiet-wait``, 20 s) for
other processes to go quiet, and prints the share of the CPUs they took (BUSY over 10 %).
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
from machine_load import OtherLoad
from threadpoolctl import threadpool_info, threadpool_limits

from nnstudio.engine import Adam, Dense, Network, fit
from nnstudio.explain import walk_step

try:
    import torch
except ImportError:  # the peer is optional
    torch = None

TARGET_MS = 20.0
OTHER_LOAD_WARN = 0.10


def build() -> tuple[Network, Adam, np.ndarray, int]:
    rng = np.random.default_rng(0)
    net = Network(784, [Dense(256, "relu"), Dense(128, "relu"), Dense(10, "softmax")], seed=0)
    opt = Adam(0.001)
    X = rng.random((50, 784), dtype=np.float32)
    y = rng.integers(0, 10, 50)
    for _ in fit(net, X, y, optimizer=opt, epochs=1, batch_size=1):
        pass
    return net, opt, X[7].copy(), int(y[7])


def cases(net: Network, opt: Adam, x: np.ndarray, y: int) -> dict[str, Callable[[], object]]:
    slices = net.param_slices()
    # The training step runs on a twin, so every case sees the same weights.
    twin = Network.from_config(net.get_config())
    twin.params[...] = net.params
    twin_opt = Adam(0.001)
    twin_opt.attach(twin)
    twin_opt.load_state_dict(opt.state_dict())
    buf = twin.buffers(1)
    xb, yb = x[None], np.array([y])
    out = np.empty((1, 10), np.float32)

    def train_step():
        twin.forward_train(xb, buf, None, out=out)
        twin.backward(xb, yb, out, buf)
        twin_opt.step()

    def trace_preview():
        tr = net.trace(x, y)
        saved = net.grads.copy()
        for name, (s, n, _shape) in slices.items():
            net.grads[s:s + n] = tr.gradients[name].reshape(-1)
        preview = opt.preview()
        net.grads[...] = saved
        return preview

    found = {"train step": train_step, "trace": lambda: net.trace(x, y), "trace + preview": trace_preview,
             "walk_step": lambda: walk_step(net, opt, x, y),
             "walk + to_dict": lambda: walk_step(net, opt, x, y).to_dict()}
    if torch is not None:
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                    torch.nn.ReLU(), torch.nn.Linear(128, 10))
        topt = torch.optim.Adam(model.parameters(), lr=0.001)
        tx, ty = torch.from_numpy(xb), torch.from_numpy(yb)

        def torch_step():
            topt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(tx), ty)
            loss.backward()
            topt.step()

        found["torch step"] = torch_step
    return found


def measure(found: dict[str, Callable[[], object]], reps: int, inner: int) -> dict[str, list[float]]:
    """Milliseconds per call of each case: ``reps`` rounds, cases interleaved in each."""
    times: dict[str, list[float]] = {name: [] for name in found}
    for fn in found.values():  # warm up: buffers, caches, BLAS threads
        for _ in range(3):
            fn()
    for _ in range(reps):
        for name, fn in found.items():
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            times[name].append((time.perf_counter() - t0) * 1000 / inner)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=30, help="interleaved repetitions (median reported)")
    ap.add_argument("--inner", type=int, default=5, help="calls per repetition")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="BLAS thread counts")
    ap.add_argument("--quiet-wait", type=float, default=20.0,
                    help="seconds to wait for other processes to go quiet before each thread "
                         "count (0: don't)")
    args = ap.parse_args()
    for info in (i for i in threadpool_info() if i.get("user_api") == "blas"):
        print(f"BLAS: {info.get('internal_api')} {info.get('version')} kernel={info.get('architecture')} "
              f"max threads={info.get('num_threads')}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; torch: "
          f"{torch.__version__ if torch else 'not installed (peer skipped)'}; network 784-256-128-10, "
          f"Adam; {args.reps} x {args.inner} calls per case, interleaved\n")
    net, opt, x, y = build()
    head = f"{'thr':>3}  {'case':<16} {'median ms':>10} {'p90 ms':>8} {'x train step':>13}"
    rows, verdicts = [], []
    for threads in args.threads:
        with threadpool_limits(threads, user_api="blas"):
            if torch is not None:
                torch.set_num_threads(threads)
            found = cases(net, opt, x, y)
            load = OtherLoad()
            if args.quiet_wait > 0:
                load.wait_quiet(timeout=args.quiet_wait)
            load.start()
            times = measure(found, args.reps, args.inner)
            other = load.stop()
        base = statistics.median(times["train step"])
        for name, t in times.items():
            med = statistics.median(t)
            p90 = sorted(t)[int(0.9 * (len(t) - 1))]
            rows.append(f"{threads:>3}  {name:<16} {med:10.3f} {p90:8.3f} {med / base:12.1f}x")
        tp = statistics.median(times["trace + preview"])
        verdicts.append(f"  {threads} thread(s): trace + preview {tp:.2f} ms < {TARGET_MS:g} ms: "
                        f"{'met' if tp < TARGET_MS else 'MISSED'}; whole walk_step "
                        f"{statistics.median(times['walk_step']):.2f} ms; others used {other:.0%} of the "
                        f"CPUs{' BUSY' if other > OTHER_LOAD_WARN else ''}")
    print(head)
    print("-" * len(head))
    print("\n".join(rows))
    print("\ntarget")
    print("\n".join(verdicts))


if __name__ == "__main__":
    main()
