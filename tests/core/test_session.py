"""engine.session: the session without Qt — the one setting policy (restart or apply from the
cursor, derived defaults, validation once), the change log, run selection, messages as data,
session documents; and engine.run_read, the public reads the window uses."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import explain as E
from engine import session_file as SF
from engine.config import ConfigError
from engine.session import ALL_FINISHED, DEMO_FIXED, Message, Session, propose

ROOT = Path(__file__).resolve().parents[2]


class Recorder(Session):
    def __init__(self, *a, **k):
        self.events = []
        super().__init__(*a, **k)

    def _notify(self, event, *args):
        self.events.append((event, *args))


def test_the_engine_session_and_read_api_load_no_qt():
    code = ("import sys, engine.session, engine.run_read; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken', 'gui'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_a_rate_applies_from_the_cursor_and_is_logged():
    s = Recorder("opt4_1")
    s.step(100)
    s.set_cursor(40)
    before = [r.theta_history[40].copy() for r in s.runs]
    s.events.clear()
    assert s.set_value("optimizer.lr", 0.01, "gd")
    assert s.head == 40 and s.cursor == 40                      # the future past the cursor: a ghost
    assert len(s.branches) == 1 and s.branches[0].head == 100
    assert s.run_config("gd").optimizer.lr == 0.01
    assert [np.array_equal(b, r.theta_history[40]) for b, r in zip(before, s.runs)] == [True] * 3
    assert s.changes == [{"step": 40, "label": "gd", "path": "optimizer.lr", "value": 0.01,
                          "old": s.preset.run_config("gd").optimizer.lr}]
    assert s.events == [("branches_changed",), ("config_changed", "gd"), ("frame",)]


def test_a_model_change_restarts_every_run_and_clears_the_log():
    s = Recorder("opt4_7")
    s.step(20)
    s.set_value("optimizer.lr", 0.01)
    s.events.clear()
    assert s.set_value("reg.lam", 0.5)
    assert s.cursor == 0 and s.head == 0 and s.changes == []
    assert all(r.config.reg.lam == 0.5 for r in s.runs) and s.base.reg.lam == 0.5
    assert s.events == [("rebuilt",), ("config_changed", ""), ("frame",)]


def test_a_decaying_schedule_starts_at_the_chapters_decay_steps():
    s = Session("opt4_7")
    run = s.runs[0]
    cfg = propose(run, "schedule.name", "exponential")
    assert cfg.schedule.decay_steps == pytest.approx(run.problem.n / cfg.batch)


def test_a_refused_value_is_a_message_and_changes_nothing():
    s = Session("opt4_1")
    s.step(10)
    assert not s.set_value("optimizer.lr", -1.0)
    assert s.head == 10 and s.changes == []
    msg = s.messages[-1]
    assert msg.level == "error" and msg.error is not None and "out of range" in msg.text
    assert "{field}" in msg.template and msg.fields["path"] == "optimizer.lr"


def test_a_scripted_demo_refuses_settings_and_play():
    s = Session("opt4_6")
    assert s.runs == [] and s.is_demo
    assert not s.set_value("optimizer.lr", 0.1)
    assert s.messages[-1] == Message("error", DEMO_FIXED, {"preset": "opt4_6"})
    assert not s.may_play()


def test_play_is_refused_when_every_run_is_done():
    s = Session("opt4_1")
    s.set_value("steps", 5)
    s.step(5)
    assert not s.may_play() and s.messages[-1].template == ALL_FINISHED


def test_run_selection_keeps_one_run():
    s = Session("opt4_1")
    s.keep_only("adam")
    assert [r.label for r in s.runs] == ["adam"]
    with pytest.raises(ConfigError, match="allowed"):
        s.keep_only("nope")


def test_a_session_document_replays_to_the_same_state():
    s = Session("opt4_1")
    s.step(30)
    s.set_value("optimizer.lr", 0.05, "momentum")
    s.step(20)
    doc = SF.parse(s.to_doc({"speed": 5}).to_dict())
    t = Session("opt4_7")
    t.adopt(doc)
    assert t.preset.name == "opt4_1" and t.cursor == 50 and t.changes == s.changes
    for a, b in zip(s.runs, t.runs):
        np.testing.assert_array_equal(a.theta, b.theta)


def test_divergence_is_reported_once_as_data():
    s = Session("opt4_1")
    s.set_value("optimizer.lr", 50.0, "gd")
    s.step(200)
    diverged = [m for m in s.messages if m.level == "diverged"]
    assert len(diverged) == 1 and diverged[0].fields["label"] == "gd" and "diverged at step" in diverged[0].text


# --- engine.run_read ------------------------------------------------------------------------------
def test_the_read_api_gives_the_kernels_numbers():
    s = Session("opt4_7")
    s.step(60)
    run = s.runs[0]
    ev = run.evaluator()
    theta = run.theta_history[60]
    np.testing.assert_allclose(ev.losses(run.theta_history[[0, 60]]), run.losses([0, 60]), rtol=1e-12)
    assert ev.accuracy(theta) == run.accuracy(60) == E.accuracy(run.problem, run._spec, theta)
    xs = ys = np.linspace(-1, 1, 5)
    np.testing.assert_array_equal(ev.decision_map(theta, xs, ys), E.decision_map(run.problem, run._spec, theta, xs, ys))
    B, n = run.config.batch, run.problem.n
    assert run.batch_rows(7) == ((7 * B) % n, min((7 * B) % n + B, n))
    assert run.clipped_targets(60) == E.clipped_targets(run.problem, run._spec, theta, run.batch_rows(60))


def test_a_penalised_evaluator_adds_the_source_runs_penalty():
    s = Session("opt4_7")
    plain, src = s.run("mse"), s.run("l2")
    assert not plain.regularised and src.regularised
    ev = plain.evaluator(penalty_from=src)
    assert ev.penalty == ("l2", 0.01) and ev.with_penalty and not plain.evaluator().with_penalty
    theta = plain.theta_history[0]
    np.testing.assert_allclose(ev.losses(theta)[0], plain.evaluate(theta)[0] + src.penalties([0])[0], rtol=1e-12)
    before = ev.losses(theta)[0]
    assert s.set_value("reg.lam", 0.5, "l2")        # the evaluator is a copy: later edits do not reach it
    assert ev.losses(theta)[0] == before and ev.penalty == ("l2", 0.01)
