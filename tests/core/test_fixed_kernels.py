"""The kernel fixed to a network's structure trains exactly as the generic kernel and the numpy
reference do, and training never compiles one unasked."""
import numpy as np
import pytest

from engine import kernels as K
from engine import presets, reference
from engine.config import Config
from engine.run import Run
from tests.warm import fixed_configs     # (the suite's warm-up compiles these structures)


def _pair(cfg, label="r"):
    generic, fixed = Run(label, cfg), Run(label, cfg)
    generic.fixed_kernels = False
    fixed.specialise()
    return generic, fixed


def _uses_fixed(run):
    return run._kernel(None) is not K.advance


def _same(generic, fixed, cfg):
    assert generic.step == fixed.step and generic.diverged_at == fixed.diverged_at
    np.testing.assert_allclose(fixed.theta_history, generic.theta_history, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fixed.batch_loss_history[1:], generic.batch_loss_history[1:], rtol=1e-12, atol=1e-15)
    if fixed.ema_history is not None:
        np.testing.assert_allclose(fixed.ema_history, generic.ema_history, rtol=1e-12, atol=1e-15)
    ref = reference.train(cfg, fixed.problem, fixed.theta0, fixed.step)
    np.testing.assert_allclose(fixed.theta_history, ref["theta"], rtol=1e-9, atol=1e-12)


def test_structure_leaves_out_adams_t0_and_knows_full_batches():
    run = Run("gd", presets.get("opt4_1").run_config("gd"))
    net = run._spec[0].copy()
    key, full = K.structure(net, run.problem.n)
    net[K.N_T0] = 123
    assert K.structure(net, run.problem.n) == (key, full)
    assert full                                        # 32 rows, batches of 8
    assert not K.structure(net, 30)[1]                 # 30 rows: the fourth batch has 6
    bowl = Run("b", Config.from_dict({"data": {"name": "bowl"}}))
    assert not K.structure(bowl._spec[0], bowl.problem.n)[1]


@pytest.mark.slow
def test_mlp_softmax_l1_nesterov_ema_with_a_short_last_batch():
    cfg = fixed_configs()["mlp"]
    generic, fixed = _pair(cfg)
    assert generic.problem.n % 7 != 0 and _uses_fixed(fixed)
    generic.advance(400)
    fixed.advance(400)
    _same(generic, fixed, cfg)


@pytest.mark.slow
def test_switching_to_adam_mid_run_counts_t_from_the_switch():
    cfg = presets.get("opt4_1").run_config("gd")
    adam = fixed_configs()["adam"]
    assert adam == cfg.with_overrides({"optimizer.name": "adam", "optimizer.lr": 0.01})
    generic, fixed = Run("r", cfg), Run("r", cfg)
    generic.fixed_kernels = False
    for r in (generic, fixed):
        r.advance(50)
        r.set_config(adam)
    fixed.specialise()                 # the adam structure, with t0 = 50
    assert _uses_fixed(fixed) and fixed._spec[0][K.N_T0] == 50
    generic.advance(300)
    fixed.advance(300)
    np.testing.assert_allclose(fixed.theta_history, generic.theta_history, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fixed.slots, generic.slots, rtol=1e-12, atol=1e-15)


@pytest.mark.slow
def test_objective_divergence_is_caught_the_same_way():
    cfg = fixed_configs()["rosenbrock"]
    generic, fixed = _pair(cfg)
    generic.advance(500)
    fixed.advance(500)
    assert fixed.diverged_at is not None
    _same(generic, fixed, cfg)


def test_training_never_compiles_a_fixed_kernel_unasked():
    cfg = presets.get("opt4_1").run_config("momentum").with_overrides({"batch": 5})
    run = Run("m", cfg)
    run.advance(20)
    key = K.structure(run._spec[0], run.problem.n)
    assert not _uses_fixed(run) and not K.fixed_advance(*key).overloads


def test_an_interrupted_advance_stops_at_once_and_continues_exactly():
    cfg = presets.get("opt4_1").run_config("adam")
    plain, stopped = Run("a", cfg), Run("a", cfg)
    flag = np.ones(1, np.int64)
    assert stopped.advance(1000, flag) == 0 and stopped.step == 0     # set before: nothing done
    flag[0] = 0
    assert stopped.advance(700, flag) == 700
    plain.advance(700)
    np.testing.assert_array_equal(stopped.theta_history, plain.theta_history)
    np.testing.assert_array_equal(stopped.slots, plain.slots)
