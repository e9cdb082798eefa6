"""Slow motion (engine.phases): every phase's numbers are the engine's own — the recomputed update
k+1 equals the state the run recorded after k+1 updates (θ, slots, EMA, rate, batch loss), for
each optimiser with L2 and EMA on — and the live formulas show those numbers as displayed.

Tolerance: the kernel is compiled with fastmath (reassoc, contract, arcp), so bit equality with
the registry's numpy update is not promised; what holds is |recomputed − recorded| ≤ 1e-12 × the
array's largest entry (seen: ≤ 3e-16).  The rate and batch loss come out equal."""
import numpy as np
import pytest

from engine import presets
from engine.phase_text import STATE_DIGITS, fmt
from engine.phases import ERROR_TEMPLATES, NOTE_TEMPLATES, TITLES, phases
from engine.run import Run

TOL = 1e-12
CASES = [("gd", {}), ("momentum", {}), ("momentum", {"optimizer.nesterov": True}), ("adam", {}),
         ("rmsprop", {}), ("rmsprop", {"optimizer.centered": True, "optimizer.rms_momentum": 0.5}),
         ("adagrad", {}), ("adadelta", {"optimizer.lr": 1.0})]


def config(name: str, extra: dict):
    """opt4_7's 2-11-1 net with L2 (λ = 0.01), EMA on and a decaying rate: every phase shows."""
    base = presets.get("opt4_7").run_config("l2")
    return base.with_overrides({"optimizer.name": name, "optimizer.lr": 0.01, "ema.enabled": True,
                                "ema.decay": 0.99, "schedule.name": "exponential", "schedule.decay": 0.96,
                                "schedule.decay_steps": 5.0, **extra})


def close(a, b) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    if b.size:
        np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL * float(np.max(np.abs(b))))


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c[0] + ("+" + "+".join(c[1]) if c[1] else ""))
def trained(request):
    name, extra = request.param
    run = Run(name, config(name, extra))
    run.advance(40)
    assert run.step == 40 and not run.thinned
    return run


@pytest.mark.parametrize("k", [0, 1, 17, 39])
def test_the_phases_end_where_the_run_recorded_update_k_plus_1(trained, k):
    run = trained
    p = 5 if run.problem.layout.size > 5 else 0
    u = phases(run, k, p)
    r1 = k + 1
    close(u.after["theta"], run.theta_history[r1])
    close(u.after["slots"], run.slots_history[r1])
    close(u.after["ema"], run.ema_history[r1])
    assert u.after["lr"] == run.lr_history[r1]
    assert u.after["loss"] == pytest.approx(run.batch_loss_history[r1], rel=1e-14)
    assert u.record_error <= TOL
    close(u.before["theta"], run.theta_history[k])
    # each phase's own vectors
    close(u.phase("theta").values["theta"], run.theta_history[r1])
    close(u.phase("update").values["delta"] + run.theta_history[k], run.theta_history[r1])
    close(u.phase("ema").values["ema"], run.ema_history[r1])
    if run.slots_history.shape[1]:
        close(u.phase("slots").values["slots_after"], run.slots_history[r1])
        close(u.phase("slots").values["slots_before"], run.slots_history[k])
    assert u.phase("lr").values["lr"] == run.lr_history[r1]
    close(u.phase("reg").values["grad"], run.batch_gradient(k))


