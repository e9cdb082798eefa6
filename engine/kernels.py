"""The numba kernels: forward/backward of the network, losses, penalties, objectives, optimiser
updates, and the training loop that advances a run many steps in one call.

Arguments are grouped so no kernel takes a long positional list:
  ``net``   int64 array describing the problem and the model (indices ``N_*``, per layer ``L_*``),
  ``hyper`` float64 array of hyper-parameters (indices ``H_*``),
  ``state`` (θ, EMA θ, optimiser slots), ``data`` (X, Y), ``spec`` (net, hyper),
  ``hist``  (θ, EMA θ, slots, lr, batch loss) rows indexed by step.
Row ``k`` of a history is the state after ``k`` updates.  The public wrappers that validate and
allocate live in ``engine.run`` and ``engine.surface``.
"""
from __future__ import annotations

import math

import numpy as np
from numba import prange

from .jit import njit

# --- net: header indices --------------------------------------------------------------------
N_KIND, N_OBJ, N_LOSS, N_RED, N_REG, N_OPT, N_NESTEROV, N_EMA, N_BATCH, N_T0, N_LAYERS, N_UNITS = range(12)
N_HEAD = 12
# per layer, at N_HEAD + NL*l:
L_NIN, L_NOUT, L_ACT, L_BIAS, L_WOFF, L_BOFF, L_UIN = range(7)
NL = 7
KIND_NETWORK, KIND_OBJECTIVE = 0, 1
EMA_OFF, EMA_NUM_UPDATES, EMA_FIXED = 0, 1, 2

# --- hyper indices ----------------------------------------------------------------------------
H_MOMENTUM, H_BETA1, H_BETA2, H_EPS, H_RHO, H_RMS_EPS, H_COST, H_PROFIT, H_LAM, H_EMA_DECAY, H_LEAKY = range(11)
N_HYPER = 11

# codes (must match engine.registry)
A_IDENTITY, A_RELU, A_SIGMOID, A_TANH, A_LEAKY, A_SOFTPLUS, A_SOFTMAX = range(7)
LOSS_MSE, LOSS_CUSTOM, LOSS_CE, LOSS_SOFTMAX_CE = range(4)
RED_SUM, RED_MEAN = range(2)
REG_NONE, REG_L2, REG_L1 = range(3)
OPT_GD, OPT_MOMENTUM, OPT_ADAM, OPT_RMSPROP, OPT_ADAGRAD = range(5)
OBJ_WPLUS1, OBJ_BOWL, OBJ_ROSENBROCK, OBJ_BEALE, OBJ_SADDLE = range(5)
CE_CLIP_LO = 1e-12


# --- activations ------------------------------------------------------------------------------
@njit
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


@njit
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
@njit
def _forward_row(theta, x, net, hyper, z, a):
    """Forward one input row; ``z``/``a`` hold pre-activations/activations of every unit."""
    for i in range(x.shape[0]):
        a[i] = x[i]
    alpha = hyper[H_LEAKY]
    for l in range(net[N_LAYERS]):
        b = N_HEAD + NL * l
        nin, nout, act = net[b + L_NIN], net[b + L_NOUT], net[b + L_ACT]
        woff, boff, uin = net[b + L_WOFF], net[b + L_BOFF], net[b + L_UIN]
        uout = uin + nin
        for j in range(nout):
            s = theta[boff + j] if net[b + L_BIAS] else 0.0
            for i in range(nin):
                s += a[uin + i] * theta[woff + i * nout + j]
            z[uout + j] = s
        if act == A_SOFTMAX:
            zmax = z[uout]
            for j in range(1, nout):
                zmax = max(zmax, z[uout + j])
            tot = 0.0
            for j in range(nout):
                a[uout + j] = math.exp(z[uout + j] - zmax)
                tot += a[uout + j]
            for j in range(nout):
                a[uout + j] /= tot
        else:
            for j in range(nout):
                a[uout + j] = _act(act, z[uout + j], alpha)


