"""Optimiser updates inside the kernels, with TensorFlow 1.x semantics; each one's numpy
reference is its entry in ``engine.registry`` (tests/core/test_registry.py checks the parity).
A helper, inlined into the training loop."""
from __future__ import annotations

import math

from ..codes import (H_ADADELTA_EPS, H_ADADELTA_RHO, H_BETA1, H_BETA2, H_EPS, H_MOMENTUM, H_RHO,
                     H_RMS_EPS, H_RMS_MOMENTUM, N_CENTERED, N_NESTEROV, N_OPT, OPT_ADAGRAD, OPT_ADAM,
                     OPT_GD, OPT_MOMENTUM, OPT_RMSPROP)
from ..jit import njit


@njit(inline="always")
def _opt_step(net, hyper, theta, slots, grad, lr, t):
    """One update of θ from ``grad`` at rate ``lr``; ``t`` is Adam's 1-based update count."""
    code = net[N_OPT]
    P = theta.shape[0]
    if code == OPT_GD:
        for p in range(P):
            theta[p] -= lr * grad[p]
    elif code == OPT_MOMENTUM:
        m = hyper[H_MOMENTUM]
        nesterov = net[N_NESTEROV] != 0
        for p in range(P):
            acc = m * slots[0, p] + grad[p]
            slots[0, p] = acc
            theta[p] -= lr * (grad[p] + m * acc) if nesterov else lr * acc
    elif code == OPT_ADAM:
        b1, b2, eps = hyper[H_BETA1], hyper[H_BETA2], hyper[H_EPS]
        lr_t = lr * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
        for p in range(P):
            g = grad[p]
            m = b1 * slots[0, p] + (1.0 - b1) * g
            v = b2 * slots[1, p] + (1.0 - b2) * g * g
            slots[0, p] = m
            slots[1, p] = v
            theta[p] -= lr_t * m / (math.sqrt(v) + eps)
    elif code == OPT_RMSPROP:
        rho, mu, eps = hyper[H_RHO], hyper[H_RMS_MOMENTUM], hyper[H_RMS_EPS]
        centered = net[N_CENTERED] != 0
        for p in range(P):
            g = grad[p]
            ms = rho * slots[0, p] + (1.0 - rho) * g * g
            slots[0, p] = ms
            if centered:
                mg = rho * slots[2, p] + (1.0 - rho) * g
                slots[2, p] = mg
                denom = (ms - mg * mg) + eps
            else:
                denom = ms + eps
            mom = mu * slots[1, p] + lr * g / math.sqrt(denom)
            slots[1, p] = mom
            theta[p] -= mom
    elif code == OPT_ADAGRAD:
        for p in range(P):
            g = grad[p]
            acc = slots[0, p] + g * g
            slots[0, p] = acc
            theta[p] -= lr * g / math.sqrt(acc)
    else:  # OPT_ADADELTA
        rho, eps = hyper[H_ADADELTA_RHO], hyper[H_ADADELTA_EPS]
        for p in range(P):
            g = grad[p]
            acc = rho * slots[0, p] + (1.0 - rho) * g * g
            slots[0, p] = acc
            upd = math.sqrt(slots[1, p] + eps) / math.sqrt(acc + eps) * g
            theta[p] -= lr * upd
            slots[1, p] = rho * slots[1, p] + (1.0 - rho) * upd * upd

