"""Forks (engine.branches): stepping or changing a setting after scrubbing back keeps the old
future as a ghost branch, bit for bit, while the new branch trains from the fork step exactly as a
direct run with the new setting would; the undo restores a discarded future exactly."""
import numpy as np
import pytest

from engine import branches as B
from engine import presets as P
from engine import session_file as SF
from engine.run import Comparison
from engine.session import Session


def history(run) -> dict:
    """Everything a run recorded, as copies."""
    out = dict(step=run.steps_history, theta=run.theta_history, slots=run.slots_history, lr=run.lr_history,
               bloss=run.batch_loss_history, bsum=run.batch_loss_sums, loss=run.losses())
    if run.ema_history is not None:
        out["ema"] = run.ema_history
    out = {k: np.array(v, copy=True) for k, v in out.items()}
    out.update(head=run.step, theta_now=run.theta.copy(), slots_now=run.slots.copy(), lr_cfg=run.config.optimizer.lr)
    return out


def same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], dict):
            same(a[key], b[key])
        elif isinstance(a[key], np.ndarray):
            np.testing.assert_array_equal(a[key], b[key], err_msg=key, strict=True)
        else:
            assert a[key] == b[key], key


def histories(runs) -> dict:
    return {r.label: history(r) for r in runs}


def direct(preset: str, label: str, k: int, overrides: dict, m: int):
    """A run of ``preset`` trained k updates, then with ``overrides`` m more."""
    pre = P.get(preset)
    run = Comparison(pre.name, pre.config, [r for r in pre.runs if r[0] == label]).runs[0]
    run.advance(k)
    run.set_config(run.config.with_overrides(overrides))
    run.advance(m)
    return run


def test_stepping_after_scrubbing_back_keeps_the_future_as_a_ghost():
    s = Session("opt4_1")
    s.step(300)
    before = histories(s.runs)
    s.set_cursor(120)
    s.step(5)
    assert len(s.branches) == 1
    ghost = s.branches[0]
    assert (ghost.step, ghost.what, ghost.head, ghost.number) == (120, "stepped", 300, 1)
    same(histories(ghost.runs), before)                        # the old future, bit for bit
    assert s.head == s.cursor == 125
    for r in s.runs:                                           # the same settings: the same steps again
        np.testing.assert_array_equal(r.theta_history, before[r.label]["theta"][:126])
    assert s.messages[-1].template == B.FORKED and s.messages[-1].fields == {"k": 120, "n": 1}
    assert all(r.label for r in ghost.runs) and [lab for lab, _ in ghost.losses_at(200)] == ["gd", "momentum", "adam"]
    assert ghost.losses_at(200)[0][1] == before["gd"]["loss"][200]


def test_a_setting_changed_after_scrubbing_back_forks_and_the_new_branch_is_a_direct_run():
    s = Session("opt4_1")
    s.step(300)
    before = histories(s.runs)
    s.set_cursor(120)
    assert s.set_value("optimizer.lr", 0.05)
    ghost = s.branches[0]
    assert (ghost.what, ghost.path, ghost.label, ghost.old, ghost.new) == ("setting", "optimizer.lr", "", 0.001, 0.05)
    assert s.head == s.cursor == 120
    s.step(40)
    same(histories(ghost.runs), before)
    assert all(r.config.optimizer.lr == 0.001 for r in ghost.runs)
    for r in s.runs:
        d = direct("opt4_1", r.label, 120, {"optimizer.lr": 0.05}, 40)
        assert r.step == d.step == 160
        for key, got in history(r).items():
            want = history(d)[key]
            np.testing.assert_array_equal(got, want, err_msg=f"{r.label} {key}")


def test_one_runs_setting_forks_every_run_and_only_that_run_changes():
    s = Session("opt4_1")
    s.step(200)
    before = histories(s.runs)
    s.set_cursor(50)
    s.set_value("optimizer.momentum", 0.5, label="momentum")
    s.step(30)
    ghost = s.branches[0]
    assert ghost.label == "momentum" and len(ghost.runs) == 3
    same(histories(ghost.runs), before)
    np.testing.assert_array_equal(s.run("gd").theta_history, before["gd"]["theta"][:81])
    d = direct("opt4_1", "momentum", 50, {"optimizer.momentum": 0.5}, 30)
    np.testing.assert_array_equal(s.run("momentum").theta_history, d.theta_history)
    np.testing.assert_array_equal(s.run("momentum").slots, d.slots)


