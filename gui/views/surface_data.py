"""Surface numbers for the views: which kind of surface a problem gets, the grid on a plane, the
colour scaling, path projection, and a one-at-a-time background job runner.

Nothing here draws.  The grids come straight from ``engine.surface`` so a view shows the engine's
numbers; the background runner hands results back to the GUI thread as copies via a queued signal.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from engine import surface as S
from gui.i18n import tr
from gui.views.contours import label_position, polylines, segments as contour_segments

GRID = 120        # grid points per side of a 2-D surface
CURVE = 400       # samples of a 1-parameter loss curve
ARROWS = 15       # gradient arrows per side
LOG_RATIO = 100   # colour by log10 loss when max/min exceeds this


def surface_kind(problem) -> str:
    """'curve' (1 parameter), 'exact' (2 parameters) or 'plane' (more)."""
    P = problem.layout.size
    return "curve" if P == 1 else "exact" if P == 2 else "plane"


def axis_names(problem, kind: str, plane_kind: str = "pca") -> tuple[str, str]:
    if kind == "exact":
        names = problem.layout.names
        return names[0], names[1]
    if kind == "curve":
        return problem.layout.names[0], "loss"
    if plane_kind == "pca":
        return tr("α (1st principal direction)"), tr("β (2nd principal direction)")
    return tr("α (random direction 1)"), tr("β (random direction 2)")


@dataclass
class Surface:
    plane: S.Plane
    a: np.ndarray            # grid along d1
    b: np.ndarray            # grid along d2
    Z: np.ndarray            # loss, shape (len(b), len(a)), rows = b
    step: int = 0            # the cursor the plane was made at
    run: int = 0             # the run whose θ is the centre
    # the picture, made with the surface (off the GUI thread): see ``picture``
    img: np.ndarray | None = None
    log: bool = False
    levels: tuple = (0.0, 1.0)
    contours: list = None    # (level, x, y, connect, label position or None) per contour level

    @property
    def rect(self) -> tuple[float, float, float, float]:
        """(x, y, w, h) of the image so that pixel centres sit on the grid points."""
        da = (self.a[-1] - self.a[0]) / max(len(self.a) - 1, 1)
        db = (self.b[-1] - self.b[0]) / max(len(self.b) - 1, 1)
        return self.a[0] - da / 2, self.b[0] - db / 2, da * len(self.a), db * len(self.b)

    def contains(self, x: float, y: float) -> bool:
        return self.a[0] <= x <= self.a[-1] and self.b[0] <= y <= self.b[-1]


N_LEVELS = 8      # contour lines per surface


def grid_surface(problem, spec, plane: S.Plane, xr, yr, n: int = GRID, with_penalty: bool = False) -> Surface:
    a = np.linspace(xr[0], xr[1], n)
    b = np.linspace(yr[0], yr[1], n)
    Z = S.grid_losses(problem, spec, plane, a, b, with_penalty=with_penalty)
    return picture(Surface(plane, a, b, Z))


def picture(surf: Surface) -> Surface:
    """The colours (log10 loss when the range is wide), the contour levels, their segments and
    label positions of a surface: everything the view draws, computed beside the losses."""
    img, log, (lo, hi) = display_values(surf.Z)
    surf.img, surf.log, surf.levels = img, log, (lo, hi)
    surf.contours = []
    for lv in contour_levels(lo, hi, N_LEVELS):
        x, y = contour_segments(img, lv, surf.rect)
        pos = label_position(x, y)
        surf.contours.append((float(lv), *polylines(x, y), pos))
    return surf


def penalty_source(runs, preferred: int = 0):
    """The run whose regulariser a "with penalty" surface adds: the preferred run when it has one,
    else the first run that has one; None when no run is regularised."""
    if not runs:
        return None
    order = [runs[min(max(preferred, 0), len(runs) - 1)]] + list(runs)
    return next((r for r in order if r.config.reg.kind != "none" and r.config.reg.lam > 0), None)


def penalised_spec(spec, source_spec):
    """A copy of ``spec`` (the loss, model and data of the surface's run) with the regulariser
    kind and λ of ``source_spec``: the runs of a comparison share data and model, so this is the
    surface that run sees, penalty included."""
    from engine import kernels as K
    net, hyper = spec[0].copy(), spec[1].copy()
    net[K.N_REG] = source_spec[0][K.N_REG]
    hyper[K.H_LAM] = source_spec[1][K.H_LAM]
    return net, hyper


def display_values(Z: np.ndarray) -> tuple[np.ndarray, bool, tuple[float, float]]:
    """The image to show (finite everywhere), whether it is log10 loss, and its (lo, hi) levels."""
    Z = np.asarray(Z, dtype=np.float64)
    fin = np.isfinite(Z)
    if not fin.any():
        return np.zeros_like(Z), False, (0.0, 1.0)
    hi = float(Z[fin].max())
    pos = Z[fin & (Z > 0)]
    lo = float(Z[fin].min())
    use_log = lo >= 0 and pos.size > 0 and hi / max(float(pos.min()), 1e-300) > LOG_RATIO
    img = np.where(fin, Z, hi)
    if use_log:
        floor = float(pos.min())
        img = np.log10(np.maximum(img, floor))
        lo, hi = float(img.min()), float(img.max())
    if not hi > lo:
        hi = lo + 1.0
    img = np.clip(img, -1e300, 1e300)
    return img, use_log, (lo, hi)


def contour_levels(lo: float, hi: float, n: int = 8) -> np.ndarray:
    """n levels strictly inside (lo, hi), a little denser near the bottom of the bowl."""
    t = (np.arange(1, n + 1) / (n + 1)) ** 1.3
    return lo + (hi - lo) * t


class Projector:
    """Plane coordinates of θ rows: (θ − centre) @ pinv(D)ᵀ, the same as Plane.project."""

    def __init__(self, plane: S.Plane):
        self.plane = plane
        D = np.stack([plane.d1, plane.d2], axis=1)
        self._pinv = np.linalg.pinv(D)

    def __call__(self, thetas: np.ndarray) -> np.ndarray:
        rel = np.atleast_2d(thetas) - self.plane.centre
        return rel @ self._pinv.T


def surface_spec(runs, sel: int, penalty_on: bool):
    """(spec, with_penalty, (reg kind, λ) or None) for the surface of run ``sel``: with the penalty
    on, its spec with the λ-term of a regularised run (itself when it has one)."""
    run = runs[min(max(sel, 0), len(runs) - 1)]
    src = penalty_source(runs, sel) if penalty_on else None
    if src is None:
        return (run._spec[0].copy(), run._spec[1].copy()), False, None
    return penalised_spec(run._spec, src._spec), True, (src.config.reg.kind, src.config.reg.lam)


def plane_surface(problem, spec, centre, trajectories: list[np.ndarray], kind: str, sel: int,
                  n: int = GRID, with_penalty: bool = False) -> Surface:
    """A plane through ``centre`` (PCA of run ``sel``'s path, or random filter-normalised), with
    a window around every path's projection; the loss on a grid over it."""
    if kind == "pca":
        plane = S.pca_plane(centre, trajectories[sel])
        min_half = 0.5
    else:
        plane = S.random_plane(centre, problem.layout, seed=0)
        min_half = 1.0
    proj = Projector(plane)
    pts = [proj(t[np.linspace(0, len(t) - 1, min(len(t), 2000)).astype(int)]) for t in trajectories if len(t)]
    pts = np.vstack(pts + [np.zeros((1, 2))])
    xr, yr = S.extent(pts, None, min_half=min_half)
    return grid_surface(problem, spec, plane, xr, yr, n, with_penalty)


class _Signals(QObject):
    finished = Signal(int, object)   # (job id, result)
    failed = Signal(int, str)        # (job id, message)


JOB_NICE = 10


class _Job(QRunnable):
    def __init__(self, job: int, fn, signals: _Signals):
        super().__init__()
        self.job, self.fn, self.signals = job, fn, signals
        self.setAutoDelete(True)

    def run(self):  # noqa: D401 - Qt override
        from engine import threads
        # one thread for the job's parallel kernels, yielding to the window's drawing thread
        # (engine.threads: without loading numba while a first launch's numpy engine serves)
        threads.parallel_threads(1)
        threads.lower_priority(JOB_NICE)
        try:
            result = self.fn()
        except Exception as exc:  # reported to the GUI thread, never printed here
            self.signals.failed.emit(self.job, f"{type(exc).__name__}: {exc}")
            return
        self.signals.finished.emit(self.job, result)


class JobRunner(QObject):
    """Runs one function at a time off the GUI thread; only the newest request's result is kept.

    ``submit`` while busy replaces any waiting request; stale results (an older id than the
    newest request) are dropped.  ``finished`` fires in the GUI thread.
    """
    finished = Signal(object)   # the result of the newest request
    failed = Signal(str)        # error text

    def __init__(self, parent=None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.finished.connect(self._on_job_finished)
        self._signals.failed.connect(self._on_job_failed)
        self._latest = 0
        self._running = False
        self._pending = None

    @property
    def busy(self) -> bool:
        return self._running or self._pending is not None

    def submit(self, fn) -> int:
        self._latest += 1
        if self._running:
            self._pending = (self._latest, fn)
        else:
            self._start(self._latest, fn)
        return self._latest

    def cancel(self) -> None:
        """Forget waiting and running requests (their results will be dropped)."""
        self._latest += 1
        self._pending = None

    def _start(self, job: int, fn) -> None:
        self._running = True
        self._pool.start(_Job(job, fn, self._signals))

    def _next(self) -> None:
        self._running = False
        if self._pending is not None:
            job, fn = self._pending
            self._pending = None
            self._start(job, fn)

    def _on_job_finished(self, job: int, result) -> None:
        self._next()
        if job == self._latest:
            self.finished.emit(result)

    def _on_job_failed(self, job: int, text: str) -> None:
        self._next()
        if job == self._latest:
            self.failed.emit(text)

    def wait(self, msecs: int = -1) -> bool:
        """Block until the worker is idle (for shutdown and tests)."""
        return self._pool.waitForDone(msecs)
