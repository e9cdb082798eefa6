"""A training run: configuration, θ, optimiser slots, EMA and the recorded history.

``Run.advance(n)`` applies n updates in one jitted call (chunked so the precomputed rates stay
small), recording them in the run's history (``engine.history``: every step until a memory
budget, then the older part thinned); ``state_at(k)`` is the exact state after any k updates
(``engine.replay``).  A float32 run trains in TensorFlow 1.x's arithmetic (``engine.run32``).
A non-finite loss or θ stops the run: ``diverged_at`` is the update that produced a non-finite θ
or a θ whose loss is not finite, and the history ends at the last state before it.
"""
from __future__ import annotations


import numpy as np

from . import backend
from . import codes as C
from .config import Config, ConfigError, validate
from .history import History, penalty  # noqa: F401 - penalty: engine.run's name for it
from .model import Problem
from .registry import OPTIMIZERS, SLOT_NAMES
from .replay import Segment, State, replay
from .run32 import Float32State, as_float32
from .run_read import RunReadout
from .schedules import learning_rates

CHUNK = 1 << 16
_NO_INTERRUPT = np.zeros(1, np.int64)
_NO_RATES = np.zeros(0)
HISTORY_BYTES = 32 * 2 ** 20   # per run by default; beyond it older history is thinned (every step stays exact: engine.replay)
MIN_ROWS = 4096
# groups whose change means the run must start again (the rest apply from the current step)
RESTART_GROUPS = ("data", "model", "loss", "reg", "init", "ema", "batch", "precision")


