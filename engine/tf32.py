"""TensorFlow 1.x float32: training in TF's own float32 arithmetic and operation order, so the
chapter's printouts come out digit for digit (``--precision float32``).

What TF 1.x (Eigen kernels, no oneDNN) does for the chapter's graphs, each operation rounded to
float32 and nothing fused (established against TF's own runs, see ``tests/core/test_tf32.py``):

- data are fed through float32 placeholders: X and Y_ are cast to float32, so is θ's start;
- forward ``z_j = (((x_j0·w_0k) + x_j1·w_1k) + …) + b_k`` (the inputs in order, the bias after);
- mse ``d_j = −(float32(1/N)·((y__j − y_j)·2))`` for N = rows × outputs (TF's Mean and Square
  gradients), which is ``float32(2/N)·(y_j − y__j)`` bit for bit; the custom loss
  ``d_j = COST if y_j > y__j else −PROFIT`` (ties go to PROFIT);
- weight gradients summed over the batch in order, ``g_i = ((x_0i·d_0 + x_1i·d_1) + …)``;
  ``W·float32(λ)`` added for L2 (TF's ``l2_regularizer``);
- updates as ``training_ops.cc`` writes them: GD ``var − grad·lr``; Momentum ``accum·m + grad``,
  ``var − accum·lr`` (Nesterov ``var − (grad·lr + (accum·m)·lr)``); Adam with the float32
  running products ``beta1_power``, ``beta2_power`` (start at β1, β2, multiplied after each
  step), ``α = (lr·√(1 − β2ᵖ))/(1 − β1ᵖ)``, ``m + (g − m)·(1 − β1)``, ``v + (g·g − v)·(1 − β2)``,
  ``var − (m·α)/(√v + ε)``; RMSProp ``ms + (g·g − ms)·(1 − ρ)``, ``mom·μ + (g·lr)/√(ms + ε)``
  (centered: ``mg + (g − mg)·(1 − ρ)``, ``√((ms − mg·mg) + ε)``); Adagrad ``accum + g·g``,
  ``var − (g·lr)·(1/√accum)``; Adadelta ``accum·ρ + (g·g)·(1 − ρ)``,
  ``update = (√(accum_update + ε)·(1/√(accum + ε)))·g``, ``var − update·lr``,
  ``accum_update·ρ + (update·update)·(1 − ρ)``;
- the rate from its schedule in float32 (``engine.schedules.learning_rates32``: ``powf``, and a
  division by a constant c as ``x·float32(1/c)``, as TF's graph optimiser rewrites it);
- the moving average ``d = min(decay, (1 + n)/(10 + n))`` with ``n = float32(num_updates)``,
  ``shadow − (shadow − var)·(1 − d)``.

Exact (bit for bit against TF) for the chapter's linear and one-parameter graphs (opt4_1 … opt4_6);
for larger networks Eigen sums some products in vector packets and fuses some multiply-adds, which
this sequential order does not follow: opt4_7/opt4_8 end within a few 1e-5 of TF (measured in
the tests).  The kernel is compiled without fastmath (``jit.njit_exact``): reassociation or fused
multiply-adds would change the bits.
"""
from __future__ import annotations

import math

import numpy as np

from . import kernels as K
from .jit import njit_exact

F32 = np.float32
# hyper-parameters in float32, at these indices of ``hyper32``
(X_MOMENTUM, X_BETA1, X_BETA2, X_EPS, X_RHO, X_RMS_EPS, X_COST, X_PROFIT, X_LAM, X_EMA_DECAY,
 X_LEAKY, X_RMS_MOMENTUM, X_ADADELTA_RHO, X_ADADELTA_EPS) = range(14)
N_HYPER32 = 14


