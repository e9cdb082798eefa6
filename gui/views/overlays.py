"""Overlay helpers for the 2-D surface: per-run path items, contour-label positions, the
gradient-arrow field, and the backdrop that stands in for the static layers while playing."""
from __future__ import annotations

import weakref

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPixmap, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from gui.style import EMA_ALPHA


class Marker(pg.GraphicsObject):
    """One point drawn with a fixed pixel size (a circle or a diamond).  pyqtgraph's
    ScatterPlotItem computes its bounding rectangle with pixel padding in Python (~0.1 ms, and Qt
    asks ~20 times a frame per marker); this item keeps it precomputed and paints one path.
    ``setData``/``getData`` as a scatter's (the last point is shown, none hides it);
    ``dataBounds`` lets the ViewBox range over it."""

    def __init__(self, symbol: str, size: float, brush, pen):
        super().__init__()
        path = QPainterPath()
        h = size / 2.0
        if symbol == "d":
            path.addPolygon(QPolygonF([QPointF(0, -h), QPointF(h, 0), QPointF(0, h), QPointF(-h, 0), QPointF(0, -h)]))
        else:
            path.addEllipse(QRectF(-h, -h, size, size))
        self._path = path
        self._brush = pg.mkBrush(brush)
        self._pen = pg.mkPen(pen)
        self._pen.setCosmetic(True)
        w = self._pen.widthF()
        self._rect = path.boundingRect().adjusted(-w, -w, w, w)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._xy = (np.zeros(0), np.zeros(0))
        self.setVisible(False)

    def boundingRect(self):  # noqa: N802 - Qt override
        return self._rect

    def paint(self, p, *_args) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(self._pen)
        p.setBrush(self._brush)
        p.drawPath(self._path)

    def setData(self, x, y) -> None:  # noqa: N802 - pyqtgraph's spelling
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        self._xy = (x, y)
        if len(x):
            self.setPos(float(x[-1]), float(y[-1]))
        self.setVisible(bool(len(x)))

    def getData(self):  # noqa: N802
        return self._xy

    def dataBounds(self, ax: int, frac=1.0, orthoRange=None):  # noqa: N802
        v = self._xy[ax]
        return (float(v[-1]), float(v[-1])) if len(v) else None


def path_width(i: int, n: int, thin: float = 2.5, wide: float = 5.0) -> float:
    """Run i of n: earlier runs are drawn wider and lower, so a run whose path lies on another's
    still shows as a coloured rim around it."""
    return wide - (wide - thin) * i / max(n - 1, 1) if n > 1 else thin


def run_items(colour: str, ema: bool, width: float = 2.5, order: int = 0) -> dict:
    """A run's items on the surface: its path, current point and start; with EMA on also the
    shadow path (dashed, translucent run colour) and the shadow's current point (hollow diamond)."""
    items = dict(path=pg.PlotDataItem(pen=pg.mkPen(colour, width=width)),
                 current=Marker("o", 14, colour, pg.mkPen("k", width=1.2)),
                 start=Marker("o", 11, "w", pg.mkPen("k", width=1.5)))
    z = dict(path=10, current=13, start=12, ema=11, ema_current=13)
    if ema:
        qc = pg.mkColor(colour)
        qc.setAlpha(EMA_ALPHA + 20)
        items["ema"] = pg.PlotDataItem(pen=pg.mkPen(qc, width=2.2, style=Qt.DashLine))
        items["ema_current"] = Marker("d", 14, "w", pg.mkPen(colour, width=2.5))
    for key, it in items.items():
        it.setZValue(z[key] + 0.01 * order)
    return items


def small_font(pt: int = 10):
    from PySide6.QtGui import QFont
    f = QFont()
    f.setPointSize(pt)
    return f