@njit
def _backward_row(theta, net, hyper, z, a, d, grad):
    """Backpropagate ``d`` (dL/da at the output units) and add dL/dθ into ``grad``."""
    alpha = hyper[H_LEAKY]
    for l in range(net[N_LAYERS] - 1, -1, -1):
        b = N_HEAD + NL * l
        nin, nout, act = net[b + L_NIN], net[b + L_NOUT], net[b + L_ACT]
        woff, boff, uin = net[b + L_WOFF], net[b + L_BOFF], net[b + L_UIN]
        uout = uin + nin
        if act == A_SOFTMAX:
            s = 0.0
            for j in range(nout):
                s += a[uout + j] * d[uout + j]
            for j in range(nout):
                d[uout + j] = a[uout + j] * (d[uout + j] - s)
        else:
            for j in range(nout):
                d[uout + j] *= _dact(act, z[uout + j], a[uout + j], alpha)
        for j in range(nout):
            dz = d[uout + j]
            if net[b + L_BIAS]:
                grad[boff + j] += dz
            for i in range(nin):
                grad[woff + i * nout + j] += a[uin + i] * dz
        if l > 0:
            for i in range(nin):
                s = 0.0
                for j in range(nout):
                    s += theta[woff + i * nout + j] * d[uout + j]
                d[uin + i] = s


@njit
def _row_loss(net, hyper, a, y, out, d, want_grad):
    """Unnormalised loss of one row whose outputs are a[out:out+C]; dL/da into d[out:] if asked."""
    code = net[N_LOSS]
    C = y.shape[0]
    total = 0.0
    if code == LOSS_SOFTMAX_CE:
        label = 0
        for j in range(1, C):
            if y[j] > y[label]:
                label = j
        zmax = a[out]
        for j in range(1, C):
            zmax = max(zmax, a[out + j])
        tot = 0.0
        for j in range(C):
            tot += math.exp(a[out + j] - zmax)
        total = math.log(tot) + zmax - a[out + label]
        if want_grad:
            for j in range(C):
                d[out + j] = math.exp(a[out + j] - zmax) / tot - (1.0 if j == label else 0.0)
        return total
    cost, profit = hyper[H_COST], hyper[H_PROFIT]
    for j in range(C):
        p, t = a[out + j], y[j]
        if code == LOSS_MSE:
            total += (t - p) * (t - p)
            g = 2.0 * (p - t)
        elif code == LOSS_CUSTOM:
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
        if want_grad:
            d[out + j] = g
    return total


@njit
def _normaliser(net, rows, C):
    code = net[N_LOSS]
    if code == LOSS_SOFTMAX_CE:
        return 1.0 / rows
    if code == LOSS_CUSTOM and net[N_RED] == RED_SUM:
        return 1.0
    return 1.0 / (rows * C)


@njit
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


@njit
def _loss_grad(theta, data, r0, r1, net, hyper, ws, grad, want_grad):
    """Data loss over rows r0..r1 (the objective's value for objectives); adds dL/dθ to grad."""
    if net[N_KIND] == KIND_OBJECTIVE:
        return _objective(net[N_OBJ], theta, grad, want_grad)
    X, Y = data
    U = net[N_UNITS]
    z, a, d = ws[:U], ws[U:2 * U], ws[2 * U:3 * U]
    last = N_HEAD + NL * (net[N_LAYERS] - 1)
    out = net[last + L_UIN] + net[last + L_NIN]
    norm = _normaliser(net, r1 - r0, Y.shape[1])
    total = 0.0
    for r in range(r0, r1):
        _forward_row(theta, X[r], net, hyper, z, a)
        total += _row_loss(net, hyper, a, Y[r], out, d, want_grad)
        if want_grad:
            for j in range(Y.shape[1]):
                d[out + j] *= norm
            _backward_row(theta, net, hyper, z, a, d, grad)
    return total * norm


@njit
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
@njit
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
        rho, mu, eps = hyper[H_RHO], hyper[H_MOMENTUM], hyper[H_RMS_EPS]
        for p in range(P):
            g = grad[p]
            ms = rho * slots[0, p] + (1.0 - rho) * g * g
            mom = mu * slots[1, p] + lr * g / math.sqrt(ms + eps)
            slots[0, p] = ms
            slots[1, p] = mom
            theta[p] -= mom
    else:  # OPT_ADAGRAD
        for p in range(P):
            g = grad[p]
            acc = slots[0, p] + g * g
            slots[0, p] = acc
            theta[p] -= lr * g / math.sqrt(acc)


