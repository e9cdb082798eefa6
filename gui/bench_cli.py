"""``python main.py bench``: the engine's figures (``engine.bench``) and the window's — frame rates
while playing every preset (``gui.bench_gui``, each preset in its own process) and the time a first
and a warm launch take to a drawn loss surface (``gui.bench_launch``).  ``bench --window``: the
window's frame rates alone; ``bench --no-gui`` never comes here (main.py sends it to the engine)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from engine import presets as P

ROOT = Path(__file__).resolve().parent.parent


def window_figures(names=None, seconds: float = 4.0) -> dict:
    """Per preset: frames per second and frame times while the window plays it at full speed,
    offscreen at 1600×1000, each preset in its own process (gui.bench_gui)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DESCENT_PRECOMPILE="0")  # no compile beside it
    out = {}
    for name in names or list(P.all_presets()):
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


def main(argv: list[str]) -> int:
    """``argv`` as ``python main.py`` got it (starting with "bench"); the engine's parser reads it."""
    from engine import bench
    from engine.cli import UsageError, build_parser
    from engine.config import ConfigError
    try:
        args = build_parser().parse_args(argv)
        for name in args.preset:
            P.get(name)
    except (UsageError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.window:
        figures = window_figures(args.preset or None)
        if args.json:
            print(json.dumps({"window": figures}))
        else:
            print_window_table(figures)
        return 0
    doc = bench.engine_figures(args.quick)
    doc["window"] = window_figures(args.preset or None)
    doc["launch"] = launch_figures()
    if args.json:
        print(json.dumps(doc))
        return 0
    bench.print_engine(doc)
    for line in _launch_text(doc["launch"]):
        print(line)
    print_window_table(doc["window"])
    return 0
