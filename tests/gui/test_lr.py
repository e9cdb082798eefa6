"""The learning-rate lab: schedule curves are the engine's values, markers follow the cursor,
divergent runs stop cleanly, and schedule edits redraw at once."""
from dataclasses import replace

import numpy as np

from engine.schedules import learning_rates
from gui.session import Session
from gui.views.loss_view import LossView, rate_drop_steps
from gui.views.lr_view import LRView


def _session(qtbot, preset):
    s = Session(preset)
    s.warm_up_blocking()
    return s


def test_stepped_and_smooth_curves_are_the_engine_schedule(qtbot):
    s = _session(qtbot, "decay-stepped-vs-smooth")
    view = LRView(s)
    qtbot.addWidget(view)
    stepped_run = s.runs[0]
    x, y = view._curves[0]["own"]
    sched = stepped_run.config.schedule
    np.testing.assert_array_equal(y, learning_rates(stepped_run.config.optimizer.lr, sched, x - 1))
    xo, yo = view._curves[0]["other"]
    np.testing.assert_array_equal(yo, learning_rates(stepped_run.config.optimizer.lr,
                                                     replace(sched, staircase=False), xo - 1))
    assert len(np.unique(y)) < len(np.unique(yo))          # stairs hold values, the smooth curve does not
    drawn_x, drawn_y = view._items[0]["own"].getData()
    assert set(np.round(drawn_y, 15)) <= set(np.round(y, 15))  # the staircase is drawn from those values


def test_cursor_markers_follow_stepping_and_scrubbing(qtbot):
    s = _session(qtbot, "opt4_5")
    view = LRView(s)
    qtbot.addWidget(view)
    s.step(30)
    assert view.cursor_line.value() == 30
    x, y = view._items[0]["dots"].getData()
    assert x[0] == 30 and y[0] == s.runs[0].lr_history[30] == 0.1 * 0.99 ** 29
    s.set_cursor(12)
    x, y = view._items[0]["dots"].getData()
    assert view.cursor_line.value() == 12 and x[0] == 12 and y[0] == 0.1 * 0.99 ** 11
    assert "0.99" in view.formula.text() and "11" in view.formula.text()


def test_schedule_edit_redraws_before_training(qtbot):
    s = _session(qtbot, "opt4_1")
    view = LRView(s)
    qtbot.addWidget(view)
    assert "other" not in view._curves[0]
    assert s.set_value("schedule.name", "exponential", label="gd")
    assert s.run_config("gd").schedule.decay_steps == 32 / 8      # samples / BATCH_SIZE
    assert "other" in view._curves[0] and s.head == 0


def test_rate_change_mid_run_shows_in_the_applied_curve(qtbot):
    s = _session(qtbot, "opt4_1")
    view = LRView(s)
    qtbot.addWidget(view)
    s.step(10)
    s.set_value("optimizer.lr", 0.01, label="gd")
    s.step(10)
    x, y = view._items[0]["applied"].getData()
    assert y.min() == 0.001 and y.max() == 0.01


def test_divergent_run_reports_its_step_and_every_view_stays_finite(qtbot):
    s = _session(qtbot, "lr-too-large")
    messages = []
    s.message.connect(lambda level, text: messages.append((level, text)))
    views = [LRView(s), LossView(s)]
    for v in views:
        qtbot.addWidget(v)
    s.step(60)
    bad = s.comparison.run("lr-1000")
    assert bad.diverged_at == 47
    assert any("lr-1000" in t and "47" in t for _, t in messages)
    assert s.comparison.run("lr-1").step == 60          # the others go on
    for v in views:
        for items in v._items:
            for it in items.values():
                data = it.getData()
                for arr in data:
                    if arr is not None and len(arr):
                        assert np.all(np.isfinite(arr))


def test_staircase_drops_are_marked_on_the_loss_view(qtbot):
    s = _session(qtbot, "decay-stepped-vs-smooth")
    view = LossView(s)
    qtbot.addWidget(view)
    drops = rate_drop_steps(s.runs[0], 40)
    np.testing.assert_array_equal(drops, [26, 51, 76, 101, 126])
    assert sorted(line.value() for line in view._drop_lines) == list(drops)
    lr = s.runs[0]
    s.step(60)
    assert lr.lr_history[26] < lr.lr_history[25]        # update 26 is the first at the halved rate
