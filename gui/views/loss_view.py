"""Loss vs step: per run the full-data loss (solid), the batch loss (thin, translucent), with EMA on
the shadow model's loss (dashed), and with a regulariser its penalty (dotted; the solid curve is
then the data loss alone); log y option; a vertical line at the cursor."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox

from engine.registry import REGULARIZERS
from gui.i18n import tr
from gui.style import run_colour
from gui.views.common import MAX_POINTS, ViewBase, drawable, sample_steps, set_labels
from gui.views.ghosts import LossGhosts
from gui.views.legend import mark_coinciding
from gui.views.overlays import path_width
from gui.views.ranges import DivergenceLabel

BATCH_BINS = 400  # a dense zig-zag of batch losses costs ~5 ms per curve to rasterise


def binned_batch_loss(history: np.ndarray, k: int, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batch loss of updates 1..k: every value when few, else the mean over the bins between the
    sampled steps (picking every m-th update would alias with the batch cycle)."""
    if k < 1:
        return np.zeros(0, np.int64), np.zeros(0)
    if k <= len(steps):
        idx = np.arange(1, k + 1)
        return idx, history[idx]
    starts = np.unique(np.clip(steps, 1, k))
    vals = history[1:k + 1]
    with np.errstate(invalid="ignore", over="ignore"):
        finite = np.isfinite(vals)
        sums = np.add.reduceat(np.where(finite, vals, 0.0), starts - 1)
        counts = np.add.reduceat(finite.astype(np.int64), starts - 1)
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return starts, means


