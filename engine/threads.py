"""Per-thread settings for the threads that run the engine, without loading numba.

``lower_priority``: the calling thread yields to the others of the process when the cores are
busy (the window's drawing thread goes first; background training and surfaces take the rest).
``parallel_threads``: how many threads the calling thread's parallel kernels use, once numba is
loaded (``engine.jit.parallel_threads``); before that nothing compiled runs, and a first launch's
window draws its first frame without waiting ~0.3 s for numba to load.
"""
from __future__ import annotations

import os
import threading
import time

from . import backend


def lower_priority(nice: int) -> None:
    """A per-thread nice value on Linux; nothing elsewhere."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    except (AttributeError, OSError, PermissionError):
        pass


def exit_with_parent(poll_s: float = 0.5) -> None:
    """End this process as soon as the process that started it is gone: a compile the window
    started in a child must not go on alone when the window is killed."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(1)
    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def parallel_threads(n: int | None) -> None:
    """``engine.jit.parallel_threads(n)`` when numba is loaded in this process, else nothing."""
    if backend.loaded():
        from . import jit
        jit.parallel_threads(n)