@njit_exact(inline="always")
def _act32(code, z):
    if code == K.A_RELU:
        return z if z > F32(0.0) else F32(0.0)
    if code == K.A_SIGMOID:
        return F32(1.0) / (F32(1.0) + F32(math.exp(-z)))
    if code == K.A_TANH:
        return F32(math.tanh(z))
    if code == K.A_LEAKY:
        return z if z > F32(0.0) else F32(0.2) * z
    if code == K.A_SOFTPLUS:
        return F32(math.log1p(math.exp(-abs(z)))) + max(z, F32(0.0))
    return z


@njit_exact(inline="always")
def _dact32(code, z, a):
    if code == K.A_RELU:            # TF's ReluGrad tests the output
        return F32(1.0) if a > F32(0.0) else F32(0.0)
    if code == K.A_SIGMOID:
        return a * (F32(1.0) - a)
    if code == K.A_TANH:
        return F32(1.0) - a * a
    if code == K.A_LEAKY:
        return F32(1.0) if z > F32(0.0) else F32(0.2)
    if code == K.A_SOFTPLUS:
        return F32(1.0) / (F32(1.0) + F32(math.exp(-z)))
    return F32(1.0)


@njit_exact
def _loss_grad32(theta, XT, YT, r0, r1, net, hyper, Z, A, D, grad):
    """Batch loss at θ over rows r0..r1, float32, and its gradient (TF's order) into ``grad``.
    Z, A, D: (units, rows) workspaces for pre-activations, activations and dL/da."""
    if net[K.N_KIND] == K.KIND_OBJECTIVE:
        return _objective32(net[K.N_OBJ], theta, grad)
    nb = r1 - r0
    n_in = XT.shape[0]
    for i in range(n_in):
        for r in range(nb):
            A[i, r] = XT[i, r0 + r]
    L = net[K.N_LAYERS]
    for l in range(L):
        b = K.N_HEAD + K.NL * l
        nin, nout, act = net[b + K.L_NIN], net[b + K.L_NOUT], net[b + K.L_ACT]
        woff, boff, uin = net[b + K.L_WOFF], net[b + K.L_BOFF], net[b + K.L_UIN]
        uout = uin + nin
        for j in range(nout):
            for r in range(nb):
                s = A[uin, r] * theta[woff + j]
                for i in range(1, nin):
                    s = s + A[uin + i, r] * theta[woff + i * nout + j]
                if net[b + K.L_BIAS] != 0:
                    s = s + theta[boff + j]
                Z[uout + j, r] = s
        if act == K.A_SOFTMAX:
            for r in range(nb):
                zmax = Z[uout, r]
                for j in range(1, nout):
                    zmax = max(zmax, Z[uout + j, r])
                tot = F32(0.0)
                for j in range(nout):
                    e = F32(math.exp(Z[uout + j, r] - zmax))
                    A[uout + j, r] = e
                    tot = tot + e
                for j in range(nout):
                    A[uout + j, r] = A[uout + j, r] / tot
        else:
            for j in range(nout):
                for r in range(nb):
                    A[uout + j, r] = _act32(act, Z[uout + j, r])
    last = K.N_HEAD + K.NL * (L - 1)
    out = net[last + K.L_UIN] + net[last + K.L_NIN]
    C = YT.shape[0]
    code = net[K.N_LOSS]
    inv = F32(1.0) / F32(nb * C)                   # TF's Mean gradient: 1 / (number of elements)
    total = F32(0.0)
    for j in range(C):
        for r in range(nb):
            y, t = A[out + j, r], YT[j, r0 + r]
            if code == K.LOSS_MSE:
                e = t - y
                total = total + e * e
                D[out + j, r] = -(inv * (e * F32(2.0)))
            elif code == K.LOSS_CUSTOM:
                g = hyper[X_COST] if y > t else -hyper[X_PROFIT]
                total = total + (hyper[X_COST] * (y - t) if y > t else hyper[X_PROFIT] * (t - y))
                D[out + j, r] = g if net[K.N_RED] == K.RED_SUM else inv * g
            elif code == K.LOSS_CE:
                c = min(max(y, F32(1e-12)), F32(1.0))
                total = total - t * F32(math.log(c))
                D[out + j, r] = -(inv * t) / y if (y >= F32(1e-12) and y <= F32(1.0)) else F32(0.0)
            else:
                D[out + j, r] = F32(0.0)
    if code == K.LOSS_SOFTMAX_CE:
        inv_rows = F32(1.0) / F32(nb)
        for r in range(nb):
            label = 0
            for j in range(1, C):
                if YT[j, r0 + r] > YT[label, r0 + r]:
                    label = j
            zmax = A[out, r]
            for j in range(1, C):
                zmax = max(zmax, A[out + j, r])
            tot = F32(0.0)
            for j in range(C):
                tot = tot + F32(math.exp(A[out + j, r] - zmax))
            total = total + (F32(math.log(tot)) + zmax - A[out + label, r])
            for j in range(C):
                p = F32(math.exp(A[out + j, r] - zmax)) / tot
                D[out + j, r] = inv_rows * (p - (F32(1.0) if j == label else F32(0.0)))
        total = total * inv_rows
    elif code == K.LOSS_MSE or (code == K.LOSS_CE) or (code == K.LOSS_CUSTOM and net[K.N_RED] == K.RED_MEAN):
        total = total * inv
    for l in range(L - 1, -1, -1):
        b = K.N_HEAD + K.NL * l
        nin, nout, act = net[b + K.L_NIN], net[b + K.L_NOUT], net[b + K.L_ACT]
        woff, boff, uin = net[b + K.L_WOFF], net[b + K.L_BOFF], net[b + K.L_UIN]
        uout = uin + nin
        if act == K.A_SOFTMAX:
            for r in range(nb):
                s = F32(0.0)
                for j in range(nout):
                    s = s + A[uout + j, r] * D[uout + j, r]
                for j in range(nout):
                    D[uout + j, r] = A[uout + j, r] * (D[uout + j, r] - s)
        elif act != K.A_IDENTITY:
            for j in range(nout):
                for r in range(nb):
                    D[uout + j, r] = D[uout + j, r] * _dact32(act, Z[uout + j, r], A[uout + j, r])
        for j in range(nout):
            if net[b + K.L_BIAS] != 0:
                s = D[uout + j, 0]
                for r in range(1, nb):
                    s = s + D[uout + j, r]
                grad[boff + j] = s
            for i in range(nin):
                s = A[uin + i, 0] * D[uout + j, 0]
                for r in range(1, nb):
                    s = s + A[uin + i, r] * D[uout + j, r]
                grad[woff + i * nout + j] = s
        if l > 0:
            for i in range(nin):
                for r in range(nb):
                    s = D[uout, r] * theta[woff + i * nout]
                    for j in range(1, nout):
                        s = s + D[uout + j, r] * theta[woff + i * nout + j]
                    D[uin + i, r] = s
    return total


