"""Plain-language summary lines for the data panel: the class list and warnings about it."""
from __future__ import annotations

import html

import numpy as np

from nnstudio.data.dataset import MIN_CLASS_SAMPLES
from nnstudio.doctor.render import plain_number
from nnstudio.ui.data.scatter import class_color

UNBALANCED_RATIO = 2.0   # largest class / smallest class above which the summary warns


def classes_html(ds) -> str:
    """Samples per class as coloured dots (the plot's legend), or the range of a regression target."""
    if ds.task != "classification":
        y = ds.y if ds.y.ndim == 1 else ds.y[:, 0]
        if not len(y):
            return ""
        # Written as the verdict writes them ("28,600", not "2.86e+04"): a teacher reads prices.
        return (f"Values to predict: from {plain_number(float(y.min()))} to "
                f"{plain_number(float(y.max()))} (average {plain_number(float(y.mean()))})")
    parts = []
    for i, (name, count) in enumerate(ds.class_counts().items()):
        parts.append(f"<span style='color:{class_color(i).name()}'>\u25cf</span>&nbsp;"
                     f"{html.escape(name).replace(' ', '&nbsp;')}:&nbsp;{count:,}")
    return " &nbsp; ".join(parts)


def balance_text(ds) -> str:
    """Warnings about the classes (tiny or unbalanced) as rich text; "" when all is well."""
    counts = np.array(list(ds.class_counts().values()))
    if counts.size < 2:
        return ""
    if counts.min() == 0:
        return "\u26a0 Some classes have no samples at all."
    lines = []
    # A class with a handful of rows is nearly always a mistyped label: say so first.
    small = [(n, int(c)) for n, c in zip(ds.class_names, counts) if c < MIN_CLASS_SAMPLES]
    for name, count in small[:3]:
        samples = "sample" if count == 1 else "samples"
        lines.append(f"\u26a0 Class '{html.escape(name, quote=False)}' has only {count} {samples}: "
                     "too few to learn. Is its label a typo?")
    if len(small) > 3:
        lines.append(f"\u26a0 {len(small) - 3} more classes have fewer than {MIN_CLASS_SAMPLES} samples.")
    # Judge balance among the real classes: next to a typo class everything looks unbalanced.
    sized = counts[counts >= MIN_CLASS_SAMPLES]
    if sized.size >= 2 and sized.max() >= UNBALANCED_RATIO * sized.min():
        big = ds.class_names[int(counts.argmax())]
        share = 100.0 * counts.max() / counts.sum()
        lines.append(f"\u26a0 Unbalanced classes: always answering '{html.escape(big, quote=False)}' "
                     f"would already be right {share:.0f} % of the time.")
    return "<br>".join(lines)
