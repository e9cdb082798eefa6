"""The views following slow motion (``gui.slow_motion``): what the phase on screen is about,
drawn where it happens, for the run picked in the panel.

- The batch fed (and its predictions and gradient): the batch's data points ringed on that run's
  decision map (classifier presets; the rows are the engine's, ``engine.phases``'s batch phase).
- The gradient (from the gradient phase to the update): an arrow on the 2-D loss surface from θ
  along −g, scaled so that it is seen (the legend gives the factor); on a plane through a
  many-parameter θ both ends are projected onto the plane as the path is.
- The update vector: an arrow from θ before to θ after, true scale (its head has a fixed size in
  pixels, so a step shorter than a pixel still shows its direction); the new θ is marked from
  the "new θ" phase on; the EMA phase shows the shadow's move towards it (true scale).

Every vector drawn is the engine's (``engine.phases.Update``: θ before and after, the gradient,
the EMA shadow).  Items are made once per plot and changed with ``setData``; the panel's
``phase_shown`` signal says what to show (None: leave slow motion, everything is removed).
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject

from engine.phase_text import fmt
from gui.i18n import LANGUAGE, tr
from gui.views.legend import AutoLegend
from gui.views.phase_arrow import PixelArrow

GRADIENT_COLOUR = "#E8007D"      # −g: magenta (no run has it), on a white halo
UPDATE_COLOUR = "#111111"        # Δθ: black on a white halo
EMA_COLOUR = "#00D5F5"           # the shadow's move: cyan on a dark halo
ARROW_SHARE = 0.25               # the scaled gradient spans about this share of the view
BATCH_PHASES = ("batch", "forward", "gradient")        # the batch stays ringed while its loss and gradient show
GRADIENT_PHASES = ("gradient", "reg", "lr", "slots", "update")
UPDATE_PHASES = ("update", "theta")          # (the EMA phase shows the shadow's move towards the new θ)
AFTER_PHASES = ("theta", "ema")


def nice_scale(raw: float) -> float:
    """The largest 1, 2 or 5 × 10^e not above ``raw`` (a factor that reads at a glance)."""
    if not (math.isfinite(raw) and raw > 0):
        return 1.0
    e = math.floor(math.log10(raw))
    m = raw / 10.0 ** e
    return (5.0 if m >= 5 else 2.0 if m >= 2 else 1.0) * 10.0 ** e


def shown_gradient(update, key: str) -> tuple[np.ndarray, bool]:
    """The gradient the phase ``key`` is about: the data loss's in the gradient phase, from the
    regularisation term on the one with the penalty (the one the optimiser uses); whether it has it."""
    keys = update.keys
    if key == "gradient" or "reg" not in keys:
        return update.phase("gradient").values["grad_data"], False
    return update.phase("reg").values["grad"], True


class SurfaceFollower:
    """The arrows and marks on a ``Surface2DView`` (made once, on its plot)."""

    def __init__(self, view):
        self.view = view
        pi = view.pi
        self.gradient = PixelArrow(GRADIENT_COLOUR, width=3.0, head=16)
        self.delta = PixelArrow(UPDATE_COLOUR, width=2.5, head=17)
        self.ema = PixelArrow(EMA_COLOUR, width=2.5, head=13, halo=(0, 0, 0, 200))
        self.after = pg.ScatterPlotItem(symbol="s", size=13, brush=None, pen=pg.mkPen(UPDATE_COLOUR, width=2.2))
        self.ema_after = pg.ScatterPlotItem(symbol="d", size=13, brush=pg.mkBrush(EMA_COLOUR), pen=pg.mkPen("k", width=1.2))
        for z, item in enumerate((self.ema, self.ema_after, self.gradient, self.delta, self.after)):
            item.setZValue(30 + z)
            item.setVisible(False)
            pi.addItem(item, ignoreBounds=True)
        # the legend's samples (the arrows themselves are no curves a legend can draw)
        self.samples = dict(
            gradient=pg.PlotDataItem(pen=pg.mkPen(GRADIENT_COLOUR, width=3), symbol="t2", symbolSize=9,
                                     symbolBrush=GRADIENT_COLOUR, symbolPen=GRADIENT_COLOUR),
            delta=pg.PlotDataItem(pen=pg.mkPen(UPDATE_COLOUR, width=2.5), symbol="t2", symbolSize=9,
                                  symbolBrush=UPDATE_COLOUR, symbolPen=UPDATE_COLOUR),
            after=pg.ScatterPlotItem(symbol="s", size=13, brush=None, pen=pg.mkPen(UPDATE_COLOUR, width=2.2)),
            ema=pg.PlotDataItem(pen=pg.mkPen(EMA_COLOUR, width=2.5), symbol="d", symbolSize=10,
                                symbolBrush=EMA_COLOUR, symbolPen="k"),
            note=pg.PlotDataItem(pen=None))          # a line of text under the one before
        self.caption = AutoLegend(corner=(0, 1)).attach(pi, own=False)
        self.scale = None              # the factor the gradient arrow is drawn with (None: not drawn)
        self._caption_key = None
        self._shown = None
        pi.vb.sigRangeChanged.connect(self._on_view_changed)
        view.runner.finished.connect(self._on_view_changed)   # a new surface or plane (after the view took it)

    # --- where θ is drawn ----------------------------------------------------------------------
    def coords(self, run, thetas: np.ndarray):
        """The view's coordinates of θ rows, as it draws the path (None: it cannot yet)."""
        v, th = self.view, np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        if v.kind == "exact":
            return th[:, 0].copy(), th[:, 1].copy()
        if v.kind == "plane":
            if v.proj is None:
                return None
            p = v.proj(th)
            return p[:, 0], p[:, 1]
        if v.kind == "curve":
            return th[:, 0].copy(), run.evaluator().losses(th)
        return None

    # --- drawing -------------------------------------------------------------------------------
    def show(self, shown) -> None:
        self._shown = shown
        if shown is None:
            return self.clear()
        run, _index, u, key = shown
        th0, th1 = u.before["theta"], u.after["theta"]
        base = self.coords(run, th0)
        if base is None:
            return self.clear()
        entries = []
        self.scale = None
        if key in GRADIENT_PHASES:
            g, penalised = shown_gradient(u, key)
            s = self._scale_for(run, th0, g, base)
            x, y = self.coords(run, np.stack([th0, th0 - s * g]))
            if self.view.kind == "curve":
                y = np.array([y[0], y[0]])          # along the w axis, at the loss of θ
            self.gradient.setData(x, y)
            self.scale = s
            text = (tr("−g = −∇(loss + penalty), scaled ×{s}", s=fmt(s, 3)) if penalised
                    else tr("−g = −∇loss, scaled ×{s}", s=fmt(s, 3)))
            entries.append(("gradient", text))
            if self.view.kind == "plane":
                entries.append(("note", tr("(both ends projected onto the plane)")))
        else:
            self.gradient.setData([], [])
        if key in UPDATE_PHASES:
            x, y = self.coords(run, np.stack([th0, th1]))
            self.delta.setData(x, y)
            entries.append(("delta", tr("Δθ: θ before → after (true scale)")))
        else:
            self.delta.setData([], [])
        if key in AFTER_PHASES:
            x, y = self.coords(run, th1[None, :])
            self.after.setData(x, y)
            self.after.setVisible(True)
            entries.append(("after", tr("θ after the update")))
        else:
            self.after.setData([], [])
            self.after.setVisible(False)
        if key == "ema" and u.after.get("ema") is not None and u.before.get("ema") is not None:
            x, y = self.coords(run, np.stack([u.before["ema"], u.after["ema"]]))
            self.ema.setData(x, y)
            self.ema_after.setData(x[1:], y[1:])
            self.ema_after.setVisible(True)
            entries.append(("ema", tr("EMA shadow: before → after (true scale)")))
        else:
            self.ema.setData([], [])
            self.ema_after.setData([], [])
            self.ema_after.setVisible(False)
        self._set_caption(entries)
        self._refresh_backdrop()

    def clear(self) -> None:
        for item in (self.gradient, self.delta, self.ema, self.after, self.ema_after):
            item.setData([], [])
            item.setVisible(False)
        self.scale = None
        self._set_caption([])
        self._refresh_backdrop()

    def _scale_for(self, run, th0, g, base) -> float:
        """A 1-2-5 factor for −g that makes it about ARROW_SHARE of the view's window."""
        (x0, x1), (y0, y1) = self.view.pi.vb.viewRange()
        wx, wy = max(abs(x1 - x0), 1e-300), max(abs(y1 - y0), 1e-300)
        tip = self.coords(run, (th0 - g)[None, :])
        dx = float(tip[0][0] - base[0][0])
        dy = 0.0 if self.view.kind == "curve" else float(tip[1][0] - base[1][0])
        share = math.hypot(dx / wx, dy / wy)
        return nice_scale(ARROW_SHARE / share) if share > 0 else 1.0

    def _set_caption(self, entries) -> None:
        key = (tuple(entries), LANGUAGE.code)
        if key == self._caption_key:
            return
        self._caption_key = key
        self.caption.clear()
        for name, text in entries:
            self.caption.addItem(self.samples[name], text)

    def _refresh_backdrop(self) -> None:
        """While playing the static layers are one picture: painted again without the arrows."""
        bd = getattr(self.view, "backdrop", None)
        if bd is not None and bd.frozen:
            bd.refresh()

    def _on_view_changed(self, *_args) -> None:
        """The window (the gradient's factor follows it) or the plane (the projection) changed."""
        if self._shown is not None:
            self.show(self._shown)


