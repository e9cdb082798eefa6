"""Headless commands: ``presets``, ``lessons``, ``run``, ``precompile`` and ``bench`` (no Qt is imported here).

Bad input prints one line on stderr saying what was wrong and what is allowed, and exits 2.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np

from . import presets as P
from .cli_args import OneLineParser, UsageError, add_settings, attach_negative_values, overrides
from .config import ConfigError
from .at_steps import check_reach, float32_number, parse_at, states_at
from .history_io import HistoryWriteError, write_history_csv, write_states_csv
from .results import REPLAY_BUDGET, as_dict, results_line, run_result


def build_parser() -> argparse.ArgumentParser:
    root = OneLineParser(prog="descent", description="Descent — headless commands")
    sub = root.add_subparsers(dest="command", parser_class=OneLineParser)
    sub.add_parser("presets", help="list the presets, one per line: name<TAB>description")
    les = sub.add_parser("lessons", help="list the lessons (name<TAB>section<TAB>title<TAB>steps, questions), "
                                         "or check lesson files")
    les.add_argument("--json", action="store_true", help='print {"lessons": [{name, section, title, steps, '
                                                         'questions, languages, file}]}')
    les.add_argument("--check", metavar="FILE", nargs="+",
                     help="validate lesson files: one line each, exit 2 if any is refused")
    run = sub.add_parser("run", help="train a preset headless", allow_abbrev=False)
    src = run.add_mutually_exclusive_group()
    src.add_argument("--preset", help="preset name (see `presets`)")
    src.add_argument("--session", help="a saved session file (its settings win; --steps replays further)")
    run.add_argument("--run", dest="label", help="only the run with this label")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument("--csv", metavar="FILE", help="write the whole history as CSV (long format); with --at "
                                                  "the states at those steps")
    run.add_argument("--at", metavar="STEPS", help="add the exact states at these steps: K[,K…] or A:B:S "
                                                  "(A to B every S, both included), e.g. 0:20000:500")
    run.add_argument("--results", action="store_true",
                     help='add the results table per run (to --json as "results": final losses, θ*, steps until '
                          '‖θ − θ*‖∞ < 1e-3, step the loss stops falling, µs per step)')
    add_settings(run)
    pre = sub.add_parser("precompile", help="compile the fast kernels fixed to the presets' networks "
                                            "(once per machine; training uses them when present)")
    pre.add_argument("--preset", action="append", default=[], help="only this preset (repeatable)")
    pre.add_argument("--engine", action="store_true",
                     help="compile the generic kernels instead, one progress line each (the window runs this "
                          "in the background on a first launch)")
    bench = sub.add_parser("bench", help="engine throughput against a plain numpy loop")
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--quick", action="store_true", help="fewer repetitions")
    bench.add_argument("--no-gui", action="store_true", help="skip the window figures (frame rates, launch times)")
    bench.add_argument("--window", action="store_true",
                       help="only the window: fps and frame times while playing every preset (4 s each)")
    bench.add_argument("--preset", action="append", default=[], help="--window: only this preset (repeatable)")
    return root


def main(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(attach_negative_values(argv))
        if args.command == "presets":
            if not P.all_presets():
                raise UsageError(f"no presets found (looked in {P.searched()})")
            for p in P.all_presets().values():
                print(f"{p.name}\t{p.description}")
            return 0
        if args.command == "lessons":
            return cmd_lessons(args)
        if args.command == "run":
            _cache_notice()
            return cmd_run(args)
        if args.command == "precompile":
            from .threads import exit_with_parent
            exit_with_parent()       # (started by a window that is gone: stop)
            if args.engine:
                from .warmup import main as warmup_main
                return warmup_main()
            for name in args.preset:
                P.get(name)  # an unknown name is a usage error before any compiling
            from .precompile import main as precompile_main
            return precompile_main(args.preset)
        if args.command == "bench":
            for name in args.preset:
                P.get(name)
            from .bench import main as bench_main
            return bench_main(args)
        parser.print_help()
        return 0
    except (UsageError, ConfigError, HistoryWriteError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def cmd_lessons(args) -> int:
    """List the shipped lessons, or check lesson files (one line each; exit 2 if any is refused)."""
    from . import lessons as L
    if args.check:
        bad = 0
        for path in args.check:
            try:
                lesson = L.load_file(path)
            except ConfigError as exc:
                print(f"error: {exc}", file=sys.stderr)
                bad += 1
                continue
            print(f"ok: lesson {lesson.name} ({lesson.file}): section {lesson.section}, "
                  f"{len(lesson.steps)} steps, {lesson.questions} questions, languages {', '.join(lesson.languages)}")
        return 2 if bad else 0
    found = L.all_lessons()
    for line in L.SKIPPED:
        print(f"notice: {line}", file=sys.stderr)
    if args.json:
        print(json.dumps({"lessons": [lesson.listing() for lesson in found.values()]}, ensure_ascii=False))
    else:
        for lesson in found.values():
            print(f"{lesson.name}\t{lesson.section}\t{lesson.title.get('en')}\t"
                  f"{len(lesson.steps)} steps, {lesson.questions} questions")
    return 0


def _cache_notice() -> None:
    """One line on stderr when the numba cache cannot be used (kernels compile in memory)."""
    from . import jit
    if jit.CACHE_NOTICE:
        print(f"notice: {jit.CACHE_NOTICE}", file=sys.stderr)


# --- run --------------------------------------------------------------------------------------
def _finite(x):
    """JSON-safe: NaN and ±Infinity become null, numpy scalars become Python numbers."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    if isinstance(x, np.ndarray):
        return _finite(x.tolist())
    if isinstance(x, (np.floating, float)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


def _check_writable(path: str) -> None:
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise UsageError(f"--csv {path}: is a folder; give a file name such as history.csv")
    if not os.path.isdir(folder):
        raise UsageError(f"--csv {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--csv {path}: folder {folder} is not writable")


def cmd_run(args) -> int:
    from .run import Comparison
    if args.session:
        return _run_session(args)
    if not args.preset:
        raise UsageError("run: give --preset NAME (see `python main.py presets`) or --session FILE")
    preset = P.get(args.preset)
    base, runs = preset.config, list(preset.runs)
    if args.csv:
        _check_writable(args.csv)
    args.at_steps = parse_at(args.at) if args.at else None
    if preset.kind == "ema_demo":
        return _run_ema_demo(preset, preset.config.with_overrides(overrides(args.settings)), args)
    if args.label:
        runs = [(lab, o) for lab, o in runs if lab == args.label]
        if not runs:
            raise UsageError(f"preset {preset.name} has no run {args.label!r} "
                             f"(allowed: {', '.join(preset.run_labels())})")
    extra = overrides(args.settings)
    base = base.with_overrides(extra)
    runs = [(lab, {**o, **extra}) for lab, o in runs]     # what is typed wins over the preset's runs
    nsteps = base.steps
    if args.at_steps:
        check_reach(args.at_steps, nsteps)
    comp = Comparison(preset.name, base, runs)
    load_kernels(comp.runs)
    total = 0.0
    for r in comp.runs:
        r.advance(nsteps)
        total += r.engine_seconds
    _report(args, preset.name, nsteps, comp.runs, total)
    return 0


def load_kernels(runs) -> None:
    """Load the compiled kernels (first call) outside the timed engine work."""
    from .run import Run
    for run in runs:
        Run(run.label, run.config, run.problem, run.theta0).advance(1)


def _report(args, name, nsteps, runs, total) -> None:
    out_runs = []
    at = getattr(args, "at_steps", None)
    for r in runs:
        k = r.step
        loss = float(r.losses([k])[0])
        pen = float(r.penalties([k])[0])
        num = float32_number if r.precision == "float32" else float   # float32: TF's shortest repr
        out_runs.append({
            "label": r.label, "optimizer": r.config.optimizer.name, "precision": r.precision,
            "params": [num(v) for v in r.theta], "loss": loss, "penalty": pen, "total_loss": loss + pen,
            "lr": num(r.lr_history[-1]) if k >= 1 else None,
            "ema_params": [num(v) for v in r.ema] if r.config.ema.enabled else None,
            "diverged_at": r.diverged_at, "diverged_reason": r.divergence_reason, "step": k,
            "layers": r.problem.layout.layers, "parameters": r.problem.layout.size,
            "names": r.problem.layout.names,
        })
        if at:
            out_runs[-1]["at"] = states_at(r, at, num)
        if getattr(args, "results", False):
            out_runs[-1]["results"] = as_dict(run_result(r, budget=REPLAY_BUDGET))
    if args.csv and at:
        write_states_csv(args.csv, [(o["label"], o["at"]) for o in out_runs])
    elif args.csv:
        write_history_csv(args.csv, runs)
    if args.json:
        doc = {"preset": name, "steps": nsteps, "runs": out_runs, "engine_seconds": total}
        print(json.dumps(_finite(doc), allow_nan=False))
    else:
        print(f"preset {name}: {nsteps} steps, engine {total:.3f} s")
        for o in out_runs:
            theta = ", ".join(f"{v:.7g}" for v in o["params"][:6]) + (", …" if len(o["params"]) > 6 else "")
            status = f"diverged at step {o['diverged_at']}" if o["diverged_at"] else f"step {o['step']}"
            print(f"  {o['label']:<12} {o['optimizer']:<9} {status:<22} loss {o['loss']:.7g}   θ = [{theta}]")
            if o["diverged_reason"]:
                print(f"  {'':<12} {o['diverged_reason']}")
            for st in o.get("at", ()):
                print(f"  {'':<12} step {st['step']:<10} θ = {st['params']}   loss {st['loss']:.7g}")
            if "results" in o:
                print(f"  {'':<12} {results_line(o['results'])}")
        if args.csv:
            print(f"history written to {args.csv}")


def _run_session(args) -> int:
    """Replay a saved session to its step (its settings win; --steps replays further)."""
    from .session_file import load
    typed = [path for path, _ in args.settings or () if path != "steps"]
    if typed:
        raise UsageError(f"--session replays the saved settings: {typed[0]} cannot be changed here "
                         f"(allowed with --session: --run, --steps, --json, --csv)")
    doc = load(args.session)
    preset = P.get(doc.preset)
    if args.csv:
        _check_writable(args.csv)
    args.at_steps = parse_at(args.at) if args.at else None
    if preset.kind == "ema_demo":
        return _run_ema_demo(preset, preset.config, args)
    if args.label:
        labels = [lab for lab, _ in doc.runs]
        doc.runs = [(lab, cfg) for lab, cfg in doc.runs if lab == args.label]
        if not doc.runs:
            raise UsageError(f"session {args.session} has no run {args.label!r} (allowed: {', '.join(labels)})")
    if args.settings:
        doc.step = overrides(args.settings)["steps"]
    if args.at_steps:
        check_reach(args.at_steps, doc.step)
    t = time.perf_counter()
    comp = doc.build()
    _report(args, preset.name, doc.step, comp.runs, time.perf_counter() - t)
    return 0


def _run_ema_demo(preset, cfg, args) -> int:
    from .ema import run_script
    script = [list(op) for op in preset.script]
    seq, demo = run_script(script, cfg.ema.decay, cfg.ema.num_updates)
    trace = [{"op": op, "w1": w, "shadow": s, "global_step": g, "decay": d} for op, w, s, g, d in demo.trace]
    if cfg.precision == "float32":      # TF's float32 moving average, written as TF prints it
        from .tf32_setup import run_ema_script32
        seq = [[float32_number(a), float32_number(b)] for a, b in
               run_ema_script32(script, cfg.ema.decay, cfg.ema.num_updates)]
        applied = iter(seq[1:])
        for t in trace:
            if t["op"] == "apply":
                t["shadow"] = next(applied)[1]
    if args.json:
        print(json.dumps(_finite({"preset": preset.name, "sequence": seq, "trace": trace}), allow_nan=False))
    else:
        for t in trace:
            d = f"   d = {t['decay']:.7g}" if t["decay"] is not None else ""
            print(f"{t['op']:<26} w1 = {t['w1']:<8g} shadow = {t['shadow']:.7g}{d}")
    return 0
