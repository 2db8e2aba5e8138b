"""Findings in plain sentences, for the audience that reads them (pure python).

- ``"window"``: the end-of-run verdict in the message bar; it names the window's buttons
  ("press Reset weights (Ctrl+R)") and the loss plot's best-epoch line.
- ``"cli"``: the same verdict after ``nnstudio train``; it names flags (``--reset``, ``--lr``).
- ``"plot"``: the short hints under the loss plot while the run goes (no learning rate known).
"""
from __future__ import annotations

import math

from nnstudio.doctor.findings import Finding, Remedy

AUDIENCES = ("window", "cli", "plot")
_RESET = {"window": "press Reset weights (Ctrl+R) and train again",
          "cli": "train again from fresh weights (add --reset when training a project file)"}


def plain_number(x: float) -> str:
    """3 significant digits, without e-notation for everyday sizes: 7507 -> '7,510'.

    A value that had to be rounded keeps its zeros (0.99963 -> '1.00', not '1', which read
    as a count); an exact one does not (0.5 -> '0.5').
    """
    if not math.isfinite(x) or x == 0 or not 1e-3 <= abs(x) < 1e12:
        return f"{x:.3g}"
    if abs(x) >= 1e3:
        return f"{round(x, 2 - int(math.floor(math.log10(abs(x))))):,.0f}"
    short = f"{x:.3g}"
    return short if float(short) == x else f"{x:#.3g}".rstrip(".")


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _rate(x: float, for_: str) -> str:
    return f"--lr {x:g}" if for_ == "cli" else f"{x:g}"


def _too_high(ev: dict) -> str:
    """Blames the rate: the high one the user set for part of the run, if so."""
    if "highest_rate" in ev:
        return (f"the learning rate was {ev['highest_rate']:g} for part of this run (it is "
                f"{ev['learning_rate']:g} now), which was probably too high")
    if "learning_rate" in ev:
        return f"the learning rate ({ev['learning_rate']:g}) is probably too high"
    return "the learning rate may be too high"


def _smaller(advice: tuple[Remedy, ...], for_: str) -> str:
    """'Try 0.1' / 'Keep it nearer 0.01' / 'Try a smaller one (for example a tenth of it)'."""
    for r in advice:
        if r.kind == "keep_rate_near" and r.value is not None:  # rate_advice always sets it
            return f"Keep it nearer {_rate(r.value, for_)}"
        if r.kind == "lower_rate":
            if r.value is None:
                return "Try a smaller one (for example a tenth of it)"
            return f"Try {_rate(r.value, for_)}"
    return ""


def _with_reset(advice: tuple[Remedy, ...], for_: str) -> str:
    """The rate remedy, then the reset if advised: 'Try 0.1, press Reset weights ...'."""
    smaller = _smaller(advice, for_)
    if not any(r.kind == "reset" for r in advice) or for_ == "plot":
        return smaller + "."
    joint = ", " if for_ == "window" else " and "
    return f"{smaller}{joint}{_RESET[for_]}."


def _epochs(n: int) -> str:
    return f"{n:,} epoch{'s' if n != 1 else ''}"


