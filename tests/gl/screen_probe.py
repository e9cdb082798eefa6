"""Opens every preset in a real X window on each screen of the caller's display (one window per
screen, sharing one session), plays it 2 s at full speed, pauses, and prints one JSON line per
preset and screen: the window's frame, the screen's available geometry and the size of every plot
on screen.  Run by tests/gl/test_screens.py on an Xvfb display with a 1366×768 and a 1920×1080
screen."""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
os.environ.setdefault("DESCENT_PRECOMPILE", "0")


def plots_on_screen(window, pg) -> list[dict]:
    """Every plot (PlotItem) of every view on screen, with its size; or the view's words when it
    has nothing to draw."""
    plots = []
    for key, view in window.views.items():
        if not (view.isVisible() and not view.visibleRegion().isEmpty()):
            continue
        if getattr(view, "empty_text", ""):
            plots.append({"view": key, "empty": view.empty_text})
            continue
        for gv in view.findChildren(pg.GraphicsView):
            if not gv.isVisible():
                continue
            for item in gv.scene().items():
                if isinstance(item, pg.PlotItem) and not isinstance(item, pg.ColorBarItem) and item.isVisible():
                    r = item.sceneBoundingRect()
                    plots.append({"view": key, "w": round(r.width()), "h": round(r.height())})
    return plots


def main(names: list[str], play_s: float) -> None:
    from PySide6.QtCore import QCoreApplication, QSettings, Qt
    from PySide6.QtWidgets import QApplication

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(["Descent"])
    import pyqtgraph as pg

    from engine import presets as P
    from gui.main_window import MainWindow, settings
    from gui.session import MAX_SPEED, Session
    from gui.style import configure_pyqtgraph
    configure_pyqtgraph()

    def wait(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.002)

    rect = lambda g: [g.x(), g.y(), g.width(), g.height()]  # noqa: E731
    for name in names or list(P.all_presets()):
        session = Session(name)
        session.warm_up_blocking()        # (loaded from the cache after the first preset)
        windows = []
        for screen in app.screens():
            window = MainWindow(session)
            window.setScreen(screen)
            window.show()
            windows.append(window)
        wait(0.2)
        opened = [w.frameGeometry() for w in windows]
        if session.runs:
            session.set_value("steps", 10 ** 8)
            session.speed = MAX_SPEED
            session.play()
            wait(play_s)
            session.pause()
        wait(0.2)
        for window in windows:
            for view in window.views.values():       # background surfaces and maps settle
                runner = getattr(view, "runner", None)
                if runner is not None:
                    runner.wait(5000)
        wait(0.1)
        for window, first in zip(windows, opened):
            screen = window.screen()
            print(json.dumps({"preset": name, "screen": [screen.geometry().width(), screen.geometry().height()],
                              "opened": rect(first), "frame": rect(window.frameGeometry()),
                              "available": rect(screen.availableGeometry()),
                              "minimum": [window.minimumSizeHint().width(), window.minimumSizeHint().height()],
                              "step": session.head, "plots": plots_on_screen(window, pg)}), flush=True)
        for window in windows:
            window.close()
        settings().clear()        # every preset opens as on a first launch
        session.shutdown()
        wait(0.1)
    os._exit(0)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    play = next((float(a.split("=", 1)[1]) for a in sys.argv if a.startswith("--play=")), 2.0)
    main(args, play)
