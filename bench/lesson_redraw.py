"""How fast the magnifying glass redraws each stage on the digits-size network.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python bench/lesson_redraw.py [--reps 15]

The window (offscreen, at a 1366x768 laptop's size and at the default 1360x860) holds an MLP
784-256-128-10 on MNIST-shaped random data; one sample is chosen and the magnifying glass is
open with a 256-neuron layer listed in its table. For each of the six stages it times what a
press of Next costs the teacher: the panel's text, bars and neuron table, the canvas's overlay
(its connections rebuilt from the stage's gradients or changes) and a synchronous repaint of
both. The peer, in the same run, is the canvas's plain repaint after a weights change (what
every training snapshot already costs), and the walk itself (``walk_session_step``: trace +
preview + the loss after) is timed once per sample. The issue's target: < 50 ms per stage.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from machine_load import OtherLoad  # noqa: E402


def setup_window(size: tuple[int, int]):
    from gui_latency import mnist_like
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from nnstudio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    QSettings("nnstudio", "bench-lesson").clear()
    w = MainWindow(settings_scope="bench-lesson")
    w.files.open_demo()
    w.resize(*size)
    w.show()
    ctl = w.ctl
    ctl.set_dataset(mnist_like(2_000))
    hidden = [i for i, spec in enumerate(ctl.layers[:-1]) if spec["class"] == "Dense"]
    while len(hidden) < 2:
        ctl.insert_layer(len(ctl.layers) - 1, "Dense")
        hidden = [i for i, spec in enumerate(ctl.layers[:-1]) if spec["class"] == "Dense"]
    for index, units in zip(hidden, (256, 128)):
        ctl.update_layer(index, units=units, activation="relu")
    assert ctl.network.layer_sizes() == [784, 256, 128, 10], ctl.network.layer_sizes()
    settle(app)
    return app, w


def settle(app, rounds: int = 20) -> None:
    for _ in range(rounds):
        app.processEvents()


def time_stage(app, w, k: int) -> float:
    """Seconds from "show stage k" to both the panel and the canvas painted."""
    start = time.perf_counter()
    w.magnifier.set_stage(k)
    w.lesson.repaint()
    w.canvas.repaint()
    app.processEvents()
    return time.perf_counter() - start


def time_plain_canvas(app, w) -> float:
    """The peer: the canvas without a sample, repainted after a weights change."""
    start = time.perf_counter()
    w.canvas._stale = True
    w.canvas._ensure_built(repaint=False)
    w.canvas.repaint()
    app.processEvents()
    return time.perf_counter() - start


def run(size: tuple[int, int], reps: int) -> list[tuple[str, list[float]]]:
    from nnstudio.explain import walk_session_step
    from nnstudio.ui.lesson.magnifier import STAGES

    app, w = setup_window(size)
    ctl = w.ctl
    walks = []
    for index in range(reps):
        start = time.perf_counter()
        walk_session_step(ctl.session, index)
        walks.append(time.perf_counter() - start)
    ctl.choose_sample(0)
    settle(app)
    assert w.magnifier.walk is not None, w.magnifier.problem
    w.magnifier.select(("layer", 0))  # the 256 neurons of the first hidden layer in the table
    settle(app)
    assert w.lesson.neurons.rowCount() == 256
    times: dict[str, list[float]] = {key: [] for key in STAGES}
    plain: list[float] = []
    w.canvas.set_overlay(None)
    for _ in range(3):
        time_plain_canvas(app, w)  # warm up
    for _ in range(reps):  # interleaved: the stages and the peer see the same machine
        for k, key in enumerate(STAGES):
            times[key].append(time_stage(app, w, k))
        w.magnifier.set_stage(0)
        w.canvas.set_overlay(None)
        plain.append(time_plain_canvas(app, w))
        w.magnifier.changed.emit()
        settle(app, 2)
    ctl._set_dirty(False)
    w.close()
    return ([("walk: trace + preview + loss after", walks)]
            + [(f"stage {k + 1}: {key}", times[key]) for k, key in enumerate(STAGES)]
            + [("peer: plain canvas repaint", plain)])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=15)
    args = ap.parse_args()
    import numpy  # noqa: F401 - loads the BLAS threadpoolctl reports

    try:
        from threadpoolctl import threadpool_info
        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        kernel = ", ".join(f"{b.get('internal_api')} {b.get('architecture')} x{b.get('num_threads')}"
                           for b in blas)
    except ImportError:
        kernel = "threadpoolctl not installed"
    print(f"BLAS: {kernel}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    load = OtherLoad()
    for size in ((1366, 768), (1360, 860)):
        quiet = load.wait_quiet(limit=0.1, timeout=60)
        load.start()
        rows = run(size, args.reps)
        other = load.stop()
        busy = "" if quiet else " -- the machine never got quiet: read the ratios, not the ms"
        print(f"\nWindow {size[0]}x{size[1]}, MLP 784-256-128-10, {args.reps} reps "
              f"(other processes used {other:.0%} of the machine{busy})")
        peer = statistics.median(rows[-1][1])
        print(f"{'':38} {'median ms':>10} {'max ms':>8} {'x peer':>7}  target: median < 50 ms")
        for name, ts in rows:
            med, top = 1000 * statistics.median(ts), 1000 * max(ts)
            mark = "" if name.startswith(("walk", "peer")) else ("met" if med < 50 else "MISSED")
            print(f"{name:38} {med:10.1f} {top:8.1f} {med / 1000 / peer:7.1f}  {mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
