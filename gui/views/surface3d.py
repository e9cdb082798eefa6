"""Loss surface, 3-D (pyqtgraph.opengl): the 2-D view's surface as a rotatable mesh with each run's
path lifted onto it.  Where no OpenGL context can be had (offscreen platform, no GL) the panel says
so in plain words and nothing else is affected."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from engine import surface as S
from gui.draw_rate import OnScreen, Scheduled
from gui.i18n import LANGUAGE, tr
from gui.style import FONT_PT, run_colour
from gui.views import surface_data as D
from gui.views.common import drawable, history_sample
from gui.views.jobs import JobRunner

GRID_3D = 70
HALF = 10.0     # x and y span [-HALF, HALF]
HEIGHT = 8.0    # z spans [0, HEIGHT]
LIFT = 0.3     # paths float this far above the surface


def gl_unavailable_reason() -> str | None:
    """Why no GL context can be made here, or None when it is worth trying."""
    platform = QGuiApplication.platformName()
    if platform in ("offscreen", "minimal", "vnc"):
        return tr("the Qt platform is '{p}'", p=platform)
    try:
        import OpenGL.GL  # noqa: F401
        import pyqtgraph.opengl  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure means no GL
        return f"{type(exc).__name__}: {exc}"
    return None


_VIEW_WINDOW = None


def _view_window_class():
    """pyqtgraph's GL view on a QOpenGLWindow (shown in the panel through a window container)
    instead of a QOpenGLWidget: a QOpenGLWidget makes Qt composite the whole main window through
    OpenGL on every repaint, which without a GPU (Mesa's software renderer under Xvfb) cost every
    view its frame rate; a native GL child window is drawn on its own.  It also drops pyqtgraph's
    class-wide shader caches when the GL share group changes (a re-docked panel gets a new
    context; the cached program ids belong to the old one)."""
    global _VIEW_WINDOW
    if _VIEW_WINDOW is None:
        import pyqtgraph.opengl as gl
        from pyqtgraph.opengl.GLViewWidget import GLViewMixin
        from PySide6.QtGui import QOpenGLContext
        from PySide6.QtOpenGL import QOpenGLWindow

        cached = [gl.GLLinePlotItem, gl.GLScatterPlotItem]
        state = {"group": None}

        class _View(GLViewMixin, QOpenGLWindow):
            def devicePixelRatioF(self) -> float:  # noqa: N802 - the mixin's spelling (QWidget's)
                return float(self.devicePixelRatio())

            def rect(self):  # GLTextItem asks its view for QWidget.rect()
                from PySide6.QtCore import QRect
                return QRect(0, 0, self.width(), self.height())

            def paintGL(self, *args, **kwargs):  # noqa: N802 - Qt override
                ctx = QOpenGLContext.currentContext()
                group = ctx.shareGroup() if ctx is not None else None
                if group is not state["group"]:
                    for klass in cached:
                        klass._shaderProgram = None
                    state["group"] = group
                return super().paintGL(*args, **kwargs)
        _VIEW_WINDOW = _View
    return _VIEW_WINDOW


class Surface3DView(Scheduled, OnScreen, QWidget):
    """The loss surface in 3-D (pyqtgraph.opengl).  ``lazy``: the GL widget is made the first
    time the panel is on screen — a window holding an OpenGL widget composites every repaint
    through OpenGL, which without a GPU (Mesa's software renderer) costs every other view its
    frame rate: measured here under Xvfb, playing opt4_1 fell from ~63 to ~16 fps."""
    key, title = "surface3d", "Surface 3-D"   # (gui.view_protocol)

    uses_gl = True

    def __init__(self, session, parent=None, lazy: bool = False):
        super().__init__(parent)
        self.session = session
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        f = self.note.font()
        f.setPointSize(FONT_PT)
        self.note.setFont(f)
        lay.addWidget(self.note)
        self.gl = None                # the GL view (a QOpenGLWindow)
        self.gl_widget = None         # … and its window container in the panel
        self.available = False
        self.kind = "none"
        self.surface: D.Surface | None = None
        self.proj: D.Projector | None = None
        self._paths: list = []
        self._heads: list = []
        self._scale = None
        self.runner = JobRunner(self)
        self.runner.finished.connect(self._on_runner_finished)
        self._lazy = False
        reason = gl_unavailable_reason()
        if reason is not None:
            self._fallback(reason)
        elif lazy:
            self._lazy = True             # started by the first paint on screen (see paintEvent)
            self.available = True         # (as far as can be known before it starts)
            self.note.setText(tr("The 3-D view starts when it is shown."))
            self.note.setAlignment(Qt.AlignCenter)
        else:
            self._start_gl()

    def _start_gl(self) -> None:
        self._lazy = False
        try:
            self._build_gl()
        except Exception as exc:  # noqa: BLE001 - any failure means the fallback message
            self.gl = None
            self._fallback(f"{type(exc).__name__}: {exc}")
            return
        self.note.setText("")
        self.note.setAlignment(Qt.AlignLeft)
        self.available = True
        session = self.session
        session.rebuilt.connect(self._on_session_rebuilt)
        session.frame.connect(self._on_session_frame)
        session.ready.connect(self._on_session_ready)
        LANGUAGE.changed.connect(self._on_language_changed)
        if session.is_ready:
            self._on_session_ready()

    def _on_language_changed(self, _code: str) -> None:
        if self.available and self.session.is_ready:
            self._on_session_ready()

    # --- GL or not ----------------------------------------------------------------------------
    def _fallback(self, reason: str) -> None:
        self.available = False
        if self.gl is not None:
            self.gl_widget.hide()
            self.gl_widget.setParent(None)
            self.gl = self.gl_widget = None
        self.note.setText(tr("3-D view unavailable: no OpenGL context on this display ({reason})",
                             reason=reason))
        self.note.setAlignment(Qt.AlignCenter)
        self.layout().setStretch(0, 1)

    def _build_gl(self) -> None:
        import pyqtgraph.opengl as gl
        self._gl = gl
        w = self.gl = _view_window_class()()
        w.setBackgroundColor("w")
        w.setCameraPosition(distance=42, elevation=28, azimuth=-60)
        self.gl_widget = QWidget.createWindowContainer(w, self)
        self.gl_widget.setMinimumSize(120, 90)
        self.layout().addWidget(self.gl_widget, 1)
        self.mesh = gl.GLSurfacePlotItem(shader=None, smooth=False, computeNormals=False, glOptions="opaque")
        w.addItem(self.mesh)
        grid = gl.GLGridItem(color=(0, 0, 0, 60))
        grid.setSize(2 * HALF, 2 * HALF)
        grid.setSpacing(2, 2)
        w.addItem(grid)
        self.labels = [gl.GLTextItem(pos=(0, -HALF - 2, 0), text="", color=(20, 20, 20, 255)),
                       gl.GLTextItem(pos=(-HALF - 2, 0, 0), text="", color=(20, 20, 20, 255)),
                       gl.GLTextItem(pos=(-HALF, -HALF, HEIGHT + 1), text="", color=(20, 20, 20, 255))]
        for t in self.labels:
            w.addItem(t)
        QTimer.singleShot(0, self, self._check_context)

    def _check_context(self, tries: int = 30) -> None:
        """Once the GL window is exposed it has made its context: fall back if it could not."""
        if self.gl is None or not self.gl_widget.isVisible():
            return
        if not self.gl.isExposed() or (self.gl.context() is None and tries > 0):
            if tries > 0:         # the context is made on the first expose
                QTimer.singleShot(100, self, lambda: self._check_context(tries - 1))
            return
        ctx = self.gl.context()
        if ctx is None or not ctx.isValid():
            self._fallback(tr("the context could not be created"))

    def showEvent(self, ev):  # noqa: N802 - Qt override
        super().showEvent(ev)
        if self.gl is not None:
            QTimer.singleShot(50, self, self._check_context)

    def paintEvent(self, ev):  # noqa: N802 - Qt override
        """Painted and on screen (not a dock behind another's tab): start GL now."""
        super().paintEvent(ev)
        if self._lazy and self.showing():
            self._lazy = False
            QTimer.singleShot(0, self, self._start_gl)

    # --- structure ----------------------------------------------------------------------------
    def _on_session_ready(self) -> None:
        self._on_session_rebuilt()
        self._on_session_frame()

    def _on_session_rebuilt(self) -> None:
        if not self.available:
            return
        for it in self._paths + self._heads:
            self.gl.removeItem(it)
        self._paths, self._heads = [], []
        self.runner.cancel()
        self.surface, self.proj = None, None
        runs = self.session.runs
        if not runs or not self.session.is_ready:
            self.kind = "none"
            if not runs:
                self.note.setText(tr("{preset} is a scripted demonstration without training runs: "
                                     "the EMA panel shows it.", preset=self.session.preset.name))
                self.mesh.hide()
            return
        problem = runs[0].problem
        self.kind = D.surface_kind(problem)
        if self.kind == "curve":
            self.note.setText(tr("One parameter: the loss is a curve; see the 2-D surface view."))
            self.mesh.hide()
            return
        self.note.setText(tr("Drag to rotate, wheel to zoom."))
        self.mesh.show()
        for i, _run in enumerate(runs):
            rgba = pg.mkColor(run_colour(i)).getRgbF()
            path = self._gl.GLLinePlotItem(pos=np.zeros((1, 3)), color=rgba, width=3, antialias=True,
                                           mode="line_strip", glOptions="translucent")
            head = self._gl.GLScatterPlotItem(pos=np.zeros((1, 3)), color=rgba, size=14, pxMode=True,
                                              glOptions="translucent")
            self.gl.addItem(path)
            self.gl.addItem(head)
            self._paths.append(path)
            self._heads.append(head)
        bx, by = D.axis_names(problem, self.kind)
        self.labels[0].setData(text=bx)
        self.labels[1].setData(text=by)
        if self.kind == "exact":
            pts = np.vstack([r.theta_history[history_sample(r, self.session.cursor, 2000)[0]] for r in runs])
            pts = pts[drawable(*pts.T)]
            m = problem.minimum()
            xr, yr = S.extent(pts, m[None, :] if m is not None else None)
            self._show_surface(D.grid_surface(runs[0].evaluator(), S.exact_plane(2), xr, yr, GRID_3D))
        else:
            self.request_plane()

    def request_plane(self) -> None:
        runs = self.session.runs
        if self.kind != "plane" or not runs:
            return
        cursor = self.session.cursor
        trajs = [r.theta_history[:int(r.rows([min(cursor, r.step)])[0]) + 1].copy() for r in runs]
        trajs = [t[drawable(*t.T)] for t in trajs]
        centre = trajs[0][-1].copy() if len(trajs[0]) else runs[0].theta0.copy()
        ev = runs[0].evaluator()      # a copy: the job runs off the GUI thread

        def job():
            surf = D.plane_surface(ev, centre, trajs, "pca", 0, GRID_3D)
            surf.step = cursor
            return surf
        self.runner.submit(job)

    def _on_runner_finished(self, surf: D.Surface) -> None:
        if self.kind != "plane" or not self.available:
            return
        self.proj = D.Projector(surf.plane)
        self._show_surface(surf)
        if not self.session.playing:      # playing: the next frame draws the paths (under the lock)
            self._on_session_frame()

    def _show_surface(self, surf: D.Surface) -> None:
        self.surface = surf
        img, log, (lo, hi) = D.display_values(surf.Z)
        self._scale = (surf.a[0], surf.a[-1], surf.b[0], surf.b[-1], lo, hi, log)
        x = self._sx(surf.a)
        y = self._sy(surf.b)
        z = self._sz(img)
        t = np.clip((img - lo) / (hi - lo), 0, 1)
        colors = pg.colormap.get("viridis").map(t.T.ravel(), mode="float").reshape(len(x), len(y), 4)
        self.mesh.setData(x=x, y=y, z=z.T, colors=colors.reshape(-1, 4))
        self.labels[2].setData(text=tr("log10 loss") if log else tr("loss"))

    # --- mapping to the box -------------------------------------------------------------------
    def _sx(self, a):
        a0, a1 = self._scale[0], self._scale[1]
        return (np.asarray(a) - a0) / (a1 - a0) * 2 * HALF - HALF

    def _sy(self, b):
        b0, b1 = self._scale[2], self._scale[3]
        return (np.asarray(b) - b0) / (b1 - b0) * 2 * HALF - HALF

    def _sz(self, v):
        lo, hi = self._scale[4], self._scale[5]
        return (np.asarray(v) - lo) / (hi - lo) * HEIGHT

    def _loss_to_z(self, loss: np.ndarray) -> np.ndarray:
        log = self._scale[6]
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.log10(np.maximum(loss, 1e-300)) if log else loss
        return self._sz(v)

    # --- per frame ----------------------------------------------------------------------------
    def _on_session_frame(self) -> None:
        if not self.available or self.surface is None or self._scale is None:
            return
        if self.session.playing and not self.showing():
            return                        # behind another tab: the frame after play stops catches up
        if self.kind == "plane" and self.proj is None:
            return
        cursor = self.session.cursor
        for run, path, head in zip(self.session.runs, self._paths, self._heads):
            rows, steps = history_sample(run, cursor, 4000)
            th = run.theta_history[rows]
            xy = th if self.kind == "exact" else self.proj(th)
            pos = np.column_stack([self._sx(xy[:, 0]), self._sy(xy[:, 1]),
                                   self._loss_to_z(run.losses(steps)) + LIFT])
            pos = pos[drawable(*pos.T)]
            # keep the lifted path inside the box so a far-away run does not shrink the view
            pos = pos[np.all(np.abs(pos[:, :2]) <= 3 * HALF, axis=1)] if len(pos) else pos
            if len(pos) == 0:
                pos = np.zeros((1, 3))
            path.setData(pos=pos)
            head.setData(pos=pos[-1:])

    @property
    def empty_text(self) -> str:
        """Why the panel has nothing to draw ("" when it draws): no runs, or one parameter."""
        if not self.session.runs:
            return self.note.text() or "no runs"
        if self.kind == "curve":
            return self.note.text()
        return ""

    def export_items(self):
        if self._lazy:                    # never shown yet: start it for the export
            self._start_gl()
        return self.gl

    def view_data(self) -> dict[str, np.ndarray]:
        if self.surface is None:
            return {}
        A, B = np.meshgrid(self.surface.a, self.surface.b)
        return {"a": A.ravel(), "b": B.ravel(), "loss": self.surface.Z.ravel()}

    # --- the View protocol (gui.view_protocol) ------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.runner.busy

    def draw(self) -> None:
        self._on_session_frame()

    def fit_view(self) -> None:
        """(The box always holds the whole surface: nothing to fit.)"""

    def shutdown(self) -> None:
        self.runner.cancel()
        self.runner.wait()
