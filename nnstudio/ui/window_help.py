"""Texts of the main window that are not settings: the getting-started tour, About, and what
the network canvas says while a run is on."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from nnstudio import __version__

#: The network's tooltip while a run is on: editing the network ends the run, paused or not.
CANVAS_TIPS = {
    "idle": "",
    "running": "Training is running: changing the network will ask to stop it first "
               "(the weights learned so far are kept).",
    "paused": "Training is paused: look closely, Space or Resume (F6) carries on. Changing the "
              "network ends this run (it asks first; the weights learned so far are kept).",
}


def getting_started(window) -> None:
    """Help > Getting started: a short tour, what to do first."""
    QMessageBox.information(window, "Getting started", (
        "<ol>"
        "<li><b>Data</b> (left): pick a data set, or import your own CSV file (Ctrl+I). "
        "Each row is one sample; the last column is usually what to predict.</li>"
        "<li><b>Network</b> (middle): the first column has one neuron per feature of the data, "
        "the last one gives the answer. Drag a <i>Dense layer</i> from the palette between two "
        "columns to add hidden neurons; click a column to change it on the right.</li>"
        "<li><b>Train</b> (F5): each epoch shows every training sample once; the loss (error) "
        "should fall. Validation data, which the network does not learn from, shows whether it "
        "also works on new samples.</li>"
        "<li>If the validation loss stops falling while the training loss keeps falling, the "
        "network is memorising: use more data, fewer neurons, dropout or L2. If the loss jumps "
        "around or explodes, lower the learning rate.</li>"
        "<li><b>Speed</b> (Training settings) slows training down, to one epoch a second at "
        "the slowest, so a class can watch the views below the network change: <i>Loss &amp; "
        "accuracy</i>, the <i>Weights</i>, the <i>Decision map</i> (which answer the network "
        "gives where) and the <i>Confusion matrix</i> (which classes it mixes up). Space starts, "
        "pauses and resumes training, Esc stops it; Step epoch (F10) trains one epoch at a "
        "time.</li>"
        "<li>To follow one sample through a training step, click its dot in a plot or its "
        "row in the <i>Rows</i> table (beside <i>Data</i>).</li>"
        "<li>A word you do not know: <i>Help &gt; Glossary</i> (Shift+F1) explains it; over a "
        "setting, Shift+F1 opens the word for that setting.</li>"
        "<li>Save your work with Ctrl+S.</li></ol>"))


def about(window) -> None:
    QMessageBox.about(window, "About nnstudio",
                      f"<b>nnstudio {__version__}</b><p>Build neural networks by drag and drop "
                      "and watch them learn.</p>")
