"""Compile (or load from numba's disk cache) the generic kernels once, on a tiny problem.

``warm_up()`` compiles every kernel in this process (the tests, ``precompile --engine``).
``load_cached()`` loads the kernels numba's cache already holds and names the missing ones,
compiling nothing: the window calls it in the background at launch (a warm launch ends there),
has a child process compile the missing ones (``python main.py precompile --engine`` prints one
line per kernel, so the window can show how far it is and switch each kernel as it lands) and
serves numpy meanwhile (``engine.backend``).
"""
from __future__ import annotations

import sys
import time
from typing import Callable, Iterable

import numpy as np

from . import backend

# what is compiled, in the order of a first compile (training first, then the full-data losses of
# surfaces and loss curves, the decision map, the explorers' curves, the gradients of the arrows
# and the Inspector last), and the functions of the kernel API (engine.backend.KERNELS) each
# serves.  (One parallel kernel for the losses and the gradients compiled in 15 s instead of
# 9 + 14 s, but a first headless run, which needs only the losses, then waited 6 s longer.)
ORDER = ("advance", "losses_at", "outputs_at", "loss_curve", "activation_curve", "grads_at")
SERVES = {name: (name,) for name in ORDER}
COMPILING, COMPILED = "compiling", "compiled"     # the progress lines of ``main``


def _calls() -> dict:
    """{name in ORDER: (dispatcher, arguments)} for one call of each on a tiny problem, with the
    argument types the engine uses."""
    from .config import Config
    from .run import Run
    K = backend.compiled()
    cfg = Config.from_dict({"data": {"name": "sales"}, "steps": 2,
                            "model": {"hidden": [], "output": "identity", "bias": False}})
    run = Run("warm", cfg)
    data, spec, P = run.problem.data, run._spec, run.problem.layout.size
    thetas = np.ascontiguousarray(np.tile(run.theta, (2, 1)))
    XT = np.ascontiguousarray(run.problem.X[:2].T)
    return {
        "advance": (K.advance, run._kernel_args(np.full(2, 1e-3), 0, 0, 2)),
        "losses_at": (K.losses_at, (thetas, data, (0, run.problem.n), spec, False, np.empty(2))),
        "grads_at": (K.grads_at, (thetas, data, (0, run.problem.n), spec, True, np.empty((2, P)))),
        "outputs_at": (K.outputs_at, (run.theta, XT, spec, np.empty((2, 1)))),
        "loss_curve": (K.loss_curve, (spec, np.zeros(3), 0.5, np.empty(3), np.empty(3))),
        "activation_curve": (K.activation_curve, (1, np.zeros(3), np.empty(3), np.empty(3))),
    }


def _signature(args) -> tuple:
    import numba
    return tuple(numba.typeof(a) for a in args)


def load_cached(names: Iterable[str] = ORDER, on_loaded: Callable[[str], None] = lambda n: None) -> list[str]:
    """Load each named kernel that is compiled in this process or in numba's disk cache (a cached
    one takes ~10 ms, the first ~0.3 s for numba itself); returns the names that are neither.
    Compiles nothing.  ``on_loaded(name)`` is called for each kernel that is ready."""
    calls = _calls()
    missing = []
    for name in names:
        disp, args = calls[name]
        sig = _signature(args)
        if sig not in disp.overloads:
            try:
                cached = disp._cache.load_overload(sig, disp.targetctx)
            except Exception:  # noqa: BLE001 - a cache that cannot be read means "not cached"
                cached = None
            if cached is None:
                missing.append(name)
                continue
            disp.compile(sig)          # a cache hit: loads what is on disk
        on_loaded(name)
    return missing


def warm_up(names: Iterable[str] = ORDER, report: Callable[[str, str, int, int], None] | None = None) -> float:
    """Compile (or load from the cache) the named kernels in this process; returns the seconds.
    ``report(stage, name, i, n)`` is called before ("compiling") and after ("compiled") each."""
    t = time.perf_counter()
    calls = _calls()
    names = list(names)
    for i, name in enumerate(names, 1):
        disp, args = calls[name]
        if report:
            report(COMPILING, name, i, len(names))
        disp.compile(_signature(args))
        if report:
            report(COMPILED, name, i, len(names))
    return time.perf_counter() - t


def parse_progress(line: str) -> tuple[str, str, int, int] | None:
    """(stage, kernel, i, n) from one line ``main`` prints, or None for any other line."""
    parts = line.split()
    if len(parts) == 3 and parts[0] in (COMPILING, COMPILED) and parts[1] in ORDER and "/" in parts[2]:
        i, _, n = parts[2].partition("/")
        if i.isdigit() and n.isdigit():
            return parts[0], parts[1], int(i), int(n)
    return None


def main(names: list[str] | None = None) -> int:
    """Compile the kernels numba's cache lacks, one progress line each: ``compiling NAME i/n``
    then ``compiled NAME i/n``."""
    missing = load_cached(names or ORDER)

    def report(stage, name, i, n):
        print(f"{stage} {name} {i}/{n}", flush=True)
    warm_up(missing, report)
    print(f"{len(missing)} kernels compiled", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
