"""Start the window: ``nnstudio [--demo] [PROJECT.nnproj] [--smoke-test]``."""
from __future__ import annotations

import argparse
import os
import sys


def _parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="nnstudio", description="Build neural networks and watch them learn.")
    p.add_argument("project", nargs="?", help="a .nnproj project to open")
    p.add_argument("--demo", action="store_true",
                   help="open the demo project (spiral data, two hidden layers)")
    p.add_argument("--smoke-test", action="store_true",
                   help="open the window, train a few epochs, close it and exit 0 (a set-up check)")
    return p.parse_args(argv)


def _no_display() -> bool:
    return (sys.platform.startswith("linux") and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"))


def run_app(argv: list[str] | None = None) -> int:
    """Open the main window; returns the exit status."""
    args = _parse(list(sys.argv[1:] if argv is None else argv))
    if _no_display():
        # Without this Qt aborts with a misleading "xcb-cursor is needed" message.
        print("nnstudio: no display found. Start it from a desktop session, or on a virtual screen:\n"
              "  xvfb-run -a nnstudio --demo", file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication

    from nnstudio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    _warm_up_trainer()
    app.setApplicationName("nnstudio")
    app.setOrganizationName("nnstudio")
    window = MainWindow(settings_scope="smoke" if args.smoke_test else None)
    window.files.open_demo()  # something sensible underneath whatever is opened next
    if not args.smoke_test and not _offer_recovery(window) and args.project:
        window.files.open_path(args.project, ask=False)
    window.show()
    _install_excepthook(window)
    if args.smoke_test:
        return _smoke(app, window)
    return app.exec()


def _warm_up_trainer() -> None:
    """Start the trainer processes' server while the window builds, so that the first press
    of Train starts at once instead of after ~0.5 s of imports."""
    import threading

    from nnstudio.trainer import warm_up

    def run():
        try:
            warm_up()
        except Exception:  # noqa: BLE001 - the first run then starts it (and reports a failure)
            pass

    threading.Thread(target=run, name="nnstudio-trainer-warm-up", daemon=True).start()


def _offer_recovery(window) -> bool:
    """Ask whether to restore work a crashed session left behind; True when restored."""
    import time

    from PySide6.QtWidgets import QMessageBox

    from nnstudio.data import load_dataset_source

    note = window.recovery.pending()
    if note is None:
        return False
    when = time.strftime("%d %b %Y %H:%M", time.localtime(note["saved_at"]))
    answer = QMessageBox.question(
        window, "Restore unsaved work?",
        f"nnstudio did not close normally last time. Unsaved work on “{note['name']}” from {when} "
        "was kept. Restore it?", QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
    if answer == QMessageBox.Yes and window.recovery.restore(load_dataset_source):
        window.files.warn_if_data_changed()
        return True
    window.recovery.discard()
    return False


def _install_excepthook(window) -> None:
    """An unexpected error in a slot: say so in the window and keep a recovery copy."""
    import traceback

    def hook(kind, value, tb):
        traceback.print_exception(kind, value, tb)
        try:
            window.recovery.autosave()
            window.ctl.message_posted.emit(
                f"Something went wrong inside nnstudio ({kind.__name__}: {value}). Your work is kept; "
                "saving it now is a good idea.", "error")
        except Exception:  # noqa: BLE001 - the hook itself must never raise
            pass

    sys.excepthook = hook


def _smoke(app, window) -> int:
    """Train a few epochs of the demo through the real window, then close it cleanly."""
    from PySide6.QtCore import QElapsedTimer

    window.ctl.set_training(epochs=5)
    window.runner.start()
    timer = QElapsedTimer()
    timer.start()
    while window.runner.state != "idle" and timer.elapsed() < 60_000:
        app.processEvents()
    ok = len(window.ctl.project.history.get("epoch", [])) >= 5
    window.ctl.undo_stack.setClean()
    window.ctl._set_dirty(False)  # the smoke run must not ask to save
    window.close()
    app.processEvents()
    print(f"nnstudio smoke test: {'ok' if ok else 'FAILED'} "
          f"({len(window.ctl.project.history.get('epoch', []))} epochs trained)")
    return 0 if ok else 1
