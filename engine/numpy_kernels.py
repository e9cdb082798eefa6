"""The kernel API of ``engine.kernels`` in vectorised numpy, for the seconds before the numba
kernels are compiled (a first launch compiles them for ~40 s; the window trains and draws with
these meanwhile).

Same functions, arguments and results: ``advance``, ``losses_at``, ``grads_at``, ``outputs_at``,
``loss_curve``, ``activation_curve``, on the same ``net``/``hyper`` arrays (``engine.codes``) and
the same history rows, so a run can switch from one implementation to the other between two
calls and keep its history.  Where the numba kernels loop over the rows of a batch, these work
on whole arrays, and over many θ at once (a surface grid is one batched matrix product per
layer).  Results agree with the numba kernels to rounding (tests/core/test_numpy_kernels.py),
not bit for bit: numba may reassociate sums.
"""
from __future__ import annotations

import math

import numpy as np

from .codes import (A_IDENTITY, A_LEAKY, A_RELU, A_SIGMOID, A_SOFTMAX, A_SOFTPLUS, A_TANH, CE_CLIP_LO,
                    DIV_LOSS, DIV_THETA, EMA_NUM_UPDATES, EMA_OFF, H_COST, H_EMA_DECAY,
                    H_LAM, H_LEAKY, H_PROFIT, INTERRUPTED,
                    KIND_OBJECTIVE, L_ACT, L_BIAS, L_BOFF, L_NIN, L_NOUT, L_WOFF, LOSS_CUSTOM,
                    LOSS_MSE, LOSS_SOFTMAX_CE, N_EMA, N_HEAD, N_KIND, N_LAYERS, N_LOSS,
                    N_NESTEROV, N_OBJ, N_OPT, N_RED, N_REG, N_T0, NL, OBJ_BEALE, OBJ_BOWL, OBJ_ROSENBROCK,
                    OBJ_WPLUS1, RED_SUM, REG_L2,
                    REG_NONE, batch_rows)
from .codes import HYPER_FIELDS, N_CENTERED, next_recorded
from .registry import OPTIMIZERS

CELLS = 1 << 21     # θ rows × data rows × units per block of a batched evaluation (~16 MB)


# --- activations (elementwise, as kernels._act / _dact) -----------------------------------------
def _act(code, z, alpha):
    if code == A_RELU:
        return np.where(z > 0.0, z, 0.0)
    if code == A_SIGMOID:
        e = np.exp(-np.abs(z))
        return np.where(z >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
    if code == A_TANH:
        return np.tanh(z)
    if code == A_LEAKY:
        return np.where(z > 0.0, z, alpha * z)
    if code == A_SOFTPLUS:
        return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0)
    return z


def _dact(code, z, a, alpha):
    if code == A_RELU:
        return np.where(z > 0.0, 1.0, 0.0)
    if code == A_SIGMOID:
        return a * (1.0 - a)
    if code == A_TANH:
        return 1.0 - a * a
    if code == A_LEAKY:
        return np.where(z > 0.0, 1.0, alpha)
    if code == A_SOFTPLUS:
        return _act(A_SIGMOID, z, alpha)
    return np.ones_like(z)


# --- the problem, decoded once per call ---------------------------------------------------------
class _Net:
    """``net``/``hyper`` read into Python values: the layers (nin, nout, act, bias?, w offset,
    b offset), the loss and regulariser codes, and the weight ranges the penalty covers."""

    def __init__(self, net, hyper, P):
        self.objective = net[N_KIND] == KIND_OBJECTIVE
        self.obj = int(net[N_OBJ])
        self.loss, self.red, self.reg = int(net[N_LOSS]), int(net[N_RED]), int(net[N_REG])
        self.hyper = hyper
        self.alpha = float(hyper[H_LEAKY])
        self.layers = []
        for l in range(int(net[N_LAYERS])):
            b = N_HEAD + NL * l
            self.layers.append((int(net[b + L_NIN]), int(net[b + L_NOUT]), int(net[b + L_ACT]),
                                bool(net[b + L_BIAS]), int(net[b + L_WOFF]), int(net[b + L_BOFF])))
        self.units = max([1] + [nout for _, nout, *_ in self.layers])
        self.weights = [(0, P)] if self.objective else [(w, w + i * o) for i, o, _, _, w, _ in self.layers]


