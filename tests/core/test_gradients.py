"""Every loss × activation × regulariser: the kernel's gradient against central finite differences,
and its value and gradient against the plain numpy reference."""
import numpy as np
import pytest

from engine import kernels as K, reference
from engine.config import Config
from engine.model import Problem
from engine.registry import OBJECTIVES


def _config(loss, act, output, reg, data="circle", hidden=(4,), bias=True):
    return Config.from_dict({"data": {"name": data}, "model": {"hidden": list(hidden), "activation": act,
                             "output": output, "bias": bias},
                             "loss": {"name": loss, "cost": 2.0, "profit": 5.0, "reduction": "sum"},
                             "reg": {"kind": reg, "lam": 0.03}, "batch": 7,
                             "init": {"seed": 4, "stddev": 0.8, "bias": 0.1}})


def _engine_loss_grad(problem, cfg, theta, rows):
    spec = problem.spec(cfg)
    g = np.empty((1, theta.size))
    K.grads_at(theta[None].copy(), problem.data, rows, spec, True, g)
    v = np.empty(1)
    K.losses_at(theta[None].copy(), problem.data, rows, spec, True, v)
    return v[0], g[0]


def _fd(problem, cfg, theta, rows, h=1e-6):
    spec = problem.spec(cfg)
    P = theta.size
    pts = np.repeat(theta[None], 2 * P, axis=0)
    for p in range(P):
        pts[2 * p, p] += h
        pts[2 * p + 1, p] -= h
    out = np.empty(2 * P)
    K.losses_at(pts, problem.data, rows, spec, True, out)
    return (out[0::2] - out[1::2]) / (2 * h)


CASES = [(loss, act, out, reg)
         for act in ("relu", "sigmoid", "tanh", "identity", "leaky_relu", "softplus")
         for loss, out in (("mse", "identity"), ("custom", "identity"), ("ce", "sigmoid"))
         for reg in ("none", "l2", "l1")]


@pytest.mark.parametrize("loss,act,output,reg", CASES)
def test_gradient_matches_finite_differences_and_numpy(loss, act, output, reg):
    cfg = _config(loss, act, output, reg)
    problem = Problem(cfg)
    theta = problem.initial_theta(cfg)
    rows = (13, 20)
    value, grad = _engine_loss_grad(problem, cfg, theta, rows)
    fd = _fd(problem, cfg, theta, rows)
    np.testing.assert_allclose(grad, fd, rtol=1e-4, atol=1e-6)
    ref_loss, ref_grad = reference.loss_grad(theta, cfg, problem.layout, problem.X[13:20], problem.Y[13:20])
    pen = {"none": 0.0, "l2": 0.5 * 0.03 * np.sum(theta[problem.layout.weight_mask] ** 2),
           "l1": 0.03 * np.sum(np.abs(theta[problem.layout.weight_mask]))}[reg]
    np.testing.assert_allclose(value, ref_loss + pen, rtol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("loss,output", [("softmax_ce", "identity"), ("ce", "softmax")])
def test_multiclass_losses(loss, output):
    cfg = Config.from_dict({"data": {"name": "blobs3"}, "model": {"hidden": [5], "activation": "tanh",
                            "output": output}, "loss": {"name": loss}, "init": {"seed": 2}})
    problem = Problem(cfg)
    theta = problem.initial_theta(cfg)
    value, grad = _engine_loss_grad(problem, cfg, theta, (0, 40))
    np.testing.assert_allclose(grad, _fd(problem, cfg, theta, (0, 40)), rtol=1e-4, atol=1e-7)
    ref_loss, ref_grad = reference.loss_grad(theta, cfg, problem.layout, problem.X[:40], problem.Y[:40])
    np.testing.assert_allclose(value, ref_loss, rtol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12)


def test_deep_network_without_bias():
    cfg = _config("mse", "tanh", "identity", "l2", hidden=(3, 4), bias=False)
    problem = Problem(cfg)
    theta = problem.initial_theta(cfg)
    _, grad = _engine_loss_grad(problem, cfg, theta, (0, 30))
    np.testing.assert_allclose(grad, _fd(problem, cfg, theta, (0, 30)), rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_objective_gradients(name):
    cfg = Config.from_dict({"data": {"name": name}})
    problem = Problem(cfg)
    theta = problem.initial_theta(cfg) + 0.137
    value, grad = _engine_loss_grad(problem, cfg, theta, (0, 0))
    np.testing.assert_allclose(grad, _fd(problem, cfg, theta, (0, 0)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(value, reference.objective(name, theta)[0], rtol=1e-12)


def test_clipping_kills_the_gradient_of_a_confidently_wrong_prediction():
    """ce on probabilities: where p < 1e-12 the clip's gradient is 0 (TF's clip_by_value)."""
    cfg = Config.from_dict({"data": {"name": "circle"}, "model": {"hidden": [], "output": "sigmoid"},
                            "loss": {"name": "ce"}})
    problem = Problem(cfg)
    row = int(np.argmax(problem.Y[:, 0] == 1))        # a positive example
    x = problem.X[row]
    theta = np.concatenate([-60.0 * np.sign(x), [-40.0]])  # sigmoid output ≈ e^-100 < 1e-12
    value, grad = _engine_loss_grad(problem, cfg, theta, (row, row + 1))
    assert value == pytest.approx(-np.log(1e-12))
    assert np.all(grad == 0.0)


def test_complexity_is_counted_as_the_chapter_does():
    cfg = Config.from_dict({"data": {"name": "circle"}, "model": {"hidden": [11]}})
    lay = Problem(cfg).layout
    assert (lay.layers, lay.size) == (2, 45)
    lin = Problem(Config.from_dict({"model": {"hidden": [], "bias": False}})).layout
    assert (lin.layers, lin.size, lin.names) == (1, 2, ["w1[0]", "w1[1]"])
