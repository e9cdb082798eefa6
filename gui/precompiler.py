"""Compiles the kernels fixed to a preset's networks in a separate, low-priority process.

The generic kernel trains at once; the fixed ones are about twice as fast for the chapter's small
networks but take ~10 s each to compile, which must never stall the window.  So the window asks a
child process (``python main.py precompile --preset NAME``, niced) to fill numba's disk cache
and, when it exits, tells the engine to look again: the runs switch to the fixed kernels at
their next advance.  Nothing is started when every run's kernel is already cached, or when
``DESCENT_PRECOMPILE=0`` (the tests).
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Signal

from engine import kernels as K

MAIN = Path(__file__).resolve().parent.parent / "main.py"


def enabled() -> bool:
    return os.environ.get("DESCENT_PRECOMPILE", "1") != "0"


class Precompiler(QObject):
    started = Signal(str)     # preset name
    finished = Signal(str)    # preset name (its fixed kernels are in the cache now)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._proc: QProcess | None = None
        self._current: str | None = None
        self._queue: list[str] = []

    @property
    def busy(self) -> bool:
        return self._proc is not None

    def request(self, preset: str, runs) -> bool:
        """Compile the fixed kernels of ``runs`` (a preset's) unless they are all ready; True when
        a compile was started or queued."""
        if not enabled() or not runs or preset == self._current or preset in self._queue:
            return False
        if all(r.fixed_kernel_ready() for r in runs):
            return False
        self._queue.append(preset)
        self._next()
        return True

    def _next(self) -> None:
        if self._proc is not None or not self._queue:
            return
        self._current = self._queue.pop(0)
        args = [sys.executable, str(MAIN), "precompile", "--preset", self._current]
        nice = shutil.which("nice")
        program, args = (nice, ["-n", "10", *args]) if nice else (args[0], args[1:])
        proc = QProcess(self)
        proc.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        proc.finished.connect(self._on_proc_finished)
        self._proc = proc
        proc.start(program, args)
        self.started.emit(self._current)

    def _on_proc_finished(self, _code: int, _status) -> None:
        name, self._current = self._current, None
        if self._proc is not None:
            self._proc.deleteLater()
        self._proc = None
        K.forget_not_ready()
        if name is not None:
            self.finished.emit(name)
        self._next()

    def stop(self) -> None:
        """End a compile in progress (the window is closing); the cache keeps what was done."""
        self._queue.clear()
        if self._proc is not None:
            self._proc.finished.disconnect(self._on_proc_finished)
            self._proc.kill()
            self._proc.waitForFinished(2000)
            self._proc = None
            self._current = None
