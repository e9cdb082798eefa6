"""The session's trainer thread keeps the race in step (a run an interrupt left behind catches
up) and thins a full history only early in a frame period, never just before a frame."""
import numpy as np
import pytest

from engine import run as R
from gui.session import MAX_SPEED


def test_a_run_left_behind_catches_up(make_session):
    s = make_session("opt4_1")
    s.runs[0].advance(7)                      # as when an interrupt stopped the others early
    s.advance_all(10, play=True)
    assert [r.step for r in s.runs] == [10, 10, 10]


def test_no_thinning_after_the_deadline(make_session, monkeypatch):
    monkeypatch.setattr(R, "MIN_ROWS", 1000)
    s = make_session("opt4_1")
    for r in s.runs:
        r.history_bytes = 1                   # 1000 rows each
    s.advance_all(990)
    assert s.advance_all(100, thin_until=0.0, play=True) == 3 * 9       # full at step 999
    assert [r.step for r in s.runs] == [999] * 3 and not any(r.thinned for r in s.runs)
    s.advance_all(100, play=True)
    assert [r.step for r in s.runs] == [1099] * 3 and all(r.thinned for r in s.runs)


def test_playing_at_full_speed_with_thinning_stops_with_the_runs_in_step(qtbot, make_session, monkeypatch):
    monkeypatch.setattr(R, "MIN_ROWS", 1000)
    s = make_session("opt4_1")
    s.set_value("steps", 10 ** 8)
    for r in s.runs:
        r.history_bytes = 1
    s.speed = MAX_SPEED
    s.play()
    qtbot.waitUntil(lambda: s.head > 200_000 and all(r.thinned for r in s.runs), timeout=30000)
    s.pause()
    steps = [r.step for r in s.runs]
    assert steps == [s.head] * 3 and s.cursor == s.head
    for r in s.runs:
        assert np.all(np.diff(r.steps_history) > 0) and len(r.steps_history) <= 1000


def test_a_deferred_redraw_while_the_trainer_plays_waits_for_a_draw_turn_under_the_lock(window_on, qtbot, monkeypatch):
    """The surface's and decision maps' throttled re-check timers fire outside a frame: while the
    trainer thread trains (and thins) they must draw in a draw turn, under the session lock, never
    straight from the timer (a draw there read a history the trainer was thinning: IndexError)."""
    monkeypatch.setattr(R, "MIN_ROWS", 1000)
    for preset, key in (("opt4_1", "view_surface"), ("opt4_7", "view_decision")):
        w = window_on(preset)
        s = w.session
        view = w.docks[key][0].widget()
        unlocked = []
        draw = view._draw_frame

        def checked(draw=draw, s=s):
            if s.playing and not s.lock._is_owned():
                unlocked.append(s.head)
            draw()
        monkeypatch.setattr(view, "_draw_frame", checked)
        for r in s.runs:
            r.history_bytes = 1                  # thinning all the time
        s.set_value("steps", 10 ** 8)
        s.speed = MAX_SPEED
        s.play()
        fired = 0
        while s.head < 300_000 and fired < 60:
            view._later.start(0)
            qtbot.wait(2)
            fired += 1
        s.pause()
        assert fired > 20 and unlocked == []


def test_play_ends_when_the_trainer_finished_every_run_a_frame_ahead_of_the_cursor(make_session):
    """The trainer stops by itself when every run is done; the next tick sees the cursor a frame
    behind it.  That is not a scrubbed-back future: no ghost, no retraining, play ends at the head
    (it looped: a ghost and a retrain of the last steps at every tick, and +40 MB at 10 M steps)."""
    from gui.trainer import Trainer
    s = make_session("opt4_1")
    s.set_value("steps", 1000)
    s.speed = MAX_SPEED
    s.advance_all(1000, play=True)                  # as the trainer left it: every run done
    s.cursor = 990                                  # the last frame showed step 990
    s._trainer = Trainer(s)
    s._trainer.start()                              # waiting: its go flag is clear
    s._timer.start()
    s._tick()
    assert s.branches == [] and [r.step for r in s.runs] == [1000] * 3
    assert s.cursor == 1000 and not s.playing
