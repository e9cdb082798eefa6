"""The evaluation kernels of the kernel API (``engine.backend.KERNELS``) besides training: losses
and gradients at many θ (surfaces, arrows, the Inspector), the network's outputs on a grid
(decision maps), and the loss and activation curves of the explorers, from the same helpers the
training uses."""
from __future__ import annotations

import numpy as np
from numba import prange

from ..codes import L_NIN, L_UIN, NL, N_HEAD, N_LAYERS, N_UNITS
from ..jit import njit
from .losses import _batch_loss, _loss_grad, _penalty
from .network import _act, _dact, _forward


@njit(parallel=True)
def losses_at(thetas, data, rows, spec, with_penalty, out):
    """out[i] = loss at θ = thetas[i] over rows[0]..rows[1] (+ the penalty when asked)."""
    net, hyper = spec
    ws_shape = (3 * max(net[N_UNITS], 1), max(rows[1] - rows[0], 1))
    for i in prange(thetas.shape[0]):
        ws = np.empty(ws_shape)
        dummy = np.empty(0)
        v = _loss_grad(thetas[i], data[0], data[1], rows[0], rows[1], net, hyper, ws, dummy, False)
        if with_penalty:
            v += _penalty(thetas[i], net, hyper, dummy, False)
        out[i] = v


@njit(parallel=True)
def grads_at(thetas, data, rows, spec, with_penalty, out):
    """out[i] = dL/dθ at θ = thetas[i] over rows[0]..rows[1] (+ the penalty's gradient when asked)."""
    net, hyper = spec
    ws_shape = (3 * max(net[N_UNITS], 1), max(rows[1] - rows[0], 1))
    for i in prange(thetas.shape[0]):
        ws = np.empty(ws_shape)
        g = out[i]
        g[:] = 0.0
        _loss_grad(thetas[i], data[0], data[1], rows[0], rows[1], net, hyper, ws, g, True)
        if with_penalty:
            _penalty(thetas[i], net, hyper, g, True)


@njit(parallel=True)
def outputs_at(theta, XT, spec, out):
    """Network outputs (after the output activation) for every column of XT, in blocks of 64."""
    net, hyper = spec
    U = net[N_UNITS]
    last = N_HEAD + NL * (net[N_LAYERS] - 1)
    o = U + net[last + L_UIN] + net[last + L_NIN]
    n = XT.shape[1]
    nblocks = (n + 63) // 64
    for blk in prange(nblocks):
        r0 = blk * 64
        r1 = min(r0 + 64, n)
        ws = np.empty((3 * U, 64))
        _forward(theta, XT, r0, r1, net, hyper, ws)
        for r in range(r1 - r0):
            for j in range(out.shape[1]):
                out[r0 + r, j] = ws[o + j, r]


@njit
def loss_curve(spec, preds, target, out, dout):
    """The loss of one prediction p (each of ``preds``) against ``target``, and dL/dp: the loss
    view's curves come from the same code the training uses (one row, one output, sum)."""
    net, hyper = spec
    U = net[N_UNITS]
    last = N_HEAD + NL * (net[N_LAYERS] - 1)
    o = net[last + L_UIN] + net[last + L_NIN]
    ws = np.zeros((3 * U, 1))
    YT = np.empty((1, 1))
    YT[0, 0] = target
    for i in range(preds.shape[0]):
        ws[U + o, 0] = preds[i]
        out[i] = _batch_loss(net, hyper, ws, YT, 0, 1, o, 1.0, True)
        dout[i] = ws[2 * U + o, 0]


@njit
def activation_curve(code, z, out, dout):
    """An activation and its derivative at each z, as the kernels compute them."""
    for i in range(z.shape[0]):
        a = _act(code, z[i], 0.2)
        out[i] = a
        dout[i] = _dact(code, z[i], a, 0.2)
