"""One warm-up per test process, over both cores.

On an empty numba cache the suite compiles ~65 s of kernels: the six generic ones (~40 s) and the
three fixed ones test_fixed_kernels checks (~8 s each).  ``warm_suite`` splits that between this
process and a child (each fills numba's disk cache; ~33 s of wall time instead of ~65 s here),
then loads everything here.  Where the cache cannot be written the child is skipped and this
process compiles it all; should both processes save to one cache index at the same instant, one
entry is lost and is compiled again here.  Nothing a test checks depends on who compiled what: the
same functions come out of the same cache.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD_KERNELS = ("grads_at",)
CHILD_FIXED = ("adam", "rosenbrock")


def fixed_configs() -> dict:
    """The structures test_fixed_kernels compares fixed with generic kernels on."""
    from engine import presets
    from engine.config import Config
    return {
        "mlp": presets.get("cross-entropy").run_config("softmax-ce").with_overrides({
            "batch": 7, "reg.kind": "l1", "reg.lam": 0.003, "optimizer.name": "momentum",
            "optimizer.momentum": 0.9, "optimizer.nesterov": True, "optimizer.lr": 0.05,
            "ema.enabled": True, "ema.decay": 0.99}),
        "adam": presets.get("opt4_1").run_config("gd").with_overrides({"optimizer.name": "adam",
                                                                         "optimizer.lr": 0.01}),
        "rosenbrock": Config.from_dict({"data": {"name": "rosenbrock"}, "init": {"start": [-1.2, 1.0]},
                                        "optimizer": {"name": "gd", "lr": 0.01}, "steps": 500}),
    }


def compile_here(kernels, fixed) -> None:
    from engine.run import Run
    from engine.warmup import warm_up
    warm_up(kernels)
    configs = fixed_configs()
    for name in fixed:
        Run(name, configs[name]).specialise()


def warm_suite(fixed: bool = True) -> None:
    """``fixed``: the fixed kernels too (the tests marked slow use them)."""
    from engine import jit
    from engine.warmup import ORDER
    child_fixed = CHILD_FIXED if fixed else ()
    here_fixed = [n for n in fixed_configs() if n not in CHILD_FIXED] if fixed else []
    child = None
    if jit.FLAGS["cache"]:
        code = f"from tests.warm import *; compile_here(CHILD_KERNELS, {child_fixed!r})"
        child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    compile_here([k for k in ORDER if k not in CHILD_KERNELS], here_fixed)
    if child is not None:
        child.wait()
    compile_here(ORDER, here_fixed + list(child_fixed))   # loads the child's (compiles what it could not)
