"""File → Export view… / Export all views… / Export history CSV… / Export animation… / Copy view to
clipboard, and Export…/Copy to clipboard in every view's context menu.  The writing is in
``gui.export``; this module only asks the questions.  Errors show one line in a message box."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QApplication, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QInputDialog, QMessageBox, QProgressDialog, QSpinBox, QWidget)

from gui import export as E
from gui.export_animation import MAX_FRAMES
from gui.i18n import LANGUAGE, tr

FILTERS = {".png": "PNG image (*.png)", ".svg": "SVG vector drawing (*.svg)", ".csv": "CSV data (*.csv)",
           ".gif": "Animated GIF (*.gif)", ".mp4": "MP4 video (*.mp4)"}
SETTINGS_DIR = "export/folder"


def _settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Descent", "Descent")


def file_menu(window):
    """The window's File menu (``window.file_menu`` when it has one), created if absent."""
    menu = getattr(window, "file_menu", None)
    if menu is not None:
        return menu
    bar = window.menuBar()
    for a in bar.actions():
        if a.menu() is not None and a.text().replace("&", "").lower() in ("file", tr("File").lower()):
            return a.menu()
    window.file_menu = bar.addMenu(tr("&File"))
    return window.file_menu


def insert_actions(window, menu, actions: list) -> None:
    """Our actions, then a separator, above the window's Quit action (appended when it has none)."""
    quit_ = getattr(window, "action_quit", None)
    before = quit_ if quit_ is not None and quit_ in menu.actions() else None
    for a in actions:
        if a is None:
            sep = QAction(menu)
            sep.setSeparator(True)
            menu.insertAction(before, sep)
        else:
            menu.insertAction(before, a)
    sep = QAction(menu)
    sep.setSeparator(True)
    menu.insertAction(before, sep)


