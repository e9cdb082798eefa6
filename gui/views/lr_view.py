"""Learning rate vs step: each run's rate as applied (from its history), and for decaying
schedules the stepped (staircase) and smooth curves of the same schedule drawn together, both
computed by the engine's schedule function; the current step marked on every curve, and the
formula with the live values."""
from __future__ import annotations

import html
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from engine.schedules import FORMULAS, learning_rates
from gui.draw_rate import Readout
from gui.i18n import tr
from gui.style import FONT_PT, run_colour
from gui.views.common import ViewBase, history_sample, set_labels
from gui.views.overlays import Marker

MAX_CURVE = 4000


def staircase_xy(steps: np.ndarray, lr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A true staircase through (step, lr) samples: hold each value until the next step."""
    if len(steps) < 2:
        return steps.astype(float), lr
    x = np.repeat(steps.astype(float), 2)[1:]
    y = np.repeat(lr, 2)[:-1]
    return x, y


def schedule_curves(run, last: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Rates the run's schedule gives updates 1..last (global step 0..last−1), x = update number:
    ``own`` with the run's settings and, for schedules with a staircase option, ``other`` with
    the staircase flipped — both from ``engine.schedules.learning_rates``."""
    cfg = run.config
    n = max(int(last), 1)
    gsteps = np.unique(np.concatenate([np.linspace(0, n - 1, min(n, MAX_CURVE)).astype(np.int64),
                                       _boundaries(cfg.schedule, n)]))
    gsteps = gsteps[(gsteps >= 0) & (gsteps < n)]
    out = {"own": (gsteps + 1, learning_rates(cfg.optimizer.lr, cfg.schedule, gsteps))}
    if cfg.schedule.name in ("exponential", "inverse_time"):
        flipped = replace(cfg.schedule, staircase=not cfg.schedule.staircase)
        out["other"] = (gsteps + 1, learning_rates(cfg.optimizer.lr, flipped, gsteps))
    return out


def _is_stepped(sched) -> bool:
    return sched.name in ("exponential", "inverse_time") and sched.staircase


def _boundaries(sched, n: int) -> np.ndarray:
    """Global steps where a stepped schedule drops (and the step before), so no drop is skipped."""
    if sched.name in ("exponential", "inverse_time") and sched.decay_steps >= 1:
        b = np.arange(sched.decay_steps, n, sched.decay_steps)
        if b.size > MAX_CURVE:
            return np.zeros(0, np.int64)
        b = np.ceil(b).astype(np.int64)
        return np.concatenate([b, b - 1])
    if sched.name == "piecewise":
        b = np.asarray(sched.boundaries, dtype=np.int64)
        return np.concatenate([b, b + 1])
    return np.zeros(0, np.int64)


def formula_body(run, step: int) -> tuple[int, int, str]:
    """(update, global_step, formula with values) for the update that led to step ``step``
    (update ``step``, which ran at global_step step − 1; at step 0 the next update, update 1)."""
    cfg = run.config
    s = cfg.schedule
    u = max(step, 1)
    g = u - 1 if s.advance_global_step else 0
    lr = float(learning_rates(cfg.optimizer.lr, s, [g])[0])
    base = cfg.optimizer.lr
    if s.name == "exponential":
        p = g / s.decay_steps
        expo = f"⌊{g} / {s.decay_steps:g}⌋ = {np.floor(p):g}" if s.staircase else f"{g} / {s.decay_steps:g} = {p:.4g}"
        body = (f"lr = base · decay<sup>step / decay_steps</sup> = {base:g} · {s.decay:g}<sup>{expo}</sup>"
                f" = <b>{lr:.6g}</b>")
    elif s.name == "constant":
        body = f"lr = base = <b>{lr:.6g}</b>"
    else:
        body = f"{html.escape(FORMULAS[s.name])} = <b>{lr:.6g}</b>"
    return u, g, body


def formula_text(run, step: int) -> str:
    u, g, body = formula_body(run, step)
    return tr("{label}, update {u} (global_step {g})", label=html.escape(run.label), u=f"{u:,}", g=f"{g:,}") \
        + ": " + body


def formula_lines(runs, cursor: int) -> list[str]:
    """One line per distinct formula, naming the runs it describes (runs with the same schedule
    and rate at this step share a line)."""
    groups: dict[tuple, list[int]] = {}
    for i, run in enumerate(runs):
        groups.setdefault(formula_body(run, min(cursor, run.step)), []).append(i)
    lines = []
    for (u, g, body), idx in groups.items():
        squares = "".join(f"<span style='color:{run_colour(i)}'>■</span>" for i in idx)
        labels = ", ".join(html.escape(runs[i].label) for i in idx)
        lines.append(f"{squares} " + tr("{label}, update {u} (global_step {g})", label=labels, u=f"{u:,}",
                                        g=f"{g:,}") + ": " + body)
    return lines


MAX_FORMULAS = 2     # formula lines above the plot (more go to the tooltip)


class LRView(ViewBase):
    key, title = "lr", "Learning rate"   # (gui.view_protocol)
    follows_range = False    # _set_ranges: from 0 to the top rate, the planned steps wide
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.formula = QLabel("")          # one line per run, wrapped: never widens the panel
        self.formula.setTextFormat(Qt.RichText)
        self.formula.setWordWrap(True)
        self.formula.setContentsMargins(6, 0, 6, 0)
        f = self.formula.font()
        f.setPointSize(FONT_PT)
        self.formula.setFont(f)
        self.layout().addWidget(self.formula)
        self._formula_readout = Readout(session, self.formula, self._update_formula)
        self.scheduled_parts = (self._formula_readout,)   # refreshed with the other readouts
        self._add_step_plot(legend_offset=(10, -10))   # bottom left: rates start high and fall
        self._curves: list[dict] = []
        session.config_changed.connect(self._on_session_config_changed)
        self._connect()

    def _on_session_rebuilt(self) -> None:
        self._remove_run_items()
        self._empty_unless_runs()
        set_labels(self.pi, tr("step (updates)"), tr("learning rate"))
        for i, run in enumerate(self.session.runs):
            c = pg.mkColor(run_colour(i))
            light = pg.mkColor(c)
            light.setAlpha(110)
            items = {
                "own": pg.PlotDataItem(pen=pg.mkPen(light, width=2)),
                "applied": pg.PlotDataItem(pen=pg.mkPen(c, width=3)),
                "dots": Marker("o", 11, c, pg.mkPen("k", width=1)),
            }
            if i == 0:  # the same schedule with the staircase flipped, drawn once, in grey
                items["other"] = pg.PlotDataItem(pen=pg.mkPen("#555555", width=2, style=Qt.DashLine))
                items["other_dot"] = Marker("o", 9, "w", pg.mkPen("#555555", width=2))
            for it in items.values():
                self.pi.addItem(it)
            self._items.append(items)
        self._refresh_curves()
        self.pi.enableAutoRange()

    def _on_session_config_changed(self, _label: str) -> None:
        self._refresh_curves()
        self._on_session_frame()

    def _refresh_curves(self) -> None:
        """Recompute the schedule curves from the current settings (no training needed)."""
        self._curves = []
        self.legend.clear()
        for run, items in zip(self.session.runs, self._items):
            last = max(run.config.steps, run.step, 1)
            curves = schedule_curves(run, last)
            self._curves.append(curves)
            x, y = curves["own"]
            if _is_stepped(run.config.schedule):
                x, y = staircase_xy(x, y)
            self._set_xy(items["own"], x, y)
            self.legend.addItem(items["applied"], tr("{label}: rate applied", label=run.label))
            if run.config.schedule.name != "constant":   # a constant schedule is the applied line itself
                kind = tr("stepped") if _is_stepped(run.config.schedule) else tr("smooth") \
                    if run.config.schedule.name in ("exponential", "inverse_time") else run.config.schedule.name
                self.legend.addItem(items["own"], tr("{label}: {kind} schedule", label=run.label, kind=kind))
            if "other" in items:
                if "other" in curves:
                    x, y = curves["other"]
                    stepped_other = not run.config.schedule.staircase
                    if stepped_other:
                        x, y = staircase_xy(x, y)
                    self._set_xy(items["other"], x, y)
                    self.legend.addItem(items["other"], tr("stepped (staircase=True)") if stepped_other
                                        else tr("smooth (staircase=False)"))
                else:
                    items["other"].setData([], [])

    def _draw_frame(self) -> None:
        if not self.session.runs:
            return
        cursor = self.session.cursor
        self.cursor_line.setValue(cursor)
        g = max(cursor - 1, 0)
        applied_top = 0.0
        for run, items, curves in zip(self.session.runs, self._items, self._curves):
            k = min(cursor, run.step)
            rows, steps = history_sample(run, k, self.curve_points)
            rows, steps = rows[1:], steps[1:]       # row 0 (the start) has no update
            lr = run.lr_history[rows]
            finite = lr[np.isfinite(lr)]
            if finite.size:
                applied_top = max(applied_top, float(finite.max()))
            x, y = staircase_xy(steps, lr)
            self._set_xy(items["applied"], x, y)
            cfg = run.config
            last = int(run.rows([k])[0])
            dot = learning_rates(cfg.optimizer.lr, cfg.schedule, [g]) if k < 1 else run.lr_history[[last]]
            self._set_xy(items["dots"], [max(int(run.steps_history[last]), 1)], dot)
            if "other_dot" in items:
                if "other" in curves:
                    flipped = replace(cfg.schedule, staircase=not cfg.schedule.staircase)
                    self._set_xy(items["other_dot"], [max(cursor, 1)],
                                 learning_rates(cfg.optimizer.lr, flipped, [g]))
                else:
                    items["other_dot"].setData([], [])
        self._set_ranges(applied_top)

    def _update_formula(self) -> None:
        """The formula line(s) for the cursor's step: a Readout, refreshed with the others."""
        if not self.session.runs:
            self.formula.setText("")
            return
        lines = formula_lines(self.session.runs, self.session.cursor)
        shown = lines[:MAX_FORMULAS - 1] if len(lines) > MAX_FORMULAS else lines
        if len(lines) > len(shown):      # the rest in the tooltip: the plot keeps its room
            shown.append(tr("… {n} more (hover here)", n=len(lines) - len(shown)))
        self.formula.setText("<br>".join(shown))
        self.formula.setToolTip("<br>".join(lines))

    def _set_ranges(self, applied_top: float) -> None:
        """Rates are ≥ 0: the y axis runs from 0 to a little above the largest rate drawn (a flat,
        constant rate would otherwise autorange to ±0.5 around it); x spans the planned steps.
        (So this view keeps its own ranges: no _follow_range while playing.)"""
        top, right = applied_top, 1.0
        for run, curves in zip(self.session.runs, self._curves):
            for _x, y in curves.values():
                finite = y[np.isfinite(y)]
                if finite.size:
                    top = max(top, float(finite.max()))
            right = max(right, run.config.steps, run.step)
        if top > 0:
            self.pi.setYRange(0.0, top * 1.12, padding=0)
        self.pi.setXRange(0.0, right, padding=0.02)

    def export_items(self):
        return self.pi

    def view_data(self) -> dict[str, np.ndarray]:
        """Every recorded step of every run up to the cursor (no sampling): the rate of the update
        that led to it, and for a stepped/smooth schedule the other curve's rate there."""
        cols: dict[str, np.ndarray] = {}
        for run, curves in zip(self.session.runs, self._curves):
            rows = np.arange(1, int(run.rows([min(self.session.cursor, run.step)])[0]) + 1)
            steps = run.steps_history[rows]
            cols[f"{run.label}_step"] = steps
            cols[f"{run.label}_lr"] = run.lr_history[rows]
            if "other" in curves:
                cfg = run.config
                flipped = replace(cfg.schedule, staircase=not cfg.schedule.staircase)
                cols[f"{run.label}_other_lr"] = learning_rates(cfg.optimizer.lr, flipped, steps - 1)
        return cols