def test_no_future_no_ghost():
    s = Session("opt4_1")
    s.step(100)
    s.step(10)
    s.set_value("optimizer.lr", 0.01)
    assert s.branches == [] and s.last_discard is None


def test_undo_after_a_fork_restores_the_old_future_and_keeps_the_new_branch_as_a_ghost():
    s = Session("opt4_1")
    s.step(300)
    before, changes, base = histories(s.runs), list(s.changes), s.base
    s.set_cursor(120)
    s.set_value("optimizer.lr", 0.05)
    s.step(40)
    after = histories(s.runs)
    assert s.can_undo and s.undo()
    assert (s.head, s.cursor) == (300, 120)
    same(histories(s.runs), before)
    assert s.changes == changes and s.base == base
    assert all(s.run_config(lab).optimizer.lr == 0.001 for lab in before)
    assert s.messages[-1].template == B.UNDONE_FORK
    assert len(s.branches) == 1                     # the branch trained since the fork is not lost
    swapped = s.branches[0]
    same(histories(swapped.runs), after)
    assert (swapped.step, swapped.old, swapped.new) == (120, 0.05, 0.001)
    s.step(3)                                     # the restored line trains on from the cursor: a new fork
    assert len(s.branches) == 2 and s.head == 123
    s.undo()
    same(histories(s.runs), before)


def test_undo_twice_swaps_back():
    s = Session("opt4_1")
    s.step(200)
    s.set_cursor(80)
    s.set_value("optimizer.lr", 0.02)
    s.step(20)
    new = histories(s.runs)
    s.undo()
    s.undo()
    same(histories(s.runs), new)
    assert (s.head, s.cursor) == (100, 80) and all(r.config.optimizer.lr == 0.02 for r in s.runs)


def test_drop_and_undo_bring_the_branch_back():
    s = Session("opt4_1")
    s.step(100)
    s.set_cursor(40)
    s.step(1)
    s.set_cursor(20)
    s.step(1)
    assert [b.step for b in s.branches] == [40, 20]
    first = histories(s.branches[0].runs)
    s.drop_branch(0)
    assert [b.step for b in s.branches] == [20]
    assert s.messages[-1].template == B.DROPPED
    s.undo()
    assert [b.step for b in s.branches] == [40, 20]
    same(histories(s.branches[0].runs), first)
    assert not s.can_undo and not s.undo() and s.messages[-1].template == B.NOTHING


def test_at_most_max_ghosts_are_kept_and_the_oldest_dropped_says_so():
    s = Session("opt4_1")
    s.step(100)
    for k in (90, 80, 70, 60, 50):
        s.set_cursor(k)
        s.step(1)
    assert len(s.branches) == B.MAX_GHOSTS == 4
    assert [b.step for b in s.branches] == [80, 70, 60, 50]
    assert s.messages[-1].template == B.CAPPED and s.messages[-1].fields["k"] == 90
    s.undo()                                 # undoes the last fork: the dropped ghost is back too
    assert s.head == 61 and s.cursor == 50
    assert [b.step for b in s.branches] == [90, 80, 70, 60, 50]     # 50: the branch trained since
    s.set_cursor(10)
    s.step(1)
    assert [b.step for b in s.branches] == [70, 60, 50, 10]


def test_the_ghosts_memory_is_bounded(monkeypatch):
    s = Session("opt4_1")
    s.step(400)
    s.set_cursor(300)
    s.step(1)
    one = s.branches[0].nbytes
    monkeypatch.setattr(B, "GHOST_BYTES", 2 * one)
    for k in (200, 100):
        s.set_cursor(k)
        s.step(1)
    assert [b.step for b in s.branches] == [200, 100] and sum(b.nbytes for b in s.branches) <= 2 * one
    assert s.messages[-1].template == B.CAPPED and s.messages[-1].fields["k"] == 300