def _forward(thetas, X, nd: _Net):
    """Pre-activations and activations of every layer for each θ row: shapes (T, rows, units);
    the input is (1, rows, features)."""
    a = X[None]
    zs, acts = [], [a]
    for nin, nout, act, hasb, woff, boff in nd.layers:
        W = thetas[:, woff:woff + nin * nout].reshape(-1, nin, nout)
        z = a @ W
        if hasb:
            z = z + thetas[:, None, boff:boff + nout]
        if act == A_SOFTMAX:
            e = np.exp(z - z.max(axis=2, keepdims=True))
            a = e / e.sum(axis=2, keepdims=True)
        else:
            a = _act(act, z, nd.alpha)
        zs.append(z)
        acts.append(a)
    return zs, acts


def _data_loss(nd: _Net, a, Y, norm, want_grad):
    """Loss of outputs ``a`` (T, rows, C) against ``Y`` (rows, C), times ``norm``, per θ row;
    and dL/da (None unless ``want_grad``)."""
    code, h = nd.loss, nd.hyper
    if code == LOSS_MSE:
        e = a - Y
        return (e * e).sum(axis=(1, 2)) * norm, (2.0 * norm * e if want_grad else None)
    if code == LOSS_SOFTMAX_CE:
        labels = np.argmax(Y, axis=1)              # the first largest, as the kernel picks it
        onehot = np.zeros(Y.shape)
        onehot[np.arange(Y.shape[0]), labels] = 1.0
        zmax = a.max(axis=2, keepdims=True)
        e = np.exp(a - zmax)
        tot = e.sum(axis=2, keepdims=True)
        z_label = np.take_along_axis(a, np.broadcast_to(labels[None, :, None], a.shape[:2] + (1,)), axis=2)
        per_row = np.log(tot[..., 0]) + zmax[..., 0] - z_label[..., 0]
        return per_row.sum(axis=1) * norm, (norm * (e / tot - onehot) if want_grad else None)
    if code == LOSS_CUSTOM:
        over = a > Y
        cost, profit = h[H_COST], h[H_PROFIT]
        vals = np.where(over, cost * (a - Y), profit * (Y - a))
        return vals.sum(axis=(1, 2)) * norm, (norm * np.where(over, cost, -profit) if want_grad else None)
    # LOSS_CE on probabilities clipped to [1e-12, 1]; outside the clip the gradient is 0
    vals = -Y * np.log(np.clip(a, CE_CLIP_LO, 1.0))
    if not want_grad:
        return vals.sum(axis=(1, 2)) * norm, None
    inside = (a >= CE_CLIP_LO) & (a <= 1.0)
    return vals.sum(axis=(1, 2)) * norm, norm * np.where(inside, -Y / np.where(inside, a, 1.0), 0.0)


def _normaliser(nd: _Net, rows, C):
    if nd.loss == LOSS_SOFTMAX_CE:
        return 1.0 / rows
    if nd.loss == LOSS_CUSTOM and nd.red == RED_SUM:
        return 1.0
    return 1.0 / (rows * C)


def _backward(thetas, nd: _Net, zs, acts, d, grad):
    """Backpropagate dL/da of the output layer; add dL/dθ into ``grad`` (T, P)."""
    T = thetas.shape[0]
    for l in range(len(nd.layers) - 1, -1, -1):
        nin, nout, act, hasb, woff, boff = nd.layers[l]
        z, a = zs[l], acts[l + 1]
        if act == A_SOFTMAX:
            d = a * (d - (a * d).sum(axis=2, keepdims=True))
        elif act == A_RELU:
            d = np.where(z <= 0.0, 0.0, d)
        elif act != A_IDENTITY:
            d = d * _dact(act, z, a, nd.alpha)
        if hasb:
            grad[:, boff:boff + nout] += d.sum(axis=1)
        grad[:, woff:woff + nin * nout] += (np.swapaxes(acts[l], 1, 2) @ d).reshape(T, nin * nout)
        if l > 0:
            W = thetas[:, woff:woff + nin * nout].reshape(T, nin, nout)
            d = d @ np.swapaxes(W, 1, 2)