class _AnimationDialog(QDialog):
    def __init__(self, head: int, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("Export animation"))
        form = QFormLayout(self)
        self.frames = QSpinBox(minimum=1, maximum=MAX_FRAMES, value=60)
        self.fps = QDoubleSpinBox(minimum=0.5, maximum=100.0, value=15.0, decimals=1)
        self.start = QSpinBox(minimum=0, maximum=max(head, 0), value=0)
        self.end = QSpinBox(minimum=0, maximum=max(head, 0), value=max(head, 0))
        self.width = QSpinBox(minimum=200, maximum=4000, value=E.ANIMATION_WIDTH, singleStep=100, suffix=" px")
        form.addRow(tr("Frames"), self.frames)
        form.addRow(tr("Frames per second"), self.fps)
        form.addRow(tr("From step"), self.start)
        form.addRow(tr("To step"), self.end)
        form.addRow(tr("Width"), self.width)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class ExportMenu(QObject):
    """The export actions of one window; ``views`` maps a view key to its widget."""

    def __init__(self, window, session, views: dict[str, QWidget]):
        super().__init__(window)
        self.window, self.session, self.views = window, session, dict(views)
        self.action_view = QAction(window)
        self.action_view.triggered.connect(self._on_view_triggered)
        self.action_all = QAction(window)
        self.action_all.triggered.connect(self._on_all_triggered)
        self.action_history = QAction(window)
        self.action_history.triggered.connect(self._on_history_triggered)
        self.action_animation = QAction(window)
        self.action_animation.triggered.connect(self._on_animation_triggered)
        self.action_copy = QAction(window)
        self.action_copy.triggered.connect(self._on_copy_triggered)
        self.actions = [self.action_view, self.action_all, self.action_history, self.action_animation,
                        self.action_copy]
        insert_actions(window, file_menu(window), self.actions)
        self._context: list[tuple[QAction, QAction]] = []
        for key, view in self.views.items():
            self._add_context_menu(key, view)
        LANGUAGE.changed.connect(self._on_language_changed)
        self.retranslate()

    # --- texts ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.action_view.setText(tr("Export view…"))
        self.action_all.setText(tr("Export all views…"))
        self.action_history.setText(tr("Export history CSV…"))
        self.action_animation.setText(tr("Export animation…"))
        self.action_copy.setText(tr("Copy view to clipboard"))
        for export, copy in self._context:
            export.setText(tr("Export…"))
            copy.setText(tr("Copy to clipboard"))

    def _on_language_changed(self, _code: str) -> None:
        self.retranslate()

    # --- context menus -------------------------------------------------------------------------
    def _add_context_menu(self, key: str, view: QWidget) -> None:
        export = QAction(view)
        export.triggered.connect(lambda _=False, k=key: self.export_view(k))
        copy = QAction(view)
        copy.triggered.connect(lambda _=False, k=key: self.copy_view(k))
        self._context.append((export, copy))
        if E.is_gl(view):     # on the panel: a right click on its GL widget reaches it too
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            view.addActions([export, copy])
            return
        import pyqtgraph as pg
        scenes = {id(gv.scene()): gv.scene() for gv in view.findChildren(pg.GraphicsView)}
        item = view.export_items()
        if item is not None and item.scene() is not None:
            scenes[id(item.scene())] = item.scene()
        for scene in scenes.values():
            scene.contextMenu = [export, copy]     # in place of pyqtgraph's own "Export..." dialog

    # --- which view ----------------------------------------------------------------------------
    def current_key(self) -> str | None:
        """The view holding the keyboard focus or under the mouse, else None."""
        from PySide6.QtGui import QCursor
        focus = QApplication.focusWidget()
        under = QApplication.widgetAt(QCursor.pos())
        for w in (focus, under):
            while w is not None:
                for key, view in self.views.items():
                    if w is view:
                        return key
                w = w.parentWidget()
        return None

    def choose_key(self) -> str | None:
        key = self.current_key()
        if key is not None or not self.views:
            return key
        visible = [k for k, v in self.views.items() if v.isVisible()] or list(self.views)
        titles = [self._title(k) for k in visible]
        title, ok = QInputDialog.getItem(self.window, tr("Export view"), tr("Which view?"), titles, 0, False)
        return visible[titles.index(title)] if ok else None

    def _title(self, key: str) -> str:
        try:
            from gui.views import VIEW_CLASSES
            return tr(VIEW_CLASSES[key][0])
        except (ImportError, KeyError):
            return key

    # --- actions -------------------------------------------------------------------------------
    def _error(self, text: str) -> None:
        QMessageBox.warning(self.window, tr("Export"), text)

    def _folder(self) -> str:
        return str(_settings().value(SETTINGS_DIR, str(Path.home())))

    def _remember(self, path) -> None:
        _settings().setValue(SETTINGS_DIR, str(Path(path).parent))

    def _on_view_triggered(self) -> None:
        key = self.choose_key()
        if key is not None:
            self.export_view(key)

    def export_view(self, key: str) -> None:
        view = self.views[key]
        exts = [e for e in FILTERS if E.can_export(view, e)]
        filters = ";;".join(tr(FILTERS[e]) for e in exts)
        path, chosen = QFileDialog.getSaveFileName(self.window, tr("Export view"),
                                                   str(Path(self._folder()) / f"{key}.png"), filters)
        if not path:
            return
        if not Path(path).suffix:
            path += next((e for e in exts if tr(FILTERS[e]) == chosen), ".png")
        try:
            ext = E.format_of(path)
            if ext in (".gif", ".mp4"):
                self.export_animation(key, path)
                return
            width = E.DEFAULT_WIDTH
            if ext == ".png":
                width, ok = QInputDialog.getInt(self.window, tr("PNG size"), tr("Width in pixels"),
                                                E.DEFAULT_WIDTH, 200, 12000, 100)
                if not ok:
                    return
            E.export_view(view, path, width)
            self._remember(path)
        except E.ExportError as exc:
            self._error(str(exc))

    def _on_all_triggered(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, tr("Export all views to a folder"), self._folder())
        if not folder:
            return
        try:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                written, skipped = E.export_all(self.views, folder, session=self.session)
            finally:
                QApplication.restoreOverrideCursor()
        except E.ExportError as exc:
            self._error(str(exc))
            return
        _settings().setValue(SETTINGS_DIR, folder)
        text = tr("{n} files written to {f}", n=len(written), f=folder)
        if skipped:
            text += "\n" + tr("Skipped:") + "\n" + "\n".join(skipped)
        QMessageBox.information(self.window, tr("Export"), text)

    def _on_history_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, tr("Export history CSV"),
                                              str(Path(self._folder()) / "history.csv"), tr(FILTERS[".csv"]))
        if not path:
            return
        if not Path(path).suffix:
            path += ".csv"
        try:
            E.export_history_csv(self.session, path)
            self._remember(path)
        except E.ExportError as exc:
            self._error(str(exc))

    def _on_animation_triggered(self) -> None:
        key = self.choose_key()
        if key is None:
            return
        filters = ";;".join(tr(FILTERS[e]) for e in (".gif", ".mp4"))
        path, chosen = QFileDialog.getSaveFileName(self.window, tr("Export animation"),
                                                   str(Path(self._folder()) / f"{key}.gif"), filters)
        if path:
            if not Path(path).suffix:
                path += ".mp4" if chosen == tr(FILTERS[".mp4"]) else ".gif"
            self.export_animation(key, path)

    def export_animation(self, key: str, path: str) -> None:
        dialog = _AnimationDialog(self.session.head, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.session.pause()
        frames = dialog.frames.value()
        progress = QProgressDialog(tr("Drawing frames…"), tr("Cancel"), 0, frames, self.window)
        progress.setWindowTitle(tr("Export animation"))
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setValue(0)
        try:
            E.export_animation(self.views[key], self.session, path, frames=frames, fps=dialog.fps.value(),
                               start=dialog.start.value(), end=dialog.end.value(),
                               progress=lambda done, _total: progress.setValue(done),
                               cancelled=progress.wasCanceled, width=dialog.width.value())
            self._remember(path)
        except E.ExportCancelled:
            pass
        except E.ExportError as exc:
            self._error(str(exc))
        finally:
            progress.close()

    def _on_copy_triggered(self) -> None:
        key = self.choose_key()
        if key is not None:
            self.copy_view(key)

    def copy_view(self, key: str) -> None:
        try:
            QApplication.clipboard().setImage(E.render_image(self.views[key], E.DEFAULT_WIDTH))
        except E.ExportError as exc:
            self._error(str(exc))


def install_export_menu(window, session, views: dict[str, QWidget]) -> ExportMenu:
    """Add the export actions to the window's File menu and to every view's context menu."""
    menu = ExportMenu(window, session, views)
    window.export_menu = menu
    return menu
