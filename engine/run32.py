"""The float32 state of a run trained in TensorFlow 1.x's arithmetic (``precision = float32``).

A run keeps its θ, EMA θ and optimiser slots as float64 arrays and its history in float64; for
a float32 run these hold float32 values exactly (a float32 widens to float64 without loss), so
the float32 state can always be rebuilt from them (after a rewind, a changed setting or a
divergence).  What float32 adds is kept here: the float32 copies the kernel updates, Adam's
float32 running products ``beta1_power`` / ``beta2_power`` (rebuilt from the updates applied
since the optimiser started), the float32 data and hyper-parameters.
"""
from __future__ import annotations

import numpy as np

from .schedules import learning_rates32

F32 = np.float32


def as_float32(values: np.ndarray) -> np.ndarray:
    """float64 values rounded to float32 and widened back (what a float32 placeholder keeps)."""
    return np.asarray(values, np.float64).astype(F32).astype(np.float64)


class Float32State:
    """The float32 copy of a run's state and the inputs of ``tf32.advance32``."""

    def __init__(self, problem):
        XT, YT = problem.data
        self.data = (np.ascontiguousarray(XT, F32), np.ascontiguousarray(YT, F32))

    def load(self, run) -> None:
        """Take the run's state (float64 arrays holding float32 values) and settings."""
        from .tf32_setup import hyper32      # (numba loads with the float32 kernels, when first used)
        cfg = run.config
        self.theta = run.theta.astype(F32)
        self.ema = run.ema.astype(F32)
        self.slots = np.ascontiguousarray(run.slots.astype(F32))
        self.reset_powers(cfg, run.step - run.t0)
        self.hyper = hyper32(cfg)
        self.lr, self.schedule = cfg.optimizer.lr, cfg.schedule

    def reset_powers(self, cfg, t: int) -> None:
        """Adam's float32 beta1_power, beta2_power after t updates of the current optimiser."""
        from .tf32_setup import beta_powers
        o = cfg.optimizer
        self.powers = beta_powers(F32(o.beta1), F32(o.beta2), t)

    def store(self, run) -> None:
        """Write the float32 state back into the run's float64 arrays."""
        run.theta[:] = self.theta
        if self.ema.size:
            run.ema[:] = self.ema
        run.slots[:] = self.slots

    def rates(self, steps) -> np.ndarray:
        return learning_rates32(self.lr, self.schedule, steps)

    def advance(self, net, lrs, hist, k: int, row: int, m: int, every: int, interrupt):
        """``m`` float32 updates after update ``k`` (history row ``row``), recording every
        ``every``-th step and the last: (updates done, status)."""
        from . import tf32
        state = (self.theta, self.ema, self.slots, self.powers)
        return tf32.advance32(state, self.data, (net, self.hyper), lrs, hist, k, row, m, every, interrupt)