def _objective(code, th, grad):
    """The objective at each θ row (T, 1 or 2); adds its gradient into ``grad`` when given."""
    if code == OBJ_WPLUS1:
        w = th[:, 0]
        if grad is not None:
            grad[:, 0] += 2.0 * (w + 1.0)
        return (w + 1.0) * (w + 1.0)
    x, y = th[:, 0], th[:, 1]
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
    if grad is not None:
        grad[:, 0] += gx
        grad[:, 1] += gy
    return f


def _loss_grad(thetas, X, Y, nd: _Net, grad):
    """Data loss of each θ row over rows X, Y (the objective's value for objectives); adds dL/dθ
    into ``grad`` (T, P) unless it is None."""
    with np.errstate(all="ignore"):        # a diverging run overflows; the caller checks isfinite
        if nd.objective:
            return _objective(nd.obj, thetas, grad)
        zs, acts = _forward(thetas, X, nd)
        loss, d = _data_loss(nd, acts[-1], Y, _normaliser(nd, X.shape[0], Y.shape[1]), grad is not None)
        if grad is not None:
            _backward(thetas, nd, zs, acts, d, grad)
        return loss


def _penalty(thetas, nd: _Net, grad):
    """λ·Σw²/2 (L2) or λ·Σ|w| (L1) over the weights of each θ row; its gradient into ``grad``."""
    lam = nd.hyper[H_LAM]
    total = np.zeros(thetas.shape[0])
    if nd.reg == REG_NONE or lam == 0.0:
        return total
    with np.errstate(all="ignore"):
        for lo, hi in nd.weights:
            w = thetas[:, lo:hi]
            if nd.reg == REG_L2:
                total += (0.5 * lam * w * w).sum(axis=1)
                if grad is not None:
                    grad[:, lo:hi] += lam * w
            else:
                total += (lam * np.abs(w)).sum(axis=1)
                if grad is not None:
                    grad[:, lo:hi] += lam * np.sign(w)
    return total


# --- optimisers (TensorFlow 1.x update rules, as kernels._opt_step) ------------------------------
class _Hyper:
    """The optimiser's settings as the registry's numpy updates read them (OptimizerSpec names),
    from the kernels' ``hyper`` array and ``net`` flags."""

    def __init__(self, net, h):
        for index, name in HYPER_FIELDS.items():
            setattr(self, name, float(h[index]))
        self.nesterov = bool(net[N_NESTEROV])
        self.centered = bool(net[N_CENTERED])


def _opt_step(opt, hp, theta, slots, g, lr, t):
    """One update: the optimiser's registry entry's numpy reference (the same code engine.reference uses)."""
    _UPDATES[opt](theta, slots, g, lr, t, hp)


_UPDATES = {o.code: o.update for o in OPTIMIZERS.values()}


# --- the kernel API -------------------------------------------------------------------------------
def advance(state, data, spec, lrs, hist, step0, row0, nsteps, every, interrupt):
    """``kernels.advance``: ``nsteps`` updates after update ``step0`` (history row ``row0``),
    recording the steps that are multiples of ``every`` and the one it stops at (rows row0+1 …);
    returns (updates done, status) with the same statuses."""
    net, hyper = spec
    theta, ema, slots = state
    h_bsum, h_step = hist[5], hist[6]
    nd = _Net(net, hyper, theta.shape[0])
    X, Y = data[0].T, data[1].T
    n = X.shape[0]
    opt, t0 = int(net[N_OPT]), int(net[N_T0])
    hp = _Hyper(net, hyper)
    ema_mode, ema_decay = int(net[N_EMA]), float(hyper[H_EMA_DECAY])
    th = theta[None]                       # a view: updates of θ show in it
    grad = np.empty((1, theta.shape[0]))
    g = grad[0]
    row, total, due = row0, float(h_bsum[row0]), next_recorded(step0, every)
    lr, loss = float(hist[3][row0]), float(hist[4][row0])

    def record(r, step):
        _record(hist, r, theta, ema, slots, lr, loss, total, step)

    with np.errstate(all="ignore"):
        for s in range(nsteps):
            k = step0 + s
            if (s & 255) == 0 and interrupt[0] != 0:
                if h_step[row] != k:
                    record(row + 1, k)
                return s, INTERRUPTED
            r0, r1 = batch_rows(net, n, k)
            grad[:] = 0.0
            new_loss = float(_loss_grad(th, X[r0:r1], Y[r0:r1], nd, grad)[0])
            _penalty(th, nd, grad)
            if not math.isfinite(new_loss):
                if h_step[row] != k:
                    record(row + 1, k)
                return s, DIV_LOSS
            before, before_slots = theta.copy(), slots.copy()
            _opt_step(opt, hp, theta, slots, g, lrs[s], k + 1 - t0)
            if not np.isfinite(theta).all():
                theta[:], slots[:, :] = before, before_slots
                if h_step[row] != k:
                    record(row + 1, k)
                return s, DIV_THETA
            if ema_mode != EMA_OFF:
                d = ema_decay
                if ema_mode == EMA_NUM_UPDATES:
                    d = min(d, (1.0 + (k + 1)) / (10.0 + (k + 1)))
                ema -= (ema - theta) * (1.0 - d)
            lr, loss = lrs[s], new_loss
            total += loss
            if k + 1 == due or s == nsteps - 1:
                row += 1
                record(row, k + 1)
                due += every if k + 1 == due else 0
    return nsteps, 0