def sentence(f: Finding, for_: str = "window") -> str:
    """One finding in words for ``for_`` (one of :data:`AUDIENCES`)."""
    if for_ not in AUDIENCES:
        raise ValueError(f"for_ must be one of {', '.join(AUDIENCES)}, got {for_!r}")
    ev = f.evidence
    if f.kind == "no_epochs":
        return "Training stopped before the first epoch ended."
    if f.kind == "not_learned":
        return (f"The network has not learned: it gets {_pct(ev['accuracy'])} right, no better "
                f"than always answering “{ev['majority']}” ({_pct(ev['baseline'])}).")
    if f.kind == "worse_than_average":
        return (f"The predictions are worse than always answering the average value (error "
                f"{plain_number(ev['error'])} vs {plain_number(ev['average_error'])}).")
    if f.kind == "finished":
        return _finished(ev)
    if f.kind == "loss_rose":
        if for_ == "plot":
            return (f"The training loss is above where it started ({plain_number(ev['first_loss'])} → "
                    f"{plain_number(ev['final_loss'])}): the learning rate may be too high. "
                    + _smaller(f.advice, for_) + ".")
        return (f"The training loss got worse during this run ({plain_number(ev['first_loss'])} → "
                f"{plain_number(ev['final_loss'])}): {_too_high(ev)}. {_with_reset(f.advice, for_)}")
    if f.kind == "unstable":
        return _unstable(f, for_)
    if f.kind == "overfitting":
        return _overfitting(f, for_)
    if f.kind == "still_improving":
        raise_to = next((r.value for r in f.advice if r.kind == "raise_rate"), None)
        if raise_to is not None:
            return (f"The loss was still falling steadily when the run ended "
                    f"({plain_number(ev['loss_before'])} → {plain_number(ev['final_loss'])} in the "
                    f"last {ev['window']:,} epochs): it is learning, slowly. Train for more epochs, "
                    f"or try a larger learning rate (now {ev['learning_rate']:g}; try "
                    f"{_rate(raise_to, for_)}).")
        return "The loss was still falling when the run ended: more epochs may improve it."
    if f.kind == "stalled":
        reset = _RESET.get(for_, _RESET["window"])
        return (f"The loss stopped improving (it ended at {plain_number(ev['final_loss'])}), so more "
                f"epochs of the same will not help: {reset}, and if it gets stuck again, try "
                "another learning rate or more neurons.")
    if f.kind == "too_short":
        n = ev["epochs"]
        return (f"{_epochs(n)} {'are' if n != 1 else 'is'} too few to tell what the loss will do: "
                "train for more epochs.")
    if f.kind in _MORE:
        return _MORE[f.kind](f, for_)
    raise ValueError(f"no words for finding kind {f.kind!r}")


def _finished(ev: dict) -> str:
    head = "Training stopped" if ev.get("stopped") else "Training finished"
    # After a stop rule, the ``stopped`` sentence before this one says how the run ended.
    text = "" if ev.get("after_stop") else f"{head}: {_epochs(ev['epochs'])}."
    if "typical_error" in ev:  # numbers
        text += f" Typical error (validation): {plain_number(ev['typical_error'])}"
        if "average_error" in ev:
            text += f" (always answering the average: {plain_number(ev['average_error'])})"
        if "test_typical_error" in ev:
            text += (f"; on the test data, which training never saw: "
                     f"{plain_number(ev['test_typical_error'])}")
        text += "."
        if "target_min" in ev:
            text += (f" For scale: the values to predict range from {plain_number(ev['target_min'])}"
                     f" to {plain_number(ev['target_max'])}.")
        return text.strip()
    if "val_accuracy" in ev:
        text += (f" Validation accuracy {_pct(ev['val_accuracy'])} (always answering "
                 f"“{ev['majority']}” would get {_pct(ev['baseline'])}).")
    if "test_accuracy" in ev:
        text += f" Test accuracy {_pct(ev['test_accuracy'])} (data the network never saw)."
    return text.strip()


def _stopped(f: Finding, for_: str) -> str:
    """What the stop rule did: went back to the best epoch (the weights kept), or reached
    the target; never "more epochs"."""
    ev = f.evidence
    if ev["stop"] == "target":
        return ev.get("reason") or f"Training stopped at its target in epoch {ev['stopped_at']:,}."
    from nnstudio.engine.policies import monitor_words

    what = monitor_words(ev["monitor"]) if ev.get("monitor") else "score it watched"
    at = ev["stopped_at"]
    back = ev.get("restored_epoch")
    if back is None:
        return (f"Training stopped early at epoch {at:,}: the {what} had stopped improving. The "
                "network keeps the weights of that last epoch.")
    value = f" ({what} {plain_number(ev['best_value'])})" if "best_value" in ev else ""
    memo = " (the network was memorising the training data)" if ev.get("memorising") else ""
    text = (f"Training stopped early at epoch {at:,}: the {what} had not improved for "
            f"{_epochs(at - back)}{memo}, so the network went back to epoch {back:,}, its "
            f"best{value}")
    text += "." if for_ == "plot" else "; the scores are that epoch's."
    return text


