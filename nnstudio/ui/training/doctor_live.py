"""The training doctor in the window: live findings with one-click fixes, the proof of a fix,
and what happens after a blow-up.

- While a run goes, at most every :data:`REFRESH_S` seconds, the Qt-free doctor reads the
  history (:func:`~nnstudio.doctor.live.live_findings`: cheap, vectorised) and the strip under
  the loss curve offers the fixes for what it found; when the run ends, the findings that may
  look at the network once (:func:`~nnstudio.doctor.live.after_run_findings`) and the verdict's
  join them.
- A fix button applies the fix as one undoable step (training settings and / or layers,
  through the controller) and then proves it: two short runs from the weights the last run
  started from, without and with the fix, in a worker thread (:class:`ProofRunner`); the
  "Did it help?" tab overlays both and says whether it helped.
- After a blow-up (the runner rewound and lowered the rate), the strip offers Continue and,
  when the magnifying glass is there, a look at the sample the rewound network gets most wrong.
"""
from __future__ import annotations

import math
import time

import numpy as np
from PySide6.QtCore import QObject, Signal

from nnstudio.doctor.findings import Finding
from nnstudio.doctor.fixes import Fix, fixes_for
from nnstudio.doctor.live import after_run_findings, live_findings
from nnstudio.doctor.prove import setup_from_session
from nnstudio.doctor.render import sentence
from nnstudio.doctor.thresholds import PROOF_MAX_EPOCHS
from nnstudio.doctor.verdict import diagnose_run
from nnstudio.errors import NNStudioError
from nnstudio.ui.training.proof_worker import ProofRunner
from nnstudio.ui.training.settings_undo import TrainingSettingsCommand

#: The live findings are read again at most this often while a run goes.
REFRESH_S = 1.0
#: What each finding is called on its row of fix buttons.
TITLES = {"exploded": "The loss blew up", "unstable": "Steps too big",
          "loss_rose": "The loss got worse", "overfitting": "Memorising",
          "overconfident": "Over-confident", "flat": "Both curves flat",
          "too_little_data": "Little data for this network", "still_improving": "Still learning",
          "stalled": "Stuck", "not_learned": "Not learned",
          "worse_than_average": "Worse than the average"}
#: A proof run sees at most this many training rows in all (epochs x rows) ...
PROOF_SAMPLES = 500_000
#: ... but gets at least this many epochs (fewer would say nothing).
PROOF_MIN_EPOCHS = 5
#: Layer settings a fix may change, which the controller edits one layer at a time.
_LAYER_KEYS = ("units", "activation", "rate")


