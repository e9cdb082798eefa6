"""The Lessons menu and the Lesson panel's dock: every shipped lesson, Open lesson file…, Close
lesson, and the lesson keys (Page Down / Page Up: next / back, 1…9: pick an answer, Ctrl+Return:
check).  ``install_lessons(window, session)`` adds them; ``open_lesson(window, lesson)`` starts one
(``python main.py --lesson NAME`` does)."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from engine import lessons as L
from engine.config import ConfigError
from gui.i18n import LANGUAGE, tr
from gui.lesson_panel import LessonPanel
from gui.lesson_runner import LessonRunner

LESSON_WIDTH = 360
LESSON_KEYS = ((Qt.Key.Key_PageDown, "Lesson: next step"), (Qt.Key.Key_PageUp, "Lesson: previous step"),
               (QKeySequence(Qt.Modifier.CTRL | Qt.Key.Key_Return), "Lesson: check the answer"))
LESSON_SHARE = 0.62      # of the left column's height


class LessonMenu(QObject):
    """The Lessons menu, the lesson keys and the Lesson dock of one window."""

    def __init__(self, window, session):
        super().__init__(window)
        self.window = window
        self.runner = runner = LessonRunner(window, session)
        self.panel = panel = LessonPanel(runner)
        self.dock = window._dock("dock_lesson", "Lesson", panel)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.dock.hide()
        self.menu = window.menuBar().addMenu("")
        language = getattr(window, "language_menu", None)
        if language is not None:         # File, View, Lessons, Language, Help
            window.menuBar().insertMenu(language.menuAction(), self.menu)
        self.open_action = QAction(window)
        self.open_action.triggered.connect(self._on_open_triggered)
        self.close_action = QAction(window)
        self.close_action.triggered.connect(runner.stop)
        self.keys: list[tuple[QAction, str]] = []
        for (key, text), slot in zip(LESSON_KEYS, (runner.next, runner.back, panel.check)):
            self.keys.append((self._key(key, slot, Qt.ShortcutContext.ApplicationShortcut), text))
        # 1…9 pick an answer (a text field that has the keyboard keeps its digits)
        self.digits = [self._key(Qt.Key(Qt.Key.Key_1 + i), lambda _=False, k=i: panel.choose(k),
                                 Qt.ShortcutContext.WindowShortcut) for i in range(9)]
        self.panel_action = QAction(window)
        self.panel_action.triggered.connect(self._on_panel_action_triggered)
        window.panel_actions["dock_lesson"] = self.panel_action
        separator = next((a for a in window.view_menu.actions() if a.isSeparator()), None)
        window.view_menu.insertAction(separator, self.panel_action)
        self.lesson_actions: list[tuple[QAction, L.Lesson]] = []
        for lesson in L.all_lessons().values():
            a = QAction(self.menu)
            a.triggered.connect(lambda _=False, x=lesson: open_lesson(window, x))
            self.menu.addAction(a)
            self.lesson_actions.append((a, lesson))
        self.menu.addSeparator()
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.close_action)
        window.action_reset_layout.triggered.connect(self._on_reset_layout_triggered)
        window.installEventFilter(self)
        runner.entered.connect(self._on_runner_changed)
        runner.stopped.connect(self._on_runner_changed)
        LANGUAGE.changed.connect(self._on_language_changed)
        self.retranslate()
        self._on_runner_changed()

    def _key(self, key, slot, context) -> QAction:
        a = QAction(self.window)
        a.setShortcut(QKeySequence(key))
        a.setShortcutContext(context)
        a.triggered.connect(slot)
        self.window.addAction(a)
        return a

    def retranslate(self) -> None:
        self.menu.setTitle(tr("L&essons"))
        for a, lesson in self.lesson_actions:
            a.setText(f"{lesson.section}  {lesson.title.get(LANGUAGE.code)}")
        self.open_action.setText(tr("Open lesson file…"))
        self.close_action.setText(tr("Close lesson"))
        self.panel_action.setText(tr("Lesson"))
        for a, text in self.keys:
            a.setText(tr(text))

    def _on_runner_changed(self, *_args) -> None:
        on = self.runner.active
        for a in [k for k, _t in self.keys] + self.digits:
            a.setEnabled(on)
        self.close_action.setEnabled(on)
        if not on:
            self.dock.hide()
            self.panel.refresh()

    def _on_language_changed(self, _code: str) -> None:
        self.retranslate()

    def _on_open_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, tr("Open lesson file"), "",
                                              tr("Descent lesson (*.json)"))
        if path:
            open_lesson(self.window, path)

    def _on_panel_action_triggered(self) -> None:
        self.window.bring_forward(self.dock)

    def _on_reset_layout_triggered(self) -> None:
        self.dock.setVisible(self.runner.active)     # the reset shows every panel: not an empty lesson

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if obj is self.window and event.type() == QEvent.Type.Close and self.runner.active:
            self.runner.stop()      # a lesson ends with the window: the layout saved then is the user's own
        return False


def install_lessons(window, session) -> None:
    """Sets window.lessons (the menu), lesson_runner, lesson_panel, lesson_dock, lessons_menu."""
    lessons = window.lessons = LessonMenu(window, session)
    window.lesson_runner, window.lesson_panel, window.lesson_dock = lessons.runner, lessons.panel, lessons.dock
    window.lessons_menu = lessons.menu
    window.action_close_lesson = lessons.close_action


def open_lesson(window, lesson, index: int = 0) -> bool:
    """Start ``lesson`` (a Lesson, a name, a section or a file path) in the window; a message, not
    an exception, when it cannot be had."""
    if not isinstance(lesson, L.Lesson):
        try:
            lesson = L.find(str(lesson))
        except ConfigError as exc:
            window.session.message.emit("error", str(exc))
            return False
    runner = window.lesson_runner
    dock = window.lesson_dock
    first = not runner.active
    runner.start(lesson, index)
    if first:
        place_dock(window)
        runner.apply_layout()
    dock.show()
    dock.raise_()
    return True


def place_dock(window) -> None:
    """The lesson on top of the left column, the setup with the panels tabbed with it below."""
    dock, setup = window.lesson_dock, window.setup_dock
    dock.setFloating(False)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    dock.show()
    window.splitDockWidget(dock, setup, Qt.Orientation.Vertical)
    prev = setup
    for other in (window.guide_dock, window.inspector_dock, window.messages_dock):
        window.tabifyDockWidget(prev, other)
        prev = other
    setup.raise_()
    height = max(window.height() - 120, 300)
    window.resizeDocks([dock, setup], [int(height * LESSON_SHARE), int(height * (1 - LESSON_SHARE))],
                       Qt.Orientation.Vertical)
    window.resizeDocks([dock], [LESSON_WIDTH], Qt.Orientation.Horizontal)
