"""The views follow slow motion (gui.views.phase_overlay): in the real window, stepping phases with
"." draws on the 2-D surface the gradient (θ → θ − s·g, s the factor its legend gives) and the
update (θ before → after, as the optimiser's TF 1.x rule computes it from the engine's own
gradient and state), and rings the batch's points on the decision map; playing, hiding the panel
or moving the cursor by other means removes them.  Every vector compared is engine.phases'."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine import codes as C
from engine.phase_text import fmt
from engine.phases import phases
from gui.i18n import LANGUAGE

TOL = 1e-12


def close(a, b) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=TOL, atol=1e-14)


def slow_motion(qtbot, window):
    """The panel in front, the window with the keys."""
    window.bring_forward(window.slow_motion_dock)
    window.activateWindow()
    window.setFocus()
    qtbot.waitUntil(lambda: window.slow_motion.on_screen and window.slow_motion.isVisible() and window.hasFocus())
    return window.slow_motion


def walk_to(qtbot, window, key: str) -> None:
    """Press "." until the phase ``key`` is on screen."""
    panel = window.slow_motion
    for _ in range(len(panel.update_shown.phases) + 1):
        if panel.update_shown.phases[panel.index].key == key and panel.engaged:
            return
        qtbot.keyClick(window, Qt.Key.Key_Period)
    raise AssertionError(f"no phase {key}")


def rule_step(name: str, o, u) -> np.ndarray:
    """θ after the update by the optimiser's TF 1.x rule, from the engine's gradient and state."""
    th0, sl0 = u.before["theta"], u.before["slots"]
    g, lr = u.phase("gradient").values["grad_data"], u.phase("lr").values["lr"]
    if name == "gd":
        return th0 - lr * g
    if name == "momentum":
        a = o.momentum * sl0[0] + g
        return th0 - lr * a
    t = u.phase("slots").values["t"]
    m = o.beta1 * sl0[0] + (1 - o.beta1) * g
    v = o.beta2 * sl0[1] + (1 - o.beta2) * g * g
    alpha = lr * np.sqrt(1 - o.beta2 ** t) / (1 - o.beta1 ** t)
    return th0 - alpha * m / (np.sqrt(v) + o.epsilon)


def hidden(follower) -> bool:
    items = (follower.gradient, follower.delta, follower.after, follower.ema, follower.ema_after)
    return all(len(it.getData()[0]) == 0 and not it.isVisible() for it in items) and not follower.caption.isVisible()


@pytest.mark.parametrize("label", ["gd", "momentum", "adam"])
def test_the_arrows_are_the_engines_gradient_and_update(qtbot, window_on, label):
    window = window_on("opt4_1")
    s = window.session
    s.step(5)
    panel = slow_motion(qtbot, window)
    panel.run_combo.setCurrentText(label)
    run = panel.selected_run()
    sf = window.phase_overlay.surface
    assert run.label == label and sf.view.kind == "exact"
    u = phases(run, 5)                                      # the engine's own, computed afresh
    th0 = u.before["theta"]
    close(th0, run.theta_history[5])
    assert hidden(sf)                                       # the batch phase: nothing on the surface

    walk_to(qtbot, window, "gradient")
    g = u.phase("gradient").values["grad_data"]
    x, y = sf.gradient.getData()
    s_ = sf.scale
    assert s_ > 0 and f"{s_:.0e}"[0] in "125"               # a 1-2-5 factor …
    close(x, [th0[0], th0[0] - s_ * g[0]])
    close(y, [th0[1], th0[1] - s_ * g[1]])
    assert any(f"×{fmt(s_, 3)}" in t for t in sf.caption.labels())   # … that the legend gives
    (vx0, vx1), (vy0, vy1) = sf.view.pi.vb.viewRange()
    share = np.hypot((x[1] - x[0]) / (vx1 - vx0), (y[1] - y[0]) / (vy1 - vy0))
    assert 0.1 <= share <= 0.25 + 1e-9                      # seen, and inside a quarter of the window
    assert len(sf.delta.getData()[0]) == 0

    walk_to(qtbot, window, "update")
    th1 = rule_step(run.config.optimizer.name, run.config.optimizer, u)
    x, y = sf.delta.getData()
    close(x, [th0[0], th1[0]])
    close(y, [th0[1], th1[1]])
    close([x[1], y[1]], u.after["theta"])
    assert sf.gradient.isVisible()                          # beside the update: compare their directions
    assert any("Δθ" in t for t in sf.caption.labels())

    walk_to(qtbot, window, "theta")
    close(np.array(sf.after.getData()).ravel(), th1)
    assert not sf.gradient.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Period)               # applied: update 7's first phase
    assert s.head == 6 and panel.engaged
    close(run.theta_history[6], th1)                        # the arrow ended where the run went
    assert hidden(sf)

    walk_to(qtbot, window, "gradient")
    assert sf.gradient.isVisible()
    s.play()                                                # play: slow motion is left
    try:
        assert not panel.engaged and hidden(sf)
    finally:
        s.pause()


def test_hiding_the_panel_or_moving_the_cursor_removes_the_arrows(qtbot, window_on):
    window = window_on("opt4_1")
    s = window.session
    s.step(3)
    panel = slow_motion(qtbot, window)
    sf = window.phase_overlay.surface
    walk_to(qtbot, window, "update")
    assert sf.delta.isVisible() and sf.gradient.isVisible()
    window.bring_forward(window.inspector_dock)             # the panel behind another tab
    qtbot.waitUntil(lambda: not panel.on_screen)      # (Qt keeps a dock behind a tab "visible")
    assert not panel.engaged and hidden(sf)
    panel = slow_motion(qtbot, window)
    walk_to(qtbot, window, "gradient")
    assert sf.gradient.isVisible()
    s.set_cursor(1)                                         # the timeline moved the cursor
    assert not panel.engaged and hidden(sf)
    qtbot.keyClick(window, Qt.Key.Key_Comma)                # "," comes back into update 1's phases
    assert panel.engaged and s.cursor == 0 and panel.update_shown.phases[panel.index].key == "theta"
    assert sf.after.isVisible()


def test_the_ema_phase_marks_the_shadow(qtbot, window_on):
    window = window_on("opt4_1")
    s = window.session
    assert s.set_value("ema.enabled", True)
    s.step(4)
    panel = slow_motion(qtbot, window)
    sf = window.phase_overlay.surface
    walk_to(qtbot, window, "ema")
    u = panel.update_shown
    run = panel.selected_run()
    ema = phases(run, 4).phase("ema").values["ema"]
    x, y = sf.ema.getData()
    close(x, [u.before["ema"][0], ema[0]])
    close(y, [u.before["ema"][1], ema[1]])
    close(np.array(sf.ema_after.getData()).ravel(), ema)
    close(np.array(sf.after.getData()).ravel(), u.after["theta"])   # the θ the shadow moves towards
    assert not sf.delta.isVisible() and any("EMA" in t for t in sf.caption.labels())


def test_the_batch_is_ringed_on_the_decision_map(qtbot, window_on):
    window = window_on("opt4_7")
    s = window.session
    s.step(10)                                              # update 11 starts again at row 0: (10·30) mod 300
    panel = slow_motion(qtbot, window)
    panel.run_combo.setCurrentText("l2")
    run = panel.selected_run()
    df = window.phase_overlay.decision
    rows = run.batch_rows(10)
    assert rows == (0, 30) == tuple(int(r) for r in C.batch_rows(run._spec[0], run.problem.n, 10))
    assert df.rows == rows
    close(np.array(df.ringed(1)).T, run.problem.X[0:30])
    assert len(df.ringed(0)[0]) == 0                        # only the picked run's map
    assert "0 … 29" in df.view.readout.text()
    walk_to(qtbot, window, "gradient")                      # the gradient of that batch: still ringed
    assert df.rows == rows
    walk_to(qtbot, window, "reg")
    assert df.rows is None and len(df.ringed(1)[0]) == 0 and df.view.readout.text() == ""


def test_a_short_batch_at_the_end_of_the_data_is_ringed_as_fed(qtbot, window_on):
    window = window_on("opt4_7")
    s = window.session
    assert s.set_value("batch", 7)                          # 300 rows: update 43 gets rows 294 … 299
    s.step(42)
    panel = slow_motion(qtbot, window)
    assert panel.selected_run().label == "mse" and not panel.engaged
    qtbot.keyClick(window, Qt.Key.Key_Period)               # into slow motion, and back to the batch
    qtbot.keyClick(window, Qt.Key.Key_Comma)
    run = panel.selected_run()
    df = window.phase_overlay.decision
    assert run.batch_rows(42) == (294, 300) == df.rows
    close(np.array(df.ringed(0)).T, run.problem.X[294:300])
    walk_to(qtbot, window, "theta")
    qtbot.keyClick(window, Qt.Key.Key_Period)               # update 44 wraps round: rows 1 … 7
    assert s.head == 43 and run.batch_rows(43) == (1, 8) == df.rows
    close(np.array(df.ringed(0)).T, run.problem.X[1:8])


def test_the_panel_and_the_legends_are_chinese(qtbot, window_on):
    window = window_on("opt4_7")
    s = window.session
    for path, value in (("optimizer.name", "momentum"), ("ema.enabled", True)):
        assert s.set_value(path, value)
    s.step(3)
    panel = slow_motion(qtbot, window)
    LANGUAGE.set("zh")
    panel.run_combo.setCurrentText("l2")
    sf = window.phase_overlay.surface
    # (the formulas keep TF's own names — loss, decay, global_step, shadow — as symbols)
    english = ("accumulator", "penalty", "regularisation", "weights", "batch", "update", "rows", "phase",
               "scaled", "the ", "true scale", "ringed")
    seen = set()
    for _ in range(len(panel.update_shown.phases)):
        key = panel.update_shown.phases[panel.index].key
        seen.add(key)
        text = panel.view.toPlainText() + panel.header.text() + " ".join(sf.caption.labels())
        text += window.phase_overlay.decision.view.readout.text()
        assert not [w for w in english if w in text], (key, text)
        qtbot.keyClick(window, Qt.Key.Key_Period)
    assert {"batch", "reg", "slots", "ema"} <= seen


@pytest.mark.parametrize("preset", ["opt4_4", "cross-entropy", "optimizer-zoo"])
def test_every_phase_draws_on_other_surfaces(qtbot, window_on, preset):
    """A 1-parameter curve (the arrows along w, at the loss of θ), a 3-class map, an objective."""
    window = window_on(preset)
    s = window.session
    s.step(2)
    panel = slow_motion(qtbot, window)
    sf = window.phase_overlay.surface
    qtbot.keyClick(window, Qt.Key.Key_Period)
    qtbot.keyClick(window, Qt.Key.Key_Comma)
    qtbot.waitUntil(lambda: sf.view.kind != "plane" or sf.view.proj is not None, timeout=20000)
    run, u = panel.selected_run(), panel.update_shown
    th0, th1 = u.before["theta"], u.after["theta"]
    for _ in range(len(u.phases)):
        key = u.phases[panel.index].key
        x, y = sf.gradient.getData()
        assert (len(x) == 2) == (key in ("gradient", "reg", "lr", "slots", "update")), key
        if len(x):
            assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))
            g = u.phase("gradient").values["grad_data"] if key == "gradient" or "reg" not in u.keys \
                else u.phase("reg").values["grad"]
            if sf.view.kind == "curve":
                close(x, [th0[0], th0[0] - sf.scale * g[0]])
                assert y[0] == y[1]
            elif sf.view.kind == "plane":                   # −g's ends projected onto the plane
                close(np.column_stack([x, y]), sf.view.proj(np.stack([th0, th0 - sf.scale * g])))
                assert "(both ends projected onto the plane)" in sf.caption.labels()
        if key == "update":
            x, y = sf.delta.getData()
            ends = np.stack([th0, th1])
            if sf.view.kind == "curve":
                close(x, ends[:, 0])
                close(y, run.evaluator().losses(ends))
            elif sf.view.kind == "plane":                   # projected as the view projects the path
                close(np.column_stack([x, y]), sf.view.proj(ends))
            else:
                close(np.column_stack([x, y]), ends)
        qtbot.keyClick(window, Qt.Key.Key_Period)
    assert s.head == 3


def test_why_an_update_cannot_be_shown_is_in_the_interface_language(qtbot, window_on):
    window = window_on("opt4_1")
    s = window.session
    s.step(5)
    assert s.set_value("optimizer.name", "adam", "gd")       # from step 5 on: steps before it have no Adam state
    s.set_cursor(2)
    panel = slow_motion(qtbot, window)
    LANGUAGE.set("zh")
    panel.refresh(force=True)
    assert panel.update_shown is None
    text = panel.view.toPlainText()
    assert "第 2 步在更换优化器之前（在第 5 步更换）" in text and "before" not in text
    assert hidden(window.phase_overlay.surface)
