"""A run's recorded history: one row per recorded step (θ, EMA θ, optimiser slots, the update's
rate and batch loss, the running sum of batch losses, the step), within a memory budget.

Every step is recorded — row k is the state after k updates — until the history reaches its
budget; from then on the older part is thinned evenly (it keeps the steps that are multiples of a
power-of-two stride) while the most recent half stays at full resolution, so memory stays bounded
however long a run goes.  The kept rows hold the whole state, so they are the checkpoints that
``engine.replay`` replays from: every step stays exact.  ``steps_history`` gives each row's step
and ``rows(steps)`` finds the rows for steps.  The full-data loss of a row is computed on demand
(``losses``) and cached, so recording stays cheap at millions of steps.
"""
from __future__ import annotations

import numpy as np

from .config import Config
from .model import Problem
from .registry import SLOT_NAMES



class History:
    """The history part of ``engine.run.Run`` (it uses the run's problem, config, θ, slots, EMA)."""
    history_bytes: int | None = None
    max_rows: int                  # rows the history may hold before it is thinned (Run says)

    def _alloc(self, cap: int) -> None:
        P, S = self.problem.layout.size, len(SLOT_NAMES[self.config.optimizer.name])
        E = P if self.config.ema.enabled else 0
        # rows ≥ len are never read before being written, so they start uninitialised
        new = dict(theta=np.empty((cap, P)), ema=np.empty((cap, E)), slots=np.zeros((cap, S, P)),
                   lr=np.empty(cap), bloss=np.empty(cap), bsum=np.empty(cap), loss=np.empty(cap),
                   known=np.zeros(cap, bool),
                   eloss=np.empty(cap), eknown=np.zeros(cap, bool), step=np.empty(cap, np.int64))
        if self._cap:
            n = self._len
            for key, arr in new.items():
                old = self._h[key]
                if old.shape[1:] == arr.shape[1:]:
                    arr[:n] = old[:n]
        self._h = new
        self._cap = cap


    def _write_row0(self) -> None:
        h = self._h
        h["theta"][0] = self.theta
        if self.ema.size:
            h["ema"][0] = self.ema
        h["slots"][0] = self.slots
        h["lr"][0] = np.nan
        h["bloss"][0] = np.nan
        h["bsum"][0] = 0.0
        h["step"][0] = 0
        self._len = 1


    @property
    def thin_stride(self) -> int:
        """1 while every step is kept; else the older history keeps every thin_stride-th step."""
        return self._stride


    @property
    def thinned(self) -> bool:
        """Whether older steps have been dropped from the history."""
        return self._stride > 1


    def _thin(self) -> None:
        """Halve the older part of the history until it fits: keep steps that are multiples of a
        doubled stride there; the most recent half of the budget stays at full resolution."""
        h, n = self._h, self._len
        recent = self.max_rows // 2
        first = True
        while n > self.max_rows * 3 // 4:
            boundary = n - recent
            if not first or self._stride == 1:   # first bring the newly old rows to the stride
                self._stride *= 2
            first = False
            old = np.flatnonzero(h["step"][:boundary] % self._stride == 0)
            for arr in h.values():
                _compact(arr, old, boundary, n)
            n = old.size + (n - boundary)
        self._forget_rows_from(n, self._len)
        self._len = n


    def rows(self, steps) -> np.ndarray:
        """History rows for the given steps: the row of that step, or of the last recorded step
        before it when it was thinned away."""
        steps = np.asarray(steps, dtype=np.int64)
        if not self.thinned:
            return np.clip(steps, 0, self._len - 1)
        r = np.searchsorted(self._h["step"][:self._len], steps, side="right") - 1
        return np.clip(r, 0, self._len - 1)


    @property
    def steps_history(self) -> np.ndarray:
        """The step (updates applied) of each history row."""
        return self._h["step"][:self._len]


    def _forget_rows_from(self, n: int, old: int) -> None:
        """Rows n..old are no longer history: their cached losses must not be trusted when new
        rows are written there (advance relies on rows past the length being unknown)."""
        if old > n:
            self._h["known"][n:old] = False
            self._h["eknown"][n:old] = False


    def _put_row(self, r: int, state: State) -> None:
        h = self._h
        h["theta"][r], h["slots"][r] = state.theta, state.slots
        if state.ema is not None:
            h["ema"][r] = state.ema
        h["lr"][r], h["bloss"][r], h["step"][r] = state.lr, state.batch_loss, state.step
        h["bsum"][r] = state.batch_loss_sum


    @property
    def theta_history(self) -> np.ndarray:
        return self._h["theta"][:self._len]


    @property
    def ema_history(self) -> np.ndarray | None:
        return self._h["ema"][:self._len] if self.config.ema.enabled else None


    @property
    def slots_history(self) -> np.ndarray:
        return self._h["slots"][:self._len]


    @property
    def lr_history(self) -> np.ndarray:
        """lr_history[k] is the rate of update k (NaN at k = 0)."""
        return self._h["lr"][:self._len]


    @property
    def batch_loss_history(self) -> np.ndarray:
        """batch_loss_history[k] is update k's batch loss before the update (NaN at k = 0)."""
        return self._h["bloss"][:self._len]


    @property
    def batch_loss_sums(self) -> np.ndarray:
        """batch_loss_sums[r] is the sum of the batch losses of updates 1 … steps_history[r]:
        all of them, also those whose rows were thinned away, so the mean batch loss between two
        recorded rows is exact (the loss view bins with it)."""
        return self._h["bsum"][:self._len]


    def losses(self, steps=None, ema: bool = False, exact: bool = False) -> np.ndarray:
        """Full-data loss (without the penalty) at the given steps (every recorded row by default).
        A step the thinned history no longer holds reads its last recorded row before it, or, with
        ``exact``, its exact state (replayed: ~0.3 ms each, for a few steps, not for drawing)."""
        if exact and steps is not None:
            return self._exact_losses(np.asarray(steps, dtype=np.int64), ema)
        rows = np.arange(self._len) if steps is None else self.rows(steps)
        key, known = ("eloss", "eknown") if ema else ("loss", "known")
        if ema and not self.config.ema.enabled:
            raise ValueError("this run has no EMA")
        src = self._h["ema" if ema else "theta"]
        missing = rows[~self._h[known][rows]]
        if missing.size:
            missing = np.unique(missing)
            vals = self.evaluate(src[missing])
            self._h[key][missing] = vals
            self._h[known][missing] = True
        return self._h[key][rows]


    def _exact_losses(self, steps: np.ndarray, ema: bool) -> np.ndarray:
        rows = self.rows(steps)
        out = self.losses(steps, ema).copy()
        for i in np.flatnonzero(self.steps_history[rows] != steps):
            st = self.state_at(int(steps[i]))
            out[i] = self.evaluate((st.ema if ema else st.theta)[None, :])[0]
        return out

    def penalties(self, steps=None, exact: bool = False) -> np.ndarray:
        """The regularisation term at the given steps (every recorded row by default; ``exact`` as
        in ``losses``)."""
        rows = np.arange(self._len) if steps is None else self.rows(steps)
        thetas = self._h["theta"][rows]
        if exact and steps is not None:
            steps = np.asarray(steps, dtype=np.int64)
            thetas = thetas.copy()
            for i in np.flatnonzero(self.steps_history[rows] != steps):
                thetas[i] = self.state_at(int(steps[i])).theta
        return penalty(self.problem, self.config, thetas)



def _compact(arr: np.ndarray, keep: np.ndarray, boundary: int, n: int) -> None:
    """In place: rows ``keep`` (sorted, all < boundary) to the front, then rows boundary..n right
    after them — moved in pieces no longer than the gap, so no piece overlaps its destination and
    no temporary larger than the kept older rows is made."""
    k = keep.size
    arr[:k] = arr[keep]
    gap = boundary - k
    if gap <= 0:
        return
    src = boundary
    while src < n:
        m = min(gap, n - src)
        arr[src - gap:src - gap + m] = arr[src:src + m]
        src += m


def penalty(problem: Problem, cfg: Config, thetas: np.ndarray) -> np.ndarray:
    w = np.atleast_2d(thetas)[:, problem.layout.weight_mask]
    if cfg.reg.kind == "l2":
        return 0.5 * cfg.reg.lam * np.sum(w * w, axis=1)
    if cfg.reg.kind == "l1":
        return cfg.reg.lam * np.sum(np.abs(w), axis=1)
    return np.zeros(w.shape[0])