def place_contours(contours, labels, surface_contours, rect, log: bool) -> None:
    """Each contour item gets its level's segments and its label the level's value at the label
    position, skipping labels that would crowd one already placed (hidden, not blanked: a blank
    label still paints its box)."""
    _x, _y, w, h = rect
    placed = []
    pad = [(None, np.zeros(0), np.zeros(0), None, None)] * max(len(contours) - len(surface_contours), 0)
    for item, lab, (lv, x, y, connect, pos) in zip(contours, labels, list(surface_contours) + pad):
        item.set_segments(x, y, lv, connect)
        if pos is not None and any(abs(pos[0] - p[0]) < 0.14 * w and abs(pos[1] - p[1]) < 0.06 * h
                                   for p in placed):
            pos = None
        if pos is None or lv is None:
            lab.setText("")
            lab.setVisible(False)
        else:
            lab.setText(format_level(lv, log))
            lab.setPos(*pos)
            lab.setVisible(True)
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


class Backdrop(pg.GraphicsObject):
    """The layers of a plot that stay put while playing (colour map, contour lines and their
    labels, the minimum, the arrow field) painted once into one pixmap that stands in for them:
    a frame then blits one opaque image instead of compositing ~25 translucent layers (~3 ms of
    the surface's ~8 ms paint).  Repainted when the view's range or size changes; ``thaw``
    shows the real items again (paused, they are drawn live, at full quality for export).
    A child of the ViewBox, in its pixel coordinates, below the data items."""

    def __init__(self, vb: pg.ViewBox, static, dynamic):
        super().__init__()
        self.vb = vb
        # bound methods returning the item lists, read at freeze time; held weakly, or the view
        # and its backdrop would keep each other alive past the view's close
        self._static = weakref.WeakMethod(static)
        self._dynamic = weakref.WeakMethod(dynamic)
        self._pixmap = QPixmap()
        self._rect = QRectF()
        self.setParentItem(vb)
        self.setZValue(-1e5)            # above the ViewBox background, below its data items
        self.setVisible(False)
        self.frozen = False
        self._hidden: list = []
        self._pending = False
        vb.sigRangeChanged.connect(self.refresh)
        vb.sigResized.connect(self.refresh)

    def boundingRect(self):  # noqa: N802 - Qt override
        return self._rect

    def paint(self, p, *_args) -> None:
        p.drawPixmap(QPointF(0, 0), self._pixmap)

    def freeze(self) -> None:
        self.thaw()
        vb, scene = self.vb, self.vb.scene()
        if scene is None:
            return
        rect = vb.sceneBoundingRect()
        view = vb.getViewWidget()
        dpr = view.devicePixelRatioF() if view is not None else 1.0
        w, h = int(round(rect.width() * dpr)), int(round(rect.height() * dpr))
        if w <= 0 or h <= 0:
            return
        img = QImage(w, h, QImage.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(dpr)
        img.fill(Qt.transparent)
        static, dynamic = self._static(), self._dynamic()
        if static is None or dynamic is None:
            return
        moving = [it for it in dynamic() if it.isVisible()]
        for it in moving:
            it.setVisible(False)
        self.setVisible(False)
        painter = QPainter(img)
        painter.setRenderHint(QPainter.Antialiasing)
        scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
        painter.end()
        for it in moving:
            it.setVisible(True)
        # transparent rather than hidden: their visibility stays theirs to change meanwhile
        # (a contour label hidden while frozen stays hidden after the thaw)
        self._hidden = [(it, it.opacity()) for it in static()]
        for it, _opacity in self._hidden:
            it.setOpacity(0.0)
        self.prepareGeometryChange()
        self._pixmap = QPixmap.fromImage(img)
        self._rect = QRectF(0, 0, rect.width(), rect.height())
        self.setPos(vb.mapFromScene(rect.topLeft()))
        self.setVisible(True)
        self.update()
        self.frozen = True

    def thaw(self) -> None:
        if not self.frozen:
            return
        for it, opacity in self._hidden:
            it.setOpacity(opacity)
        self._hidden = []
        self.setVisible(False)
        self.frozen = False

    def refresh(self, *_args) -> None:
        """Paint the pixmap again (soon: several changes in one event-loop pass cost one paint)."""
        if self.frozen and not self._pending:
            self._pending = True
            QTimer.singleShot(0, self._refresh_now)

    def follow(self, playing: bool) -> None:
        """The static layers changed: while playing, (re)paint the backdrop from them."""
        if playing:
            self.refresh() if self.frozen else self.freeze()

    def _refresh_now(self) -> None:
        self._pending = False
        if self.frozen:
            self.freeze()
