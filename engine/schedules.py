"""Learning-rate schedules with TensorFlow 1.x semantics (``tf.train.*_decay``).

Every schedule is a pure numpy function ``f(step, base_lr, spec) -> lr`` where ``step`` is the number of
updates already applied (TF's ``global_step`` when the update runs: 0 for the first update) and
may be an array.  The kernels receive these values precomputed, and the learning-rate view draws
the very same values, so there is exactly one implementation of each formula.
"""
from __future__ import annotations

import math

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


def natural_exp(step, lr, s):
    """``lr · e^(−decay · step / decay_steps)`` (floored when ``staircase``)."""
    return lr * np.exp(-s.decay * _p(step, s))


def cosine_restarts(step, lr, s):
    """SGDR (``cosine_decay_restarts``): cosine periods of decay_steps, each ``t_mul`` times longer
    than the last and starting ``m_mul`` times lower; ``alpha`` the floor's fraction."""
    f = np.asarray(step, dtype=np.float64) / s.decay_steps
    if s.t_mul == 1.0:
        i = np.floor(f)
        f = f - i
    else:
        i = np.floor(np.log(1.0 - f * (1.0 - s.t_mul)) / np.log(s.t_mul))
        f = (f - (1.0 - s.t_mul ** i) / (1.0 - s.t_mul)) / s.t_mul ** i
    c = 0.5 * s.m_mul ** i * (1.0 + np.cos(np.pi * f))
    return lr * ((1.0 - s.alpha) * c + s.alpha)


def linear_cosine(step, lr, s):
    """``lr·((α + (ds − step)/ds)·½(1 + cos(2π·num_periods·step/ds)) + β)``, step ≤ decay_steps."""
    step = np.minimum(np.asarray(step, dtype=np.float64), s.decay_steps)
    lin = (s.decay_steps - step) / s.decay_steps
    c = 0.5 * (1.0 + np.cos(np.pi * 2.0 * s.num_periods * step / s.decay_steps))
    return lr * ((s.alpha + lin) * c + s.beta)


def piecewise(step, lr, s):
    """``values[0]`` while step ≤ boundaries[0], ``values[i]`` while boundaries[i−1] < step ≤ boundaries[i]."""
    step = np.asarray(step, dtype=np.float64)
    idx = np.searchsorted(np.asarray(s.boundaries, dtype=np.float64), step, side="left")
    return np.asarray(s.values, dtype=np.float64)[idx]


SCHEDULES = {
    "constant": constant,
    "exponential": exponential,
    "inverse_time": inverse_time,
    "natural_exp": natural_exp,
    "polynomial": polynomial,
    "cosine": cosine,
    "cosine_restarts": cosine_restarts,
    "linear_cosine": linear_cosine,
    "piecewise": piecewise,
}

FORMULAS = {
    "constant": "lr = base",
    "exponential": "lr = base · decay^(step / decay_steps)",
    "inverse_time": "lr = base / (1 + decay · step / decay_steps)",
    "polynomial": "lr = (base − end)·(1 − step/decay_steps)^power + end",
    "natural_exp": "lr = base · e^(−decay · step / decay_steps)",
    "cosine": "lr = base · ((1 − α)·½(1 + cos(π·step/decay_steps)) + α)",
    "cosine_restarts": "lr = base · ((1 − α)·½·m_mul^i·(1 + cos(π·f)) + α), period i of decay_steps·t_mul^i",
    "linear_cosine": "lr = base · ((α + (ds − step)/ds)·½(1 + cos(2π·num_periods·step/ds)) + β)",
    "piecewise": "lr = values[i] for boundaries[i−1] < step ≤ boundaries[i]",
}


