"""Shared test setup: offscreen Qt (unless the GL run asks for a real display), a temporary
QSettings location, and the engine's kernels compiled once per test session."""
from __future__ import annotations

import os

if os.environ.get("DESCENT_GL_TESTS") != "1":
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
# the window would compile the fast fixed kernels in a child process; tests that want it say so
os.environ.setdefault("DESCENT_PRECOMPILE", "0")

import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402

# as gui/app.py does: GL views share one context group, so re-docked 3-D views keep their shaders
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


def pytest_configure(config):
    config.addinivalue_line("markers", "gl: needs a real X server with OpenGL (DESCENT_GL_TESTS=1)")


def _point_settings_at(path) -> None:
    from PySide6.QtCore import QSettings
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(path))


@pytest.fixture(autouse=True)
def _settings_isolated(request, tmp_path_factory):
    """No Qt test ever reads or writes the user's real settings (tests without Qt import no Qt).
    After a Qt test, background surface jobs finish, pending events run and the test's widgets
    are collected here, while nothing else is running — not at some later, random GC point."""
    qt = "qtbot" in request.fixturenames or "qapp" in request.fixturenames
    kept = []
    if qt:
        _point_settings_at(tmp_path_factory.mktemp("qsettings"))
        if "qtbot" in request.fixturenames:
            # pytest-qt holds its widgets weakly: the test's last reference going away would delete
            # a shown widget (and its scenes) from Python in the middle of a frame, which crashes
            # pyqtgraph now and then; keep them, and let Qt delete them below
            qtbot = request.getfixturevalue("qtbot")
            add = qtbot.addWidget

            def keep(widget, *args, **kwargs):
                kept.append(widget)
                return add(widget, *args, **kwargs)
            qtbot.addWidget = keep
    yield
    if qt:
        import gc

        from PySide6.QtCore import QCoreApplication, QEvent, QThreadPool
        from PySide6.QtWidgets import QApplication
        QThreadPool.globalInstance().waitForDone(10000)
        app = QApplication.instance()
        if app is not None:
            for w in app.topLevelWidgets():
                w.close()
            for w in kept:
                try:
                    w.close()
                    w.deleteLater()
                except RuntimeError:      # already gone
                    pass
            app.processEvents()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        kept.clear()
        gc.collect()
        if app is not None:
            app.processEvents()


_exit_status = {}


def pytest_sessionfinish(session, exitstatus):
    _exit_status["code"] = int(exitstatus)


def pytest_unconfigure(config):
    """Leave without tearing Qt and pyqtgraph down object by object at interpreter exit (PySide
    can crash there after every test passed); the summary has been printed by now."""
    if "PySide6.QtWidgets" in __import__("sys").modules and "code" in _exit_status:
        import sys
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status["code"])


@pytest.fixture
def settings_tmp(tmp_path):
    """A fresh, empty QSettings location for one test; returns its folder."""
    path = tmp_path / "qsettings"
    path.mkdir()
    _point_settings_at(path)
    return path


@pytest.fixture(autouse=True)
def _compiled_kernels_serve():
    """A test that has numpy serve the kernels (engine.backend) hands the compiled ones back."""
    yield
    from engine import backend
    backend.serve_compiled()


@pytest.fixture(scope="session", autouse=True)
def _engine_warm(request):
    """Compile (or load from the numba cache) every kernel once, not in each test; on an empty
    cache half of it in a child process, on the other core (tests/warm.py).  The fixed kernels
    only when a test that uses them (marked slow) runs."""
    from tests.warm import warm_suite
    warm_suite(fixed=any(item.get_closest_marker("slow") for item in request.session.items))


@pytest.fixture
def window_on(qtbot, settings_tmp, make_session):
    """window_on(preset) -> a shown MainWindow on a ready session (fresh settings); each is closed
    afterwards and the interface language set back to English."""
    from gui.i18n import LANGUAGE
    from gui.main_window import MainWindow
    made = []

    def make(preset="opt4_1"):
        window = MainWindow(make_session(preset))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window
    yield make
    LANGUAGE.set("en")
    for window in made:
        window.close()


@pytest.fixture
def make_session(qtbot):
    """make(preset) -> a Session with its kernels ready; every one is shut down afterwards."""
    from gui.session import Session
    made = []

    def make(preset):
        s = Session(preset)
        s.warm_up_blocking()
        made.append(s)
        return s
    yield make
    for s in made:
        s.shutdown()


def compared_steps(cfg, most: int = 300) -> int:
    """How many updates of a preset run two implementations are compared over, at 1e-9: RMSProp
    without momentum (TF1's default) steps about lr·sign(g) across Rosenbrock's valley floor, so
    rounding differences flip a sign after ~110 updates and then grow: that run, its first 100."""
    if cfg.optimizer.name == "rmsprop" and cfg.optimizer.rms_momentum == 0 and cfg.data.name == "rosenbrock":
        most = 100
    return min(cfg.steps, most)
