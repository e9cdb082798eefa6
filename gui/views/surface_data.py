"""Surface numbers for the views: which kind of surface a problem gets, the grid on a plane, the
colour scaling and path projection.

Nothing here draws, and nothing needs the GUI thread: the losses come from a run's ``Evaluator``
(``engine.run_read``, a copy of the run's loss), so a view shows the engine's numbers, and the
functions may run in a background job (``gui.views.jobs``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import surface as S
from gui.i18n import tr
from gui.views.contours import label_position, polylines
from gui.views.contours import segments as contour_segments

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


def grid_surface(ev, plane: S.Plane, xr, yr, n: int = GRID) -> Surface:
    """The loss of ``ev`` (a run's ``Evaluator``) on an n × n grid over the window xr × yr of ``plane``."""
    a = np.linspace(xr[0], xr[1], n)
    b = np.linspace(yr[0], yr[1], n)
    return picture(Surface(plane, a, b, ev.grid_losses(plane, a, b)))


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
    return next((r for r in order if r.regularised), None)


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


def surface_evaluator(runs, sel: int, penalty_on: bool):
    """The ``Evaluator`` of run ``sel``'s surface: with the penalty on, including the λ-term of a
    regularised run (itself when it has one); its ``penalty`` says which (None: none)."""
    run = runs[min(max(sel, 0), len(runs) - 1)]
    return run.evaluator(penalty_source(runs, sel) if penalty_on else None)


def plane_surface(ev, centre, trajectories: list[np.ndarray], kind: str, sel: int, n: int = GRID) -> Surface:
    """A plane through ``centre`` (PCA of run ``sel``'s path, or random filter-normalised), with
    a window around every path's projection; the loss of ``ev`` on a grid over it."""
    if kind == "pca":
        plane = S.pca_plane(centre, trajectories[sel])
        min_half = 0.5
    else:
        plane = S.random_plane(centre, ev.problem.layout, seed=0)
        min_half = 1.0
    proj = Projector(plane)
    pts = [proj(t[np.linspace(0, len(t) - 1, min(len(t), 2000)).astype(int)]) for t in trajectories if len(t)]
    pts = np.vstack(pts + [np.zeros((1, 2))])
    xr, yr = S.extent(pts, None, min_half=min_half)
    return grid_surface(ev, plane, xr, yr, n)
