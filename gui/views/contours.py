"""Contour lines by marching squares in numpy: every cell of the grid at once, per case, so a
150×150 map takes about a millisecond (pyqtgraph's isocurve loops in Python: ~25 ms a level,
which held the window for a third of a second per surface).

``segments(Z, level, rect)`` returns x and y arrays of segment end points in pairs (for a
``PlotCurveItem(connect="pairs")``), in the data coordinates of an image of Z drawn into ``rect``
with pixel centres on the grid points.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

# the edges of a cell, by corner bits: b0 = (i, j) bottom left, b1 = (i, j+1) bottom right,
# b2 = (i+1, j+1) top right, b3 = (i+1, j) top left; edges 0 bottom, 1 right, 2 top, 3 left
CASES = {
    1: [(3, 0)], 2: [(0, 1)], 3: [(3, 1)], 4: [(1, 2)], 5: [(3, 2), (0, 1)], 6: [(0, 2)], 7: [(3, 2)],
    8: [(2, 3)], 9: [(2, 0)], 10: [(2, 1), (0, 3)], 11: [(2, 1)], 12: [(1, 3)], 13: [(1, 0)], 14: [(0, 3)],
}


def _crossing(a: np.ndarray, b: np.ndarray, level: float) -> np.ndarray:
    """Where between two corner values the level lies, as a fraction from the first."""
    d = b - a
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(d != 0, (level - a) / np.where(d != 0, d, 1.0), 0.5)
    return np.clip(t, 0.0, 1.0)


def segments(Z: np.ndarray, level: float, rect=None) -> tuple[np.ndarray, np.ndarray]:
    """Segments of the ``level`` contour of Z (rows = y), as paired points.  A cell whose
    corners straddle the level is crossed on two edges (one segment between them) or, at a
    saddle, on all four (two segments, paired as the case table says)."""
    Z = np.asarray(Z, dtype=np.float64)
    ny, nx = Z.shape
    if ny < 2 or nx < 2:
        return np.zeros(0), np.zeros(0)
    z0, z1, z2, z3 = Z[:-1, :-1], Z[:-1, 1:], Z[1:, 1:], Z[1:, :-1]
    ok = np.isfinite(z0) & np.isfinite(z1) & np.isfinite(z2) & np.isfinite(z3)
    b0, b1, b2, b3 = z0 > level, z1 > level, z2 > level, z3 > level
    jj, ii = np.meshgrid(np.arange(nx - 1, dtype=np.float64), np.arange(ny - 1, dtype=np.float64))
    # crossing points of the four edges of every cell: bottom, right, top, left
    ex = np.stack([jj + _crossing(z0, z1, level), jj + 1.0, jj + _crossing(z3, z2, level), jj])
    ey = np.stack([ii, ii + _crossing(z1, z2, level), ii + 1.0, ii + _crossing(z0, z3, level)])
    crossed = np.stack([b0 != b1, b1 != b2, b3 != b2, b0 != b3]) & ok
    count = crossed.sum(axis=0)
    xs, ys = [], []
    two = count == 2
    if two.any():
        c = crossed[:, two]
        first = np.argmax(c, axis=0)
        second = 3 - np.argmax(c[::-1], axis=0)
        px, py = ex[:, two], ey[:, two]
        cols = np.arange(px.shape[1])
        xs.append(np.column_stack([px[first, cols], px[second, cols]]).ravel())
        ys.append(np.column_stack([py[first, cols], py[second, cols]]).ravel())
    four = count == 4
    if four.any():
        case = (b0.astype(np.int8) | b1 << 1 | b2 << 2 | b3 << 3)[four]
        px, py = ex[:, four], ey[:, four]
        for c in (5, 10):
            m = case == c
            for ea, eb in CASES[c]:
                xs.append(np.column_stack([px[ea, m], px[eb, m]]).ravel())
                ys.append(np.column_stack([py[ea, m], py[eb, m]]).ravel())
    if not xs:
        return np.zeros(0), np.zeros(0)
    x, y = np.concatenate(xs), np.concatenate(ys)
    if rect is not None:          # grid index → data coordinates (pixel centres on grid points)
        x0, y0, w, h = rect
        x = x0 + (x + 0.5) * (w / nx)
        y = y0 + (y + 0.5) * (h / ny)
    return x, y


def polylines(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The paired segments joined into polylines: (x, y, connect), where connect[i] says point i
    joins point i + 1 (pyqtgraph's ``connect`` array): Qt strokes one long antialiased line several times faster than the same line as hundreds of
    separate two-point pieces.  Neighbouring cells compute a shared crossing with the same
    formula, so the pieces meet at exactly equal points."""
    n = len(x) // 2
    if n == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0, bool)
    ends: dict = {}
    for s in range(n):
        for e in (2 * s, 2 * s + 1):
            ends.setdefault((x[e], y[e]), []).append(s)
    used = np.zeros(n, bool)
    out_x, out_y, joined = [], [], []

    def walk(s: int, e: int) -> None:
        """From end e of segment s, along the chain until it ends or closes."""
        px, py = [x[e]], [y[e]]
        while True:
            used[s] = True
            other = e ^ 1                           # the segment's other end
            px.append(x[other])
            py.append(y[other])
            nxt = [t for t in ends.get((x[other], y[other]), ()) if not used[t]]
            if not nxt:
                break
            s = nxt[0]
            e = 2 * s if (x[2 * s], y[2 * s]) == (x[other], y[other]) else 2 * s + 1
        out_x.extend(px)
        out_y.extend(py)
        joined.extend([True] * (len(px) - 1) + [False])

    for pt, segs in ends.items():                   # open chains start at an end of one segment
        if len(segs) == 1 and not used[segs[0]]:
            s = segs[0]
            walk(s, 2 * s if (x[2 * s], y[2 * s]) == pt else 2 * s + 1)
    for s in range(n):                              # what is left are closed loops
        if not used[s]:
            walk(s, 2 * s)
    return np.asarray(out_x), np.asarray(out_y), np.asarray(joined, bool)


def label_position(x: np.ndarray, y: np.ndarray) -> tuple[float, float] | None:
    """A point on a contour for its label: the segment midpoint nearest the middle of the
    contour's extent."""
    if len(x) < 2:
        return None
    mx, my = (x[0::2] + x[1::2]) / 2, (y[0::2] + y[1::2]) / 2
    cx, cy = (mx.min() + mx.max()) / 2, (my.min() + my.max()) / 2
    sx, sy = max(mx.max() - mx.min(), 1e-300), max(my.max() - my.min(), 1e-300)
    k = int(np.argmin(((mx - cx) / sx) ** 2 + ((my - cy) / sy) ** 2))
    return float(mx[k]), float(my[k])


class ContourItem(pg.PlotCurveItem):
    """One contour level drawn from precomputed lines: paired segments, or polylines with their
    ``connect`` array (``polylines``: much quicker to paint)."""

    def __init__(self, pen):
        super().__init__(pen=pen, connect="pairs")
        self.level = None

    def set_segments(self, x: np.ndarray, y: np.ndarray, level=None, connect=None) -> None:
        self.level = level
        self.setData(x, y, connect="pairs" if connect is None else connect)
