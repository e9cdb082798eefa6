"""Loss surface, 2-D: heat map + labelled contours + colour bar, each run's path and current point,
the start and the known minimum; click to set the start; optional negative-gradient arrows.

2 parameters: the exact plane.  More: a plane through the selected run's θ (PCA of its path or
random filter-normalised directions), computed in the background.  1 parameter: the curve loss(w)
with each run's successive points joined by jump segments.  With EMA on, the shadow path (dashed)
and its current point (hollow diamond); "with penalty" adds a regularised run's λ-term to the surface.
"""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QPushButton

from gui.i18n import tr
from gui.style import run_colour
from gui.views import surface2d_compute as C, surface_data as D
from gui.views.common import MAX_PATH, MAX_PATH_PLAYING, ViewBase, drawable, legend, path_rows, set_labels, style_plot
from gui.views.ghosts import SurfaceGhosts
from gui.views.jobs import JobRunner
from gui.views.legend import mark_coinciding
from gui.views.surface2d_layers import SurfaceLayers
from gui.views.surface2d_mouse import SurfaceMouse
from gui.views.ranges import ALL, DivergenceLabel, limit_points, range_policy
from gui.views.overlays import Backdrop, path_width, run_items

RESCALE_S = 0.3      # at most one window change per this many seconds
AUTO_PLANE_S = 2.0   # at most one automatic plane recompute per this many seconds (each repaints the backdrop)


