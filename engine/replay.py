"""The exact state of a run at any step, however long it ran (``Run.state_at``).

Training is deterministic, so a run need not keep every step: the history keeps every step until
its memory budget and then thins its older part, but the rows it keeps hold the whole state (θ,
optimiser slots, EMA θ), so they are checkpoints.  The state after k updates is the last kept
row ≤ k advanced by the missing updates — with what trained them then: the run's *segments*
record, from each step on, the configuration (rates, optimiser, schedule) and the kernel that
trained it (the generic kernel, the one fixed to the network's structure, the numpy twin, or the
float32 kernel: each gives its own last bits), so a replay repeats the original arithmetic and
is bit-equal to it.  Kept rows are at most the history's thinning stride apart, so a replay is a
few hundred updates at most: well inside a frame.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .codes import recorded_rows
from .registry import SLOT_NAMES

_NO_INTERRUPT = np.zeros(1, np.int64)


@dataclass
class Segment:
    """From update ``start`` + 1 on (until the next segment) the run trained with these."""
    start: int
    config: object
    spec: tuple            # (net, hyper) copies
    t0: int
    kernel: object = None  # the float64 kernel used (None until the first update of the segment)


@dataclass
class State:
    """A run's state after ``step`` updates; ``lr`` and ``batch_loss`` describe update ``step``
    (NaN at step 0)."""
    step: int
    theta: np.ndarray
    slots: np.ndarray
    ema: np.ndarray | None
    lr: float
    batch_loss: float
    batch_loss_sum: float = float("nan")   # of updates 1 … step (the loss view's bins)


def _scratch(P: int, S: int, E: int) -> tuple:
    """History columns for a replay's start row 0 and the ≤ 2 rows a kernel call recording every
    m-th step writes for m updates (a multiple of m on the way, and the last)."""
    return (np.empty((3, P)), np.empty((3, E)), np.zeros((3, S, P)), np.empty(3),
            np.empty(3), np.zeros(3), np.empty(3, np.int64))


def replay(run, row: int, k: int) -> State:
    """The state after k updates from history row ``row`` (a step ≤ k) by re-running the updates
    in between with the segments' settings and kernels."""
    h = run._h
    step = int(h["step"][row])
    theta = h["theta"][row].copy()
    slots = h["slots"][row].copy()
    ema = h["ema"][row].copy()
    lr, bloss, total = float(h["lr"][row]), float(h["bloss"][row]), float(h["bsum"][row])
    P, S, E = theta.size, slots.shape[0], ema.size
    segs = run._segments
    for i, seg in enumerate(segs):
        end = segs[i + 1].start if i + 1 < len(segs) else None
        a = max(step, seg.start)
        b = k if end is None else min(k, end)
        if b <= a:
            continue
        m = b - a
        if seg.spec[0] is not run._spec[0] and len(SLOT_NAMES[seg.config.optimizer.name]) not in (0, S):
            raise ValueError(f"step {k} lies before the switch to {run.config.optimizer.name}: the "
                             f"{seg.config.optimizer.name} slots of the steps in between were not kept")
        hist = _scratch(P, S, E)
        hist[6][0] = a
        hist[5][0] = total        # the running sum goes on as in the original run (same rounding)
        if run.precision == "float32":
            got, div = _advance32(run, seg, theta, ema, slots, hist, a, m)
        else:
            from .schedules import learning_rates
            lrs = learning_rates(seg.config.optimizer.lr, seg.config.schedule, np.arange(a, b))
            got, div = seg.kernel((theta, ema, slots), run.problem.data, seg.spec, lrs, hist, a, 0, m, m,
                                  _NO_INTERRUPT)
        if got != m:
            raise RuntimeError(f"replaying updates {a + 1}…{b} stopped after {got} (status {div})")
        last = recorded_rows(a, m, m)
        lr, bloss = float(hist[3][last]), float(hist[4][last])
        total = float(hist[5][last])
        step = b
    return State(step, theta, slots, ema if E else None, lr if k else float("nan"),
                 bloss if k else float("nan"), total)


def _advance32(run, seg, theta, ema, slots, hist, a: int, m: int, every: int | None = None):
    """m float32 updates after step a with segment ``seg``'s settings, recording every
    ``every``-th step (default: only the last, as a replay needs; ``engine.trajectory``: each)."""
    from .run32 import Float32State
    from .schedules import learning_rates32
    f = Float32State(run.problem)
    f.theta, f.ema, f.slots = theta.astype(np.float32), ema.astype(np.float32), slots.astype(np.float32)
    f.reset_powers(seg.config, a - seg.t0)
    from .tf32_setup import hyper32
    f.hyper = hyper32(seg.config)
    lrs = learning_rates32(seg.config.optimizer.lr, seg.config.schedule, np.arange(a, a + m))
    got, div = f.advance(seg.spec[0], lrs, hist, a, 0, m, m if every is None else every, _NO_INTERRUPT)
    theta[:], slots[:] = f.theta, f.slots
    if ema.size:
        ema[:] = f.ema
    return got, div
