"""The numpy twin of the kernels (what the window trains and draws with before the numba kernels
are compiled) against the numpy reference and the compiled kernels: every preset, every loss ×
activation × regulariser, the objectives, divergence, interrupts, and a run that switches from
numpy to the compiled kernel mid-run keeps its history and continues as a compiled run does."""
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.conftest import compared_steps
import pytest

from engine import backend, kernels as K, numpy_kernels as N, presets, reference
from engine.config import Config
from engine.model import Problem
from engine.run import Run
from engine.surface import exact_plane, grid_gradients, grid_losses, random_plane

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ("theta_history", "slots_history", "lr_history", "batch_loss_history", "batch_loss_sums",
           "steps_history")


CASES = [(loss, act, out, reg)
         for act in ("relu", "sigmoid", "tanh", "identity", "leaky_relu", "softplus")
         for loss, out in (("mse", "identity"), ("custom", "identity"), ("ce", "sigmoid"))
         for reg in ("none", "l2", "l1")]


def _config(loss, act, output, reg, data="circle"):
    return Config.from_dict({"data": {"name": data}, "model": {"hidden": [4], "activation": act,
                             "output": output, "bias": True},
                             "loss": {"name": loss, "cost": 2.0, "profit": 5.0, "reduction": "sum"},
                             "reg": {"kind": reg, "lam": 0.03}, "batch": 7,
                             "init": {"seed": 4, "stddev": 0.8, "bias": 0.1}})


@pytest.fixture
def numpy_engine():
    backend.serve_numpy()
    yield
    backend.serve_compiled()


def _pair(cfg, steps, label="r"):
    """The same run trained by the compiled generic kernel and by numpy."""
    compiled, twin = Run(label, cfg), Run(label, cfg)
    compiled.fixed_kernels = False
    compiled.advance(steps)
    backend.serve_numpy()
    try:
        twin.advance(steps)
    finally:
        backend.serve_compiled()
    return compiled, twin


def _same_history(a, b, rtol=1e-10, atol=1e-13):
    assert a.step == b.step and a.diverged_at == b.diverged_at
    for name in HISTORY:
        np.testing.assert_allclose(getattr(b, name), getattr(a, name), rtol=rtol, atol=atol, err_msg=name)
    if a.ema_history is not None:
        np.testing.assert_allclose(b.ema_history, a.ema_history, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", [n for n, p in presets.all_presets().items() if p.kind == "race"])
def test_every_preset_trains_as_the_compiled_kernel_and_the_reference(name):
    p = presets.get(name)
    for label in p.run_labels():
        cfg = p.run_config(label)
        compiled, twin = _pair(cfg, compared_steps(cfg), label)
        _same_history(compiled, twin)
        if cfg.schedule.name in ("constant", "exponential"):
            ref = reference.train(cfg, twin.problem, twin.theta0, twin.step)
            np.testing.assert_allclose(twin.theta_history, ref["theta"], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(twin.batch_loss_history[1:], ref["batch_loss"][1:], rtol=1e-9, atol=1e-14)


def test_losses_gradients_and_outputs_match_the_compiled_kernels():
    for loss, act, output, reg in CASES + [("softmax_ce", "tanh", "identity", "l2")]:
        cfg = _config(loss, act, output, reg, "blobs3" if loss == "softmax_ce" else "circle")
        problem = Problem(cfg)
        spec = problem.spec(cfg)
        rng = np.random.RandomState(1)
        thetas = problem.initial_theta(cfg) + 0.3 * rng.randn(5, problem.layout.size)
        for rows in ((13, 20), (0, problem.n)):
            for pen in (False, True):
                got, want = np.empty(5), np.empty(5)
                N.losses_at(thetas, problem.data, rows, spec, pen, got)
                K.losses_at(thetas, problem.data, rows, spec, pen, want)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, err_msg=(loss, act, reg))
                got, want = np.empty_like(thetas), np.empty_like(thetas)
                N.grads_at(thetas, problem.data, rows, spec, pen, got)
                K.grads_at(thetas, problem.data, rows, spec, pen, want)
                np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13, err_msg=(loss, act, reg))
        XT = np.ascontiguousarray(rng.randn(2, 150) * 2)
        C = problem.layout.sizes[-1]
        got, want = np.empty((150, C)), np.empty((150, C))
        N.outputs_at(thetas[0], XT, spec, got)
        K.outputs_at(thetas[0], XT, spec, want)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("data", ["wplus1", "bowl", "rosenbrock", "beale", "saddle"])
