"""A small scatter plot of a data set: two features, points coloured by class or by value."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from nnstudio.ui.text_style import mute
from nnstudio.ui.views.palette import CLASS_COLORS  # one palette for every view
from nnstudio.ui.views.sample_ring import CLICK_TIP, SampleRing, nearest_dot

#: Dots are this opaque (0-255): where samples pile up, the pile shows darker, and a class
#: drawn first still shows through the one drawn over it.
DOT_ALPHA = 150
#: Whole-number features (counts, ratings, 0/1 flags) put many samples on the very same spot:
#: each dot is moved at random by up to this share of the step between two values, in the
#: picture only; the data and the network never see it.
JITTER = 0.3
PLOT_TIP = ("Each dot is one sample, placed by two of its features and coloured by its class (or "
            "by the value to predict). Dots are see-through, so darker spots hold more samples. "
            + CLICK_TIP)
JITTER_TIP = (" Whole-number features are spread out a little (jitter) so that samples with the same "
              "values do not hide each other; this is only in the picture, the data is unchanged.")
#: More points than this are thinned out (evenly, with a fixed seed): a 300 px plot cannot
#: show them anyway, and per-point brushes for 100 000 points would stall the event loop.
MAX_POINTS = 4000


def jitter(values: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """Where to draw ``values`` (shape (n,)): whole numbers moved by up to :data:`JITTER` of the
    step between two distinct values, anything else unchanged; True when moved. A copy: the
    data keeps its values."""
    v = np.asarray(values, dtype=float)
    if v.size == 0 or not np.all(np.isfinite(v)) or not np.array_equal(v, np.round(v)):
        return v, False
    distinct = np.unique(v)
    step = float(np.min(np.diff(distinct))) if len(distinct) > 1 else 1.0
    return v + rng.uniform(-JITTER, JITTER, v.shape) * step, True


def class_color(index: int) -> QColor:
    """Colour of class ``index``; shared with the summary so its class list doubles as the legend."""
    return QColor(CLASS_COLORS[index % len(CLASS_COLORS)])


class StaticPlotWidget(pg.PlotWidget):
    """A plot that only shows: no zoom, pan or menu, and the mouse wheel goes to the parent.

    The data panel scrolls; a wheel turn over an interactive plot zoomed it instead, so a
    person scrolling down the panel suddenly found the axes at -45.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseEnabled(False, False)
        self.setMenuEnabled(False)
        self.hideButtons()   # the "A" auto-range button: nothing to reset when nothing zooms

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt override
        # Never zoom, whatever the pyqtgraph version does with disabled zoom: an ignored
        # wheel event travels up to the scroll area around the panel.
        event.ignore()