class Surface2DView(SurfaceLayers, SurfaceMouse, ViewBase):
    key, title = "surface", "Surface 2-D"   # (gui.view_protocol)
    play_hz = 60.0   # the main view follows every frame while playing

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.arrows_box = self._text(QCheckBox(), "Gradient arrows", "The negative gradient of the loss on a grid")
        self.arrows_box.toggled.connect(self._on_arrows_toggled)
        self.penalty_box = self._text(QCheckBox(), "with penalty",
                                      "Draw loss + the regulariser's penalty (λ of a regularised run)")
        self.penalty_box.toggled.connect(self._on_penalty_toggled)
        self.run_combo = QComboBox()
        self.kind_combo = QComboBox()
        self.kind_combo.addItem(tr("PCA of the path"), "pca")
        self.kind_combo.addItem(tr("random (filter-normalised)"), "random")
        self.recompute_button = self._text(QPushButton(), "Recompute plane",
                                           "A new plane through the selected run's θ at this step")
        self.recompute_button.clicked.connect(self.request_plane)
        self.run_combo.activated.connect(self._on_combo_activated)
        self.kind_combo.activated.connect(self._on_combo_activated)
        for w in (self.arrows_box, self.penalty_box, self.run_combo, self.kind_combo, self.recompute_button):
            self._toolbar.addWidget(w)
        self._finish_toolbar()

        self.plot = pg.PlotWidget()
        self.layout().addWidget(self.plot, 1)
        pi = self.pi = self.plot.getPlotItem()
        style_plot(pi)
        self.legend = legend(pi)
        self._add_layers(pi)         # heat map, colour bar, contours, arrows, curve, minimum
        self._run_items: list[dict] = []
        self._pending: D.Surface | None = None    # a surface that arrived while playing
        self._div_labels: list[DivergenceLabel] = []
        self.backdrop = Backdrop(pi.vb, self._static_items, self._moving_items)
        self.kind = "none"
        self.surface: D.Surface | None = None
        self.proj: D.Projector | None = None
        self.curve_range: tuple[float, float] | None = None
        self.log_colours = False
        self._img = None
        self._last_rescale = 0.0
        self._last_auto = 0.0
        self._later = QTimer(self)      # a deferred re-check when a rescale was throttled
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._on_session_frame_emitted)   # while playing: in a draw turn, under the lock
        self._surface_reg = None        # (reg code, λ) the drawn surface includes, or None
        session.config_changed.connect(self._on_session_config_changed)
        self.runner = JobRunner(self)
        self.runner.finished.connect(self._on_runner_finished)
        self.runner.failed.connect(self._on_runner_failed)
        self.ghosts = SurfaceGhosts(self)    # ghost branches, dimmed (gui.views.ghosts)
        self._connect_mouse()        # hover read-out, click to set the start (surface2d_mouse)
        self._connect()

    # --- structure ----------------------------------------------------------------------------
    def _on_session_rebuilt(self) -> None:
        for items in self._run_items:
            for it in items.values():
                self.pi.removeItem(it)
        for lab in self._div_labels:
            self.pi.removeItem(lab)
        self._run_items, self._div_labels = [], []
        self.legend.clear()
        self.runner.cancel()
        self.surface, self.proj, self.curve_range = None, None, None
        runs = self.session.runs
        if not runs or not self.session.is_ready:
            self.kind = "none"
            self._show_mode()
            return
        problem = runs[0].problem
        self.kind = D.surface_kind(problem)
        self._show_mode()
        for i, run in enumerate(runs):
            items = run_items(run_colour(i), run.config.ema.enabled, path_width(i, len(runs)), i)
            for it in items.values():
                self.pi.addItem(it)
            self._div_labels.append(DivergenceLabel(run_colour(i)))
            self.pi.addItem(self._div_labels[-1], ignoreBounds=True)
            self.legend.addItem(items["path"], run.label)
            if "ema" in items:
                self.legend.addItem(items["ema"], tr("{label} (EMA shadow)", label=run.label))
            self._run_items.append(items)
        if self._run_items:
            self.legend.addItem(self._start_sample, tr("start"))
        self.penalty_box.setEnabled(D.penalty_source(runs) is not None)
        minimum = problem.minimum() if not (self.penalty_box.isChecked() and D.penalty_source(runs)) else None
        if self.kind in ("exact", "curve") and minimum is not None:
            my = minimum[1] if self.kind == "exact" else runs[0].evaluator().curve_losses(minimum)[0]
            self.min_item.setData([minimum[0]], [my])
            self.min_item.show()
            name = tr("least-squares solution") if not problem.objective else tr("minimum")
            self.legend.addItem(self._min_sample, name)
        else:
            self.min_item.setData([], [])
            self.min_item.hide()
        if self.kind == "curve":
            self.legend.addItem(self.curve, tr("loss({w})", w=problem.layout.names[0]))
        self.run_combo.clear()
        for run in runs:
            self.run_combo.addItem(run.label)
        self._set_axis_labels()
        if self.kind == "exact":
            self._rescale_exact()
        elif self.kind == "curve":
            self._rescale_curve()
        else:
            self.request_plane()

    def _set_axis_labels(self) -> None:
        runs = self.session.runs
        if not runs:
            return
        bx, ly = D.axis_names(runs[0].problem, self.kind, self.kind_combo.currentData())
        if self.kind == "curve":
            ly = tr("loss") if runs[0].problem.objective else tr("loss ({name})", name=runs[0].config.loss.name)
        set_labels(self.pi, bx, ly)

    # --- surfaces (computed by gui.views.surface2d_compute) -------------------------------------
    def _rescale_exact(self) -> None:
        """A new window around the paths: the surface and its picture are made off the GUI
        thread (``runner``); the view shows them when they arrive."""
        job, self._surface_reg = C.exact_job(self.session, self.penalty_box.isChecked())
        self._last_rescale = time.perf_counter()
        self.runner.submit(job)

    def _rescale_curve(self) -> None:
        w, loss, self.curve_range, self._surface_reg = C.loss_curve(self.session, self.penalty_box.isChecked())
        self._last_rescale = time.perf_counter()
        self._set_xy(self.curve, w, loss)
        fin = loss[drawable(loss)]
        if fin.size:          # the window is the curve's (a diverged run's points may lie far off it)
            lo, hi = float(fin.min()), float(fin.max())
            pad = 0.05 * (hi - lo) if hi > lo else max(abs(hi) * 0.1, 1.0)
            self.pi.disableAutoRange()
            self.pi.setRange(xRange=self.curve_range, yRange=(lo - pad, hi + pad), padding=0.02)
        self.backdrop.follow(self.session.playing)

    def request_plane(self) -> None:
        """Recompute the plane for a >2-parameter problem in the background."""
        if self.kind != "plane" or not self.session.runs or not self.session.is_ready:
            return
        sel = max(self.run_combo.currentIndex(), 0)
        job, self._surface_reg = C.plane_job(self.session, sel, self.kind_combo.currentData(),
                                             self.penalty_box.isChecked())
        self._set_axis_labels()
        self._last_auto = time.perf_counter()
        self.readout.setText(tr("computing the plane…"))
        self.runner.submit(job)

    def _on_combo_activated(self, _index: int) -> None:
        self.request_plane()

    def _on_runner_failed(self, text: str) -> None:
        self.readout.setText(tr("surface failed: {e}", e=text))

    def _on_runner_finished(self, surf: D.Surface) -> None:
        if self.kind not in ("plane", "exact") or (surf.plane.kind == "exact") != (self.kind == "exact"):
            return
        if self.session.playing:        # shown in the next frame, which reads the histories under the lock
            self._pending = surf
            return
        self._adopt(surf)

    def _adopt(self, surf: D.Surface, draw: bool = True) -> None:
        if self.kind == "plane":
            self.proj = D.Projector(surf.plane)
            self.readout.setText("")
        self._show_surface(surf)
        if draw:
            self._on_session_frame()

    def _update_arrows(self) -> None:
        surf = self.surface
        if surf is None or not self.arrows_box.isChecked() or not self.session.runs:
            self.arrow_item.setData([], [])
            return
        x, y, self._surface_reg = C.arrows(self.session, surf, self.penalty_box.isChecked())
        self.arrow_item.setData(x, y)
        self.backdrop.follow(self.session.playing)

    def _on_arrows_toggled(self, _on: bool) -> None:
        self._update_arrows()

    def _recompute(self) -> None:
        if self.session.runs and self.session.is_ready and self.kind != "none":
            {"exact": self._rescale_exact, "curve": self._rescale_curve, "plane": self.request_plane}[self.kind]()

    def _on_penalty_toggled(self, _on: bool) -> None:
        self._on_session_rebuilt()     # the marked minimum and the surface both change

    def _on_session_config_changed(self, _label: str) -> None:
        """λ (or the regulariser) changed: the penalised surface follows at once."""
        if not self.penalty_box.isChecked():
            return
        src = D.penalty_source(self.session.runs)
        now = None if src is None else (src.config.reg.kind, src.config.reg.lam)
        if now != self._surface_reg:
            self._recompute()

    # --- per frame ----------------------------------------------------------------------------
    def _draw_frame(self) -> None:
        if not self.session.is_ready or self.kind == "none":
            return
        pending, self._pending = self._pending, None
        if pending is not None:
            self._adopt(pending, draw=False)
        runs = self.session.runs
        cursor = self.session.cursor
        if self.kind == "plane" and self.proj is None:
            return
        outside = False
        playing = self.session.playing
        n_path = MAX_PATH_PLAYING if playing else MAX_PATH
        policy = range_policy(runs, cursor)
        entries = []
        for run, items, div in zip(runs, self._run_items, self._div_labels):
            k = min(cursor, run.step)
            rows = path_rows(int(run.rows([k])[0]), n_path)   # history rows (the history may be thinned)
            th = run.theta_history[rows]
            x, y = self._coords(run, th, rows)
            entries.append((items["path"], run.label, (x, y)))
            self._set_xy(items["path"], x, y)
            self._set_xy(items["current"], x[-1:], y[-1:])
            sx, sy = self._coords(run, run.theta_history[:1], np.array([0]))
            self._set_xy(items["start"], sx, sy)      # a Marker: an unmoved start costs no repaint
            if "ema" in items:
                ex, ey = self._coords(run, run.ema_history[rows], rows, ema=True)
                self._set_xy(items["ema"], ex, ey)
                self._set_xy(items["ema_current"], ex[-1:], ey[-1:])
            lx, ly = limit_points(x, y, run.steps_history[rows], policy.get(run.label, ALL))
            m = drawable(lx, ly)
            if m.any():
                outside |= not (self._inside(lx[m].min(), ly[m].min()) and self._inside(lx[m].max(), ly[m].max()))
            div.show_at(self.pi.vb, run, x[drawable(x, y)], y[drawable(x, y)])
        self.ghosts.draw()
        mark_coinciding(self.legend, self.pi.vb, entries)      # (a label changes only when the answer does)
        if self._user_range:        # the user panned or zoomed: "fit view" (F) brings the fit back
            return
        now = time.perf_counter()
        if outside and self.kind in ("exact", "curve"):
            wait = RESCALE_S - (now - self._last_rescale)
            if wait <= 0:
                self._rescale_exact() if self.kind == "exact" else self._rescale_curve()
            elif not self._later.isActive():
                self._later.start(int(wait * 1000) + 10)
        elif self.kind == "plane" and self.surface is not None and not self.runner.busy:
            moved = abs(cursor - self.surface.step)
            if outside or moved > max(200, 0.5 * self.surface.step):
                wait = AUTO_PLANE_S - (now - self._last_auto)
                if wait <= 0:
                    self.request_plane()
                elif not self._later.isActive():
                    self._later.start(int(wait * 1000) + 10)

    def _on_session_playing_changed(self, playing: bool) -> None:
        # while playing only the paths and markers are painted every frame: the layers that
        # stay put are one backdrop pixmap
        super()._on_session_playing_changed(playing)
        self.backdrop.freeze() if playing else self.backdrop.thaw()

    def _moving_items(self) -> list:
        return [it for items in self._run_items for it in items.values()] + self._div_labels + [self.legend] \
            + self.ghosts.items()

    def _coords(self, run, th: np.ndarray, rows, ema: bool = False) -> tuple[np.ndarray, np.ndarray]:
        if self.kind == "exact":
            return th[:, 0], th[:, 1]
        if self.kind == "plane":
            p = self.proj(th)
            return p[:, 0], p[:, 1]
        steps = run.steps_history[rows]
        return th[:, 0], run.losses(steps, ema=ema)

    def _inside(self, x: float, y: float) -> bool:
        if self.kind == "curve":
            return self.curve_range is None or self.curve_range[0] <= x <= self.curve_range[1]
        return self.surface is None or self.surface.contains(x, y)

    def _retranslate(self) -> None:
        for i, text in enumerate(("PCA of the path", "random (filter-normalised)")):
            self.kind_combo.setItemText(i, tr(text))

    def _fit(self) -> None:
        """Fit view: the window around the paths that behave, recomputed."""
        self._recompute()

    # --- export -------------------------------------------------------------------------------
    def export_items(self):
        return self.pi

    def view_data(self) -> dict[str, np.ndarray]:
        """Every recorded step of every run's path up to the cursor (no sampling), in the view's
        coordinates (θ, plane coordinates, or w and its loss)."""
        out: dict[str, np.ndarray] = {}
        if self.kind == "none" or (self.kind == "plane" and self.proj is None):
            return out
        for run in self.session.runs:
            rows = np.arange(int(run.rows([min(self.session.cursor, run.step)])[0]) + 1)
            x, y = self._coords(run, run.theta_history[rows], rows)
            out[f"{run.label}_step"] = run.steps_history[rows]
            out[f"{run.label}_x"] = np.asarray(x)
            out[f"{run.label}_y"] = np.asarray(y)
        return out

    @property
    def busy(self) -> bool:
        """A surface job running or waiting, or a throttled redraw to come."""
        return self.runner.busy or self._later.isActive()

    def shutdown(self) -> None:
        self._later.stop()
        self.runner.cancel()
        self.runner.wait()

