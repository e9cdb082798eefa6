"""A plain numpy implementation of one training run, written from the formulas, not from the
kernels: the trusted reference the tests compare the engine with, and the loop the benchmark
measures the engine against (same work: forward, backward, update, history).
"""
from __future__ import annotations

import math

import numpy as np

from .registry import OPTIMIZERS

ALPHA = 0.2


def act(name, z):
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "leaky_relu":
        return np.where(z > 0, z, ALPHA * z)
    if name == "softplus":
        return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return z


def dact(name, z, a):
    if name == "relu":
        return (z > 0).astype(float)
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, ALPHA)
    if name == "softplus":
        return 1.0 / (1.0 + np.exp(-z))
    return np.ones_like(z)


def unpack(theta, layout):
    Ws, bs = [], []
    for blk in layout.blocks:
        n = int(np.prod(blk.shape))
        arr = theta[blk.offset:blk.offset + n].reshape(blk.shape)
        (Ws if blk.is_weight else bs).append(arr)
    return Ws, bs


def objective(name, th):
    if name == "wplus1":
        return (th[0] + 1) ** 2, np.array([2 * (th[0] + 1)])
    x, y = th
    if name == "bowl":
        return x * x + 10 * y * y, np.array([2 * x, 20 * y])
    if name == "rosenbrock":
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2, np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    if name == "beale":
        f = lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2
        h = 1e-6
        return f(x, y), np.array([(f(x + h, y) - f(x - h, y)) / (2 * h), (f(x, y + h) - f(x, y - h)) / (2 * h)])
    return x * x - y * y, np.array([2 * x, -2 * y])


def loss_grad(theta, cfg, layout, X, Y):
    """(data loss, gradient of data loss + penalty) on rows X, Y, with numpy matrices."""
    if not layout.sizes:
        f, g = objective(cfg.data.name, theta)
        return f, g + penalty_grad(theta, cfg, layout)
    Ws, bs = unpack(theta, layout)
    a, zs, As = X, [], [X]
    for l, W in enumerate(Ws):
        z = a @ W + (bs[l] if layout.bias else 0.0)
        a = act(layout.activations[l], z)
        zs.append(z)
        As.append(a)
    name = cfg.loss.name
    if name == "mse":
        loss = np.mean((Y - a) ** 2)
        da = 2 * (a - Y) / a.size
    elif name == "custom":
        over = a > Y
        loss = np.sum(np.where(over, cfg.loss.cost * (a - Y), cfg.loss.profit * (Y - a)))
        da = np.where(over, cfg.loss.cost, -cfg.loss.profit)
        if cfg.loss.reduction == "mean":
            loss, da = loss / a.size, da / a.size
    elif name == "ce":
        loss = -np.mean(Y * np.log(np.clip(a, 1e-12, 1.0)))
        inside = (a >= 1e-12) & (a <= 1.0)
        da = np.where(inside, -Y / np.where(inside, a, 1.0), 0.0) / a.size
    else:  # softmax cross entropy with logits, labels = argmax(Y)
        labels = np.argmax(Y, axis=1)
        z = a - a.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -np.mean(logp[np.arange(len(a)), labels])
        da = (np.exp(logp) - np.eye(a.shape[1])[labels]) / len(a)
    grads_W, grads_b = [None] * len(Ws), [None] * len(Ws)
    d = da
    for l in range(len(Ws) - 1, -1, -1):
        name_l = layout.activations[l]
        if name_l == "softmax":
            s = As[l + 1]
            dz = s * (d - np.sum(s * d, axis=1, keepdims=True))
        else:
            dz = d * dact(name_l, zs[l], As[l + 1])
        grads_W[l] = As[l].T @ dz
        grads_b[l] = dz.sum(axis=0)
        d = dz @ Ws[l].T
    g = np.empty_like(theta)
    li = 0
    for blk in layout.blocks:
        n = int(np.prod(blk.shape))
        idx = int(blk.name[1:]) - 1
        g[blk.offset:blk.offset + n] = (grads_W[idx] if blk.is_weight else grads_b[idx]).ravel()
        li += 1
    return loss, g + penalty_grad(theta, cfg, layout)


def penalty_grad(theta, cfg, layout):
    mask = layout.weight_mask
    if cfg.reg.kind == "l2":
        return np.where(mask, cfg.reg.lam * theta, 0.0)
    if cfg.reg.kind == "l1":
        return np.where(mask, cfg.reg.lam * np.sign(theta), 0.0)
    return np.zeros_like(theta)


def rate(cfg, step):
    """TF1 exponential decay (the others via engine.schedules are checked against formulas in tests)."""
    s = cfg.schedule
    if not s.advance_global_step:
        step = 0
    if s.name == "constant":
        return cfg.optimizer.lr
    if s.name == "exponential":
        p = step / s.decay_steps
        return cfg.optimizer.lr * s.decay ** (math.floor(p) if s.staircase else p)
    raise NotImplementedError(s.name)


def train(cfg, problem, theta0, steps):
    """The engine's run, step by step in numpy.  Returns θ, EMA θ, lr and batch-loss histories."""
    lay, X, Y = problem.layout, problem.X, problem.Y
    theta = theta0.astype(np.float64).copy()
    o = cfg.optimizer
    P = theta.size
    entry = OPTIMIZERS[o.name]             # its numpy update (TF 1.x's rule) and slot start values
    slots = np.array([np.full(P, v) for v in entry.start_values(o)]).reshape(len(entry.slots), P)
    ema = theta.copy()
    H = np.empty((steps + 1, P))
    E = np.empty((steps + 1, P))
    lr_h = np.full(steps + 1, np.nan)
    bl_h = np.full(steps + 1, np.nan)
    H[0] = theta
    E[0] = ema
    n, B = (len(X), cfg.batch)
    for k in range(steps):
        if lay.sizes:
            start = (k * B) % n
            loss, g = loss_grad(theta, cfg, lay, X[start:start + B], Y[start:start + B])
        else:
            loss, g = loss_grad(theta, cfg, lay, None, None)
        lr = rate(cfg, k)
        t = k + 1
        entry.update(theta, slots, g, lr, t, o)
        if cfg.ema.enabled:
            d = min(cfg.ema.decay, (1 + t) / (10 + t)) if cfg.ema.num_updates else cfg.ema.decay
            ema = ema - (ema - theta) * (1 - d)
        H[k + 1], E[k + 1], lr_h[k + 1], bl_h[k + 1] = theta, ema, lr, loss
    return dict(theta=H, ema=E, lr=lr_h, batch_loss=bl_h)
