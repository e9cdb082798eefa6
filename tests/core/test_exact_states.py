"""Exact at every step: a run keeps only part of its history once it is long, yet the state after
any k updates (θ, slots, EMA θ, the update's rate and batch loss) is the one a run of exactly k
updates reaches, bit for bit (engine.replay), also after a rewind and across setting changes."""


import numpy as np
import pytest

from engine import presets as P
from engine.at_steps import check_reach, parse_at, states_at
from engine.config import ConfigError
from engine.run import Comparison


def _run(preset, label, history_bytes=None, **over):
    pre = P.get(preset)
    cfg = pre.config.with_overrides(over) if over else pre.config
    return Comparison(pre.name, cfg, [r for r in pre.runs if r[0] == label], history_bytes).runs[0]


def _same(state, run):
    assert state.step == run.step
    assert np.array_equal(state.theta, run.theta)
    assert np.array_equal(state.slots, run.slots)
    if state.ema is not None:
        assert np.array_equal(state.ema, run.ema)
    assert state.lr == run.lr_history[-1] and state.batch_loss == run.batch_loss_history[-1]


CASES = [("opt4_7", "l2", {}), ("opt4_1", "momentum", {}), ("opt4_8", "decaying", {"ema.enabled": True}),
         ("opt4_1", "adam", {"precision": "float32"})]


@pytest.mark.parametrize("preset,label,over", CASES, ids=lambda c: str(c))
def test_scrubbing_far_past_the_kept_rows_is_a_direct_run(preset, label, over):
    long = _run(preset, label, 100_000, **over)
    long.advance(30_000)
    assert long.thinned and long.thin_stride >= 16
    for k in np.random.default_rng(7).integers(1, 30_000, 4):
        kept = set(long.steps_history.tolist())
        direct = _run(preset, label, **over)
        direct.advance(int(k))
        state = long.state_at(int(k))
        _same(state, direct)
    assert any(int(k) not in kept for k in np.random.default_rng(7).integers(1, 30_000, 4))


def test_replay_follows_setting_changes_and_rewinds_exactly():
    """An edit that applies from the current step (the rate, then the optimiser) is replayed with
    the settings of its time; a rewind to a thinned-away step lands on the exact state."""
    def scripted(history_bytes=None, upto=12_000):
        run = _run("opt4_1", "gd", history_bytes)
        for at, over in ((4_000, {"optimizer.lr": 0.003}), (8_000, {"optimizer.name": "adam"})):
            if run.step < at:
                run.advance(min(at, upto) - run.step)
            if run.step == at:
                run.set_config(run.config.with_overrides(over))
        run.advance(upto - run.step)
        return run
    long = scripted(60_000)
    assert long.thinned
    for k in (3_999, 4_001, 6_123, 8_000, 9_877, 12_000):
        _same(long.state_at(k), scripted(upto=k))
    long.truncate(6_123)              # back before the switch to Adam, which starts again from here
    at = scripted(upto=6_123)
    assert np.array_equal(long.theta, at.theta) and long.t0 == 6_123 and not long.slots.any()
    long.advance(12_000 - 6_123)
    at.set_config(long.config)        # a run that switched to Adam at 6 123
    at.advance(12_000 - 6_123)
    assert np.array_equal(long.theta, at.theta) and np.array_equal(long.slots, at.slots)


def test_at_a_million_steps_of_opt4_7_is_exact():
    long = _run("opt4_7", "l2")
    long.advance(1_000_000)
    assert long.thinned
    k = 999_937
    direct = _run("opt4_7", "l2")
    direct.advance(k)
    (entry,) = states_at(long, [k])
    assert entry["params"] == direct.theta.tolist()
    assert entry["slots"]["m"] == direct.slots[0].tolist() and entry["slots"]["v"] == direct.slots[1].tolist()
    assert entry["lr"] == direct.lr_history[-1]


def test_parse_at():
    assert parse_at("0:2000:500") == [0, 500, 1000, 1500, 2000]
    assert parse_at("7, 3,3,0:4:2") == [0, 2, 3, 4, 7]
    for bad in ("", "1,,2", "a", "-5", "5:1:1", "0:10:0", "1:2", "0:10000000:1"):
        with pytest.raises(ConfigError):
            parse_at(bad)
    with pytest.raises(ConfigError, match="past the run's 100 steps"):
        check_reach([5, 101], 100)


def test_states_at_names_slots_and_describes_the_update():
    run = _run("opt4_1", "adam")
    run.advance(10)
    first, last = states_at(run, [0, 10])
    assert first["lr"] is None and set(first["slots"]) == {"m", "v"}
    assert last["lr"] == 0.001 and last["params"] == run.theta.tolist()
    assert last["loss"] == pytest.approx(float(run.losses([10])[0]))
    with pytest.raises(ValueError):
        run.state_at(11)



def test_exact_losses_and_penalties_at_thinned_away_steps():
    long = _run("opt4_7", "l2", 100_000)
    long.advance(20_000)
    k = next(s for s in range(12_001, 13_000) if s not in set(long.steps_history.tolist()))
    direct = _run("opt4_7", "l2")
    direct.advance(k)
    assert long.losses([k], exact=True)[0] == direct.losses([k])[0]
    assert long.penalties([k], exact=True)[0] == direct.penalties([k])[0]
    assert long.losses([k])[0] != direct.losses([k])[0]      # (the nearest kept row is another state)