def test_the_live_formulas_show_the_recorded_numbers(trained):
    run, k, p = trained, 12, 7
    u = phases(run, k, p)
    name = run.problem.layout.names[p]
    keys = u.keys
    assert keys[:3] == ["batch", "forward", "gradient"] and "reg" in keys and keys[-1] == "ema"
    assert keys.index("lr") < keys.index("update") < keys.index("theta") < keys.index("ema")
    assert ("slots" in keys) == (run.config.optimizer.name != "gd")
    th0, th1 = run.theta_history[k][p], run.theta_history[k + 1][p]
    theta = u.phase("theta").live
    assert theta.startswith(f"{name} ← {name} − ")
    assert f"= {fmt(th0, STATE_DIGITS)} − " in theta and theta.split("\n")[0].endswith(f"= {fmt(th1, STATE_DIGITS)}")
    assert f"= {fmt(th1 - th0)}" in u.phase("update").live
    assert fmt(run.lr_history[k + 1]) in u.phase("lr").live
    base = fmt(run.config.optimizer.lr)
    assert u.phase("lr").live.startswith(f"lr = base · decay^(step / decay_steps) = {base} × 0.96^(12/5) = ")
    assert f"= {fmt(run.batch_loss_history[k + 1])}" in u.phase("forward").live
    g = run.batch_gradient(k)[p]
    assert u.phase("reg").live.split("\n")[0].endswith(f"= {fmt(g)}")
    assert f"‖g‖ = {fmt(np.linalg.norm(run.batch_gradient(k)))}" in u.phase("reg").live
    ema = u.phase("ema").live
    assert ema.split("\n")[1].endswith(f"= {fmt(run.ema_history[k + 1][p], STATE_DIGITS)}")
    assert f"min(0.99, {k + 2}/{k + 11})" in ema
    if "slots" in keys:
        slots = u.phase("slots").live.split("\n")
        for i, value in enumerate(run.slots_history[k + 1][:, p]):
            if any(s.endswith(f"= {fmt(value)}") for s in slots):
                continue
            assert run.config.optimizer.name == "rmsprop" and i == 2      # mg: centered only
    r0 = (k * run.config.batch) % run.problem.n
    assert u.phase("batch").values["rows"] == (r0, r0 + run.config.batch)
    fwd = u.phase("forward").values
    assert fwd["rows"] == (r0, r0 + run.config.batch)
    np.testing.assert_array_equal(fwd["X"], run.problem.X[r0:r0 + run.config.batch])
    np.testing.assert_array_equal(fwd["target"], run.problem.Y[r0:r0 + run.config.batch])
    assert u.header[0].format(**u.header[1]) == f"update {k + 1}: step {k} → step {k + 1}"


def test_the_update_at_the_head_is_shown_before_it_is_applied():
    run = Run("adam", config("adam", {}))
    run.advance(9)
    u = phases(run, 9, 3)            # update 10 is not applied yet
    assert u.recorded is None
    run.advance(1)
    close(u.after["theta"], run.theta_history[10])
    close(u.after["slots"], run.slots_history[10])
    close(u.after["ema"], run.ema_history[10])
    assert u.after["lr"] == run.lr_history[10]


def test_adams_t_counts_from_an_optimiser_change():
    cfg = config("momentum", {})
    run = Run("switch", cfg)
    run.advance(6)
    run.set_config(cfg.with_overrides({"optimizer.name": "adam"}))
    run.advance(5)
    u = phases(run, 8, 0)
    assert u.phase("slots").values["t"] == 3
    assert u.record_error <= TOL
    with pytest.raises(ValueError, match="before the optimiser changed"):
        phases(run, 3, 0)


def test_an_objective_and_a_bias_parameter():
    run = Run("adam", presets.get("saddle").run_config("adam"))
    run.advance(5)
    u = phases(run, 2, 1)
    assert "batch" not in u.keys and u.record_error <= TOL
    net = Run("b", config("gd", {}))
    net.advance(3)
    names = net.problem.layout.names
    b = names.index("b1[0]")
    u = phases(net, 1, b)
    assert u.phase("reg").notes[0][1] == {"name": "b1[0]"}
    assert u.phase("reg").values["term"] == 0.0


def test_titles_and_notes_are_translated():
    import json

    from engine import resources
    table = {}
    for path in sorted(resources.folder("i18n").glob("zh*.json")):
        table.update(json.loads(path.read_text(encoding="utf-8")))
    missing = [t for t in list(TITLES.values()) + list(NOTE_TEMPLATES) + list(ERROR_TEMPLATES) if t not in table]
    assert not missing


def test_phases_of_a_step_the_history_thinned_away():
    """Far into a long run the history keeps every n-th step; the update is recomputed from the
    exact state there (Run.state_at) and ends at the exact state after it."""
    run = Run("adam", config("adam", {}), history_bytes=200_000)
    run.advance(20_000)
    assert run.thinned
    k = next(s for s in range(5_001, 6_000) if s not in set(run.steps_history.tolist()))
    u = phases(run, k, 3)
    direct = Run("adam", config("adam", {}))
    direct.advance(k + 1)
    close(u.before["theta"], direct.theta_history[k])
    close(u.after["theta"], direct.theta)
    close(u.after["slots"], direct.slots)
    assert u.record_error <= TOL
