"""A one-at-a-time background job runner for the views: a function runs off the GUI thread
(in a thread pool of one), and its result comes back to the GUI thread through a queued signal.
Only the newest request's result is kept."""
from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    finished = Signal(int, object)   # (job id, result)
    failed = Signal(int, str)        # (job id, message)


JOB_NICE = 10


class _Job(QRunnable):
    def __init__(self, job: int, fn, signals: _Signals):
        super().__init__()
        self.job, self.fn, self.signals = job, fn, signals
        self.setAutoDelete(True)

    def run(self):  # noqa: D401 - Qt override
        from engine import threads
        # one thread for the job's parallel kernels, yielding to the window's drawing thread
        # (engine.threads: without loading numba while a first launch's numpy engine serves)
        threads.parallel_threads(1)
        threads.lower_priority(JOB_NICE)
        try:
            result = self.fn()
        except Exception as exc:  # reported to the GUI thread, never printed here
            self.signals.failed.emit(self.job, f"{type(exc).__name__}: {exc}")
            return
        self.signals.finished.emit(self.job, result)


class JobRunner(QObject):
    """Runs one function at a time off the GUI thread; only the newest request's result is kept.

    ``submit`` while busy replaces any waiting request; stale results (an older id than the
    newest request) are dropped.  ``finished`` fires in the GUI thread.
    """
    finished = Signal(object)   # the result of the newest request
    failed = Signal(str)        # error text

    def __init__(self, parent=None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.finished.connect(self._on_job_finished)
        self._signals.failed.connect(self._on_job_failed)
        self._latest = 0
        self._running = False
        self._pending = None

    @property
    def busy(self) -> bool:
        return self._running or self._pending is not None

    def submit(self, fn) -> int:
        self._latest += 1
        if self._running:
            self._pending = (self._latest, fn)
        else:
            self._start(self._latest, fn)
        return self._latest

    def cancel(self) -> None:
        """Forget waiting and running requests (their results will be dropped)."""
        self._latest += 1
        self._pending = None

    def _start(self, job: int, fn) -> None:
        self._running = True
        self._pool.start(_Job(job, fn, self._signals))

    def _next(self) -> None:
        self._running = False
        if self._pending is not None:
            job, fn = self._pending
            self._pending = None
            self._start(job, fn)

    def _on_job_finished(self, job: int, result) -> None:
        self._next()
        if job == self._latest:
            self.finished.emit(result)

    def _on_job_failed(self, job: int, text: str) -> None:
        self._next()
        if job == self._latest:
            self.failed.emit(text)

    def wait(self, msecs: int = -1) -> bool:
        """Block until the worker is idle (for shutdown and tests)."""
        return self._pool.waitForDone(msecs)
