"""The network inside the kernels: activations and their derivatives, the forward pass over a
batch and backpropagation.  Helpers only, inlined into the kernels that call them.

Data arrive transposed: XT is (features, n) and YT (outputs, n), so a batch is contiguous per
feature.  The workspace ``ws`` is unit-major, (3U, rows) for U units (input included):
pre-activations z in rows [0, U), activations a in [U, 2U), dL/da in [2U, 3U).  Every inner
loop runs over the rows of a batch, contiguous in memory, so it vectorises.
"""
from __future__ import annotations

import math

from ..codes import (A_IDENTITY, A_LEAKY, A_RELU, A_SIGMOID, A_SOFTMAX, A_SOFTPLUS, A_TANH, H_LEAKY,
                     L_ACT, L_BIAS, L_BOFF, L_NIN, L_NOUT, L_UIN, L_WOFF, NL, N_HEAD, N_LAYERS, N_UNITS)
from ..jit import njit


# --- activations ------------------------------------------------------------------------------
@njit(inline="always")
def _act(code, z, alpha):
    if code == A_RELU:
        return z if z > 0.0 else 0.0
    if code == A_SIGMOID:
        if z >= 0.0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)
    if code == A_TANH:
        return math.tanh(z)
    if code == A_LEAKY:
        return z if z > 0.0 else alpha * z
    if code == A_SOFTPLUS:
        return math.log1p(math.exp(-abs(z))) + max(z, 0.0)
    return z


@njit(inline="always")
def _dact(code, z, a, alpha):
    """Derivative of the activation at pre-activation ``z`` (``a`` = activation(z))."""
    if code == A_RELU:
        return 1.0 if z > 0.0 else 0.0
    if code == A_SIGMOID:
        return a * (1.0 - a)
    if code == A_TANH:
        return 1.0 - a * a
    if code == A_LEAKY:
        return 1.0 if z > 0.0 else alpha
    if code == A_SOFTPLUS:
        return _act(A_SIGMOID, z, alpha)
    return 1.0


# --- forward and backward ---------------------------------------------------------------------
@njit(inline="always")
def _forward(theta, XT, r0, r1, net, hyper, ws):
    """Forward rows r0..r1 of the data through every layer."""
    U = net[N_UNITS]
    nb = r1 - r0
    for i in range(XT.shape[0]):
        for r in range(nb):
            ws[U + i, r] = XT[i, r0 + r]
    alpha = hyper[H_LEAKY]
    for l in range(net[N_LAYERS]):
        b = N_HEAD + NL * l
        nin, nout, act = net[b + L_NIN], net[b + L_NOUT], net[b + L_ACT]
        woff, boff, uin = net[b + L_WOFF], net[b + L_BOFF], net[b + L_UIN]
        hasb = net[b + L_BIAS] != 0
        uout = uin + nin
        # an identity layer's activation is its pre-activation: sum straight into the a rows
        zo = U + uout if act == A_IDENTITY else uout
        for j in range(nout):
            bj = theta[boff + j] if hasb else 0.0
            w = theta[woff + j]
            for r in range(nb):
                ws[zo + j, r] = bj + w * ws[U + uin, r]
            for i in range(1, nin):
                w = theta[woff + i * nout + j]
                for r in range(nb):
                    ws[zo + j, r] += w * ws[U + uin + i, r]
        if act == A_SOFTMAX:
            for r in range(nb):
                zmax = ws[uout, r]
                for j in range(1, nout):
                    zmax = max(zmax, ws[uout + j, r])
                tot = 0.0
                for j in range(nout):
                    e = math.exp(ws[uout + j, r] - zmax)
                    ws[U + uout + j, r] = e
                    tot += e
                for j in range(nout):
                    ws[U + uout + j, r] /= tot
        elif act == A_RELU:
            for j in range(nout):
                for r in range(nb):
                    z = ws[uout + j, r]
                    ws[U + uout + j, r] = z if z > 0.0 else 0.0
        elif act != A_IDENTITY:
            for j in range(nout):
                for r in range(nb):
                    ws[U + uout + j, r] = _act(act, ws[uout + j, r], alpha)


@njit(inline="always")
def _backward(theta, nb, net, hyper, ws, grad):
    """Backpropagate dL/da of the output units (rows 2U + unit of ws); add dL/dθ into ``grad``."""
    U = net[N_UNITS]
    D = 2 * U
    alpha = hyper[H_LEAKY]
    for l in range(net[N_LAYERS] - 1, -1, -1):
        b = N_HEAD + NL * l
        nin, nout, act = net[b + L_NIN], net[b + L_NOUT], net[b + L_ACT]
        woff, boff, uin = net[b + L_WOFF], net[b + L_BOFF], net[b + L_UIN]
        hasb = net[b + L_BIAS] != 0
        uout = uin + nin
        if act == A_SOFTMAX:
            for r in range(nb):
                s = 0.0
                for j in range(nout):
                    s += ws[U + uout + j, r] * ws[D + uout + j, r]
                for j in range(nout):
                    ws[D + uout + j, r] = ws[U + uout + j, r] * (ws[D + uout + j, r] - s)
        elif act == A_RELU:
            for j in range(nout):
                for r in range(nb):
                    if ws[uout + j, r] <= 0.0:
                        ws[D + uout + j, r] = 0.0
        elif act != A_IDENTITY:
            for j in range(nout):
                for r in range(nb):
                    ws[D + uout + j, r] *= _dact(act, ws[uout + j, r], ws[U + uout + j, r], alpha)
        for j in range(nout):
            if hasb:
                s = 0.0
                for r in range(nb):
                    s += ws[D + uout + j, r]
                grad[boff + j] += s
            for i in range(nin):
                s = 0.0
                for r in range(nb):
                    s += ws[U + uin + i, r] * ws[D + uout + j, r]
                grad[woff + i * nout + j] += s
        if l > 0:
            for i in range(nin):
                for r in range(nb):
                    ws[D + uin + i, r] = 0.0
                for j in range(nout):
                    w = theta[woff + i * nout + j]
                    for r in range(nb):
                        ws[D + uin + i, r] += w * ws[D + uout + j, r]

