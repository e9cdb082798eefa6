"""The one place where numba's jit flags live.

Every kernel in ``engine`` is compiled with the same flags so that the on-disk cache works and
kernels can run off the GUI thread (``nogil``).

If no cache folder can be written (see ``_cache_usable``) the kernels fall back to compiling in
memory and a notice is recorded in ``CACHE_NOTICE``.
"""
from __future__ import annotations

import os
import tempfile

# OpenMP worker threads that spin after a parallel region steal the only other core of a small
# machine from the GUI thread (a 0.1 ms surface call became 8 ms under load); let them sleep.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402

from .threads import lower_priority as lower_thread_priority  # noqa: E402,F401 - now in engine.threads

CACHE_NOTICE: str | None = None


def _unwritable(target: str) -> str | None:
    """None when a file can be made in ``target`` (created if need be), else why not."""
    try:
        os.makedirs(target, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target, prefix=".probe-"):
            pass
        return None
    except OSError as exc:
        return exc.strerror or str(exc)


def _cache_usable() -> bool:
    """True when numba can write its cache: in NUMBA_CACHE_DIR when that is set, else next to the
    sources or, where those are read-only (a system-wide install), in numba's user-wide cache
    folder, as numba itself tries them."""
    global CACHE_NOTICE
    explicit = os.environ.get("NUMBA_CACHE_DIR")
    if explicit:
        targets = [explicit]
    else:
        from numba.misc.appdirs import AppDirs
        targets = [os.path.join(os.path.dirname(__file__), "__pycache__"),
                   AppDirs(appname="numba", appauthor=False).user_cache_dir]
    reasons = []
    for target in targets:
        why = _unwritable(target)
        if why is None:
            return True
        reasons.append(f"{target} is not writable ({why})")
    CACHE_NOTICE = f"numba cache at {', nor at '.join(reasons)}; compiling in memory"
    return False


# Reassociation and contraction let LLVM vectorise the reductions over a batch; the flags that
# assume no NaN/Inf are left out, because divergence is detected with isfinite.  nsz is left out
# too: together with reassoc it let LLVM fold isfinite(Rosenbrock's overflowing loss) to True in
# a kernel with the objective fixed at compile time (tests/core/test_fixed_kernels.py).
FASTMATH = {"reassoc", "contract", "arcp"}
FLAGS = dict(cache=_cache_usable(), nogil=True, fastmath=FASTMATH, error_model="numpy")


# TensorFlow-exact float32 (engine.tf32): every operation rounded as written, nothing reassociated
# or fused (a fused multiply-add or a reordered sum changes the bits TF prints)
EXACT_FLAGS = dict(FLAGS, fastmath=False)


def njit_exact(*args, **extra):
    """``numba.njit`` with the project's flags but no fastmath at all (``engine.tf32``)."""
    flags = dict(EXACT_FLAGS, **extra)
    if args and callable(args[0]):
        return numba.njit(**flags)(args[0])
    return numba.njit(*args, **flags)


def njit(*args, **extra):
    """``numba.njit`` with the project's flags; ``parallel=True`` may be added for prange kernels."""
    flags = dict(FLAGS, **extra)
    if args and callable(args[0]):
        return numba.njit(**flags)(args[0])
    return numba.njit(*args, **flags)


def parallel_threads(n: int | None) -> None:
    """How many threads the calling thread's parallel kernels use (numba keeps this per thread);
    None: all of them.  The window uses 1 while its trainer thread occupies the other core, so
    a small parallel evaluation does not wait for a worker the trainer has displaced."""
    most = numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(most if n is None else max(1, min(int(n), most)))
