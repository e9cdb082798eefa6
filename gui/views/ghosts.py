"""Ghost branches (engine.branches) drawn in a view: dimmed, dashed, in their run's colour.

``SurfaceGhosts`` draws each ghost run's path on the 2-D surface from the fork step to the
ghost's head (before the fork it is the live path) and a hollow point at the cursor, so the live
run races the old future; ``LossGhosts`` draws each ghost run's loss from the fork step as a
dashed curve.  Legend: "gd (ghost, forked at 6,500)".  Items are made when the branches change
and updated with setData each frame; a ghost that trains another model or data set than the live
runs is not drawn.  A view owns one layer: it calls ``draw()`` from its frame and lists
``items()`` among its moving items.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt

from gui.i18n import LANGUAGE, tr
from gui.style import run_colour
from gui.views.common import MAX_PATH, MAX_PATH_PLAYING, MAX_POINTS, MAX_POINTS_PLAYING, sample_steps
from gui.views.overlays import Marker

GHOST_ALPHA = 215       # of 255, of the run's colour paled towards white: dimmed, yet readable on the map
PALE = 0.45             # how far towards white
LOSS_ALPHA = 200


def pale(colour, alpha: int = GHOST_ALPHA):
    """The run's colour, paler and translucent (a ghost's)."""
    c = pg.mkColor(colour)
    out = pg.mkColor(*(int(v + (255 - v) * PALE) for v in (c.red(), c.green(), c.blue())))
    out.setAlpha(alpha)
    return out


def ghost_label(label: str, step: int) -> str:
    return tr("{label} (ghost, forked at {k})", label=label, k=f"{step:,}")


def ghost_steps(branch, run, n: int) -> np.ndarray:
    """At most ~n steps from the fork step to the ghost's head (both included)."""
    span = max(run.step - branch.step, 0)
    return branch.step + sample_steps(span, n)


class GhostLayer(QObject):
    """The ghost items of one view (``view.pi``, ``view.legend``, ``view.session``); a child of
    the view, so its connections go with it."""
    z = {"path": 10.6, "current": 13.6, "full": 1.5}     # above the live paths: dashes over a shared stretch

    def __init__(self, view):
        super().__init__(view)
        self.view = view
        self.entries: list[tuple] = []          # (branch, run, {name: item}, legend text)
        s = view.session
        s.rebuilt.connect(self.rebuild)       # (after the view's own rebuild: connected later)
        s.branches_changed.connect(self._on_session_branches_changed)
        s.config_changed.connect(self._on_session_config_changed)    # which ghosts differ from the live runs
        LANGUAGE.changed.connect(self._on_language_changed)
        self.rebuild()

    def ghosts(self) -> list[tuple]:
        """(branch, run, colour) of every ghost run that can be drawn with the live runs and differs
        from the live run of its label (the same settings retrace the same steps: nothing to see)."""
        s = self.view.session
        live = [r.label for r in s.runs]
        out = []
        for b in getattr(s, "branches", []):
            if not b.fits(s.runs):
                continue
            differ = b.differing(s.runs)
            for i, r in enumerate(b.runs):
                if any(r is d for d in differ):
                    out.append((b, r, run_colour(live.index(r.label) if r.label in live else i)))
        return out

    def items(self) -> list:
        return [it for _b, _r, items, _t in self.entries for it in items.values()]

    def rebuild(self) -> None:
        pi, legend = self.view.pi, self.view.legend
        for it in self.items():
            pi.removeItem(it)
            legend.removeItem(it)
        self.entries = []
        for branch, run, colour in self.ghosts():
            items = self._make(colour)
            for name, it in items.items():
                it.setZValue(self.z[name])
                pi.addItem(it)
            self.entries.append((branch, run, items, ghost_label(run.label, branch.step)))
        self._ensure_legend()

    def _ensure_legend(self) -> None:
        """The ghosts' legend entries (a view that rebuilt its own legend cleared them)."""
        legend = self.view.legend
        shown = {id(sample.item) for sample, _label in legend.items}
        for _b, _r, items, text in self.entries:
            first = next(iter(items.values()))
            if id(first) not in shown:
                legend.addItem(first, text)

    def _on_session_branches_changed(self) -> None:
        self.rebuild()
        if self.view.session.is_ready:
            self.view.draw()

    def _on_session_config_changed(self, _label: str) -> None:
        if self.entries or getattr(self.view.session, "branches", None):
            self.rebuild()

    def _on_language_changed(self, _code: str) -> None:
        for it in self.items():
            self.view.legend.removeItem(it)
        self.entries = [(b, r, items, ghost_label(r.label, b.step)) for b, r, items, _t in self.entries]
        self._ensure_legend()

    def draw(self) -> None:
        if self.entries:
            self._ensure_legend()
        for branch, run, items, _text in self.entries:
            self._draw(branch, run, items)

    def _make(self, colour) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def _draw(self, branch, run, items) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class SurfaceGhosts(GhostLayer):
    """Ghost paths on ``gui.views.surface2d.Surface2DView`` (its ``kind`` and ``_coords``)."""

    def _make(self, colour) -> dict:
        fill = pg.mkColor("w")
        fill.setAlpha(200)
        return dict(path=pg.PlotDataItem(pen=pg.mkPen(pale(colour), width=2.5, style=Qt.DashLine)),
                    current=Marker("o", 13, fill, pg.mkPen(colour, width=2.5)))

    def _draw(self, branch, run, items) -> None:
        v = self.view
        if v.kind == "none" or (v.kind == "plane" and v.proj is None):
            for it in items.values():
                it.setData([], [])
            return
        steps = ghost_steps(branch, run, MAX_PATH_PLAYING if v.session.playing else MAX_PATH)
        rows = np.unique(run.rows(steps))
        x, y = v._coords(run, run.theta_history[rows], rows)
        v._set_xy(items["path"], x, y)
        k = min(v.session.cursor, run.step)
        if k >= branch.step:
            r = run.rows([k])
            cx, cy = v._coords(run, run.theta_history[r], r)
            v._set_xy(items["current"], cx, cy)
        else:
            items["current"].setData([], [])


class LossGhosts(GhostLayer):
    """Ghost loss curves on ``gui.views.loss_view.LossView`` (its ``_set`` notes the ranges)."""

    def _make(self, colour) -> dict:
        c = pg.mkColor(colour)
        c.setAlpha(LOSS_ALPHA)
        return dict(full=pg.PlotDataItem(pen=pg.mkPen(c, width=2.2, style=Qt.DashLine)))

    def _draw(self, branch, run, items) -> None:
        v = self.view
        n = MAX_POINTS_PLAYING if v.session.playing else MAX_POINTS
        steps = ghost_steps(branch, run, max(n // 2, 2))
        v._set(items["full"], steps, run.losses(steps), v.log_box.isChecked(), None)
