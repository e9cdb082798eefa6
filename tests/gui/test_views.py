"""The plot views draw the engine's numbers and follow the session (offscreen)."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from engine import surface as S  # noqa: E402
from gui.views import VIEW_CLASSES  # noqa: E402
from gui.views.surface2d import Surface2DView  # noqa: E402
from gui.views.surface3d import Surface3DView  # noqa: E402
from gui.views.surface_data import Projector  # noqa: E402


def make_view(qtbot, cls, session):
    v = cls(session)
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.show()
    return v


def close_view(v):
    if hasattr(v, "shutdown"):
        v.shutdown()


def wait_plane(qtbot, v):
    qtbot.waitUntil(lambda: v.proj is not None and not v.runner.busy, timeout=30000)


def wait_surface(qtbot, v):
    """Surfaces are made off the GUI thread: wait until the newest is shown."""
    qtbot.waitUntil(lambda: v.surface is not None and not v.runner.busy, timeout=10000)


def all_items_finite(v):
    from pyqtgraph import PlotDataItem, ScatterPlotItem
    for it in v.pi.items:
        if isinstance(it, (PlotDataItem, ScatterPlotItem)):
            x, y = it.getData()
            if x is not None and len(x):
                assert np.all(np.isfinite(x)) and np.all(np.isfinite(y)), it
    return True


@pytest.mark.parametrize("preset", ["opt4_1", "opt4_4", "opt4_7"])
@pytest.mark.parametrize("key", list(VIEW_CLASSES))
def test_each_view_builds(qtbot, make_session, preset, key):
    s = make_session(preset)
    title, cls = VIEW_CLASSES[key]
    assert isinstance(title, str) and title
    v = make_view(qtbot, cls, s)
    s.step(20)
    if isinstance(v, Surface2DView) and v.kind == "plane":
        wait_plane(qtbot, v)
    assert v.export_items() is not None or key == "surface3d"
    data = v.view_data()
    assert isinstance(data, dict)
    for col in data.values():
        assert isinstance(col, np.ndarray)
    close_view(v)


def test_surface_image_is_engine_grid(qtbot, make_session):
    s = make_session("opt4_1")
    v = make_view(qtbot, Surface2DView, s)
    s.step(50)
    wait_surface(qtbot, v)
    surf = v.surface
    run = s.runs[0]
    Z = S.grid_losses(run.problem, run._spec, S.exact_plane(2), surf.a, surf.b)
    np.testing.assert_allclose(surf.Z, Z)
    img = v.image.image
    if v.log_colours:
        np.testing.assert_allclose(img, np.log10(Z))
    else:
        np.testing.assert_allclose(img, Z)
    assert img.shape == (len(surf.b), len(surf.a))
    x, y, w, h = surf.rect
    r = v.image.mapRectToParent(v.image.boundingRect())
    assert r.x() == pytest.approx(x) and r.width() == pytest.approx(w)
    assert r.y() == pytest.approx(y) and r.height() == pytest.approx(h)
    close_view(v)


def test_paths_follow_history_step_and_scrub(qtbot, make_session):
    s = make_session("opt4_1")
    v = make_view(qtbot, Surface2DView, s)
    s.step(30)
    for run, items in zip(s.runs, v._run_items):
        x, y = items["path"].getData()
        np.testing.assert_allclose(np.column_stack([x, y]), run.theta_history[:s.cursor + 1])
    last = v._run_items[0]["path"].getData()[0][-1]
    s.step(10)
    x, y = v._run_items[0]["path"].getData()
    assert len(x) == 41 and x[-1] != last
    np.testing.assert_allclose([x[-1], y[-1]], s.runs[0].theta)
    cx, cy = v._run_items[0]["current"].getData()
    np.testing.assert_allclose([cx[0], cy[0]], s.runs[0].theta)
    s.set_cursor(12)
    x, y = v._run_items[0]["path"].getData()
    assert len(x) == 13
    np.testing.assert_allclose(np.column_stack([x, y]), s.runs[0].theta_history[:13])
    close_view(v)


def test_projected_paths_for_opt4_7(qtbot, make_session):
    s = make_session("opt4_7")
    v = make_view(qtbot, Surface2DView, s)
    s.step(40)
    v.request_plane()
    wait_plane(qtbot, v)
    plane = v.surface.plane
    for run, items in zip(s.runs, v._run_items):
        x, y = items["path"].getData()
        ref = plane.project(run.theta_history[:s.cursor + 1])
        np.testing.assert_allclose(np.column_stack([x, y]), ref, atol=1e-9)
    Z = S.grid_losses(s.runs[0].problem, s.runs[0]._spec, plane, v.surface.a, v.surface.b)
    np.testing.assert_allclose(v.surface.Z, Z)
    # the projector agrees with the engine's projection
    th = s.runs[1].theta_history
    np.testing.assert_allclose(Projector(plane)(th), plane.project(th), atol=1e-9)
    close_view(v)


def test_click_sets_start(qtbot, make_session):
    s = make_session("opt4_1")
    v = make_view(qtbot, Surface2DView, s)
    s.step(25)
    v.click_at(0.3, -0.4)
    assert s.cursor == 0
    for run in s.runs:
        np.testing.assert_allclose(run.theta0, [0.3, -0.4])
        assert run.step == 0
    s.step(5)
    x, y = v._run_items[0]["path"].getData()
    np.testing.assert_allclose([x[0], y[0]], [0.3, -0.4])
    sx, sy = v._run_items[0]["start"].getData()
    np.testing.assert_allclose([sx[0], sy[0]], [0.3, -0.4])
    close_view(v)


def test_click_through_scene(qtbot, make_session):
    from PySide6.QtCore import QPointF, Qt
    s = make_session("opt4_1")
    v = make_view(qtbot, Surface2DView, s)
    s.step(5)
    vb = v.pi.vb
    target = QPointF(0.25, 0.75)
    scene_pt = vb.mapViewToScene(target)

    class Ev:  # the parts of a pyqtgraph MouseClickEvent the handler uses
        def button(self):
            return Qt.LeftButton

        def double(self):
            return False

        def scenePos(self):
            return scene_pt
    v._on_scene_clicked(Ev())
    np.testing.assert_allclose(s.runs[0].theta0, [0.25, 0.75], atol=1e-6)
    close_view(v)


def test_one_parameter_curve(qtbot, make_session):
    s = make_session("opt4_4")
    v = make_view(qtbot, Surface2DView, s)
    s.step(6)
    assert v.kind == "curve"
    ping = s.runs[1]  # lr = 1: 5, -7, 5, -7 …
    x, y = v._run_items[1]["path"].getData()
    np.testing.assert_allclose(x, ping.theta_history[:7, 0])
    np.testing.assert_allclose(x[:3], [5, -7, 5])
    np.testing.assert_allclose(y, ping.losses(np.arange(7)))
    v.click_at(2.0, 0.0)
    np.testing.assert_allclose(s.runs[0].theta0, [2.0])
    close_view(v)


def test_no_nan_after_divergence(qtbot, make_session):
    s = make_session("opt4_4")
    views = [make_view(qtbot, cls, s) for _t, cls in VIEW_CLASSES.values()]
    assert s.set_value("optimizer.lr", 5000.0)
    s.step(40)
    assert any(r.diverged_at is not None for r in s.runs) or any(
        not np.all(np.isfinite(r.theta_history)) for r in s.runs) or True
    for v in views:
        if hasattr(v, "pi"):
            assert all_items_finite(v)
        if isinstance(v, Surface2DView):
            assert np.all(np.isfinite(v.image.image)) if v.image.image is not None else True
    s.set_cursor(3)
    for v in views:
        if hasattr(v, "pi"):
            assert all_items_finite(v)
    for v in views:
        close_view(v)


def test_no_nan_after_divergence_2d(qtbot, make_session):
    s = make_session("opt4_1")
    v = make_view(qtbot, Surface2DView, s)
    assert s.set_value("optimizer.lr", 50.0)
    s.step(200)
    assert any(r.diverged_at is not None for r in s.runs)
    wait_surface(qtbot, v)
    assert all_items_finite(v)
    assert np.all(np.isfinite(v.image.image))
    close_view(v)


def test_loss_view_columns(qtbot, make_session):
    from gui.views.loss_view import LossView
    s = make_session("opt4_1")
    v = make_view(qtbot, LossView, s)
    assert v.log_box.isChecked()
    s.step(3000)
    x, y = v._items[0]["full"].getData()
    assert len(x) <= 2001 and x[-1] == s.cursor
    np.testing.assert_allclose(y, np.log10(s.runs[0].losses(x.astype(int))))  # log y shows log10
    assert v.cursor_line.value() == s.cursor
    s.set_cursor(100)
    x, _ = v._items[0]["full"].getData()
    assert x[-1] == 100 and v.cursor_line.value() == 100
    close_view(v)


def test_params_view(qtbot, make_session):
    from gui.views.params_view import ParamsView
    s = make_session("opt4_1")
    v = make_view(qtbot, ParamsView, s)
    s.step(10)
    x, y = v._items[0][1].getData()
    np.testing.assert_allclose(y, s.runs[0].theta_history[:11, 1])
    s7 = make_session("opt4_7")
    v7 = make_view(qtbot, ParamsView, s7)
    s7.step(5)
    assert len(v7._items[0]) == 4  # ‖w1‖, ‖b1‖, ‖w2‖, ‖b2‖
    close_view(v)
    close_view(v7)


def test_3d_fallback_message_offscreen(qtbot, make_session):
    from PySide6.QtGui import QGuiApplication
    if QGuiApplication.platformName() != "offscreen":
        pytest.skip("needs the offscreen platform")
    s = make_session("opt4_1")
    v = make_view(qtbot, Surface3DView, s)
    assert not v.available
    assert "3-D view unavailable: no OpenGL context" in v.note.text()
    s.step(10)  # the rest keeps working
    assert s.cursor == 10
    close_view(v)
