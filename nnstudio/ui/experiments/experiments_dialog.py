"""The experiments dialog: a sweep's runs side by side, live, answered in a sentence.

The runs train in child processes (:class:`~nnstudio.trainer.sweep.SweepRunner`); a timer polls
them every 50 ms without blocking, so the window keeps drawing. "Use these settings" pushes an
:class:`~nnstudio.ui.experiments.adopt_command.AdoptSettingsCommand` (Ctrl+Z undoes it).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from nnstudio.errors import NNStudioError
from nnstudio.trainer.sweep import SweepResult, SweepRunner, plan_data_sweep, plan_rate_sweep
from nnstudio.ui.experiments.adopt_command import AdoptSettingsCommand
from nnstudio.ui.experiments.sweep_plot import SweepPlotWidget, run_colour

POLL_MS = 50
PLOT_EVERY = 4  # polls between two redraws of the curves and the table (200 ms)
TITLES = {"rates": "Which learning rate?", "data": "Would more data help?"}
COLUMNS = ("Run", "Epochs", "Best", "Status", "")


class ExperimentsDialog(QDialog):
    """``kind`` is "rates" or "data"; :meth:`start` plans and starts the runs."""

    def __init__(self, ctl, kind: str, parent=None):
        super().__init__(parent)
        self._ctl, self.kind = ctl, kind
        self.runner: SweepRunner | None = None
        self.result: SweepResult | None = None
        self.setWindowTitle(TITLES[kind])
        self.resize(780, 680)

        self.intro = QLabel(wordWrap=True)
        self.epochs = QSpinBox(minimum=1, maximum=100_000)
        self.epochs.setToolTip("How long each run trains. Longer runs answer more surely, "
                               "and take longer." if kind == "rates" else
                               "How long the run on all the rows trains; the runs on fewer "
                               "rows take as many steps.")
        self.again = QPushButton("Run again")
        self.again.setToolTip("Start the runs again with this many epochs (F5)")
        self.again.setShortcut(QKeySequence("F5"))
        self.again.clicked.connect(lambda: self.start(self.epochs.value()))
        self.progress = QProgressBar(maximum=1000, textVisible=True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop every run now (Esc); the runs that finished still count")
        self.cancel_button.clicked.connect(self.cancel)
        self.plot = SweepPlotWidget()
        self.sentence = QLabel(wordWrap=True)
        self.sentence.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.sentence.setStyleSheet("font-weight: bold; padding: 4px 0;")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        close = QPushButton("Close")
        close.setToolTip("Close (the project keeps only the settings you chose to use)")
        close.clicked.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(QLabel("Epochs per run:"))
        row.addWidget(self.epochs)
        row.addWidget(self.again)
        row.addStretch(1)
        bar = QHBoxLayout()
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.cancel_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.intro)
        lay.addLayout(row)
        lay.addLayout(bar)
        lay.addWidget(self.plot, 3)
        lay.addWidget(self.sentence)
        lay.addWidget(self.table, 2)
        end = QHBoxLayout()
        end.addStretch(1)
        end.addWidget(close)
        lay.addLayout(end)

        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._adopt_buttons: list[QPushButton] = []
        self._changed: set[int] = set()  # runs with epochs not drawn yet
        self._polls = 0
        ctl.settings_changed.connect(self._update_adopt_buttons)
        # The window's Undo / Redo wait behind this window-modal dialog: the same keys here.
        QShortcut(QKeySequence.Undo, self, ctl.undo_stack.undo)
        QShortcut(QKeySequence.Redo, self, ctl.undo_stack.redo)

    # ------------------------------------------------------------------ running
    def start(self, epochs: int | None = None) -> bool:
        """Plan and start the runs; False (with the reason in the message bar) when the
        project cannot be swept."""
        self._stop_runner()
        plan_for = plan_rate_sweep if self.kind == "rates" else plan_data_sweep
        try:
            plan = plan_for(self._ctl.session, epochs=epochs)
        except NNStudioError as exc:
            self._ctl.message_posted.emit(str(exc), "error")
            self.sentence.setText(str(exc))
            return False
        self.result = None
        self.epochs.setValue(plan.runs[-1].epochs if self.kind == "data" else plan.runs[0].epochs)
        self.runner = SweepRunner(plan)
        self.intro.setText(self._intro_text(plan))
        batch = max(1, int(plan.training.get("batch_size", 32)))
        steps = [-(-r.n_train // batch) for r in plan.runs] if self.kind == "data" else None
        self.plot.set_runs([r.label for r in plan.runs], plan.metric, steps)
        self._fill_table()
        self.sentence.setText("Training… " + " ".join(plan.notes))
        self.progress.setValue(0)
        self.progress.setFormat("%p %")
        self.cancel_button.setEnabled(True)
        self.again.setEnabled(False)
        self.runner.start()
        self._timer.start()
        return True

    def _intro_text(self, plan) -> str:
        n, workers = len(plan.runs), self.runner.workers if self.runner else 1
        at_once = f"{workers} at a time" if workers > 1 else "one at a time"
        if self.kind == "rates":
            what = (f"{n} short runs of your network at learning rates from {plan.runs[0].label} "
                    f"to {plan.runs[-1].label} (yours is {plan.base_rate:g})")
        else:
            shares = [f"{100 * r.fraction:.0f}" for r in plan.runs]
            what = (f"{n} short runs of your network on {', '.join(shares[:-1])} and {shares[-1]} % "
                    f"of its {plan.runs[-1].n_train} training rows (as many training steps each), "
                    f"all scored on the same {plan.n_val} validation rows")
        return (f"{what}, {at_once}, each from the same fresh weights and seed. Nothing changes "
                "in your project unless you press Use these settings.")

    def cancel(self) -> None:
        """Stop every run; the answer then covers what finished."""
        if self.runner is not None and not self.runner.done:
            self.runner.cancel()
            self.cancel_button.setEnabled(False)
            self.sentence.setText("Cancelling…")

    def _on_timer_timeout(self) -> None:
        runner = self.runner
        if runner is None:
            return
        for event in runner.poll():
            self._changed.add(event[1])
        self._polls += 1
        # Redraw the curves every PLOT_EVERY polls (and at the end): repainting five growing
        # curves each 50 ms cost the window's event loop most of its time on a 2-core laptop.
        if self._polls % PLOT_EVERY == 0 or runner.done:
            for i in self._changed:
                self.plot.show_history(i, runner.results[i].history)
                self._update_row(i)
            self._changed.clear()
        self.progress.setValue(int(round(1000 * runner.progress())))
        if runner.done:
            self._timer.stop()
            runner.close()
            self._finish(runner.result())

    def _finish(self, result: SweepResult) -> None:
        self.result = result
        if not result.cancelled:
            self.progress.setValue(self.progress.maximum())
        self.progress.setFormat("Cancelled" if result.cancelled else f"Done in {result.seconds:.1f} s")
        self.sentence.setText(result.sentence + "".join(f"\n{n}" for n in result.notes))
        self.cancel_button.setEnabled(False)
        self.again.setEnabled(True)
        for i in range(len(result.runs)):
            self._update_row(i)
        self._update_adopt_buttons()

    def _stop_runner(self) -> None:
        self._timer.stop()
        if self.runner is not None:
            self.runner.close()

    # ------------------------------------------------------------------ the table
    def _fill_table(self) -> None:
        assert self.runner is not None
        runs = self.runner.plan.runs
        self.table.setRowCount(len(runs))
        metric = self.runner.plan.metric
        best = "Best validation " + ("accuracy" if metric.endswith("acc") else "loss")
        self.table.setHorizontalHeaderItem(2, QTableWidgetItem(
            best if metric.startswith("val") else "Best training loss"))
        self.table.setColumnHidden(4, self.kind != "rates")
        self._adopt_buttons = []
        for i, run in enumerate(runs):
            item = QTableWidgetItem(f"■ {run.label}")
            item.setForeground(run_colour(i))
            self.table.setItem(i, 0, item)
            for col in (1, 2, 3):
                self.table.setItem(i, col, QTableWidgetItem(""))
            if self.kind == "rates":
                button = QPushButton("Use these settings")
                button.setToolTip(f"Train at learning rate {run.learning_rate:g} from now on "
                                  "(Ctrl+Z undoes it)")
                button.setEnabled(False)
                button.clicked.connect(lambda _c=False, k=i: self.adopt(k))
                self.table.setCellWidget(i, 4, button)
                self._adopt_buttons.append(button)
            self._update_row(i)

    def _update_row(self, i: int) -> None:
        assert self.runner is not None
        r = self.runner.results[i]
        metric = self.runner.plan.metric
        best = r.best(metric)
        value = "" if best is None else (f"{best[0]:.1%}" if metric.endswith("acc") else f"{best[0]:.3g}")
        self.table.item(i, 1).setText(f"{r.epochs_done} / {r.run.epochs}")
        self.table.item(i, 2).setText(value + (f" (epoch {best[1]})" if best else ""))
        status = self.table.item(i, 3)
        shown = r.message if r.status == "completed" and r.message else r.status  # stopped early?
        status.setText(shown + (" — recommended" if self.result and self.result.best == i else ""))
        status.setToolTip(r.message or "")

    def _update_adopt_buttons(self) -> None:
        if self.runner is None or not self._adopt_buttons:
            return
        current = self._ctl.project.training["optimizer"]["config"].get("learning_rate")
        for i, button in enumerate(self._adopt_buttons):
            rate = self.runner.plan.runs[i].learning_rate
            in_use = current is not None and abs(rate - float(current)) <= 1e-9 * rate
            button.setEnabled(self.result is not None and not in_use)
            button.setText("In use" if in_use else "Use these settings")

    def adopt(self, index: int) -> bool:
        """Use run ``index``'s settings (undoable); False when refused."""
        if self.runner is None:
            return False
        run = self.runner.plan.runs[index]
        try:
            command = AdoptSettingsCommand(self._ctl, run)
        except NNStudioError as exc:
            self._ctl.message_posted.emit(str(exc), "error")
            return False
        self._ctl.undo_stack.push(command)
        self._ctl.message_posted.emit(f"Learning rate set to {run.learning_rate:g} from the sweep "
                                      "(Ctrl+Z undoes it). Reset weights (Ctrl+R) to train afresh "
                                      "at this rate, as the sweep's runs did.", "info")
        return True

    # ------------------------------------------------------------------ closing
    def keyPressEvent(self, event) -> None:  # Qt override: Esc cancels runs before closing
        if event.key() == Qt.Key_Escape and self.runner is not None and not self.runner.done:
            self.cancel()
            event.accept()
            return
        super().keyPressEvent(event)

    def done(self, code: int) -> None:  # Qt override: every way of closing ends the runs
        self._stop_runner()
        super().done(code)

    def closeEvent(self, event) -> None:  # Qt override
        self._stop_runner()
        super().closeEvent(event)
