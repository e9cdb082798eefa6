"""What the 2-D surface view computes, apart from drawing it: the window around the paths, the
background jobs that grid the loss over it (exact plane or a plane through θ), the loss curve of a
1-parameter problem and the gradient arrows.  Each reads the session's runs on the GUI thread and
hands the work to a job as copies (a run's ``Evaluator``, copied paths), so the job may run off it.
Nothing here draws."""
from __future__ import annotations

import numpy as np

from engine import surface as S
from gui.views import surface_data as D
from gui.views.common import drawable, path_rows
from gui.views.overlays import arrow_segments
from gui.views.ranges import ALL, limit_points, range_policy


def path_points(session, proj=None) -> np.ndarray:
    """The path points (plane coordinates with ``proj``, else θ) a window frames: every run's
    that behaves, a diverged run's only up to where it ran away (``ranges.range_policy``)."""
    pts = []
    policy = range_policy(session.runs, session.cursor)
    for run in session.runs:
        k = min(session.cursor, run.step)
        rows = path_rows(int(run.rows([k])[0]), 2000)
        th = run.theta_history[rows]
        th, _ = limit_points(th, th, run.steps_history[rows], policy.get(run.label, ALL))
        if len(th) == 0:
            th = run.theta_history[:1]
        pts.append(proj(th) if proj is not None else th)
    pts = np.vstack(pts)
    return pts[drawable(*pts.T)] if pts.size else pts


def exact_job(session, penalty_on: bool):
    """(job, penalty): a job making the exact plane's surface over a window around the paths
    and the minimum; the (kind, λ) of the penalty it includes, or None."""
    run = session.runs[0]
    minimum = run.problem.minimum()
    extra = minimum[None, :] if minimum is not None and np.all(np.isfinite(minimum)) else None
    xr, yr = S.extent(path_points(session), extra)
    ev = D.surface_evaluator(session.runs, 0, penalty_on)
    return (lambda: D.grid_surface(ev, S.exact_plane(2), xr, yr)), ev.penalty


def loss_curve(session, penalty_on: bool):
    """(w, loss(w), (w0, w1), penalty) of a 1-parameter problem, around the paths and the minimum."""
    runs = session.runs
    pts = path_points(session).ravel()
    minimum = runs[0].problem.minimum()
    if minimum is not None:
        pts = np.append(pts, minimum)
    pts = pts[drawable(pts)]
    lo, hi = (float(pts.min()), float(pts.max())) if pts.size else (-1.0, 1.0)
    half = max((hi - lo) / 2 * 1.2, 0.5)
    mid = (lo + hi) / 2
    w = np.linspace(mid - half, mid + half, D.CURVE)
    ev = D.surface_evaluator(runs, 0, penalty_on)
    return w, ev.curve_losses(w), (mid - half, mid + half), ev.penalty


def plane_job(session, sel: int, kind: str, penalty_on: bool):
    """(job, penalty): a job making a plane through run ``sel``'s θ at the cursor ("pca" of its
    path or "random"), with every path's window, and the surface on it."""
    runs = session.runs
    cursor = session.cursor
    trajs = [r.theta_history[:int(r.rows([min(cursor, r.step)])[0]) + 1].copy() for r in runs]
    trajs = [t[drawable(*t.T)] for t in trajs]
    centre = trajs[sel][-1].copy() if len(trajs[sel]) else runs[sel].theta0.copy()
    ev = D.surface_evaluator(runs, sel, penalty_on)

    def job():
        surf = D.plane_surface(ev, centre, trajs, kind, sel)
        surf.step, surf.run = cursor, sel
        return surf
    return job, ev.penalty


def arrows(session, surf: D.Surface, penalty_on: bool):
    """(x, y, penalty): segments of the negative gradient on a grid over the surface's window."""
    a = np.linspace(surf.a[0], surf.a[-1], D.ARROWS + 2)[1:-1]
    b = np.linspace(surf.b[0], surf.b[-1], D.ARROWS + 2)[1:-1]
    ev = D.surface_evaluator(session.runs, max(surf.run, 0), penalty_on)
    ga, gb = ev.grid_gradients(surf.plane, a, b)
    A, B = np.meshgrid(a, b)
    x, y = arrow_segments(A, B, ga, gb, 0.4 * min(a[1] - a[0], b[1] - b[0]))
    return x, y, ev.penalty
