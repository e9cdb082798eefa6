"""How a plot view keeps its ranges: a step plot notes its data bounds each frame and keeps its
range while playing until the data outgrow it (``_follow_range``: no axis regenerated, no second
paint, on every update), fits them when paused (``_fit_range``); a pan or zoom by the user keeps
its range until "Fit view (F)".  A mixin of ``ViewBase`` (it uses ``pi``, ``_bounds``,
``_policy``, ``_step_plot``, ``follows_range`` and ``_user_range``)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QAction

from gui.views.ranges import ALL, limit_points


def _outgrown(data: tuple[float, float], view: tuple[float, float]) -> bool:
    """Data bounds beyond the view range (by more than 1 % of it: the bounds include a few
    pixels of pen padding, which change with the scale) or filling under half of it (a constant,
    such as a fixed learning rate, fits wherever it lies inside)."""
    (d0, d1), (v0, v1) = data, view
    tol = 0.01 * (v1 - v0)
    return d0 < v0 - tol or d1 > v1 + tol or (d1 > d0 and (d1 - d0) < 0.5 * (v1 - v0))


class StepRanges:
    def _note_bounds(self, x: np.ndarray, y: np.ndarray, label: str | None = None) -> None:
        """Widen this frame's data bounds (view coordinates: log10 y on a log axis) by points just
        set; the ranges come from them.  A diverged run's points are noted only up to where it ran
        away (``sane_limit``), so its blow-up does not squash the others."""
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if label is not None and self._policy:      # x is the step axis
            x, y = limit_points(x, y, x, self._policy.get(label, ALL))
        if len(x) == 0:
            return
        m = np.isfinite(x) & np.isfinite(y)
        if not m.all():
            x, y = x[m], y[m]
            if len(x) == 0:
                return
        b = (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
        if self._bounds is None:
            self._bounds = b
        else:
            o = self._bounds
            self._bounds = (min(o[0], b[0]), max(o[1], b[1]), min(o[2], b[2]), max(o[3], b[3]))

    def _fit_range(self) -> None:
        """Fit a step plot's ranges to this frame's (sane) data bounds."""
        if self._bounds is None:
            return
        x0, x1, y0, y1 = self._bounds
        x0 = max(x0, 0.0)                 # steps start at 0; a lone start point gets a few steps of room
        x1 = max(x1, x0 + 10.0)
        if not y1 > y0:
            pad = max(abs(y0) * 0.1, 1e-12)
            y0, y1 = y0 - pad, y1 + pad
        self.pi.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.04)

    def _follow_range(self) -> None:
        """Keep a step plot's range while its data fit; when they outgrow it (or shrink to under
        half of it) set a new one with room to grow: x to twice the steps drawn, y padded 20 %."""
        if self._bounds is None:
            return
        vb = self.pi.vb
        x0, x1, y0, y1 = self._bounds
        xr = yr = None
        if _outgrown((x0, x1), vb.viewRange()[0]):
            xr = (x0, x0 + 2.0 * max(x1 - x0, 1.0))
        if _outgrown((y0, y1), vb.viewRange()[1]):
            span = y1 - y0 if y1 > y0 else max(abs(y1), 1e-12)
            yr = (y0 - 0.2 * span, y1 + 0.2 * span)
        if xr is not None or yr is not None:
            vb.setRange(xRange=xr, yRange=yr, padding=0.0)
            # pyqtgraph applies a new range lazily, when the view is about to paint, and the items
            # it moves then ask for a second paint in the next frame: apply it now instead
            self.pi.scene().prepareForPaint()

    # --- fit view ---------------------------------------------------------------------------------
    def _add_fit_action(self, pi: pg.PlotItem) -> None:
        """"Fit view (F)" at the top of the plot's context menu; a pan or zoom by the user keeps
        its range until then."""
        menu = getattr(pi.vb, "menu", None)
        if menu is None:          # a colour bar: nothing to fit
            return
        action = self._text(QAction(menu), "Fit view (F)")
        action.triggered.connect(self.fit_view)
        menu.insertAction(menu.actions()[0] if menu.actions() else None, action)
        menu.insertSeparator(menu.actions()[1] if len(menu.actions()) > 1 else None)
        self._fit_actions = getattr(self, "_fit_actions", []) + [action]
        pi.vb.sigRangeChangedManually.connect(self._on_range_changed_manually)

    def _on_range_changed_manually(self, *_args) -> None:
        self._user_range = True

    def fit_view(self) -> None:
        """Back to the range that fits the data (after the user panned or zoomed, or a run
        diverged): step plots fit their sane data, other views refit in ``_fit``."""
        self._user_range = False
        if self._step_plot and self.follows_range:
            self._on_session_frame()
            self._fit_range()
        else:
            self._fit()

    def _fit(self) -> None:
        """A view's own fit (default: pyqtgraph's auto range on every plot)."""
        for pi in self._plot_items():
            pi.vb.enableAutoRange()
            pi.vb.autoRange()
