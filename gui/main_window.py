"""The main window: transport bar, dockable panels (views, setup, guide, inspector), menus and the
status bar.  It builds the widgets and wires them to the session; it computes nothing itself.
Dock layout and geometry are remembered in QSettings("Descent", "Descent")."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QTabBar, QVBoxLayout, QWidget

from gui import window_geometry as G
from gui.branches_panel import install_branches
from gui.draw_rate import DrawTurns
from gui.export_menu import install_export_menu
from gui.guide_panel import GuidePanel
from gui.help_menu import install_help_menu
from gui.i18n import LANGUAGE, LANGUAGES, tr
from gui.inspector import Inspector
from gui.lesson_menu import install_lessons
from gui.message_log import MessageLog
from gui.parameter_panel import ParameterPanel
from gui.presenter import install_presenter
from gui.preset_picker import PresetPicker
from gui.results_panel import install_results
from gui.session_menu import install_session_menu
from gui.slow_motion import install_slow_motion
from gui.status_bar import StatusBar
from gui.transport import TransportBar
from gui.view_protocol import is_view

STATE_VERSION = 2
DEFAULT_SIZE = (1280, 720)     # without a screen to measure
SCREEN_SHARE = 0.96            # of the available screen: 1311×737 on a 1366×768 laptop, 1843×1036 at 1080p
MIN_SIZE = (960, 600)          # the window never needs more than this (every label elides)
SETUP_WIDTH = 300
DOCK_MIN = (220, 160)          # a view panel never shrinks below this
MAIN_SHARE = 0.55              # of the width beside the setup column: the main view
settings = G.settings          # the app's QSettings (the tests read it here)
# default placement order of the views (unknown keys follow in their own order)
VIEW_ORDER = ("surface", "loss", "lr", "params", "boundary", "network", "surface3d")


def load_views() -> tuple[dict, str]:
    """``gui.views.VIEW_CLASSES`` ({key: (title, class)}) and an error text if it cannot be had."""
    try:
        from gui.views import VIEW_CLASSES
        return dict(VIEW_CLASSES), ""
    except Exception as exc:
        return {}, f"{type(exc).__name__}: {exc}"


def _has_nothing(widget) -> bool:
    """A view with nothing to show for this preset (a panel that is no view always has something)."""
    return is_view(widget) and bool(widget.empty_text)


class MainWindow(QMainWindow):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.draw_turns = DrawTurns()      # which views draw in each frame while playing
        session.ticked.connect(self.draw_turns.dispatch)
        session.playing_changed.connect(self._on_session_playing_changed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setDockNestingEnabled(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)
        self.transport = TransportBar(session, self)
        self.transport.focus_released.connect(self._on_transport_focus_released)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.transport)
        for a in self.transport.transport_actions:
            self.addAction(a)
        self.status = StatusBar(session, self)
        self.setStatusBar(self.status)

        self.docks: dict[str, tuple[QDockWidget, str]] = {}   # object name → (dock, English title)
        self.views: dict[str, QWidget] = {}
        self.picker = PresetPicker(session)
        self.parameters = ParameterPanel(session)
        self.parameters.focus_released.connect(self._on_transport_focus_released)
        setup = QWidget()
        lay = QVBoxLayout(setup)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.picker)
        lay.addWidget(self.parameters, 1)
        self.setup_dock = self._dock("dock_setup", "Setup", setup)
        self.guide = GuidePanel(session)
        self.guide_dock = self._dock("dock_guide", "Guide", self.guide)
        self.inspector = Inspector(session)
        self.inspector_dock = self._dock("dock_inspector", "Inspector", self.inspector)
        self.messages = MessageLog(self.status)
        self.messages_dock = self._dock("dock_messages", "Messages", self.messages)
        self.status.log_requested.connect(lambda: self.bring_forward(self.messages_dock))
        self.view_docks = self._build_views()
        self._arrange()
        self._default_state = self.saveState(STATE_VERSION)
        self._build_menus()
        install_session_menu(self, session)              # sets self.session_menu
        install_export_menu(self, session, self.views)   # sets self.export_menu
        install_lessons(self, session)                   # sets self.lesson_runner, lesson_panel, lesson_dock
        install_slow_motion(self)                        # sets self.slow_motion, slow_motion_dock ("." / ",")
        install_results(self)                            # sets self.results, results_dock (tabbed with the views)
        install_presenter(self)                          # sets self.presenter (View → Presenter mode, F11)
        install_branches(self)                           # sets self.branches_panel, branches_dock, edit_menu (Ctrl+Z)
        install_help_menu(self)                          # sets self.help_menu and self.welcome
        for part in (self.transport, self.status, self.inspector, *self.views.values()):
            self.draw_turns.adopt(part)

        session.config_changed.connect(self._on_session_config_changed)
        session.rebuilt.connect(self._on_session_rebuilt)
        session.ready.connect(self._on_session_ready)
        self._featured_for = None
        LANGUAGE.changed.connect(self._on_language_changed)
        self.retranslate()
        self.setMinimumSize(*MIN_SIZE)
        G.fit_to_screen(self, DEFAULT_SIZE, SCREEN_SHARE)
        self._sized = self.restore_settings()
        G.keep_on_screen(self)
        self._tune_tab_bars()
        self._on_session_rebuilt()

    # --- construction --------------------------------------------------------------------------
    def _dock(self, name: str, title: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(tr(title), self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        dock.setMinimumSize(*DOCK_MIN)
        self.docks[name] = (dock, title)
        return dock

    def _build_views(self) -> list[QDockWidget]:
        classes, error = load_views()
        if error:
            label = self._error_label(tr("The plot views could not be loaded: {e}", e=error))
            return [self._dock("view_missing", "Views", label)]
        out = []
        rank = {k: i for i, k in enumerate(VIEW_ORDER)}
        keys = sorted(classes, key=lambda k: rank.get(k, len(VIEW_ORDER)))
        for key in keys:
            title, cls = classes[key]
            try:
                widget = cls(self.session, lazy=True) if key == "surface3d" else cls(self.session)
                self.views[key] = widget
            except Exception as exc:
                widget = self._error_label(tr("This view failed to start: {e}", e=f"{type(exc).__name__}: {exc}"))
            out.append(self._dock(f"view_{key}", title, widget))
        return out

    @staticmethod
    def _error_label(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("color: #C00000; padding: 12px;")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _arrange(self) -> None:
        """Default layout: setup / guide / inspector tabbed on the left, the views on the right
        (the first big, the second beside it, the rest tabbed under the second)."""
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.setup_dock)
        self.tabifyDockWidget(self.setup_dock, self.guide_dock)
        self.tabifyDockWidget(self.guide_dock, self.inspector_dock)
        self.tabifyDockWidget(self.inspector_dock, self.messages_dock)
        self.guide_dock.raise_()       # a first launch opens on what the chapter says
        views = self.view_docks
        if not views:
            return
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, views[0])
        if len(views) > 1:
            self.splitDockWidget(views[0], views[1], Qt.Orientation.Horizontal)
        if len(views) > 2:
            self.splitDockWidget(views[1], views[2], Qt.Orientation.Vertical)
        for dock in views[3:]:
            self.tabifyDockWidget(views[2], dock)
        if len(views) > 2:
            views[2].raise_()

    def _apply_default_sizes(self) -> None:
        """Setup column narrow, the first view about 60 % of the rest (needs a shown window)."""
        views = self.view_docks
        rest = max(self.width() - SETUP_WIDTH, 400)
        if len(views) > 1:
            self.resizeDocks([self.setup_dock, views[0], views[1]],
                             [SETUP_WIDTH, int(rest * MAIN_SHARE), int(rest * (1 - MAIN_SHARE))], Qt.Orientation.Horizontal)
        elif views:
            self.resizeDocks([self.setup_dock, views[0]], [SETUP_WIDTH, rest], Qt.Orientation.Horizontal)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.action_load_data = QAction(self)
        self.action_load_data.triggered.connect(self._on_load_data_triggered)
        self.file_menu.addAction(self.action_load_data)
        self.file_menu.addSeparator()
        self.action_quit = QAction(self)
        self.action_quit.setShortcut(QKeySequence.StandardKey.Quit)
        self.action_quit.triggered.connect(self.close)
        self.file_menu.addAction(self.action_quit)
        self.view_menu = bar.addMenu("")
        self.panel_actions: dict[str, QAction] = {}
        for name, (dock, _title) in self.docks.items():
            # a panel always comes to the front (a toggle would close one that sits behind a tab);
            # closing is the panel's own button
            a = QAction(self)
            a.triggered.connect(lambda _=False, d=dock: self.bring_forward(d))
            self.view_menu.addAction(a)
            self.panel_actions[name] = a
        self.view_menu.addSeparator()
        self.action_fit = QAction(self)
        self.action_fit.setShortcut(QKeySequence(Qt.Key.Key_F))
        self.action_fit.triggered.connect(self.fit_views)
        self.view_menu.addAction(self.action_fit)
        self.addAction(self.action_fit)
        self.action_reset_layout = QAction(self)
        self.action_reset_layout.triggered.connect(self._on_reset_layout_triggered)
        self.view_menu.addAction(self.action_reset_layout)
        self.language_menu = bar.addMenu("")
        group = QActionGroup(self)
        self.language_actions = {}
        for code, name in LANGUAGES.items():
            a = QAction(name, self, checkable=True)
            a.setChecked(code == LANGUAGE.code)
            a.triggered.connect(lambda _=False, c=code: LANGUAGE.set(c))
            group.addAction(a)
            self.language_menu.addAction(a)
            self.language_actions[code] = a

    def bring_forward(self, dock: QDockWidget) -> None:
        """Show a panel and bring it in front of the panels tabbed with it."""
        dock.show()
        dock.raise_()
        self._tune_tab_bars()

    def fit_views(self) -> None:
        """Every plot on screen back to the range that fits its data (F)."""
        for view in self.views.values():
            if view.showing():
                view.fit_view()

    def _tune_tab_bars(self) -> None:
        """Dock tabs show their whole (short) titles, with scroll arrows when they do not fit."""
        for bar in self.findChildren(QTabBar):
            bar.setElideMode(Qt.TextElideMode.ElideNone)
            bar.setUsesScrollButtons(True)
            bar.setExpanding(False)

    def _on_load_data_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Load data from CSV"), "",
                                              tr("CSV files (x1, x2, label) (*.csv);;All files (*)"))
        if path:
            self.load_data(path)

    def load_data(self, path: str) -> bool:
        """Train every run on a CSV file of the user's (two features and a label or target).
        A malformed file is refused with the reason and the current data kept."""
        if not self.session.runs:
            self.session.message.emit("error", tr("This preset has no training runs to give data to."))
            return False
        if self.session.runs[0].problem.objective:
            self.session.message.emit("error", tr("This preset optimises a formula, not data; pick a "
                                                  "data preset (e.g. opt4_7) first."))
            return False
        return self.session.set_value("data", {"name": "csv", "path": path})

    # --- texts ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        p = self.session.preset
        self.setWindowTitle(f"Descent — {p.name}: {tr(p.description)}")
        for name, (dock, title) in self.docks.items():
            dock.setWindowTitle(tr(title))
            if name in getattr(self, "panel_actions", {}):
                self.panel_actions[name].setText(tr(title))
        self.file_menu.setTitle(tr("&File"))
        self.action_quit.setText(tr("Quit"))
        self.action_load_data.setText(tr("Load data from CSV…"))
        self.view_menu.setTitle(tr("&View"))
        self.action_reset_layout.setText(tr("Reset layout"))
        self.action_fit.setText(tr("Fit every plot to its data"))
        self.language_menu.setTitle(tr("&Language"))
        for code, a in self.language_actions.items():
            a.setChecked(code == LANGUAGE.code)

    def _on_language_changed(self, _code: str) -> None:
        self.retranslate()

    # --- session -------------------------------------------------------------------------------
    def featured_view(self) -> str | None:
        """The view a preset is about, brought to the front of its tab group when it opens."""
        s = self.session
        if s.is_demo:
            return "ema"
        runs = s.runs
        if not runs:
            return None
        if not runs[0].problem.objective and runs[0].problem.dataset.kind != "regression":
            return "decision"
        if any(r.config.schedule.name != "constant" for r in runs):
            return "lr"
        return None

    def _on_session_rebuilt(self) -> None:
        name = self.session.preset.name
        if name == self._featured_for:
            return
        self._featured_for = name
        main = self.view_docks[0] if self.view_docks else None
        key = self.featured_view()
        dock = self.docks.get(f"view_{key}", (None,))[0] if key else None
        if main is not None:
            main.raise_()          # the surface leads unless the preset is about another view
        if dock is not None:
            if key == "ema" and main is not None and dock is not main and not dock.isFloating():
                # a scripted demo has no runs to draw on the surface: give the explorer the big area
                self.tabifyDockWidget(main, dock)
            dock.raise_()
        QTimer.singleShot(0, self._raise_views_that_apply)

    def _raise_views_that_apply(self) -> None:
        """A tab group whose front view has nothing to show for this preset (a decision boundary
        without classes) brings forward one of its views that has."""
        for dock in self.view_docks:
            view = dock.widget()
            if dock.isHidden() or not _has_nothing(view) or view.visibleRegion().isEmpty():
                continue
            for other in self.tabifiedDockWidgets(dock):
                if not _has_nothing(other.widget()) and not other.isHidden():
                    other.raise_()
                    break

    def _on_session_config_changed(self, label: str) -> None:
        if not label:
            self.retranslate()

    def _on_session_playing_changed(self, playing: bool) -> None:
        if not playing:
            self.draw_turns.clear()      # every dirty view redraws now that play stopped

    def _on_session_ready(self) -> None:
        self.transport.set_enabled(True)

    def _on_transport_focus_released(self) -> None:
        self.setFocus()

    def _on_reset_layout_triggered(self) -> None:
        for dock, _ in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state, STATE_VERSION)
        self._apply_default_sizes()
        self._tune_tab_bars()

    # --- lifecycle -----------------------------------------------------------------------------
    def restore_settings(self) -> bool:
        """Geometry and dock layout of the last session; returns whether a layout was restored."""
        self._geometry_restored, restored = G.restore(self, STATE_VERSION)
        return restored

    def save_settings(self) -> None:
        G.save(self, STATE_VERSION)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._geometry_restored and not getattr(self, "_placed", False):
            self._placed = True
            G.fit_to_screen(self, DEFAULT_SIZE, SCREEN_SHARE)      # the screen it is shown on (setScreen may have chosen one)
        if not self._sized:
            self._sized = True
            self._apply_default_sizes()
        G.keep_on_screen(self)
        QTimer.singleShot(0, self._tune_tab_bars)
        self.setFocus()

    def closeEvent(self, event) -> None:
        self.session.shutdown()
        self.status.stop()
        self.save_settings()
        for view in self.views.values():
            view.shutdown()
        super().closeEvent(event)
