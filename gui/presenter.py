"""Presenter mode (View → Presenter mode, F11): full screen, large type, the setup tree and the
secondary panels hidden, menus and toolbars out of the way, a big step counter across the top;
the keyboard drives everything (Space, →, ←, Shift+→, R, Page Down / Page Up in a lesson).
F11 or Esc leaves it, and the window's exact layout comes back (saveState/restoreState, the
geometry and the window state as they were)."""
from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QToolBar

from gui.i18n import LANGUAGE, tr
from gui.style import AXIS_FONT_PT, FONT_PT, run_colour

PRESENTER_STATE_VERSION = 11
SCALE = 1.5                  # type size in presenter mode, against the normal one
HIDDEN = ("dock_setup", "dock_guide", "dock_inspector", "dock_messages")
MAX_VIEWS = 2                # the views that stay on screen (the front ones); the rest are hidden


class StepCounter(QToolBar):
    """The big step counter: a bar across the top in presenter mode (it covers no view), the step
    in large type and each run's loss beside it."""

    def __init__(self, session, parent):
        super().__init__(parent)
        self.session = session
        self.setObjectName("presenter_counter")
        self.setMovable(False)
        self.setFloatable(False)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setContentsMargins(12, 2, 12, 2)
        self.addWidget(self.label)
        self.toggleViewAction().setVisible(False)     # not one of the toolbars a user switches on
        self.hide()
        session.frame.connect(self._on_session_frame)

    def text(self) -> str:
        return self.label.text()

    def refresh(self) -> None:
        s = self.session
        parts = [f"<span style='font-size:{round(FONT_PT * 2.6)}pt; font-weight:600'>"
                 f"{html.escape(tr('step {k}', k=f'{s.cursor:,}'))}</span>"]
        if getattr(s, "is_ready", True):
            for i, r in enumerate(s.runs[:6]):
                loss = float(r.losses([min(s.cursor, r.step)])[0])
                parts.append(f"<span style='font-size:{round(FONT_PT * 1.5)}pt'>&nbsp;&nbsp;&nbsp;"
                             f"<span style='color:{run_colour(i)}'>■</span> {html.escape(r.label)}: "
                             f"{html.escape(tr('loss {loss}', loss=f'{loss:.4g}'))}</span>")
        self.label.setText("".join(parts))

    def _on_session_frame(self) -> None:
        if self.isVisible():
            self.refresh()


