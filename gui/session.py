"""The session controller: the one object between the window and the engine.

It owns the comparison (the runs), the cursor (the step every view shows), and play state.
Compute rate is not draw rate: at slow speeds the play timer applies N updates per tick itself;
at fast speeds a worker thread trains continuously (the kernels release the GIL) while the
timer only moves the cursor to the newest step and emits ``frame`` (≤ 60 Hz).  The worker and
the GUI thread share the runs under ``lock``: the worker holds it for one short chunk at a time,
the GUI while views read the histories.  Nothing here draws.
"""
from __future__ import annotations

import contextlib
import math
import threading
import time
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from engine import presets as P
from engine import threads
from engine.config import Config, ConfigError
from engine.run import Comparison, Run
from gui.draw_rate import DrawTurns
from gui.field_names import error_text
from gui.i18n import tr
from gui.precompiler import Kernels
from gui.trainer import MAX_SPEED, TICK_MS, Trainer  # noqa: F401 - MAX_SPEED: re-exported

SYNC_LIMIT = 2000    # up to this many updates per frame the timer applies them itself
HISTORY_BYTES = 16 * 2 ** 20   # for all runs together; older history is thinned beyond it


def _with_derived_defaults(run: Run, cfg: Config, path: str) -> Config:
    """Switching from a constant rate to a decaying schedule starts decay_steps at the chapter's
    LEARNING_RATE_STEP = number of samples / BATCH_SIZE (when the problem has data)."""
    if (path == "schedule.name" and run.config.schedule.name == "constant" and cfg.schedule.name != "constant"
            and not run.problem.objective):
        return cfg.with_overrides({"schedule.decay_steps": max(run.problem.n / cfg.batch, 1.0)})
    return cfg


def _plain(value):
    """A setting's value as JSON can hold it (tuples become lists)."""
    return list(value) if isinstance(value, tuple) else value


