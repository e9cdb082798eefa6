"""Numbers for the explanatory views, computed by the engine's own kernels (through
engine.backend): a loss as a function of one prediction, an activation and its derivative, a
classifier's output over the plane and its accuracy."""
from __future__ import annotations

import numpy as np

from . import backend
from .codes import CE_CLIP_LO
from .config import Config
from .model import Problem
from .registry import ACTIVATIONS


def loss_shape(cfg: Config, loss: str, preds, target: float) -> tuple[np.ndarray, np.ndarray]:
    """(loss, dloss/dp) of a single prediction p against ``target`` for loss ``loss`` ("mse",
    "custom" with cfg's COST/PROFIT, "ce" on a clipped probability), using the training code."""
    c = cfg.with_overrides({"data.name": "sales", "model.hidden": [], "model.bias": False,
                            "model.output": "sigmoid" if loss == "ce" else "identity",
                            "loss.name": loss, "loss.reduction": "sum", "reg.kind": "none"})
    problem = _problem_for(c)
    preds = np.ascontiguousarray(preds, dtype=np.float64)
    out, dout = np.empty_like(preds), np.empty_like(preds)
    backend.loss_curve(problem.spec(c), preds, float(target), out, dout)
    return out, dout


def activation(name: str, z) -> tuple[np.ndarray, np.ndarray]:
    z = np.ascontiguousarray(z, dtype=np.float64)
    out, dout = np.empty_like(z), np.empty_like(z)
    backend.activation_curve(ACTIVATIONS[name].code, z, out, dout)
    return out, dout


def outputs(problem: Problem, spec, theta: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The network's outputs (after the output activation) at each 2-D point (rows)."""
    XT = np.ascontiguousarray(np.asarray(points, dtype=np.float64).T)
    out = np.empty((XT.shape[1], problem.layout.sizes[-1]))
    backend.outputs_at(np.ascontiguousarray(theta, dtype=np.float64), XT, spec, out)
    return out


def decision_map(problem: Problem, spec, theta, xs, ys) -> np.ndarray:
    """Output over the grid xs × ys, shape (len(ys), len(xs)) for one output, else (…, k)."""
    X, Y = np.meshgrid(xs, ys)
    out = outputs(problem, spec, theta, np.column_stack([X.ravel(), Y.ravel()]))
    k = out.shape[1]
    return out.reshape(len(ys), len(xs)) if k == 1 else out.reshape(len(ys), len(xs), k)


def predicted_class(problem: Problem, out: np.ndarray) -> np.ndarray:
    """Class per row: argmax for several outputs; output > 0.5 for one (the 0.5 contour)."""
    if out.shape[1] > 1:
        return np.argmax(out, axis=1)
    if problem.config.loss.name == "softmax_ce":
        return (out[:, 0] > 0.0).astype(int)
    return (out[:, 0] > 0.5).astype(int)


def accuracy(problem: Problem, spec, theta) -> float | None:
    """Fraction of the data classified correctly; None for regression and objectives."""
    if problem.objective or problem.dataset.kind == "regression":
        return None
    pred = predicted_class(problem, outputs(problem, spec, theta, problem.X))
    truth = np.argmax(problem.Y, axis=1) if problem.Y.shape[1] > 1 else problem.Y[:, 0].astype(int)
    return float(np.mean(pred == truth))


_problems: dict = {}


def _problem_for(cfg: Config) -> Problem:
    key = (cfg.model, cfg.loss.name)
    if key not in _problems:
        _problems[key] = Problem(cfg)
    return _problems[key]


def clipped_targets(problem: Problem, spec, theta, rows: tuple[int, int]) -> tuple[int, int]:
    """For the clipped cross entropy: (how many target entries y_ > 0 in data rows r0..r1 have a
    predicted probability below the clip 1e-12, how many target entries there are).  Those
    entries' loss is stuck at −log(1e-12) and, as with TF's clip_by_value, their gradient is 0."""
    r0, r1 = rows
    if problem.objective or r1 <= r0:
        return 0, 0
    p = outputs(problem, spec, theta, problem.X[r0:r1])
    y = problem.Y[r0:r1]
    return int(np.sum((y > 0) & (p < CE_CLIP_LO))), int(np.sum(y > 0))
