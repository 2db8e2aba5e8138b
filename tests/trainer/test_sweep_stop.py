"""A sweep's run that early stopping ended says so ("stopped early at epoch 17 (best 12)"),
in the runner's results and the command line's table, instead of "completed" (real runs in
trainer processes)."""
from __future__ import annotations

from nnstudio.commands.sweep import format_table
from nnstudio.engine.policies import EarlyStopping, policy_to_config
from nnstudio.engine.stopping import stop_label
from nnstudio.project import Session, demo_project
from nnstudio.trainer.sweep import plan_rate_sweep, run_sweep


def test_runs_that_early_stopping_ended_say_where_and_their_best_epoch():
    p = demo_project()
    p.training["epochs"] = 60
    p.training["stop"] = policy_to_config(EarlyStopping("val_loss", 3, restore_best=True))
    plan = plan_rate_sweep(Session.open(p))
    last: dict = {}
    result = run_sweep(plan, progress=lambda i, rec, _r: last.__setitem__(i, rec) if rec else None,
                       workers=2)
    stopped = [i for i, r in enumerate(result.runs) if r.epochs_done < 60]
    assert stopped, [r.epochs_done for r in result.runs]
    table = format_table(result)
    for i in stopped:
        r, rec = result.runs[i], last[i]
        assert r.status == "completed"  # the answer still counts it as a finished run
        assert rec.stopped and rec.restored_epoch is not None
        label = f"stopped early at epoch {r.epochs_done} (best {rec.restored_epoch})"
        assert r.message == label == stop_label(rec)
        assert label in table
    for r in result.runs:
        if r.epochs_done == 60:
            assert r.message is None


def test_stop_label_words():
    class Rec:
        epoch, restored_epoch = 9, None
        stopped = "Stopped at the target: the validation accuracy reached 95.0% (target 95.0%) at epoch 9."

    assert stop_label(Rec()) == "stopped at the target at epoch 9"
    rec = Rec()
    rec.stopped = "Stopped early: the validation loss has not improved for 3 epochs."
    assert stop_label(rec) == "stopped early at epoch 9"
    rec.stopped = None
    assert stop_label(rec) is None
