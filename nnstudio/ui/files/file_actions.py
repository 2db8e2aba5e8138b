"""New / Open / Save / Save As / recent files, and the "save changes?" question."""
from __future__ import annotations

import os

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from nnstudio.data import load_builtin, load_dataset_source
from nnstudio.engine import Network
from nnstudio.errors import ConfigError, NNStudioError
from nnstudio.project import FILE_SUFFIX, Project, demo_project, load_project, save_project
from nnstudio.project.build import check_fits, output_layer_config

MAX_RECENT = 8
#: Epochs a second the demo opens with: 200 epochs in 20 s, each step of the views visible.
DEMO_SPEED = 10
FILE_FILTER = f"nnstudio projects (*{FILE_SUFFIX})"


class _WaitCursor:
    def __enter__(self):
        QGuiApplication.setOverrideCursor(Qt.WaitCursor)

    def __exit__(self, *exc):
        QGuiApplication.restoreOverrideCursor()


_DEFAULT_NAMES = ("Untitled", "Spiral demo")


class FileActions(QObject):
    """File handling for the main window; errors go to the controller's message area."""

    recent_changed = Signal(list)

    def __init__(self, window, ctl, settings: QSettings):
        super().__init__(window)
        self._window = window
        self._ctl = ctl
        self._settings = settings

    # ------------------------------------------------------------------ opening
    def open_demo(self) -> None:
        p = demo_project()
        p.name = "Spiral demo"
        # Its 200 epochs take under a second at full speed: over before a class has looked.
        p.training["epochs_per_second"] = DEMO_SPEED
        self._ctl.load(p, load_dataset_source(p.data_source))

    def new_project(self) -> None:
        """A fresh project on the two-class spiral with only the output layer to start from."""
        if not self.maybe_save():
            return
        ds = load_builtin("spiral")
        p = Project(name="Untitled", data_source=ds.source)
        p.network = {"n_inputs": ds.n_features, "loss": "auto", "layers": [output_layer_config(ds)]}
        self._ctl.load(p, ds)

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QFileDialog.getOpenFileName(self._window, "Open project", self._last_dir(), FILE_FILTER)
        if path:
            self.open_path(path, ask=False)

    def open_path(self, path: str, ask: bool = True) -> bool:
        """Open a project file; on any problem, say why and keep the current project."""
        if ask and not self.maybe_save():
            return False
        relocated = False
        try:
            with _WaitCursor():
                project = load_project(path)
            relocated = self._find_missing_csv(project, path)
            if relocated is None:
                return False  # the user did not look for it: keep the current project
            with _WaitCursor():
                dataset = load_dataset_source(project.data_source)
            if project.network:
                try:
                    check_fits(Network.from_config(project.network), dataset)
                except NNStudioError as exc:
                    changed = " The data file has changed since the project was saved." \
                        if project.data_source.get("kind") == "csv" else ""
                    raise ConfigError(f"{exc}{changed}") from None
        except NNStudioError as exc:
            self._ctl.message_posted.emit(f"Could not open {os.path.basename(path)}: {exc}", "error")
            self._forget_missing(path)
            return False
        except OSError as exc:
            self._ctl.message_posted.emit(f"Could not open {os.path.basename(path)}: "
                                          f"{exc.strerror or exc}", "error")
            self._forget_missing(path)
            return False
        self._ctl.load(project, dataset, path=os.path.abspath(path))
        if relocated:
            self._ctl.touch()  # the new place of the data is worth saving
        self._add_recent(os.path.abspath(path))
        # One message: the bar shows only the last one, so a separate warning about changed
        # data was replaced at once by "Opened ..." and never seen.
        notes = " ".join(filter(None, [*project.notes, self.data_changed_text()]))
        self._ctl.message_posted.emit(f"Opened {os.path.basename(path)}. {notes}".strip(),
                                      "warning" if notes else "info")
        return True

    def _find_missing_csv(self, project, project_path: str) -> bool | None:
        """When the project's CSV is gone, offer to look for it. False: nothing was missing;
        True: the user picked the file (``project.data_source`` now points there); None: the
        user declined."""
        source = project.data_source
        if source.get("kind") != "csv" or os.path.exists(str(source.get("path", ""))):
            return False
        name = os.path.basename(str(source.get("path", "")).replace("\\", "/"))
        answer = QMessageBox.question(
            self._window, "Data file not found",
            f"“{os.path.basename(project_path)}” learns from “{name}”, which is no longer at "
            f"{source.get('path')}. Find the file? (The network and its history are kept.)",
            QMessageBox.Open | QMessageBox.Cancel, QMessageBox.Open)
        if answer != QMessageBox.Open:
            return None
        found, _ = QFileDialog.getOpenFileName(self._window, f"Where is {name}?",
                                               os.path.dirname(os.path.abspath(project_path)),
                                               "Data files (*.csv *.tsv *.txt);;All files (*)")
        if not found:
            return None
        project.data_source = {**source, "path": os.path.abspath(found)}
        return True

    # ------------------------------------------------------------------ saving
    def save(self) -> bool:
        if not self._ctl.path:
            return self.save_as()
        return self._save_to(self._ctl.path)

    def data_changed_text(self) -> str:
        """What changed when the loaded project's weights were trained on other rows of its
        data, with the remedy; "" when nothing did."""
        changed = self._ctl.session.data_changed()
        return (f"{changed} Reset weights (Ctrl+R) and train again for scores you can trust."
                if changed else "")

    def warn_if_data_changed(self) -> None:
        """Say so when the loaded project's weights were trained on other rows of its data."""
        text = self.data_changed_text()
        if text:
            self._ctl.message_posted.emit(text, "warning")

    def save_as(self) -> bool:
        start = self._ctl.path or os.path.join(self._last_dir(), self._suggested_name() + FILE_SUFFIX)
        path, _ = QFileDialog.getSaveFileName(self._window, "Save project as", start, FILE_FILTER)
        if not path:
            return False
        if not path.endswith(FILE_SUFFIX):
            path += FILE_SUFFIX
        return self._save_to(path)

    def _suggested_name(self) -> str:
        """The project's name, or, while it still has a default one, its data's name."""
        name = self._ctl.project.name
        if name in _DEFAULT_NAMES and self._ctl.dataset is not None and self._ctl.dataset.name:
            name = os.path.splitext(self._ctl.dataset.name)[0]
        return "".join(c for c in name if c not in '<>:"/\\|?*').strip() or "Untitled"

    def _save_to(self, path: str) -> bool:
        project = self._ctl.project_to_save()
        if project.name in _DEFAULT_NAMES or not project.name:
            project.name = os.path.splitext(os.path.basename(path))[0]
            self._ctl.project.name = project.name
        try:
            with _WaitCursor():
                save_project(project, path)
        except (NNStudioError, OSError) as exc:
            # save_project writes beside the file and replaces it, so the old file is intact.
            self._ctl.message_posted.emit(f"Could not save {os.path.basename(path)}: {exc} "
                                          "The previous version of the file is unchanged.", "error")
            return False
        self._ctl.mark_saved(os.path.abspath(path))
        self._add_recent(os.path.abspath(path))
        self._ctl.message_posted.emit(f"Saved {os.path.basename(path)}.", "info")
        return True

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False means the user cancelled."""
        if not self._ctl.dirty:
            return True
        name = os.path.basename(self._ctl.path) if self._ctl.path else self._ctl.project.name
        answer = QMessageBox.question(
            self._window, "Save changes?",
            f"“{name}” has changes that are not saved. Save them before closing it?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    # ------------------------------------------------------------------ recent files
    def recent(self) -> list[str]:
        value = self._settings.value("recent_files", [])
        if isinstance(value, str):  # QSettings returns a bare string for one-element lists
            value = [value]
        return [p for p in (value or []) if isinstance(p, str)]

    def _add_recent(self, path: str) -> None:
        files = [path] + [p for p in self.recent() if p != path]
        self._settings.setValue("recent_files", files[:MAX_RECENT])
        self._settings.setValue("last_dir", os.path.dirname(path))
        self.recent_changed.emit(files[:MAX_RECENT])

    def _forget_missing(self, path: str) -> None:
        if not os.path.exists(path) and path in self.recent():
            files = [p for p in self.recent() if p != path]
            self._settings.setValue("recent_files", files)
            self.recent_changed.emit(files)

    def _last_dir(self) -> str:
        return start_folder(self._ctl, self._settings)


def start_folder(ctl, settings: QSettings, first: tuple = ()) -> str:
    """The folder a file dialog opens in: the first that still exists of ``first``, the current
    project's folder, its CSV file's folder, the last project folder, the folders of the recent
    files, the last CSV folder; the home folder only when none is left.

    A class keeps its projects and data together in one folder: opening in the home folder
    made every pupil look for it again each time.
    """
    source = ctl.project.data_source or {}
    recent = settings.value("recent_files", []) or []
    if isinstance(recent, str):  # QSettings returns a bare string for one-element lists
        recent = [recent]
    candidates = [*first,
                  os.path.dirname(ctl.path) if ctl.path else None,
                  os.path.dirname(str(source["path"])) if source.get("kind") == "csv" and source.get("path")
                  else None,
                  settings.value("last_dir"),
                  *(os.path.dirname(p) for p in recent if isinstance(p, str)),
                  settings.value("last_csv_dir")]
    for folder in candidates:
        if isinstance(folder, str) and folder and os.path.isdir(folder):
            return folder
    return os.path.expanduser("~")
