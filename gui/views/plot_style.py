"""How a plot looks: readable axis fonts, axis labels, a title that never sets the plot's width,
and the auto-placed legend."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from gui.style import AXIS_FONT_PT, FONT_PT
from gui.views.legend import AutoLegend

GRID_ALPHA = 0.15


def style_plot(pi: pg.PlotItem) -> None:
    """Readable fonts on every axis of a plot item."""
    tick = QFont()
    tick.setPointSize(max(AXIS_FONT_PT - 1, 10))
    for name in ("left", "bottom", "right", "top"):
        ax = pi.getAxis(name)
        ax.setTickFont(tick)
        ax.setTextPen(pg.mkPen("#202020"))
        ax.setPen(pg.mkPen("#606060"))
        ax.enableAutoSIPrefix(False)  # "×0.001" on a log or loss axis reads wrongly
    pi.showGrid(x=True, y=True, alpha=GRID_ALPHA)


def free_title_width(pi: pg.PlotItem) -> None:
    """A plot title that never sets the plot's minimum width (pyqtgraph's LabelItem makes its
    text width the minimum, so long titles push plots past their panel): the text may be cut
    instead."""
    lab = pi.titleLabel

    def update_min() -> None:
        rect = lab.itemRect()
        old = lab._sizeHint.get(Qt.SizeHint.MinimumSize, (None, None))[1]
        lab.setMinimumWidth(0)
        lab.setMinimumHeight(rect.height())
        lab._sizeHint = {Qt.SizeHint.MinimumSize: (0, rect.height()),
                         Qt.SizeHint.PreferredSize: (rect.width(), rect.height()),
                         Qt.SizeHint.MaximumSize: (-1, -1)}
        if old != rect.height():      # a new text of the same height needs no new layout (and repaint)
            lab.updateGeometry()
    lab.updateMin = update_min
    update_min()


def set_labels(pi: pg.PlotItem, bottom: str, left: str) -> None:
    style = {"font-size": f"{FONT_PT}pt", "color": "#202020"}
    pi.setLabel("bottom", bottom, **style)
    pi.setLabel("left", left, **style)


def legend(pi: pg.PlotItem, offset=(-10, 10)) -> AutoLegend:
    """A legend shown only with entries, first in the corner ``offset`` points to (±x from the
    left/right, ±y from the top/bottom edge); ``place()`` moves it to the emptiest corner."""
    return AutoLegend(corner=(1 if offset[0] < 0 else 0, 1 if offset[1] < 0 else 0)).attach(pi)