class Session(QObject):
    rebuilt = Signal()                # runs were replaced (preset, restart, new start point)
    frame = Signal()                  # new state to draw (cursor or histories changed)
    playing_changed = Signal(bool)    # playing?
    config_changed = Signal(str)      # run label ("" = all runs)
    message = Signal(str, str)        # (level: info|warning|error|diverged, one-line text)
    ready = Signal()                  # the engine serves (numpy until compiled); views may compute
    compile_progress = Signal(str, int, int)  # (kernel being compiled, kernels done, kernels to compile)
    compiled = Signal()               # every kernel compiled and serving (faster fixed ones may follow)

    def __init__(self, preset: str = "opt4_1", parent=None):
        super().__init__(parent)
        self.preset: P.Preset = P.get(preset)
        self.comparison: Comparison | None = None
        self.cursor = 0
        self.speed = 50                   # updates per tick (MAX_SPEED: as fast as the budget allows)
        self.step_n = 100                 # the "step ×N" size
        self.steps_per_second = 0.0
        self.is_ready = False
        self.lock = threading.RLock()
        self._interrupt = np.zeros(1, np.int64)   # set: the trainer's kernel stops early (see _locked_now)
        self._next_frame_at = math.inf    # perf_counter of the next play frame (inf: none expected)
        self._trainer: Trainer | None = None
        self._reported: dict[str, int] = {}
        self._replaying = False
        self._last_tick: float | None = None    # perf_counter of the last play tick
        self._owed = 0.0                        # updates due but not yet applied (a fraction)
        self.changes: list[dict] = []   # settings changed mid-run: {step, label, path, value, old}
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.draw_turns = DrawTurns()     # which views draw in each frame while playing
        self.kernels = Kernels(self)      # numpy at once, then the compiled kernels (gui.precompiler)
        self.kernels.progress.connect(self.compile_progress)
        self.kernels.compiled.connect(self._on_kernels_compiled)
        self.kernels.message.connect(self.message)
        self._build()

    @contextlib.contextmanager
    def _locked_now(self):
        """The session lock, taken from the trainer within ~256 updates: its kernel looks at
        ``_interrupt`` and returns early, instead of the window waiting out a whole chunk."""
        self._interrupt[0] = 1
        try:
            with self.lock:
                self._interrupt[0] = 0
                yield
        finally:
            self._interrupt[0] = 0

    def reading(self):
        """A context in which the runs' histories may be read from the GUI thread outside a
        frame (a hover read-out, a background result arriving): the trainer is held meanwhile."""
        return self._locked_now()

    # --- lifecycle ----------------------------------------------------------------------------
    @property
    def is_compiled(self) -> bool:
        """Whether every generic kernel is compiled and serving (numpy serves until then)."""
        return self.kernels.is_compiled

    def start_warmup(self, delay_ms: int = 0) -> None:
        """Live at once: ``ready`` fires now, numpy serving every kernel not yet compiled (see
        engine.backend); the compiled kernels take over in the background (from ``delay_ms``
        on) as each lands (``compile_progress``; a first launch compiles them in a child
        process, ~30 s) and ``compiled`` fires when all have."""
        self.kernels.start(delay_ms)
        self._set_ready()

    def warm_up_blocking(self, on_demand: bool = False) -> None:
        """The compiled kernels serve now (compiled here first, or with ``on_demand`` each at
        its first call)."""
        self.kernels.compile_now(on_demand)
        self._set_ready()

    def _set_ready(self) -> None:
        if not self.is_ready:
            self.is_ready = True
            self.ready.emit()
            self.frame.emit()

    def _on_kernels_compiled(self) -> None:
        threads.parallel_threads(1 if self.playing else None)
        self.compiled.emit()
        self._precompile()

    def _precompile(self) -> None:
        """Have the faster kernels fixed to this preset's networks compiled in the background."""
        if not self.is_demo:
            self.kernels.request_fixed(self.preset.name, self.runs)

    def shutdown(self) -> None:
        self.pause()
        self.kernels.stop()
        if self._trainer is not None:
            self._trainer.stop = True
            self._trainer.go.set()
            self._trainer.join(timeout=2.0)
            self._trainer = None

    # --- structure ----------------------------------------------------------------------------
    @property
    def runs(self) -> list[Run]:
        return self.comparison.runs if self.comparison else []

    @property
    def head(self) -> int:
        return max((r.step for r in self.runs), default=0)

    @property
    def is_demo(self) -> bool:
        return self.preset.kind == "ema_demo"

    def _build(self, base: Config | None = None, overrides=None) -> None:
        self.pause()
        base = base if base is not None else self.preset.config
        runs = overrides if overrides is not None else list(self.preset.runs)
        self.changes = []
        self.comparison = (Comparison(self.preset.name, base, runs, HISTORY_BYTES // max(len(runs), 1))
                           if self.preset.kind == "race" else None)
        self.cursor = 0
        self.rebuilt.emit()
        self.frame.emit()

    def load_preset(self, name: str) -> None:
        try:
            preset = P.get(name)
        except ConfigError as exc:
            self.message.emit("error", error_text(exc))
            return
        self.preset = preset
        self._build()
        self.config_changed.emit("")
        self._precompile()

    def reset(self) -> None:
        """Every run back to its start (settings kept)."""
        self.pause()
        for r in self.runs:
            r.truncate(0)
        self.cursor = 0
        self.changes = [c for c in self.changes if c["step"] == 0]
        self.frame.emit()

    @property
    def base(self) -> Config:
        return self.comparison.base if self.comparison else self.preset.config

    def run_config(self, label: str) -> Config:
        return self.comparison.run(label).config

    def set_start(self, theta) -> None:
        """A new start point for every run (they restart from it)."""
        try:
            theta = np.asarray(theta, dtype=np.float64)
            for r in self.runs:
                if theta.shape != r.theta0.shape:
                    raise ConfigError(f"start point needs {r.theta0.size} values")
            self.pause()
            base = replace(self.base, init=replace(self.base.init, start=tuple(map(float, theta))))
            for r in self.runs:
                cfg = replace(r.config, init=base.init)
                r.config = cfg
                r.restart(theta)
            self.comparison.base = base
            self.changes = []
        except ConfigError as exc:
            self.message.emit("error", error_text(exc))
            return
        self.pause()
        self.cursor = 0
        self.rebuilt.emit()
        self.frame.emit()

    def set_value(self, path: str, value, label: str | None = None) -> bool:
        """Change one setting for one run (``label``) or for all of them; validated first.

        Rates and optimiser/schedule settings apply from the current step on; data, model, loss,
        regulariser, EMA, batch and initialisation changes restart the runs.  On a bad value the
        message says why and nothing changes.  Returns whether the value was taken.
        """
        if self.comparison is None:
            self.message.emit("error", tr("{preset} is a scripted demo: its settings are fixed", preset=self.preset.name))
            return False
        targets = [self.comparison.run(label)] if label else list(self.runs)
        try:
            new = [_with_derived_defaults(r, r.config.with_overrides({path: value}), path) for r in targets]
            for r, cfg in zip(targets, new):
                from engine.config import validate
                validate(cfg, None if r.problem.objective else r.problem.n)
        except ConfigError as exc:
            self.message.emit("error", error_text(exc, label))
            return False
        restart = any(r.needs_restart(cfg) for r, cfg in zip(targets, new))
        old = targets[0].config.get(path) if targets else None
        with self.lock:    # the worker may be training: change settings between its chunks
            if self.cursor < self.head and not self.playing:
                self._truncate_to_cursor()
            try:
                for r, cfg in zip(targets, new):
                    r.set_config(cfg)
            except ConfigError as exc:
                self.message.emit("error", error_text(exc, label))
                return False
        if not label:
            self.comparison.base = self.comparison.base.with_overrides({path: value})
        if restart:
            self.changes = []
            self.pause()
            self.cursor = 0
            self.rebuilt.emit()
        else:
            self.changes = [c for c in self.changes if c["step"] <= self.cursor]
            self.changes.append({"step": int(self.cursor), "label": label or "", "path": path,
                                 "value": _plain(value), "old": _plain(old)})
        self.config_changed.emit(label or "")
        self.frame.emit()
        return True

    def adopt(self, doc) -> None:
        """A loaded session (engine.session_file.SessionDoc): its runs replayed to its step.
        The replay happens first; on ConfigError the current session is untouched."""
        preset = P.get(doc.preset)
        comparison = doc.build() if preset.kind == "race" else None
        self.pause()
        with self.lock:
            self.preset = preset
            self.comparison = comparison
            self.cursor = min(int(doc.step), self.head)
            self.changes = list(doc.changes)
        self.rebuilt.emit()
        self.config_changed.emit("")
        self.frame.emit()

    # --- transport ----------------------------------------------------------------------------
    def _truncate_to_cursor(self) -> None:
        self.changes = [c for c in self.changes if c["step"] <= self.cursor]
        for r in self.runs:
            if r.step > self.cursor:
                r.truncate(self.cursor)
            elif r.diverged_at is not None and r.step == self.cursor:
                r.truncate(self.cursor)

    def step(self, n: int = 1) -> None:
        """n updates forward for every run, continuing from the cursor (discarding any future)."""
        if not self.runs or n <= 0:
            return
        self.pause()
        self._truncate_to_cursor()
        self._advance_all(n)
        self.cursor = self.head
        self._report_divergences()
        self.frame.emit()

    def step_back(self, n: int = 1) -> None:
        self.set_cursor(self.cursor - n)

    def set_cursor(self, k: int) -> None:
        k = int(np.clip(k, 0, self.head))
        if k != self.cursor:
            self.cursor = k
            self.frame.emit()

    def run_to(self, k: int) -> None:
        """Show step k, training up to it if it has not been reached."""
        if k <= self.head:
            self.set_cursor(k)
        else:
            self.cursor = self.head
            self.step(k - self.head)

    def _advance_all(self, n: int, interrupt=None, thin_until: float = math.inf, play: bool = False) -> int:
        """Every run to n updates past the one furthest behind (may run on the worker thread:
        emits nothing); ``play``: not past a run's step count.  Fewer when ``interrupt`` is set
        (the window wants the lock) or where a run's history is full after ``thin_until`` (a
        perf_counter time: thinning it then could hold up the next frame): a run left behind
        catches up in the next call, so the race stays in step."""
        t = time.perf_counter()
        done = 0
        runs = [r for r in self.runs if not (r.finished if play else r.diverged_at is not None)]
        target = min((r.step for r in runs), default=0) + n
        for r in runs:
            done += r.advance(min(target, r.config.steps if play else target) - r.step, interrupt,
                              thin=time.perf_counter() < thin_until)
        dt = time.perf_counter() - t
        if dt > 0 and done:
            rate = done / dt
            self.steps_per_second = rate if self.steps_per_second == 0 else 0.7 * self.steps_per_second + 0.3 * rate
        return done

    def _report_divergences(self) -> None:
        """A message for each run that diverged since the last report (GUI thread)."""
        for r in self.runs:
            if r.diverged_at is not None and self._reported.get(r.label) != r.diverged_at:
                self._reported[r.label] = r.diverged_at
                self.message.emit("diverged", self.divergence_text(r))
            elif r.diverged_at is None:
                self._reported.pop(r.label, None)

    @staticmethod
    def divergence_text(r: Run) -> str:
        k = r.diverged_at
        lr = float(r.learning_rate(np.array([k - 1]))[0])
        return tr("run '{label}' diverged at step {k}: the loss or θ became non-finite — the learning rate "
                  "({lr} at step {k}) is likely too large for this problem", label=r.label, k=k, lr=f"{lr:g}")

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self) -> None:
        if not self.runs or self.playing:
            return
        if all(r.finished for r in self.runs) and self.cursor >= self.head:
            self.message.emit("info", tr("every run has reached its step count; raise 'steps' or press R to reset"))
            return
        self._replaying = self.cursor < self.head
        self._last_tick, self._owed = None, 0.0
        threads.parallel_threads(1)      # the trainer thread has the other core while playing
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self._trainer is not None:
            self._trainer.go.clear()
            with self._locked_now():      # the chunk in progress stops early
                pass
        if self._timer.isActive():
            self._timer.stop()
            self._next_frame_at = math.inf
            threads.parallel_threads(None)
            self.draw_turns.clear()      # every dirty view redraws now that play stopped
            with self.lock:
                behind = [r.step for r in self.runs if not r.finished]
                if behind:                # a run the trainer's last chunk left behind catches up
                    self._advance_all(self.head - min(behind), play=True)
                self.cursor = self.head
            self._report_divergences()
            self.playing_changed.emit(False)
            self.frame.emit()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def _on_timer_timeout(self) -> None:
        self._next_frame_at = time.perf_counter() + TICK_MS / 1000.0
        with self._locked_now():   # one short wait for the trainer per frame
            self._tick()
            if self.playing:
                self.draw_turns.dispatch()     # the views that draw in this frame (see DrawTurns)

    def _due_updates(self) -> int:
        """Updates for this tick at speed ``speed`` per TICK_MS: by the time since the last tick,
        so training runs at the same rate whatever the frame rate (a slow frame is caught up,
        up to four ticks' worth)."""
        now = time.perf_counter()
        last, self._last_tick = self._last_tick, now
        ticks = 1.0 if last is None else min((now - last) * 1000.0 / TICK_MS, 4.0)
        self._owed += ticks * max(1, self.speed)
        n = max(1, int(self._owed))
        self._owed -= n
        return n

    def _tick(self) -> None:
        if self._replaying and self.cursor < self.head:   # playing through recorded history first
            self.set_cursor(min(self.head, self.cursor + max(1, min(self.speed, self.head))))
            return
        self._replaying = False
        if self.speed <= SYNC_LIMIT:
            active = [r for r in self.runs if not r.finished]
            if active:
                self._truncate_to_cursor()
                self._advance_all(self._due_updates(), play=True)
        elif self._trainer is None or not self._trainer.go.is_set():
            self._truncate_to_cursor()
            if self._trainer is None:
                self._trainer = Trainer(self)
                self._trainer.start()
            self._trainer.fresh = True
            self._trainer.go.set()
        with self.lock:
            self.cursor = self.head
            self._report_divergences()
            self.frame.emit()
            finished = all(r.finished for r in self.runs)
        if finished:
            self.pause()
