"""engine.results against independent numpy computations: θ* against numpy.linalg.lstsq (and the
ridge solution against a stacked least-squares system and a zero gradient of the engine's own
loss + penalty), the "steps until" figures against a brute-force scan of every step of a direct
run — also for a run whose history is thinned — and the other columns against their sources."""
import json

import numpy as np
import pytest

from engine import presets as P
from engine.results import REL, TOL, as_dict, known_minimum, run_result, snapshot
from engine.run import Comparison, Run


def opt4_1_runs(steps, history_bytes=1 << 30):
    pr = P.get("opt4_1")
    comp = Comparison("opt4_1", pr.config, list(pr.runs), history_bytes)
    for r in comp.runs:
        r.advance(steps)
    return comp.runs


def brute_steps_to_tol(thetas, star, tol=TOL):
    """First step from which every later θ is within tol of θ* (None when the last is not)."""
    d = np.max(np.abs(thetas - star), axis=1)
    if not d[-1] < tol:
        return None
    first = len(d)
    for k in range(len(d) - 1, -1, -1):
        if not d[k] < tol:
            break
        first = k
    return first


def brute_plateau(losses, rel=REL):
    n = len(losses)
    for k in range(n):
        best = losses[k:].min()
        if losses[k] - best <= rel * abs(best):
            return None if k == n - 1 and k > 0 else k
    raise AssertionError("the last step always qualifies")


def numpy_mse(run, thetas):
    """mean((X w − y)²) for opt4_1's linear model without bias, by plain numpy."""
    X, Y = run.problem.X, run.problem.Y
    return np.mean((thetas @ X.T - Y[:, 0]) ** 2, axis=1)


def test_opt4_1_theta_star_is_the_least_squares_solution():
    runs = opt4_1_runs(0)
    X, Y = runs[0].problem.X, runs[0].problem.Y
    expect = np.linalg.lstsq(X, Y, rcond=None)[0].ravel()
    for r in runs:
        star, how = known_minimum(r)
        np.testing.assert_allclose(star, expect, rtol=0, atol=1e-13)
        assert how == "least squares"
    np.testing.assert_allclose(expect, [1.0043086, 0.9948288], atol=1e-7)


@pytest.mark.parametrize("bias", [False, True])
def test_ridge_theta_star_zeroes_the_engines_loss_plus_penalty(bias):
    pr = P.get("opt4_1")
    lam = 0.05
    cfg = pr.config.with_overrides({"reg.kind": "l2", "reg.lam": lam, "model.bias": bias,
                                    "init.start": [0.1, 0.2, 0.3] if bias else [0.1, 0.2]})
    run = Run("ridge", cfg)
    star, how = known_minimum(run)
    assert how == "ridge least squares (λ = 0.05)"
    X, Y = run.problem.X, run.problem.Y
    n = X.shape[0]
    # min (1/n)‖Aθ − y‖² + λ/2‖w‖²  ⇔  least squares of [A; √(nλ/2)·D] θ ≈ [y; 0] (D: weights only)
    A = np.hstack([X, np.ones((n, 1))]) if bias else X
    D = np.diag([1.0, 1.0] + ([0.0] if bias else []))
    stacked = np.linalg.lstsq(np.vstack([A, np.sqrt(n * lam / 2) * D]),
                              np.concatenate([Y[:, 0], np.zeros(A.shape[1])]), rcond=None)[0]
    np.testing.assert_allclose(star, stacked, atol=1e-12)
    # the engine's own loss with its penalty is flat there (central differences)
    h = 1e-6
    for i in range(star.size):
        e = np.zeros(star.size)
        e[i] = h
        g = (run.evaluate(star + e, with_penalty=True)[0] - run.evaluate(star - e, with_penalty=True)[0]) / (2 * h)
        assert abs(g) < 1e-8
    assert run.evaluate(star, with_penalty=True)[0] < run.evaluate(star + 1e-3, with_penalty=True)[0]


def test_theta_star_is_unknown_or_the_objectives_minimum():
    pr = P.get("opt4_7")
    comp = Comparison("opt4_7", pr.config, list(pr.runs))
    assert all(known_minimum(r) == (None, "") for r in comp.runs)          # a hidden layer
    zoo = P.get("optimizer-zoo")
    comp = Comparison("zoo", zoo.config, list(zoo.runs))
    star, how = known_minimum(comp.runs[0])
    np.testing.assert_array_equal(star, [1.0, 1.0])
    assert how == "known minimum of rosenbrock"
    custom = Run("c", P.get("opt4_2").config)                                # not mse
    assert known_minimum(custom) == (None, "")
    l1 = Run("l1", P.get("opt4_1").config.with_overrides({"reg.kind": "l1", "reg.lam": 0.01}))
    assert known_minimum(l1) == (None, "")


def test_opt4_1_steps_until_close_and_until_flat_equal_a_brute_force_scan():
    runs = opt4_1_runs(20000)
    star = np.linalg.lstsq(runs[0].problem.X, runs[0].problem.Y, rcond=None)[0].ravel()
    got = {}
    for r in runs:
        assert not r.thinned and r.step == 20000
        res = run_result(r)
        thetas = r.theta_history
        assert res.steps_to_tol == brute_steps_to_tol(thetas, star)
        assert res.plateau_at == brute_plateau(numpy_mse(r, thetas))
        assert res.distance == pytest.approx(np.max(np.abs(thetas[-1] - star)), abs=1e-15)
        assert res.exact
        got[r.label] = res
    # the chapter: GD has not converged after 20000 steps; Momentum and Adam have
    assert got["gd"].steps_to_tol is None and got["gd"].distance > 0.01
    assert got["momentum"].steps_to_tol == 3547 and got["adam"].steps_to_tol == 5965
    assert got["momentum"].steps_to_tol < got["adam"].steps_to_tol


