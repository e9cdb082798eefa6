"""The one place where numba's jit flags live.

Every kernel in ``engine`` is compiled with the same flags so that the on-disk cache works and
kernels can run off the GUI thread (``nogil``).

If no cache folder can be written (see ``_cache_usable``) the kernels fall back to compiling in
memory and a notice is recorded in ``CACHE_NOTICE``.

numba keys a function's disk cache on its own source file alone, and freezes the globals it reads
(the codes of ``engine.codes``, which come from ``engine.registry``) into the compiled code: a
changed helper inlined from another file of ``engine/kernels/``, a changed code or a changed flag
here would leave stale kernels on disk.  So every kernel made here also keys its cache on
``SOURCES_STAMP`` (see ``_stamped``): a hash of those files and of the codes' values.  When it
changes, every kernel compiles again (tests/core/test_kernel_cache.py).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

# OpenMP worker threads that spin after a parallel region steal the only other core of a small
# machine from the GUI thread (a 0.1 ms surface call became 8 ms under load); let them sleep.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numba  # noqa: E402

from .threads import lower_priority as lower_thread_priority  # noqa: E402,F401 - now in engine.threads


def _numpy_support_without_scipy() -> None:
    """Load numba's numpy support (it would load at the first kernel) while scipy.linalg reads as
    absent.  As it loads it asks for scipy's BLAS, to hand np.dot-like calls to it — none of our
    kernels makes one — and importing scipy.linalg for that costs ~0.8 s and ~20 MB in every
    process on a machine that has scipy (a headless run, the window).  Without it numba uses its
    own loops for those few functions; scipy.linalg is importable as before once this returns."""
    import sys
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    sys.modules["scipy.linalg"] = None    # an import of it now fails at once (ImportError)
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        if sys.modules.get("scipy.linalg", 0) is None:
            del sys.modules["scipy.linalg"]


_numpy_support_without_scipy()

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


def stamped_sources() -> list[Path]:
    """The files whose text is compiled into the kernels, besides each kernel's own file: these
    flags, the codes and every module of ``engine/kernels/``."""
    here = Path(__file__).resolve().parent
    return [here / "jit.py", here / "codes.py", *sorted((here / "kernels").glob("*.py"))]


def sources_stamp(paths, codes: dict) -> str:
    """A hash of the files ``paths`` (missing ones count as absent) and of the ``codes`` (name ->
    value; the registry's codes arrive here through ``engine.codes``)."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"-") + b"\0")
    h.update(repr(sorted(codes.items())).encode())
    return h.hexdigest()[:20]


def _codes() -> dict:
    from . import codes
    return {name: value for name, value in vars(codes).items() if name.isupper()}


SOURCES_STAMP = sources_stamp(stamped_sources(), _codes())


def _stamped(dispatcher, flags: dict, fn):
    """``dispatcher`` with its disk cache keyed on ``SOURCES_STAMP`` besides its own file: an index
    written under another stamp reads as empty, and is overwritten.  Should numba keep its cache
    differently one day, the kernel compiles in memory rather than risk a stale cache (and
    tests/core/test_kernel_cache.py fails)."""
    global CACHE_NOTICE
    if not flags.get("cache"):
        return dispatcher
    cache_file = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    if cache_file is None or not hasattr(cache_file, "_source_stamp"):
        CACHE_NOTICE = (f"numba {numba.__version__} keeps its cache in a way engine/jit.py does not know; "
                        "compiling in memory")
        return numba.njit(**dict(flags, cache=False))(fn)
    cache_file._source_stamp = (cache_file._source_stamp, SOURCES_STAMP)
    return dispatcher


def _jit(flags: dict, args, extra):
    flags = dict(flags, **extra)
    if args and callable(args[0]):
        return _stamped(numba.njit(**flags)(args[0]), flags, args[0])
    return lambda fn: _stamped(numba.njit(*args, **flags)(fn), flags, fn)


# TensorFlow-exact float32 (engine.tf32): every operation rounded as written, nothing reassociated
# or fused (a fused multiply-add or a reordered sum changes the bits TF prints)
EXACT_FLAGS = dict(FLAGS, fastmath=False)


def njit_exact(*args, **extra):
    """``numba.njit`` with the project's flags but no fastmath at all (``engine.tf32``)."""
    return _jit(EXACT_FLAGS, args, extra)


def njit(*args, **extra):
    """``numba.njit`` with the project's flags; ``parallel=True`` may be added for prange kernels."""
    return _jit(FLAGS, args, extra)


def parallel_threads(n: int | None) -> None:
    """How many threads the calling thread's parallel kernels use (numba keeps this per thread);
    None: all of them.  The window uses 1 while its trainer thread occupies the other core, so
    a small parallel evaluation does not wait for a worker the trainer has displaced."""
    most = numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(most if n is None else max(1, min(int(n), most)))
