"""Decision boundary: for classifier presets, each run's network output over the input plane as a
heat map (one plot per run, the same colour scale for all), the class boundary as a line, and the
data coloured by label; titled with the run and its accuracy at the cursor.

One output: the output itself on a blue (0) → white → red (1) scale, the 0.5 contour drawn.
Several outputs: each point coloured by its argmax class, paler where the network is less sure,
with the class-boundary lines (zero contours of each class's margin over the others).
The maps are ``engine.explain.decision_map`` at the cursor's θ, computed off the GUI thread (a
``JobRunner``; the newest request wins) only when the cursor moved; the view only sets images.
The runs' plots are laid out in the grid that gives each the most room in the panel's shape,
each spanning the data's range plus a margin.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal

from gui.i18n import tr
from gui.style import FONT_PT, LABEL_BLUE, LABEL_RED, TITLE_PT
from gui.views.common import ViewBase, free_title_width, style_plot
from gui.views.contours import ContourItem, polylines, segments as contour_segments
from gui.views.jobs import JobRunner

GRID = 150
MIN_INTERVAL_S = 1 / 30          # at most this many recomputes per second while playing
CLASS_COLOURS = [LABEL_BLUE, LABEL_RED, "#1A9641", "#7B3294", "#E08214", "#404040"]
CLASSIFIER_KINDS = ("binary", "multiclass")
NOT_A_CLASSIFIER = "The decision boundary applies to classification presets: opt4_7, opt4_8, cross-entropy"


def is_classifier(problem) -> bool:
    return (not problem.objective) and problem.dataset is not None and problem.dataset.kind in CLASSIFIER_KINDS


def plane_grid(X: np.ndarray, n: int = GRID, margin: float = 0.08) -> tuple[np.ndarray, np.ndarray]:
    """A grid over the data's range on each axis plus a margin."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    half = np.maximum((hi - lo) / 2, 0.5) * (1 + margin)
    centre = (lo + hi) / 2
    return (np.linspace(centre[0] - half[0], centre[0] + half[0], n),
            np.linspace(centre[1] - half[1], centre[1] + half[1], n))


