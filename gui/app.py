"""``python main.py [--preset NAME] [--session FILE] [--lang en|zh]``: the window."""
from __future__ import annotations

import argparse
import os
import sys

from engine import presets as P
from engine.config import ConfigError


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python main.py", description="Descent: watch small networks learn.")
    parser.add_argument("--preset", default="opt4_1", help="preset to open (python main.py presets lists them)")
    parser.add_argument("--session", metavar="FILE", help="a saved session to open")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="interface language")
    return parser.parse_args(argv)


def display_available() -> bool:
    """Whether Qt can open a window here (an X or Wayland display, or an explicit platform)."""
    if not sys.platform.startswith("linux"):
        return True
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform and platform not in ("xcb", "wayland"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else list(argv))
    try:
        P.get(args.preset)
    except ConfigError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    doc = None
    if args.session:
        from engine.session_file import load
        try:
            doc = load(args.session)
        except ConfigError as exc:
            sys.stderr.write(f"error: {exc}\n")
            return 2
    if not display_available():
        sys.stderr.write("error: no display available (DISPLAY / WAYLAND_DISPLAY unset); use "
                         "`python main.py run` or `python main.py export` to work headless\n")
        return 2

    from PySide6.QtWidgets import QApplication

    from gui.i18n import LANGUAGE
    from gui.main_window import MainWindow
    from gui.session import Session
    from gui.style import configure_pyqtgraph

    from PySide6.QtCore import QCoreApplication, Qt
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)  # docked GL views
    app = QApplication.instance() or QApplication(["Descent"])
    app.setApplicationName("Descent")
    app.setOrganizationName("Descent")
    configure_pyqtgraph()
    LANGUAGE.set(args.lang)
    session = Session(doc.preset if doc else args.preset)
    window = MainWindow(session)
    window.show()
    if args.session:
        window.session_menu.open_when_ready(args.session)
    session.start_warmup()
    code = app.exec()
    session.shutdown()
    return code
