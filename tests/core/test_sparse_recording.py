"""A call of more updates than a run's history holds records sparsely (every ``record_every``-th
step and the last): the rows kept are bit-equal to the same steps of a run recorded in full,
every step stays exact (replayed), and a divergence or an interruption still leaves the state it
stopped at as the last row."""
import numpy as np
import pytest

from engine import presets
from engine.codes import recorded_rows
from engine.run import Run


@pytest.fixture
def small_budget(monkeypatch):
    import engine.run as R
    monkeypatch.setattr(R, "HISTORY_BYTES", 1)        # the budget falls to MIN_ROWS rows
    monkeypatch.setattr(R, "MIN_ROWS", 1000)


def full_run(cfg, steps):
    r = Run("full", cfg, history_bytes=1 << 30)
    r.advance(steps)
    assert not r.thinned
    return r


@pytest.mark.parametrize("preset,label", [("opt4_1", "adam"), ("opt4_7", "l2"), ("opt4_8", "decaying")])
def test_one_long_call_records_every_stride_th_step_bit_equal_to_a_full_recording(small_budget, preset, label):
    cfg = presets.get(preset).run_config(label)
    if preset == "opt4_8":
        cfg = cfg.with_overrides({"ema.enabled": True})
    n = 20_011
    r = Run("sparse", cfg)
    every = r.record_every(n)
    assert every == 128                                # 20 011 / 128 rows fit a quarter of 1000
    r.advance(n)
    full = full_run(cfg, n)
    steps = r.steps_history
    assert len(steps) == 1 + recorded_rows(0, n, every) <= 1000
    assert np.all(steps[:-1] % every == 0) and steps[-1] == n
    np.testing.assert_array_equal(r.theta_history, full.theta_history[steps])
    np.testing.assert_array_equal(r.slots_history, full.slots_history[steps])
    np.testing.assert_array_equal(r.batch_loss_sums, full.batch_loss_sums[steps])
    np.testing.assert_array_equal(r.lr_history[1:], full.lr_history[steps[1:]])
    np.testing.assert_array_equal(r.batch_loss_history[1:], full.batch_loss_history[steps[1:]])
    if cfg.ema.enabled:
        np.testing.assert_array_equal(r.ema_history, full.ema_history[steps])
    for k in np.random.default_rng(3).integers(1, n, 12):
        st = r.state_at(int(k))
        np.testing.assert_array_equal(st.theta, full.theta_history[k])
        np.testing.assert_array_equal(st.slots, full.slots_history[k])
        assert st.batch_loss_sum == full.batch_loss_sums[k] and st.lr == full.lr_history[k]
    np.testing.assert_array_equal(r.theta, full.theta)
    r.advance(300)                                     # calls that fit record every step again
    full.advance(300)
    assert np.all(np.diff(r.steps_history[-301:]) == 1)
    np.testing.assert_array_equal(r.theta_history[-301:], full.theta_history[-301:])


def test_short_calls_record_every_step():
    r = Run("r", presets.get("opt4_1").run_config("gd"))
    assert r.record_every(r.max_rows) == 1 and r.record_every(r.max_rows + 1) > 1


def test_a_divergence_in_a_sparse_call_ends_the_history_where_a_full_recording_does(small_budget):
    cfg = presets.get("lr-too-large").run_config("lr-1.1").with_overrides({"steps": 100_000})
    r, full = Run("sparse", cfg), full_run(cfg, 0)
    r.advance(50_000)
    full.advance(50_000)
    assert full.diverged_at is not None and r.diverged_at == full.diverged_at
    assert r.step == full.step
    np.testing.assert_array_equal(r.theta, full.theta)
    np.testing.assert_array_equal(r.state_at(r.step - 3).theta, full.theta_history[r.step - 3])


def test_an_interrupted_sparse_call_records_the_state_it_stopped_at(small_budget):
    import threading
    cfg = presets.get("opt4_7").run_config("mse")
    r = Run("sparse", cfg)
    flag = np.zeros(1, np.int64)
    threading.Timer(0.05, lambda: flag.__setitem__(0, 1)).start()
    done = r.advance(5_000_000, flag)
    assert 0 < done < 5_000_000 and r.step == done
    full = full_run(cfg, done)
    np.testing.assert_array_equal(r.theta, full.theta)
    np.testing.assert_array_equal(r.theta_history[-1], full.theta)
    np.testing.assert_array_equal(r.state_at(done - 1).theta, full.theta_history[done - 1])


def test_float32_runs_record_sparsely_too(small_budget):
    cfg = presets.get("opt4_1").run_config("momentum").with_overrides({"precision": "float32"})
    r = Run("sparse", cfg)
    r.advance(20_000)
    full = full_run(cfg, 20_000)
    steps = r.steps_history
    assert r.record_every(20_000) > 1 and len(steps) < 1000
    np.testing.assert_array_equal(r.theta_history, full.theta_history[steps])
    for k in (1, 6499, 6500, 13_333, 19_999):
        np.testing.assert_array_equal(r.state_at(k).theta, full.theta_history[k])
