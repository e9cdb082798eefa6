"""Kernels compiled in the background, so the window never waits for numba.

``EngineWarmup`` (a thread, at launch): loads the generic kernels numba's disk cache holds (a warm
launch ends there, in ~0.4 s) and has a child process (``python main.py precompile --engine``,
niced) compile the missing ones on a first launch, ~40 s; it reads the child's progress lines,
loads each kernel as it lands and makes it serve (``engine.backend``; numpy serves until then).
Where the cache cannot be written it compiles in this process instead.

``Precompiler`` (afterwards): the kernels fixed to a preset's networks are about twice as fast for
the chapter's small networks but take ~10 s each to compile; a child process
(``python main.py precompile --preset NAME``, niced) fills numba's disk cache and, when it exits,
the engine looks again: the runs switch to the fixed kernels at their next advance.  Nothing is
started when every run's kernel is already cached, or when ``DESCENT_PRECOMPILE=0`` (the tests).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QThread, QTimer, Signal

from engine import backend
from gui.i18n import tr

MAIN = Path(__file__).resolve().parent.parent / "main.py"


def enabled() -> bool:
    return os.environ.get("DESCENT_PRECOMPILE", "1") != "0"


def _niced(args: list[str]) -> list[str]:
    nice = shutil.which("nice")
    return [nice, "-n", "10", *args] if nice else args


class EngineWarmup(QThread):
    """Makes the compiled generic kernels serve, compiling the missing ones in a child process;
    never touches a widget.  ``progress`` while compiling; QThread's ``finished`` at the end."""
    progress = Signal(str, int, int)   # (kernel being compiled, kernels compiled, kernels to compile)
    loaded = Signal(str)               # name in engine.warmup.ORDER: it serves from now on

    def __init__(self, parent=None):
        super().__init__(parent)
        self._proc: subprocess.Popen | None = None
        self._stopped = False

    def run(self):  # noqa: D401 - Qt override
        from engine import jit, warmup
        missing = warmup.load_cached(on_loaded=self._serve)
        if missing and jit.FLAGS["cache"] and not self._stopped:
            self._compile_in_child(len(missing))
            missing = warmup.load_cached(missing, on_loaded=self._serve)
        if missing and not self._stopped:       # no usable cache (or the child failed): compile here
            warmup.warm_up(missing, self._on_stage)
            for name in missing:
                self._serve(name)

    def _serve(self, name: str) -> None:
        from engine.warmup import SERVES
        for kernel in SERVES[name]:
            backend.serve_compiled(kernel)
        self.loaded.emit(name)

    def _on_stage(self, stage: str, name: str, i: int, n: int) -> None:
        from engine.warmup import COMPILING
        self.progress.emit(name, i - 1 if stage == COMPILING else i, n)

    def _compile_in_child(self, n: int) -> None:
        from engine import warmup
        try:
            self._proc = subprocess.Popen(_niced([sys.executable, str(MAIN), "precompile", "--engine"]),
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                          stdin=subprocess.DEVNULL)
        except OSError:          # no child: run() compiles here instead
            return
        for line in self._proc.stdout:
            stage = warmup.parse_progress(line)
            if stage is None:
                continue
            if stage[0] == warmup.COMPILED:      # on disk now: load it and let it serve
                warmup.load_cached([stage[1]], on_loaded=self._serve)
            self._on_stage(*stage)
        self._proc.wait()

    def stop(self) -> None:
        """End a compile in progress (the window is closing); the cache keeps what was done.  A
        compile in this process cannot be cut short: ``wait()`` then waits for it."""
        self._stopped = True
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()


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
        program, *args = _niced([sys.executable, str(MAIN), "precompile", "--preset", self._current])
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
        backend.compiled().forget_not_ready()
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


class Kernels(QObject):
    """What serves a session's kernels, and the compiling behind it: numpy at once (``start``),
    the compiled generic kernels as they land (``EngineWarmup``), then the faster kernels fixed
    to the networks of the preset shown (``Precompiler``)."""
    progress = Signal(str, int, int)   # (kernel being compiled, kernels compiled, kernels to compile)
    compiled = Signal()                # every generic kernel compiled and serving
    message = Signal(str, str)         # (level, one line) for the status bar

    def __init__(self, parent=None):
        super().__init__(parent)
        self.is_compiled = False
        self._stopped = False
        self._warm: EngineWarmup | None = None
        self.fixed = Precompiler(self)
        self.fixed.started.connect(self._on_fixed_started)
        self.fixed.finished.connect(self._on_fixed_finished)

    def start(self, delay_ms: int = 0) -> None:
        """Numpy serves every kernel not yet compiled in this process, from now; a background
        thread makes the compiled ones serve as they are loaded or compiled, starting after
        ``delay_ms`` (the window's first frame comes first: loading numba holds the GIL ~0.3 s)."""
        if self.is_compiled or self._warm is not None:
            return
        backend.serve_numpy([k for k in backend.KERNELS if not backend.loaded(k)])
        self._warm = EngineWarmup(self)
        self._warm.progress.connect(self.progress)
        self._warm.finished.connect(self._on_warm_finished)
        if delay_ms > 0:
            QTimer.singleShot(delay_ms, self._start_thread)
        else:
            self._start_thread()

    def _start_thread(self) -> None:
        if self._warm is not None and not self._warm.isRunning():
            self._warm.start()

    def compile_now(self, on_demand: bool = False) -> None:
        """The compiled kernels serve now: compiled (or loaded) here, or with ``on_demand`` each
        at its first call (a headless export compiles only the kernels its view uses)."""
        if not on_demand:
            from engine.warmup import warm_up
            warm_up()
        backend.serve_compiled()
        self._on_warm_finished()

    def _on_warm_finished(self) -> None:
        self._warm = None
        if self.is_compiled or self._stopped or backend.serving_numpy():   # (stopped before the end)
            return
        self.is_compiled = True
        from engine import jit
        if jit.CACHE_NOTICE:     # the kernels compiled in memory: say so once they are ready
            self.message.emit("warning", jit.CACHE_NOTICE)
        self.compiled.emit()

    def request_fixed(self, preset: str, runs) -> None:
        """Have the kernels fixed to these runs' networks compiled, once the generic ones are."""
        if self.is_compiled:
            self.fixed.request(preset, runs)

    def _on_fixed_started(self, name: str) -> None:
        self.message.emit("info", tr("Compiling faster kernels for {preset} in the background "
                                     "(once; training goes on meanwhile)", preset=name))

    def _on_fixed_finished(self, name: str) -> None:
        self.message.emit("info", tr("Faster kernels ready for {preset}", preset=name))

    def stop(self) -> None:
        """End the background compiles (the window is closing)."""
        self._stopped = True
        self.fixed.stop()
        if self._warm is not None:
            warm, self._warm = self._warm, None       # (a deferred start now finds nothing to start)
            warm.stop()
            warm.wait()

