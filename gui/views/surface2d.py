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
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QPushButton

from engine import surface as S
from gui.i18n import tr
from gui.style import run_colour
from gui.views import surface_data as D
from gui.views.common import MAX_PATH, MAX_PATH_PLAYING, ViewBase, drawable, legend, path_rows, set_labels, style_plot
from gui.views.contours import ContourItem
from gui.views.legend import mark_coinciding
from gui.views.ranges import ALL, DivergenceLabel, limit_points, range_policy
from gui.views.overlays import Backdrop, arrow_segments, path_width, place_contours, run_items, small_font

RESCALE_S = 0.3      # at most one window change per this many seconds
AUTO_PLANE_S = 2.0   # at most one automatic plane recompute per this many seconds (each repaints the backdrop)


class Surface2DView(ViewBase):
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
        self.cmap = pg.colormap.get("viridis")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(self.cmap)
        self.image.setZValue(-10)
        pi.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=self.cmap, label="loss", interactive=False, width=16)
        self.bar.setImageItem(self.image, insert_in=pi)
        self.isos, self.iso_labels = [], []
        for _ in range(D.N_LEVELS):
            iso = ContourItem(pen=pg.mkPen(255, 255, 255, 170, width=1))
            iso.setZValue(-9)
            pi.addItem(iso, ignoreBounds=True)
            self.isos.append(iso)
            lab = pg.TextItem("", color=(20, 20, 20), anchor=(0.5, 0.5), fill=pg.mkBrush(255, 255, 255, 170))
            lab.setFont(small_font())
            pi.addItem(lab, ignoreBounds=True)
            self.iso_labels.append(lab)
        self.arrow_item = pg.PlotCurveItem(pen=pg.mkPen(0, 0, 0, 150, width=1.2), connect="pairs")
        self.arrow_item.setZValue(-5)
        pi.addItem(self.arrow_item, ignoreBounds=True)
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#404040", width=2))
        pi.addItem(self.curve)
        self.min_item = pg.ScatterPlotItem(symbol="star", size=20, brush=pg.mkBrush("#FF2D2D"),
                                           pen=pg.mkPen("k", width=1))
        self.min_item.setZValue(20)
        pi.addItem(self.min_item)
        self._run_items: list[dict] = []
        self._pending: D.Surface | None = None    # a surface that arrived while playing
        self._div_labels: list[DivergenceLabel] = []
        self.backdrop = Backdrop(pi.vb, self._static_items, self._moving_items)
        # the legend's sample of the start marker (the markers themselves are overlays.Marker) …
        self._start_sample = pg.ScatterPlotItem(symbol="o", size=11, brush=pg.mkBrush("w"), pen=pg.mkPen("k", width=1.5))
        # and of the minimum (the item itself is hidden behind the backdrop while playing, and a
        # legend shows a hidden item struck through)
        self._min_sample = pg.ScatterPlotItem(symbol="star", size=20, brush=pg.mkBrush("#FF2D2D"), pen=pg.mkPen("k", width=1))

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
        self._later.timeout.connect(self._on_session_frame)
        self._surface_reg = None        # (reg code, λ) the drawn surface includes, or None
        session.config_changed.connect(self._on_session_config_changed)
        self.runner = D.JobRunner(self)
        self.runner.finished.connect(self._on_runner_finished)
        self.runner.failed.connect(self._on_runner_failed)
        pi.scene().sigMouseMoved.connect(self._on_scene_moved)
        pi.scene().sigMouseClicked.connect(self._on_scene_clicked)
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
            my = minimum[1] if self.kind == "exact" else \
                S.curve_losses(problem, runs[0]._spec, minimum)[0]
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

    def _show_mode(self) -> None:
        self.backdrop.thaw()       # visibility below is set on the live items
        plane = self.kind == "plane"
        for w in (self.run_combo, self.kind_combo, self.recompute_button):
            w.setVisible(plane)
        self.arrows_box.setVisible(self.kind in ("exact", "plane"))
        has_image = self.kind in ("exact", "plane")
        self.image.setVisible(has_image)
        self.bar.setVisible(has_image)
        self.curve.setVisible(self.kind == "curve")
        if not has_image:
            self.image.clear()
            for iso, lab in zip(self.isos, self.iso_labels):
                iso.set_segments(np.zeros(0), np.zeros(0))
                lab.setText("")
                lab.setVisible(False)
            self.arrow_item.setData([], [])
        if self.kind != "curve":
            self.curve.setData([], [])

    def _set_axis_labels(self) -> None:
        runs = self.session.runs
        if not runs:
            return
        bx, ly = D.axis_names(runs[0].problem, self.kind, self.kind_combo.currentData())
        if self.kind == "curve":
            ly = tr("loss") if runs[0].problem.objective else tr("loss ({name})", name=runs[0].config.loss.name)
        set_labels(self.pi, bx, ly)

    # --- surfaces -----------------------------------------------------------------------------
    def _points(self) -> np.ndarray:
        """The path points (plane coordinates) the window frames: every run's that behaves, a
        diverged run's only up to where it ran away (``ranges.range_policy``)."""
        pts = []
        policy = range_policy(self.session.runs, self.session.cursor)
        for run in self.session.runs:
            k = min(self.session.cursor, run.step)
            rows = path_rows(int(run.rows([k])[0]), 2000)
            th = run.theta_history[rows]
            th, _ = limit_points(th, th, run.steps_history[rows], policy.get(run.label, ALL))
            if len(th) == 0:
                th = run.theta_history[:1]
            pts.append(self.proj(th) if self.proj is not None else th)
        pts = np.vstack(pts)
        return pts[drawable(*pts.T)] if pts.size else pts

    def _rescale_exact(self) -> None:
        """A new window around the paths: the surface and its picture are made off the GUI
        thread (``runner``); the view shows them when they arrive."""
        run = self.session.runs[0]
        minimum = run.problem.minimum()
        pts = self._points()
        extra = minimum[None, :] if minimum is not None and np.all(np.isfinite(minimum)) else None
        xr, yr = S.extent(pts, extra)
        spec, pen = self._surface_spec(0)
        problem = run.problem
        self._last_rescale = time.perf_counter()
        self.runner.submit(lambda: D.grid_surface(problem, spec, S.exact_plane(2), xr, yr, with_penalty=pen))

    def _rescale_curve(self) -> None:
        runs = self.session.runs
        pts = self._points().ravel()
        minimum = runs[0].problem.minimum()
        if minimum is not None:
            pts = np.append(pts, minimum)
        pts = pts[drawable(pts)]
        lo, hi = (float(pts.min()), float(pts.max())) if pts.size else (-1.0, 1.0)
        half = max((hi - lo) / 2 * 1.2, 0.5)
        mid = (lo + hi) / 2
        self.curve_range = (mid - half, mid + half)
        w = np.linspace(mid - half, mid + half, D.CURVE)
        spec, pen = self._surface_spec(0)
        loss = S.curve_losses(runs[0].problem, spec, w, with_penalty=pen)
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
        runs = self.session.runs
        if self.kind != "plane" or not runs or not self.session.is_ready:
            return
        sel = max(self.run_combo.currentIndex(), 0)
        kind = self.kind_combo.currentData()
        cursor = self.session.cursor
        trajs = [r.theta_history[:int(r.rows([min(cursor, r.step)])[0]) + 1].copy() for r in runs]
        trajs = [t[drawable(*t.T)] for t in trajs]
        run = runs[sel]
        centre = trajs[sel][-1].copy() if len(trajs[sel]) else run.theta0.copy()
        problem, (spec, pen) = run.problem, self._surface_spec(sel)
        self._set_axis_labels()
        self._last_auto = time.perf_counter()

        def job():
            surf = D.plane_surface(problem, spec, centre, trajs, kind, sel, with_penalty=pen)
            surf.step, surf.run = cursor, sel
            return surf
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

    def _show_surface(self, surf: D.Surface) -> None:
        self.surface = surf
        img, log, (lo, hi) = surf.img, surf.log, surf.levels
        self.log_colours = log
        self._img = img
        self.image.setImage(img, levels=(lo, hi))
        x, y, w, h = surf.rect
        self.image.setRect(x, y, w, h)
        self.bar.setLevels((lo, hi))
        self.bar.getAxis("left").setLabel(tr("log10 loss") if log else tr("loss"))
        self._set_colour_label()
        place_contours(self.isos, self.iso_labels, surf.contours, surf.rect, log)
        self._update_arrows()
        self.pi.setRange(xRange=(surf.a[0], surf.a[-1]), yRange=(surf.b[0], surf.b[-1]), padding=0.02)
        self.backdrop.follow(self.session.playing)

    def _update_arrows(self) -> None:
        surf = self.surface
        if surf is None or not self.arrows_box.isChecked() or not self.session.runs:
            self.arrow_item.setData([], [])
            return
        run = self.session.runs[max(surf.run, 0)]
        a = np.linspace(surf.a[0], surf.a[-1], D.ARROWS + 2)[1:-1]
        b = np.linspace(surf.b[0], surf.b[-1], D.ARROWS + 2)[1:-1]
        spec, pen = self._surface_spec(max(surf.run, 0))
        ga, gb = S.grid_gradients(run.problem, spec, surf.plane, a, b, with_penalty=pen)
        A, B = np.meshgrid(a, b)
        x, y = arrow_segments(A, B, ga, gb, 0.4 * min(a[1] - a[0], b[1] - b[0]))
        self.arrow_item.setData(x, y)
        self.backdrop.follow(self.session.playing)

    def _on_arrows_toggled(self, _on: bool) -> None:
        self._update_arrows()

    def _surface_spec(self, sel: int):
        spec, pen, self._surface_reg = D.surface_spec(self.session.runs, sel, self.penalty_box.isChecked())
        return spec, pen

    def _recompute(self) -> None:
        if self.session.runs and self.session.is_ready and self.kind != "none":
            {"exact": self._rescale_exact, "curve": self._rescale_curve, "plane": self.request_plane}[self.kind]()

    def _set_colour_label(self) -> None:
        if self._surface_reg is not None and self.kind in ("exact", "plane"):
            kind, lam = self._surface_reg
            self.bar.getAxis("left").setLabel(tr("loss + {kind} penalty (λ = {lam})", kind=kind, lam=f"{lam:g}")
                                              + (" (log10)" if self.log_colours else ""))

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

    def _static_items(self) -> list:
        return [self.image, *self.isos, *self.iso_labels, self.min_item, self.arrow_item, self.curve]

    def _moving_items(self) -> list:
        return [it for items in self._run_items for it in items.values()] + self._div_labels + [self.legend]

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

    # --- mouse --------------------------------------------------------------------------------
    def _scene_to_view(self, pos):
        vb = self.pi.vb
        if not vb.sceneBoundingRect().contains(pos):
            return None
        p = vb.mapSceneToView(pos)
        return p.x(), p.y()

    def _theta_at(self, x: float, y: float) -> np.ndarray | None:
        if self.kind == "exact":
            return np.array([x, y])
        if self.kind == "curve":
            return np.array([x])
        if self.kind == "plane" and self.surface is not None:
            return self.surface.plane.lift(np.array([x]), np.array([y]))[0]
        return None

    def _retranslate(self) -> None:
        for i, text in enumerate(("PCA of the path", "random (filter-normalised)")):
            self.kind_combo.setItemText(i, tr(text))

    def _fit(self) -> None:
        """Fit view: the window around the paths that behave, recomputed."""
        self._recompute()

    def _on_scene_moved(self, pos) -> None:
        with self.session.reading():      # the trainer may be writing the histories
            self._hover(pos)

    def _hover(self, pos) -> None:
        xy = self._scene_to_view(pos)
        runs = self.session.runs
        if xy is None or not runs or not self.session.is_ready:
            return
        theta = self._theta_at(*xy)
        if theta is None:
            return
        run = runs[self.surface.run if self.surface is not None else 0]
        loss = float(run.evaluate(theta)[0])
        if self.kind == "exact":
            names = run.problem.layout.names
            text = f"{names[0]}={xy[0]:.4g}, {names[1]}={xy[1]:.4g}, loss={loss:.4g}"
        elif self.kind == "curve":
            text = f"{run.problem.layout.names[0]}={xy[0]:.4g}, loss={loss:.4g}"
        else:
            text = f"α={xy[0]:.3g}, β={xy[1]:.3g}, loss={loss:.4g}"
        self.readout.setText(text)

    def _on_scene_clicked(self, ev) -> None:
        if ev.button() != Qt.LeftButton or ev.double():
            return
        pos = ev.scenePos()
        if self.legend.isVisible() and self.legend.sceneBoundingRect().contains(pos):
            return
        xy = self._scene_to_view(pos)
        if xy is not None:
            self.click_at(*xy)

    def click_at(self, x: float, y: float) -> None:
        """A click on the surface at view coordinates (x, y): every run restarts from there."""
        theta = self._theta_at(x, y)
        if theta is not None and np.all(np.isfinite(theta)):
            self.session.set_start(theta)

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

    def shutdown(self) -> None:
        self._later.stop()
        self.runner.cancel()
        self.runner.wait()

