"""Losses inside the kernels: the data loss of a batch and its gradient at the outputs, the
normaliser of each reduction, the loss of a problem (network or objective) with dL/dθ, and the
weight penalty.  Helpers only, inlined into the kernels that call them."""
from __future__ import annotations

import math

from ..codes import (CE_CLIP_LO, H_COST, H_LAM, H_PROFIT, KIND_OBJECTIVE, LOSS_CUSTOM, LOSS_MSE,
                     LOSS_SOFTMAX_CE, L_NIN, L_NOUT, L_UIN, L_WOFF, NL, N_HEAD, N_KIND, N_LAYERS, N_LOSS,
                     N_OBJ, N_RED, N_REG, N_UNITS, RED_SUM, REG_L2, REG_NONE)
from ..jit import njit
from .network import _backward, _forward
from .objectives import _objective


@njit(inline="always")
def _batch_loss(net, hyper, ws, YT, r0, nb, out, norm, want_grad):
    """Normalised loss of the batch (outputs at activation units out…); dL/da into ws[2U + out + j]."""
    code = net[N_LOSS]
    A = net[N_UNITS] + out
    D = 2 * net[N_UNITS] + out
    C = YT.shape[0]
    total = 0.0
    if code == LOSS_MSE:
        for j in range(C):
            for r in range(nb):
                e = ws[A + j, r] - YT[j, r0 + r]
                total += e * e
                ws[D + j, r] = 2.0 * norm * e
        return total * norm
    if code == LOSS_SOFTMAX_CE:
        for r in range(nb):
            label = 0
            for j in range(1, C):
                if YT[j, r0 + r] > YT[label, r0 + r]:
                    label = j
            zmax = ws[A, r]
            for j in range(1, C):
                zmax = max(zmax, ws[A + j, r])
            tot = 0.0
            for j in range(C):
                tot += math.exp(ws[A + j, r] - zmax)
            total += math.log(tot) + zmax - ws[A + label, r]
            if want_grad:
                for j in range(C):
                    ws[D + j, r] = norm * (math.exp(ws[A + j, r] - zmax) / tot - (1.0 if j == label else 0.0))
        return total * norm
    cost, profit = hyper[H_COST], hyper[H_PROFIT]
    for j in range(C):
        for r in range(nb):
            p, t = ws[A + j, r], YT[j, r0 + r]
            if code == LOSS_CUSTOM:
                if p > t:
                    total += cost * (p - t)
                    g = cost
                else:
                    total += profit * (t - p)
                    g = -profit
            else:  # LOSS_CE on probabilities clipped to [1e-12, 1]
                c = min(max(p, CE_CLIP_LO), 1.0)
                total -= t * math.log(c)
                g = -t / p if (p >= CE_CLIP_LO and p <= 1.0) else 0.0
            ws[D + j, r] = norm * g
    return total * norm


@njit(inline="always")
def _normaliser(net, rows, C):
    code = net[N_LOSS]
    if code == LOSS_SOFTMAX_CE:
        return 1.0 / rows
    if code == LOSS_CUSTOM and net[N_RED] == RED_SUM:
        return 1.0
    return 1.0 / (rows * C)



@njit(inline="always")
def _loss_grad(theta, XT, YT, r0, r1, net, hyper, ws, grad, want_grad):
    """Data loss over rows r0..r1 (the objective's value for objectives); adds dL/dθ to grad.
    ``ws`` needs at least r1 − r0 columns."""
    if net[N_KIND] == KIND_OBJECTIVE:
        return _objective(net[N_OBJ], theta, grad, want_grad)
    last = N_HEAD + NL * (net[N_LAYERS] - 1)
    out = net[last + L_UIN] + net[last + L_NIN]
    nb = r1 - r0
    norm = _normaliser(net, nb, YT.shape[0])
    _forward(theta, XT, r0, r1, net, hyper, ws)
    total = _batch_loss(net, hyper, ws, YT, r0, nb, out, norm, want_grad)
    if want_grad:
        _backward(theta, nb, net, hyper, ws, grad)
    return total



@njit(inline="always")
def _penalty(theta, net, hyper, grad, want_grad):
    """λ·Σw²/2 (L2, TF's l2_regularizer) or λ·Σ|w| (L1) over the weights, never the biases."""
    reg, lam = net[N_REG], hyper[H_LAM]
    if reg == REG_NONE or lam == 0.0:
        return 0.0
    total = 0.0
    if net[N_KIND] == KIND_OBJECTIVE:
        nblocks = 1
    else:
        nblocks = net[N_LAYERS]
    for l in range(nblocks):
        if net[N_KIND] == KIND_OBJECTIVE:
            lo, hi = 0, theta.shape[0]
        else:
            b = N_HEAD + NL * l
            lo = net[b + L_WOFF]
            hi = lo + net[b + L_NIN] * net[b + L_NOUT]
        for p in range(lo, hi):
            w = theta[p]
            if reg == REG_L2:
                total += 0.5 * lam * w * w
                if want_grad:
                    grad[p] += lam * w
            else:
                total += lam * abs(w)
                if want_grad:
                    grad[p] += lam * (1.0 if w > 0.0 else (-1.0 if w < 0.0 else 0.0))
    return total

