"""The session's trainer thread: trains the runs continuously while the window plays at high
speed (the kernels release the GIL), one short chunk at a time under the session's lock, so the
window takes the lock between chunks for each frame.  It never touches a widget."""
from __future__ import annotations

import threading
import time

import numpy as np

from engine import backend, threads

TICK_MS = 15          # the window's frame period while playing
MAX_SPEED = 10 ** 7   # the session's "as fast as the budget allows"
CHUNK_S = 0.001       # target time per locked chunk (the window waits up to one for a frame)
THIN_GUARD_S = 0.004  # thin a history only while the next frame is at least this far off
TRAINER_NICE = 5


class Trainer(threading.Thread):
    """Trains the session's runs while ``go`` is set; never touches a widget."""

    def __init__(self, session):
        super().__init__(name="descent-trainer", daemon=True)
        self.session = session
        self.go = threading.Event()
        self.stop = False
        self.fresh = False     # set at each start of play: look for cached fixed kernels first

    def run(self) -> None:
        s = self.session
        chunk = 64
        threads.lower_priority(TRAINER_NICE)      # the window draws first when both cores are busy
        while True:
            self.go.wait()
            if self.stop:
                return
            if self.fresh:        # loading a cached fixed kernel takes ~20 ms: not under the lock
                self.fresh = False
                for r in [] if backend.serving_numpy("advance") else list(s.runs):   # (a first launch: none)
                    try:
                        r.fixed_kernel_ready()
                    except Exception:  # noqa: BLE001 - best effort off the lock: the run keeps the generic kernel
                        pass
            with s.lock:
                if not self.go.is_set() or self.stop:
                    continue
                if all(r.finished for r in s.runs):
                    self.go.clear()
                    continue
                t = time.perf_counter()
                # thinning a full history holds the lock ~1 ms per run: only early in a frame period
                done = s.advance_all(chunk, s.interrupt, thin_until=s._next_frame_at - THIN_GUARD_S, play=True)
                dt = time.perf_counter() - t
            if not done:           # interrupted, or every history full until the next frame's thinning
                time.sleep(0.0005)
                continue
            per_run = done / max(len(s.runs), 1)       # (a run may have stopped early)
            chunk = int(np.clip((chunk * CHUNK_S * per_run / max(dt, 1e-6)) ** 0.5, 1, 1 << 16))
            if s.speed < MAX_SPEED:   # rate limit: speed updates per frame of TICK_MS
                time.sleep(max(0.0, per_run * TICK_MS / 1000.0 / s.speed - dt))
            else:
                time.sleep(0)  # let the GUI thread take the lock
