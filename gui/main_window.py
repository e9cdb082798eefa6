"""The main window: transport bar, dockable panels (views, setup, guide, inspector), menus and the
status bar.  It builds the widgets and wires them to the session; it computes nothing itself.
Dock layout and geometry are remembered in QSettings("Descent", "Descent")."""
from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QVBoxLayout, QWidget

from gui.export_menu import install_export_menu
from gui.guide_panel import GuidePanel
from gui.i18n import LANGUAGE, LANGUAGES, tr
from gui.inspector import Inspector
from gui.parameter_panel import ParameterPanel
from gui.preset_picker import PresetPicker
from gui.session_menu import install_session_menu
from gui.status_bar import StatusBar
from gui.transport import TransportBar

STATE_VERSION = 1
DEFAULT_SIZE = (1300, 720)     # without a screen to measure
SCREEN_SHARE = 0.92            # of the available screen: 1256×706 on a 1366×768 laptop, 1766×994 at 1080p
SETUP_WIDTH = 330
# default placement order of the views (unknown keys follow in their own order)
VIEW_ORDER = ("surface", "loss", "lr", "params", "boundary", "network", "surface3d")


def settings() -> QSettings:
    """The app's settings (INI format, so tests can point QSettings.setPath at a temp folder)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Descent", "Descent")


def load_views() -> tuple[dict, str]:
    """``gui.views.VIEW_CLASSES`` ({key: (title, class)}) and an error text if it cannot be had."""
    try:
        from gui.views import VIEW_CLASSES
        return dict(VIEW_CLASSES), ""
    except Exception as exc:  # noqa: BLE001 - any failure becomes a message in the window
        return {}, f"{type(exc).__name__}: {exc}"


class MainWindow(QMainWindow):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
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
        self.view_docks = self._build_views()
        self._arrange()
        self._default_state = self.saveState(STATE_VERSION)
        self._build_menus()
        install_session_menu(self, session)              # sets self.session_menu
        install_export_menu(self, session, self.views)   # sets self.export_menu

        session.config_changed.connect(self._on_session_config_changed)
        session.rebuilt.connect(self._on_session_rebuilt)
        session.ready.connect(self._on_session_ready)
        self._featured_for = None
        LANGUAGE.changed.connect(self._on_language_changed)
        self.retranslate()
        self._fit_to_screen()
        self._sized = self.restore_settings()
        self._on_session_rebuilt()

    # --- construction --------------------------------------------------------------------------
    def _dock(self, name: str, title: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(tr(title), self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
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
            except Exception as exc:  # noqa: BLE001 - a broken view must not take the window down
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
        self.setup_dock.raise_()
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
                             [SETUP_WIDTH, int(rest * 0.6), int(rest * 0.4)], Qt.Orientation.Horizontal)
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
        for dock, _ in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
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

    def _fit_to_screen(self) -> None:
        screen = self.screen() or QGuiApplication.primaryScreen()
        w, h = DEFAULT_SIZE
        if screen is not None:
            avail = screen.availableGeometry()
            w, h = int(avail.width() * SCREEN_SHARE), int(avail.height() * SCREEN_SHARE)
            self.resize(w, h)
            self.move(avail.x() + (avail.width() - w) // 2, avail.y() + (avail.height() - h) // 2)
        else:
            self.resize(w, h)

    # --- texts ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        p = self.session.preset
        self.setWindowTitle(f"Descent — {p.name}: {tr(p.description)}")
        for dock, title in self.docks.values():
            dock.setWindowTitle(tr(title))
        self.file_menu.setTitle(tr("&File"))
        self.action_quit.setText(tr("Quit"))
        self.action_load_data.setText(tr("Load data from CSV…"))
        self.view_menu.setTitle(tr("&View"))
        self.action_reset_layout.setText(tr("Reset layout"))
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
        key = self.featured_view()
        dock = self.docks.get(f"view_{key}", (None,))[0] if key else None
        if dock is None:
            return
        main = self.view_docks[0] if self.view_docks else None
        if key == "ema" and main is not None and dock is not main and not dock.isFloating():
            # a scripted demo has no runs to draw on the surface: give the explorer the big area
            self.tabifyDockWidget(main, dock)
        dock.raise_()

    def _on_session_config_changed(self, label: str) -> None:
        if not label:
            self.retranslate()

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

    # --- lifecycle -----------------------------------------------------------------------------
    def restore_settings(self) -> bool:
        """Geometry and dock layout of the last session; returns whether a layout was restored."""
        s = settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray) and not state.isEmpty():
            return self.restoreState(state, STATE_VERSION)
        return False

    def save_settings(self) -> None:
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(STATE_VERSION))
        s.sync()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            self._apply_default_sizes()
        self.setFocus()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.session.shutdown()
        self.status.stop()
        self.save_settings()
        for view in self.views.values():
            stop = getattr(view, "shutdown", None)
            if callable(stop):
                stop()
        super().closeEvent(event)