@njit_exact(inline="always")
def _objective32(code, th, grad):
    if code == K.OBJ_WPLUS1:
        u = th[0] + F32(1.0)
        grad[0] = u * F32(2.0)                     # Square's gradient: 1·((w + 1)·2)
        return u * u
    x, y = th[0], th[1]
    two = F32(2.0)
    if code == K.OBJ_BOWL:
        grad[0], grad[1] = two * x, F32(20.0) * y
        return x * x + F32(10.0) * y * y
    if code == K.OBJ_ROSENBROCK:
        r = y - x * x
        grad[0] = -two * (F32(1.0) - x) - F32(400.0) * x * r
        grad[1] = F32(200.0) * r
        return (F32(1.0) - x) * (F32(1.0) - x) + F32(100.0) * r * r
    if code == K.OBJ_BEALE:
        t1 = F32(1.5) - x + x * y
        t2 = F32(2.25) - x + x * y * y
        t3 = F32(2.625) - x + x * y * y * y
        grad[0] = two * t1 * (y - F32(1.0)) + two * t2 * (y * y - F32(1.0)) + two * t3 * (y * y * y - F32(1.0))
        grad[1] = two * t1 * x + F32(4.0) * t2 * x * y + F32(6.0) * t3 * x * y * y
        return t1 * t1 + t2 * t2 + t3 * t3
    grad[0], grad[1] = two * x, -two * y
    return x * x - y * y