class DataScatterWidget(QWidget):
    """Scatter plot of the raw data with feature pickers when there are more than two features.

    ``items`` holds one ``ScatterPlotItem`` per class (classification) or a single item
    (regression), so tests and callers can read the plotted points with ``getData()``.

    A click on or near a training dot emits ``sample_clicked`` with that sample's index in
    the training part (see :meth:`set_train_rows`); a click near a validation or test dot
    only emits ``other_part_clicked`` with its row. :meth:`show_chosen` rings a sample.
    """

    #: Index within the training part of the training dot clicked.
    sample_clicked = Signal(int)
    #: Row of the data set of a validation or test dot clicked (no training dot near).
    other_part_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dataset = None
        self._rows: np.ndarray | None = None  # rows shown (all, or a thinned-out sample)
        self.items: list[pg.ScatterPlotItem] = []
        self._drawn_xy = np.zeros((0, 2))                 # where each shown dot is drawn
        self._drawn_rows = np.zeros(0, dtype=np.int64)    # the data row of each shown dot
        self._train_pos: np.ndarray | None = None          # data row -> training index, or -1
        self._chosen_row = -1

        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        for combo, axis in ((self.x_combo, "across (x)"), (self.y_combo, "up (y)")):
            combo.setToolTip(f"Which measurement (feature) to draw {axis}.")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            combo.currentIndexChanged.connect(self._on_combo_changed)
        x_label, y_label = QLabel("&x:"), QLabel("&y:")
        x_label.setBuddy(self.x_combo)
        y_label.setBuddy(self.y_combo)
        self._pickers = QWidget()
        row = QHBoxLayout(self._pickers)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (x_label, self.x_combo, y_label, self.y_combo):
            row.addWidget(w)

        self.plot = StaticPlotWidget()
        self.plot.setMinimumHeight(180)
        self.plot.setToolTip(PLOT_TIP)
        #: (x, y): whether that axis is drawn with jitter (whole-number values).
        self.jittered = (False, False)
        self.plot.getPlotItem().setContentsMargins(0, 2, 6, 0)
        self.ring = SampleRing(self.plot.getPlotItem())
        self.plot.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self._style_plot()

        self.note = QLabel()
        self.note.setWordWrap(True)
        mute(self.note)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._pickers)
        layout.addWidget(self.plot)
        layout.addWidget(self.note)
        self.set_dataset(None)

    def _style_plot(self) -> None:
        # Follow the application's palette instead of pyqtgraph's global black background.
        pal = self.palette()
        self.plot.setBackground(pal.color(QPalette.ColorRole.Base))
        text = pal.color(QPalette.ColorRole.Text)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setPen(pg.mkPen(pal.color(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(text))
            font = self.font()
            font.setPointSizeF(max(font.pointSizeF() - 1.5, 6.0))
            axis.setStyle(tickFont=font)

    # ------------------------------------------------------------------ public
    def set_dataset(self, dataset) -> None:
        """Show ``dataset`` (a nnstudio Dataset, or None to clear)."""
        self._dataset = dataset
        n_feat = dataset.n_features if dataset is not None else 0
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(True)
            combo.clear()
            if dataset is not None:
                combo.addItems(dataset.feature_names)
        if n_feat >= 2:
            fx, fy = self.default_features(dataset)
            self.x_combo.setCurrentIndex(fx)
            self.y_combo.setCurrentIndex(fy)
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(False)
        self._pickers.setVisible(n_feat > 2)
        self._rows = None
        if dataset is not None and dataset.n_samples > MAX_POINTS:
            rng = np.random.default_rng(0)
            self._rows = np.sort(rng.choice(dataset.n_samples, MAX_POINTS, replace=False))
        self._redraw()

    def set_train_rows(self, rows: np.ndarray | None) -> None:
        """The data rows of the training part, in training order (``split.train_indices``);
        None: every row counts as training (no split yet)."""
        n = 0 if self._dataset is None else self._dataset.n_samples
        pos = np.full(n, -1, dtype=np.int64)
        if rows is None:
            pos[:] = np.arange(n)
        else:
            rows = np.asarray(rows, dtype=np.int64)
            pos[rows[rows < n]] = np.flatnonzero(rows < n)
        self._train_pos = pos

    def show_chosen(self, data_row: int) -> None:
        """Ring the dot of ``data_row`` (a row of the data set; -1: no ring)."""
        self._chosen_row = int(data_row)
        self._place_ring()

    def train_index_of(self, data_row: int) -> int:
        """The training index of ``data_row``, -1 when it is not a training row."""
        pos = self._train_pos
        return int(pos[data_row]) if pos is not None and 0 <= data_row < len(pos) else -1

    def dot_position(self, data_row: int) -> tuple[float, float] | None:
        """Where ``data_row``'s dot is drawn (jitter included), or None when it is not shown."""
        hit = np.flatnonzero(self._drawn_rows == data_row)
        return (float(self._drawn_xy[hit[0], 0]), float(self._drawn_xy[hit[0], 1])) if len(hit) else None

    @staticmethod
    def default_features(dataset) -> tuple[int, int]:
        """The two features that vary most (by their first appearance when tied).

        The first two columns are often a poor view: the digits' corner pixels are always 0.
        """
        if dataset.n_features == 2:
            return 0, 1
        spread = dataset.table.std(axis=0)
        fx, fy = np.argsort(-spread, kind="stable")[:2]
        return tuple(sorted((int(fx), int(fy))))

    def features_shown(self) -> tuple[int, int | None]:
        """Indices of the features on the x and y axes (y is None when y shows the target)."""
        if self._dataset is None or self._dataset.n_features < 2:
            return 0, None
        return self.x_combo.currentIndex(), self.y_combo.currentIndex()

    # ------------------------------------------------------------------ drawing
    def _on_combo_changed(self, _index: int) -> None:
        self._redraw()

    def _clear(self) -> None:
        for item in self.items:
            self.plot.removeItem(item)
        self.items = []

    def _redraw(self) -> None:
        self._clear()
        ds = self._dataset
        self._drawn_xy, self._drawn_rows = np.zeros((0, 2)), np.zeros(0, dtype=np.int64)
        if ds is None or ds.n_samples == 0:
            self._place_ring()
            self.plot.setLabel("bottom", "")
            self.plot.setLabel("left", "")
            self.note.setText("No data to show yet.")
            return
        X = ds.table if self._rows is None else ds.table[self._rows]
        y = ds.y if self._rows is None else ds.y[self._rows]
        fx, fy = self.features_shown()
        xs = X[:, fx]
        if fy is None:  # one feature: draw it against the target
            ys = y.astype(np.float32) if y.ndim == 1 else y[:, 0].astype(np.float32)
            y_name = "target" if ds.task == "regression" else "class"
        else:
            ys, y_name = X[:, fy], ds.feature_names[fy]
        self.plot.setLabel("bottom", ds.feature_names[fx])
        self.plot.setLabel("left", y_name)
        rng = np.random.default_rng(0)  # the same picture at every redraw: dots must not dance
        (xs, jx), (ys, jy) = jitter(xs, rng), jitter(ys, rng)
        self.jittered = (jx, jy)
        self._drawn_xy = np.column_stack([xs, ys]).astype(float)
        self._drawn_rows = (np.arange(ds.n_samples) if self._rows is None else self._rows)
        self.plot.setToolTip(PLOT_TIP + (JITTER_TIP if jx or jy else ""))
        if ds.task == "classification":
            for c in range(ds.n_classes):
                mask = y == c
                self._add(xs[mask], ys[mask], brush=pg.mkBrush(_see_through(class_color(c))),
                          name=ds.class_names[c])
        elif fy is None:
            self._add(xs, ys, brush=pg.mkBrush(_see_through(QColor(CLASS_COLORS[0]))), name="samples")
        else:
            self._add(xs, ys, brush=self._value_brushes(y), name="samples")
        self.plot.getPlotItem().enableAutoRange()
        self.note.setText(self._note_text(ds, fy))
        self._place_ring()

    def _place_ring(self) -> None:
        row = self._chosen_row
        at = self.dot_position(row) if row >= 0 else None
        if at is None and self._dataset is not None and 0 <= row < self._dataset.n_samples:
            # A dot thinned out of the picture: ring where it would be (without jitter).
            fx, fy = self.features_shown()
            ds = self._dataset
            y = ds.y[row] if ds.y.ndim == 1 else ds.y[row, 0]
            at = (float(ds.table[row, fx]), float(ds.table[row, fy]) if fy is not None else float(y))
        self.ring.show_at(at)

    def _on_scene_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not len(self._drawn_rows):
            return
        pos = self._drawn_xy
        pos_of = self._train_pos
        train = (pos_of[self._drawn_rows] >= 0 if pos_of is not None and len(pos_of)
                 else np.ones(len(self._drawn_rows), dtype=bool))
        hit = nearest_dot(self.plot.getPlotItem().vb, event.scenePos(), pos[train])
        if hit >= 0:
            event.accept()
            self.sample_clicked.emit(self.train_index_of(int(self._drawn_rows[train][hit])))
            return
        hit = nearest_dot(self.plot.getPlotItem().vb, event.scenePos(), pos[~train])
        if hit >= 0:
            event.accept()
            self.other_part_clicked.emit(int(self._drawn_rows[~train][hit]))

    def _add(self, x: np.ndarray, y: np.ndarray, brush, name: str) -> None:
        item = pg.ScatterPlotItem(x=np.asarray(x, dtype=float), y=np.asarray(y, dtype=float),
                                  size=5, pen=None, brush=brush, name=name, antialias=True)
        self.plot.addItem(item)
        self.items.append(item)

    @staticmethod
    def _value_brushes(y: np.ndarray) -> list:
        values = (y if y.ndim == 1 else y[:, 0]).astype(np.float64)
        lo, hi = float(values.min()), float(values.max())
        scaled = (values - lo) / (hi - lo) if hi > lo else np.zeros_like(values)
        colors = pg.colormap.get("viridis").mapToQColor(scaled)
        return [pg.mkBrush(_see_through(c)) for c in colors]

    def _note_text(self, ds, fy: int | None) -> str:
        parts = []
        if ds.task == "regression":
            parts.append("Colour shows the value to predict (dark = low, yellow = high)."
                         if fy is not None else "Each dot: the input across, the value to predict up.")
        if ds.image_shape is not None:
            h, w = ds.image_shape
            parts.append(f"Each sample is a {h}\u00d7{w} picture; two of its pixels are drawn.")
        if ds.n_features > 2:
            parts.append(f"Showing 2 of the {ds.n_features} features; pick others above.")
        if self._rows is not None:
            parts.append(f"Showing {len(self._rows):,} of {ds.n_samples:,} points.")
        if any(self.jittered):
            parts.append("Whole numbers are spread out a little so equal samples stay visible "
                         "(only in the picture).")
        return " ".join(parts)


def _see_through(color: QColor) -> QColor:
    c = QColor(color)
    c.setAlpha(DOT_ALPHA)
    return c