def test_objective_surfaces_match(data):
    cfg = Config.from_dict({"data": {"name": data}, "reg": {"kind": "l2", "lam": 0.1}})
    problem = Problem(cfg)
    spec = problem.spec(cfg)
    thetas = np.random.RandomState(2).randn(40, problem.layout.size) * 2
    for fn, shape in ((N.losses_at, (40,)), (N.grads_at, thetas.shape)):
        got, want = np.empty(shape), np.empty(shape)
        fn(thetas, problem.data, (0, 0), spec, True, got)
        getattr(K, fn.__name__)(thetas, problem.data, (0, 0), spec, True, want)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_a_surface_grid_blocks_over_many_points(numpy_engine, monkeypatch):
    monkeypatch.setattr(N, "CELLS", 5000)          # several blocks of θ rows
    cfg = presets.get("opt4_7").run_config("l2")
    run = Run("l2", cfg)
    plane = random_plane(run.theta, run.problem.layout)
    a = np.linspace(-1, 1, 9)
    Z = grid_losses(run.problem, run._spec, plane, a, a, with_penalty=True)
    ga, gb = grid_gradients(run.problem, run._spec, plane, a, a)
    backend.serve_compiled()
    np.testing.assert_allclose(Z, grid_losses(run.problem, run._spec, plane, a, a, with_penalty=True), rtol=1e-12)
    want = grid_gradients(run.problem, run._spec, plane, a, a)
    np.testing.assert_allclose(ga, want[0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(gb, want[1], rtol=1e-10, atol=1e-13)


def test_loss_and_activation_curves_match():
    cfg = _config("custom", "relu", "identity", "none")
    spec = Problem(cfg).spec(cfg)
    preds = np.linspace(-2, 3, 41)
    got, want = (np.empty(41), np.empty(41)), (np.empty(41), np.empty(41))
    N.loss_curve(spec, preds, 0.5, *got)
    K.loss_curve(spec, preds, 0.5, *want)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    for code in range(7):
        got, want = (np.empty(41), np.empty(41)), (np.empty(41), np.empty(41))
        N.activation_curve(code, preds, *got)
        K.activation_curve(code, preds, *want)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15, err_msg=code)


@pytest.mark.parametrize("overrides", [
    {"data.name": "rosenbrock", "init.start": [-1.2, 1.0], "optimizer.lr": 0.01},      # a non-finite loss
    {"data.name": "wplus1", "init.start": [5.0], "optimizer.lr": 1000.0},              # overflows, stops
    {"data.name": "blobs3", "model.hidden": [1], "model.activation": "identity", "model.bias": False,
     "loss.name": "softmax_ce", "init.start": [1e-12, 1e-12, 1e306, -1e306, 0.0], "optimizer.lr": 1e4},
])                                                                                     # θ overflows
def test_divergence_stops_at_the_same_step(overrides):
    cfg = Config.from_dict({"steps": 400}).with_overrides(overrides)
    compiled, twin = _pair(cfg, 400)
    assert twin.diverged_at is not None
    _same_history(compiled, twin)


def test_a_run_switching_to_the_compiled_kernel_mid_run_keeps_its_history(numpy_engine):
    cfg = presets.get("opt4_8").run_config("decaying").with_overrides({"optimizer.name": "adam"})
    switched = Run("s", cfg)
    switched.advance(150)
    before = switched.theta_history.copy()
    backend.serve_compiled()
    switched.advance(150)
    compiled = Run("c", cfg)
    compiled.advance(300)
    np.testing.assert_array_equal(switched.theta_history[:151], before)
    _same_history(compiled, switched)


def test_an_interrupted_numpy_advance_continues_exactly(numpy_engine):
    cfg = presets.get("opt4_1").run_config("momentum")
    plain, stopped = Run("a", cfg), Run("a", cfg)
    flag = np.ones(1, np.int64)
    assert stopped.advance(1000, flag) == 0 and stopped.step == 0
    flag[0] = 0
    assert stopped.advance(700, flag) == 700
    plain.advance(700)
    np.testing.assert_array_equal(stopped.theta_history, plain.theta_history)


def test_every_code_is_still_read_from_the_kernels_module():
    from engine import codes
    names = [n for n in vars(codes) if n.isupper()]
    assert names and all(getattr(K, n) == getattr(codes, n) for n in names)


def test_training_with_numpy_loads_no_numba():
    code = ("import sys; from engine import backend, presets; from engine.run import Comparison\n"
            "from engine.surface import exact_plane, grid_losses; import numpy as np\n"
            "backend.serve_numpy(); p = presets.get('opt4_1')\n"
            "c = Comparison(p.name, p.config, list(p.runs)); c.advance(50); r = c.runs[0]; r.losses()\n"
            "grid_losses(r.problem, r._spec, exact_plane(2), np.zeros(3), np.zeros(3))\n"
            "print('numba' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"
