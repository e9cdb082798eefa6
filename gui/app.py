"""``python main.py [--preset NAME] [--session FILE] [--lesson NAME] [--lang en|zh]``: the window."""
from __future__ import annotations

import argparse
import os
import sys

from engine import presets as P
from engine.config import ConfigError


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python main.py", description="Descent: watch small networks learn. Without a command, opens the window.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="headless commands (each has --help):\n"
               "  python main.py presets                     list the presets\n"
               "  python main.py lessons [--json]            list the lessons (--check FILE validates one)\n"
               "  python main.py run --preset NAME [--json]  train headless\n"
               "  python main.py export --preset NAME --view VIEW --out FILE   draw a view to a file\n"
               "  python main.py bench                       engine and window throughput")
    parser.add_argument("--preset", default="opt4_1", help="preset to open (python main.py presets lists them)")
    parser.add_argument("--session", metavar="FILE", help="a saved session to open")
    parser.add_argument("--lesson", metavar="NAME", help="open a lesson: a name or section (python main.py "
                                                        "lessons lists them) or a lesson file")
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


KERNELS_AFTER_MS = 300   # (started at once, its numba import delayed the first drawn surface ~0.15 s here)

# Qt's xcb platform plugin: the shared libraries it needs (find_library names) and their Debian packages
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4", "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0", "xcb-render-util": "libxcb-render-util0", "xcb-xkb": "libxcb-xkb1",
    "xkbcommon-x11": "libxkbcommon-x11-0", "EGL": "libegl1", "GL": "libgl1",
}
XCB_PACKAGES = " ".join(XCB_LIBRARIES.values())


def platform_is_xcb() -> bool:
    """Whether Qt will use its xcb (X11) plugin here."""
    if not sys.platform.startswith("linux"):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform:
        return platform == "xcb"
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def missing_xcb_libraries() -> list[str]:
    """The xcb plugin's system libraries that cannot be found (empty when all resolve)."""
    import ctypes.util
    return [name for name in XCB_LIBRARIES if ctypes.util.find_library(name) is None]


def xcb_problem() -> str:
    """One line naming the missing libraries and the apt-get line, or "" when xcb can load."""
    if not platform_is_xcb():
        return ""
    missing = missing_xcb_libraries()
    if not missing:
        return ""
    return (f"error: Qt's xcb plugin cannot load: missing {', '.join('lib' + m for m in missing)}; install "
            f"them with `sudo apt-get install {XCB_PACKAGES}` (or work headless with `python main.py run` "
            f"or `python main.py export`)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else list(argv))
    try:
        P.get(args.preset)
    except ConfigError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    lesson = None
    if args.lesson:
        from engine import lessons as L
        try:
            lesson = L.find(args.lesson)
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
    problem = xcb_problem()
    if problem:
        sys.stderr.write(problem + "\n")
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
    from gui import errors
    errors.install()      # unexpected exceptions: a dialog and descent.log; the app keeps running
    configure_pyqtgraph()
    LANGUAGE.set(args.lang)
    session = Session(doc.preset if doc else lesson.steps[0].preset if lesson else args.preset)
    window = MainWindow(session)
    window.show()
    if args.session:
        window.session_menu.open_when_ready(args.session)
    if lesson is not None:
        from gui.lesson_menu import open_lesson
        open_lesson(window, lesson)
    elif not args.session:
        from gui.welcome import show_if_first_launch
        show_if_first_launch(window)
    # live at once: numpy draws the first frame; loading numba (or, on a first launch, starting
    # its compile) begins a moment later, so it does not hold the GIL while that frame is drawn
    session.start_warmup(delay_ms=KERNELS_AFTER_MS)
    code = app.exec()
    session.shutdown()
    return code