@njit
def _all_finite(v):
    for i in range(v.shape[0]):
        if not math.isfinite(v[i]):
            return False
    return True


@njit
def batch_rows(net, n, k):
    """Rows fed to update k+1 (k updates already applied): [(k·B) mod n, +B), as numpy slices do."""
    if net[N_KIND] == KIND_OBJECTIVE:
        return 0, 0
    B = net[N_BATCH]
    r0 = (k * B) % n
    return r0, min(r0 + B, n)


@njit
def advance(state, data, spec, lrs, hist, step0, nsteps):
    """Apply ``nsteps`` updates starting after update ``step0``; record rows step0+1 …

    Returns (updates done, diverged).  On a non-finite loss or θ the state is restored from
    history row step0+done (the last finite one) and the run stops there.
    """
    theta, ema, slots = state
    net, hyper = spec
    h_theta, h_ema, h_slots, h_lr, h_bloss = hist
    P = theta.shape[0]
    grad = np.empty(P)
    ws = np.empty(3 * max(net[N_UNITS], 1))
    n = data[0].shape[0]
    ema_mode, ema_decay = net[N_EMA], hyper[H_EMA_DECAY]
    for s in range(nsteps):
        k = step0 + s
        r0, r1 = batch_rows(net, n, k)
        grad[:] = 0.0
        loss = _loss_grad(theta, data, r0, r1, net, hyper, ws, grad, True)
        _penalty(theta, net, hyper, grad, True)
        if not math.isfinite(loss):
            return s, True
        _opt_step(net, hyper, theta, slots, grad, lrs[s], k + 1 - net[N_T0])
        if not _all_finite(theta):
            theta[:] = h_theta[k]
            slots[:, :] = h_slots[k]
            return s, True
        if ema_mode != EMA_OFF:
            d = ema_decay
            if ema_mode == EMA_NUM_UPDATES:
                d = min(d, (1.0 + (k + 1)) / (10.0 + (k + 1)))
            for p in range(P):
                ema[p] -= (ema[p] - theta[p]) * (1.0 - d)
            h_ema[k + 1] = ema
        h_theta[k + 1] = theta
        h_slots[k + 1] = slots
        h_lr[k + 1] = lrs[s]
        h_bloss[k + 1] = loss
    return nsteps, False


@njit(parallel=True)
def losses_at(thetas, data, rows, spec, with_penalty, out):
    """out[i] = loss at θ = thetas[i] over rows[0]..rows[1] (+ the penalty when asked)."""
    net, hyper = spec
    ws_size = 3 * max(net[N_UNITS], 1)
    for i in prange(thetas.shape[0]):
        ws = np.empty(ws_size)
        dummy = np.empty(0)
        v = _loss_grad(thetas[i], data, rows[0], rows[1], net, hyper, ws, dummy, False)
        if with_penalty:
            v += _penalty(thetas[i], net, hyper, dummy, False)
        out[i] = v


@njit(parallel=True)
def grads_at(thetas, data, rows, spec, with_penalty, out):
    """out[i] = dL/dθ at θ = thetas[i] over rows[0]..rows[1] (+ the penalty's gradient when asked)."""
    net, hyper = spec
    ws_size = 3 * max(net[N_UNITS], 1)
    for i in prange(thetas.shape[0]):
        ws = np.empty(ws_size)
        g = out[i]
        g[:] = 0.0
        _loss_grad(thetas[i], data, rows[0], rows[1], net, hyper, ws, g, True)
        if with_penalty:
            _penalty(thetas[i], net, hyper, g, True)


@njit(parallel=True)
def outputs_at(theta, X, spec, out):
    """Network outputs (after the output activation) for every row of X."""
    net, hyper = spec
    U = net[N_UNITS]
    last = N_HEAD + NL * (net[N_LAYERS] - 1)
    o = net[last + L_UIN] + net[last + L_NIN]
    for r in prange(X.shape[0]):
        z = np.empty(U)
        a = np.empty(U)
        _forward_row(theta, X[r], net, hyper, z, a)
        for j in range(out.shape[1]):
            out[r, j] = a[o + j]
