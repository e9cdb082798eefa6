"""The numba kernels: forward/backward of the network, losses, penalties, objectives, optimiser
updates, and the training loop that advances a run many steps in one call.

Arguments are grouped so no kernel takes a long positional list:
  ``net``   int64 array describing the problem and the model (indices ``N_*``, per layer ``L_*``),
  ``hyper`` float64 array of hyper-parameters (indices ``H_*``),
  ``state`` (θ, EMA θ, optimiser slots), ``data`` (X, Y), ``spec`` (net, hyper),
  ``hist``  (θ, EMA θ, slots, lr, batch loss, running sum of batch losses, step) history rows.
Row ``k`` of a history is the state after ``k`` updates.  The public wrappers that validate and
allocate live in ``engine.run`` and ``engine.surface``.
"""
from __future__ import annotations

import functools
import math

import numba
import numpy as np
from numba import prange

from .codes import (A_IDENTITY, A_LEAKY, A_RELU, A_SIGMOID, A_SOFTMAX, A_SOFTPLUS, A_TANH, CE_CLIP_LO,
    DIV_LOSS, DIV_THETA, EMA_NUM_UPDATES, EMA_OFF, H_BETA1, H_BETA2, H_COST, H_EMA_DECAY, H_EPS, H_LAM,
    H_LEAKY, H_MOMENTUM, H_PROFIT, H_RHO, H_RMS_EPS, INTERRUPTED, KIND_OBJECTIVE, LOSS_CUSTOM,
    LOSS_MSE, LOSS_SOFTMAX_CE, L_ACT, L_BIAS, L_BOFF, L_NIN, L_NOUT, L_UIN, L_WOFF, NL, N_BATCH, N_EMA,
    N_HEAD, N_KIND, N_LAYERS, N_LOSS, N_NESTEROV, N_OBJ, N_OPT, N_RED, N_REG, N_T0, N_UNITS, OBJ_BEALE,
    OBJ_BOWL, OBJ_ROSENBROCK, OBJ_WPLUS1, OPT_ADAGRAD, OPT_ADAM, OPT_GD, OPT_MOMENTUM, OPT_RMSPROP,
    RED_SUM, REG_L2, REG_NONE)
from .codes import batch_rows as _batch_rows_py, structure  # noqa: F401 - structure: re-exported
from .codes import EMA_FIXED, KIND_NETWORK, N_HYPER, OBJ_SADDLE, RED_MEAN, REG_L1  # noqa: F401 - kernels.X as before
from .codes import H_ADADELTA_EPS, H_ADADELTA_RHO, H_RMS_MOMENTUM, N_CENTERED, OPT_ADADELTA  # noqa: F401
from .codes import HYPER_FIELDS, LOSS_CE  # noqa: F401 - kernels.X as before
from .jit import njit


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


# --- network ----------------------------------------------------------------------------------
# Data arrive transposed: XT is (features, n) and YT (outputs, n), so a batch is contiguous per
# feature.  The workspace ``ws`` is unit-major, (3U, rows) for U units (input included):
# pre-activations z in rows [0, U), activations a in [U, 2U), dL/da in [2U, 3U).  Every inner
# loop runs over the rows of a batch, contiguous in memory, so it vectorises.
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
def _objective(code, th, grad, want_grad):
    if code == OBJ_WPLUS1:
        w = th[0]
        if want_grad:
            grad[0] += 2.0 * (w + 1.0)
        return (w + 1.0) * (w + 1.0)
    x, y = th[0], th[1]
    if code == OBJ_BOWL:
        f, gx, gy = x * x + 10.0 * y * y, 2.0 * x, 20.0 * y
    elif code == OBJ_ROSENBROCK:
        r = y - x * x
        f, gx, gy = (1.0 - x) ** 2 + 100.0 * r * r, -2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r
    elif code == OBJ_BEALE:
        t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y ** 3
        f = t1 * t1 + t2 * t2 + t3 * t3
        gx = 2.0 * t1 * (y - 1.0) + 2.0 * t2 * (y * y - 1.0) + 2.0 * t3 * (y ** 3 - 1.0)
        gy = 2.0 * t1 * x + 4.0 * t2 * x * y + 6.0 * t3 * x * y * y
    else:  # saddle
        f, gx, gy = x * x - y * y, 2.0 * x, -2.0 * y
    if want_grad:
        grad[0] += gx
        grad[1] += gy
    return f


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


# --- optimisers (TensorFlow 1.x update rules) --------------------------------------------------
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


@njit(inline="always")
def _all_finite(v):
    for i in range(v.shape[0]):
        if not math.isfinite(v[i]):
            return False
    return True


batch_rows = njit(inline="always")(_batch_rows_py)