def _record(hist, r, theta, ema, slots, lr, loss, total, step) -> None:
    h_theta, h_ema, h_slots, h_lr, h_bloss, h_bsum, h_step = hist
    h_theta[r], h_slots[r] = theta, slots
    if ema.size:
        h_ema[r] = ema
    h_lr[r], h_bloss[r], h_bsum[r], h_step[r] = lr, loss, total, step


def _blocks(T, rows, units):
    """Slices of the θ rows so one block holds about CELLS values per layer."""
    size = max(1, CELLS // max(rows * units, 1))
    return [slice(i, min(i + size, T)) for i in range(0, T, size)]


def losses_at(thetas, data, rows, spec, with_penalty, out):
    """out[i] = loss at θ = thetas[i] over rows[0]..rows[1] (+ the penalty when asked)."""
    nd = _Net(spec[0], spec[1], thetas.shape[1])
    X, Y = data[0].T[rows[0]:rows[1]], data[1].T[rows[0]:rows[1]]
    for sl in _blocks(thetas.shape[0], X.shape[0], nd.units):
        v = _loss_grad(thetas[sl], X, Y, nd, None)
        out[sl] = v + _penalty(thetas[sl], nd, None) if with_penalty else v


def grads_at(thetas, data, rows, spec, with_penalty, out):
    """out[i] = dL/dθ at θ = thetas[i] over rows[0]..rows[1] (+ the penalty's gradient when asked)."""
    nd = _Net(spec[0], spec[1], thetas.shape[1])
    X, Y = data[0].T[rows[0]:rows[1]], data[1].T[rows[0]:rows[1]]
    for sl in _blocks(thetas.shape[0], X.shape[0], nd.units):
        g = np.zeros((sl.stop - sl.start, thetas.shape[1]))
        _loss_grad(thetas[sl], X, Y, nd, g)
        if with_penalty:
            _penalty(thetas[sl], nd, g)
        out[sl] = g


def outputs_at(theta, XT, spec, out):
    """Network outputs (after the output activation) for every column of XT."""
    nd = _Net(spec[0], spec[1], theta.shape[0])
    X = XT.T
    step = max(1, CELLS // nd.units)
    with np.errstate(all="ignore"):
        for r0 in range(0, X.shape[0], step):
            out[r0:r0 + step] = _forward(theta[None], X[r0:r0 + step], nd)[1][-1][0]


def loss_curve(spec, preds, target, out, dout):
    """The loss of one prediction p (each of ``preds``) against ``target``, and dL/dp (one row,
    one output, normaliser 1, as kernels.loss_curve)."""
    nd = _Net(spec[0], spec[1], 0)
    a = np.asarray(preds, dtype=np.float64).reshape(-1, 1, 1)
    with np.errstate(all="ignore"):
        v, d = _data_loss(nd, a, np.full((1, 1), float(target)), 1.0, True)
    out[:] = v
    dout[:] = d[:, 0, 0]


def activation_curve(code, z, out, dout):
    """An activation and its derivative at each z, as the kernels compute them (softmax, which
    needs a whole layer, is the identity here as there)."""
    with np.errstate(all="ignore"):
        a = _act(code, z, 0.2) if code != A_SOFTMAX else z
        out[:] = a
        dout[:] = _dact(code, z, a, 0.2) if code != A_SOFTMAX else 1.0
