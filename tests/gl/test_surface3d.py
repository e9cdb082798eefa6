"""The 3-D surface under a real X server with OpenGL (run by itself under xvfb-run, with
QT_QPA_PLATFORM=xcb and DESCENT_GL_TESTS=1)."""
import os

import numpy as np
import pytest

pytestmark = [pytest.mark.gl,
              pytest.mark.skipif(os.environ.get("DESCENT_GL_TESTS") != "1",
                                 reason="needs DESCENT_GL_TESTS=1 and an X server with GL")]


@pytest.fixture
def session():
    from gui.session import Session
    s = Session("opt4_1")
    s.warm_up_blocking()
    yield s
    s.shutdown()


@pytest.fixture
def window(qtbot, tmp_path):
    """The whole window on opt4_1 (settings in a temp folder), kernels ready."""
    from PySide6.QtCore import QSettings

    from gui.main_window import MainWindow
    from gui.session import Session
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path))
    s = Session("opt4_1")
    w = MainWindow(s)
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    qtbot.waitExposed(w)
    s.warm_up_blocking()
    yield s, w
    w.close()
    s.shutdown()


def _gl_settled(v) -> bool:
    """The 3-D view has its GL context, or has fallen back to its message."""
    ctx = v.gl.context() if v.gl is not None else None
    return not v.available or (ctx is not None and ctx.isValid())


def test_surface3d_draws_mesh_and_paths(qtbot, session):
    from gui.views.surface3d import Surface3DView
    v = Surface3DView(session)
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.show()
    qtbot.waitExposed(v)
    qtbot.waitUntil(lambda: _gl_settled(v), timeout=30000)
    assert v.available, v.note.text()
    assert v.gl.context() is not None and v.gl.context().isValid()
    session.step(200)
    qtbot.waitUntil(lambda: v.surface is not None and not v.runner.busy, timeout=30000)
    pos = v._paths[0].pos
    assert pos.shape == (201, 3) and np.all(np.isfinite(pos))
    head = v._heads[0].pos
    np.testing.assert_allclose(head[0], pos[-1])
    session.set_cursor(50)
    assert v._paths[0].pos.shape == (51, 3)
    img = v.gl.grabFramebuffer()
    assert img.width() > 0
    # the frame is not blank: the white background plus a coloured mesh
    arr = np.array([img.pixelColor(x, y).rgb() for x in range(0, img.width(), 40)
                    for y in range(0, img.height(), 40)])
    assert len(np.unique(arr)) > 5
    v.shutdown()


def test_surface3d_plane_for_opt4_7(qtbot):
    from gui.session import Session
    from gui.views.surface3d import Surface3DView
    s = Session("opt4_7")
    s.warm_up_blocking()
    v = Surface3DView(s)
    qtbot.addWidget(v)
    v.show()
    qtbot.waitExposed(v)
    s.step(30)
    v.request_plane()
    qtbot.waitUntil(lambda: v.proj is not None and not v.runner.busy, timeout=30000)
    assert v._paths[0].pos.shape[0] == 31
    v.shutdown()
    s.shutdown()


def test_in_the_window_the_3d_view_starts_gl_only_when_brought_forward(qtbot, window):
    """An OpenGL widget makes Qt composite the whole window through OpenGL (with software GL
    every view loses its frame rate), so the window's 3-D panel makes its GL widget only when
    it is on screen."""
    from PySide6.QtOpenGLWidgets import QOpenGLWidget
    s, w = window
    qtbot.waitUntil(lambda: w.views["surface"].surface is not None, timeout=30000)   # the window is up
    v = w.views["surface3d"]
    dock = w.docks["view_surface3d"][0]
    assert not v.showing() and v.gl is None and not w.findChildren(QOpenGLWidget)
    dock.raise_()
    qtbot.waitUntil(lambda: v.gl is not None and v.available, timeout=30000)
    s.step(50)
    qtbot.waitUntil(lambda: v._paths and v._paths[0].pos.shape == (51, 3), timeout=30000)


def test_exporting_the_3d_panel_before_it_was_ever_shown_includes_its_surface(qtbot, window):
    from gui import export as E
    s, w = window
    s.step(300)
    v = w.views["surface3d"]
    assert v.gl is None
    img = E.render_image(v, 800)
    assert v.surface is not None and img.width() == 800
    colours = {img.pixelColor(x, y).rgb() for x in range(0, img.width(), 40) for y in range(0, img.height(), 40)}
    assert len(colours) > 20                     # the coloured mesh, not an empty box