def _make_advance(shape, full):
    """The training loop, compiled generic (``shape`` None: the structure is read from the run's
    ``net`` array at run time) or fixed to one network structure (``shape``: the same values as
    a tuple, frozen into the code, so LLVM unrolls the loops over layers and units).  ``full``
    says every batch has exactly B rows (n divisible by B), so the batch loops have a fixed
    length.  What changes during a run (Adam's t0, the hyper-parameters) is read from ``spec``."""

    @njit
    def advance(state, data, spec, lrs, hist, step0, row0, nsteps, interrupt):
        """Apply ``nsteps`` updates starting after update ``step0`` (history row ``row0``); record
        rows row0+1 …

        Returns (updates done, status): status 0 = all done; DIV_LOSS = the loss at the state
        after step0+done updates is not finite (that state is bad: the caller drops it);
        DIV_THETA = update step0+done+1 made θ non-finite (the state is restored from history
        row row0+done); INTERRUPTED = ``interrupt[0]`` was set (looked at every 256 updates:
        another thread wants the history), the state is consistent after ``done`` updates.
        """
        if shape is None:
            net = spec[0]
        else:
            net = shape
        theta, ema, slots = state
        X, Y = data
        hyper = spec[1]
        t0 = spec[0][N_T0]
        h_theta, h_ema, h_slots, h_lr, h_bloss, h_bsum, h_step = hist
        P = theta.shape[0]
        grad = np.empty(P)
        n = X.shape[1]
        ws = np.empty((3 * max(net[N_UNITS], 1), max(min(net[N_BATCH], n), 1)))
        ema_mode, ema_decay = net[N_EMA], hyper[H_EMA_DECAY]
        r0, r1 = batch_rows(net, n, step0)
        B = net[N_BATCH]
        for s in range(nsteps):
            if (s & 255) == 0 and interrupt[0] != 0:
                return s, INTERRUPTED
            k = step0 + s
            if s > 0 and net[N_KIND] != KIND_OBJECTIVE:  # (k·B) mod n without a division
                r0 += B
                while r0 >= n:
                    r0 -= n
                r1 = r0 + B if full else min(r0 + B, n)
            for p in range(P):
                grad[p] = 0.0
            loss = _loss_grad(theta, X, Y, r0, r1, net, hyper, ws, grad, True)
            _penalty(theta, net, hyper, grad, True)
            if not math.isfinite(loss):
                return s, DIV_LOSS
            _opt_step(net, hyper, theta, slots, grad, lrs[s], k + 1 - t0)
            if not _all_finite(theta):
                theta[:] = h_theta[row0 + s]
                slots[:, :] = h_slots[row0 + s]
                return s, DIV_THETA
            if ema_mode != EMA_OFF:
                d = ema_decay
                if ema_mode == EMA_NUM_UPDATES:
                    d = min(d, (1.0 + (k + 1)) / (10.0 + (k + 1)))
                for p in range(P):
                    ema[p] -= (ema[p] - theta[p]) * (1.0 - d)
                    h_ema[row0 + s + 1, p] = ema[p]
            row = row0 + s + 1
            for p in range(P):
                h_theta[row, p] = theta[p]
            for q in range(slots.shape[0]):
                for p in range(P):
                    h_slots[row, q, p] = slots[q, p]
            h_lr[row] = lrs[s]
            h_bloss[row] = loss
            h_bsum[row] = h_bsum[row - 1] + loss
            h_step[row] = k + 1
        return nsteps, 0

    return advance


advance = _make_advance(None, False)


@functools.lru_cache(maxsize=None)
def fixed_advance(shape: tuple[int, ...], full: bool):
    """``advance`` compiled for one network structure (see ``structure``): the same loop with
    the layer sizes, codes and batch length as constants, about twice as fast for small nets.
    Each structure is compiled once (seconds) and kept in numba's disk cache."""
    return _make_advance(shape, full)


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


# the compiled function behind each function of the kernel API (engine.backend.KERNELS)
COMPILED = {"advance": advance, "losses_at": losses_at, "grads_at": grads_at, "outputs_at": outputs_at,
            "loss_curve": loss_curve, "activation_curve": activation_curve}

_NOT_READY: set = set()


def ready_advance(key: tuple, args: tuple, compile: bool = False):
    """The kernel to train with: the fixed kernel for this structure (``key``, from ``structure``)
    when it is already compiled in this process or found in numba's disk cache (or ``compile``
    asks to build it now), else the generic ``advance``.  Never compiles unasked, so a new network
    shape costs no wait."""
    fixed = fixed_advance(*key)
    if fixed.overloads:
        return fixed
    if key in _NOT_READY and not compile:
        return advance
    sig = tuple(numba.typeof(a) for a in args)
    if compile:
        fixed.compile(sig)
    else:
        try:
            cached = fixed._cache.load_overload(sig, fixed.targetctx)
        except Exception:  # noqa: BLE001 — a cache that cannot be read means "not ready"
            cached = None
        if cached is None:
            _NOT_READY.add(key)
            return advance
        fixed.compile(sig)   # a cache hit: loads what is on disk
    _NOT_READY.discard(key)
    return fixed


def forget_not_ready() -> None:
    """Look again for fixed kernels (another process may have compiled them since)."""
    _NOT_READY.clear()