def binned_from_sums(sums: np.ndarray, steps: np.ndarray, k: int, bins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """As binned_batch_loss over history rows 1..k, from the run's running sums of batch losses
    (``Run.batch_loss_sums``): no pass over the history, and exact also where older rows were
    thinned (a bin's mean covers every update in it).  Bins start at the rows ``bins``."""
    starts = np.unique(np.clip(bins, 1, k))
    edges = np.append(starts - 1, k)            # bin i: rows starts[i] … edges[i+1]
    total = sums[edges[1:]] - sums[edges[:-1]]
    count = steps[edges[1:]] - steps[edges[:-1]]
    return starts, total / np.maximum(count, 1)


MAX_DROP_LINES = 40


def rate_drop_steps(run, limit: int) -> np.ndarray:
    """Updates at which the run's stepped schedule lowers the rate (update u uses global step
    u − 1), up to its step count; empty when not stepped or more than ``limit`` drops."""
    sch = run.config.schedule
    if not (sch.staircase and sch.advance_global_step and sch.name in ("exponential", "inverse_time")):
        return np.zeros(0)
    n = max(run.config.steps, run.step)
    count = int(n // sch.decay_steps)
    if count == 0 or count > limit:
        return np.zeros(0)
    drops = np.ceil(np.arange(1, count + 1) * sch.decay_steps) + 1
    return drops[drops <= n]


class LossView(ViewBase):
    key, title = "loss", "Loss"   # (gui.view_protocol)
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.log_box = self._text(QCheckBox(), "log y", "Loss on a logarithmic axis")
        self.log_box.toggled.connect(self._on_log_toggled)
        self.batch_box = self._text(QCheckBox(), "batch loss",
                                    "Also the loss of each update's batch (thin; binned when long)")
        self.batch_box.setChecked(True)
        self.batch_box.toggled.connect(self._on_batch_toggled)
        self._toolbar.addWidget(self.log_box)
        self._toolbar.addWidget(self.batch_box)
        self._finish_toolbar()
        self._add_step_plot()
        self.hover_dot = pg.ScatterPlotItem(size=9, brush=pg.mkBrush("k"))
        self.pi.addItem(self.hover_dot, ignoreBounds=True)
        self.pi.scene().sigMouseMoved.connect(self._on_scene_moved)
        self._drop_lines: list[pg.InfiniteLine] = []
        session.config_changed.connect(self._on_session_config_changed)
        self.ghosts = LossGhosts(self)       # ghost branches, dashed (gui.views.ghosts)
        self._connect()

    def _on_session_rebuilt(self) -> None:
        self._remove_run_items()
        for lab in getattr(self, "_div_labels", []):
            self.pi.removeItem(lab)
        self._div_labels: list[DivergenceLabel] = []
        self._legend_texts: list[str] = []
        runs = self.session.runs
        if not self._empty_unless_runs():
            return
        loss_name = runs[0].config.loss.name
        set_labels(self.pi, tr("step (updates)"), tr("loss") if runs[0].problem.objective   # the function itself
                   else tr("loss ({name})", name=loss_name))
        name = self.session.preset.name
        self.log_box.blockSignals(True)
        self.log_box.setChecked(name in ("opt4_1", "optimizer-zoo", "opt4_7", "opt4_8"))
        self.log_box.blockSignals(False)
        self.pi.setLogMode(y=self.log_box.isChecked())
        for i, run in enumerate(runs):
            c = pg.mkColor(run_colour(i))
            faint = pg.mkColor(c)
            faint.setAlpha(90)
            items = dict(batch=pg.PlotDataItem(pen=pg.mkPen(faint, width=1)),
                         full=pg.PlotDataItem(pen=pg.mkPen(c, width=path_width(i, len(runs), 2.5, 4.5))))
            items["full"].setZValue(1 + 0.01 * i)
            if run.config.ema.enabled:
                items["ema"] = pg.PlotDataItem(pen=pg.mkPen(c, width=2, style=Qt.DashLine))
            reg = run.config.reg
            if reg.kind != "none":
                items["penalty"] = pg.PlotDataItem(pen=pg.mkPen(c, width=2.2, style=Qt.DotLine))
            for it in items.values():
                self.pi.addItem(it)
            self._div_labels.append(DivergenceLabel(run_colour(i)))
            self.pi.addItem(self._div_labels[-1], ignoreBounds=True)
            self._legend_texts.append(run.label if reg.kind == "none" else tr("{label} (data loss)", label=run.label))
            self.legend.addItem(items["full"], self._legend_texts[-1])
            if "ema" in items:
                self.legend.addItem(items["ema"], tr("{label} (EMA)", label=run.label))
            if "penalty" in items:
                term = REGULARIZERS[reg.kind].formula.split("loss + ", 1)[-1]
                self.legend.addItem(items["penalty"], tr("{label} (penalty {term})", label=run.label, term=term))
            self._items.append(items)
        self._mark_rate_drops()
        self.pi.enableAutoRange()

    def _on_session_config_changed(self, _label: str) -> None:
        self._mark_rate_drops()

    def _mark_rate_drops(self) -> None:
        """Faint vertical lines where a stepped (staircase) schedule lowers the rate, so a kink in
        the loss can be matched with its cause; omitted when they would be too dense to read."""
        for line in self._drop_lines:
            self.pi.removeItem(line)
        self._drop_lines = []
        for i, run in enumerate(self.session.runs):
            steps = rate_drop_steps(run, MAX_DROP_LINES)
            for u in steps:
                line = pg.InfiniteLine(pos=float(u), angle=90, movable=False,
                                       pen=pg.mkPen(run_colour(i), width=1, style=Qt.DotLine))
                line.setZValue(-5)
                self.pi.addItem(line, ignoreBounds=True)
                self._drop_lines.append(line)

    def _on_batch_toggled(self, _on: bool) -> None:
        self._on_session_frame()

    def _on_log_toggled(self, on: bool) -> None:
        self.pi.setLogMode(y=on)
        self._on_session_frame()
        self.pi.enableAutoRange()

    def _draw_frame(self) -> None:
        if not self.session.is_ready:
            return
        cursor = self.session.cursor
        self.cursor_line.setValue(cursor)
        log = self.log_box.isChecked()
        for run, items in zip(self.session.runs, self._items):
            k = min(cursor, run.step)
            steps = sample_steps(k, self.curve_points)
            full = run.losses(steps)
            self._set(items["full"], steps, full, log, run.label)
            r = int(run.rows([k])[0])       # binned over history rows (older ones may be thinned)
            bins = sample_steps(r, BATCH_BINS * self.curve_points // MAX_POINTS)
            if r > len(bins):          # long: bin means from the running sums (no pass over the history)
                brows, batch = binned_from_sums(run.batch_loss_sums, run.steps_history, r, bins)
            else:
                brows, batch = binned_batch_loss(run.batch_loss_history, r, bins)
            bsteps = run.steps_history[brows]
            if self.batch_box.isChecked():
                self._set(items["batch"], bsteps, batch, log, run.label)
            else:
                items["batch"].setData([], [])
            if "ema" in items:
                ema = run.losses(steps, ema=True)
                self._set(items["ema"], steps, ema, log, run.label)
            if "penalty" in items:
                pen = run.penalties(steps)
                self._set(items["penalty"], steps, pen, log, run.label)
        self.ghosts.draw()
        for run, items, lab in zip(self.session.runs, self._items, self._div_labels):
            lab.show_at(self.pi.vb, run, *items["full"].getData())
        mark_coinciding(self.legend, self.pi.vb, [(items["full"], text, items["full"].getData())
                                                  for items, text in zip(self._items, self._legend_texts)])
        self._show_accuracy(cursor)

    def _show_accuracy(self, cursor: int) -> None:
        """Classifiers: each run's accuracy at the cursor beside the loss (Run.accuracy)."""
        parts = []
        for run in self.session.runs:
            if run.problem.objective or run.problem.dataset.kind == "regression":
                return
            acc = run.accuracy(min(cursor, run.step))
            if acc is not None:
                parts.append(f"{run.label} {100 * acc:.1f} %")
        if parts:
            self.readout.setText(tr("accuracy: {parts}", parts=", ".join(parts)))

    def _set(self, item, x, y, log: bool, label: str) -> None:
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        m = drawable(x, y)
        if log:
            m &= y > 0
        item.setData(x[m], y[m])
        self._note_bounds(x[m], np.log10(y[m]) if log else y[m], label)

    def _on_scene_moved(self, pos) -> None:
        with self.session.reading():      # the trainer may be writing the histories
            self._hover(pos)

    def _hover(self, pos) -> None:
        vb = self.pi.vb
        if not vb.sceneBoundingRect().contains(pos) or not self.session.runs or not self.session.is_ready:
            return
        p = vb.mapSceneToView(pos)
        step = int(round(p.x()))
        parts, best = [], None
        for run in self.session.runs:
            k = int(np.clip(step, 0, min(self.session.cursor, run.step)))
            loss = float(run.losses([k])[0])
            parts.append(f"{run.label}: {loss:.4g}")
            yv = np.log10(loss) if self.log_box.isChecked() and loss > 0 else loss
            if np.isfinite(yv) and (best is None or abs(yv - p.y()) < abs(best[1] - p.y())):
                best = (k, yv)
        self.readout.setText(tr("step {k}", k=max(step, 0)) + " — " + ", ".join(parts))
        if best is not None:
            self.hover_dot.setData([best[0]], [best[1]])

    def export_items(self):
        return self.pi

    def view_data(self) -> dict[str, np.ndarray]:
        """Every recorded step of every run up to the cursor (no sampling): step, full-data loss,
        batch loss of the update that led to it, and the EMA loss / penalty the view draws."""
        cols: dict[str, np.ndarray] = {}
        for run, items in zip(self.session.runs, self._items):
            rows = np.arange(int(run.rows([min(self.session.cursor, run.step)])[0]) + 1)
            steps = run.steps_history[rows]
            cols[f"{run.label}_step"] = steps
            cols[f"{run.label}_loss"] = run.losses(steps)
            cols[f"{run.label}_batch_loss"] = run.batch_loss_history[rows]
            if "ema" in items:
                cols[f"{run.label}_ema_loss"] = run.losses(steps, ema=True)
            if "penalty" in items:
                cols[f"{run.label}_penalty"] = run.penalties(steps)
        return cols
