"""One registry entry per optimiser: its kernel code, slots, start values, fields and numpy update.
The compiled kernel, its numpy twin and the TF1 float32 kernel all follow the entry, and the
entry follows TensorFlow 1.x: TF's own optimiser unit tests, run in TF (tests/data/tf1_cases.json),
in float64 (to 1e-12, hyper-parameters through float32 as TF feeds them) and in float32 (bit for
bit, engine.tf32)."""
import json
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from engine import codes, kernels as K, numpy_kernels as N, tf32, tf32_setup
from engine.config import Config, OptimizerSpec
from engine.registry import ACTIVATIONS, LOSSES, OBJECTIVES, OPTIMIZERS, REGULARIZERS

CASES = json.loads((Path(__file__).resolve().parents[1] / "data" / "tf1_cases.json").read_text())["cases"]
TF_NAMES = {"GradientDescentOptimizer": "gd", "MomentumOptimizer": "momentum", "AdamOptimizer": "adam",
            "AdagradOptimizer": "adagrad", "RMSPropOptimizer": "rmsprop", "AdadeltaOptimizer": "adadelta"}
TF_PARAMS = {"momentum": {"momentum": "momentum", "use_nesterov": "nesterov"},
             "adam": {"beta1": "beta1", "beta2": "beta2", "epsilon": "epsilon"},
             "adagrad": {"initial_accumulator_value": "initial_accumulator"},
             "rmsprop": {"decay": "rho", "momentum": "rms_momentum", "epsilon": "rms_epsilon", "centered": "centered"},
             "adadelta": {"rho": "adadelta_rho", "epsilon": "adadelta_epsilon"}}
GIVEN = [c for c in CASES if c.get("optimizer") in TF_NAMES and "grads0" in c]


def test_codes_are_the_registry_entries_and_unique():
    for reg, prefix in ((OPTIMIZERS, "OPT_"), (ACTIVATIONS, "A_"), (LOSSES, "LOSS_"), (OBJECTIVES, "OBJ_"),
                        (REGULARIZERS, "REG_")):
        assert len({e.code for e in reg.values()}) == len(reg)
        kernel_codes = {getattr(codes, n) for n in vars(codes) if n.startswith(prefix) and n.isupper()}
        assert kernel_codes == {e.code for e in reg.values()}, prefix
    names = {f.name for f in fields(OptimizerSpec)}
    for name, o in OPTIMIZERS.items():
        assert set(o.fields) <= names and len(o.slots) == len(o.start) and callable(o.update), name
        assert all(isinstance(v, float) or v in names for v in o.start), name
    assert set(codes.HYPER_FIELDS.values()) <= names


def _spec(name, o, P):
    cfg = Config.from_dict({"data": {"name": "bowl"}}).with_overrides({"optimizer.name": name})
    cfg = replace(cfg, optimizer=replace(o, name=name))
    from engine.model import Problem
    net, hyper = Problem(cfg).spec(cfg)
    return net, hyper


@pytest.mark.parametrize("name,extra", [(n, {}) for n in OPTIMIZERS] + [("momentum", {"nesterov": True}),
                                                                         ("rmsprop", {"centered": True,
                                                                                      "rms_momentum": 0.5})])
def test_the_kernels_update_is_the_registry_entrys(name, extra):
    """One update of every optimiser, from random state, in the compiled kernel, its numpy twin
    and the entry's reference: the same numbers."""
    entry = OPTIMIZERS[name]
    o = replace(OptimizerSpec(name=name), **extra)
    rng = np.random.RandomState(len(name))
    P = 7
    theta = rng.randn(P)
    slots = np.array([np.full(P, v) for v in entry.start_values(o)]).reshape(len(entry.slots), P)
    slots = slots + (0.3 * rng.rand(*slots.shape) if slots.size else 0.0)
    grad = rng.randn(P)
    net, hyper = _spec(name, o, P)
    out = {}
    for who in ("kernel", "twin", "reference"):
        th, sl = theta.copy(), slots.copy()
        if who == "kernel":
            K._opt_step(net, hyper, th, sl, grad, 0.01, 3)
        elif who == "twin":
            N._opt_step(int(net[codes.N_OPT]), N._Hyper(net, hyper), th, sl, grad, 0.01, 3)
        else:
            entry.update(th, sl, grad, 0.01, 3, o)
        out[who] = (th, sl)
    for who in ("kernel", "twin"):
        np.testing.assert_allclose(out[who][0], out["reference"][0], rtol=1e-13, atol=1e-15, err_msg=who)
        np.testing.assert_allclose(out[who][1], out["reference"][1], rtol=1e-13, atol=1e-15, err_msg=who)


