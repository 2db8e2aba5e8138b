"""The status bar's run figures: epochs trained, samples/s, training time and progress."""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QLabel, QProgressBar

#: While a run is active the figures are refreshed this often (they change every epoch).
REFRESH_MS = 250


class LazyProgressBar(QProgressBar):
    """A progress bar whose ``setValue`` schedules its repaint like any other widget.

    QProgressBar repaints synchronously on every visible change, and a synchronous repaint
    flushes every pending paint of the window with it (canvas, plots): 20-50 ms of painting in
    one go, several times a second while training.
    """

    def setValue(self, value: int) -> None:  # noqa: N802 - Qt's name
        if value == self.value():
            return
        self.setUpdatesEnabled(False)  # QProgressBar's repaint() is then a no-op ...
        super().setValue(value)
        self.setUpdatesEnabled(True)   # ... and this schedules an ordinary update()


class RunStatus(QObject):
    """Adds its widgets to ``status_bar`` and keeps them true to ``ctl`` and ``runner``.

    The window sets ``last_record`` (the newest EpochRecord, None when there is none) and
    ``run_end`` ("completed", "stopped", "none" before any run, None while one is active).
    """

    def __init__(self, status_bar, ctl, runner, parent=None):
        super().__init__(parent)
        self._ctl, self._runner = ctl, runner
        self.epoch_label, self.speed_label, self.time_label = QLabel(""), QLabel(""), QLabel("")
        self.progress = LazyProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.setToolTip("Progress of the current training run")
        self.speed_label.setToolTip("How many samples a second the network learns from while it "
                                    "computes. The Speed setting waits between epochs; the waits "
                                    "are not counted here.")
        for w in (self.epoch_label, self.speed_label, self.time_label, self.progress):
            status_bar.addPermanentWidget(w)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.last_record = None
        self.run_end: str | None = "none"

    def set_active(self, active: bool) -> None:
        """Refresh on a timer while a run is active (running or paused), and once now."""
        if active:
            self._timer.start()
        else:
            self._timer.stop()
        self.refresh()

    def refresh(self) -> None:
        r, rec = self._runner, self.last_record
        total = len(self._ctl.project.history.get("epoch", []))
        self.epoch_label.setText(f"Epochs trained: {total}" if total else
                                 "History cleared" if self._ctl.kept_learning else "Not trained yet")
        if not total and r.state == "idle":  # reset or rebuilt: no speed or time to show
            self.speed_label.setText("")
            self.time_label.setText("")
        self.progress.setMaximum(max(1, r.epochs_this_run))
        self.progress.setValue(r.epochs_done)
        if r.state == "idle":
            # Step epoch from idle is a run of one epoch: "done: 1 epoch", not "1 epochs".
            ended = {"completed": "done: %v epoch" + ("" if r.epochs_done == 1 else "s"),
                     "stopped": "stopped: %v / %m"}
            self.progress.setFormat(ended.get(self.run_end or "", "ready"))
            if self.run_end not in ended:
                self.progress.setValue(0)
            self.speed_label.setText(self._speed_text(rec) if rec else "")
            return
        self.progress.setFormat(f"{r.state}: %v / %m epochs")
        if rec is not None:
            self.speed_label.setText(self._speed_text(rec))
        self.time_label.setText(time.strftime("%M:%S", time.gmtime(r.elapsed())))

    def _speed_text(self, rec) -> str:
        """The engine's own pace; at a watchable Speed (3 epochs a second) "250,000 samples/s"
        alone read as the run's pace, so it says it counts only the computing."""
        text = f"{rec.samples_per_second:,.0f} samples/s"
        if self._ctl.project.training.get("epochs_per_second", 0):
            text += " while computing"
        return text