class LiveDoctor(QObject):
    """Wires the doctor between the controller, the runner and the views (see the module)."""

    #: A fix was applied (its label); the proof follows.
    fix_applied = Signal(str)

    def __init__(self, ctl, runner, views, parent=None):
        super().__init__(parent)
        self._ctl, self._runner, self._views = ctl, runner, views
        self.strip = views.metrics.doctor
        self.proofs = ProofRunner(self)
        self.findings: list[Finding] = []
        self._last_refresh = 0.0
        #: The last epoch record of the run (its stop rule's words and the epoch it went back
        #: to), None before a run's first epoch.
        self.last_record = None
        #: The weights (by name) the last run started from: a proof replays that run.
        self._start_weights: dict | None = None
        #: Whether the magnifying glass is there ("Look at the step that blew up").
        self.can_look = _has_lesson()
        self.strip.fix_chosen.connect(self.apply_and_prove)
        self.strip.continue_requested.connect(self._on_strip_continue)
        self.strip.look_requested.connect(self.look_at_worst_sample)
        views.proof.cancel_requested.connect(self.proofs.cancel)
        self.proofs.progressed.connect(views.proof.set_progress)
        self.proofs.proved.connect(self._on_proofs_proved)
        self.proofs.failed.connect(self._on_proofs_failed)
        runner.state_changed.connect(self._on_runner_state)
        runner.epoch_finished.connect(self._on_runner_epoch)
        runner.run_finished.connect(self._on_runner_finished)
        runner.run_diverged.connect(self._on_runner_diverged)
        ctl.history_changed.connect(self._on_ctl_history_changed)
        ctl.dataset_changed.connect(self._on_ctl_dataset_changed)
        ctl.settings_changed.connect(self._show_fixes)
        ctl.network_changed.connect(self._show_fixes)

    # ------------------------------------------------------------------ findings
    def _rate(self) -> float:
        return float(self._ctl.project.training["optimizer"]["config"].get("learning_rate", 0.01))

    def _naive_loss(self) -> float | None:
        data = self._ctl.dataset
        if data is None:
            return None
        if data.task == "classification":
            return math.log(max(2, data.n_classes))
        y = np.asarray(data.y, dtype=float)
        return float(np.nanmean(y * y)) if y.size else None

    def refresh_live(self) -> None:
        """Read the run so far (cheap) and show the fixes for what it shows."""
        ctl = self._ctl
        split = ctl.scaled_split
        if ctl.network is None or split is None:
            self.findings = []
        else:
            self.findings = live_findings(
                ctl.project.history, self._runner.run_start, learning_rate=self._rate(),
                highest_rate=self._runner.highest_rate, n_params=int(ctl.network.n_params),
                n_train=len(split.train.X), naive_loss=self._naive_loss(),
                run_end=self._run_end())
        self._last_refresh = time.monotonic()
        self._show_fixes()

    def refresh_after_run(self) -> None:
        """The findings of a finished run: the live ones with the network looked at once, then
        the verdict's (still learning, stuck, not learned ...) that name a fix."""
        ctl, r = self._ctl, self._runner
        split = ctl.scaled_split
        if ctl.network is None or split is None or not ctl.project.history.get("epoch"):
            self.findings = []
            self._show_fixes()
            return
        found = after_run_findings(ctl.project.history, r.run_start, ctl.network, split.train.X,
                                   learning_rate=self._rate(), highest_rate=r.highest_rate,
                                   naive_loss=self._naive_loss(), run_end=self._run_end())
        verdict = diagnose_run(ctl.project.history, r.run_start, ctl.dataset, split.val.y, None,
                               self._rate(), highest_rate=r.highest_rate, run_end=self._run_end())
        kinds = {f.kind for f in found}
        self.findings = found + [f for f in verdict if f.kind not in kinds and f.advice]
        self._show_fixes()

    def _run_end(self):
        """The last record when the stop rule ended the run (early stopping, the target)."""
        rec = self.last_record
        return rec if rec is not None and rec.stopped and self._runner.state == "idle" else None

    def rows(self) -> list[tuple[str, list[Fix], str]]:
        """``(title, fixes, sentence)`` for the findings on show; a fix appears once, on its
        first row."""
        ctl = self._ctl
        if ctl.network is None:
            return []
        settings = self._settings()
        has_val = ctl.scaled_split is not None and len(ctl.scaled_split.val.X) > 0
        seen: set = set()
        out = []
        for f in self.findings:
            fixes = [fix for fix in fixes_for(f, settings, has_val) if fix.label not in seen]
            seen.update(fix.label for fix in fixes)
            out.append((TITLES.get(f.kind, f.kind.replace("_", " ").capitalize()), fixes,
                        _sentence(f)))
        return out

    def _show_fixes(self) -> None:
        self.strip.set_rows(self.rows())

    def _settings(self) -> dict:
        return {"training": self._ctl.project.training, "layers": self._ctl.layers}

    # ------------------------------------------------------------------ fix, then prove
    def apply_and_prove(self, fix: Fix) -> bool:
        """Apply ``fix`` (one undoable step; a run in progress stops first, keeping its
        weights), then prove it in the background; False when it could not be applied."""
        ctl = self._ctl
        if self._runner.state != "idle":
            self._runner.stop()
        if self.proofs.busy:
            self.proofs.cancel()
            self.proofs.shutdown()
        try:
            new = fix.apply(self._settings())
            setup = setup_from_session(ctl.session, self._proof_weights())
        except (NNStudioError, KeyError, ValueError) as exc:
            ctl.message_posted.emit(f"This fix cannot be applied here: {exc}", "warning")
            return False
        stack = ctl.undo_stack
        stack.beginMacro(fix.label)
        try:
            if new["training"] != ctl.project.training:
                stack.push(TrainingSettingsCommand(ctl, fix.label, ctl.project.training,
                                                   new["training"]))
            self._apply_layers(new["layers"])
        finally:
            stack.endMacro()
        self.fix_applied.emit(fix.label)
        ctl.message_posted.emit(f"Applied: {fix.label} (Undo, Ctrl+Z, takes it back). Trying it "
                                "out: two short runs, without and with it…", "info")
        self._views.show_proof_tab()
        self._views.proof.start(fix.label)
        self.proofs.start(setup, fix, proof_epochs(int(ctl.project.training.get("epochs", 100)),
                                                   len(setup.X_train)))
        return True

    def _proof_weights(self) -> dict | None:
        """The weights the last run started from (fairest: it replays that run), else the
        network's weights now."""
        if self._start_weights is not None:
            return self._start_weights
        net = self._ctl.network
        return None if net is None else {k: v.copy() for k, v in net.get_weights().items()}

    def _apply_layers(self, layers: list[dict]) -> None:
        """Turn the fix's new layer list into the controller's edits (insert one layer, change
        settings of others), so each is the usual undoable, history-aware layer edit."""
        ctl = self._ctl
        old = ctl.layers
        if len(layers) == len(old) + 1:
            at = next((i for i, (a, b) in enumerate(zip(old, layers)) if a["class"] != b["class"]),
                      len(old))
            ctl.insert_layer(at, layers[at]["class"])
        for i, spec in enumerate(layers[:len(ctl.layers)]):
            now = ctl.layers[i]["config"]
            changes = {k: spec["config"][k] for k in _LAYER_KEYS
                       if k in spec["config"] and spec["config"][k] != now.get(k)}
            if changes:
                ctl.update_layer(i, **changes)

    def _on_proofs_proved(self, proof) -> None:
        self._views.proof.show_proof(proof)
        if proof.outcome != "cancelled":
            level = "warning" if proof.outcome == "worse" else "info"
            self._ctl.message_posted.emit(proof.sentence, level)

    def _on_proofs_failed(self, message: str) -> None:
        self._views.proof.show_failure(message)
        self._ctl.message_posted.emit(message, "error")

    # ------------------------------------------------------------------ blow-up
    def _on_runner_diverged(self, blow_up) -> None:
        self.strip.show_blow_up(blow_up.sentence(), self.can_look)
        self._views.setCurrentWidget(self._views.metrics)

    def _on_strip_continue(self) -> None:
        self.strip.clear_blow_up()
        self._runner.start()

    def look_at_worst_sample(self) -> int:
        """Choose the training row the (rewound) network gets most wrong for the magnifying
        glass; returns it (-1 when there is nothing to look at)."""
        ctl = self._ctl
        split = ctl.scaled_split
        if ctl.network is None or split is None or not len(split.train.X):
            return -1
        index = worst_sample(ctl.network, split.train.X, split.train.y)
        ctl.choose_sample(index)
        return index

    # ------------------------------------------------------------------ runner -> doctor
    def _on_runner_state(self, state: str) -> None:
        if state == "running" and self._runner.epochs_done == 0 and self._ctl.network is not None:
            # The start of a run (not a resume): remember where it started from.
            self._start_weights = {k: v.copy() for k, v in self._ctl.network.get_weights().items()}
            self.last_record = None
            self.strip.clear_blow_up()

    def _on_runner_epoch(self, record) -> None:
        self.last_record = record
        if time.monotonic() - self._last_refresh >= REFRESH_S:
            self.refresh_live()

    def _on_runner_finished(self, _reason: str) -> None:
        if self._runner.single_step:
            self.refresh_live()
        else:
            self.refresh_after_run()

    def _on_ctl_history_changed(self) -> None:
        if not self._ctl.project.history.get("epoch"):  # reset or rebuilt: nothing to judge
            self.findings, self.last_record = [], None
            self.strip.clear()

    def _on_ctl_dataset_changed(self) -> None:
        """Other data (or another project): a proof of the old one says nothing any more."""
        self.proofs.shutdown()
        self._start_weights = None
        self._views.hide_proof_tab()

    def shutdown(self) -> None:
        """Stop a proof still running (the window is closing)."""
        self.proofs.shutdown()


