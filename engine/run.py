"""A training run: configuration, θ, optimiser slots, EMA and the recorded history.

``Run.advance(n)`` applies n updates in one jitted call (chunked so the precomputed rates stay
small).  Every step is recorded — row k is the state after k updates — until the history reaches
its memory budget; from then on the older part is thinned evenly (it keeps the steps that are
multiples of a power-of-two stride) while the most recent half stays at full resolution, so
memory stays bounded however long a run goes.  ``steps_history`` gives each row's step and
``rows(steps)`` finds the rows for steps.  The full-data loss of a row is computed on demand
(``losses``) and cached, so recording stays cheap at millions of steps.
A non-finite loss or θ stops the run: ``diverged_at`` is the update that produced a non-finite θ
or a θ whose loss is not finite, and the history ends at the last state before it.
"""
from __future__ import annotations


import numpy as np

from . import backend
from . import codes as C
from .config import Config, ConfigError, validate
from .model import Problem
from .registry import OPTIMIZERS, SLOT_NAMES
from .run_read import RunReadout
from .schedules import learning_rates

CHUNK = 1 << 16
_NO_INTERRUPT = np.zeros(1, np.int64)
_NO_RATES = np.zeros(0)
HISTORY_BYTES = 48 * 2 ** 20   # per run by default; beyond it older history is thinned
MIN_ROWS = 4096
# groups whose change means the run must start again (the rest apply from the current step)
RESTART_GROUPS = ("data", "model", "loss", "reg", "init", "ema", "batch")


