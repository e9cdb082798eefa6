"""The training loop: ``advance`` applies many updates in one compiled call (gradient, penalty,
optimiser update, divergence checks, EMA, history rows), generic or fixed to one network
structure (``_make_advance``; the fixed ones are kept by ``engine.kernels.cache``)."""
from __future__ import annotations

import math

import numpy as np

from ..codes import (DIV_LOSS, DIV_THETA, EMA_NUM_UPDATES, EMA_OFF, H_EMA_DECAY, INTERRUPTED,
                     KIND_OBJECTIVE, N_BATCH, N_EMA, N_KIND, N_T0, N_UNITS)
from ..codes import batch_rows as _batch_rows_py
from ..codes import next_recorded as _next_recorded_py
from ..jit import njit
from .losses import _loss_grad, _penalty
from .optimisers import _opt_step
from .record import record_row


@njit(inline="always")
def _all_finite(v):
    for i in range(v.shape[0]):
        if not math.isfinite(v[i]):
            return False
    return True


batch_rows = njit(inline="always")(_batch_rows_py)
next_recorded = njit(inline="always")(_next_recorded_py)


def _make_advance(shape, full):
    """The training loop, compiled generic (``shape`` None: the structure is read from the run's
    ``net`` array at run time) or fixed to one network structure (``shape``: the same values as
    a tuple, frozen into the code, so LLVM unrolls the loops over layers and units).  ``full``
    says every batch has exactly B rows (n divisible by B), so the batch loops have a fixed
    length.  What changes during a run (Adam's t0, the hyper-parameters) is read from ``spec``."""

    @njit
    def advance(state, data, spec, lrs, hist, step0, row0, nsteps, every, interrupt):
        """Apply ``nsteps`` updates starting after update ``step0`` (history row ``row0``); record
        rows row0+1 … for the steps that are multiples of ``every`` and the step the call stops at
        (``engine.kernels.record``).

        Returns (updates done, status): status 0 = all done; DIV_LOSS = the loss at the state
        after step0+done updates is not finite (that state is bad: the caller drops it);
        DIV_THETA = update step0+done+1 made θ non-finite (the state is put back to the one
        after step0+done updates); INTERRUPTED = ``interrupt[0]`` was set (looked at every 256
        updates: another thread wants the history), the state is consistent after ``done``
        updates.  In every case the last row written is the state after step0+done updates.
        """
        if shape is None:
            net = spec[0]
        else:
            net = shape
        theta, ema, slots = state
        X, Y = data
        hyper = spec[1]
        t0 = spec[0][N_T0]
        h_theta, h_slots, h_bsum, h_step = hist[0], hist[2], hist[5], hist[6]
        P = theta.shape[0]
        grad = np.empty(P)
        before, before_slots = np.empty(P), np.empty(slots.shape)   # the state an update started from
        n = X.shape[1]
        ws = np.empty((3 * max(net[N_UNITS], 1), max(min(net[N_BATCH], n), 1)))
        ema_mode, ema_decay = net[N_EMA], hyper[H_EMA_DECAY]
        r0, r1 = batch_rows(net, n, step0)
        B = net[N_BATCH]
        row = row0                       # the last row written (the state after step h_step[row])
        total = h_bsum[row0]             # batch losses of updates 1 … k
        due = next_recorded(step0, every)
        lr, loss = hist[3][row0], hist[4][row0]
        for s in range(nsteps):
            k = step0 + s
            if (s & 255) == 0 and interrupt[0] != 0:
                if h_step[row] != k:
                    record_row(hist, row + 1, theta, ema, slots, lr, loss, total, k)
                return s, INTERRUPTED
            if s > 0 and net[N_KIND] != KIND_OBJECTIVE:  # (k·B) mod n without a division
                r0 += B
                while r0 >= n:
                    r0 -= n
                r1 = r0 + B if full else min(r0 + B, n)
            for p in range(P):
                grad[p] = 0.0
            new_loss = _loss_grad(theta, X, Y, r0, r1, net, hyper, ws, grad, True)
            _penalty(theta, net, hyper, grad, True)
            if not math.isfinite(new_loss):
                if h_step[row] != k:
                    record_row(hist, row + 1, theta, ema, slots, lr, loss, total, k)
                return s, DIV_LOSS
            if every == 1:
                _opt_step(net, hyper, theta, slots, grad, lrs[s], k + 1 - t0)
            else:
                before[:] = theta
                before_slots[:, :] = slots
                _opt_step(net, hyper, theta, slots, grad, lrs[s], k + 1 - t0)
            if not _all_finite(theta):
                if every == 1:        # the last row is the state before the update
                    theta[:] = h_theta[row]
                    slots[:, :] = h_slots[row]
                else:
                    theta[:] = before
                    slots[:, :] = before_slots
                    if h_step[row] != k:
                        record_row(hist, row + 1, theta, ema, slots, lr, loss, total, k)
                return s, DIV_THETA
            if ema_mode != EMA_OFF:
                d = ema_decay
                if ema_mode == EMA_NUM_UPDATES:
                    d = min(d, (1.0 + (k + 1)) / (10.0 + (k + 1)))
                for p in range(P):
                    ema[p] -= (ema[p] - theta[p]) * (1.0 - d)
            lr, loss = lrs[s], new_loss
            total += loss
            if k + 1 == due or s == nsteps - 1:
                row += 1
                record_row(hist, row, theta, ema, slots, lr, loss, total, k + 1)
                if k + 1 == due:
                    due += every
        return nsteps, 0

    return advance


advance = _make_advance(None, False)
