"""Learning-rate schedules with TensorFlow 1.x semantics (``tf.train.*_decay``).

Every schedule is a pure numpy function ``f(step, base_lr, spec) -> lr`` where ``step`` is the number of
updates already applied (TF's ``global_step`` when the update runs: 0 for the first update) and
may be an array.  The kernels receive these values precomputed, and the learning-rate view draws
the very same values, so there is exactly one implementation of each formula.
"""
from __future__ import annotations

import numpy as np


def constant(step, lr, s):
    return np.full(np.shape(step), float(lr))


def _p(step, s):
    p = np.asarray(step, dtype=np.float64) / float(s.decay_steps)
    return np.floor(p) if s.staircase else p


def exponential(step, lr, s):
    """``lr · decay^(step / decay_steps)``, the exponent floored when ``staircase``."""
    return lr * np.power(s.decay, _p(step, s))


def inverse_time(step, lr, s):
    """``lr / (1 + decay · step / decay_steps)`` (floored when ``staircase``)."""
    return lr / (1.0 + s.decay * _p(step, s))


def polynomial(step, lr, s):
    """``(lr − end)·(1 − min(step, decay_steps)/decay_steps)^power + end``; ``cycle`` restarts."""
    step = np.asarray(step, dtype=np.float64)
    if s.cycle:
        mult = np.ceil(step / s.decay_steps)
        mult = np.where(step == 0, 1.0, mult)
        steps = s.decay_steps * mult
    else:
        steps = np.full(step.shape, float(s.decay_steps))
        step = np.minimum(step, steps)
    return (lr - s.end_lr) * np.power(1.0 - step / steps, s.power) + s.end_lr


def cosine(step, lr, s):
    """``lr·((1 − α)·½(1 + cos(π·min(step, decay_steps)/decay_steps)) + α)``."""
    step = np.minimum(np.asarray(step, dtype=np.float64), s.decay_steps)
    cos = 0.5 * (1.0 + np.cos(np.pi * step / s.decay_steps))
    return lr * ((1.0 - s.alpha) * cos + s.alpha)


def piecewise(step, lr, s):
    """``values[0]`` while step ≤ boundaries[0], ``values[i]`` while boundaries[i−1] < step ≤ boundaries[i]."""
    step = np.asarray(step, dtype=np.float64)
    idx = np.searchsorted(np.asarray(s.boundaries, dtype=np.float64), step, side="left")
    return np.asarray(s.values, dtype=np.float64)[idx]


SCHEDULES = {
    "constant": constant,
    "exponential": exponential,
    "inverse_time": inverse_time,
    "polynomial": polynomial,
    "cosine": cosine,
    "piecewise": piecewise,
}

FORMULAS = {
    "constant": "lr = base",
    "exponential": "lr = base · decay^(step / decay_steps)",
    "inverse_time": "lr = base / (1 + decay · step / decay_steps)",
    "polynomial": "lr = (base − end)·(1 − step/decay_steps)^power + end",
    "cosine": "lr = base · ((1 − α)·½(1 + cos(π·step/decay_steps)) + α)",
    "piecewise": "lr = values[i] for boundaries[i−1] < step ≤ boundaries[i]",
}


def learning_rates(lr: float, spec, steps) -> np.ndarray:
    """Rates for the updates whose ``global_step`` values are ``steps`` (array-like).

    ``lr`` is the base rate, ``spec`` an :class:`engine.config.ScheduleSpec`; when its
    ``advance_global_step`` is off (the chapter's opt4_8 never passes ``global_step`` to
    ``minimize``) the step stays 0 and the rate never decays.
    """
    steps = np.asarray(steps, dtype=np.float64)
    if not spec.advance_global_step:
        steps = np.zeros_like(steps)
    return np.asarray(SCHEDULES[spec.name](steps, float(lr), spec), dtype=np.float64)