class Presenter(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.active = False
        self._saved: dict = {}
        self._fonts: list = []
        self.counter = StepCounter(window.session, window)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.counter)   # hidden but in the saved state
        self.action = QAction(window, checkable=True)
        self.action.setShortcut(QKeySequence(Qt.Key.Key_F11))
        self.action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.action.triggered.connect(self._on_action_triggered)
        window.addAction(self.action)
        self.leave_action = QAction(window)
        self.leave_action.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.leave_action.triggered.connect(self.leave)
        self.leave_action.setEnabled(False)
        window.addAction(self.leave_action)
        window.view_menu.addSeparator()
        window.view_menu.addAction(self.action)
        window.installEventFilter(self)
        window.session.rebuilt.connect(self._on_session_rebuilt)
        LANGUAGE.changed.connect(self._on_language_changed)
        self._on_language_changed("")

    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def enter(self) -> None:
        if self.active:
            return
        w = self.window
        self._saved = {"state": w.saveState(PRESENTER_STATE_VERSION), "geometry": w.geometry(),
                       "window_state": w.windowState(), "menu": not w.menuBar().isHidden(),
                       "transport": not w.transport.isHidden(), "status": not w.statusBar().isHidden(),
                       "lesson": self._lesson_at(),
                       "minimum": {d: d.minimumSize() for d in w.findChildren(QDockWidget)}}
        self.active = True
        for name in HIDDEN:
            w.docks[name][0].hide()
        on_screen = [d for d in w.view_docks if d.isVisible() and not d.visibleRegion().isEmpty()]
        keep = on_screen[:MAX_VIEWS] or w.view_docks[:1]
        for dock in w.view_docks:
            if dock not in keep and not dock.isFloating():
                dock.hide()
        w.menuBar().hide()
        w.transport.hide()
        w.statusBar().hide()
        self._scale_type(SCALE)
        w.showFullScreen()
        self.counter.show()
        self.counter.refresh()
        self.action.setChecked(True)
        self.leave_action.setEnabled(True)
        w.setFocus()

    def leave(self) -> None:
        if not self.active:
            return
        w = self.window
        self.active = False
        self.counter.hide()
        self._scale_type(1.0)
        saved = self._saved
        w.setWindowState(saved["window_state"])
        if not saved["window_state"] & (Qt.WindowState.WindowFullScreen | Qt.WindowState.WindowMaximized):
            w.showNormal()
            w.setGeometry(saved["geometry"])    # (restoreGeometry moved the window by its frame without a WM)
        w.menuBar().setVisible(saved["menu"])
        w.transport.setVisible(saved["transport"])
        w.statusBar().setVisible(saved["status"])
        for dock, size in saved["minimum"].items():    # the large type raised some panels' minimum
            dock.setMinimumSize(size)                   # sizes: restoreState would keep those
        w.restoreState(saved["state"], PRESENTER_STATE_VERSION)
        self.action.setChecked(False)
        self.leave_action.setEnabled(False)
        runner = getattr(w, "lesson_runner", None)
        if runner is not None and runner.active and (runner.lesson, runner.index) != saved["lesson"]:
            runner.apply_layout()       # the lesson stepped on meanwhile: that step's views and controls
        w.setFocus()

    def _lesson_at(self):
        runner = getattr(self.window, "lesson_runner", None)
        return (runner.lesson, runner.index) if runner is not None and runner.active else None

    # --- large type -------------------------------------------------------------------------------
    def _plot_items(self):
        for widget in self.window.findChildren(pg.GraphicsView):
            scene = widget.scene()
            if scene is None:
                continue
            for item in scene.items():
                if isinstance(item, pg.AxisItem):
                    yield item

    def _scale_type(self, scale: float) -> None:
        """Axis ticks and labels, the lesson panel and the views' readouts, larger (or back)."""
        if scale == 1.0:
            for axis, tick, style in self._fonts:
                try:
                    axis.setTickFont(tick)
                    axis.labelStyle = style
                    axis._updateLabel()
                except RuntimeError:       # gone with a rebuilt plot
                    pass
            self._fonts = []
        else:
            self._enlarge_axes(scale)
        panel = getattr(self.window, "lesson_panel", None)
        if panel is not None:
            panel.set_scale(scale)
        self.window.setStyleSheet("" if scale == 1.0 else
                                  f"QDockWidget {{ font-size: {round(FONT_PT * scale)}pt; }}")

    def _enlarge_axes(self, scale: float) -> None:
        done = {id(a) for a, _t, _s in self._fonts}
        for axis in self._plot_items():
            if id(axis) in done:
                continue
            tick = axis.style.get("tickFont")
            self._fonts.append((axis, tick, dict(axis.labelStyle)))
            big = QFont(tick) if tick is not None else QFont()
            big.setPointSize(round(max(AXIS_FONT_PT - 1, 10) * scale))
            axis.setTickFont(big)
            axis.labelStyle = {**axis.labelStyle, "font-size": f"{round(FONT_PT * scale)}pt"}
            axis._updateLabel()

    # --- events -----------------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if obj is self.window:
            if event.type() == QEvent.Type.Close and self.active:
                self.leave()               # the layout saved at close is the user's, not this one
        return False

    def _on_action_triggered(self, _checked: bool = False) -> None:
        self.toggle()

    def _on_session_rebuilt(self) -> None:
        if self.active:                    # a new preset's plots get the large type too
            self._enlarge_axes(SCALE)

    def _on_language_changed(self, _code: str) -> None:
        self.action.setText(tr("Presenter mode"))
        self.action.setToolTip(tr("Full screen, large type, only the views; F11 or Esc leaves"))
        self.leave_action.setText(tr("Leave presenter mode"))


def install_presenter(window) -> None:
    """Sets window.presenter (and its action in the View menu)."""
    window.presenter = Presenter(window)
