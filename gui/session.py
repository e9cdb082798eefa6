"""The session controller: ``engine.session.Session`` (the runs, the cursor, the change log, the
setting policy) adapted to Qt — signals for what it notifies, a play timer, the trainer thread,
and the kernels' warm-up.  Nothing here draws, and no setting is decided here.

Compute rate is not draw rate: at slow speeds the play timer applies N updates per tick itself;
at fast speeds a worker thread trains continuously (the kernels release the GIL) while the
timer only moves the cursor to the newest step and emits ``frame`` (≤ 60 Hz), then ``ticked``
(the window's frame scheduler lets the views due draw).  The worker and the GUI thread share
the runs under ``lock``: the worker holds it for one short chunk at a time, the GUI while views
read the histories.
"""
from __future__ import annotations

import math
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from engine import threads
from engine.run import Run
from engine.session import HISTORY_BYTES, Message, divergence_message
from engine.session import Session as EngineSession
from gui.field_names import error_text
from gui.i18n import tr
from gui.precompiler import Kernels
from gui.trainer import MAX_SPEED, TICK_MS, Trainer

SYNC_LIMIT = 2000    # up to this many updates per frame the timer applies them itself
__all__ = ["HISTORY_BYTES", "MAX_SPEED", "SYNC_LIMIT", "Session", "message_text"]


def message_text(msg: Message) -> str:
    """An engine message in the interface language (a refused value names its field as the panel does)."""
    return error_text(msg.error, msg.label) if msg.error is not None else tr(msg.template, **msg.fields)


class Session(EngineSession, QObject):
    rebuilt = Signal()                # runs were replaced (preset, restart, new start point)
    frame = Signal()                  # new state to draw (cursor or histories changed)
    ticked = Signal()                 # a play tick sent its frame: the views due draw now (under the lock)
    playing_changed = Signal(bool)    # playing?
    config_changed = Signal(str)      # run label ("" = all runs)
    branches_changed = Signal()       # a ghost branch was made, dropped, kept or restored (engine.branches)
    message = Signal(str, str)        # (level: info|warning|error|diverged, one-line text)
    ready = Signal()                  # the engine serves (numpy until compiled); views may compute
    compile_progress = Signal(str, int, int)  # (kernel being compiled, kernels done, kernels to compile)
    compiled = Signal()               # every kernel compiled and serving (faster fixed ones may follow)

    def __init__(self, preset: str = "opt4_1", parent=None):
        QObject.__init__(self, parent)
        self.speed = 50                   # updates per tick (MAX_SPEED: as fast as the budget allows)
        self.step_n = 100                 # the "step ×N" size
        self.is_ready = False
        self._next_frame_at = math.inf    # perf_counter of the next play frame (inf: none expected)
        self._trainer: Trainer | None = None
        self._replaying = False
        self._last_tick: float | None = None    # perf_counter of the last play tick
        self._owed = 0.0                        # updates due but not yet applied (a fraction)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.kernels = Kernels(self)      # numpy at once, then the compiled kernels (gui.precompiler)
        self.kernels.progress.connect(self.compile_progress)
        self.kernels.compiled.connect(self._on_kernels_compiled)
        self.kernels.message.connect(self.message)
        EngineSession.__init__(self, preset, HISTORY_BYTES)

    # --- the engine session's hooks ---------------------------------------------------------------
    def _notify(self, event: str, *args) -> None:
        getattr(self, event).emit(*args)       # rebuilt | frame | config_changed | branches_changed

    def _tell(self, msg: Message) -> None:
        self.message.emit(msg.level, message_text(msg))

    @staticmethod
    def divergence_text(r: Run) -> str:
        return message_text(divergence_message(r))

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

    def load_preset(self, name: str) -> bool:
        loaded = super().load_preset(name)
        if loaded:
            self._precompile()
        return loaded

    def shutdown(self) -> None:
        self.pause()
        self.kernels.stop()
        if self._trainer is not None:
            self._trainer.stop = True
            self._trainer.go.set()
            self._trainer.join(timeout=2.0)
            self._trainer = None

    # --- play ---------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self) -> None:
        if self.playing or not self.may_play():
            return
        self._replaying = self.cursor < self.head
        self._last_tick, self._owed = None, 0.0
        threads.parallel_threads(1)      # the trainer thread has the other core while playing
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self._trainer is not None:
            self._trainer.go.clear()
            with self.locked_now():      # the chunk in progress stops early
                pass
        if self._timer.isActive():
            self._timer.stop()
            self._next_frame_at = math.inf
            threads.parallel_threads(None)
            self.catch_up()
            self.playing_changed.emit(False)
            self.frame.emit()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def _on_timer_timeout(self) -> None:
        self._next_frame_at = time.perf_counter() + TICK_MS / 1000.0
        with self.locked_now():   # one short wait for the trainer per frame
            self._tick()
            if self.playing:
                self.ticked.emit()     # the views that draw in this frame (the window's DrawTurns)

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
                self.set_aside("played")
                self.advance_all(self._due_updates(), play=True)
        elif (self._trainer is None or not self._trainer.go.is_set()) and not all(r.finished for r in self.runs):
            # (a trainer that stopped because every run is done is not restarted: the cursor is a
            # frame behind its last chunk, and setting that "future" aside looped — a ghost and a
            # retrain of the last steps at every tick, never finishing)
            self.set_aside("played")
            if self._trainer is None:
                self._trainer = Trainer(self)
                self._trainer.start()
            self._trainer.fresh = True
            self._trainer.go.set()
        with self.lock:
            self.cursor = self.head
            self.report_divergences()
            self.frame.emit()
            finished = all(r.finished for r in self.runs)
        if finished:
            self.pause()
