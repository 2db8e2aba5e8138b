"""Read a folder of pictures off the GUI thread, with progress and a real cancel."""
from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal

from nnstudio.data.images import read_image_folder
from nnstudio.errors import Cancelled, NNStudioError


class ImageLoadThread(QThread):
    """Runs ``read_image_folder(path, size, colour)`` once in its own thread.

    Exactly one of ``loaded(Dataset)``, ``failed(str)`` or ``cancelled(str)`` is emitted,
    then QThread's ``finished`` (as :class:`~nnstudio.ui.data.csv_loader.CsvLoadThread`).
    ``cancel()`` is safe from any thread: the reader polls it about a hundred times a load.
    """

    progressed = Signal(float)   # fraction 0..1
    loaded = Signal(object)      # nnstudio.data.Dataset
    failed = Signal(str)         # plain-language message
    cancelled = Signal(str)

    def __init__(self, path: str, size, colour: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("nnstudio-image-folder")
        self.path, self.size, self.colour = path, size, colour
        self._stop = threading.Event()  # an Event, not a bool: set from the GUI thread

    def cancel(self) -> None:
        self._stop.set()

    def is_cancelling(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:  # noqa: D401 - Qt override, runs in the worker thread
        try:
            dataset = read_image_folder(self.path, self.size, self.colour,
                                        progress=self.progressed.emit, cancel=self._stop.is_set)
        except Cancelled as exc:
            self.cancelled.emit(str(exc))
        except NNStudioError as exc:
            self.failed.emit(str(exc))
        except MemoryError:
            self.failed.emit("These pictures do not fit into this computer's memory at this size: "
                             "choose a smaller size, or grey instead of colour.")
        except Exception as exc:  # noqa: BLE001 - never let a worker die silently
            self.failed.emit(f"Something went wrong while reading the pictures "
                             f"({type(exc).__name__}: {exc}).")
        else:
            self.loaded.emit(dataset)

    def stop_and_wait(self, msecs: int = 10000) -> bool:
        """Cancel and block until the thread has ended; True when it has."""
        self.cancel()
        return self.wait(msecs) if self.isRunning() else True
