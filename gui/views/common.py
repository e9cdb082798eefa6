"""The base of the plot views (``ViewBase``: a toolbar row above its plots, wired to the session,
drawn at the window's frame rate; the View protocol of ``gui.view_protocol``) and, re-exported
for the views, the helpers they share: step sampling (``gui.views.sampling``) and plot styling
(``gui.views.plot_style``)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsScene, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.draw_rate import OnScreen, Scheduled
from gui.i18n import LANGUAGE, tr
from gui.style import FONT_PT, configure_pyqtgraph
from gui.views.axes import tidy_axes
from gui.views.legend import AutoLegend
from gui.views.plot_style import GRID_ALPHA, free_title_width, legend, set_labels, style_plot
from gui.views.ranges import range_policy
from gui.views.step_ranges import StepRanges
from gui.views.sampling import (BIG, MAX_PATH, MAX_PATH_PLAYING, MAX_POINTS, MAX_POINTS_PLAYING, drawable,
                                history_sample, path_rows, sample_steps)
from gui.widgets import ElidedLabel, FlowLayout

__all__ = ["BIG", "GRID_ALPHA", "MAX_PATH", "MAX_PATH_PLAYING", "MAX_POINTS", "MAX_POINTS_PLAYING", "ViewBase",
           "drawable", "free_title_width", "history_sample", "legend", "path_rows", "sample_steps", "set_labels",
           "style_plot"]


class ViewBase(StepRanges, Scheduled, OnScreen, QWidget):
    """A toolbar row above a pyqtgraph PlotWidget, wired to the session's signals.

    Draw rate: stepping and scrubbing redraw at once.  While playing, ``draw_turns``
    (the window's frame scheduler) decides: the featured view (``play_hz`` ≥ PRIMARY_HZ) redraws in every frame a secondary
    view does not take; the others redraw at most ``play_hz`` times a second, one per frame;
    none draws while hidden (a tab behind another).  A view catches up when shown or when play
    stops.  Step plots keep
    their axis ranges while playing and widen them in steps (``_follow_range``), so their axes
    are not regenerated, nor the plot painted twice, on every update.
    """

    key = ""                 # the View protocol (gui.view_protocol): set by each view
    title = ""
    uses_gl = False
    available = True         # a plot view draws wherever Qt does
    play_hz = 20.0
    PRIMARY_HZ = 60.0
    follows_range = True     # step plots: _follow_range while playing (False: the view sets its own)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        configure_pyqtgraph()
        self.session = session
        self._dirty = False
        self._last_draw = 0.0
        self._step_plot = False
        self._bounds: tuple | None = None
        self._user_range = False        # the user panned or zoomed: ranges stay until "fit view"
        self._empty_text = ""
        self._empty_key: tuple | None = None     # (English text, format fields) of the message
        self._texts: list[tuple] = []            # (widget, English text, English tooltip)
        self._policy: dict = {}
        # the controls wrap onto more rows in a narrow panel; the readout takes what is left
        self._toolbar_box = QWidget()
        self._toolbar = FlowLayout(self._toolbar_box)
        self.readout = ElidedLabel("")
        f = self.readout.font()
        f.setPointSize(FONT_PT - 1)
        self.readout.setFont(f)
        header = QHBoxLayout()
        header.setContentsMargins(4, 2, 4, 0)
        header.addWidget(self._toolbar_box)
        header.addWidget(self.readout, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(header)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignCenter)
        self.message.setStyleSheet("color: #404040; padding: 16px;")
        f = self.message.font()
        f.setPointSize(FONT_PT + 1)
        self.message.setFont(f)
        self.message.hide()
        lay.addWidget(self.message, 1)

    def _finish_toolbar(self) -> None:
        """(The toolbar needs no closing: its controls flow, the readout is beside them.)"""

    def _add_message(self) -> None:
        """(Every view has ``message``: ``show_empty`` sets it.)"""

    def _text(self, widget, text: str = "", tip: str = ""):
        """Give ``widget`` its text and tooltip in the interface language, again whenever the
        language changes; returns the widget."""
        self._texts.append((widget, text, tip))
        self._apply_text(widget, text, tip)
        return widget

    @staticmethod
    def _apply_text(widget, text: str, tip: str) -> None:
        if text:
            widget.setText(tr(text))
        if tip:
            widget.setToolTip(tr(tip))

    def _on_language_changed(self, _code: str) -> None:
        """Every text again in the new language: the controls, then the plots (titles, axes and
        legends are made by the rebuild), then the frame.  A view not shown does it when shown."""
        if not self.isVisible():
            self._language_stale = True
            return
        self._language_stale = False
        alive = []
        for widget, text, tip in self._texts:
            try:
                self._apply_text(widget, text, tip)
                alive.append((widget, text, tip))
            except RuntimeError:      # gone with its plot (a rebuilt view's context menu)
                pass
        self._texts = alive
        self._retranslate()
        if self.session.is_ready:
            self._on_session_rebuilt()
            self._on_session_frame()

    def _retranslate(self) -> None:
        """Texts a view sets outside its rebuild (combo items, fixed titles): override."""

    def show_empty(self, text: str) -> None:
        """Say in the view's centre why it has nothing to draw (``""``: draw again); the plots
        step aside meanwhile, so no empty axes or legends show."""
        self._empty_text = text or ""
        self.message.setText(self._empty_text)
        self.message.setVisible(bool(self._empty_text))
        for gv in self._graphics_views():
            gv.setVisible(not self._empty_text)
        self._toolbar_box.setVisible(not self._empty_text)

    @property
    def empty_text(self) -> str:
        return self._empty_text

    def _empty_unless_runs(self) -> bool:
        """Say so when the preset has no training runs (a scripted demo); True when it has."""
        runs = bool(self.session.runs)
        self.show_empty("" if runs else tr("{preset} is a scripted demonstration without training runs: "
                                            "the EMA panel shows it.", preset=self.session.preset.name))
        return runs

    def _add_step_plot(self, legend_offset=(-10, 10)) -> None:
        """A plot against the step below the toolbar: ``plot``, ``pi``, ``legend`` and a dashed
        ``cursor_line`` at the current step (the curve views share this frame)."""
        self.plot = pg.PlotWidget(axisItems=tidy_axes())
        self.layout().addWidget(self.plot, 1)
        self.pi = self.plot.getPlotItem()
        style_plot(self.pi)
        self.legend = legend(self.pi, offset=legend_offset)
        self.cursor_line = pg.InfiniteLine(angle=90, movable=False,
                                           pen=pg.mkPen("#888888", width=1.5, style=Qt.DashLine))
        self.pi.addItem(self.cursor_line, ignoreBounds=True)
        self._items: list = []
        self._step_plot = True

    def _remove_run_items(self) -> None:
        """Take every run's items (lists or dicts of them) off the plot and empty the legend."""
        for items in self._items:
            for it in (items.values() if isinstance(items, dict) else items):
                self.pi.removeItem(it)
        self._items = []
        self.legend.clear()

    def _connect(self) -> None:
        # items change every frame: Qt's BSP index of them costs more to keep than it saves
        for gv in self._graphics_views():
            gv.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        for pi in self._plot_items():
            self._add_fit_action(pi)
        s = self.session
        LANGUAGE.changed.connect(self._on_language_changed)
        s.rebuilt.connect(self._on_session_rebuilt)
        s.frame.connect(self._on_session_frame_emitted)
        s.playing_changed.connect(self._on_session_playing_changed)
        s.ready.connect(self._on_session_ready)
        if s.is_ready:
            self._on_session_rebuilt()
            self._on_session_frame()

    def _on_session_ready(self) -> None:
        self._on_session_rebuilt()
        self._on_session_frame()

    @property
    def curve_points(self) -> int:
        """Samples per curve: fewer while playing, when a curve is redrawn within a frame budget."""
        return MAX_POINTS_PLAYING if self.session.playing else MAX_POINTS

    @property
    def primary(self) -> bool:
        """The featured view: draws in every frame while playing (unless a secondary takes it)."""
        return self.play_hz >= self.PRIMARY_HZ

    def _on_session_frame_emitted(self) -> None:
        if self.session.playing and self.draw_turns is not None:   # DrawTurns decides when it draws
            self._dirty = True
            self.draw_turns.want(self)
            return
        self._dirty = False
        self._on_session_frame()

    def _draw_playing(self, now: float, hold: bool = False) -> None:
        """Redraw for a frame while playing; ``hold``: set the data now but paint only at
        ``_release_paint`` (the next frame), so the two halves land in different frames."""
        if hold:
            for gv in self._graphics_views():
                gv.setUpdatesEnabled(False)
        self._last_draw = now
        self._dirty = False
        self._on_session_frame()

    def _release_paint(self) -> None:
        for gv in self._graphics_views():
            gv.setUpdatesEnabled(True)

    def _graphics_views(self) -> list:
        return self.findChildren(pg.GraphicsView)

    def _on_session_frame(self) -> None:
        """Draw the cursor's state (``_draw_frame``), then keep a step plot's ranges: sticky
        while playing, fitted to the data when paused — unless the user panned or zoomed.
        Paused, legends move to their plot's emptiest corner."""
        self._bounds = None
        self._policy = range_policy(self.session.runs, self.session.cursor) if self._step_plot else {}
        self._draw_frame()
        playing = self.session.playing
        if self._step_plot and self.follows_range and not self._user_range:
            self._follow_range() if playing else self._fit_range()
        if not playing:
            self.place_legends()

    def place_legends(self) -> None:
        for pi in self._plot_items():
            if isinstance(pi.legend, AutoLegend):
                pi.legend.place()

    def _on_session_playing_changed(self, playing: bool) -> None:
        # pyqtgraph's translucent grid costs ~8 ms per axis repaint in Qt's raster engine, and
        # the axes repaint on every frame while ranges grow: grids show only when paused
        for pi in self._plot_items():
            pi.showGrid(x=not playing, y=not playing, alpha=GRID_ALPHA)
        if self._step_plot and self.follows_range:
            self.pi.disableAutoRange()     # the ranges are this view's (_follow_range, _fit_range)
        if not playing and self._dirty:
            self._dirty = False
            self._on_session_frame()
        elif not playing and self._step_plot and self.follows_range and not self._user_range:
            self._fit_range()

    def _plot_items(self) -> list:
        items = []
        for gv in self._graphics_views():
            items += [it for it in gv.scene().items() if isinstance(it, pg.PlotItem)]
        return items

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if getattr(self, "_language_stale", False):
            self._on_language_changed(LANGUAGE.code)
        if self._dirty:
            self._dirty = False
            self._on_session_frame()

    # --- the View protocol (the rest: empty_text, showing, fit_view) ----------------------------
    @property
    def busy(self) -> bool:
        """A background computation or a deferred redraw is pending (views that have one say so)."""
        return False

    def draw(self) -> None:
        """Draw the session's cursor state now."""
        self._dirty = False
        self._on_session_frame()

    def shutdown(self) -> None:
        """(Views with timers or background jobs stop them here.)"""

    # subclasses implement these
    def export_items(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def view_data(self) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _on_session_rebuilt(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _draw_frame(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _set_xy(item, x, y) -> None:
        """setData with only drawable points (never NaN/Inf)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        m = drawable(x, y)
        if m.all():
            item.setData(x, y)
        else:
            item.setData(x[m], y[m])