def grid_shape(n: int, width: float, height: float) -> tuple[int, int]:
    """(rows, cols) for n plots in a width × height panel: the arrangement whose cells' shorter
    side is longest (ties: fewer rows)."""
    best, shape = -1.0, (1, max(n, 1))
    for cols in range(1, max(n, 1) + 1):
        rows = max(-(-n // cols), 1)       # no runs (a preset switch in progress): one empty cell
        side = min(width / cols, height / rows)
        if side > best + 1e-9:
            best, shape = side, (rows, cols)
    return shape


def label_of(Y: np.ndarray) -> np.ndarray:
    return np.argmax(Y, axis=1) if Y.shape[1] > 1 else Y[:, 0].astype(int)


def threshold(problem) -> float:
    """The level of the boundary for one output: 0 for logits, else 0.5 (engine.explain's rule)."""
    return 0.0 if problem.config.loss.name == "softmax_ce" else 0.5


def class_image(Z: np.ndarray, probabilities: bool) -> np.ndarray:
    """RGB image (rows, cols, 3) of a several-output map: argmax class colour, paler when unsure."""
    Z = np.where(np.isfinite(Z), Z, 0.0)
    if probabilities:
        P = Z
    else:  # logits → probabilities, only to shade the colours
        e = np.exp(Z - Z.max(axis=2, keepdims=True))
        P = e / e.sum(axis=2, keepdims=True)
    k = Z.shape[2]
    cls = np.argmax(Z, axis=2)
    conf = (np.max(P, axis=2) - 1.0 / k) / (1.0 - 1.0 / k)
    t = 0.25 + 0.5 * np.clip(conf, 0.0, 1.0)
    cols = np.array([pg.mkColor(CLASS_COLOURS[i % len(CLASS_COLOURS)]).getRgbF()[:3] for i in range(k)])
    rgb = 1.0 - t[..., None] * (1.0 - cols[cls])
    return (rgb * 255).astype(np.uint8)


def map_image(Z: np.ndarray, softmax: bool) -> np.ndarray:
    """What the view shows of a map: one output as itself (finite, NaN as the undecided 0.5),
    several as the class-colour image."""
    if Z.ndim == 2:
        return np.clip(np.where(np.isfinite(Z), Z, 0.5), -1e6, 1e6)
    return class_image(Z, softmax)


def boundaries(problem, Z: np.ndarray, rect) -> list[tuple[np.ndarray, np.ndarray]]:
    """The class boundaries of a map as contour segments: the threshold contour of one output,
    else the zero contour of each class's margin over the others."""
    if Z.ndim == 2:
        return [polylines(*contour_segments(np.where(np.isfinite(Z), Z, 0.5), threshold(problem), rect))]
    return [polylines(*contour_segments(np.clip(m, -1e6, 1e6), 0.0, rect)) for m in margins(Z)]


def margins(Z: np.ndarray) -> list[np.ndarray]:
    """Per class c: z_c − max_{j≠c} z_j (its zero contour is the border of class c's region)."""
    Z = np.where(np.isfinite(Z), Z, 0.0)
    out = []
    for c in range(Z.shape[2]):
        others = np.delete(Z, c, axis=2).max(axis=2)
        out.append(Z[..., c] - others)
    return out


class DecisionView(ViewBase):
    key, title = "decision", "Decision boundary"   # (gui.view_protocol)
    play_hz = 4.0     # while playing: each redraw computes two maps in the background
    plots_made = Signal()   # the runs' plots were (re)made (a preset, a resize): overlays add theirs again
    plots_clearing = Signal()   # the plots are about to go: overlays take their items off them

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self._finish_toolbar()
        self._add_message()
        self.glw = pg.GraphicsLayoutWidget()
        self.layout().addWidget(self.glw, 4)
        self.cmap = pg.ColorMap([0.0, 0.5, 1.0], [pg.mkColor(LABEL_BLUE), pg.mkColor("w"), pg.mkColor(LABEL_RED)])
        self.bar: pg.ColorBarItem | None = None
        self._plots: list[dict] = []
        self.xs = self.ys = None
        self.maps: dict[str, np.ndarray] = {}     # run label -> the engine's map at the cursor
        self.accuracies: dict[str, float | None] = {}
        self._drawn = None          # the (cursor, steps) last asked for
        self.shown = None           # … and last shown
        self._pending = None        # maps that arrived while playing, shown in the view's next turn
        self._last = 0.0
        self.runner = JobRunner(self)
        self.runner.finished.connect(self._on_runner_finished)
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._on_session_frame_emitted)   # while playing: in a draw turn, under the lock
        session.config_changed.connect(self._on_session_config_changed)
        self._connect()

    # --- structure ----------------------------------------------------------------------------
    def _clear(self) -> None:
        self._shape = None
        self.plots_clearing.emit()
        self.glw.clear()
        self._plots = []
        self.bar = None
        self.maps, self.accuracies = {}, {}
        self._drawn = None

    def _show_message(self, text: str) -> None:
        self.show_empty(text)

    def _want_shape(self) -> tuple[int, int]:
        bar = 60 if self._has_bar() else 30     # the colour bar or the class legend: a row under the maps
        return grid_shape(len(self.session.runs), max(self.width(), 1), max(self.height() - 40 - bar, 1))

    def _has_bar(self) -> bool:
        runs = self.session.runs
        return bool(runs) and is_classifier(runs[0].problem) and runs[0].problem.layout.sizes[-1] == 1

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        shape = getattr(self, "_shape", None)
        if self._plots and shape is not None and shape != self._want_shape():
            self._on_session_rebuilt()

    def _on_session_rebuilt(self) -> None:
        self._clear()
        runs = self.session.runs
        if not runs or not is_classifier(runs[0].problem):
            self._show_message(tr(NOT_A_CLASSIFIER))
            self.plots_made.emit()
            return
        self._show_message("")
        problem = runs[0].problem
        self.xs, self.ys = plane_grid(problem.X)
        x0, y0 = self.xs[0], self.ys[0]
        dx, dy = self.xs[1] - self.xs[0], self.ys[1] - self.ys[0]
        rect = (x0 - dx / 2, y0 - dy / 2, dx * GRID, dy * GRID)
        labels = label_of(problem.Y)
        images = []
        self._shape = rows_cols = self._want_shape()
        cols = rows_cols[1]
        for i, run in enumerate(runs):
            pi = self.glw.addPlot(row=i // cols, col=i % cols)
            style_plot(pi)
            free_title_width(pi)
            pi.showGrid(x=False, y=False)
            pi.setLabel("bottom", "x1", **{"font-size": f"{FONT_PT}pt"})
            pi.setLabel("left", "x2", **{"font-size": f"{FONT_PT}pt"})
            k = run.problem.layout.sizes[-1]
            img = pg.ImageItem(axisOrder="row-major")
            img.setZValue(-10)
            if k == 1:
                img.setColorMap(self.cmap)
                images.append(img)
            pi.addItem(img)
            isos = []
            for _ in range(1 if k == 1 else k):
                iso = ContourItem(pen=pg.mkPen("#111111", width=2.5))
                iso.setZValue(5)
                pi.addItem(iso, ignoreBounds=True)
                isos.append(iso)
            pts = pg.ScatterPlotItem(size=7, pen=pg.mkPen("k", width=0.8))
            pts.setData(problem.X[:, 0], problem.X[:, 1],
                        brush=[pg.mkBrush(CLASS_COLOURS[c % len(CLASS_COLOURS)]) for c in labels])
            pts.setZValue(10)
            pi.addItem(pts)
            self._plots.append(dict(pi=pi, image=img, isos=isos, points=pts, k=k, rect=rect,
                                    softmax=run.config.model.output == "softmax"))
            self._add_fit_action(pi)
        self._fit()
        if images:
            self.bar = pg.ColorBarItem(values=(0, 1), colorMap=self.cmap, interactive=False, width=12,
                                       orientation="horizontal",
                                       label=tr("network output (0 = class 0, 1 = class 1)"))
            self.bar.setImageItem(images)
            self.glw.addItem(self.bar, row=rows_cols[0], col=0, colspan=cols)
        else:                       # classes by colour: a legend row under the maps
            self.glw.addItem(self._class_legend(labels), row=rows_cols[0], col=0, colspan=cols)
        self.plots_made.emit()
        self._on_session_frame()

    def plots(self) -> list:
        """Each run's PlotItem, in the session's run order."""
        return [items["pi"] for items in self._plots]

    def _class_legend(self, labels: np.ndarray) -> pg.LegendItem:
        """Which colour is which class: one row, under the maps (never over the data)."""
        classes = np.unique(labels)
        leg = pg.LegendItem(colCount=len(classes), labelTextSize=f"{FONT_PT - 1}pt")
        self._legend_samples = []
        for c in classes:
            sample = pg.ScatterPlotItem(size=8, pen=pg.mkPen("k", width=0.8),
                                        brush=pg.mkBrush(CLASS_COLOURS[int(c) % len(CLASS_COLOURS)]))
            self._legend_samples.append(sample)
            leg.addItem(sample, tr("class {c}", c=int(c)))
        return leg

    def _fit(self) -> None:
        """Each map spans the data's range plus a margin."""
        if self.xs is None:
            return
        for items in self._plots:
            items["pi"].setRange(xRange=(self.xs[0], self.xs[-1]), yRange=(self.ys[0], self.ys[-1]), padding=0)

    def _on_session_config_changed(self, _label: str) -> None:
        self._drawn = None
        self._on_session_frame()

    # --- per frame ----------------------------------------------------------------------------
    def _draw_frame(self) -> None:
        s = self.session
        if not s.is_ready or not self._plots:
            return
        pending, self._pending = self._pending, None
        if pending is not None:
            self._apply(pending)
        key = (s.cursor, tuple(min(s.cursor, r.step) for r in s.runs))
        if key == self._drawn:
            return
        now = time.perf_counter()
        wait = MIN_INTERVAL_S - (now - self._last)
        if wait > 0 and self._drawn is not None:
            if not self._later.isActive():
                self._later.start(int(wait * 1000) + 1)
            return
        self._last = now
        self._drawn = key
        xs, ys = self.xs, self.ys
        jobs = []
        for run in s.runs:
            k = min(s.cursor, run.step)
            theta = run.theta_history[run.rows([k])[0]].copy()   # the row of step k (history may be thinned)
            jobs.append((run.label, run.evaluator(), theta))   # (a copy of the run's model: used off-thread)

        rect = self._plots[0]["rect"]
        softmax = self._plots[0]["softmax"]

        def job():
            out = []
            for label, ev, theta in jobs:
                if not np.all(np.isfinite(theta)):
                    out.append((label, None, None, None))
                    continue
                Z = ev.decision_map(theta, xs, ys)
                out.append((label, (Z, map_image(Z, softmax)), ev.accuracy(theta), boundaries(ev.problem, Z, rect)))
            return key, out
        self.runner.submit(job)

    def _on_runner_finished(self, result) -> None:
        if self.session.playing and self.draw_turns is not None:   # applied in its next turn, not mid-frame
            self._pending = result
            self._dirty = True
            self.draw_turns.want(self)
            return
        self._apply(result)

    def _apply(self, result) -> None:
        key, maps = result
        if len(maps) != len(self._plots):
            return
        for (label, Z, acc, lines), items in zip(maps, self._plots):
            self._show_run(label, items, Z, acc, lines)
        self.shown = key
        self.place_legends()

    def wait_for_maps(self, msecs: int = 5000) -> None:
        """Block until the maps asked for are computed and shown (export, tests)."""
        from PySide6.QtCore import QCoreApplication
        self.runner.wait(msecs)
        QCoreApplication.processEvents()

    def _show_run(self, label: str, items: dict, maps, acc, lines) -> None:
        if maps is None:
            self.maps[label] = np.full((GRID, GRID) if items["k"] == 1 else (GRID, GRID, items["k"]), np.nan)
            self.accuracies[label] = None
            self._set_title(items["pi"], label, None)
            return
        Z, img = maps                       # the image was made with the map, off the GUI thread
        self.maps[label] = Z
        self.accuracies[label] = acc
        items["image"].setImage(img, levels=(0.0, 1.0) if items["k"] == 1 else (0, 255))
        for iso, (x, y, connect) in zip(items["isos"], lines):
            iso.set_segments(x, y, connect=connect)
        items["image"].setRect(*items["rect"])   # after setImage: the scale needs the image's size
        self._set_title(items["pi"], label, acc)

    @staticmethod
    def _set_title(pi, label: str, acc: float | None) -> None:
        """"run — accuracy a %", shortened to "run: a %" where the plot is narrow; a title never
        sets the plot's minimum width (pyqtgraph's does), so the maps fit the panel."""
        narrow = pi.width() < 260
        if acc is None:
            text = tr("{label} — diverged", label=label)
        elif narrow:
            text = tr("{label}: {acc} % correct", label=label, acc=f"{100 * acc:.1f}")
        else:
            text = tr("{label} — accuracy {acc} %", label=label, acc=f"{100 * acc:.1f}")
        if getattr(pi, "_descent_title", None) != text:     # an HTML relayout each time otherwise
            pi._descent_title = text
            pi.setTitle(text, size=f"{FONT_PT if narrow else TITLE_PT}pt", color="#202020")

    # --- export -------------------------------------------------------------------------------
    def export_items(self):
        return self.glw.ci

    def view_data(self) -> dict[str, np.ndarray]:
        if self.xs is None or not self.maps:
            return {}
        X, Y = np.meshgrid(self.xs, self.ys)
        out = {"x1": X.ravel(), "x2": Y.ravel()}
        for label, Z in self.maps.items():
            if Z.ndim == 2:
                out[f"{label}_output"] = Z.ravel()
            else:
                for c in range(Z.shape[2]):
                    out[f"{label}_output{c}"] = Z[..., c].ravel()
        return out

    @property
    def busy(self) -> bool:
        """A surface job running or waiting, or a throttled redraw to come."""
        return self.runner.busy or self._later.isActive()

    def shutdown(self) -> None:
        self._later.stop()
        self.runner.cancel()
        self.runner.wait()
