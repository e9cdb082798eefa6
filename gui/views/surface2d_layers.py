"""The 2-D surface view's picture layers — everything but the paths: the heat map and its colour
bar, the labelled contours, the gradient arrows, the loss curve of a 1-parameter problem, the
minimum and the legend's samples.  While playing they are one backdrop pixmap (``_static_items``).
A mixin of ``Surface2DView`` (it uses the view's ``pi``, ``kind``, toolbar controls and ``backdrop``)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gui.i18n import tr
from gui.views import surface_data as D
from gui.views.contours import ContourItem
from gui.views.overlays import place_contours, small_font


class SurfaceLayers:
    def _add_layers(self, pi) -> None:
        self.cmap = pg.colormap.get("viridis")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(self.cmap)
        self.image.setZValue(-10)
        pi.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(0, 1), colorMap=self.cmap, label="loss", interactive=False, width=16)
        self.bar.setImageItem(self.image, insert_in=pi)
        self.isos, self.iso_labels = [], []
        for _ in range(D.N_LEVELS):
            iso = ContourItem(pen=pg.mkPen(255, 255, 255, 170, width=1))
            iso.setZValue(-9)
            pi.addItem(iso, ignoreBounds=True)
            self.isos.append(iso)
            lab = pg.TextItem("", color=(20, 20, 20), anchor=(0.5, 0.5), fill=pg.mkBrush(255, 255, 255, 170))
            lab.setFont(small_font())
            pi.addItem(lab, ignoreBounds=True)
            self.iso_labels.append(lab)
        self.arrow_item = pg.PlotCurveItem(pen=pg.mkPen(0, 0, 0, 150, width=1.2), connect="pairs")
        self.arrow_item.setZValue(-5)
        pi.addItem(self.arrow_item, ignoreBounds=True)
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#404040", width=2))
        pi.addItem(self.curve)
        self.min_item = pg.ScatterPlotItem(symbol="star", size=20, brush=pg.mkBrush("#FF2D2D"),
                                           pen=pg.mkPen("k", width=1))
        self.min_item.setZValue(20)
        pi.addItem(self.min_item)
        # the legend's sample of the start marker (the markers themselves are overlays.Marker) …
        self._start_sample = pg.ScatterPlotItem(symbol="o", size=11, brush=pg.mkBrush("w"), pen=pg.mkPen("k", width=1.5))
        # and of the minimum (the item itself is hidden behind the backdrop while playing, and a
        # legend shows a hidden item struck through)
        self._min_sample = pg.ScatterPlotItem(symbol="star", size=20, brush=pg.mkBrush("#FF2D2D"), pen=pg.mkPen("k", width=1))

    def _show_mode(self) -> None:
        self.backdrop.thaw()       # visibility below is set on the live items
        plane = self.kind == "plane"
        for w in (self.run_combo, self.kind_combo, self.recompute_button):
            w.setVisible(plane)
        self.arrows_box.setVisible(self.kind in ("exact", "plane"))
        has_image = self.kind in ("exact", "plane")
        self.image.setVisible(has_image)
        self.bar.setVisible(has_image)
        self.curve.setVisible(self.kind == "curve")
        if not has_image:
            self.image.clear()
            for iso, lab in zip(self.isos, self.iso_labels):
                iso.set_segments(np.zeros(0), np.zeros(0))
                lab.setText("")
                lab.setVisible(False)
            self.arrow_item.setData([], [])
        if self.kind != "curve":
            self.curve.setData([], [])

    def _show_surface(self, surf: D.Surface) -> None:
        self.surface = surf
        img, log, (lo, hi) = surf.img, surf.log, surf.levels
        self.log_colours = log
        self._img = img
        self.image.setImage(img, levels=(lo, hi))
        x, y, w, h = surf.rect
        self.image.setRect(x, y, w, h)
        self.bar.setLevels((lo, hi))
        self.bar.getAxis("left").setLabel(tr("log10 loss") if log else tr("loss"))
        self._set_colour_label()
        place_contours(self.isos, self.iso_labels, surf.contours, surf.rect, log)
        self._update_arrows()
        self.pi.setRange(xRange=(surf.a[0], surf.a[-1]), yRange=(surf.b[0], surf.b[-1]), padding=0.02)
        self.backdrop.follow(self.session.playing)

    def _set_colour_label(self) -> None:
        if self._surface_reg is not None and self.kind in ("exact", "plane"):
            kind, lam = self._surface_reg
            self.bar.getAxis("left").setLabel(tr("loss + {kind} penalty (λ = {lam})", kind=kind, lam=f"{lam:g}")
                                              + (" (log10)" if self.log_colours else ""))

    def _static_items(self) -> list:
        return [self.image, *self.isos, *self.iso_labels, self.min_item, self.arrow_item, self.curve]
