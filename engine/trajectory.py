"""θ at every step of a stretch of a run, replayed from a kept history row (for scans that need
every step of a thinned history, such as ``engine.results``).

``Run.state_at(k)`` gives one exact state; a scan over a whole stretch would replay each gap
again for every step in it.  ``thetas(run, row, stop)`` replays once, forward, from history row
``row`` to step ``stop`` with the segments' settings and kernels (as ``engine.replay`` does, so
the values are bit-equal to the recorded ones) and yields the θ of every step in chunks.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .registry import SLOT_NAMES
from .replay import _NO_INTERRUPT, _advance32

CHUNK = 1 << 15       # updates replayed per kernel call (a chunk's θ rows: CHUNK × P floats)


def thetas(run, row: int, stop: int, chunk: int = CHUNK) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(steps, θ rows) for the steps from history row ``row``'s step to ``stop`` (both included),
    in order, a chunk at a time: θ after that many updates."""
    h = run._h
    step = int(h["step"][row])
    stop = min(int(stop), run.step)
    theta, slots, ema = h["theta"][row].copy(), h["slots"][row].copy(), h["ema"][row].copy()
    yield np.array([step], np.int64), theta[None, :].copy()
    P, S, E = theta.size, slots.shape[0], ema.size
    segs = run._segments
    for i, seg in enumerate(segs):
        end = segs[i + 1].start if i + 1 < len(segs) else None
        while True:
            a = max(step, seg.start)
            b = stop if end is None else min(stop, end)
            if b <= a:
                break
            m = min(b - a, chunk)
            if seg.spec[0] is not run._spec[0] and len(SLOT_NAMES[seg.config.optimizer.name]) not in (0, S):
                raise ValueError(f"step {a} lies before the switch to {run.config.optimizer.name}: the "
                                 f"{seg.config.optimizer.name} slots of the steps in between were not kept")
            hist = _scratch(m, P, S, E)
            hist[0][0], hist[6][0] = theta, a
            if run.precision == "float32":
                got, div = _advance32(run, seg, theta, ema, slots, hist, a, m, every=1)
            else:
                from .schedules import learning_rates
                lrs = learning_rates(seg.config.optimizer.lr, seg.config.schedule, np.arange(a, a + m))
                got, div = seg.kernel((theta, ema, slots), run.problem.data, seg.spec, lrs, hist, a, 0, m, 1,
                                      _NO_INTERRUPT)      # (1: a row for every update)
            if got != m:
                raise RuntimeError(f"replaying updates {a + 1}…{a + m} stopped after {got} (status {div})")
            step = a + m
            yield np.arange(a + 1, step + 1, dtype=np.int64), hist[0][1:m + 1]


def _scratch(m: int, P: int, S: int, E: int) -> tuple:
    """History columns for a start row 0 and m updates, each recorded."""
    return (np.empty((m + 1, P)), np.empty((m + 1, E)), np.zeros((m + 1, S, P)), np.empty(m + 1),
            np.empty(m + 1), np.zeros(m + 1), np.empty(m + 1, np.int64))
