"""A legend that is shown only when it has entries and sits in the plot's emptiest corner.

``place()`` counts, for each corner of the plot, the drawn points (of the plot's curves and
scatters, in view coordinates) that the legend would cover there, and moves it to the corner with
the fewest: the legend never hides data while a corner is free.  Views call it when paused (the
legend does not hop about while playing)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gui.i18n import tr
from gui.style import FONT_PT

MARGIN = 8          # pixels between the legend and the plot's edge
MAX_POINTS = 4000   # per item, when counting what a corner would cover
MAX_COLUMNS = 3     # a long legend may lay its entries out in up to this many columns
LABEL_WEIGHT = 4    # a text label counts as this many points
CORNERS = ((1, 0), (0, 0), (1, 1), (0, 1))   # (x, y) anchors: top right first (ties keep the first)


class AutoLegend(pg.LegendItem):
    def __init__(self, corner=(1, 0), **kw):
        kw.setdefault("labelTextSize", f"{FONT_PT - 1}pt")
        kw.setdefault("brush", pg.mkBrush(255, 255, 255, 185))     # data under a crowded legend shows through
        kw.setdefault("pen", pg.mkPen("#909090"))
        super().__init__(offset=None, **kw)
        self.corner = tuple(corner)
        self.setVisible(False)

    def attach(self, pi: pg.PlotItem, own: bool = True) -> "AutoLegend":
        """In the plot's ViewBox; ``own``: the plot's own legend (``pi.legend``), not a second one."""
        self.setParentItem(pi.vb)
        if own:
            pi.legend = self
        pi.vb.sigResized.connect(self._reposition)
        self.geometryChanged.connect(self._reposition)
        self._anchor_corner(self.corner)
        return self

    # --- only with entries -------------------------------------------------------------------
    def addItem(self, item, name) -> None:  # noqa: N802 - pyqtgraph's spelling
        super().addItem(item, name)
        self.setVisible(True)

    def removeItem(self, item) -> None:  # noqa: N802
        super().removeItem(item)
        self.setVisible(len(self.items) > 0)

    def clear(self) -> None:
        super().clear()
        self.setVisible(False)

    def labels(self) -> list[str]:
        return [label.text for _sample, label in self.items]

    # --- placement ---------------------------------------------------------------------------
    def _anchor_corner(self, corner) -> None:
        self.corner = tuple(corner)
        self._reposition()

    def _reposition(self, *_args) -> None:
        """Sit in ``corner`` of the ViewBox (placed by hand: pyqtgraph's anchoring keeps a
        reference to the ViewBox that outlives it when a view is closed)."""
        if getattr(self, "_placing", False):    # setPos changes the geometry: no re-entry
            return
        self._placing = True
        try:
            vb = self.parentItem()
            if isinstance(vb, pg.ViewBox):
                ax, ay = self.corner
                x = vb.width() - self.width() - MARGIN if ax else MARGIN
                y = vb.height() - self.height() - MARGIN if ay else MARGIN
                if abs(x - self.pos().x()) > 0.5 or abs(y - self.pos().y()) > 0.5:
                    self.setPos(x, y)
        except (RuntimeError, AttributeError):      # the plot is gone
            pass
        finally:
            self._placing = False

    def setOffset(self, offset) -> None:  # noqa: N802 - pyqtgraph's spelling
        """The corner an offset points to: (±x from the left/right, ±y from the top/bottom)."""
        self._anchor_corner((1 if offset[0] < 0 else 0, 1 if offset[1] < 0 else 0))

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph's spelling
        ev.ignore()               # the legend places itself

    def covered(self, xs: np.ndarray, ys: np.ndarray, size=None) -> dict:
        """Per corner, how many of the points (pixel coordinates in the ViewBox) the legend would
        cover there (at its size, or at ``size`` = (w, h))."""
        vb = self.parentItem()
        W, H = vb.width(), vb.height()
        w, h = size if size is not None else (self.width(), self.height())
        out = {}
        for ax, ay in CORNERS:
            x0 = W - w - MARGIN if ax else MARGIN
            y0 = H - h - MARGIN if ay else MARGIN
            out[(ax, ay)] = int(np.count_nonzero((xs >= x0) & (xs <= x0 + w) & (ys >= y0) & (ys <= y0 + h)))
        return out

    def place(self) -> None:
        """Move to the corner, and take the number of columns, that cover the fewest drawn
        points (the current choice on a tie)."""
        vb = self.parentItem()
        if not isinstance(vb, pg.ViewBox) or not self.items or vb.width() <= 0:
            return
        xs, ys = data_pixels(vb, exclude=self)
        n = len(self.items)
        cols_now = max(self.columnCount, 1)
        entry_w = self.width() / cols_now
        entry_h = self.height() / -(-n // cols_now)
        best = None
        for cols in range(1, min(n, MAX_COLUMNS) + 1):
            w, h = entry_w * cols, entry_h * -(-n // cols)
            if w > vb.width() - 2 * MARGIN and cols > 1:
                break
            for corner, count in self.covered(xs, ys, (w, h)).items():
                key = (count, (corner, cols) != (self.corner, cols_now), cols)
                if best is None or key < best[0]:
                    best = (key, corner, cols)
        _key, corner, cols = best
        if cols != cols_now:
            self.setColumnCount(cols)
        if corner != self.corner or cols != cols_now:
            self._anchor_corner(corner)


def data_pixels(vb: pg.ViewBox, exclude=None) -> tuple[np.ndarray, np.ndarray]:
    """Every drawn point of the curves and scatters in a ViewBox, in its pixel coordinates."""
    (x0, x1), (y0, y1) = vb.viewRange()
    W, H = vb.width(), vb.height()
    xs, ys = [], []
    for item in vb.addedItems:
        if item is exclude or not item.isVisible():
            continue
        if isinstance(item, pg.TextItem):       # contour and divergence labels are data too
            if item.opacity() > 0 and item.toPlainText():
                p = item.pos()
                xs.append(np.full(LABEL_WEIGHT, (p.x() - x0) / max(x1 - x0, 1e-300) * W))
                ys.append(np.full(LABEL_WEIGHT, (y1 - p.y()) / max(y1 - y0, 1e-300) * H))
            continue
        if not hasattr(item, "getData"):
            continue
        try:
            x, y = item.getData()
        except (TypeError, ValueError):
            continue
        if x is None or y is None or len(x) == 0:
            continue
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if len(x) > MAX_POINTS:
            idx = np.linspace(0, len(x) - 1, MAX_POINTS).astype(np.int64)
            x, y = x[idx], y[idx]
        xs.append((x - x0) / max(x1 - x0, 1e-300) * W)
        ys.append((y1 - y) / max(y1 - y0, 1e-300) * H)
    if not xs:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(xs), np.concatenate(ys)


COINCIDE_PX = 2.5   # paths closer than this everywhere look like one
MIN_POINTS = 10     # … of at least this many points


def coinciding(vb: pg.ViewBox, a: tuple, b: tuple) -> bool:
    """Whether two drawn paths (x, y arrays of the same steps) lie within COINCIDE_PX of each
    other at every point, at the ViewBox's current scale."""
    (xa, ya), (xb, yb) = a, b
    n = min(len(xa), len(xb))
    if n < MIN_POINTS or len(xa) != len(xb):    # a start point alone is no path yet
        return False
    if vb.width() < 20 or vb.height() < 20:      # not laid out yet: nothing can be told apart
        return False
    (x0, x1), (y0, y1) = vb.viewRange()
    sx, sy = vb.width() / max(x1 - x0, 1e-300), vb.height() / max(y1 - y0, 1e-300)
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.hypot((np.asarray(xa) - np.asarray(xb)) * sx, (np.asarray(ya) - np.asarray(yb)) * sy)
    return bool(np.all(np.isfinite(d)) and np.max(d) < COINCIDE_PX)


def mark_coinciding(legend: "AutoLegend", vb: pg.ViewBox, entries: list) -> None:
    """``entries``: (legend item, label, (x, y)) per run in drawing order.  A run whose path lies
    on an earlier run's gets "(on <that run>'s path)" in the legend; the others their label."""
    for j, (item, label, xy) in enumerate(entries):
        text = label
        for item_i, label_i, xy_i in entries[:j]:
            if coinciding(vb, xy, xy_i):
                text = tr("{label} (overlaps {other})", label=label, other=label_i)
                break
        lab = legend.getLabel(item)
        if lab is not None and lab.text != text:
            lab.setText(text)
