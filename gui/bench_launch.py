"""How long a launch takes until the window is live (``python main.py bench``, tests/gl).

``python -m gui.bench_launch`` opens the real window (``gui.app.main``, opt4_1) and prints one line
``LAUNCH {json}`` with the seconds since ``DESCENT_LAUNCH_T0`` (the parent's ``time.time()``
just before it started this process; else this process's start) at which:
``window``  the window is on screen,  ``surface``  the loss surface was painted with its data and
the runs' paths,  ``step``  → (a key press) advanced the runs,  ``play``  Space played 100 more
steps,  ``compiled``  every compiled kernel serves (a first launch compiles them meanwhile).
``launch(cache_dir)`` runs that process with ``NUMBA_CACHE_DIR=cache_dir`` (empty: a first launch)
and returns the figures; ``until="play"`` ends it once it is live (a compile in progress is
stopped) instead of when every kernel is compiled.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
T0_ENV = "DESCENT_LAUNCH_T0"
UNTIL_ENV = "DESCENT_LAUNCH_UNTIL"
PREFIX = "LAUNCH "


def launch(cache_dir: str, timeout: float = 300.0, env: dict | None = None, until: str = "compiled") -> dict:
    """Start the window in a new process with this numba cache; its figures (or {"error": …})."""
    env = dict(os.environ if env is None else env, NUMBA_CACHE_DIR=str(cache_dir))
    env[UNTIL_ENV] = until
    env.setdefault("QT_QPA_PLATFORM", "xcb" if env.get("DISPLAY") else "offscreen")
    settings = tempfile.mkdtemp(prefix="descent-launch-")
    env.update(XDG_CONFIG_HOME=settings, DESCENT_LOG=os.path.join(settings, "descent.log"),
               PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p]))
    env[T0_ENV] = repr(time.time())
    try:
        res = subprocess.run([sys.executable, "-m", "gui.bench_launch"], env=env, cwd=str(ROOT),
                             capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {timeout:.0f} s"}
    for line in res.stdout.splitlines():
        if line.startswith(PREFIX):
            return json.loads(line[len(PREFIX):])
    return {"error": (res.stderr.strip().splitlines() or [f"exit {res.returncode}"])[-1]}


def cold_and_warm() -> dict:
    """A first launch (empty numba cache) and then a warm one (the cache it filled)."""
    with tempfile.TemporaryDirectory(prefix="descent-numba-") as cache:
        return {"cold": launch(cache), "warm": launch(cache)}


class _Probe:
    """Watches the window from a timer in its own event loop; presses → and Space like a user."""

    def __init__(self, app, t0: float, timeout: float, until: str):
        from PySide6.QtCore import QObject, QTimer
        self.app, self.t0, self.timeout, self.until = app, t0, timeout, until
        self.marks: dict[str, float] = {}
        self.window = self.view = None
        self._played_from = None
        probe = self

        class Painted(QObject):
            def eventFilter(self, obj, event):  # noqa: N802 - Qt override
                from PySide6.QtCore import QEvent
                if event.type() == QEvent.Type.Paint and probe._has_data():
                    probe._mark("surface")
                return False
        self._filter = Painted()
        self._timer = QTimer()
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    def _mark(self, key: str) -> None:
        self.marks.setdefault(key, round(time.time() - self.t0, 3))

    def _has_data(self) -> bool:
        v = self.view
        return v is not None and v.surface is not None and v.image.image is not None and bool(v._run_items)

    def _on_timer_timeout(self) -> None:
        try:
            self._check()
        except Exception as exc:  # noqa: BLE001 - the probe reports, it never shows a dialog
            self._finish({"error": f"{type(exc).__name__}: {exc}"})

    def _check(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        from gui.main_window import MainWindow
        if self.window is None:
            wins = [w for w in self.app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
            if not wins or "surface" not in getattr(wins[0], "views", {}):
                return
            self.window, self.view = wins[0], wins[0].views["surface"]
            self.view.plot.viewport().installEventFilter(self._filter)
            self.window.activateWindow()
            self._mark("window")
        w, s = self.window, self.window.session
        if "surface" in self.marks and "pressed" not in self.marks:
            self._mark("pressed")
            QTest.keyClick(w, Qt.Key.Key_Right)
            if s.head == 0:                      # no keyboard focus here (no window manager)
                w.transport.action_step.trigger()
        if "pressed" in self.marks and s.head > 0 and "step" not in self.marks:
            self._mark("step")
            self._played_from = s.head
            QTest.keyClick(w, Qt.Key.Key_Space)
            if not s.playing:
                w.transport.action_play.trigger()
        if self._played_from is not None and s.head >= self._played_from + 100:
            self._mark("play")
        if s.is_compiled:
            self._mark("compiled")
        if "play" in self.marks and self.until in self.marks:
            self._finish(dict(self.marks))
        elif time.time() - self.t0 > self.timeout:
            self._finish(dict(self.marks, error="timed out"))

    def _finish(self, doc: dict) -> None:
        self._timer.stop()
        print(PREFIX + json.dumps(doc), flush=True)
        if self.window is not None:
            self.window.session.shutdown()     # ends a compile in progress: no orphaned child
        os._exit(0)


def main() -> int:
    t0 = float(os.environ.get(T0_ENV) or time.time())
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)   # as gui.app does
    app = QApplication(["Descent"])
    _probe = _Probe(app, t0, float(os.environ.get("DESCENT_LAUNCH_TIMEOUT", "280")),   # noqa: F841
                    os.environ.get(UNTIL_ENV, "compiled"))
    from gui.app import main as gui_main
    return gui_main(["--preset", "opt4_1"])


if __name__ == "__main__":
    sys.exit(main())
