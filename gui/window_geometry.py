"""Where the main window sits: sized to the screen it is on, kept inside it, and its geometry and
dock layout remembered in QSettings("Descent", "Descent") (INI format)."""
from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QGuiApplication


def settings() -> QSettings:
    """The app's settings (INI format, so tests can point QSettings.setPath at a temp folder)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "Descent", "Descent")


def available(window):
    """The available geometry of the window's screen (None without a screen)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else None


def fit_to_screen(window, default_size: tuple[int, int], share: float) -> None:
    """``share`` of the available screen, centred on it (``default_size`` without a screen)."""
    avail = available(window)
    if avail is None:
        window.resize(*default_size)
        return
    w, h = int(avail.width() * share), int(avail.height() * share)
    window.resize(max(min(w, avail.width()), 1), max(min(h, avail.height()), 1))
    window.move(avail.x() + (avail.width() - window.width()) // 2,
                avail.y() + (avail.height() - window.height()) // 2)


def keep_on_screen(window) -> None:
    """A geometry restored from a bigger screen is brought inside this one."""
    avail = available(window)
    if avail is None:
        return
    frame = window.frameGeometry()
    extra_w, extra_h = frame.width() - window.width(), frame.height() - window.height()
    w = min(window.width(), avail.width() - extra_w)
    h = min(window.height(), avail.height() - extra_h)
    if (w, h) != (window.width(), window.height()):
        window.resize(w, h)
    x = min(max(window.x(), avail.x()), avail.right() + 1 - window.frameGeometry().width())
    y = min(max(window.y(), avail.y()), avail.bottom() + 1 - window.frameGeometry().height())
    if (x, y) != (window.x(), window.y()):
        window.move(max(x, avail.x()), max(y, avail.y()))


def restore(window, version: int) -> tuple[bool, bool]:
    """The last session's geometry and dock layout: (geometry restored, layout restored)."""
    s = settings()
    geometry, state = s.value("window/geometry"), s.value("window/state")
    has_geometry = isinstance(geometry, QByteArray) and not geometry.isEmpty()
    if has_geometry:
        window.restoreGeometry(geometry)
    if isinstance(state, QByteArray) and not state.isEmpty():
        return has_geometry, window.restoreState(state, version)
    return has_geometry, False


def save(window, version: int) -> None:
    s = settings()
    s.setValue("window/geometry", window.saveGeometry())
    s.setValue("window/state", window.saveState(version))
    s.sync()