class Run(History, RunReadout):   # history: engine.history; the public reads: engine.run_read
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
    @property
    def max_rows(self) -> int:
        """Rows the history may hold before it is thinned (from the memory budget)."""
        P = self.problem.layout.size
        S = len(SLOT_NAMES[self.config.optimizer.name])
        row = 8 * (P * (1 + S) + (P if self.config.ema.enabled else 0) + 6) + 2   # + lr, losses, sum, step; 2 flags
        budget = HISTORY_BYTES if self.history_bytes is None else self.history_bytes
        return max(MIN_ROWS, budget // row)



    def _reset(self, theta0: np.ndarray) -> None:
        P = self.problem.layout.size
        if theta0.shape != (P,):
            raise ConfigError(f"start point has {theta0.size} values; the model has {P} parameters")
        self.theta0 = theta0.copy()
        self._f32 = Float32State(self.problem) if self.config.precision == "float32" else None
        if self._f32 is not None:       # TF feeds the start through float32 variables
            theta0 = as_float32(theta0)
        self._t0 = 0
        self._spec = self.problem.spec(self.config, self._t0)
        self._segments = [self._segment(0)]
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
        self._load32()

    def _segment(self, start: int, kernel=None) -> Segment:
        """What trains the updates after ``start`` from now on (engine.replay)."""
        return Segment(start, self.config, (self._spec[0].copy(), self._spec[1].copy()), self._t0, kernel)

    def state_at(self, k: int) -> State:
        """The exact state after k updates (0 ≤ k ≤ step): a recorded row, or the last one kept
        before k replayed to k with the kernels and settings that trained it."""
        k = int(k)
        if not 0 <= k <= self.step:
            raise ValueError(f"step {k} is outside this run's 0…{self.step}")
        r = int(self.rows([k])[0])
        h = self._h
        if int(h["step"][r]) == k:
            state = State(k, h["theta"][r].copy(), h["slots"][r].copy(),
                          h["ema"][r].copy() if self.ema.size else None, float(h["lr"][r]), float(h["bloss"][r]),
                          float(h["bsum"][r]))
        else:
            state = replay(self, r, k)
        seg = [g for g in self._segments if g.start <= k][-1]     # the optimiser whose slots these are
        state.slots = state.slots[:len(SLOT_NAMES[seg.config.optimizer.name])]
        return state

    def _load32(self) -> None:
        """A float32 run's float32 state from its (float64) θ, slots, EMA and settings."""
        if self._f32 is not None:
            self._f32.load(self)

    @property
    def t0(self) -> int:
        """The step the current optimiser started at (Adam's t counts from here)."""
        return self._t0

    @property
    def precision(self) -> str:
        return "float32" if self._f32 is not None else "float64"

    def _fresh_slots(self) -> np.ndarray:
        o = self.config.optimizer
        entry = OPTIMIZERS[o.name]
        slots = np.zeros((len(entry.slots), self.problem.layout.size))
        for i, v in enumerate(entry.start_values(o)):     # e.g. TF1's RMSProp mean square starts at ones
            slots[i] = v
        return slots

    @property
    def step(self) -> int:
        """Updates applied so far (the head of the history)."""
        return int(self._h["step"][self._len - 1])

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
        takes ~1 ms per 100 k rows).  A call of more updates than the history holds records
        them sparsely (``record_every``).  Returns how many were applied."""
        import time
        if n <= 0 or self.diverged_at is not None:
            return 0
        done = 0
        t = time.perf_counter()
        every = self.record_every(n)
        if every > 1:               # the rows kept are multiples of it: the history reads as thinned
            self._stride = max(self._stride, every)
        want = min(self._len + C.recorded_rows(self.step, n, every), self.max_rows)
        if want > self._cap:   # one allocation for the whole call: no old+new copy at every doubling
            self._alloc(min(max(2 * self._cap, want), self.max_rows))
        quarter = max(self.max_rows // 4, 1)
        while done < n and not (interrupt is not None and interrupt[0]):
            k, m = self.step, min(n - done, CHUNK, quarter * every)
            if self._len + C.recorded_rows(k, m, every) > self.max_rows:
                if not thin:
                    room = self.max_rows - self._len
                    m = min(m, room if every == 1 else (room - 1) * every)
                    if m <= 0:
                        break
                else:
                    self._thin()
            rows = C.recorded_rows(k, m, every)
            if self._len + rows > self._cap:
                self._alloc(min(max(2 * self._cap, self._len + rows), self.max_rows))
            got, div = self._advance_chunk(k, self._len - 1, m, every, interrupt)
            self._len += C.recorded_rows(k, got, every)   # (rows past the length have known/eknown False)
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

    def record_every(self, n: int) -> int:
        """The history records every update, unless one call asks for more updates than the
        whole history holds (thinning would drop most of their rows at once): then every
        ``record_every``-th step, the power of two that fits them in a quarter of it (the kept rows
        are checkpoints, so every step stays exact; a long headless run stops paying for rows)."""
        quarter = max(self.max_rows // 4, 1)
        if n <= self.max_rows:
            return 1
        return 1 << max(int(np.ceil(np.log2(n / quarter))), 0)

    def _advance_chunk(self, k: int, row: int, m: int, every: int, interrupt):
        """m updates after update k (history row ``row``) in one kernel call: (done, status)."""
        steps = np.arange(k, k + m)
        if self._f32 is None:
            lrs = learning_rates(self.config.optimizer.lr, self.config.schedule, steps)
            args = self._kernel_args(lrs, k, row, m, every, interrupt)
            kernel = self._kernel(args)
            seg = self._segments[-1]
            if seg.kernel is None:
                seg.kernel = kernel
            elif seg.kernel is not kernel:     # (the fixed kernel landed: its last bits differ)
                self._segments.append(self._segment(k, kernel))
            return kernel(*args)
        got, div = self._f32.advance(self._spec[0], self._f32.rates(steps), self._history_arrays(), k, row, m,
                                     every, _NO_INTERRUPT if interrupt is None else interrupt)
        self._f32.store(self)
        if div == C.DIV_THETA:   # the kernel put θ and slots back; Adam's powers too, from the count
            self._f32.reset_powers(self.config, k + got - self._t0)
        return got, div

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

    def _kernel_args(self, lrs=_NO_RATES, k: int = 0, row: int = 0, m: int = 0, every: int = 1,
                     interrupt=None) -> tuple:
        """The advance kernel's arguments (the defaults: a call that applies no update)."""
        return ((self.theta, self.ema, self.slots), self.problem.data, self._spec, lrs, self._history_arrays(),
                k, row, m, every, _NO_INTERRUPT if interrupt is None else interrupt)

    def _history_arrays(self) -> tuple:
        """The history columns the training kernels write, in their order."""
        h = self._h
        return h["theta"], h["ema"], h["slots"], h["lr"], h["bloss"], h["bsum"], h["step"]

    def specialise(self) -> None:
        """Compile (or load from numba's disk cache) the kernel fixed to this run's network
        structure, about twice as fast as the generic one; later advances use it."""
        if self._f32 is not None:      # the float32 kernel has one form: compile it by a call of 0 updates
            self._f32.advance(self._spec[0], np.zeros(0, np.float32), self._history_arrays(), 0, 0, 0, 1,
                              _NO_INTERRUPT)
            return
        self._kernel(self._kernel_args(), compile=True)

    def fixed_kernel_ready(self) -> bool:
        """Whether the kernel fixed to this run's structure is compiled or in the disk cache
        (it is then used from the next advance on, once the compiled kernels serve)."""
        if self._f32 is not None:
            return True
        return self._compiled_kernel(self._kernel_args()) is not backend.compiled().advance

    def truncate(self, k: int) -> None:
        """Go back to the exact state after k updates, discarding the recorded future (a step the
        thinned history no longer holds is replayed from the last kept row before it)."""
        k = int(np.clip(k, 0, self.step))
        r = int(self.rows([k])[0])
        h = self._h
        state = None if int(h["step"][r]) == k else replay(self, r, k)
        self._forget_rows_from(r + 1, self._len)
        self._len = r + 1
        if state is not None:             # the replayed step becomes the history's last row
            self._put_row(r + 1, state)
            r += 1
            self._len = r + 1
        self.theta[:] = h["theta"][r]
        if self.ema.size:
            self.ema[:] = h["ema"][r]
        self.slots[:] = h["slots"][r]
        self.diverged_at = None
        if k < self._t0:       # back before the current optimiser started: it starts again from here
            self._t0 = k
            self._spec = self.problem.spec(self.config, k)
            self.slots = self._fresh_slots()
            self._h["slots"][r] = self.slots
        self._segments = [seg for seg in self._segments if seg.start < k]
        self._segments.append(self._segment(k))
        self._load32()

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
            new_start = config.init != self.config.init or self.theta0.size != problem.layout.size
            self.problem, self.config = problem, config
            self._reset(problem.initial_theta(config) if new_start else self.theta0)
            return
        old = self.config
        self.config = config
        if config.optimizer.name != old.optimizer.name:
            # a new optimiser starts with fresh slots (and Adam's t counts from here)
            self._t0 = self.step
            self.slots = self._fresh_slots()
            self._alloc(self._cap)  # the slot width changed: earlier slot rows read as zeros
            self._h["slots"][self._len - 1] = self.slots
        self._spec = self.problem.spec(config, self._t0)
        if self._segments[-1].start == self.step:
            self._segments.pop()
        self._segments.append(self._segment(self.step))
        self._load32()

    # --- history ------------------------------------------------------------------------------
    def evaluate(self, thetas: np.ndarray, with_penalty: bool = False) -> np.ndarray:
        thetas = np.ascontiguousarray(np.atleast_2d(thetas), dtype=np.float64)
        out = np.empty(thetas.shape[0])
        backend.losses_at(thetas, self.problem.data, (0, self.problem.n), self._spec, with_penalty, out)
        return out

    def batch_gradient(self, k: int) -> np.ndarray:
        """The gradient update k+1 used (at θ after k updates, on its batch, with the penalty)."""
        rows = C.batch_rows(self._spec[0], self.problem.n, k)
        r = int(self.rows([k])[0])
        theta = self._h["theta"][r] if int(self._h["step"][r]) == k else self.state_at(k).theta
        out = np.empty((1, self.problem.layout.size))
        backend.grads_at(np.ascontiguousarray(theta[None, :]), self.problem.data, rows, self._spec, True, out)
        return out[0]

    def learning_rate(self, steps) -> np.ndarray:
        """The rate the current settings give to updates with these global steps."""
        return learning_rates(self.config.optimizer.lr, self.config.schedule, steps)

    def clone(self, label: str | None = None) -> "Run":
        """An independent copy of the run as it is (its whole history, trimmed to the rows in
        use), to train on or keep as it is; the problem (data, read-only) and the kernels are
        shared.  ``label``: the copy's (default: the same)."""
        import copy
        memo = {id(self.problem): self.problem}
        for seg in self._segments:          # compiled kernels are not copied
            memo[id(seg.kernel)] = seg.kernel
        h, self._h = self._h, None
        try:
            new = copy.deepcopy(self, memo)
        finally:
            self._h = h
        n = max(self._len, 1)
        new._h = {key: arr[:n].copy() for key, arr in h.items()}
        new._cap = n
        new.label = self.label if label is None else label
        return new


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
