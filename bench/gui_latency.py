"""GUI responsiveness while training in the window, and training speed against headless.

Run with the machine's forced OpenBLAS kernel lifted (see DESIGN.md, performance notes):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/gui_latency.py

The real main window is shown (offscreen by default; ``--xcb`` uses the X display in
``DISPLAY``, e.g. under ``xvfb-run``) with its live views on, and trains

- ``mnist``:  an MLP 784-256-128-10 (Adam, batch 64) on 60,000 random MNIST-shaped samples
  (the project's default split: 60 % train, 20 % validation), Loss tab visible;
- ``spiral``: the spiral demo at full speed (2-16-16-out, Adam, batch 32, many epochs,
  ~10 s), once with the Loss tab visible and once with the Decision map tab visible.

While it trains, a 1 ms ``QTimer`` (``Qt.PreciseTimer``) in the GUI thread records each tick;
its lateness (interval - 1 ms) tells how long the event loop could not run Python code:
p50 / p99 / max over every tick of the case's window runs (targets: p99 < 16 ms, max < 50 ms).

Throughput: training samples / wall time from ``runner.start()`` until the worker reports the
run finished, against ``nnstudio.engine.fit`` driven directly in the main thread on the same
network config, data, optimizer, seed and epochs, as ``nnstudio train`` does (target: window
>= 80 % of headless). The probe itself wakes the GUI thread 1000 times a second and costs the
trainer a few per cent (~10 % on MNIST), so throughput is taken from a second window run
without it; the probed runs' speed is printed too. Each repetition runs headless, window with
probe, window without, and the medians are compared.

These machines are shared: before each run the bench waits (up to 60 s) for other processes
to go quiet, and it flags a case during which they took over 10 % of the CPUs.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
from machine_load import OtherLoad

_PCTL = (50, 99)
LATENESS_P99_MS = 16.0
LATENESS_MAX_MS = 50.0
RATIO_TARGET = 0.80
OTHER_LOAD_WARN = 0.10


def _setup_platform(use_xcb: bool) -> str:
    """Choose the Qt platform before Qt is imported."""
    if use_xcb:
        if not os.environ.get("DISPLAY"):
            sys.exit("--xcb needs an X display (DISPLAY is not set); try: xvfb-run -a ... --xcb")
        os.environ["QT_QPA_PLATFORM"] = "xcb"
    else:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return os.environ["QT_QPA_PLATFORM"]


def mnist_like(n: int = 60_000, seed: int = 0):
    """A classification ``Dataset`` of ``n`` random float32 rows of 784 features, 10 classes."""
    from nnstudio.data import Dataset

    rng = np.random.default_rng(seed)
    X = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return Dataset(X=X, y=y, feature_names=[f"px{i}" for i in range(784)],
                   class_names=[str(c) for c in range(10)], task="classification",
                   source={"kind": "bench", "name": "mnist-like"}, name="MNIST-shaped (random)",
                   image_shape=(28, 28))


def family_ticks() -> int:
    """CPU ticks of this process and all its descendants, the trainer processes included
    (a finished trainer's ticks are in its parent's cutime / cstime: the forkserver's)."""
    parents, ticks = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        pid = int(entry)
        parents[pid] = int(fields[1])
        ticks[pid] = sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    ours, frontier = set(), [os.getpid()]
    while frontier:
        pid = frontier.pop()
        ours.add(pid)
        frontier.extend(child for child, parent in parents.items()
                        if parent == pid and child not in ours)
    return sum(ticks.get(pid, 0) for pid in ours)


class TickRecorder:
    """A 1 ms precise timer whose ticks are time-stamped into a preallocated array."""

    def __init__(self, capacity: int = 400_000):
        from PySide6.QtCore import QObject, Qt, QTimer

        self._stamps = np.zeros(capacity)
        self._n = 0
        self._holder = QObject()
        self.timer = QTimer(self._holder)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self._clock = time.perf_counter

    def _tick(self) -> None:
        n = self._n
        if n < len(self._stamps):
            self._stamps[n] = self._clock()
            self._n = n + 1

    def start(self) -> None:
        self._n = 0
        self.timer.start()

    def stop(self) -> np.ndarray:
        """Stop and return the lateness of each tick in ms (interval - 1 ms, >= 0 mostly)."""
        self.timer.stop()
        stamps = self._stamps[:self._n]
        return np.diff(stamps) * 1e3 - 1.0


class Bench:
    def __init__(self, app, window):
        self.app, self.win = app, window
        self.ticks = TickRecorder()

    # ------------------------------------------------------------------ set-up
    def use_spiral(self, epochs: int) -> None:
        ctl = self.win.ctl
        self.win.files.open_demo()  # spiral, Dense 16 relu x 2, Adam 0.01, batch 32
        # The demo opens at a watchable Speed (10 epochs a second): measure at full speed.
        ctl.set_training(epochs=epochs, batch_size=32, epochs_per_second=0)

    def use_mnist(self, epochs: int) -> None:
        ctl = self.win.ctl
        ctl.set_dataset(mnist_like())
        hidden = [i for i, spec in enumerate(ctl.layers[:-1]) if spec["class"] == "Dense"]
        while len(hidden) < 2:
            ctl.insert_layer(len(ctl.layers) - 1, "Dense")
            hidden = [i for i, spec in enumerate(ctl.layers[:-1]) if spec["class"] == "Dense"]
        for index, units in zip(hidden, (256, 128)):
            ctl.update_layer(index, units=units, activation="relu")
        ctl.set_training(epochs=epochs, batch_size=64, optimizer="Adam", learning_rate=1e-3)
        sizes = ctl.network.layer_sizes()
        assert sizes == [784, 256, 128, 10], f"unexpected network {sizes}"

    def show_tab(self, name: str) -> None:
        views = self.win.views
        widget = {"loss": views.metrics, "decision": views.boundary}[name]
        views.setCurrentWidget(widget)
        self.settle()
        assert widget.isVisible(), f"the {name} view is not visible"

    def settle(self, ms: int = 50) -> None:
        end = time.perf_counter() + ms / 1e3
        while time.perf_counter() < end:
            self.app.processEvents()

    # ------------------------------------------------------------------ runs
    def run_window(self, probe: bool = True) -> tuple[float, np.ndarray, int]:
        """Train with the window's runner; return (samples/s, tick lateness in ms, epochs).

        ``probe=False`` runs without the 1 ms timer (an empty lateness array): the probe wakes
        the GUI thread 1000 times a second, which itself costs the trainer ~10 % on MNIST.
        """
        from PySide6.QtCore import QEventLoop, Qt

        ctl, runner = self.win.ctl, self.win.runner
        ctl.reset_weights()  # same start as the headless run; clears the history
        self.settle()
        n_train = len(ctl.scaled_split.train.X)
        loop = QEventLoop()
        runner.run_finished.connect(loop.quit)
        ended: list[float] = []
        try:
            if probe:
                self.ticks.start()
            t0 = time.perf_counter()
            if not runner.start():
                raise RuntimeError("the runner did not start")
            # The run ends when the worker says so (called in the worker thread): what the GUI
            # does afterwards (autosave, redraws) shows up as tick lateness, not as throughput.
            worker = getattr(runner, "_worker", None)
            if worker is not None:
                worker.finished.connect(lambda _reason: ended.append(time.perf_counter()),
                                        Qt.ConnectionType.DirectConnection)
            loop.exec()
            wall = (ended[0] if ended else time.perf_counter()) - t0
            lateness = self.ticks.stop() if probe else np.zeros(0)
        finally:
            runner.run_finished.disconnect(loop.quit)
        epochs = len(ctl.project.history.get("epoch", []))
        # Let the window finish its after-run work, as a person's next click would: the
        # recovery copy is written AFTER_RUN_DELAY_MS after a run, and must not land in the
        # next measured run.
        from nnstudio.ui.files.recovery import AFTER_RUN_DELAY_MS
        self.settle(AFTER_RUN_DELAY_MS + 300)
        self.win.recovery.wait(30)
        return epochs * n_train / wall, lateness, epochs

    def run_headless(self) -> tuple[float, int]:
        """``nnstudio train``'s loop on the same work, in this (the main) thread."""
        from nnstudio.engine import EpochRecord, Network, fit

        ctl = self.win.ctl
        t = ctl.project.training
        net = Network.from_config(ctl.network_config(), seed=t.get("seed", 0))
        train, val = ctl.scaled_split.train, ctl.scaled_split.val
        batches = max(1, -(-len(train.X) // t["batch_size"]))
        epochs = 0
        t0 = time.perf_counter()
        gen = fit(net, train.X, train.y, optimizer=ctl.make_optimizer(), epochs=t["epochs"],
                  batch_size=t["batch_size"], seed=t.get("seed", 0),
                  validation=(val.X, val.y) if len(val.X) else None,
                  report_every=max(1, batches // 10))
        for rec in gen:
            if isinstance(rec, EpochRecord):
                epochs += 1
        wall = time.perf_counter() - t0
        return epochs * len(train.X) / wall, epochs


def spiral_epochs_for(bench: Bench, seconds: float) -> int:
    """Epochs of the spiral demo that take about ``seconds`` headless."""
    ctl = bench.win.ctl
    ctl.set_training(epochs=300)
    rate, _ = bench.run_headless()  # warm-up + estimate
    rate, _ = bench.run_headless()
    return max(50, int(seconds * rate / len(ctl.scaled_split.train.X)))


def measured(load: OtherLoad, wait_quiet: bool, run, *args):
    """``(run(*args), share of the CPUs other processes used meanwhile)``."""
    if wait_quiet:
        load.wait_quiet(timeout=60.0)
    load.start()
    result = run(*args)
    return result, load.stop()


def blas_lines() -> list[str]:
    from threadpoolctl import threadpool_info

    lines = []
    for info in threadpool_info():
        lines.append(f"{info.get('user_api')}: {info.get('internal_api')} {info.get('version')} "
                     f"kernel={info.get('architecture')} threads={info.get('num_threads')}")
    return lines or ["no BLAS / OpenMP pool found by threadpoolctl"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2,
                    help="interleaved repetitions per case (medians reported; default 2)")
    ap.add_argument("--quick", action="store_true",
                    help="one repetition, short runs (a set-up check, not a measurement)")
    ap.add_argument("--xcb", action="store_true",
                    help="use the real X display in DISPLAY instead of the offscreen platform")
    ap.add_argument("--spiral-seconds", type=float, default=None,
                    help="length of one spiral run (default 10 s, 3 s with --quick)")
    ap.add_argument("--mnist-epochs", type=int, default=None, help="default 2 (1 with --quick)")
    ap.add_argument("--no-wait", action="store_true",
                    help="do not wait (up to 60 s) for other processes to go quiet before each run")
    args = ap.parse_args(argv)
    reps = 1 if args.quick else max(1, args.reps)
    spiral_s = args.spiral_seconds or (3.0 if args.quick else 10.0)
    mnist_epochs = args.mnist_epochs or (1 if args.quick else 2)
    wait_quiet = not args.no_wait
    platform = _setup_platform(args.xcb)

    from PySide6.QtWidgets import QApplication

    from nnstudio.trainer import warm_up
    from nnstudio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    warm_up()  # as the app does at start: the first run then starts without the forkserver's ~0.5 s
    win = MainWindow(settings_scope="bench-gui-latency")
    win.files.open_demo()
    win.show()
    bench = Bench(app, win)
    bench.settle(200)

    print(f"Qt platform: {platform}   Python {sys.version.split()[0]}   "
          f"switch interval {sys.getswitchinterval() * 1e3:g} ms   CPUs {os.cpu_count()}")
    for line in blas_lines():
        print(line)
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}")

    started = time.perf_counter()
    cases = []  # (name, set-up, tab, description)
    bench.use_spiral(300)
    sp_epochs = spiral_epochs_for(bench, spiral_s)
    cases.append(("mnist", lambda: bench.use_mnist(mnist_epochs), "loss",
                  f"784-256-128-10 Adam b64, {mnist_epochs} ep"))
    cases.append(("spiral", lambda: bench.use_spiral(sp_epochs), "loss",
                  f"2-16-16-2 Adam b32, {sp_epochs} ep"))
    cases.append(("spiral+map", lambda: bench.use_spiral(sp_epochs), "decision",
                  "same, Decision map tab"))

    rows = []
    load = OtherLoad(family_ticks)
    for name, setup, tab, what in cases:
        setup()
        bench.show_tab(tab)
        bench.run_headless()  # warm-up: first-touch page faults, BLAS threads, caches
        headless, window, probed, late, others = [], [], [], [], []
        for _ in range(reps):  # interleaved: headless, window + probe, window
            (h, _), o1 = measured(load, wait_quiet, bench.run_headless)
            (p, lateness, _), o2 = measured(load, wait_quiet, bench.run_window, True)
            (w, _, _), o3 = measured(load, wait_quiet, bench.run_window, False)
            others += [o1, o2, o3]
            headless.append(h)
            probed.append(p)
            window.append(w)
            late.append(lateness)
            print(f"  {name:<11} headless {h:9,.0f}  window {w:9,.0f}  with probe {p:9,.0f} "
                  f"samples/s | ticks {len(lateness):6d}  p99 {np.percentile(lateness, 99):6.2f} ms  "
                  f"max {lateness.max():6.1f} ms | others {max(others[-3:]):4.0%}", flush=True)
        lat = np.concatenate(late)
        rows.append((name, what, *np.percentile(lat, _PCTL), lat.max(), statistics.median(window),
                     statistics.median(headless), max(others), statistics.median(probed)))

    print(f"\n{reps} interleaved repetition(s) per case (medians); lateness over every tick of the "
          f"probed window runs; total {time.perf_counter() - started:.0f} s")
    head = (f"{'case':<11} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'window/s':>10} "
            f"{'headless/s':>10} {'ratio':>6}  {'target':<20} others")
    print(head)
    print("-" * len(head))
    busy = False
    for name, _what, p50, p99, mx, w, h, other, _probed in rows:
        ratio = w / h
        ok = p99 < LATENESS_P99_MS and mx < LATENESS_MAX_MS and ratio >= RATIO_TARGET
        flags = []
        if p99 >= LATENESS_P99_MS:
            flags.append("p99")
        if mx >= LATENESS_MAX_MS:
            flags.append("max")
        if ratio < RATIO_TARGET:
            flags.append("ratio")
        verdict = "ok" if ok else "LOW (" + ", ".join(flags) + ")"
        busy = busy or other > OTHER_LOAD_WARN
        print(f"{name:<11} {p50:7.2f} {p99:7.2f} {mx:7.1f} {w:10,.0f} {h:10,.0f} {ratio:6.2f}  "
              f"{verdict:<20} {other:4.0%}{' BUSY' if other > OTHER_LOAD_WARN else ''}")
    print(f"targets: p99 < {LATENESS_P99_MS:g} ms, max < {LATENESS_MAX_MS:g} ms, "
          f"window >= {RATIO_TARGET:.0%} of headless")
    print("window/s: runs without the 1 ms probe; with it the window trains at "
          + ", ".join(f"{r[0]} {r[-1] / r[6]:.2f}" for r in rows) + " x headless")
    print("others = the most CPU other processes took during one run of the case (share of all CPUs)")
    if busy:
        print(f"WARNING: other processes used over {OTHER_LOAD_WARN:.0%} of the CPUs during some runs; "
              "those numbers are not trustworthy: run again on a quiet machine.")
    for name, what, *_ in rows:
        print(f"  {name}: {what}")

    win.ctl.undo_stack.setClean()
    win.ctl._set_dirty(False)  # closing must not ask to save
    win.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
