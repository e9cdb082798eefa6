"""The window shell driven through its widgets, actions and keys (offscreen)."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel

from engine import backend, warmup
from engine import presets as P
from gui import main_window as MW
from gui import precompiler as PC
from gui.i18n import LANGUAGE
from gui.main_window import MainWindow
from gui.session import MAX_SPEED, Session
from gui.transport import SPEED_TICKS, speed_at, speed_text
from gui.views.params_view import ParamsView


def open_window(qtbot, preset="opt4_1", ready=True):
    session = Session(preset)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    if ready:
        session.warm_up_blocking()
    return session, window


@pytest.fixture
def win(qtbot, settings_tmp):
    session, window = open_window(qtbot)
    yield session, window
    session.pause()
    window.close()
    LANGUAGE.set("en")
    assert not session.playing


def test_window_opens_with_title_docks_and_size(win):
    session, window = win
    assert "Descent" in window.windowTitle() and "opt4_1" in window.windowTitle()
    avail = window.screen().availableGeometry()
    assert window.width() <= max(avail.width(), window.minimumSizeHint().width(), 1366 * 0.92)
    assert window.height() <= max(avail.height(), window.minimumSizeHint().height(), 768 * 0.92)
    names = {d.objectName() for d in window.findChildren(QDockWidget)}
    assert {"dock_setup", "dock_guide", "dock_inspector"} <= names
    assert all(n for n in names)
    toggles = [a.text() for a in window.view_menu.actions()]
    assert "Setup" in toggles and "Guide" in toggles


def test_transport_disabled_until_ready(qtbot, settings_tmp):
    session, window = open_window(qtbot, ready=False)
    assert not window.transport.action_step.isEnabled()
    assert not window.status.progress.isVisibleTo(window.status)     # nothing is being compiled
    session.warm_up_blocking()
    assert window.transport.action_step.isEnabled()
    assert not window.status.progress.isVisibleTo(window.status)
    window.close()


def test_live_at_once_while_the_engine_compiles(qtbot, settings_tmp, monkeypatch):
    """As on a first launch: nothing compiled yet; numpy serves, the window trains and draws at
    once, the status bar says what is being compiled, and the compiled kernels take over."""
    gate = threading.Event()

    def compile_slowly(self):            # EngineWarmup.run, held until the test lets it finish
        self.progress.emit("advance", 0, 6)
        gate.wait(30)
        for name in warmup.ORDER:
            self._serve(name)
    monkeypatch.setattr(PC.EngineWarmup, "run", compile_slowly)
    monkeypatch.setattr(backend, "loaded", lambda name=None: False)
    session, window = open_window(qtbot, ready=False)
    session.start_warmup()
    try:
        assert backend.serving_numpy("advance") and session.is_ready and not session.is_compiled
        assert window.transport.action_step.isEnabled()
        window.transport.action_step.trigger()
        assert session.head == 1
        surface = window.views["surface"]
        qtbot.waitUntil(lambda: surface.surface is not None and window.status.progress.isVisibleTo(window.status))
        assert "compiling the engine (0/6: advance)" in window.status.progress_label.text()
        with qtbot.waitSignal(session.compiled):
            gate.set()
        assert not backend.serving_numpy() and session.is_compiled
        assert not window.status.progress.isVisibleTo(window.status)
        window.transport.action_step.trigger()
        assert session.head == 2
    finally:
        gate.set()
        session.shutdown()
        window.close()


def test_preset_switch_from_the_picker(win):
    session, window = win
    combo = window.picker.combo
    assert combo.count() == len(P.all_presets())
    combo.setCurrentIndex(combo.findData("opt4_4"))
    assert session.preset.name == "opt4_4"
    assert "opt4_4" in window.windowTitle()
    assert window.parameters.param_for("optimizer.lr", "lr-1").value() == 1.0
    assert "(w + 1)²" in window.guide.browser.toPlainText()
    session.load_preset("opt4_7")          # and the picker follows the session
    assert combo.currentData() == "opt4_7"
    assert window.parameters.root.child("model", "model.size").value() == "2 layers, 45 parameters"


def test_transport_actions(win, qtbot):
    session, window = win
    t = window.transport
    t.action_step.trigger()
    assert session.head == 1 and session.cursor == 1
    t.n_spin.setValue(5)
    t.action_step_n.trigger()
    assert session.head == 6
    t.action_back.trigger()
    assert session.cursor == 5
    t.action_home.trigger()
    assert session.cursor == 0
    t.action_end.trigger()
    assert session.cursor == 6
    t.action_play.trigger()
    assert session.playing and t.action_play.text() == "Pause"
    qtbot.waitUntil(lambda: session.head > 6, timeout=30000)
    t.action_play.trigger()
    assert not session.playing and t.action_play.text() == "Play"
    t.run_to_spin.setValue(300)
    t.run_to_button.click()
    assert session.cursor == 300
    t.action_reset.trigger()
    assert session.head == 0 and session.cursor == 0


def test_keyboard(win, qtbot):
    session, window = win
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert session.cursor == 2
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert session.cursor == 1
    window.transport.n_spin.setValue(10)
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert session.cursor == 11
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert session.cursor == 0
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert session.cursor == 11
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert session.playing
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not session.playing
    qtbot.keyClick(window, Qt.Key.Key_R)
    assert session.head == 0


def test_timeline_scrubs_every_view(win):
    session, window = win
    session.step(50)
    t = window.transport
    assert t.timeline.maximum() == 50 and t.timeline.value() == 50
    t.timeline.setValue(20)
    assert session.cursor == 20
    assert t.step_label.text() == "step 20 / 50"
    assert "step 20" in window.status.runs_label.text()
    window.inspector_dock.raise_()
    window.inspector.refresh(force=True)
    assert "update 20" in window.inspector.summary.text()
    assert window.inspector.table.rowCount() == 2          # w1[0], w1[1]


def test_speed_slider_is_logarithmic(win):
    session, window = win
    assert speed_at(0) == 1 and speed_at(30) == 1000 and speed_at(SPEED_TICKS) == MAX_SPEED
    assert speed_text(1000) == "1,000/frame" and speed_text(MAX_SPEED) == "max"
    window.transport.speed_slider.setValue(SPEED_TICKS)
    assert session.speed == MAX_SPEED and window.transport.speed_label.text() == "max"


def test_parameter_edits_reach_the_engine_and_back(win):
    session, window = win
    panel = window.parameters
    panel.param_for("optimizer.lr", "gd").setValue(0.01)
    assert session.run_config("gd").optimizer.lr == 0.01
    assert session.run_config("adam").optimizer.lr == 0.001        # only that run
    session.set_value("optimizer.lr", 0.005, "momentum")
    assert panel.param_for("optimizer.lr", "momentum").value() == 0.005
    session.set_value("batch", 4)
    assert panel.param_for("batch").value() == 4
    panel.param_for("loss.name").setValue("custom")                  # shared: every run
    assert all(r.config.loss.name == "custom" for r in session.runs)


def test_out_of_range_value_is_refused_with_a_message(win):
    session, window = win
    panel = window.parameters
    p = panel.param_for("optimizer.lr", "gd")
    p.setValue(0.0)
    assert session.run_config("gd").optimizer.lr == 0.001
    assert p.value() == 0.001
    assert panel.error_label.isVisibleTo(panel) and "out of range" in panel.error_label.text()


def test_language_switch(win):
    session, window = win
    assert window.transport.action_play.text() == "Play"
    window.language_actions["zh"].trigger()
    assert LANGUAGE.code == "zh"
    assert window.transport.action_play.text() == "播放"
    assert window.view_menu.title() == "视图(&V)"
    assert "问题" in window.guide.browser.toPlainText()
    window.language_actions["en"].trigger()
    assert window.transport.action_play.text() == "Play"


def test_close_while_playing_exits_cleanly(qtbot, settings_tmp):
    session, window = open_window(qtbot)
    session.play()
    qtbot.waitUntil(lambda: session.head > 0, timeout=30000)
    window.close()
    assert not session.playing and not session._timer.isActive()


def test_layout_is_remembered(qtbot, settings_tmp):
    session, window = open_window(qtbot)
    window.guide_dock.close()
    window.close()
    session2, window2 = open_window(qtbot)
    assert not window2.guide_dock.isVisible()
    assert window2.setup_dock.isVisible()
    window2.close()
    assert list(settings_tmp.rglob("*.ini"))                          # written in the temp folder


def test_missing_views_show_a_message(qtbot, settings_tmp, monkeypatch):
    monkeypatch.setattr(MW, "load_views", lambda: ({}, "ImportError: no gui.views"))
    session, window = open_window(qtbot)
    labels = [w.text() for w in window.findChildren(QLabel)]
    assert any("no gui.views" in t for t in labels)
    window.close()


def test_broken_view_shows_its_error(qtbot, settings_tmp, monkeypatch):
    class Broken:
        def __init__(self, session):
            raise RuntimeError("boom")
    monkeypatch.setattr(MW, "load_views", lambda: ({"broken": ("Broken", Broken)}, ""))
    session, window = open_window(qtbot)
    assert window.docks["view_broken"][0].widget().text().endswith("RuntimeError: boom")
    window.close()


def test_views_and_panels_behind_other_tabs_wait_while_playing(win, qtbot):
    """Drawing what nobody sees would cost the frames that are seen; all catch up at pause."""
    session, window = win
    window.setup_dock.raise_()                       # the inspector is a tab behind it
    params = [v for v in window.findChildren(ParamsView)][0]
    if params.showing():                             # the default layout puts it behind another tab
        pytest.skip("the parameters view is on screen in this layout")
    session.speed = MAX_SPEED
    session.set_value("steps", 10 ** 7)
    qtbot.waitUntil(lambda: not window.inspector.showing())
    refreshed = []
    window.inspector.refresh = lambda f=window.inspector.refresh: (refreshed.append(1), f())[1]
    session.play()
    qtbot.waitUntil(lambda: window.draw_turns.draws.get("Surface2DView", 0) > 3, timeout=30000)
    assert "ParamsView" not in window.draw_turns.draws
    assert not refreshed
    session.pause()
    assert refreshed and not params._dirty            # the pause brought both up to date


def test_a_session_given_at_launch_opens_once_the_compiled_kernels_serve(qtbot, settings_tmp, tmp_path):
    from gui.session_menu import save_session
    first, w1 = open_window(qtbot)
    first.step(40)
    path = save_session(first, tmp_path / "s.json")
    w1.close()
    session, window = open_window(qtbot, ready=False)
    window.session_menu.open_when_ready(path)
    assert session.head == 0                       # not replayed by the numpy engine
    session.warm_up_blocking()
    assert session.head == 40 and session.cursor == 40
    window.close()
