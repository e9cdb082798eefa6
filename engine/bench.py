"""``python main.py bench``: engine throughput beside a plain numpy loop of the same work.

Each figure is the best of several repetitions of ``Run.advance(steps)`` on a fresh run (history
recorded exactly as the window records it), with the kernel fixed to the run's network structure
(compiled, or loaded from numba's cache, before timing; ``engine.precompile``) and, beside it, the
generic kernel.  The numpy loop (``engine.reference.train``) is measured in the same process, so
the ratio compares like with like on the same machine state.
Start-up is measured in subprocesses with an empty and then a warm numba cache: the headless
``run`` and the window's launch (time to a drawn loss surface, ``gui.bench_launch``).
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


def window_figures(names=None, seconds: float = 4.0) -> dict:
    """Per preset: frames per second and frame times while the window plays it at full speed,
    offscreen at 1600×1000, each preset in its own process (gui.bench_gui)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESCENT_PRECOMPILE="0")  # no compile beside it
    out = {}
    for name in names or list(presets.all_presets()):
        try:
            res = subprocess.run([sys.executable, "-m", "gui.bench_gui", name, str(seconds)], env=env,
                                 cwd=str(ROOT), capture_output=True, text=True, timeout=300)
            out[name] = (json.loads(res.stdout.strip().splitlines()[-1]) if res.returncode == 0
                         else {"error": (res.stderr.strip().splitlines() or ["failed"])[-1]})
        except (subprocess.TimeoutExpired, ValueError, IndexError) as exc:
            out[name] = {"error": str(exc)}
    return out


def print_window_table(figures: dict) -> None:
    print("window playing each preset at full speed (offscreen, 1600×1000, 4 s from step 0):")
    print(f"{'preset':<26}{'fps':>6}{'median ms':>11}{'p95 ms':>9}{'steps reached':>16}")
    for name, g in figures.items():
        if g.get("demo"):
            print(f"{name:<26}{'(a scripted demo: nothing plays)':>48}")
        elif "error" in g:
            print(f"{name:<26}  not measured: {g['error']}")
        else:
            print(f"{name:<26}{g['fps']:>6.0f}{g['median_ms']:>11.1f}{g['p95_ms']:>9.1f}{g['steps_reached']:>16,}")


def launch_figures() -> dict:
    """The window's first launch (empty numba cache) and a warm one: seconds from starting the
    process to the window, the drawn loss surface, a step, and every kernel compiled
    (``gui.bench_launch``, in a subprocess; a real X window when there is a display)."""
    code = ("import json, os, sys; from gui.bench_launch import cold_and_warm; "
            "print(json.dumps(cold_and_warm())); sys.stdout.flush(); os._exit(0)")
    try:
        res = subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), capture_output=True, text=True,
                             timeout=900)
        doc = json.loads(res.stdout.strip().splitlines()[-1])
    except (subprocess.TimeoutExpired, ValueError, IndexError) as exc:
        return {"error": str(exc)}
    doc["platform"] = "xcb" if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM", "xcb") == "xcb" \
        else os.environ.get("QT_QPA_PLATFORM", "offscreen")
    return doc


def _launch_text(doc: dict) -> list[str]:
    if "error" in doc:
        return [f"window launch: not measured ({doc['error']})"]
    out = []
    for key, name in (("cold", "first launch (empty numba cache)"), ("warm", "warm launch (cache filled)")):
        d = doc.get(key, {})
        if "error" in d or "surface" not in d:
            out.append(f"{name}: not measured ({d.get('error', 'no surface')})")
            continue
        out.append(f"{name}: window {d['window']:.2f} s, loss surface drawn {d['surface']:.2f} s, a step "
                   f"{d.get('step', float('nan')):.2f} s, every kernel compiled {d.get('compiled', float('nan')):.1f} s")
    out[0] += f" [{doc.get('platform')}]"
    return out


def main(args) -> int:
    if args.window:
        figures = window_figures(args.preset or None)
        if args.json:
            print(json.dumps({"window": figures}))
        else:
            print_window_table(figures)
        return 0
    reps = 3 if args.quick else 15
    rows = []
    for name, label, steps, np_steps in CASES:
        cfg = presets.get(name).run_config(label)
        e = engine_rate(cfg, label, steps, reps)
        g = engine_rate(cfg, label, steps, reps, fixed=False)
        n = numpy_rate(cfg, label, np_steps, 1 if args.quick else 2)
        rows.append({"preset": name, "run": label, "steps": steps, "engine_steps_per_s": e,
                     "generic_kernel_steps_per_s": g, "numpy_steps_per_s": n, "ratio": e / n})
    doc = {"cases": rows, "startup": startup_seconds()}
    if not args.no_gui:
        doc["window"] = window_figures(args.preset or None)
        doc["launch"] = launch_figures()
    if args.json:
        print(json.dumps(doc))
        return 0
    print(f"{'case':<18}{'steps':>7}{'engine steps/s':>17}{'(generic kernel)':>18}{'numpy steps/s':>16}{'ratio':>9}")
    for r in rows:
        print(f"{r['preset'] + ' ' + r['run']:<18}{r['steps']:>7}{r['engine_steps_per_s']:>17,.0f}"
              f"{r['generic_kernel_steps_per_s']:>18,.0f}{r['numpy_steps_per_s']:>16,.0f}{r['ratio']:>8.0f}×")
    print("engine: the kernel fixed to each network's structure (compiled once per structure and cached);"
          " generic: the kernel every new structure uses until then")
    s = doc["startup"]
    print(f"time to first result (run --preset opt4_1 --json): cold cache {s['cold_cache_s']:.2f} s, "
          f"warm cache {s['warm_cache_s']:.2f} s")
    for line in _launch_text(doc["launch"]) if "launch" in doc else []:
        print(line)
    if "window" in doc:
        print_window_table(doc["window"])
    return 0