def _tf_setup(case):
    name = TF_NAMES[case["optimizer"]]
    params = dict(case["params"])
    lr = params.pop("learning_rate")
    kw = {TF_PARAMS[name][k]: v for k, v in params.items() if k in TF_PARAMS.get(name, {})}
    return name, lr, replace(OptimizerSpec(name=name), **kw)


def _grads(case, step):
    g0, g1 = case["grads0"], case.get("grads1", case["grads0"])
    if case.get("grads_per_step"):
        g0, g1 = g0[step], g1[step]
    return np.ravel(np.array(g0, dtype=np.float64)), np.ravel(np.array(g1, dtype=np.float64))


@pytest.mark.parametrize("case", [c for c in GIVEN if c["dtype"] == "float64"], ids=lambda c: c["name"])
def test_tf_optimizer_cases_float64(case):
    """TF1 feeds Python hyper-parameters as float32 tensors and casts them to the variable's
    dtype; with float64(float32(x)) settings the entry's float64 update passes TF's test at the
    test's own tolerance (TF keeps Adam's beta powers in float32, which Descent's float64 path
    does not copy: the float32 path below is the bit-exact one)."""
    name, lr, o = _tf_setup(case)
    f = lambda v: float(np.float32(v)) if isinstance(v, float) else v  # noqa: E731
    o32 = replace(o, **{k: f(getattr(o, k)) for k in OPTIMIZERS[name].fields})
    entry = OPTIMIZERS[name]
    for var, key in ((0, "var0"), (1, "var1")):
        if key not in case:
            continue
        th = np.ravel(np.array(case[key], dtype=np.float64))
        sl = np.array([np.full(th.size, v) for v in entry.start_values(o32)]).reshape(len(entry.slots), th.size)
        for t in range(case["steps"]):
            g = _grads(case, t)[var]
            entry.update(th, sl, g, f(lr), t + 1, o32)
        np.testing.assert_allclose(th, np.ravel(case[f"expected_{key}"]), rtol=case.get("test_rtol", 1e-6), atol=1e-12,
                                   err_msg=case["name"])


@pytest.mark.parametrize("case", [c for c in GIVEN if c["dtype"] == "float32"], ids=lambda c: c["name"])
def test_tf_optimizer_cases_float32_bit_for_bit(case):
    """engine.tf32's update gives TF's float32 bits (the variables here have fewer than 8
    elements, where TF's rsqrt is 1/sqrt)."""
    name, lr, o = _tf_setup(case)
    cfg = Config().with_overrides({"optimizer.name": name})
    cfg = replace(cfg, optimizer=o)
    net = np.zeros(codes.N_HEAD, np.int64)
    net[codes.N_OPT] = OPTIMIZERS[name].code
    net[codes.N_NESTEROV] = int(o.nesterov)
    net[codes.N_CENTERED] = int(o.centered)
    hyper = tf32_setup.hyper32(cfg)
    entry = OPTIMIZERS[name]
    for var, key in ((0, "var0"), (1, "var1")):
        if key not in case:
            continue
        th = np.ravel(np.array(case[key], dtype=np.float32))
        sl = np.array([np.full(th.size, v) for v in entry.start_values(o)], dtype=np.float32).reshape(
            len(entry.slots), th.size)
        powers = np.array([o.beta1, o.beta2], dtype=np.float32)
        for t in range(case["steps"]):
            g = _grads(case, t)[var].astype(np.float32)
            tf32._update32(net, hyper, th, sl, powers, g, np.float32(lr))
        want = np.ravel(np.array(case[f"expected_{key}"], dtype=np.float32))
        assert np.array_equal(th, want), (case["name"], th.tolist(), want.tolist())