# the ScheduleSpec fields each schedule reads (the parameter panel and the CLI show these)
_GS = ("advance_global_step",)
SCHEDULE_FIELDS = {
    "constant": (),
    "exponential": ("decay", "decay_steps", "staircase") + _GS,
    "inverse_time": ("decay", "decay_steps", "staircase") + _GS,
    "natural_exp": ("decay", "decay_steps", "staircase") + _GS,
    "polynomial": ("decay_steps", "end_lr", "power", "cycle") + _GS,
    "cosine": ("decay_steps", "alpha") + _GS,
    "cosine_restarts": ("decay_steps", "t_mul", "m_mul", "alpha") + _GS,
    "linear_cosine": ("decay_steps", "num_periods", "alpha", "beta") + _GS,
    "piecewise": ("boundaries", "values") + _GS,
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


# --- TensorFlow 1.x float32 (``precision = float32``) -------------------------------------------
# Each schedule as TF's graph computes it in float32: the step is float32(global_step), a division
# by a constant c is x·float32(1/c) (TF's graph optimiser rewrites it so), pow/exp/log/cos are the C
# library's float32 functions (numba's math.* on float32 lower to them; numpy's float32 power does
# not always round the same way).  The kernel is compiled at its first use (``_rates32_kernel``):
# importing numba with this module would load it before the window's first frame.
_F = np.float32
SCHEDULE_CODES = {name: i for i, name in enumerate(SCHEDULES)}


# the float32 parameters of a schedule, at these indices of ``params``
P_LR, P_DECAY, P_DS, P_END, P_POWER, P_ALPHA, P_TMUL, P_MMUL, P_PERIODS, P_BETA = range(10)


def _rates32(code, flags, params, steps, out):
    """Rates of the updates at global steps ``steps`` (float32 arithmetic; see the table above).
    ``flags`` = (staircase, cycle); ``params`` the float32 parameters (P_* indices)."""
    lr, decay, ds, end, power = params[P_LR], params[P_DECAY], params[P_DS], params[P_END], params[P_POWER]
    alpha, t_mul, m_mul, periods, beta = (params[P_ALPHA], params[P_TMUL], params[P_MMUL], params[P_PERIODS],
                                          params[P_BETA])
    staircase, cycle = flags[0] != 0, flags[1] != 0
    one, half = _F(1.0), _F(0.5)
    inv = one / ds
    pi = _F(math.pi)
    for k in range(steps.shape[0]):
        t = _F(steps[k])
        if code == 0:                                   # constant
            v = lr
        elif code == 1:                                 # exponential
            p = t * inv
            if staircase:
                p = _F(math.floor(p))
            v = lr * _F(math.pow(decay, p))
        elif code == 2:                                 # inverse_time
            p = t * inv
            if staircase:
                p = _F(math.floor(p))
            v = lr / (one + decay * p)
        elif code == 3:                                 # natural_exp (TF 1.x: lr·exp(−rate·p))
            if staircase:
                v = lr * _F(math.exp(-decay * _F(math.floor(t * inv))))
            else:
                v = lr * _F(math.exp(t * (-decay * inv)))
        elif code == 4:                                 # polynomial
            if cycle:
                mult = one if t == _F(0.0) else _F(math.ceil(t * inv))
                p = t / (ds * mult)
            else:
                p = min(t, ds) * inv
            v = (lr - end) * _F(math.pow(one - p, power)) + end
        elif code == 5:                                 # cosine
            c = half * (one + _F(math.cos(min(t, ds) * (pi * inv))))
            v = lr * ((one - alpha) * c + alpha)
        elif code == 6:                                 # cosine_restarts
            f = t * inv
            if t_mul == one:
                i = _F(math.floor(f))
                f = f - i
            else:
                i = _F(math.floor(_F(math.log(one - f * (one - t_mul))) * (one / _F(math.log(t_mul)))))
                sum_r = (one - _F(math.pow(t_mul, i))) * (one / (one - t_mul))
                f = (f - sum_r) / _F(math.pow(t_mul, i))
            c = (half * _F(math.pow(m_mul, i))) * (one + _F(math.cos(pi * f)))
            v = lr * ((one - alpha) * c + alpha)
        elif code == 7:                                 # linear_cosine
            st = min(t, ds)
            lin = (ds - st) * inv
            c = half * (one + _F(math.cos(st * (pi * ((_F(2.0) * periods) * inv)))))
            v = lr * ((alpha + lin) * c + beta)
        else:
            v = lr                                      # piecewise: below, from the values
        out[k] = v


_RATES32 = None


def _rates32_kernel():
    """``_rates32`` compiled with ``jit.njit_exact`` (once; numba's disk cache keeps it)."""
    global _RATES32
    if _RATES32 is None:
        from .jit import njit_exact
        _RATES32 = njit_exact(_rates32)
    return _RATES32


def learning_rates32(lr: float, spec, steps) -> np.ndarray:
    """``learning_rates`` in TensorFlow 1.x's float32 (float32 values)."""
    steps = np.asarray(steps, dtype=np.int64)
    if not spec.advance_global_step:
        steps = np.zeros_like(steps)
    if spec.name == "piecewise":
        vals = np.asarray(spec.values, dtype=np.float32)
        idx = np.searchsorted(np.asarray(spec.boundaries, dtype=np.float64), steps, side="left")
        return vals[idx]
    out = np.empty(steps.shape[0], np.float32)
    params = np.array([lr, spec.decay, spec.decay_steps, spec.end_lr, spec.power, spec.alpha, spec.t_mul,
                       spec.m_mul, spec.num_periods, spec.beta], dtype=np.float32)
    flags = np.array([spec.staircase, spec.cycle], dtype=np.int64)
    _rates32_kernel()(SCHEDULE_CODES[spec.name], flags, params, steps, out)
    return out
