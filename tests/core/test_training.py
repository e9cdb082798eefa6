"""Training runs against the numpy reference loop, the TF1 optimiser/schedule/EMA formulas,
the chapter's batches, divergence, and history rewinding."""
import math

import numpy as np

from tests.conftest import compared_steps
import pytest

from engine import presets, reference
from engine.config import Config
from engine.run import Comparison, Run
from engine.schedules import learning_rates


def _run(cfg, steps, label="r"):
    r = Run(label, cfg)
    r.advance(steps)
    return r


@pytest.mark.parametrize("name", ["opt4_1", "opt4_2", "opt4_3", "opt4_4", "opt4_5", "opt4_7", "opt4_8",
                                  "cross-entropy", "optimizer-zoo", "decay-stepped-vs-smooth"])
def test_every_preset_run_matches_the_numpy_reference(name):
    p = presets.get(name)
    for label in p.run_labels():
        cfg = p.run_config(label)
        r = _run(cfg, compared_steps(cfg), label)
        ref = reference.train(cfg, r.problem, r.theta0, r.step)
        np.testing.assert_allclose(r.theta_history, ref["theta"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(r.lr_history[1:], ref["lr"][1:], rtol=1e-15)
        np.testing.assert_allclose(r.batch_loss_history[1:], ref["batch_loss"][1:], rtol=1e-9, atol=1e-14)


def _quadratic(opt, **kw):
    return Config.from_dict({"data": {"name": "bowl"}, "init": {"start": [1.5, -0.5]},
                             "optimizer": {"name": opt, "lr": 0.05, **kw}})


def test_adam_first_updates_follow_the_tf1_formula():
    cfg = _quadratic("adam")
    r = _run(cfg, 3)
    th, m, v = np.array([1.5, -0.5]), np.zeros(2), np.zeros(2)
    for t in (1, 2, 3):
        g = np.array([2 * th[0], 20 * th[1]])
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        th = th - 0.05 * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * m / (np.sqrt(v) + 1e-8)
        np.testing.assert_allclose(r.theta_history[t], th, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(r.slots_history[3], np.stack([m, v]), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_follows_the_tf1_formula(nesterov):
    r = _run(_quadratic("momentum", momentum=0.9, nesterov=nesterov), 4)
    th, a = np.array([1.5, -0.5]), np.zeros(2)
    for t in range(1, 5):
        g = np.array([2 * th[0], 20 * th[1]])
        a = 0.9 * a + g
        th = th - (0.05 * (g + 0.9 * a) if nesterov else 0.05 * a)
        np.testing.assert_allclose(r.theta_history[t], th, rtol=1e-12, atol=1e-15)


def test_rmsprop_and_adagrad_follow_the_tf1_formulas():
    r = _run(_quadratic("rmsprop", rho=0.9, rms_momentum=0.5), 3)   # RMSProp's own momentum (TF1 default 0)
    th, ms, mom = np.array([1.5, -0.5]), np.ones(2), np.zeros(2)   # TF1 starts ms at 1
    for t in range(1, 4):
        g = np.array([2 * th[0], 20 * th[1]])
        ms = 0.9 * ms + 0.1 * g * g
        mom = 0.5 * mom + 0.05 * g / np.sqrt(ms + 1e-10)
        th = th - mom
        np.testing.assert_allclose(r.theta_history[t], th, rtol=1e-12, atol=1e-15)
    r = _run(_quadratic("adagrad"), 3)
    th, acc = np.array([1.5, -0.5]), np.full(2, 0.1)
    for t in range(1, 4):
        g = np.array([2 * th[0], 20 * th[1]])
        acc = acc + g * g
        th = th - 0.05 * g / np.sqrt(acc)
        np.testing.assert_allclose(r.theta_history[t], th, rtol=1e-12, atol=1e-15)


def test_opt4_5_update_k_uses_base_times_decay_to_k_minus_1():
    p = presets.get("opt4_5")
    r = _run(p.run_config("decay"), 40)
    k = np.arange(1, 41)
    np.testing.assert_allclose(r.lr_history[1:], 0.1 * 0.99 ** (k - 1), rtol=1e-12, atol=1e-15)
    w = 10.0
    for kk in range(1, 41):
        w = w - 0.1 * 0.99 ** (kk - 1) * 2 * (w + 1)
    assert r.theta[0] == pytest.approx(w, rel=1e-12)


def test_schedules_follow_the_tf1_definitions():
    cfg = Config.from_dict({"schedule": {"name": "exponential", "decay": 0.5, "decay_steps": 10,
                                         "staircase": True}, "optimizer": {"lr": 0.8}})
    s = np.array([0, 5, 9, 10, 19, 20, 25])
    np.testing.assert_allclose(learning_rates(0.8, cfg.schedule, s), 0.8 * 0.5 ** np.floor(s / 10))
    smooth = cfg.with_overrides({"schedule.staircase": False}).schedule
    np.testing.assert_allclose(learning_rates(0.8, smooth, s), 0.8 * 0.5 ** (s / 10))
    inv = cfg.with_overrides({"schedule.name": "inverse_time", "schedule.staircase": False}).schedule
    np.testing.assert_allclose(learning_rates(0.8, inv, s), 0.8 / (1 + 0.5 * s / 10))
    poly = cfg.with_overrides({"schedule.name": "polynomial", "schedule.end_lr": 0.1,
                               "schedule.power": 2.0}).schedule
    np.testing.assert_allclose(learning_rates(0.8, poly, s),
                               (0.8 - 0.1) * (1 - np.minimum(s, 10) / 10) ** 2 + 0.1)
    cyc = cfg.with_overrides({"schedule.name": "polynomial", "schedule.end_lr": 0.1, "schedule.cycle": True}).schedule
    steps = np.array([0, 5, 10, 15, 20])
    ds = 10 * np.maximum(np.ceil(steps / 10), 1)
    np.testing.assert_allclose(learning_rates(0.8, cyc, steps), 0.7 * (1 - steps / ds) + 0.1)
    cos = cfg.with_overrides({"schedule.name": "cosine", "schedule.alpha": 0.2}).schedule
    c = 0.5 * (1 + np.cos(np.pi * np.minimum(s, 10) / 10))
    np.testing.assert_allclose(learning_rates(0.8, cos, s), 0.8 * (0.8 * c + 0.2))
    pw = cfg.with_overrides({"schedule.name": "piecewise", "schedule.boundaries": [5, 10],
                             "schedule.values": [1.0, 0.5, 0.1]}).schedule
    np.testing.assert_allclose(learning_rates(0.8, pw, np.array([0, 5, 6, 10, 11])), [1, 1, 0.5, 0.5, 0.1])


def test_as_shipped_opt4_8_never_decays():
    p = presets.get("opt4_8")
    r = _run(p.run_config("as-shipped"), 100)
    assert np.all(r.lr_history[1:] == 0.001)
    d = _run(p.run_config("decaying"), 100)
    np.testing.assert_allclose(d.lr_history[1:], 0.001 * 0.999 ** np.floor(np.arange(100) / 10))


def test_ema_in_training_follows_tf_formula():
    cfg = Config.from_dict({"model": {"hidden": [], "bias": False}, "init": {"start": [0.3, -0.2]},
                            "ema": {"enabled": True, "decay": 0.99}, "optimizer": {"lr": 0.1}})
    r = _run(cfg, 50)
    shadow = np.array([0.3, -0.2])
    for k in range(1, 51):
        d = min(0.99, (1 + k) / (10 + k))
        shadow = shadow - (shadow - r.theta_history[k]) * (1 - d)
        np.testing.assert_allclose(r.ema_history[k], shadow, rtol=1e-13)


def test_opt4_6_sequence():
    from engine.ema import run_script
    p = presets.get("opt4_6")
    seq, demo = run_script([list(op) for op in p.script], 0.99, True)
    shadows = [s for _, s in seq]
    np.testing.assert_allclose(shadows[:4], [0, 0.9, 1.6445453, 2.3281732], rtol=1e-6)
    assert len(seq) == 9 and seq[-1][0] == 10


def test_batches_follow_the_chapter_including_a_short_last_batch():
    cfg = Config.from_dict({"data": {"name": "circle"}, "model": {"hidden": [3]}, "batch": 7,
                            "optimizer": {"name": "adam", "lr": 0.01}, "init": {"seed": 5}})
    r = _run(cfg, 90)  # 300 = 42·7 + 6: update 43 sees a batch of 6 rows
    ref = reference.train(cfg, r.problem, r.theta0, 90)
    np.testing.assert_allclose(r.theta_history, ref["theta"], rtol=1e-10, atol=1e-13)


def test_divergence_stops_the_run_and_keeps_history_finite():
    cfg = presets.get("opt4_4").run_config("lr-1").with_overrides({"optimizer.lr": 5000.0})
    r = _run(cfg, 200)
    assert r.diverged_at is not None and r.diverged_at == r.step + 1
    assert np.all(np.isfinite(r.theta_history)) and np.all(np.isfinite(r.theta))
    assert np.all(np.isfinite(r.losses()))
    assert r.advance(5) == 0 and r.diverged_at < 200


def test_rewinding_and_continuing_is_deterministic():
    cfg = presets.get("opt4_7").run_config("l2")
    a = _run(cfg, 200)
    b = _run(cfg, 120)
    b.truncate(50)
    assert b.step == 50
    b.advance(150)
    np.testing.assert_array_equal(a.theta_history, b.theta_history)
    np.testing.assert_array_equal(a.slots_history, b.slots_history)


def test_rate_change_applies_from_the_current_step():
    cfg = presets.get("opt4_1").run_config("gd")
    r = _run(cfg, 10)
    r.set_config(cfg.with_overrides({"optimizer.lr": 0.01}))
    r.advance(5)
    assert np.all(r.lr_history[1:11] == 0.001) and np.all(r.lr_history[11:] == 0.01)


def test_lazy_full_data_loss_matches_direct_evaluation():
    r = _run(presets.get("opt4_7").run_config("mse"), 100)
    steps = np.array([0, 10, 99, 100])
    direct = [np.mean((reference.act("identity", _forward(r, th)) - r.problem.Y) ** 2)
              for th in r.theta_history[steps]]
    np.testing.assert_allclose(r.losses(steps), direct, rtol=1e-12)


def _forward(r, theta):
    Ws, bs = reference.unpack(theta, r.problem.layout)
    h = np.maximum(r.problem.X @ Ws[0] + bs[0], 0)
    return h @ Ws[1] + bs[1]


def test_opt4_1_reproduces_the_chapter():
    p = presets.get("opt4_1")
    c = Comparison(p.name, p.config, list(p.runs))
    c.advance(20000)
    gd, mom, adam = c.runs
    np.testing.assert_allclose(gd.theta, [0.98019385, 1.0159807], atol=1e-5)
    ls = gd.problem.least_squares()
    dist = lambda r: np.linalg.norm(r.theta_history - ls, axis=1)
    assert dist(gd)[-1] > 0.02                       # GD has not converged after 20000 steps
    assert np.argmax(dist(mom) < 1e-3) < 6500        # Momentum settles long before
    assert dist(adam)[-1] < 1e-4                     # Adam also does well


@pytest.mark.parametrize("name,sign", [("opt4_2", 1), ("opt4_3", -1)])
def test_custom_loss_pushes_predictions(name, sign):
    p = presets.get(name)
    r = _run(p.run_config("custom"), 20000)
    bias = np.mean(r.problem.X @ r.theta - r.problem.Y[:, 0])
    assert sign * bias > 0.01


def test_long_runs_thin_older_history_and_keep_recent_steps(monkeypatch):
    import engine.run as R
    monkeypatch.setattr(R, "HISTORY_BYTES", 1)        # the budget falls to MIN_ROWS rows
    monkeypatch.setattr(R, "MIN_ROWS", 1000)
    cfg = presets.get("opt4_1").run_config("adam")
    r = Run("r", cfg)
    for _ in range(40):                                # a window's calls: each fits the history
        r.advance(500)
    full = _run(cfg.with_overrides({}), 0)
    assert r.step == 20000 and r.thinned and len(r.steps_history) <= 1000
    steps = r.steps_history
    assert steps[0] == 0 and np.all(np.diff(steps) > 0)
    d = np.diff(steps)
    assert np.all(d[-500:] == 1)                       # the recent stretch at full resolution
    assert np.all(np.diff(d) <= 0)                     # older is sparser, never denser
    stride = d[0]
    assert stride > 1 and np.all(steps[steps < steps[-1] - 750] % stride == 0)  # evenly thinned
    ref = reference.train(cfg, full.problem, full.theta0, 20000)
    np.testing.assert_allclose(r.theta_history, ref["theta"][steps], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(r.theta, ref["theta"][-1], rtol=1e-9)
    assert 12345 not in set(steps.tolist())
    r.truncate(12345)                                  # back to a thinned-away step: replayed to it
    assert r.step == 12345
    np.testing.assert_allclose(r.theta, ref["theta"][12345], rtol=1e-9)
    r.advance(20000 - r.step)
    np.testing.assert_allclose(r.theta, ref["theta"][-1], rtol=1e-9)


def test_advance_without_thinning_stops_at_a_full_history_and_an_interrupt_stops_before_thinning(monkeypatch):
    import engine.run as R
    monkeypatch.setattr(R, "HISTORY_BYTES", 1)        # the budget falls to MIN_ROWS rows
    monkeypatch.setattr(R, "MIN_ROWS", 1000)
    cfg = presets.get("opt4_1").run_config("momentum")
    r = _run(cfg, 900)
    assert r.advance(500, thin=False) == 99             # rows 0..999: full, not thinned
    assert r.step == 999 and not r.thinned and len(r.steps_history) == 1000
    assert r.advance(10, thin=False) == 0
    assert r.advance(10, interrupt=np.ones(1, np.int64)) == 0 and not r.thinned
    assert r.advance(10) == 10 and r.thinned            # thinning allowed: it goes on
    ref = _run(cfg, 1009)
    np.testing.assert_array_equal(r.theta, ref.theta)   # stopping and resuming changes nothing
