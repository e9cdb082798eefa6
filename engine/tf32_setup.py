"""Set-up and output of TensorFlow 1.x float32 runs (``engine.tf32`` trains): the float32
hyper-parameters, Adam's running beta powers, opt4_6's scripted moving average, and float32
numbers written as TF prints them."""
from __future__ import annotations

import numpy as np

from .jit import njit_exact
from .tf32 import (F32, N_HYPER32, X_ADADELTA_EPS, X_ADADELTA_RHO, X_BETA1, X_BETA2, X_COST, X_EMA_DECAY,
                   X_EPS, X_LAM, X_LEAKY, X_MOMENTUM, X_PROFIT, X_RHO, X_RMS_EPS, X_RMS_MOMENTUM)


@njit_exact
def beta_powers(b1, b2, t):
    """Adam's float32 ``beta1_power``, ``beta2_power`` after t updates: β^(t+1) as TF's running
    product (β, then multiplied by β after every update)."""
    out = np.empty(2, np.float32)
    out[0], out[1] = b1, b2
    for _ in range(t):
        out[0] = out[0] * b1
        out[1] = out[1] * b2
    return out


def hyper32(cfg) -> np.ndarray:
    """The float32 hyper-parameters of a run's configuration (TF casts Python floats to float32)."""
    o = cfg.optimizer
    h = np.zeros(N_HYPER32, np.float32)
    h[X_MOMENTUM], h[X_BETA1], h[X_BETA2], h[X_EPS] = o.momentum, o.beta1, o.beta2, o.epsilon
    h[X_RHO], h[X_RMS_EPS], h[X_RMS_MOMENTUM] = o.rho, o.rms_epsilon, o.rms_momentum
    h[X_ADADELTA_RHO], h[X_ADADELTA_EPS] = o.adadelta_rho, o.adadelta_epsilon
    h[X_COST], h[X_PROFIT] = cfg.loss.cost, cfg.loss.profit
    h[X_LAM] = cfg.reg.lam if cfg.reg.kind != "none" else 0.0
    h[X_EMA_DECAY] = cfg.ema.decay
    h[X_LEAKY] = 0.2
    return h


def ema_step32(shadow, value, decay: float, num_updates: int | None):
    """One apply of TF's ExponentialMovingAverage in float32: ``d = decay``, or ``min(decay,
    (1 + n)/(10 + n))`` with ``n = float32(num_updates)``; ``shadow − (shadow − value)·(1 − d)``."""
    d = F32(decay)
    if num_updates is not None:
        n = F32(num_updates)
        d = min(d, (F32(1.0) + n) / (F32(10.0) + n))
    shadow, value = np.float32(shadow), np.float32(value)
    return shadow - (shadow - value) * (F32(1.0) - d)


def run_ema_script32(script: list, decay: float, use_num_updates: bool) -> list:
    """opt4_6 in float32: ``[w1, shadow]`` at the start and after each apply (TF's ema_op)."""
    w1 = shadow = F32(0.0)
    step = 0
    seq = [[float(w1), float(shadow)]]
    for op in script:
        if op[0] == "assign" and op[1] == "w1":
            w1 = F32(op[2])
        elif op[0] == "assign":
            step = int(op[2])
        else:
            shadow = ema_step32(shadow, w1, decay, step if use_num_updates else None)
            seq.append([float(w1), float(shadow)])
    return seq


def shortest(v) -> str:
    """A float32 written so it reads back as the same float32, as TF (numpy) prints it: 0.98019385,
    1.0159807, 0.0, 1e-05."""
    return str(np.float32(v))