@njit_exact
def _penalty32(theta, net, hyper, grad):
    """TF's l2_regularizer: gW + W·λ over the weights (biases untouched); L1: gW + sign(W)·λ."""
    reg, lam = net[K.N_REG], hyper[X_LAM]
    if reg == K.REG_NONE or lam == F32(0.0):
        return
    nblocks = 1 if net[K.N_KIND] == K.KIND_OBJECTIVE else net[K.N_LAYERS]
    for l in range(nblocks):
        if net[K.N_KIND] == K.KIND_OBJECTIVE:
            lo, hi = 0, theta.shape[0]
        else:
            b = K.N_HEAD + K.NL * l
            lo = net[b + K.L_WOFF]
            hi = lo + net[b + K.L_NIN] * net[b + K.L_NOUT]
        for p in range(lo, hi):
            w = theta[p]
            if reg == K.REG_L2:
                grad[p] = grad[p] + w * lam
            else:
                grad[p] = grad[p] + (lam if w > F32(0.0) else (-lam if w < F32(0.0) else F32(0.0)))


@njit_exact
def _update32(net, hyper, theta, slots, powers, grad, lr):
    """One update of θ as TF 1.x's training_ops apply it (float32)."""
    code = net[K.N_OPT]
    one = F32(1.0)
    P = theta.shape[0]
    if code == K.OPT_GD:
        for p in range(P):
            theta[p] = theta[p] - grad[p] * lr
    elif code == K.OPT_MOMENTUM:
        m = hyper[X_MOMENTUM]
        for p in range(P):
            acc = slots[0, p] * m + grad[p]
            slots[0, p] = acc
            if net[K.N_NESTEROV] != 0:
                theta[p] = theta[p] - (grad[p] * lr + (acc * m) * lr)
            else:
                theta[p] = theta[p] - acc * lr
    elif code == K.OPT_ADAM:
        b1, b2, eps = hyper[X_BETA1], hyper[X_BETA2], hyper[X_EPS]
        alpha = (lr * F32(math.sqrt(one - powers[1]))) / (one - powers[0])
        for p in range(P):
            g = grad[p]
            m = slots[0, p] + (g - slots[0, p]) * (one - b1)
            v = slots[1, p] + (g * g - slots[1, p]) * (one - b2)
            slots[0, p] = m
            slots[1, p] = v
            theta[p] = theta[p] - (m * alpha) / (F32(math.sqrt(v)) + eps)
        powers[0] = powers[0] * b1
        powers[1] = powers[1] * b2
    elif code == K.OPT_RMSPROP:
        rho, mu, eps = hyper[X_RHO], hyper[X_RMS_MOMENTUM], hyper[X_RMS_EPS]
        centered = net[K.N_CENTERED] != 0
        for p in range(P):
            g = grad[p]
            ms = slots[0, p] + (g * g - slots[0, p]) * (one - rho)
            slots[0, p] = ms
            if centered:
                mg = slots[2, p] + (g - slots[2, p]) * (one - rho)
                slots[2, p] = mg
                denom = (ms - mg * mg) + eps
            else:
                denom = ms + eps
            mom = slots[1, p] * mu + (g * lr) / F32(math.sqrt(denom))
            slots[1, p] = mom
            theta[p] = theta[p] - mom
    elif code == K.OPT_ADAGRAD:
        for p in range(P):
            g = grad[p]
            acc = slots[0, p] + g * g
            slots[0, p] = acc
            theta[p] = theta[p] - (g * lr) * (one / F32(math.sqrt(acc)))
    else:  # OPT_ADADELTA
        rho, eps = hyper[X_ADADELTA_RHO], hyper[X_ADADELTA_EPS]
        for p in range(P):
            g = grad[p]
            acc = slots[0, p] * rho + (g * g) * (one - rho)
            slots[0, p] = acc
            upd = (F32(math.sqrt(slots[1, p] + eps)) * (one / F32(math.sqrt(acc + eps)))) * g
            theta[p] = theta[p] - upd * lr
            slots[1, p] = slots[1, p] * rho + (upd * upd) * (one - rho)