def proof_epochs(epochs: int, n_train: int) -> int:
    """Epochs of each proof run: the run's own, at most
    :data:`~nnstudio.doctor.thresholds.PROOF_MAX_EPOCHS`, and at most :data:`PROOF_SAMPLES`
    training rows in all (but at least :data:`PROOF_MIN_EPOCHS`), so MNIST-sized data is
    tried out in a minute, not an hour."""
    budget = max(PROOF_MIN_EPOCHS, PROOF_SAMPLES // max(1, n_train))
    return max(1, min(epochs, PROOF_MAX_EPOCHS, budget))


def worst_sample(network, X: np.ndarray, y: np.ndarray) -> int:
    """Index of the row of ``X`` (n, n_features) with the largest loss under ``network``
    (cross-entropy of the true class, or squared error summed over the outputs)."""
    with np.errstate(all="ignore"):
        p = np.asarray(network.predict(X), dtype=float)
        y = np.asarray(y)
        if network.loss.is_classification and y.ndim == 2:  # 0/1 columns (sigmoid outputs)
            q = np.clip(p, 1e-12, 1 - 1e-12)
            loss = -(y * np.log(q) + (1 - y) * np.log(1 - q)).sum(axis=1)
        elif network.loss.is_classification:
            if p.shape[1] == 1:  # one sigmoid output: the chance of class 1
                right = np.where(y.reshape(-1) == 1, p[:, 0], 1 - p[:, 0])
            else:
                right = p[np.arange(len(p)), y.astype(np.int64).reshape(-1)]
            loss = -np.log(np.clip(right, 1e-12, 1.0))
        else:
            loss = ((p - y.reshape(len(p), -1)) ** 2).sum(axis=1)
    loss = np.where(np.isfinite(loss), loss, np.inf)
    return int(np.argmax(loss))


def _sentence(f: Finding) -> str:
    """The finding in the plot's words (empty when the doctor has none for it)."""
    try:
        return sentence(f, "plot")
    except (KeyError, ValueError):
        return ""


def _has_lesson() -> bool:
    import importlib.util

    return importlib.util.find_spec("nnstudio.ui.lesson") is not None