def _unstable(f: Finding, for_: str) -> str:
    ev = f.evidence
    if ev.get("signal") == "val_acc":
        if for_ == "plot":
            return (f"Validation accuracy reached {_pct(ev['best_val_acc'])} at epoch {f.epoch:,} "
                    f"and fell back to {_pct(ev['final_val_acc'])}: training is unstable, the "
                    f"learning rate may be too high. {_smaller(f.advice, for_)}.")
        return (f"Training was unstable: validation accuracy reached {_pct(ev['best_val_acc'])} at "
                f"epoch {f.epoch:,} but ended at {_pct(ev['final_val_acc'])}: {_too_high(ev)}. "
                f"{_with_reset(f.advice, for_)}")
    if ev.get("signal") == "above_naive":
        what = (f"The training loss went far above that of guessing at epoch {f.epoch:,} "
                f"({plain_number(ev['jumped_to'])}; guessing: {plain_number(ev['naive_loss'])})")
    else:
        what = (f"The training loss jumped up at epoch {f.epoch:,} "
                f"({plain_number(ev['lowest_before'])} → {plain_number(ev['jumped_to'])})")
    if for_ == "plot":
        return f"{what}: the learning rate may be too high. {_smaller(f.advice, for_)}."
    return f"{what}: {_too_high(ev)}. {_with_reset(f.advice, for_)}"


def _overfitting(f: Finding, for_: str) -> str:
    ev = f.evidence
    if ev["signal"] == "val_loss":
        if for_ == "plot":
            shown = (f"Validation loss has not improved for {ev['epochs_since_best']:,} epochs "
                     f"(best at epoch {f.epoch:,})")
        else:
            # plain_number: a price model's loss is in the tens of millions; "7.14e+07" reads as code.
            shown = (f"the validation loss was lowest at epoch {f.epoch:,} "
                     f"({plain_number(ev['best_val_loss'])}) and ended at "
                     f"{plain_number(ev['final_val_loss'])}")
    else:
        verb = "fell back to" if for_ == "plot" else "ended at"
        shown = (f"{'V' if for_ == 'plot' else 'v'}alidation accuracy reached "
                 f"{_pct(ev['best_val_acc'])} at epoch {f.epoch:,} but {verb} "
                 f"{_pct(ev['final_val_acc'])}")
    images = any(r.kind == "augment" for r in f.advice)
    if for_ == "plot":
        return (f"{shown}: the network may be memorising the training data (overfitting). "
                "Try going back to the best epoch (early stopping), L2, dropout, fewer neurons "
                "or more data" + (" or augmentation" if images else "")
                + " (the dashed line marks the best).")
    more = "more data or augmented copies of the images" if images else "more data"
    return (f"The network started memorising the training data (overfitting): {shown}, while "
            f"the training loss kept falling. Going back to the best epoch (early stopping), some "
            f"L2 penalty, a Dropout layer, fewer neurons or {more} help"
            + ("; the loss plot marks the best epoch." if for_ == "window" else "."))


def render(findings: list[Finding], for_: str = "window") -> str:
    """The findings as one paragraph for ``for_`` (``"window"``, ``"cli"``; ``"plot"`` puts
    each on its own line)."""
    sentences = [sentence(f, for_) for f in findings]
    return ("\n" if for_ == "plot" else " ").join(sentences)


