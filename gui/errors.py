"""Unexpected exceptions: shown in a dialog, written to a log file, and the app keeps running.

``install()`` replaces ``sys.excepthook`` (PySide6 routes an exception raised in a slot there) and
``threading.excepthook`` (worker threads).  Each exception is appended to
``<user data folder>/descent.log`` (``QStandardPaths.AppDataLocation``; the environment variable
``DESCENT_LOG`` points it elsewhere, which the tests use), one line goes to stderr, and a non-modal
message box shows it on the GUI thread.  While one box is open, further exceptions are only logged
and counted, so an error repeated every frame cannot bury the window in dialogs.
"""
from __future__ import annotations

import datetime
import os
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

LOG_ENV = "DESCENT_LOG"
LOG_NAME = "descent.log"


def log_path() -> Path:
    override = os.environ.get(LOG_ENV)
    if override:
        return Path(override)
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or Path.home() / ".local" / "share" / "Descent") / LOG_NAME


def write_log(text: str) -> Path | None:
    """Append ``text`` with a time stamp; returns the file, or None if it cannot be written."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.datetime.now().isoformat(timespec='seconds')}\n{text.rstrip()}\n")
        return path
    except OSError:
        return None


class _Reporter(QObject):
    """Lives on the GUI thread; ``reported`` may be emitted from any thread (queued there)."""
    reported = Signal(str, str)    # (one-line summary, full traceback)

    def __init__(self):
        super().__init__()
        self.box: QMessageBox | None = None
        self.suppressed = 0
        self.reported.connect(self._on_reported, Qt.ConnectionType.QueuedConnection)

    def _on_reported(self, summary: str, details: str) -> None:
        if QApplication.instance() is None:
            return
        if self.box is not None and self.box.isVisible():
            self.suppressed += 1
            self.box.setInformativeText(f"({self.suppressed} more since; see the log)")
            return
        self.suppressed = 0
        parent = QApplication.activeWindow()
        box = QMessageBox(QMessageBox.Icon.Critical, "Descent — unexpected error",
                          f"Something went wrong, but Descent keeps running.\n\n{summary}", parent=parent)
        box.setDetailedText(details)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._on_box_finished)
        self.box = box
        box.show()

    def _on_box_finished(self, _result: int) -> None:
        self.box = None


_reporter: _Reporter | None = None
_previous = None


def report(exc_type, exc, tb, where: str = "") -> None:
    """Log one exception, say so on stderr in one line and show it in a dialog."""
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    summary = f"{exc_type.__name__}: {exc}" + (f" (in {where})" if where else "")
    path = write_log(details if not where else f"{where}\n{details}")
    sys.stderr.write(f"error: unexpected {summary}; details in {path or 'stderr'}\n")
    if path is None:
        sys.stderr.write(details)
    if _reporter is not None:
        _reporter.reported.emit(summary + (f"\n\nDetails: {path}" if path else ""), details)


def _excepthook(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        QApplication.quit()
        return
    report(exc_type, exc, tb)


def _thread_excepthook(args) -> None:
    if args.exc_type is SystemExit:
        return
    report(args.exc_type, args.exc_value, args.exc_traceback,
           where=f"thread {args.thread.name}" if args.thread else "a thread")


def install() -> None:
    """Route unexpected exceptions to the log and a dialog (call once a QApplication exists)."""
    global _reporter, _previous
    if _reporter is None:
        _reporter = _Reporter()
        _previous = (sys.excepthook, threading.excepthook)
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook


def uninstall() -> None:
    """Back to the hooks that were there before ``install`` (tests)."""
    global _reporter, _previous
    if _previous is not None:
        sys.excepthook, threading.excepthook = _previous
    if _reporter is not None and _reporter.box is not None:
        _reporter.box.close()
    _reporter, _previous = None, None
