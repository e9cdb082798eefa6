"""The session controller: the one object between the window and the engine.

It owns the comparison (the runs), the cursor (the step every view shows), and play state.
Training happens in the play timer's tick with a time budget (never in a paint); views redraw
on ``frame``, which is emitted at most once per tick.  Nothing here draws.
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal

from engine import presets as P
from engine.config import Config, ConfigError
from engine.run import Comparison, Run

TICK_MS = 16
BUDGET_S = 0.010   # engine time per tick while playing
MAX_SPEED = 10 ** 7


class _Warmup(QThread):
    """Compiles (or loads from cache) every kernel once, off the GUI thread."""

    def run(self):  # noqa: D401 - Qt override
        from engine.warmup import warm_up
        warm_up()


class Session(QObject):
    rebuilt = Signal()                # runs were replaced (preset, restart, new start point)
    frame = Signal()                  # new state to draw (cursor or histories changed)
    playing_changed = Signal(bool)    # playing?
    config_changed = Signal(str)      # run label ("" = all runs)
    message = Signal(str, str)        # (level: info|warning|error, one-line text)
    ready = Signal()                  # kernels compiled; views may compute

    def __init__(self, preset: str = "opt4_1", parent=None):
        super().__init__(parent)
        self.preset: P.Preset = P.get(preset)
        self.comparison: Comparison | None = None
        self.cursor = 0
        self.speed = 50                   # updates per tick (MAX_SPEED: as fast as the budget allows)
        self.step_n = 100                 # the "step ×N" size
        self.steps_per_second = 0.0
        self.is_ready = False
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._warm: _Warmup | None = None
        self._build()

    # --- lifecycle ----------------------------------------------------------------------------
    def start_warmup(self) -> None:
        """Compile kernels in the background; ``ready`` fires when done."""
        if self.is_ready or self._warm is not None:
            return
        self._warm = _Warmup(self)
        self._warm.finished.connect(self._on_warm_finished)
        self._warm.start()

    def warm_up_blocking(self) -> None:
        from engine.warmup import warm_up
        warm_up()
        self._on_warm_finished()

    def _on_warm_finished(self) -> None:
        self.is_ready = True
        self._warm = None
        self.ready.emit()
        self.frame.emit()

    def shutdown(self) -> None:
        self.pause()
        if self._warm is not None:
            self._warm.wait()

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
        self.comparison = Comparison(self.preset.name, base, runs) if self.preset.kind == "race" else None
        self.cursor = 0
        self.rebuilt.emit()
        self.frame.emit()

    def load_preset(self, name: str) -> None:
        try:
            preset = P.get(name)
        except ConfigError as exc:
            self.message.emit("error", str(exc))
            return
        self.preset = preset
        self._build()
        self.config_changed.emit("")

    def reset(self) -> None:
        """Every run back to its start (settings kept)."""
        self.pause()
        for r in self.runs:
            r.truncate(0)
        self.cursor = 0
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
            base = replace(self.base, init=replace(self.base.init, start=tuple(map(float, theta))))
            for r in self.runs:
                cfg = replace(r.config, init=base.init)
                r.config = cfg
                r.restart(theta)
            self.comparison.base = base
        except ConfigError as exc:
            self.message.emit("error", str(exc))
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
        targets = [self.comparison.run(label)] if label else list(self.runs)
        try:
            new = [r.config.with_overrides({path: value}) for r in targets]
            for r, cfg in zip(targets, new):
                from engine.config import validate
                validate(cfg, None if r.problem.objective else r.problem.n)
        except ConfigError as exc:
            self.message.emit("error", str(exc))
            return False
        if self.cursor < self.head:
            self._truncate_to_cursor()
        restart = any(r.needs_restart(cfg) for r, cfg in zip(targets, new))
        try:
            for r, cfg in zip(targets, new):
                r.set_config(cfg)
        except ConfigError as exc:
            self.message.emit("error", str(exc))
            return False
        if not label:
            self.comparison.base = self.comparison.base.with_overrides({path: value})
        if restart:
            self.pause()
            self.cursor = 0
            self.rebuilt.emit()
        self.config_changed.emit(label or "")
        self.frame.emit()
        return True

    # --- transport ----------------------------------------------------------------------------
    def _truncate_to_cursor(self) -> None:
        for r in self.runs:
            if r.step > self.cursor:
                r.truncate(self.cursor)
            elif r.diverged_at is not None and r.step == self.cursor:
                r.truncate(self.cursor)

    def step(self, n: int = 1) -> None:
        """n updates forward for every run, continuing from the cursor (discarding any future)."""
        if not self.runs or n <= 0:
            return
        self._truncate_to_cursor()
        self._advance_all(n)
        self.cursor = self.head
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

    def _advance_all(self, n: int) -> int:
        t = time.perf_counter()
        before = [r.diverged_at for r in self.runs]
        done = 0
        for r in self.runs:
            done += r.advance(n)
        dt = time.perf_counter() - t
        if dt > 0 and done:
            rate = done / dt
            self.steps_per_second = rate if self.steps_per_second == 0 else 0.7 * self.steps_per_second + 0.3 * rate
        for r, b in zip(self.runs, before):
            if r.diverged_at is not None and b is None:
                self.message.emit("warning", self.divergence_text(r))
        return done

    @staticmethod
    def divergence_text(r: Run) -> str:
        return (f"run '{r.label}' diverged at step {r.diverged_at}: the loss or θ became infinite — "
                f"the learning rate ({r.config.optimizer.lr:g}) is too large for this problem")

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self) -> None:
        if not self.runs or self.playing:
            return
        if all(r.finished for r in self.runs) and self.cursor >= self.head:
            self.message.emit("info", "every run has reached its step count; raise 'steps' or press R to reset")
            return
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.playing_changed.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def _on_timer_timeout(self) -> None:
        if self.cursor < self.head:      # playing through recorded history first
            self.set_cursor(min(self.head, self.cursor + max(1, min(self.speed, self.head))))
            return
        active = [r for r in self.runs if not r.finished]
        if not active:
            self.pause()
            return
        t0 = time.perf_counter()
        remaining = min(r.config.steps - r.step for r in active)
        want = remaining if self.speed >= MAX_SPEED else min(self.speed, remaining)
        chunk = max(1, min(want, 256))
        done = 0
        while done < want:
            n = min(chunk, want - done)
            self._truncate_to_cursor()
            self._advance_all(n)
            done += n
            self.cursor = self.head
            spent = time.perf_counter() - t0
            if spent > BUDGET_S or all(r.finished for r in self.runs):
                break
            if spent < BUDGET_S / 4:
                chunk *= 2
        self.frame.emit()
        if all(r.finished for r in self.runs):
            self.pause()
