"""The training panel's optimizer box lists the engine's optimizer choices."""
from __future__ import annotations

from PySide6.QtGui import QAction

from nnstudio.engine.optimizer_choices import OPTIMIZER_CHOICES
from nnstudio.ui.training.training_panel import TrainingPanel


def test_the_optimizer_box_lists_the_engine_choices(qtbot, ctl):
    actions = {key: QAction(key) for key in ("train", "pause", "stop", "step", "reset")}
    panel = TrainingPanel(ctl, actions)
    qtbot.addWidget(panel)
    box = panel.optimizer
    assert [box.itemText(i) for i in range(box.count())] == [c.label for c in OPTIMIZER_CHOICES]
    assert [box.itemData(i, 3) for i in range(box.count())] == [c.description for c in OPTIMIZER_CHOICES]
    box.setCurrentText("SGD + Nesterov")
    assert ctl.project.training["optimizer"]["config"] == {
        "learning_rate": 0.01, "weight_decay": 0.0, "momentum": 0.9, "nesterov": True}
    assert OPTIMIZER_CHOICES[3].description in box.toolTip()
    ctl.set_training(optimizer="Adam")  # model -> UI
    assert box.currentText() == "Adam" and OPTIMIZER_CHOICES[0].description in box.toolTip()
