"""Parameters vs step: each θ component of each run (≤ 6 parameters), or, for larger models, the
norm of each layer's weights and biases; a vertical line at the cursor."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gui.i18n import tr
from gui.style import run_colour
from gui.views.common import ViewBase, drawable, history_sample, set_labels

MAX_COMPONENTS = 6
STYLES = [Qt.SolidLine, Qt.DashLine, Qt.DotLine, Qt.DashDotLine, Qt.DashDotDotLine, Qt.SolidLine]


def series(problem) -> list[tuple[str, object]]:
    """(name, fn(θ rows) -> values) for what this view plots of a problem's θ."""
    lay = problem.layout
    if lay.size <= MAX_COMPONENTS:
        return [(name, (lambda th, j=j: th[:, j])) for j, name in enumerate(lay.names)]
    out = []
    for b in lay.blocks:
        n = int(np.prod(b.shape))
        out.append((f"‖{b.name}‖", (lambda th, o=b.offset, n=n: np.linalg.norm(th[:, o:o + n], axis=1))))
    return out


class ParamsView(ViewBase):
    key, title = "params", "Parameters"   # (gui.view_protocol)
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self._finish_toolbar()
        self._add_step_plot()
        self._series: list[tuple[str, object]] = []
        self.pi.scene().sigMouseMoved.connect(self._on_scene_moved)
        self._connect()

    def _on_session_rebuilt(self) -> None:
        self._remove_run_items()
        runs = self.session.runs
        if not self._empty_unless_runs():
            return
        problem = runs[0].problem
        self._series = series(problem)
        many = problem.layout.size > MAX_COMPONENTS
        set_labels(self.pi, tr("step (updates)"),
                   tr("layer norm") if many else tr("parameter value"))
        self.readout.setText(tr("{n} parameters: showing the norm of each layer", n=problem.layout.size)
                             if many else "")
        for i, run in enumerate(runs):
            items = []
            for j, (name, _fn) in enumerate(self._series):
                pen = pg.mkPen(run_colour(i), width=2, style=STYLES[j % len(STYLES)])
                it = pg.PlotDataItem(pen=pen)
                self.pi.addItem(it)
                self.legend.addItem(it, f"{run.label} {name}")
                items.append(it)
            self._items.append(items)
        self.pi.enableAutoRange()

    def _draw_frame(self) -> None:
        if not self.session.is_ready:
            return
        cursor = self.session.cursor
        self.cursor_line.setValue(cursor)
        for run, items in zip(self.session.runs, self._items):
            rows, steps = history_sample(run, cursor, self.curve_points)
            th = run.theta_history[rows]
            for (name, fn), it in zip(self._series, items):
                y = fn(th)
                m = drawable(steps, y)
                xs, ys = steps[m].astype(np.float64), y[m]
                it.setData(xs, ys)
                self._note_bounds(xs, ys, run.label)

    def _on_scene_moved(self, pos) -> None:
        with self.session.reading():      # the trainer may be writing the histories
            self._hover(pos)

    def _hover(self, pos) -> None:
        vb = self.pi.vb
        if not vb.sceneBoundingRect().contains(pos) or not self.session.runs or not self.session.is_ready:
            return
        step = max(int(round(vb.mapSceneToView(pos).x())), 0)
        parts = []
        for run in self.session.runs:
            k = int(run.rows([min(step, self.session.cursor, run.step)])[0])
            th = run.theta_history[k:k + 1]
            vals = ", ".join(f"{name}={float(fn(th)[0]):.4g}" for name, fn in self._series[:4])
            parts.append(f"{run.label}: {vals}")
        self.readout.setText(tr("step {k}", k=step) + " — " + "; ".join(parts))

    def export_items(self):
        return self.pi

    def view_data(self) -> dict[str, np.ndarray]:
        """Every recorded step of every run up to the cursor (no sampling) and the series drawn."""
        cols: dict[str, np.ndarray] = {}
        for run in self.session.runs:
            rows = np.arange(int(run.rows([min(self.session.cursor, run.step)])[0]) + 1)
            th = run.theta_history[rows]
            cols[f"{run.label}_step"] = run.steps_history[rows]
            for name, fn in self._series:
                cols[f"{run.label}_{name}"] = fn(th)
        return cols
