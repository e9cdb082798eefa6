"""An arrow between two points of a plot whose head has a fixed size in pixels, so that a vector
drawn at its true scale still shows which way it points when it is shorter than a pixel (a
learning-rate-sized update on a window of the whole path): an arrow shorter than its head is
drawn as the head alone, from the start point the way the vector goes.  Used by
``gui.views.phase_overlay``.

``setData([x0, x1], [y0, y1])`` as a curve's (empty hides); ``getData()`` gives them back.  The
shaft and head are drawn in device pixels over a halo, so the arrow reads on any colour map."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPolygonF


class PixelArrow(pg.GraphicsObject):
    def __init__(self, colour, width: float = 3.0, head: float = 15.0, halo=(255, 255, 255, 220)):
        super().__init__()
        self.colour = pg.mkColor(colour)
        self._pen = pg.mkPen(self.colour, width=width)
        self._pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self._halo = pg.mkPen(halo, width=width + 3.0)
        self._halo.setCapStyle(Qt.PenCapStyle.RoundCap)
        self._head = float(head)
        self._xy = (np.zeros(0), np.zeros(0))
        self.setVisible(False)

    # --- data ---------------------------------------------------------------------------------
    def setData(self, x, y) -> None:  # noqa: N802 - pyqtgraph's spelling
        x, y = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
        ok = x.size == 2 and y.size == 2 and bool(np.all(np.isfinite(x)) and np.all(np.isfinite(y)))
        self.prepareGeometryChange()
        self._xy = (x, y) if ok else (np.zeros(0), np.zeros(0))
        self.setVisible(ok)
        self.update()

    def getData(self):  # noqa: N802
        return self._xy

    # --- Qt -----------------------------------------------------------------------------------
    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's hook
        super().viewTransformChanged()
        self.prepareGeometryChange()     # the bounds are the visible part of the view

    def boundingRect(self):  # noqa: N802 - Qt override
        try:
            x, y = self._xy
            if x.size != 2:
                return QRectF()
            rect = self.viewRect()         # the head's pixels, wherever they fall in the view
            seg = QRectF(QPointF(min(x), min(y)), QPointF(max(x), max(y)))
            return seg.united(rect) if rect is not None else seg
        except Exception:  # noqa: BLE001 - an exception in a Qt override takes the window down
            return QRectF()

    def dataBounds(self, ax: int, frac=1.0, orthoRange=None):  # noqa: N802
        v = self._xy[ax]
        return (float(v.min()), float(v.max())) if v.size else None

    def paint(self, p, *_args) -> None:
        try:
            self._paint(p)
        except Exception:  # noqa: BLE001 - as boundingRect
            pass

    def _paint(self, p) -> None:
        x, y = self._xy
        if x.size != 2:
            return
        t = p.transform()                                   # data → device pixels
        a, b = t.map(QPointF(x[0], y[0])), t.map(QPointF(x[1], y[1]))
        dx, dy = x[1] - x[0], y[1] - y[0]
        ux, uy = t.m11() * dx + t.m21() * dy, t.m12() * dx + t.m22() * dy   # the direction, in pixels
        n = math.hypot(ux, uy)
        p.save()
        p.resetTransform()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if n == 0.0 or not math.isfinite(n):               # a zero vector: a dot where it would start
            for pen in (self._halo, self._pen):
                p.setPen(pen)
                p.drawPoint(a)
            p.restore()
            return
        ux, uy = ux / n, uy / n
        h = self._head
        if n < h:       # shorter than its head: the head starts at the start and points the way it goes
            b = QPointF(a.x() + h * ux, a.y() + h * uy)
        base = QPointF(b.x() - h * ux, b.y() - h * uy)
        wing = 0.42 * h
        head = QPolygonF([b, QPointF(base.x() - wing * uy, base.y() + wing * ux),
                          QPointF(base.x() + wing * uy, base.y() - wing * ux)])
        for pen in (self._halo, self._pen):
            p.setPen(pen)
            p.setBrush(pg.mkBrush(pen.color()))
            if n > h:
                p.drawLine(a, base)          # the shaft stops at the head's base
            p.drawPolygon(head)
        p.restore()
