"""``python main.py bench``: engine throughput beside a plain numpy loop of the same work.

Each figure is the best of several repetitions of ``Run.advance(steps)`` on a fresh run (history
recorded exactly as the window records it), with the kernel fixed to the run's network structure
(compiled, or loaded from numba's cache, before timing; ``engine.precompile``) and, beside it, the
generic kernel.  The numpy loop (``engine.reference.train``) is measured in the same process, so
the ratio compares like with like on the same machine state.
Start-up of the headless ``run`` is measured in subprocesses with an empty and then a warm numba
cache.  The window's figures (frame rates, launch times) are ``gui.bench_cli``'s: the engine starts
no GUI code.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import presets, reference
from .run import Run

ROOT = Path(__file__).resolve().parent.parent
CASES = (("opt4_1", "gd", 20000, 4000), ("opt4_1", "momentum", 20000, 4000),
         ("opt4_1", "adam", 20000, 4000), ("opt4_7", "mse", 40000, 2000))


def engine_rate(cfg, label, steps, reps, fixed=True):
    """Best steps/s of ``Run.advance(steps)`` on fresh runs, with the kernel fixed to the
    network's structure (compiled or loaded from the cache before timing) or the generic one."""
    warm = Run(label, cfg)
    warm.fixed_kernels = fixed
    if fixed:
        warm.specialise()
    warm.advance(2)  # compile / load from cache outside the timing
    best = float("inf")
    for _ in range(reps):
        run = Run(label, cfg)
        run.fixed_kernels = fixed
        t = time.perf_counter()
        run.advance(steps)
        best = min(best, time.perf_counter() - t)
    return steps / best


def numpy_rate(cfg, label, steps, reps):
    run = Run(label, cfg)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        reference.train(cfg, run.problem, run.theta0, steps)
        best = min(best, time.perf_counter() - t)
    return steps / best


def startup_seconds() -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for key in ("cold_cache_s", "warm_cache_s"):
            t = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "main.py"), "run", "--preset", "opt4_1", "--json"],
                           env=env, check=True, capture_output=True)
            out[key] = time.perf_counter() - t
    return out


def long_runs(quick: bool = False) -> list[dict]:
    """The long runs (issue #15): a whole ``run`` process of opt4_1 GD for 10 M steps (its engine
    seconds as it reports them, recording included, and its wall time with Python's start-up and
    numba's import), and opt4_7 Adam over 1 M steps in-process.  One call of more updates than a
    run's history holds records them sparsely (``Run.record_every``), so both run at the kernel's
    speed."""
    out = []
    steps = 2_000_000 if quick else 10_000_000
    t = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "run", "--preset", "opt4_1", "--run", "gd",
                           "--steps", str(steps), "--json"], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t
    engine = json.loads(done.stdout)["engine_seconds"]
    out.append({"case": "run opt4_1 gd (whole process)", "steps": steps, "seconds": engine,
                "steps_per_s": steps / engine, "wall_seconds": wall})
    cfg = presets.get("opt4_7").config.with_overrides({"optimizer.name": "adam"})
    steps = 200_000 if quick else 1_000_000
    warm = Run("mse", cfg)
    warm.specialise()
    warm.advance(2)
    run = Run("mse", cfg)
    t = time.perf_counter()
    run.advance(steps)
    wall = time.perf_counter() - t
    out.append({"case": "opt4_7 adam (in process)", "steps": steps, "seconds": wall, "steps_per_s": steps / wall})
    return out


def engine_figures(quick: bool = False) -> dict:
    """Steps per second of every case (fixed and generic kernel, numpy loop) and the start-up times."""
    reps = 3 if quick else 15
    rows = []
    for name, label, steps, np_steps in CASES:
        cfg = presets.get(name).run_config(label)
        e = engine_rate(cfg, label, steps, reps)
        g = engine_rate(cfg, label, steps, reps, fixed=False)
        n = numpy_rate(cfg, label, np_steps, 1 if quick else 2)
        rows.append({"preset": name, "run": label, "steps": steps, "engine_steps_per_s": e,
                     "generic_kernel_steps_per_s": g, "numpy_steps_per_s": n, "ratio": e / n})
    return {"cases": rows, "long_runs": long_runs(quick), "startup": startup_seconds()}


def print_engine(doc: dict) -> None:
    print(f"{'case':<18}{'steps':>7}{'engine steps/s':>17}{'(generic kernel)':>18}{'numpy steps/s':>16}{'ratio':>9}")
    for r in doc["cases"]:
        print(f"{r['preset'] + ' ' + r['run']:<18}{r['steps']:>7}{r['engine_steps_per_s']:>17,.0f}"
              f"{r['generic_kernel_steps_per_s']:>18,.0f}{r['numpy_steps_per_s']:>16,.0f}{r['ratio']:>8.0f}×")
    print("engine: the kernel fixed to each network's structure (compiled once per structure and cached);"
          " generic: the kernel every new structure uses until then")
    for r in doc["long_runs"]:
        wall = f" ({r['wall_seconds']:.2f} s wall, start-up included)" if "wall_seconds" in r else ""
        print(f"long run: {r['case']:<32}{r['steps']:>11,} steps in {r['seconds']:.2f} s = "
              f"{r['steps_per_s']:,.0f} steps/s{wall}")
    s = doc["startup"]
    print(f"time to first result (run --preset opt4_1 --json): cold cache {s['cold_cache_s']:.2f} s, "
          f"warm cache {s['warm_cache_s']:.2f} s")


def main(args) -> int:
    """The engine's figures (``bench --no-gui``).  The window's (frame rates, launch times) are
    measured by ``gui.bench_cli``, where ``python main.py bench`` goes without ``--no-gui``."""
    if args.window:
        from .cli import UsageError
        raise UsageError("bench --window measures the window: run it as python main.py bench --window")
    doc = engine_figures(args.quick)
    if args.json:
        print(json.dumps(doc))
    else:
        print_engine(doc)
    return 0
