"""The network's answer for every picture, worked out off the GUI thread.

10,000 MNIST digits through a small conv net take a second or two on a laptop: in the GUI
thread that would freeze the window each time the gallery refreshes its "wrong answers". The
thread predicts with its own copy of the network (config + a copy of the weights), so training
and the window's network are never touched from two threads.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QThread, Signal

from nnstudio.engine import Network


class AnswersThread(QThread):
    """``network.predict(X)`` once, on a copy of the network; emits ``answered(tag, outputs)``
    (outputs of shape (n, n_outputs)) or ``failed(tag, message)``, then ``finished``.

    Parameters
    ----------
    config : dict
        ``network.get_config()``.
    params : ndarray of float32, shape (n_params,)
        A copy of ``network.params``.
    X : ndarray, shape (n, H, W, C)
        The pictures (read only here).
    tag : object
        Handed back with the result, so a late answer for old weights can be ignored.
    """

    answered = Signal(object, object)
    failed = Signal(object, str)

    def __init__(self, config: dict, params: np.ndarray, X: np.ndarray, tag, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("nnstudio-gallery-answers")
        self._config, self._params, self._X, self.tag = config, params, X, tag

    def run(self) -> None:  # noqa: D401 - Qt override, runs in the worker thread
        try:
            net = Network.from_config(self._config)
            net.params[...] = self._params
            out = net.predict(self._X)
        except Exception as exc:  # noqa: BLE001 - a worker must never die silently
            self.failed.emit(self.tag, f"The network's answers could not be worked out "
                                       f"({type(exc).__name__}: {exc}).")
        else:
            self.answered.emit(self.tag, out)
