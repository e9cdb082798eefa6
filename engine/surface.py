"""Loss surfaces: the loss on a grid over a plane in θ-space, and the paths projected onto it.

1 parameter: a curve over w.  2 parameters: the exact plane (directions e1, e2 through 0).
More: a plane through a centre θ spanned by two directions — the trajectory's first two principal
components, or random filter-normalised directions (Li et al., 2018: each output unit's incoming
weights scaled to the norm of the same weights in θ, biases zero).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import backend


@dataclass(frozen=True)
class Plane:
    centre: np.ndarray   # θ at (0, 0)
    d1: np.ndarray
    d2: np.ndarray
    kind: str            # "exact" | "pca" | "random"

    def project(self, thetas: np.ndarray) -> np.ndarray:
        """(a, b) coordinates of θ rows in this plane (least squares for non-orthogonal d1, d2)."""
        D = np.stack([self.d1, self.d2], axis=1)
        rel = np.atleast_2d(thetas) - self.centre
        coef, *_ = np.linalg.lstsq(D, rel.T, rcond=None)
        return coef.T

    def lift(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """θ for plane coordinates (a, b) (any matching shapes), as rows."""
        a, b = np.ravel(a), np.ravel(b)
        return self.centre + a[:, None] * self.d1 + b[:, None] * self.d2


def exact_plane(P: int) -> Plane:
    assert P == 2
    return Plane(np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0]), "exact")


def pca_plane(centre: np.ndarray, trajectory: np.ndarray, max_rows: int = 4000) -> Plane:
    """Directions: the first two principal components of (trajectory − centre)."""
    rows = trajectory[np.linspace(0, len(trajectory) - 1, min(len(trajectory), max_rows)).astype(int)]
    M = rows - centre
    if np.allclose(M, 0.0):
        return random_plane(centre, None, seed=0)
    M = M - M.mean(axis=0)
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    d1 = vt[0]
    d2 = vt[1] if len(vt) > 1 and s[1] > 1e-12 * max(s[0], 1e-300) else _orthogonal(d1)
    return Plane(centre.copy(), d1, d2, "pca")


def _orthogonal(d: np.ndarray) -> np.ndarray:
    rng = np.random.RandomState(0)
    v = rng.randn(d.size)
    v -= v.dot(d) * d
    return v / np.linalg.norm(v)


def random_plane(centre: np.ndarray, layout, seed: int = 0) -> Plane:
    """Two random directions, filter-normalised per output unit of each weight matrix."""
    rng = np.random.RandomState(seed)
    dirs = []
    for _ in range(2):
        d = rng.randn(centre.size)
        if layout is not None and layout.sizes:
            for b in layout.blocks:
                n = int(np.prod(b.shape))
                sl = slice(b.offset, b.offset + n)
                if not b.is_weight:
                    d[sl] = 0.0
                    continue
                W = d[sl].reshape(b.shape)
                T = centre[sl].reshape(b.shape)
                for j in range(b.shape[1]):  # unit j's incoming weights form its filter
                    nd = np.linalg.norm(W[:, j])
                    W[:, j] *= np.linalg.norm(T[:, j]) / (nd + 1e-10)
                d[sl] = W.ravel()
        else:
            d *= np.linalg.norm(centre) / (np.linalg.norm(d) + 1e-10) or 1.0
        dirs.append(d)
    return Plane(centre.copy(), dirs[0], dirs[1], "random")


def grid_losses(problem, spec, plane: Plane, a: np.ndarray, b: np.ndarray,
                with_penalty: bool = False) -> np.ndarray:
    """Full-data loss at θ = centre + a_i·d1 + b_j·d2; returns shape (len(b), len(a)) (rows = b)."""
    A, B = np.meshgrid(a, b)
    thetas = np.ascontiguousarray(plane.lift(A, B))
    out = np.empty(thetas.shape[0])
    backend.losses_at(thetas, problem.data, (0, problem.n), spec, with_penalty, out)
    return out.reshape(B.shape)


def grid_gradients(problem, spec, plane: Plane, a: np.ndarray, b: np.ndarray,
                   with_penalty: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The full-data gradient at each grid point, projected onto d1 and d2 (shape (len(b), len(a)))."""
    A, B = np.meshgrid(a, b)
    thetas = np.ascontiguousarray(plane.lift(A, B))
    out = np.empty_like(thetas)
    backend.grads_at(thetas, problem.data, (0, problem.n), spec, with_penalty, out)
    ga = out @ plane.d1 / max(plane.d1 @ plane.d1, 1e-300)
    gb = out @ plane.d2 / max(plane.d2 @ plane.d2, 1e-300)
    return ga.reshape(B.shape), gb.reshape(B.shape)


def curve_losses(problem, spec, w: np.ndarray, with_penalty: bool = False) -> np.ndarray:
    """1-parameter problems: loss at each w."""
    thetas = np.ascontiguousarray(np.asarray(w, dtype=np.float64).reshape(-1, 1))
    out = np.empty(thetas.shape[0])
    backend.losses_at(thetas, problem.data, (0, problem.n), spec, with_penalty, out)
    return out


def extent(points: np.ndarray, extra: np.ndarray | None = None, margin: float = 0.25,
           min_half: float = 0.5) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square-ish window around 2-D points (and optional extra points such as the minimum)."""
    pts = np.atleast_2d(points)
    if extra is not None:
        pts = np.vstack([pts, np.atleast_2d(extra)])
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre = (lo + hi) / 2
    half = np.maximum((hi - lo) / 2 * (1 + 2 * margin), min_half)
    return (centre[0] - half[0], centre[0] + half[0]), (centre[1] - half[1], centre[1] + half[1])
