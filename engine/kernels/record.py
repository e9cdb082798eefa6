"""History rows written inside the training kernels (the float64 loop and TF's float32 one).

A kernel call records the state after every ``every``-th global step (steps that are multiples of
``every``) and always the state it stops at — the end of the call, an interruption, a divergence —
so the last row is the run's current state.  ``every`` = 1 records every update; a long call
records sparsely (``engine.run``), which costs no exactness: the kept rows are checkpoints that
``engine.replay`` replays from.  ``engine.codes.recorded_rows`` is how many rows a call wrote.
"""
from __future__ import annotations

from ..jit import njit


@njit(inline="always")
def record_row(hist, row, theta, ema, slots, lr, loss, total, step):
    """History row ``row`` := the state after ``step`` updates (``lr``, ``loss``: that update's
    rate and batch loss; ``total``: the sum of the batch losses of updates 1 … step)."""
    h_theta, h_ema, h_slots, h_lr, h_bloss, h_bsum, h_step = hist
    for p in range(theta.shape[0]):
        h_theta[row, p] = theta[p]
    for p in range(ema.shape[0]):
        h_ema[row, p] = ema[p]
    for q in range(slots.shape[0]):
        for p in range(slots.shape[1]):
            h_slots[row, q, p] = slots[q, p]
    h_lr[row] = lr
    h_bloss[row] = loss
    h_bsum[row] = total
    h_step[row] = step