@njit_exact
def _finite32(v):
    for i in range(v.shape[0]):
        if not math.isfinite(v[i]):
            return False
    return True


@njit_exact
def advance32(state, data, spec, lrs, hist, step0, row0, nsteps, every, interrupt):
    """Apply ``nsteps`` float32 updates after update ``step0`` (history row ``row0``), recording
    the steps that are multiples of ``every`` and the one it stops at; the same contract as
    ``kernels.advance`` (returns (updates done, status), ``interrupt[0]`` looked at every 256
    updates).  ``state`` = (θ, EMA θ, slots, Adam's beta powers), float32; history rows are
    float64 copies."""
    theta, ema, slots, powers = state
    XT, YT = data
    net, hyper = spec
    h_step = hist[6]
    P = theta.shape[0]
    n = XT.shape[1]
    grad = np.zeros(P, np.float32)
    before, before_slots = np.empty(P, np.float32), np.empty(slots.shape, np.float32)
    U = max(net[K.N_UNITS], 1)
    rows = max(min(net[K.N_BATCH], n), 1)
    Z = np.zeros((U, rows), np.float32)
    A = np.zeros((U, rows), np.float32)
    D = np.zeros((U, rows), np.float32)
    ema_mode = net[K.N_EMA]
    decay = hyper[X_EMA_DECAY]
    one = F32(1.0)
    row = row0
    total = hist[5][row0]
    due = K.next_recorded(step0, every)
    lr, loss = hist[3][row0], hist[4][row0]
    for s in range(nsteps):
        k = step0 + s
        if (s & 255) == 0 and interrupt[0] != 0:
            if h_step[row] != k:
                K.record_row(hist, row + 1, theta, ema, slots, lr, loss, total, k)
            return s, K.INTERRUPTED
        r0, r1 = K.batch_rows(net, n, k)
        for p in range(P):
            grad[p] = F32(0.0)
        new_loss = _loss_grad32(theta, XT, YT, r0, r1, net, hyper, Z, A, D, grad)
        _penalty32(theta, net, hyper, grad)
        if not math.isfinite(new_loss):
            if h_step[row] != k:
                K.record_row(hist, row + 1, theta, ema, slots, lr, loss, total, k)
            return s, K.DIV_LOSS
        before[:] = theta
        before_slots[:, :] = slots
        _update32(net, hyper, theta, slots, powers, grad, lrs[s])
        if not _finite32(theta):
            theta[:] = before
            slots[:, :] = before_slots
            if h_step[row] != k:
                K.record_row(hist, row + 1, theta, ema, slots, lr, loss, total, k)
            return s, K.DIV_THETA
        if ema_mode != K.EMA_OFF:
            d = decay
            if ema_mode == K.EMA_NUM_UPDATES:
                nu = F32(k + 1)
                d = min(d, (one + nu) / (F32(10.0) + nu))
            for p in range(P):
                ema[p] = ema[p] - (ema[p] - theta[p]) * (one - d)
        lr, loss = lrs[s], new_loss
        total += loss
        if k + 1 == due or s == nsteps - 1:
            row += 1
            K.record_row(hist, row, theta, ema, slots, lr, loss, total, k + 1)
            if k + 1 == due:
                due += every
    return nsteps, 0