class DecisionFollower:
    """Rings around the batch's points on the picked run's decision map (one ring item per plot,
    made when the view makes its plots); the view's readout says what the rings are."""

    def __init__(self, view):
        self.view = view
        self._rings: dict[int, tuple] = {}    # id(plot) → (plot, halo, ring)
        self.rows: tuple[int, int] | None = None   # the rows ringed (None: none)

    def _ring(self, pi):
        entry = self._rings.get(id(pi))
        if entry is None or entry[0] is not pi:
            halo = pg.ScatterPlotItem(size=15, pen=pg.mkPen("w", width=4.5), brush=None)
            ring = pg.ScatterPlotItem(size=15, pen=pg.mkPen("k", width=2.2), brush=None)
            for z, item in enumerate((halo, ring)):
                item.setZValue(11 + z)
                pi.addItem(item, ignoreBounds=True)
            entry = self._rings[id(pi)] = (pi, halo, ring)
        return entry

    def show(self, shown) -> None:
        plots = self.view.plots()
        alive = {id(pi) for pi in plots}
        self._rings = {k: v for k, v in self._rings.items() if k in alive}
        rows = None
        if shown is not None and plots:
            _run, index, u, key = shown
            if key in BATCH_PHASES and "batch" in u.keys and index < len(plots):
                rows = tuple(int(r) for r in u.phase("batch").values["rows"])
        self.rows = rows
        for i, pi in enumerate(plots):
            ringed = rows is not None and i == shown[1]
            if not ringed and id(pi) not in self._rings:
                continue                   # rings are made only where a batch is shown
            _pi, halo, ring = self._ring(pi)
            if ringed:
                X = shown[0].problem.X[rows[0]:rows[1]]
                for item in (halo, ring):
                    item.setData(X[:, 0], X[:, 1])
            else:
                for item in (halo, ring):
                    item.setData([], [])
        if rows is None:
            self.view.readout.setText("")
        else:
            u = shown[2]
            self.view.readout.setText(tr("○ ringed: the batch of update {u}, rows {r0} … {r1} ({label})",
                                         u=f"{u.k + 1:,}", r0=rows[0], r1=rows[1] - 1, label=shown[0].label))

    def forget(self) -> None:
        """The view is about to clear its plots: take the rings off them first, so the layout
        clears only the view's own items."""
        for pi, halo, ring in self._rings.values():
            for item in (halo, ring):
                try:
                    pi.removeItem(item)
                except RuntimeError:       # (already deleted with its plot)
                    pass
        self._rings = {}

    def ringed(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """The points ringed on plot i (tests)."""
        plots = self.view.plots()
        if i >= len(plots) or id(plots[i]) not in self._rings:
            return np.zeros(0), np.zeros(0)
        return self._rings[id(plots[i])][2].getData()


class PhaseOverlay(QObject):
    """Follows the Slow motion panel's ``phase_shown`` on the window's surface and decision views."""

    def __init__(self, window, panel):
        super().__init__(panel)
        from gui.views.decision_view import DecisionView
        from gui.views.surface2d import Surface2DView
        surface, decision = window.views.get("surface"), window.views.get("decision")
        self.surface = SurfaceFollower(surface) if isinstance(surface, Surface2DView) else None
        self.decision = DecisionFollower(decision) if isinstance(decision, DecisionView) else None
        self.shown = None
        panel.phase_shown.connect(self._on_panel_phase_shown)
        if self.decision is not None:
            decision.plots_made.connect(self._on_decision_plots_made)
            decision.plots_clearing.connect(self.decision.forget)
        LANGUAGE.changed.connect(self._on_language_changed)

    def _on_panel_phase_shown(self, shown) -> None:
        """``shown``: (run, its index, engine.phases.Update, phase key), or None."""
        self.shown = shown
        self._draw()

    def _draw(self) -> None:
        if self.surface is not None:
            self.surface.show(self.shown)
        if self.decision is not None:
            self.decision.show(self.shown)

    def _on_decision_plots_made(self) -> None:
        self.decision.show(self.shown)

    def _on_language_changed(self, _code: str) -> None:
        self._draw()


def install_phase_overlay(window, panel) -> PhaseOverlay:
    """The views of ``window`` following the Slow motion ``panel``; sets window.phase_overlay."""
    window.phase_overlay = PhaseOverlay(window, panel)
    return window.phase_overlay
