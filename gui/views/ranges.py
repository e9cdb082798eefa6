"""Which part of each run a view's ranges come from, so a divergence keeps the picture readable.

A run that diverged (or is running away: its θ far beyond where it started) would stretch a plot
to ±1e11 and squash the others into a dot.  Ranges therefore come from the runs that behave; when
every run ran away, from each run's history up to the step where it left the neighbourhood of its
start.  The runs are still drawn in full; a diverged run's last point in view carries a
"diverged at step k" label (``DivergenceLabel``).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gui.i18n import tr

RUNAWAY = 1e4      # |θ|∞ beyond this × max(1, |θ0|∞): running away
NEAR = 100.0       # … and within this × the same scale: still near the start (the sane part)
ALL = None         # a policy value: every recorded step of the run counts


def _scale(run) -> float:
    t0 = run.theta0
    return max(1.0, float(np.max(np.abs(t0)))) if t0.size and np.all(np.isfinite(t0)) else 1.0


def running_away(run, k: int) -> bool:
    """Diverged by step k, or its θ at step k is non-finite or far beyond its start."""
    if run.diverged_at is not None and k >= run.step:
        return True
    th = run.theta_history[int(run.rows([min(k, run.step)])[0])]
    return (not np.all(np.isfinite(th))) or float(np.max(np.abs(th))) > RUNAWAY * _scale(run)


def near_start_until(run, k: int) -> int:
    """The last step ≤ k up to which the run stayed near its start (|θ|∞ ≤ NEAR × scale)."""
    last = int(run.rows([min(k, run.step)])[0])
    th = run.theta_history[:last + 1]
    with np.errstate(invalid="ignore", over="ignore"):
        bad = ~np.all(np.isfinite(th), axis=1) | (np.max(np.abs(th), axis=1) > NEAR * _scale(run))
    if not bad.any():
        return int(run.steps_history[last])
    first = int(np.argmax(bad))
    return int(run.steps_history[max(first - 1, 0)])


def range_policy(runs, cursor: int) -> dict[str, int | None]:
    """Per run label: ALL (every step counts for the ranges), a step limit (count steps up to
    it), or −1 (leave the run out of the ranges)."""
    k = {r.label: min(cursor, r.step) for r in runs}
    away = {r.label: running_away(r, k[r.label]) for r in runs}
    if not all(away.values()):
        return {r.label: (-1 if away[r.label] else ALL) for r in runs}
    return {r.label: near_start_until(r, k[r.label]) for r in runs}


def limit_points(x: np.ndarray, y: np.ndarray, steps: np.ndarray, limit) -> tuple[np.ndarray, np.ndarray]:
    """The points whose step is within a policy value (see ``range_policy``)."""
    if limit is ALL:
        return x, y
    if limit < 0:
        return x[:0], y[:0]
    m = np.asarray(steps) <= limit
    return x[m], y[m]


class DivergenceLabel(pg.TextItem):
    """"run diverged at step k" beside the last point of a diverged run that is inside the view
    (pinned to the view's edge when the run left it)."""

    def __init__(self, colour: str):
        super().__init__("", color="#202020", anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 220),
                         border=pg.mkPen(colour, width=1.5))
        self.setZValue(30)
        self.setVisible(False)

    def show_at(self, vb: pg.ViewBox, run, x: np.ndarray, y: np.ndarray) -> None:
        if run.diverged_at is None or len(x) == 0:
            self.setVisible(False)
            return
        (x0, x1), (y0, y1) = vb.viewRange()
        inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1) & np.isfinite(x) & np.isfinite(y)
        if inside.any():
            i = int(np.flatnonzero(inside)[-1])
            px, py = float(x[i]), float(y[i])
        else:
            px, py = float(np.clip(x[0], x0, x1)), float(np.clip(y[0], y0, y1))
        # anchor so the label stays inside the view
        ax = 1.0 if px > (x0 + x1) / 2 else 0.0
        ay = 0.0 if py > (y0 + y1) / 2 else 1.0
        self.setAnchor((ax, ay))
        self.setText(tr("{label} diverged at step {k}", label=run.label, k=f"{run.diverged_at:,}"))
        self.setPos(px, py)
        self.setVisible(True)
