"""The Slow motion panel: "." walks one update's phases and, after the last, applies it (the
session's step advances by one) and starts the next update; "," walks back; the panel shows the
phase's numbers (the engine's own), in both languages."""
from PySide6.QtCore import Qt

from engine.phase_text import STATE_DIGITS, fmt
from gui.i18n import LANGUAGE, tr


def press(qtbot, window, key) -> None:
    qtbot.keyClick(window, key)


def test_period_walks_the_phases_then_applies_the_update(qtbot, window_on):
    window = window_on("opt4_1")
    s, panel = window.session, window.slow_motion
    s.step(5)
    window.activateWindow()
    window.setFocus()
    qtbot.waitUntil(window.hasFocus)
    run = panel.selected_run()
    assert run.label == "gd" and s.head == 5
    u = panel.update_shown
    n = panel.phase_count
    assert [ph.key for ph in u.phases] == ["batch", "forward", "gradient", "lr", "update", "theta"]
    assert panel.position.text() == "phase 1 of 6" and "update 6: step 5 → step 6" in panel.header.text()
    press(qtbot, window, Qt.Key.Key_Period)                           # the predictions: rows 8 … 15
    table = panel.view.toPlainText()
    x8 = ", ".join(fmt(v, 4) for v in run.problem.X[8])
    assert f"\n8\n({x8})\n{fmt(run.problem.Y[8][0], 4)}\n" in table and "\n7\n(" not in table
    press(qtbot, window, Qt.Key.Key_Comma)
    seen = [panel.index]
    for _ in range(n - 1):
        press(qtbot, window, Qt.Key.Key_Period)
        seen.append(panel.index)
        assert s.head == 5
    assert seen == list(range(n))
    assert not window.slow_motion_dock.visibleRegion().isEmpty()      # "." brought the panel forward
    text = panel.view.toPlainText()
    assert "θ ← θ − lr·g" in text
    assert fmt(run.theta_history[5][0], STATE_DIGITS) in text
    press(qtbot, window, Qt.Key.Key_Period)                           # past the last phase: apply
    assert s.head == 6 and s.cursor == 6 and panel.index == 0
    assert fmt(run.theta_history[6][0], STATE_DIGITS) == fmt(u.after["theta"][0], STATE_DIGITS)
    assert "update 7: step 6 → step 7" in panel.header.text()
    press(qtbot, window, Qt.Key.Key_Comma)                            # back into update 6's last phase
    assert s.cursor == 5 and s.head == 6 and panel.index == n - 1
    assert fmt(run.theta_history[6][0], STATE_DIGITS) in panel.view.toPlainText()
    press(qtbot, window, Qt.Key.Key_Period)                           # recorded: the cursor moves on
    assert s.cursor == 6 and s.head == 6


def test_the_panel_shows_the_picked_parameters_numbers(qtbot, window_on):
    window = window_on("opt4_7")
    s, panel = window.session, window.slow_motion
    s.step(12)
    panel.run_combo.setCurrentText("l2")
    panel.param_combo.setCurrentText("w1[1,4]")
    run = panel.selected_run()
    p = run.problem.layout.names.index("w1[1,4]")
    keys = [ph.key for ph in panel.update_shown.phases]
    assert keys == ["batch", "forward", "gradient", "reg", "lr", "slots", "update", "theta"]
    panel.index = keys.index("slots") - 1
    panel.next_phase()
    text = panel.view.toPlainText()
    assert "m ← β1·m + (1−β1)·g" in text and "α = lr·√(1−β2^t)/(1−β1^t)" in text
    assert tr("this run, parameter {name}", name="w1[1,4]") in text
    s.step(1)            # the update shown is now recorded: the phase's numbers are the run's own
    s.set_cursor(12)
    panel.index = keys.index("theta")
    panel.refresh(force=True)
    assert panel.update_shown.record_error < 1e-12
    assert fmt(run.theta_history[13][p], STATE_DIGITS) in panel.view.toPlainText()
    LANGUAGE.set("zh")
    assert tr("The new θ") in panel.view.toPlainText() and "阶段" in panel.position.text()
    assert "第 13 次更新" in panel.header.text()


def test_the_panel_is_in_the_view_menu(window_on):
    window = window_on("opt4_1")
    assert "dock_slow_motion" in window.docks
    assert window.panel_actions["dock_slow_motion"] in window.view_menu.actions()
    assert window.panel_actions["dock_slow_motion"].text() == "Slow motion"