def test_a_thinned_long_run_gives_the_same_steps_as_a_direct_run():
    thin = opt4_1_runs(150_000, history_bytes=1)            # 4096 rows: every 256th step kept in its older part
    full = opt4_1_runs(150_000)
    star = known_minimum(full[0])[0]
    for t, f in zip(thin, full):
        assert t.thinned and t.thin_stride >= 64 and not f.thinned
        np.testing.assert_array_equal(t.theta, f.theta)
        res = run_result(t)
        direct = run_result(f)
        assert res.exact and direct.exact
        assert res.steps_to_tol == brute_steps_to_tol(f.theta_history, star) == direct.steps_to_tol
        assert res.plateau_at == brute_plateau(f.losses()) == direct.plateau_at
        assert res.steps_to_tol not in set(t.steps_history.tolist())    # it lies in a thinned gap: replayed
        coarse = run_result(t, budget=0)                      # kept rows only: the nearest kept step after
        assert not coarse.exact
        assert coarse.steps_to_tol in set(t.steps_history.tolist()) and coarse.steps_to_tol >= res.steps_to_tol
    assert {r.label: run_result(r).steps_to_tol for r in thin}["gd"] == 36075


def test_losses_timing_and_divergence_columns():
    pr = P.get("opt4_7")
    comp = Comparison("opt4_7", pr.config.with_overrides({"ema.enabled": True, "ema.decay": 0.99}),
                      list(pr.runs))
    for r in comp.runs:
        r.advance(300)
        res = run_result(r)
        k = r.step
        assert res.steps == 300 and res.loss == r.losses([k])[0]
        assert res.ema_loss == r.evaluate(r.ema)[0]
        w = r.theta[r.problem.layout.weight_mask]
        if r.label == "l2":
            assert res.total_loss == pytest.approx(res.loss + 0.5 * 0.01 * np.sum(w * w), rel=1e-12)
        else:
            assert res.total_loss is None
        assert res.us_per_step == pytest.approx(r.engine_seconds / 300 * 1e6)
        assert res.theta_star is None and res.steps_to_tol is None and res.diverged_at is None
    blow = Comparison("lr", P.get("lr-too-large").config, list(P.get("lr-too-large").runs))
    for r in blow.runs:
        r.advance(60)
    res = {r.label: run_result(r) for r in blow.runs}
    assert res["lr-1000"].diverged_at == blow.run("lr-1000").diverged_at is not None
    assert res["lr-1"].diverged_at is None
    json.dumps(as_dict(res["lr-1000"]), allow_nan=False)


def test_a_snapshot_keeps_its_results_when_the_run_trains_on():
    run = opt4_1_runs(4000)[1]
    snap = snapshot(run)
    before = run_result(snap)
    run.advance(4000)
    again = run_result(snap)
    assert as_dict(again) == as_dict(before) and before.steps == 4000
    assert run_result(run).steps == 8000 and snap.step == 4000


def _cli(*args):
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, str(root / "main.py"), *args], capture_output=True, text=True,
                          cwd=root, timeout=300)


def test_run_results_json_has_the_engines_rows_and_export_view_results_writes_them(tmp_path):
    res = _cli("run", "--preset", "opt4_1", "--results", "--json")
    assert res.returncode == 0, res.stderr
    got = [r["results"] for r in json.loads(res.stdout)["runs"]]
    want = [as_dict(run_result(r)) for r in opt4_1_runs(20000)]
    for g, w in zip(got, want):       # (the CLI may train with the fixed kernel: last bits may differ)
        assert g.pop("us_per_step") > 0 and w.pop("us_per_step") > 0
        assert g.keys() == w.keys()
        for key in g:
            if isinstance(w[key], float):
                assert g[key] == pytest.approx(w[key], rel=1e-9), key
            elif key == "theta_star":
                np.testing.assert_allclose(g[key], w[key], rtol=1e-12)
            else:
                assert g[key] == w[key], key
    assert [g["steps_to_tol"] for g in got] == [None, 3547, 5965]
    assert "results" not in json.loads(_cli("run", "--preset", "opt4_4", "--json").stdout)["runs"][0]
    text = _cli("run", "--preset", "opt4_1", "--run", "momentum", "--results").stdout
    assert "‖θ − θ*‖∞ < 0.001 from step 3547" in text and "loss stops falling at step 4907" in text
    out = tmp_path / "r.csv"
    res = _cli("export", "--preset", "opt4_1", "--view", "results", "--steps", "8000", "--out", str(out))
    assert res.returncode == 0 and res.stdout.strip() == str(out), res.stderr
    import csv
    with open(out, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["label"], r["steps"], r["steps_to_tol"]) for r in rows] == \
        [("gd", "8000", ""), ("momentum", "8000", "3547"), ("adam", "8000", "5965")]
    assert float(rows[1]["loss"]) == pytest.approx(run_result(opt4_1_runs(8000)[1]).loss, rel=1e-9)
    bad = _cli("export", "--preset", "opt4_1", "--view", "results", "--out", str(tmp_path / "r.png"))
    assert bad.returncode == 2 and "ending in .csv" in bad.stderr and not (tmp_path / "r.png").exists()
