"""The augmentation dialog (Train > Augmentation…, pictures only): the settings with a preview
from the very pipeline the trainer uses, the class-change check and the with/without
comparison. The maths are Qt-free (:mod:`nnstudio.data.augment`, ``augment_check``,
:mod:`nnstudio.trainer.augment_compare`); this only shows and forwards."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnstudio.data.augment import AugmentPipeline, default_pipeline
from nnstudio.data.augment_check import class_change_check, plural
from nnstudio.data.images_bundled import PHOTOS, load_photo
from nnstudio.errors import NNStudioError
from nnstudio.project.run_policies import run_policies
from nnstudio.ui.augment.preview_grid import PreviewGridWidget
from nnstudio.ui.augment.settings_form import AugmentSettingsWidget
from nnstudio.ui.task_runner import TaskRunner

_VERDICT_COLOUR = {"safe": "#2e7d32", "changes_some": "#b26a00", "changes_class": "#c62828"}


def pipeline_of(training: dict) -> AugmentPipeline | None:
    """The project's pipeline (``training["augment"]``), or None."""
    spec = training.get("augment")
    if isinstance(spec, dict) and spec.get("class") == "AugmentPipeline":
        return AugmentPipeline.from_config(spec.get("config", {}))
    return None


class AugmentDialog(QDialog):
    """Non-modal: the window stays usable while it is open (the check and the compare runs
    work in threads)."""

    def __init__(self, ctl, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Augmentation")
        self._ctl = ctl
        self.seed = 0
        self.sample = max(ctl.chosen_sample, 0)
        self.report = None
        self.comparison = None
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._settings_tab(), "Settings and preview")
        self.tabs.addTab(self._check_tab(), "Does it keep the class?")
        self.tabs.addTab(self._compare_tab(), "Does it help?")
        self.check_runner = TaskRunner("class-change check", self)
        self.check_runner.progressed.connect(lambda f: self.check_progress.setValue(int(f * 100)))
        self.check_runner.answered.connect(self._on_check_answered)
        self.check_runner.failed.connect(self._on_check_failed)
        self.check_runner.busy_changed.connect(self._on_check_busy)
        self.compare_runner = TaskRunner("comparison", self)
        self.compare_runner.progressed.connect(lambda f: self.compare_progress.setValue(int(f * 100)))
        self.compare_runner.answered.connect(self._on_compare_answered)
        self.compare_runner.failed.connect(self._on_compare_failed)
        self.compare_runner.busy_changed.connect(self._on_compare_busy)
        self._load_from_project()
        ctl.dataset_changed.connect(self._on_data_changed)
        ctl.weights_changed.connect(self._update_check_state)
        self.resize(900, 640)

    # ------------------------------------------------------------------ tabs
    def _settings_tab(self) -> QWidget:
        page = QWidget()
        row = QHBoxLayout(page)
        left = QVBoxLayout()
        self.use = QCheckBox("Use augmentation when training")
        self.use.setToolTip("On: every epoch, training pictures are changed at random as set "
                            "below (validation and test pictures never are). Saved with the project.")
        self.use.toggled.connect(self._on_settings_edited)
        left.addWidget(self.use)
        self.form = AugmentSettingsWidget()
        self.form.pipeline_edited.connect(self._on_settings_edited)
        left.addWidget(self.form)
        self.rules_label = QLabel()
        self.rules_label.setWordWrap(True)
        left.addWidget(self.rules_label)
        self.clear_rules = QPushButton("Clear the class rules")
        self.clear_rules.setToolTip("Let every transform touch every class again")
        self.clear_rules.clicked.connect(lambda: self.form.set_rules({}))
        left.addWidget(self.clear_rules)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b26a00;")
        left.addWidget(self.warning)
        left.addStretch(1)
        row.addLayout(left, 1)
        right = QVBoxLayout()
        source = QHBoxLayout()
        source.addWidget(QLabel("Preview on:"))
        self.source = QComboBox()
        self.source.addItem("a training picture", "train")
        for name in PHOTOS:
            self.source.addItem(f"the sample photo '{name}'", name)
        self.source.setToolTip("Which picture the preview changes: one of your training pictures, "
                               "or a colour photo that shows what brightness, contrast and colour do")
        self.source.currentIndexChanged.connect(lambda _i: self.refresh_preview())
        source.addWidget(self.source, 1)
        right.addLayout(source)
        self.grid = PreviewGridWidget()
        right.addWidget(self.grid)
        buttons = QHBoxLayout()
        self.reroll = QPushButton("Roll again")
        self.reroll.setShortcut(QKeySequence("Ctrl+R"))
        self.reroll.setToolTip("Draw new random versions of the same picture (Ctrl+R)")
        self.reroll.clicked.connect(self._on_reroll_clicked)
        self.another = QPushButton("Another picture")
        self.another.setShortcut(QKeySequence("Ctrl+N"))
        self.another.setToolTip("Preview a different training picture (Ctrl+N)")
        self.another.clicked.connect(self._on_another_clicked)
        buttons.addWidget(self.reroll)
        buttons.addWidget(self.another)
        buttons.addStretch(1)
        right.addLayout(buttons)
        right.addStretch(1)
        row.addLayout(right, 1)
        return page

    def _check_tab(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        intro = QLabel("The current model reads every validation picture it gets right once more "
                       "after each transform: does it still read the same class, another class, "
                       "or nothing clear? Checks your transforms and the usual traps (mirror, "
                       "upside down, half turn).")
        intro.setWordWrap(True)
        v.addWidget(intro)
        row = QHBoxLayout()
        self.check_button = QPushButton("Run the check")
        self.check_button.setToolTip("Measure it with the current trained model (runs in the "
                                     "background; Ctrl+K)")
        self.check_button.clicked.connect(self.start_check)
        QShortcut(QKeySequence("Ctrl+K"), page, self.start_check)
        self.check_cancel = QPushButton("Cancel")
        self.check_cancel.clicked.connect(lambda: self.check_runner.cancel())
        self.check_progress = QProgressBar()
        self.check_progress.setRange(0, 100)
        for w in (self.check_button, self.check_cancel, self.check_progress):
            row.addWidget(w)
        v.addLayout(row)
        self.check_text = QTextBrowser()
        self.check_text.setOpenLinks(False)
        v.addWidget(self.check_text, 1)
        self.apply_rules = QPushButton("Keep my transforms away from the classes they change")
        self.apply_rules.setToolTip("Adds per-class rules: a transform that keeps fewer than 70 % "
                                    "of a class's pictures in their class no longer touches that class")
        self.apply_rules.clicked.connect(self._on_apply_rules_clicked)
        v.addWidget(self.apply_rules)
        return page

    def _compare_tab(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        intro = QLabel("Train twice from the same fresh weights and seed, without and with this "
                       "augmentation, and compare the validation accuracy. The project's own "
                       "network and weights are not changed.")
        intro.setWordWrap(True)
        v.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(QLabel("Epochs:"))
        self.compare_epochs = QSpinBox()
        self.compare_epochs.setRange(1, 200)
        self.compare_epochs.setToolTip("Epochs of each run; augmented runs often need more to catch up")
        row.addWidget(self.compare_epochs)
        row.addWidget(QLabel("Seeds:"))
        self.compare_seeds = QSpinBox()
        self.compare_seeds.setRange(1, 5)
        self.compare_seeds.setValue(1)
        self.compare_seeds.setToolTip("How many pairs of runs (each pair its own seed); more seeds "
                                      "tell a real gain from luck")
        row.addWidget(self.compare_seeds)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Train without and with augmentation (in the background)")
        self.compare_button.clicked.connect(self.start_compare)
        self.compare_cancel = QPushButton("Cancel")
        self.compare_cancel.clicked.connect(lambda: self.compare_runner.cancel())
        self.compare_progress = QProgressBar()
        self.compare_progress.setRange(0, 100)
        for w in (self.compare_button, self.compare_cancel, self.compare_progress):
            row.addWidget(w)
        v.addLayout(row)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setLabel("bottom", "epoch")
        self.plot.setLabel("left", "validation accuracy (%)")
        self.plot.addLegend(offset=(-10, 10))
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.curve_without = self.plot.plot([], [], pen=pg.mkPen("#888888", width=2), name="without")
        self.curve_with = self.plot.plot([], [], pen=pg.mkPen("#1f77b4", width=2), name="with augmentation")
        v.addWidget(self.plot, 1)
        self.compare_text = QLabel()
        self.compare_text.setWordWrap(True)
        v.addWidget(self.compare_text)
        return page

    # ------------------------------------------------------------------ settings
    def _load_from_project(self) -> None:
        ds = self._ctl.dataset
        mine = pipeline_of(self._ctl.project.training)
        self.use.blockSignals(True)
        self.use.setChecked(mine is not None)
        self.use.blockSignals(False)
        if mine is None and ds is not None and ds.is_image:
            mine = default_pipeline(ds.sample_shape[-1], ds.class_names)
        self.form.set_pipeline(mine or AugmentPipeline())
        self.compare_epochs.setValue(min(int(self._ctl.project.training.get("epochs", 20)), 30))
        self._show_rules()
        self.refresh_preview()
        self._update_check_state()

    def pipeline(self) -> AugmentPipeline:
        """The pipeline of the settings (what training uses when it is switched on)."""
        return self.form.pipeline()

    def _on_settings_edited(self, *_args) -> None:
        pipeline = self.pipeline()
        spec = {"class": "AugmentPipeline", "config": pipeline.get_config()} if self.use.isChecked() else None
        try:
            run_policies({**self._ctl.project.training, "augment": spec})
        except NNStudioError as exc:
            self._ctl.message_posted.emit(str(exc), "error")
            return
        if self._ctl.project.training.get("augment") != spec:
            self._ctl.set_training(augment=spec)
        self._show_rules()
        self.refresh_preview()

    def _show_rules(self) -> None:
        pipeline = self.pipeline()
        lines = pipeline.describe()[len(pipeline.transforms):]
        self.rules_label.setText("Class rules: " + "; ".join(lines) if lines else "No class rules.")
        self.clear_rules.setEnabled(bool(lines))
        ds = self._ctl.dataset
        flips = [t.label for t in pipeline.transforms if t.name in ("flip_h", "flip_v")]
        from nnstudio.data.augment import characters

        symbols = ds is not None and characters(ds.class_names)
        self.warning.setText(f"{' and '.join(flips)} change digits and letters (a mirrored 3 is not "
                             "a 3): check it on the 'Does it keep the class?' tab."
                             if flips and symbols else "")

    # ------------------------------------------------------------------ preview
    def preview_image(self) -> tuple[np.ndarray | None, int | None, str]:
        """The picture the preview changes, its class number (or None) and a caption."""
        key = self.source.currentData()
        if key != "train":
            return load_photo(key), None, PHOTOS[key][1]
        data = self._ctl.scaled_split
        ds = self._ctl.dataset
        if data is None or ds is None or not ds.is_image or len(data.train.y) == 0:
            return None, None, ""
        i = self.sample % len(data.train.y)
        label = int(data.train.y[i])
        name = ds.class_names[label] if ds.class_names else str(label)
        return data.train.X[i], label, f"Training picture #{i} (class {name})"

    def refresh_preview(self) -> None:
        image, label, caption = self.preview_image()
        if image is None:
            return
        pipeline = self.pipeline()
        if image.shape[-1] == 3 and self.source.currentData() != "train":
            pipeline = AugmentPipeline(pipeline.transforms, fill="edge")  # a photo: no black corners
        self.grid.show_preview(pipeline, image, self.seed, label,
                               f"{caption}. Random draw {self.seed + 1}; "
                               + "; ".join(pipeline.describe()) + ".")

    def _on_reroll_clicked(self) -> None:
        self.seed += 1
        self.refresh_preview()

    def _on_another_clicked(self) -> None:
        data = self._ctl.scaled_split
        if data is not None and len(data.train.y):
            rng = np.random.default_rng(self.seed + 7919 * self.sample)
            self.sample = int(rng.integers(len(data.train.y)))
        self.source.setCurrentIndex(0)
        self.refresh_preview()

    def _on_data_changed(self) -> None:
        self.sample = max(self._ctl.chosen_sample, 0)
        self._load_from_project()

    # ------------------------------------------------------------------ class-change check
    def _update_check_state(self) -> None:
        trained = self._ctl.session.trained
        self.check_button.setEnabled(trained and not self.check_runner.busy)
        self.check_cancel.setEnabled(self.check_runner.busy)
        self.apply_rules.setEnabled(self.report is not None and bool(self.report.suggested_rules()))
        if not trained and self.report is None:
            self.check_text.setPlainText("Train the network first (without augmentation): the check "
                                         "asks the trained model what it reads.")

    def start_check(self) -> bool:
        ctl = self._ctl
        if not ctl.session.trained or self.check_runner.busy:
            return False
        from nnstudio.engine import Network

        data = ctl.scaled_split
        part = data.val if len(data.val.y) else data.train
        net = Network.from_config(ctl.network.get_config(), dtype=ctl.network.dtype)
        net.set_weights(ctl.network.get_weights())  # a copy: training may go on meanwhile
        X, y, names = part.X.copy(), np.asarray(part.y).copy(), list(ctl.dataset.class_names)
        pipeline = self.pipeline()
        augmented = ctl.project.training.get("augment") is not None

        def job(progress, cancelled):
            report = class_change_check(net.predict, X, y, names, pipeline, progress=progress,
                                        cancelled=cancelled)
            if augmented:
                report.notes.append("Training uses augmentation: if this model learned with it, it "
                                    "may read transformed pictures better than a model trained on "
                                    "clean ones.")
            return report

        self.check_progress.setValue(0)
        return self.check_runner.start(job)

    def _on_check_busy(self, busy: bool) -> None:
        self._update_check_state()

    def _on_check_answered(self, report) -> None:
        self.report = report
        self.check_text.setHtml(report_html(report))
        self._update_check_state()

    def _on_check_failed(self, message: str) -> None:
        self.check_text.setPlainText(message)

    def _on_apply_rules_clicked(self) -> None:
        if self.report is None:
            return
        rules = {k: {"forbid": list(v.get("forbid", []))} for k, v in self.pipeline().class_rules.items()
                 if "forbid" in v}
        for key, rule in self.report.suggested_rules().items():
            have = rules.setdefault(key, {"forbid": []})["forbid"]
            have.extend(n for n in rule["forbid"] if n not in have)
        self.form.set_rules(rules)

    # ------------------------------------------------------------------ compare
    def start_compare(self) -> bool:
        from nnstudio.doctor.prove import setup_from_session
        from nnstudio.trainer.augment_compare import compare_augmentation

        if self.compare_runner.busy:
            return False
        setup = setup_from_session(self._ctl.session)
        spec = {"class": "AugmentPipeline", "config": self.pipeline().get_config()}
        epochs, seeds = self.compare_epochs.value(), list(range(self.compare_seeds.value()))
        base = int(self._ctl.project.training.get("seed", 0))

        def job(progress, cancelled):
            return compare_augmentation(setup, spec, epochs, [base + s for s in seeds], cancelled, progress)

        self.compare_progress.setValue(0)
        self.compare_text.setText("Training without and with augmentation…")
        return self.compare_runner.start(job)

    def _on_compare_busy(self, busy: bool) -> None:
        self.compare_button.setEnabled(not busy)
        self.compare_cancel.setEnabled(busy)

    def _on_compare_answered(self, result) -> None:
        self.comparison = result
        for curve, runs in ((self.curve_without, result.without), (self.curve_with, result.with_augment)):
            curve.setData(*mean_curve(runs))
        self.compare_text.setText(" ".join([result.sentence, *result.notes]))

    def _on_compare_failed(self, message: str) -> None:
        self.compare_text.setText(message)

    # ------------------------------------------------------------------ closing
    def shutdown(self) -> None:
        self.check_runner.shutdown()
        self.compare_runner.shutdown()

    def done(self, result: int) -> None:
        self.shutdown()
        super().done(result)


def mean_curve(runs) -> tuple[np.ndarray, np.ndarray]:
    """Epochs and the mean validation accuracy (%) over the runs, as far as all of them went."""
    series = [[v for v in r.history["val_acc"]] for r in runs]
    n = min((len(s) for s in series), default=0)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    values = np.array([[np.nan if v is None else v for v in s[:n]] for s in series], float)
    return np.arange(1, n + 1, dtype=float), np.nanmean(values, axis=0) * 100


def report_html(report) -> str:
    """The check's result: a sentence per transform (coloured by verdict), then the table of the
    share each class keeps."""
    parts = [f"<p>{report.lines()[0]}</p>"]
    for p in report.probes:
        mark = "" if p.in_pipeline else " <i>(not in your settings)</i>"
        parts.append(f"<p style='color:{_VERDICT_COLOUR[p.verdict]}'>{p.sentence}{mark}</p>")
    for note in report.notes:
        parts.append(f"<p><i>{note}</i></p>")
    head = "".join(f"<th>{p.key.replace('_', ' ')}</th>" for p in report.probes)
    rows = []
    if report.probes:
        for c in range(len(report.probes[0].per_class)):
            cells = []
            for p in report.probes:
                r = p.per_class[c]
                if not r.n:
                    cells.append("<td>-</td>")
                    continue
                colour = "#2e7d32" if r.kept >= 0.9 else "#b26a00" if r.kept >= 0.7 else "#c62828"
                tip = (f" ({r.became_share * 100:.0f} % as {plural(r.became_name)})"
                       if r.became_share >= 0.3 else "")
                cells.append(f"<td style='color:{colour}' align='right'>{r.kept * 100:.0f} %{tip}</td>")
            rows.append(f"<tr><td>{report.probes[0].per_class[c].name}</td>{''.join(cells)}</tr>")
    parts.append("<p><b>Share of each class that keeps its class</b></p>"
                 f"<table cellspacing='6'><tr><th>class</th>{head}</tr>{''.join(rows)}</table>")
    return "".join(parts)
