"""A plain numpy float32 replica of TensorFlow 1.x's float32 training for the chapter's graphs,
written from the formulas (issue #16), not from engine/tf32.py: the trusted reference the tests
compare the engine's float32 path with, bit for bit.

numpy float32 operations round after each operation and never fuse; the order below is TF's:
the linear model's forward ``(x0·w0) + (x1·w1)``, the mse gradient ``xbᵀ·((xb·w − yb)·(2/B))``
with 2/B one float32 constant, summed over the batch in row order, the custom loss's
``where(y > y_, COST, −PROFIT)``, the optimisers as training_ops.cc, exponential decay with the C
library's powf (numpy's float32 power is not always correctly rounded), the EMA in float32.
"""
from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np

f32 = np.float32
_libm = ctypes.CDLL(ctypes.util.find_library("m"))
_libm.powf.restype = ctypes.c_float
_libm.powf.argtypes = [ctypes.c_float, ctypes.c_float]


def powf(a, b) -> np.float32:
    return f32(_libm.powf(float(a), float(b)))


def exponential_rate(base, decay, decay_steps, staircase, t) -> np.float32:
    p = f32(t) * (f32(1.0) / f32(decay_steps))
    if staircase:
        p = f32(np.floor(p))
    return f32(base) * powf(f32(decay), p)


def linear_gradient(w, xb, yb, loss, cost=1.0, profit=1.0):
    """Gradient of the batch loss of y = xb·w (one output, no bias), TF's order."""
    B = xb.shape[0]
    y = xb[:, 0] * w[0]
    for i in range(1, xb.shape[1]):
        y = y + xb[:, i] * w[i]
    if loss == "mse":
        d = (y - yb) * (f32(2.0) / f32(B))            # one float32 constant 2/B
    else:
        d = np.where(y > yb, f32(cost), -f32(profit)).astype(f32)
    g = np.empty_like(w)
    for i in range(w.shape[0]):
        acc = xb[0, i] * d[0]
        for j in range(1, B):
            acc = acc + xb[j, i] * d[j]
        g[i] = acc
    return g


def train(X, Y, w0, steps, batch, optimizer, lr, loss="mse", cost=1.0, profit=1.0,
          momentum=0.9, beta1=0.9, beta2=0.999, eps=1e-8):
    """θ after every update (rows 0..steps) of the chapter's linear model, TF's float32."""
    X32, Y32 = X.astype(f32), Y[:, 0].astype(f32)
    w = np.asarray(w0, dtype=f32).copy()
    n = X32.shape[0]
    lr, m_, b1, b2, ep = f32(lr), f32(momentum), f32(beta1), f32(beta2), f32(eps)
    acc = np.zeros_like(w)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    p1, p2 = b1, b2
    out = np.empty((steps + 1, w.size), f32)
    out[0] = w
    for k in range(steps):
        s = (k * batch) % n
        g = linear_gradient(w, X32[s:s + batch], Y32[s:s + batch], loss, cost, profit)
        if optimizer == "gd":
            w = w - g * lr
        elif optimizer == "momentum":
            acc = acc * m_ + g
            w = w - acc * lr
        else:
            alpha = (lr * f32(np.sqrt(f32(1.0) - p2))) / (f32(1.0) - p1)
            m = m + (g - m) * (f32(1.0) - b1)
            v = v + (g * g - v) * (f32(1.0) - b2)
            w = w - (m * alpha) / (np.sqrt(v) + ep)
            p1, p2 = p1 * b1, p2 * b2
        out[k + 1] = w
    return out


def train_wplus1(w0, steps, base, decay=None, decay_steps=1.0, staircase=True):
    """opt4_4 / opt4_5: loss (w + 1)², GD at a constant or exponentially decaying rate."""
    w = f32(w0)
    out = [w]
    for t in range(steps):
        lr = f32(base) if decay is None else exponential_rate(base, decay, decay_steps, staircase, t)
        g = (w + f32(1.0)) * f32(2.0)
        w = w - g * lr
        out.append(w)
    return np.array(out, dtype=f32)


def ema_script(script, decay):
    """opt4_6: [w1, shadow] at the start and after each apply, TF's ExponentialMovingAverage."""
    w1 = shadow = f32(0.0)
    step = 0
    seq = [[w1, shadow]]
    for op in script:
        if op[0] == "assign":
            if op[1] == "w1":
                w1 = f32(op[2])
            else:
                step = int(op[2])
        else:
            n = f32(step)
            d = min(f32(decay), (f32(1.0) + n) / (f32(10.0) + n))
            shadow = shadow - (shadow - w1) * (f32(1.0) - d)
            seq.append([w1, shadow])
    return np.array(seq, dtype=f32)