class Run(RunReadout):   # the public reads (surface, decision map, batch rows…): engine.run_read
    # train with the kernel fixed to this network's structure once it is compiled (see
    # kernels.ready_advance; with numpy while engine.backend serves "advance" with it); False
    # keeps the generic kernel (the benchmark compares the two)
    fixed_kernels = True
    _structure_of = None      # the net array _structure was computed from

    def __init__(self, label: str, config: Config, problem: Problem | None = None,
                 theta0: np.ndarray | None = None, history_bytes: int | None = None):
        self.label = label
        self.history_bytes = history_bytes
        self.problem = problem if problem is not None else Problem(config)
        validate(config, None if self.problem.objective else self.problem.n)
        self.config = config
        theta0 = self.problem.initial_theta(config) if theta0 is None else np.asarray(theta0, np.float64)
        self._reset(theta0)

    # --- state --------------------------------------------------------------------------------
    def _reset(self, theta0: np.ndarray) -> None:
        P = self.problem.layout.size
        if theta0.shape != (P,):
            raise ConfigError(f"start point has {theta0.size} values; the model has {P} parameters")
        self.theta0 = theta0.copy()
        self._t0 = 0
        self._spec = self.problem.spec(self.config, self._t0)
        self._cap = 0
        self._len = 0
        self._stride = 1          # the older history keeps steps that are multiples of this
        self._alloc(1024)
        self.theta = theta0.copy()
        self.ema = theta0.copy() if self.config.ema.enabled else np.zeros(0)
        self.slots = self._fresh_slots()
        self.diverged_at: int | None = None
        self._write_row0()
        self.engine_seconds = 0.0

    def _fresh_slots(self) -> np.ndarray:
        o = self.config.optimizer
        entry = OPTIMIZERS[o.name]
        slots = np.zeros((len(entry.slots), self.problem.layout.size))
        for i, v in enumerate(entry.start_values(o)):     # e.g. TF1's RMSProp mean square starts at ones
            slots[i] = v
        return slots

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
    def max_rows(self) -> int:
        """Rows the history may hold before it is thinned (from the memory budget)."""
        P = self.problem.layout.size
        S = len(SLOT_NAMES[self.config.optimizer.name])
        row = 8 * (P * (1 + S) + (P if self.config.ema.enabled else 0) + 5) + 2
        budget = HISTORY_BYTES if self.history_bytes is None else self.history_bytes
        return max(MIN_ROWS, budget // row)

    @property
    def thin_stride(self) -> int:
        """1 while every step is kept; else the older history keeps every thin_stride-th step."""
        return self._stride

    @property
    def thinned(self) -> bool:
        """Whether older steps have been dropped from the history."""
        return self._stride > 1

    @property
    def step(self) -> int:
        """Updates applied so far (the head of the history)."""
        return int(self._h["step"][self._len - 1])

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

    @property
    def divergence_reason(self) -> str | None:
        """Why the run stopped, in one line (None while it has not diverged)."""
        if self.diverged_at is None:
            return None
        k = self.diverged_at
        lr = float(self.learning_rate(np.array([k - 1]))[0])
        return (f"the loss or θ became non-finite — the learning rate ({lr:g} at step {k}) "
                f"is likely too large for this problem")

    @property
    def finished(self) -> bool:
        return self.diverged_at is not None or self.step >= self.config.steps

    # --- training -----------------------------------------------------------------------------
    def advance(self, n: int, interrupt: np.ndarray | None = None, thin: bool = True) -> int:
        """Apply up to ``n`` updates (fewer if the run diverges, or when ``interrupt[0]`` is set by
        another thread: the kernel looks at it every 256 updates and stops, leaving a consistent
        run).  ``thin=False``: stop where the history is full instead of thinning it (a caller
        that shares the run with a window thins at a moment the window is not waiting; thinning
        takes ~1 ms per 100 k rows).  Returns how many were applied."""
        import time
        if n <= 0 or self.diverged_at is not None:
            return 0
        done = 0
        t = time.perf_counter()
        want = min(self._len + n, self.max_rows)
        if want > self._cap:   # one allocation for the whole call: no old+new copy at every doubling
            self._alloc(min(max(2 * self._cap, want), self.max_rows))
        while done < n and not (interrupt is not None and interrupt[0]):
            m = min(n - done, CHUNK, max(self.max_rows // 4, 1))
            if self._len + m > self.max_rows:
                if not thin:
                    m = self.max_rows - self._len
                    if m <= 0:
                        break
                else:
                    self._thin()
            if self._len + m > self._cap:
                self._alloc(min(max(2 * self._cap, self._len + m), self.max_rows))
            k, row = self.step, self._len - 1
            lrs = learning_rates(self.config.optimizer.lr, self.config.schedule, np.arange(k, k + m))
            args = self._kernel_args(lrs, k, row, m, interrupt)
            got, div = self._kernel(args)(*args)
            self._len += got        # (rows past the length always have known/eknown False)
            done += got
            if div == C.INTERRUPTED:
                break
            if div == C.DIV_THETA:      # update step+1 made θ non-finite; state is at step
                self.diverged_at = self.step + 1
                break
            if div == C.DIV_LOSS:       # the state after `step` updates has a non-finite loss
                bad = self.step
                if bad > 0:
                    self.truncate(bad - 1)
                self.diverged_at = max(bad, 1)
                break
        self.engine_seconds += time.perf_counter() - t
        return done

    def _kernel(self, args, compile: bool = False):
        if not compile and backend.serving_numpy("advance"):
            return backend.impl("advance").advance
        return self._compiled_kernel(args, compile)

    def _compiled_kernel(self, args, compile: bool = False):
        K = backend.compiled()
        if not self.fixed_kernels:
            return K.advance
        net = self._spec[0]
        if self._structure_of is not net:   # the key only changes with the spec (once per chunk saved)
            self._structure, self._structure_of = C.structure(net, self.problem.n), net
        return K.ready_advance(self._structure, args, compile)

    def _kernel_args(self, lrs=_NO_RATES, k: int = 0, row: int = 0, m: int = 0, interrupt=None) -> tuple:
        """The advance kernel's arguments (the defaults: a call that applies no update)."""
        h = self._h
        hist = h["theta"], h["ema"], h["slots"], h["lr"], h["bloss"], h["bsum"], h["step"]
        return ((self.theta, self.ema, self.slots), self.problem.data, self._spec, lrs, hist, k, row, m,
                _NO_INTERRUPT if interrupt is None else interrupt)

    def _forget_rows_from(self, n: int, old: int) -> None:
        """Rows n..old are no longer history: their cached losses must not be trusted when new
        rows are written there (advance relies on rows past the length being unknown)."""
        if old > n:
            self._h["known"][n:old] = False
            self._h["eknown"][n:old] = False

    def specialise(self) -> None:
        """Compile (or load from numba's disk cache) the kernel fixed to this run's network
        structure, about twice as fast as the generic one; later advances use it."""
        self._kernel(self._kernel_args(), compile=True)

    def fixed_kernel_ready(self) -> bool:
        """Whether the kernel fixed to this run's structure is compiled or in the disk cache
        (it is then used from the next advance on, once the compiled kernels serve)."""
        return self._compiled_kernel(self._kernel_args()) is not backend.compiled().advance

    def truncate(self, k: int) -> None:
        """Go back to the state after k updates (or the last recorded step before k when the
        history was thinned there), discarding the recorded future."""
        r = int(self.rows([int(np.clip(k, 0, self.step))])[0])
        h = self._h
        self._forget_rows_from(r + 1, self._len)
        self._len = r + 1
        self.theta[:] = h["theta"][r]
        if self.ema.size:
            self.ema[:] = h["ema"][r]
        self.slots[:] = h["slots"][r]
        self.diverged_at = None
        k = self.step
        if k < self._t0:
            self._t0 = 0
            self._spec = self.problem.spec(self.config, 0)

    def restart(self, theta0: np.ndarray | None = None) -> None:
        self._reset(self.theta0 if theta0 is None else np.asarray(theta0, np.float64))

    def needs_restart(self, config: Config) -> bool:
        return any(getattr(config, g) != getattr(self.config, g) for g in RESTART_GROUPS)

    def set_config(self, config: Config) -> None:
        """Apply a new configuration from the current step on (rates, optimiser, schedule,
        steps); a change to data, model, loss, regulariser, EMA, batch or init restarts the run."""
        validate(config, None if self.problem.objective else self.problem.n)
        if self.needs_restart(config):
            problem = Problem(config) if (config.data, config.model) != (self.config.data, self.config.model) \
                else self.problem
            if problem is not self.problem:
                self.problem = problem
            self.config = config
            start = problem.initial_theta(config) if config.init != self.config.init or \
                self.theta0.size != problem.layout.size else self.theta0
            self._reset(start)
            return
        old = self.config
        self.config = config
        if config.optimizer.name != old.optimizer.name:
            # a new optimiser starts with fresh slots (and Adam's t counts from here)
            self._t0 = self.step
            self.slots = self._fresh_slots()
            self._alloc(self._cap)  # the slot width changed: earlier slot rows read as zeros
            self._h["slots"][self.step] = self.slots
        self._spec = self.problem.spec(config, self._t0)

    # --- history ------------------------------------------------------------------------------
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

    def losses(self, steps=None, ema: bool = False) -> np.ndarray:
        """Full-data loss (without the penalty) at the given steps (every recorded row by default)."""
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

    def penalties(self, steps=None) -> np.ndarray:
        """The regularisation term at the given steps (every recorded row by default)."""
        rows = np.arange(self._len) if steps is None else self.rows(steps)
        return penalty(self.problem, self.config, self._h["theta"][rows])

    def evaluate(self, thetas: np.ndarray, with_penalty: bool = False) -> np.ndarray:
        thetas = np.ascontiguousarray(np.atleast_2d(thetas), dtype=np.float64)
        out = np.empty(thetas.shape[0])
        backend.losses_at(thetas, self.problem.data, (0, self.problem.n), self._spec, with_penalty, out)
        return out

    def batch_gradient(self, k: int) -> np.ndarray:
        """The gradient update k+1 used (at θ after k updates, on its batch, with the penalty)."""
        rows = C.batch_rows(self._spec[0], self.problem.n, k)
        r = int(self.rows([k])[0])
        out = np.empty((1, self.problem.layout.size))
        backend.grads_at(np.ascontiguousarray(self._h["theta"][r:r + 1]), self.problem.data, rows,
                   self._spec, True, out)
        return out[0]

    def learning_rate(self, steps) -> np.ndarray:
        """The rate the current settings give to updates with these global steps."""
        return learning_rates(self.config.optimizer.lr, self.config.schedule, steps)


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


class Comparison:
    """Several runs on the same problem and start, differing in one thing (the chapter's race)."""

    def __init__(self, name: str, base: Config, runs: list[tuple[str, dict]],
                 history_bytes: int | None = None):
        self.name = name
        self.base = base
        self.run_overrides = list(runs)
        problem = Problem(base)
        theta0 = problem.initial_theta(base)
        self.runs: list[Run] = []
        for label, overrides in runs:
            cfg = base.with_overrides(overrides)
            same = (cfg.data, cfg.model) == (base.data, base.model)
            p = problem if same else Problem(cfg)
            t0 = theta0 if same and cfg.init == base.init else None
            self.runs.append(Run(label, cfg, p, t0, history_bytes))

    def advance(self, n: int) -> None:
        for run in self.runs:
            run.advance(n)

    def run(self, label: str) -> Run:
        for r in self.runs:
            if r.label == label:
                return r
        raise KeyError(label)