def test_keep_as_run_makes_the_ghost_a_run_that_trains_on_from_its_head():
    s = Session("opt4_1")
    s.step(200)
    before = histories(s.runs)
    s.set_cursor(100)
    s.set_value("optimizer.lr", 0.05, label="gd")
    s.step(10)
    labels = s.keep_branch(0)
    assert labels == ["gd@100"] and s.branches == []      # the others' ghosts retrace the live runs
    kept = s.run("gd@100")
    got = history(kept)
    assert got.keys() == before["gd"].keys()
    for key in got:
        np.testing.assert_array_equal(got[key], before["gd"][key], err_msg=key)
    assert s.head == s.cursor == 200
    s.advance_all(150, play=True)           # the others catch up, then all train on together
    assert s.run("gd").step == 260 and kept.step == 260
    d = P.get("opt4_1")
    whole = Comparison(d.name, d.config, [r for r in d.runs if r[0] == "gd"]).runs[0]
    whole.advance(260)
    np.testing.assert_array_equal(kept.theta_history, whole.theta_history)


def test_reset_and_restart_can_be_undone():
    s = Session("opt4_1")
    s.step(150)
    s.set_cursor(90)
    before = histories(s.runs)
    s.reset()
    assert s.head == 0 and s.messages[-1].template == B.DISCARDED
    s.undo()
    assert (s.head, s.cursor) == (150, 90)
    same(histories(s.runs), before)
    s.set_cursor(150)
    s.set_value("batch", 4)                       # restarts the runs
    assert s.head == 0 and all(r.config.batch == 4 for r in s.runs)
    s.undo()
    assert s.head == 150 and all(r.config.batch == 8 for r in s.runs)
    same(histories(s.runs), before)
    s.set_start([0.5, -0.5])
    s.undo()
    same(histories(s.runs), before)


def test_a_thinned_ghost_stays_exact_at_every_step():
    s = Session("opt4_7", history_bytes=2 * 4096 * 1200)     # the history is thinned by step 12 000
    s.step(12_000)
    assert s.runs[0].thinned
    s.set_cursor(7_001)
    s.set_value("optimizer.lr", 0.01)
    s.step(500)
    ghost = s.branches[0].runs[1]
    pre = P.get("opt4_7")
    for k in (7_500, 9_333, 11_999):
        d = Comparison(pre.name, pre.config, [r for r in pre.runs if r[0] == ghost.label]).runs[0]
        d.advance(k)
        st = ghost.state_at(k)
        assert np.array_equal(st.theta, d.theta) and np.array_equal(st.slots, d.slots)
    live = s.run(ghost.label)
    d = direct("opt4_7", ghost.label, 7_001, {"optimizer.lr": 0.01}, 500)
    assert np.array_equal(live.theta, d.theta) and np.array_equal(live.slots, d.slots)
    per_ghost = s.branches[0].nbytes
    assert per_ghost <= 2 * 4096 * 1200 * 1.1       # a ghost holds at most what the runs' histories hold


def test_saving_a_session_with_ghosts_and_kept_runs(tmp_path):
    s = Session("opt4_1")
    s.step(100)
    s.set_cursor(50)
    s.set_value("optimizer.lr", 0.01)
    s.step(5)
    SF.save(s.to_doc(), tmp_path / "a.json")
    doc = SF.load(tmp_path / "a.json")
    assert [lab for lab, _ in doc.runs] == ["gd", "momentum", "adam"] and doc.step == 55
    assert s.keep_branch(0) == ["gd@50", "momentum@50", "adam@50"]      # (all differ)
    SF.save(s.to_doc(), tmp_path / "b.json")
    doc = SF.load(tmp_path / "b.json")
    assert "gd@50" in [lab for lab, _ in doc.runs]
    s.adopt(doc)
    assert s.branches == [] and not s.can_undo


@pytest.mark.parametrize("preset", ["opt4_1", "opt4_7"])
def test_clone_is_independent(preset):
    s = Session(preset)
    s.step(50)
    r = s.runs[0]
    c = r.clone("copy")
    c.advance(20)
    assert r.step == 50 and c.step == 70 and c.label == "copy"
    r.advance(20)
    np.testing.assert_array_equal(r.theta_history, c.theta_history)
    np.testing.assert_array_equal(r.slots, c.slots)
