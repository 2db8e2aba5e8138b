"""The studio window: palette and data on the left, the network and live views in the middle,
the inspector and training settings on the right."""
from __future__ import annotations

import os

from PySide6.QtCore import QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from nnstudio.doctor import summarize_run
from nnstudio.trainer.snapshots import regression_scores, snapshot_for
from nnstudio.ui.augment import AugmentActions
from nnstudio.ui.controller import ProjectController
from nnstudio.ui.data.data_panel import DataPanel
from nnstudio.ui.data.rows_panel import DataRowsPanel, RowsDockSwitch
from nnstudio.ui.experiments import ExperimentActions
from nnstudio.ui.files.file_actions import FileActions
from nnstudio.ui.files.recovery import RecoveryManager
from nnstudio.ui.gallery import attach_gallery
from nnstudio.ui.help.links import key_near, open_glossary
from nnstudio.ui.lesson.magnifier import Magnifier
from nnstudio.ui.lesson.panel import MagnifyingGlassPanel, connect_canvas
from nnstudio.ui.message_bar import MessageBar
from nnstudio.ui.network.canvas import NetworkCanvasWidget
from nnstudio.ui.network.inspector import LayerInspectorPanel
from nnstudio.ui.network.palette import LayerPaletteWidget
from nnstudio.ui.pad import attach_pad
from nnstudio.ui.training.doctor_live import LiveDoctor
from nnstudio.ui.training.run_status import RunStatus
from nnstudio.ui.training.training_panel import TrainingPanel
from nnstudio.ui.training.training_runner import TrainingRunner
from nnstudio.ui.views import TrainingViewsPanel
from nnstudio.ui.wheel_guard import WheelGuard
from nnstudio.ui.window_help import CANVAS_TIPS, about, getting_started

#: The window's first size on a big screen.
DEFAULT_SIZE = QSize(1360, 860)
#: Room left for the window's title bar, which the screen's available area still includes.
TITLE_BAR = 40


def initial_size(available: QSize) -> QSize:
    """The first size of the window on a screen with ``available`` room: at 860 px it reached
    below a 1366x768 laptop's screen, and the run buttons and plots were cut off there."""
    return QSize(min(DEFAULT_SIZE.width(), available.width()),
                 min(DEFAULT_SIZE.height(), available.height() - TITLE_BAR))


