"""Forks in the window: scrub back, change a rate in the panel, step → a ghost branch is listed,
the surface and loss views draw it (dimmed path, dashed curve, legend "gd (ghost, forked at …)"),
Drop and Keep as run act on it, and Ctrl+Z (Edit → Undo) restores the discarded future."""
import numpy as np
from PySide6.QtCore import Qt

from gui.i18n import LANGUAGE, tr


def focus(qtbot, window) -> None:
    window.activateWindow()
    window.setFocus()
    qtbot.waitUntil(window.hasFocus)


def forked(qtbot, window_on, preset="opt4_1"):
    window = window_on(preset)
    s = window.session
    s.step(200)
    before = {r.label: (r.theta_history.copy(), r.losses().copy()) for r in s.runs}
    window.transport.timeline.setValue(80)                       # scrub back
    assert s.cursor == 80 and s.head == 200
    window.parameters.param_for("optimizer.lr", "gd").setValue(0.01)
    qtbot.wait(10)
    focus(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Right)                     # step
    return window, s, before


def test_a_fork_is_listed_and_drawn_as_a_ghost(qtbot, window_on):
    window, s, before = forked(qtbot, window_on)
    assert s.head == s.cursor == 81 and len(s.branches) == 1
    ghost = s.branches[0]
    assert (ghost.step, ghost.path, ghost.label, ghost.old, ghost.new) == (80, "optimizer.lr", "gd", 0.001, 0.01)
    for r in ghost.runs:                                          # the old future, bit for bit
        np.testing.assert_array_equal(r.theta_history, before[r.label][0])
        np.testing.assert_array_equal(r.losses(), before[r.label][1])
    panel = window.branches_panel
    window.bring_forward(window.branches_dock)
    qtbot.waitUntil(panel.showing)
    assert len(panel.rows) == 1
    title = panel.rows[0].title.text()
    assert "forked at step 80" in title and "learning rate: 0.001 → 0.01" in title and "200" in title
    assert f"gd {ghost.losses_at(81)[0][1]:.5g}"[:8] in panel.rows[0].losses.text()

    surface, loss = window.views["surface"], window.views["loss"]
    surface.draw()
    loss.draw()
    # drawn: the ghost of the run whose rate changed (the others would retrace their ghosts exactly)
    assert len(surface.ghosts.entries) == 1 and len(loss.ghosts.entries) == 1
    label = tr("{label} (ghost, forked at {k})", label="gd", k="80")
    assert label in surface.legend.labels() and label in loss.legend.labels()
    assert not any("momentum (ghost" in t for t in surface.legend.labels())
    gd = ghost.runs[0]
    _b, _r, items, _t = surface.ghosts.entries[0]
    x, y = items["path"].getData()
    assert x[0] == gd.theta_history[80][0] and x[-1] == gd.theta_history[200][0]   # fork step → old head
    assert y[-1] == gd.theta_history[200][1]
    cx, cy = items["current"].getData()
    assert (cx[-1], cy[-1]) == (gd.theta_history[81][0], gd.theta_history[81][1])  # racing the new branch
    assert items["path"].opts["pen"].style() == Qt.PenStyle.DashLine
    assert items["path"].opts["pen"].color().alpha() < 255                          # dimmed
    _b, _r, litems, _t = loss.ghosts.entries[0]
    lx, ly = litems["full"].getData()
    assert lx[0] == 80 and lx[-1] == 200
    assert loss.log_box.isChecked()                               # (opt4_1: the item holds log10 values)
    np.testing.assert_allclose(10 ** ly, gd.losses(lx.astype(int)), rtol=1e-12)
    assert litems["full"].opts["pen"].style() == Qt.PenStyle.DashLine
    assert all(it in surface._moving_items() for it in surface.ghosts.items())
    LANGUAGE.set("zh")
    assert "幽灵" in panel.rows[0].title.text() and any("幽灵" in t for t in loss.legend.labels())


def test_undo_restores_the_old_future_and_drop_keep_act_on_the_ghost(qtbot, window_on):
    window, s, before = forked(qtbot, window_on)
    focus(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)      # Edit → Undo
    assert (s.head, s.cursor) == (200, 80)
    for r in s.runs:
        np.testing.assert_array_equal(r.theta_history, before[r.label][0])
    assert s.run_config("gd").optimizer.lr == 0.001
    assert window.parameters.param_for("optimizer.lr", "gd").value() == 0.001      # the panel shows it
    assert len(s.branches) == 1 and s.branches[0].head == 81                       # the new branch: a ghost
    assert window.edit_menu.actions()[0] is window.branches_panel.action_undo
    window.branches_panel.rows[0].drop_button.click()
    assert s.branches == [] and window.branches_panel.rows == []
    assert window.views["surface"].ghosts.entries == []
    window.branches_panel.undo_button.click()                                      # the dropped one is back
    assert len(s.branches) == 1 and len(window.branches_panel.rows) == 1
    window.branches_panel.rows[0].keep_button.click()
    assert [r.label for r in s.runs] == ["gd", "momentum", "adam", "gd@80"]      # the one that differs
    assert s.run("gd@80").config.optimizer.lr == 0.01 and s.run("gd@80").step == 81
    loss = window.views["loss"]
    loss.draw()
    assert "gd@80" in loss.legend.labels() and len(loss._items) == 4
    s.step(5)                                  # the runs behind catch up first: the race stays in step
    assert s.run("gd@80").step == 86 and s.run("gd").step == 200 and s.cursor == 200 and not s.branches[1:]


def test_reset_is_undone_with_ctrl_z(qtbot, window_on):
    window = window_on("opt4_1")
    s = window.session
    s.step(60)
    theta = s.runs[1].theta_history.copy()
    messages = []
    s.message.connect(lambda level, text: messages.append(text))
    focus(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_R)
    assert s.head == 0 and "Ctrl+Z" in messages[-1]
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert s.head == s.cursor == 60
    np.testing.assert_array_equal(s.runs[1].theta_history, theta)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert messages[-1] == tr("nothing to undo")


def test_playing_on_after_scrubbing_back_forks(qtbot, window_on):
    window = window_on("opt4_1")
    s = window.session
    s.step(100)
    s.speed = 10
    s.play()
    qtbot.waitUntil(lambda: s.head > 110, timeout=10000)
    s.set_cursor(50)                           # scrubbed while playing: the next tick plays on from 50
    qtbot.waitUntil(lambda: bool(s.branches), timeout=10000)
    s.pause()
    assert s.branches[0].what == "played" and s.branches[0].step == 50 and s.branches[0].head > 110
    assert s.head >= 50
