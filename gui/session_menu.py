"""File → Open session… / Save session / Save session as… / Recent sessions.

The file format and the replay are ``engine.session_file``'s; this module asks for paths, keeps the
recent list (QSettings, last 8) and hands a loaded session to the controller with ``adopt``.  A
file that cannot be used (corrupt, empty, newer, unknown preset) shows the engine's one-line message
and the current session is left as it was.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from engine import session_file as SF
from engine.config import ConfigError
from gui.i18n import LANGUAGE, tr

RECENT_KEY = "session/recent"
RECENT_MAX = 8
FILTER = "Descent session (*.json)"


def _settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Descent", "Descent")


# --- without widgets (used by the menu, app.py and the tests) -----------------------------------
def session_doc(session) -> SF.SessionDoc:
    """The session as a document (``Session.to_doc``): every run's configuration, the cursor, the
    settings changed mid-run, and the window's view settings."""
    return session.to_doc({"speed": int(session.speed), "step_n": int(session.step_n)})


def save_session(session, path) -> Path:
    SF.save(session_doc(session), path)
    return Path(path)


def adopt(session, doc: SF.SessionDoc) -> None:
    """Replace the session's runs by the document's (``Session.adopt``), then its view settings."""
    session.adopt(doc)
    speed, step_n = doc.view.get("speed"), doc.view.get("step_n")
    if isinstance(speed, int) and speed > 0:
        session.speed = speed
    if isinstance(step_n, int) and step_n > 0:
        session.step_n = step_n


def open_session(session, path) -> SF.SessionDoc:
    """Load, replay and adopt; ConfigError (one line) and the session unchanged on any problem."""
    doc = SF.load(path)
    adopt(session, doc)
    return doc


def recent_paths() -> list[str]:
    value = _settings().value(RECENT_KEY, [])
    if isinstance(value, str):
        value = [value]
    return [str(p) for p in (value or []) if p]


def remember(path) -> list[str]:
    path = str(Path(path).resolve())
    paths = [path] + [p for p in recent_paths() if p != path]
    _settings().setValue(RECENT_KEY, paths[:RECENT_MAX])
    return paths[:RECENT_MAX]


def forget(path) -> None:
    _settings().setValue(RECENT_KEY, [p for p in recent_paths() if p != str(path)])


# --- the menu ---------------------------------------------------------------------------------------
class SessionMenu(QObject):
    def __init__(self, window, session):
        super().__init__(window)
        from gui.export_menu import file_menu, insert_actions
        self.window, self.session = window, session
        self.path: Path | None = None
        self.action_open = QAction(window)
        self.action_open.setShortcut(QKeySequence.StandardKey.Open)
        self.action_open.triggered.connect(self._on_open_triggered)
        self.action_save = QAction(window)
        self.action_save.setShortcut(QKeySequence.StandardKey.Save)
        self.action_save.triggered.connect(self._on_save_triggered)
        self.action_save_as = QAction(window)
        self.action_save_as.setShortcut(QKeySequence.StandardKey.SaveAs)
        self.action_save_as.triggered.connect(self._on_save_as_triggered)
        self.recent_menu = QMenu(window)
        self.recent_menu.aboutToShow.connect(self._on_recent_about_to_show)
        insert_actions(window, file_menu(window), [self.action_open, self.action_save, self.action_save_as,
                                           self.recent_menu.menuAction()])
        session.rebuilt.connect(self._on_session_rebuilt)
        LANGUAGE.changed.connect(self._on_language_changed)
        self._adopting = False
        self.retranslate()

    def retranslate(self) -> None:
        self.action_open.setText(tr("Open session…"))
        self.action_save.setText(tr("Save session"))
        self.action_save_as.setText(tr("Save session as…"))
        self.recent_menu.setTitle(tr("Recent sessions"))

    def _on_language_changed(self, _code: str) -> None:
        self.retranslate()

    def _on_session_rebuilt(self) -> None:
        if not self._adopting:     # another preset or a restart: no longer the file that was opened
            self.path = None

    def _error(self, text: str) -> None:
        QMessageBox.warning(self.window, tr("Session"), text)

    def _note(self, text: str) -> None:
        bar = self.window.statusBar() if hasattr(self.window, "statusBar") else None
        if bar is not None:
            bar.showMessage(text, 8000)

    # --- open ----------------------------------------------------------------------------------
    def open_path(self, path) -> bool:
        """Open a session file; on failure the message box says why and nothing changes."""
        self._adopting = True
        try:
            open_session(self.session, path)
        except ConfigError as exc:
            self._error(str(exc))
            return False
        finally:
            self._adopting = False
        self.path = Path(path)
        remember(path)
        self._note(tr("opened {p}", p=str(path)))
        return True

    def open_when_ready(self, path) -> None:
        """Open ``path`` now if the compiled kernels serve, else as soon as they do (for --session:
        a saved session replays its steps, which the numpy engine of a first launch does slowly)."""
        if self.session.is_compiled:
            self.open_path(path)
            return

        def once():
            self.session.compiled.disconnect(once)
            self.open_path(path)
        self.session.compiled.connect(once)

    def _on_open_triggered(self) -> None:
        start = str(Path(recent_paths()[0]).parent) if recent_paths() else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self.window, tr("Open session"), start, tr(FILTER))
        if path:
            self.open_path(path)

    def _on_recent_about_to_show(self) -> None:
        self.recent_menu.clear()
        paths = recent_paths()
        missing = [p for p in paths if not Path(p).is_file()]
        for p in missing:
            forget(p)
        if missing:
            self._note(tr("removed from recent sessions (no longer there): {p}", p=", ".join(missing)))
        for p in [p for p in paths if p not in missing]:
            a = self.recent_menu.addAction(Path(p).name)
            a.setToolTip(p)
            a.setData(p)
            a.triggered.connect(lambda _=False, path=p: self._on_recent_triggered(path))
        if not self.recent_menu.actions():
            empty = self.recent_menu.addAction(tr("(none)"))
            empty.setEnabled(False)

    def _on_recent_triggered(self, path: str) -> None:
        if not Path(path).is_file():
            forget(path)
            self._error(tr("session file {p} no longer exists; it was removed from the recent list", p=path))
            return
        self.open_path(path)

    # --- save ----------------------------------------------------------------------------------
    def save_to(self, path) -> bool:
        try:
            save_session(self.session, path)
        except ConfigError as exc:
            self._error(str(exc))
            return False
        self.path = Path(path)
        remember(path)
        self._note(tr("session saved to {p}", p=str(path)))
        return True

    def _on_save_triggered(self) -> None:
        if self.path is not None:
            self.save_to(self.path)
        else:
            self._on_save_as_triggered()

    def _on_save_as_triggered(self) -> None:
        folder = self.path.parent if self.path else (Path(recent_paths()[0]).parent if recent_paths() else Path.home())
        name = self.path.name if self.path else f"{self.session.preset.name}.session.json"
        path, _ = QFileDialog.getSaveFileName(self.window, tr("Save session"), str(folder / name), tr(FILTER))
        if path:
            if not Path(path).suffix:
                path += ".json"
            self.save_to(path)


def install_session_menu(window, session) -> SessionMenu:
    menu = SessionMenu(window, session)
    window.session_menu = menu
    return menu
