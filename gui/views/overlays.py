"""Overlay helpers for the 2-D surface: per-run path items, contour-label positions and the
gradient-arrow field."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gui.style import EMA_ALPHA


def run_items(colour: str, ema: bool) -> dict:
    """A run's items on the surface: its path, current point and start; with EMA on also the
    shadow path (dashed, translucent run colour) and the shadow's current point (hollow diamond)."""
    items = dict(path=pg.PlotDataItem(pen=pg.mkPen(colour, width=2.5)),
                 current=pg.ScatterPlotItem(size=14, brush=pg.mkBrush(colour), pen=pg.mkPen("k", width=1.2)),
                 start=pg.ScatterPlotItem(symbol="o", size=11, brush=pg.mkBrush("w"), pen=pg.mkPen("k", width=1.5)))
    z = dict(path=10, current=13, start=12, ema=11, ema_current=13)
    if ema:
        qc = pg.mkColor(colour)
        qc.setAlpha(EMA_ALPHA + 20)
        items["ema"] = pg.PlotDataItem(pen=pg.mkPen(qc, width=2.2, style=Qt.DashLine))
        items["ema_current"] = pg.ScatterPlotItem(symbol="d", size=14, brush=pg.mkBrush("w"),
                                                  pen=pg.mkPen(colour, width=2.5))
    for key, it in items.items():
        it.setZValue(z[key])
    return items


def small_font(pt: int = 10):
    from PySide6.QtGui import QFont
    f = QFont()
    f.setPointSize(pt)
    return f


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


def place_contours(isos, labels, img: np.ndarray, levels, rect, log: bool) -> None:
    """Set each isocurve to its level and put its label on it, skipping labels that would crowd
    one already placed."""
    _x, _y, w, h = rect
    placed = []
    for iso, lab, lv, pos in zip(isos, labels, levels, contour_label_positions(img, levels, rect)):
        iso.setData(img, lv)
        if pos is not None and any(abs(pos[0] - p[0]) < 0.08 * w and abs(pos[1] - p[1]) < 0.05 * h
                                   for p in placed):
            pos = None
        if pos is None:
            lab.setText("")
        else:
            lab.setText(format_level(lv, log))
            lab.setPos(*pos)
            placed.append(pos)


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