# ---------------------------------------------------------------- the doctor's newer rules
def _exploded(f: Finding, for_: str) -> str:
    ev = f.evidence
    try_ = _smaller(f.advice, for_)
    if ev.get("signal") == "grew":
        what = (f"The training loss exploded at epoch {f.epoch:,} ({plain_number(ev['lowest_before'])}"
                f" → {plain_number(ev['grew_to'])})")
    elif f.epoch is not None:
        what = f"The loss exploded in epoch {f.epoch:,} (it became too large to compute)"
    else:
        what = "The loss exploded (it became too large to compute)"
    if for_ == "plot":
        return f"{what}: the learning rate is far too high. {try_}."
    rate = (f"the learning rate ({ev['learning_rate']:g}) is far too high" if "learning_rate" in ev
            else "the learning rate is far too high")
    good = ev.get("last_good_epoch")
    if ev.get("signal") == "grew":
        back = (f" Go back to the weights of epoch {good:,}, the last good ones, and {try_[0].lower()}"
                f"{try_[1:]}." if good else f" {try_}.")
    else:
        kept = (f"the weights of epoch {good:,}, the last good ones, were kept" if good
                else "the weights from before training were kept")
        back = f" Training stopped and {kept}. {try_}, then continue."
    return f"{what}: {rate}.{back}"


def _overconfident(f: Finding, for_: str) -> str:
    ev = f.evidence
    shown = (f"the validation loss has risen since epoch {f.epoch:,} ({plain_number(ev['best_val_loss'])} "
             f"→ {plain_number(ev['final_val_loss'])}) while the validation accuracy still rose "
             f"({_pct(ev['val_acc_at_best'])} → {_pct(ev['final_val_acc'])})")
    if for_ == "plot":
        return (f"{shown[0].upper()}{shown[1:]}: the network is growing over-confident, not "
                "memorising. Judge it by the accuracy.")
    return (f"Over-confident, not memorising: {shown}. The network grows surer of its answers, the "
            "wrong ones too, yet gets more of them right, so the extra epochs still help. Pick "
            "the best epoch by validation accuracy (early stopping watching the accuracy), or "
            "lower the learning rate when the loss stalls.")


def _flat(f: Finding, for_: str) -> str:
    ev = f.evidence
    cause = ev["cause"]
    moved = (f"{plain_number(ev['half_loss'])} → {plain_number(ev['final_loss'])} over the last "
             f"{ev['epochs'] - ev['epochs'] // 2:,} epochs")
    if cause == "dead_relus":
        share = ev["dead_neurons"] / ev["relu_neurons"]
        text = (f"Both losses are flat ({moved}): {ev['dead_neurons']:,} of the "
                f"{ev['relu_neurons']:,} hidden ReLU neurons ({share:.0%}) never fire on the "
                f"{ev['rows_checked']:,} training rows checked. A dead ReLU passes no gradient back, "
                "so it cannot recover.")
        if for_ == "plot":
            return text + " Use Leaky ReLU, or a smaller learning rate."
        lower = _smaller(f.advice, for_)
        lower = lower[0].lower() + lower[1:] if lower else "try a smaller learning rate"
        reset = _RESET.get(for_, _RESET["window"])
        return f"{text} Use Leaky ReLU in the hidden layers, or {lower}, and {reset}."
    if cause == "rate_too_low":
        rate = f" ({ev['learning_rate']:g})" if "learning_rate" in ev else ""
        raise_to = next((r.value for r in f.advice if r.kind == "raise_rate"), None)
        try_ = f" Try {_rate(raise_to, for_)}." if raise_to is not None else " Try ten times more."
        return (f"Both losses are nearly flat ({moved}) yet still fall a little almost every "
                f"epoch ({ev['falling_share']:.0%} of them): the learning rate{rate} is too low."
                + try_)
    naive = (f" (always answering the same would score {plain_number(ev['naive_loss'])})"
             if "naive_loss" in ev else "")
    return (f"Both losses are flat ({moved}) and still high{naive}: the network seems too small "
            "to draw the answer. Try more neurons or another hidden layer.")


def _too_little_data(f: Finding, for_: str) -> str:
    ev = f.evidence
    images = any(r.kind == "augment" for r in f.advice)
    return (f"{ev['weights']:,} weights learned from {ev['rows']:,} rows "
            f"({plain_number(ev['weights_per_row'])} weights per row): the network can memorise "
            "each row instead of learning the pattern. More data"
            + (" (or augmented copies of the images)" if images else "")
            + ", fewer neurons or an L2 penalty help.")


_MORE = {"exploded": _exploded, "overconfident": _overconfident, "flat": _flat,
         "too_little_data": _too_little_data, "stopped": _stopped}