class MainWindow(QMainWindow):
    """Everything is wired here; the panels talk only to the controller and the runner."""

    def __init__(self, settings_scope: str | None = None):
        super().__init__()
        # A separate settings scope keeps tests and smoke runs from touching the user's settings.
        self.settings = QSettings("nnstudio", settings_scope or "nnstudio")
        self.ctl = ProjectController(self)
        self.runner = TrainingRunner(self.ctl, self)
        self.files = FileActions(self, self.ctl, self.settings)
        self.recovery = RecoveryManager(self.ctl, settings_scope or "nnstudio", parent=self)
        self.ctl.confirm_stop_training = self._confirm_stop_training
        self._make_actions()

        self.canvas = NetworkCanvasWidget(self.ctl)
        self.views = TrainingViewsPanel()
        # The doctor's fix buttons under the loss curve, proofs of fixes, blow-ups.
        self.doctor = LiveDoctor(self.ctl, self.runner, self.views, self)
        self.messages = MessageBar()
        centre = QWidget()
        lay = QVBoxLayout(centre)
        lay.setContentsMargins(4, 4, 4, 0)
        lay.addWidget(self.messages)
        split = QSplitter(Qt.Vertical)
        split.setObjectName("centre_split")
        split.addWidget(self.canvas)
        split.addWidget(self.views)
        # Half and half: at 3:2 the plots got ~200 px on a 1366x768 laptop, too flat to read a
        # curve from across a classroom, while the network looks the same at 300 px.
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([1000, 1000])
        lay.addWidget(split, 1)
        self.setCentralWidget(centre)

        self.palette = LayerPaletteWidget(self.ctl)
        self.data_panel = DataPanel(self.ctl, settings=self.settings)
        self.inspector = LayerInspectorPanel(self.ctl)
        self.training_panel = TrainingPanel(self.ctl, self.actions)
        self._dock("Layers", self.palette, Qt.LeftDockWidgetArea, "palette_dock")
        self._dock("Data", self.data_panel, Qt.LeftDockWidgetArea, "data_dock")
        # The table of rows shares the data's place, a tab away ("Show rows" opens it).
        self.rows_panel = DataRowsPanel(self.ctl)
        rows_dock = self._dock("Rows", self.rows_panel, Qt.LeftDockWidgetArea, "rows_dock")
        self.tabifyDockWidget(self._docks["data_dock"], rows_dock)
        self._docks["data_dock"].raise_()
        self.data_panel.rows_requested.connect(lambda: (rows_dock.show(), rows_dock.raise_()))
        self.rows_switch = RowsDockSwitch(rows_dock, self.ctl)  # no Rows tab for pictures
        self._dock("Layer settings", self.inspector, Qt.RightDockWidgetArea, "inspector_dock")
        self._dock("Training", self.training_panel, Qt.RightDockWidgetArea, "training_dock")
        self._make_magnifier()
        self.gallery = attach_gallery(self)  # the "Pictures" tab, for picture data
        self.pad = attach_pad(self)          # the drawing pad (Ctrl+D), for picture data
        self._make_menus()
        self._make_status_bar()
        self._connect()
        self.setAcceptDrops(True)
        self._wheel_guard = WheelGuard(self)
        self._wheel_guard.install(QApplication.instance(), self)
        screen = self.screen() or QApplication.primaryScreen()
        self.resize(initial_size(screen.availableGeometry().size()) if screen else DEFAULT_SIZE)
        # The layer settings need more room than the training settings below them.
        self.resizeDocks([self._docks["inspector_dock"], self._docks["training_dock"]], [470, 330],
                         Qt.Vertical)
        # Narrow side panels by default: on a 1280-1366 px laptop screen the network and the
        # plots get the room, and the right panel still shows all of its buttons.
        self.resizeDocks([self._docks["data_dock"], self._docks["training_dock"]], [370, 340],
                         Qt.Horizontal)
        self._restore_layout()
        self._on_runner_state("idle")
        self._update_title()

    # ------------------------------------------------------------------ construction
    def _dock(self, title: str, widget: QWidget, area, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable
                         | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        self._view_menu_docks = getattr(self, "_view_menu_docks", []) + [dock]
        self._docks = dict(getattr(self, "_docks", {}), **{name: dock})
        return dock

    def _action(self, key: str, text: str, slot, shortcut=None, tip: str = "", or_key: str = "") -> QAction:
        """``or_key``: a second key the window handles itself (Space, Esc: see keyPressEvent)."""
        a = QAction(text, self)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.WindowShortcut)
        keys = a.shortcut().toString(QKeySequence.NativeText) + (f" or {or_key}" if or_key else "")
        a.setToolTip(f"{tip} ({keys})" if shortcut else tip)
        a.setStatusTip(tip)
        a.triggered.connect(slot)
        self.actions[key] = a
        return a

    def _make_actions(self) -> None:
        self.actions: dict[str, QAction] = {}
        f, r = self.files, self.runner
        self._action("new", "&New project", f.new_project, QKeySequence.New, "Start a new project")
        self._action("open", "&Open…", f.open_dialog, QKeySequence.Open, "Open a saved project")
        self._action("save", "&Save", f.save, QKeySequence.Save, "Save the project")
        self._action("save_as", "Save &as…", f.save_as, QKeySequence.SaveAs, "Save under a new name")
        self._action("import_csv", "Import &CSV…", lambda: self.data_panel.open_csv_dialog(),
                     "Ctrl+I", "Load your own data from a CSV file")
        self._action("import_images", "Open image &folder…",
                     lambda: self.data_panel.open_image_folder_dialog(), "Ctrl+Shift+I",
                     "Load your own pictures: a folder with one sub-folder per class")
        self._action("quit", "&Quit", self.close, QKeySequence.Quit, "Close nnstudio")
        undo = self.ctl.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.Undo)
        redo = self.ctl.undo_stack.createRedoAction(self, "&Redo")
        # Ctrl+Shift+Z and Ctrl+Y everywhere, plus the platform's own; each once: the same
        # sequence twice on one action is "ambiguous" to Qt and then does nothing at all.
        keys = [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y"),
                *QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)]
        redo.setShortcuts(list({k.toString(): k for k in keys if not k.isEmpty()}.values()))
        self.actions["undo"], self.actions["redo"] = undo, redo
        self._action("delete", "&Delete layer", lambda: self.ctl.remove_layer(self.ctl.selected),
                     QKeySequence.Delete, "Remove the selected layer")
        self.actions["delete"].setShortcutContext(Qt.WidgetWithChildrenShortcut)
        self._action("train", "Train", r.start, "F5", "Train the network with these settings", "Space")
        self._action("pause", "Pause", self._on_pause_triggered, "F6", "Pause or resume training", "Space")
        self._action("stop", "Stop", lambda: r.stop(), "Shift+F5",
                     "Stop training; the weights so far are kept", "Esc")
        self._action("step", "Step epoch", r.step, "F10", "Train exactly one more epoch, then stop")
        self._action("reset", "Reset weights", self.ctl.reset_weights, "Ctrl+R",
                     "Start again from new random weights (the history is cleared; Undo brings both back)")
        self._action("help", "Getting started", lambda: getting_started(self), QKeySequence.HelpContents,
                     "A short tour: what to do first")
        self._action("glossary", "&Glossary", lambda: open_glossary(key_near(), self), "Shift+F1",
                     "The words of training in plain sentences; opens at the word of the setting "
                     "under the mouse")
        # Toolbar copies of undo/redo with fixed labels: the menu's "Undo Set neurons to 32"
        # would make every later toolbar button jump sideways as the text changes.
        stack = self.ctl.undo_stack
        self._action("tb_undo", "Undo", stack.undo, None, "Undo the last change to the network (Ctrl+Z)")
        self._action("tb_redo", "Redo", stack.redo, None, "Redo what was undone (Ctrl+Shift+Z)")
        a = self.actions
        a["tb_undo"].setEnabled(False)
        a["tb_redo"].setEnabled(False)
        stack.canUndoChanged.connect(a["tb_undo"].setEnabled)
        stack.canRedoChanged.connect(a["tb_redo"].setEnabled)
        stack.undoTextChanged.connect(
            lambda t: a["tb_undo"].setToolTip(f"Undo: {t} (Ctrl+Z)" if t else "Undo"))
        stack.redoTextChanged.connect(
            lambda t: a["tb_redo"].setToolTip(f"Redo: {t} (Ctrl+Shift+Z)" if t else "Redo"))
        icons = {"new": QStyle.SP_FileIcon, "open": QStyle.SP_DialogOpenButton,
                 "save": QStyle.SP_DialogSaveButton,
                 "tb_undo": QStyle.SP_ArrowBack, "tb_redo": QStyle.SP_ArrowForward,
                 "train": QStyle.SP_MediaPlay, "pause": QStyle.SP_MediaPause,
                 "stop": QStyle.SP_MediaStop, "step": QStyle.SP_MediaSkipForward,
                 "reset": QStyle.SP_BrowserReload, "help": QStyle.SP_DialogHelpButton}
        for key, icon in icons.items():
            a[key].setIcon(self.style().standardIcon(icon))

    def _make_magnifier(self) -> None:
        """The magnifying glass: a tab beside the training settings (the toolbar keeps the run
        buttons in sight), closed until asked for (Ctrl+M, the toolbar) or until a sample is
        chosen in the data plot or table."""
        self.magnifier = Magnifier(self.ctl, self.runner, self)
        self.lesson = MagnifyingGlassPanel(self.ctl, self.magnifier)
        dock = self._dock("Magnifying glass", self.lesson, Qt.RightDockWidgetArea, "lesson_dock")
        # Tabified when first opened: tabified here and hidden, Qt left the group's tab bar
        # painted over the middle of the window.
        dock.hide()
        dock.toggleViewAction().toggled.connect(self.magnifier.set_active)
        dock.toggleViewAction().triggered.connect(lambda on: on and self._place_magnifier())
        connect_canvas(self.magnifier, self.canvas, self.lesson)
        self.ctl.sample_chosen.connect(lambda i: i >= 0 and self.show_magnifier())
        self._action("magnifier", "Magnifying glass", self.show_magnifier, "Ctrl+M",
                     "Follow one sample through one training step, with every number")
        self.actions["magnifier"].setIcon(self.style().standardIcon(QStyle.SP_FileDialogContentsView))
        self.addAction(self.actions["magnifier"])  # Ctrl+M also with the toolbar hidden

    def _place_magnifier(self) -> None:
        """The first time it opens: a tab beside the training settings (later, where the user
        put it)."""
        dock, training = self._docks["lesson_dock"], self._docks["training_dock"]
        if not getattr(self, "_magnifier_placed", False) and not dock.isFloating() \
                and not training.isFloating() and not training.isHidden():
            self.tabifyDockWidget(training, dock)
        self._magnifier_placed = True

    def show_magnifier(self) -> None:
        dock = self._docks["lesson_dock"]
        if dock.isHidden():  # opening: most of the right column (on a laptop it needs it)
            self._place_magnifier()
            dock.show()
            above = self._docks["inspector_dock"]
            if not above.isHidden() and not above.isFloating() and not dock.isFloating():
                h = above.height() + max(dock.height(), self._docks["training_dock"].height())
                self.resizeDocks([above, dock], [int(h * 0.25), int(h * 0.75)], Qt.Vertical)
        dock.raise_()
        self.lesson.setFocus(Qt.OtherFocusReason)

    def _make_menus(self) -> None:
        a, mb = self.actions, self.menuBar()
        m = mb.addMenu("&File")
        for key in ("new", "open"):
            m.addAction(a[key])
        self.recent_menu = m.addMenu("Open &recent")
        m.addSeparator()
        for key in ("save", "save_as", "import_csv", "import_images"):
            m.addAction(a[key])
        m.addSeparator()
        m.addAction(a["quit"])
        m = mb.addMenu("&Edit")
        for key in ("undo", "redo", "delete"):
            m.addAction(a[key])
        m = mb.addMenu("&Train")
        for key in ("train", "pause", "stop", "step", "reset"):
            m.addAction(a[key])
        self.experiments = ExperimentActions(self, m)  # "Which learning rate?…", "Would more data help?…"
        self.augment = AugmentActions(self, m)  # "Augmentation…" (pictures)
        m = mb.addMenu("&View")
        for dock in self._view_menu_docks:
            m.addAction(dock.toggleViewAction())
        m = mb.addMenu("&Help")
        m.addAction("About nnstudio", lambda: about(self))
        m.addAction(a["help"])
        m.addAction(a["glossary"])
        tb = self.addToolBar("Main")
        tb.setObjectName("main_toolbar")
        tb.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        for key in ("new", "open", "save", None, "tb_undo", "tb_redo", None,
                    "train", "pause", "stop", "step", None, "magnifier"):
            tb.addSeparator() if key is None else tb.addAction(a[key])
        self.canvas.addAction(a["delete"])
        self._fill_recent(self.files.recent())

    def _make_status_bar(self) -> None:
        self.status = RunStatus(self.statusBar(), self.ctl, self.runner, self)
        self._run_failed = False
        self._verdict = ""  # the last run's summary, while it is on show

    def _connect(self) -> None:
        c, r = self.ctl, self.runner
        c.message_posted.connect(self.messages.show_message)
        # A successful edit answers an earlier error (e.g. a rejected neuron count).
        c.undo_stack.indexChanged.connect(
            lambda _i: self.messages.level == "error" and self.messages.clear_message())
        c.dirty_changed.connect(lambda _d: self._update_title())
        c.path_changed.connect(lambda _p: self._update_title())
        c.dataset_changed.connect(self._on_ctl_dataset_changed)
        c.history_changed.connect(lambda: self.views.set_history(c.project.history))
        c.epoch_recorded.connect(self.views.on_epoch)
        # The views show the network as it is now (after an edit, a reset, a load), once all
        # the signals of one change have arrived.
        self._idle_snapshot = QTimer(self)
        self._idle_snapshot.setSingleShot(True)
        self._idle_snapshot.setInterval(0)
        self._idle_snapshot.timeout.connect(self._show_idle_snapshot)
        c.weights_changed.connect(self._idle_snapshot.start)
        c.dataset_changed.connect(self._idle_snapshot.start)
        r.snapshot_ready.connect(self.views.on_snapshot)
        self.views.boundary.sample_clicked.connect(c.choose_sample)
        c.sample_chosen.connect(self.views.boundary.show_chosen)
        r.snapshot_ready.connect(lambda snap: self.canvas.show_weights(list(snap.weights)))
        r.state_changed.connect(self._on_runner_state)
        r.state_changed.connect(lambda state: state != "running" and self.recovery.autosave_soon())
        r.epoch_finished.connect(self._on_runner_epoch)
        r.run_finished.connect(self._on_runner_finished)
        r.run_failed.connect(self._on_runner_failed)
        c.history_changed.connect(self._on_ctl_history_changed)
        for sig in (c.network_changed, c.dataset_changed, c.history_changed):  # after the hint
            sig.connect(self._sync_train_actions)
        self.training_panel.learning_rate_edited.connect(r.set_learning_rate)
        self.training_panel.speed_edited.connect(r.set_speed)
        self.files.recent_changed.connect(self._fill_recent)

    # ------------------------------------------------------------------ model -> UI
    def _on_ctl_dataset_changed(self) -> None:
        split = self.ctl.scaled_split
        self.views.set_dataset(split.train if split is not None else None, self.ctl.scaler)

    def _show_idle_snapshot(self) -> None:
        # Only when idle: during a run (even paused) the worker thread owns the weights.
        ctl = self.ctl
        if self.runner.state == "idle" and ctl.network is not None and ctl.dataset is not None:
            self.views.on_snapshot(snapshot_for(ctl.network, ctl.scaled_split, ctl.dataset.n_classes,
                                                len(ctl.project.history.get("epoch", []))))

    def _on_ctl_history_changed(self) -> None:
        h = self.ctl.project.history
        if not h.get("epoch"):
            self.status.run_end = "none"
            self.status.last_record = None
            if self._verdict and self.messages.text.text() == self._verdict:
                self.messages.clear_message()  # those results are gone with the history
            self._verdict = ""
            self.messages.set_hint(
                "The network changed, so its history starts again; the layers you did not change "
                "keep what they learned. Train (F5) goes on from there; Reset weights (Ctrl+R) "
                "starts from scratch." if self.ctl.kept_learning else
                "Ready: press Train (F5) to train this network, or change it first.")
        elif self.runner.state == "idle":
            acc = next((v for v in reversed(h.get("val_acc", [])) if v is not None), None)
            result = f"; validation accuracy {acc:.1%}" if acc is not None else ""
            self.messages.set_hint(f"Trained for {len(h['epoch'])} epochs so far{result}. Train (F5) "
                                   "continues from here; Reset weights (Ctrl+R) starts again.")
        self.status.refresh()

    def _update_title(self) -> None:
        name = os.path.basename(self.ctl.path) if self.ctl.path else self.ctl.project.name
        self.setWindowTitle(f"{name}[*] — nnstudio")
        self.setWindowModified(self.ctl.dirty)

    def _fill_recent(self, files: list) -> None:
        self.recent_menu.clear()
        for path in files:
            act = self.recent_menu.addAction(os.path.basename(path))
            act.setToolTip(path)
            act.triggered.connect(lambda _=False, p=path: self.files.open_path(p))
        self.recent_menu.setEnabled(bool(files))

    # ------------------------------------------------------------------ training
    def _on_pause_triggered(self) -> None:
        if self.runner.state == "running":
            self.runner.pause()
        elif self.runner.state == "paused":
            self.runner.resume()

    def keyPressEvent(self, e) -> None:  # Qt override
        """Space starts, pauses and resumes training, Esc stops it (as in TensorFlow Playground).

        Not shortcuts: a key reaches the window only when the focused widget did not use it,
        so Space still types a space in a text box, ticks a check box, opens a combo box or
        picks a list row, and Esc still closes what it closes there.
        """
        key, plain = e.key(), e.modifiers() == Qt.NoModifier
        if key == Qt.Key_Space and plain:
            if not e.isAutoRepeat():  # holding Space down must not flicker between run and pause
                self.runner.toggle()
            e.accept()
        elif key == Qt.Key_Escape and plain and self.runner.state != "idle":
            self.runner.stop()
            e.accept()
        else:
            super().keyPressEvent(e)

    def _on_runner_state(self, state: str) -> None:
        a = self.actions
        idle = state == "idle"
        if state == "running" and self.status.run_end is not None:
            self._run_failed, self.status.run_end = False, None  # a new run
            self.messages.clear_message()  # whatever it said belongs to before this run
        if state == "running":
            self.messages.set_hint("Training… you can change the learning rate and the speed at any time; "
                                   "Space pauses to look closely, Esc stops and keeps the weights learned "
                                   "so far.")
        elif state == "paused":
            self.messages.set_hint("Paused. Look around the views; Step epoch (F10) trains one more epoch, "
                                   "Space carries on.")
        a["train"].setEnabled(idle)
        a["pause"].setEnabled(not idle)
        a["pause"].setText("Resume" if state == "paused" else "Pause")
        a["pause"].setIcon(self.style().standardIcon(QStyle.SP_MediaPlay if state == "paused"
                                                     else QStyle.SP_MediaPause))
        a["stop"].setEnabled(not idle)
        a["reset"].setEnabled(idle)
        self._sync_train_actions()
        self.status.set_active(not idle)
        self.canvas.setToolTip(CANVAS_TIPS[state])

    def _sync_train_actions(self, *_args) -> None:
        """While a layer does not fit (drawn red on the canvas) Train and Step epoch are off,
        their tooltip and the hint line saying why."""
        idle = self.runner.state == "idle"
        problem = self.ctl.network_problem() if idle and self.ctl.dataset is not None else None
        for key, tip in (("train", "Train the network with these settings"),
                         ("step", "Train exactly one more epoch, then stop")):
            self.actions[key].setEnabled(not problem and (idle or key == "step"))
            self.actions[key].setToolTip(f"Cannot train yet: {problem}" if problem else tip)
        if problem:
            self.messages.set_hint(f"Cannot train yet: {problem}")

    def _on_runner_epoch(self, rec) -> None:
        self.status.last_record = rec

    def _on_runner_failed(self, message: str) -> None:
        self._run_failed = True
        self.messages.set_hint("The last run stopped early: " + message.split(". ")[0] + ".")

    def _on_runner_finished(self, reason: str) -> None:
        self.status.run_end = reason
        self.status.refresh()
        ctl = self.ctl
        if self._run_failed or ctl.network is None or ctl.scaled_split is None:
            return
        if self.runner.single_step and reason == "completed":
            # A verdict on one epoch would judge too early ("it learned nothing").
            n = len(ctl.project.history.get("epoch", []))
            self.messages.set_hint(f"Trained one more epoch ({n:,} so far). Step epoch (F10) trains "
                                   "another; Train (F5) or Space goes on for the whole run.")
            return
        test = ctl.scaled_split.test
        test_metrics = self.runner.test_metrics  # scored by the worker when the run completed
        if test_metrics is None and len(test.X):
            test_metrics = ctl.network.evaluate(test.X, test.y)
        lr = ctl.project.training["optimizer"]["config"].get("learning_rate", 0.01)
        errors = None
        if ctl.dataset.task == "regression":  # mean absolute error, as the Fit view shows it
            errors = tuple(regression_scores(ctl.network, part.X, part.y).get("mean_abs_error")
                           if len(part.X) else None for part in (ctl.scaled_split.val, test))
        metrics = self.views.metrics
        metrics.flush()  # its tips under the loss plot are said there, not again here
        text, level = summarize_run(ctl.project.history, self.runner.run_start, ctl.dataset,
                                    ctl.scaled_split.val.y, test_metrics, lr, errors,
                                    highest_rate=self.runner.highest_rate,
                                    stopped=reason == "stopped", for_="window",
                                    run_end=self.status.last_record if reason == "completed" else None,
                                    leave_out={f.kind for f in metrics.hints})
        self.messages.set_hint(text)
        self._verdict = text
        ctl.message_posted.emit(text, level)

    def _confirm_stop_training(self) -> bool:
        answer = QMessageBox.question(
            self, "Stop training?",
            f"Training is {'paused' if self.runner.state == 'paused' else 'running'}. To change the "
            "network or the data, this run has to stop first (the weights learned so far are kept). "
            "Stop training now?",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer != QMessageBox.Yes:
            return False
        self.runner.stop()
        return True

    # ------------------------------------------------------------------ window
    def _restore_layout(self) -> None:
        geo = self.settings.value("geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        state = self.settings.value("window_state")
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event) -> None:  # Qt override
        # Hold training while asking: what is saved is then what the window shows, and
        # "Cancel" carries on from there.
        was_running = self.ctl.dirty and self.runner.state == "running"
        if was_running:
            self.runner.pause_and_wait()
        if not self.files.maybe_save():
            if was_running:
                self.runner.resume()
            event.ignore()
            return
        self.runner.stop()
        self.doctor.shutdown()
        self.data_panel.shutdown()
        self.gallery.shutdown()
        self.augment.shutdown()
        self.recovery.shutdown()  # a normal close: nothing to recover next time
        self.settings.setValue("geometry", self.saveGeometry())
        self.rows_switch.before_saving_layout()
        self.settings.setValue("window_state", self.saveState())
        event.accept()

    def dragEnterEvent(self, event) -> None:  # Qt override: CSV or project files, image folders
        if any(u.toLocalFile().lower().endswith((".csv", ".tsv", ".txt", ".nnproj"))
               or (u.isLocalFile() and os.path.isdir(u.toLocalFile())) for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # Qt override
        for url in event.mimeData().urls():
            path = url.toLocalFile()
            if path.lower().endswith(".nnproj"):
                self.files.open_path(path)
            elif path.lower().endswith((".csv", ".tsv", ".txt")):
                self.data_panel.open_csv(path)
            elif url.isLocalFile() and os.path.isdir(path):
                self.data_panel.open_image_folder(path)
            else:
                continue
            event.acceptProposedAction()
            return
