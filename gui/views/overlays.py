"""Overlay helpers for the 2-D surface: contour-label positions and the gradient-arrow field."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg


def contour_label_positions(img: np.ndarray, levels, rect) -> list[tuple[float, float] | None]:
    """One (x, y) in data coordinates per level, on the longest piece of that level's isocurve
    (the middle of it), or None where the level does not cross the image."""
    x0, y0, w, h = rect
    ny, nx = img.shape
    sx, sy = w / nx, h / ny
    out = []
    for lv in levels:
        lines = pg.functions.isocurve(img.T, lv, connected=True, extendToEdge=True)
        if not lines:
            out.append(None)
            continue
        best = max(lines, key=len)
        px, py = best[len(best) // 2]
        out.append((x0 + float(px) * sx, y0 + float(py) * sy))
    return out


def format_level(v: float, log: bool) -> str:
    val = 10.0 ** v if log else v
    return f"{val:.3g}"


def arrow_segments(X: np.ndarray, Y: np.ndarray, GA: np.ndarray, GB: np.ndarray,
                   length: float) -> tuple[np.ndarray, np.ndarray]:
    """Segments (pairs of points) for arrows along −gradient with normalised length, each with
    a two-stroke head.  Returns x, y arrays for a PlotCurveItem with connect='pairs'."""
    u, v = -GA.ravel(), -GB.ravel()
    x, y = X.ravel(), Y.ravel()
    norm = np.hypot(u, v)
    ok = np.isfinite(norm) & (norm > 0) & np.isfinite(x) & np.isfinite(y)
    x, y, u, v, norm = x[ok], y[ok], u[ok], v[ok], norm[ok]
    u, v = u / norm * length, v / norm * length
    tx, ty = x + u, y + v
    segs_x, segs_y = [x, tx], [y, ty]
    out_x = [np.column_stack([x, tx]).ravel()]
    out_y = [np.column_stack([y, ty]).ravel()]
    for ang in (2.6, -2.6):  # head strokes, ~150° back from the direction
        c, s = np.cos(ang), np.sin(ang)
        hx = tx + 0.35 * (c * u - s * v)
        hy = ty + 0.35 * (s * u + c * v)
        out_x.append(np.column_stack([tx, hx]).ravel())
        out_y.append(np.column_stack([ty, hy]).ravel())
    del segs_x, segs_y
    return np.concatenate(out_x), np.concatenate(out_y)
