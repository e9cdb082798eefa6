"""``python main.py export --preset NAME [--run LABEL] [--steps N] --view VIEW --out FILE
[--width PX] [--frames N --fps F]``: draw one view to a file, offscreen, and print the path.

The format follows the extension (.png .svg .csv .gif .mp4).  Bad input → one line on stderr,
exit 2, and no file (not even a partial one).
"""
from __future__ import annotations

import argparse
import os
import sys

from engine.cli_args import OneLineParser, UsageError, attach_negative_values, count_arg, field_type
from gui.export import MAX_WIDTH, MIN_WIDTH
from gui.export_animation import MAX_FRAMES

VIEW_SIZE = (1000, 625)   # logical px of the drawn view; a 1600 px PNG scales text and lines ×1.6
GL_VIEWS = ("surface3d",)
RESULTS_VIEW = "results"  # not a plot: the results table (one row per run) as CSV


def _fps(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (e.g. 15)") from None
    if not 0 < v <= 100:
        raise argparse.ArgumentTypeError(f"{text} is not allowed (frames per second between 0 and 100)")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="python main.py export", description="Draw a view to a file, offscreen.")
    p.add_argument("--preset", required=True, help="preset name (python main.py presets lists them)")
    p.add_argument("--run", dest="label", help="only the run with this label")
    p.add_argument("--steps", type=field_type("steps", "--steps"),
                   help="updates to train first (default: the preset's steps; at most the setting steps allows)")
    p.add_argument("--precision", choices=("float64", "float32"),
                   help="arithmetic: float64 (default) or TensorFlow 1.x's float32 in its operation order")
    p.add_argument("--at", type=count_arg(0, 10 ** 9, "--at step:"),
                   help="draw the view at this step (the state after that many updates; default: the last)")
    p.add_argument("--view", required=True, help="which view to draw ('results': the results table as .csv)")
    p.add_argument("--out", required=True, help="output file: .png .svg .csv .gif or .mp4")
    p.add_argument("--width", type=count_arg(MIN_WIDTH, MAX_WIDTH, "width in px:"),
                   help=f"image width in pixels, {MIN_WIDTH} to {MAX_WIDTH} (PNG default 1600, GIF/MP4 1000)")
    p.add_argument("--frames", type=count_arg(1, MAX_FRAMES, "frames of an animation:"),
                   help=f"frames of an animation (.gif/.mp4; default 60, at most {MAX_FRAMES})")
    p.add_argument("--fps", type=_fps, help="frames per second of an animation (default 15)")
    return p


def keep_only_run(session, label: str) -> None:
    """The session with the one run called ``label`` (``Session.keep_only``)."""
    from engine.config import ConfigError
    from gui.export import ExportError
    try:
        session.keep_only(label)
    except ConfigError as exc:
        raise ExportError(str(exc)) from None


def _choose_platform(view: str) -> None:
    """Offscreen unless the 3-D view asks for GL and an X display is there to give it."""
    if view in GL_VIEWS:
        if not os.environ.get("DISPLAY"):
            raise UsageError("the 3-D view needs an X display with OpenGL; run under xvfb-run or use --view surface")
        os.environ["QT_QPA_PLATFORM"] = "xcb"
    else:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def _quiet_offscreen_warnings() -> None:
    """The offscreen platform warns about every top-level widget; the export's output is the path."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message):
        if "propagateSizeHints" not in message:
            sys.stderr.write(message + "\n")
    qInstallMessageHandler(handler)


def _export_results(args, preset) -> int:
    """``--view results``: the results table (engine.results) as CSV, without a window."""
    from engine.config import ConfigError
    from engine.session import Session
    from gui.export import ExportError, check_target, export_results_csv
    if not args.out.lower().endswith(".csv"):
        raise UsageError(f"--view results writes a table: give an --out ending in .csv, not {args.out}")
    for flag, value in (("--at", args.at), ("--frames", args.frames), ("--fps", args.fps), ("--width", args.width)):
        if value is not None:
            raise UsageError(f"{flag} does not apply to --view results (the table describes each run's last step)")
    try:
        check_target(args.out)
        session = Session(preset.name)
        if not session.runs:
            raise UsageError(f"preset {preset.name} is a scripted demo with no training runs")
        if args.precision is not None and not session.set_value("precision", args.precision):
            raise UsageError(f"--precision {args.precision}: not allowed for preset {preset.name}")
        if args.label:
            keep_only_run(session, args.label)
        from engine.cli import load_kernels
        load_kernels(session.runs)       # loaded outside the engine time the table reports
        session.step(args.steps if args.steps is not None else session.base.steps)
        out = export_results_csv(session, args.out)
    except (ExportError, ConfigError) as exc:
        raise UsageError(str(exc)) from None
    print(out)
    return 0


def main(argv: list[str]) -> int:
    try:
        return _main(argv)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _main(argv: list[str]) -> int:
    from engine import presets as P
    from engine.config import ConfigError

    args = build_parser().parse_args(attach_negative_values(argv))
    try:
        preset = P.get(args.preset)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if args.view == RESULTS_VIEW:
        return _export_results(args, preset)
    _choose_platform(args.view)

    from gui.export import ExportError, check_target, format_of
    try:
        ext = format_of(args.out)
        check_target(args.out)
    except ExportError as exc:
        raise UsageError(str(exc)) from None
    animated = ext in (".gif", ".mp4")
    if not animated and (args.frames is not None or args.fps is not None):
        raise UsageError(f"--frames/--fps make an animation: give an --out ending in .gif or .mp4, not {ext}")
    from gui.export import NO_FFMPEG, ffmpeg_exe
    if ext == ".mp4" and ffmpeg_exe() is None:
        raise UsageError(NO_FFMPEG)

    from PySide6.QtWidgets import QApplication

    from gui.style import configure_pyqtgraph
    _quiet_offscreen_warnings()
    app = QApplication.instance() or QApplication(["descent-export"])
    configure_pyqtgraph()
    from gui.views import VIEW_CLASSES
    if args.view not in VIEW_CLASSES:
        raise UsageError(f"unknown view {args.view!r} (allowed: {', '.join(VIEW_CLASSES)})")

    from gui.session import Session
    session = Session(preset.name)
    view = None
    try:
        session.warm_up_blocking(on_demand=True)     # compiles only the kernels this view calls
        if args.precision is not None and not session.set_value("precision", args.precision):
            raise UsageError(f"--precision {args.precision}: not allowed for preset {preset.name}")
        if args.label:
            keep_only_run(session, args.label)
        if session.runs:
            steps = args.steps if args.steps is not None else session.base.steps
            if args.at is not None and args.at > steps:
                raise UsageError(f"--at {args.at} is past the run's {steps} steps (allowed: 0…{steps}, or more --steps)")
            session.step(steps)
            if args.at is not None:
                session.set_cursor(args.at)
        elif args.at is not None:
            raise UsageError(f"--at: preset {preset.name} is a scripted demo with no training steps")
        view = VIEW_CLASSES[args.view][1](session)
        view.resize(*VIEW_SIZE)
        view.show()
        from gui.export import export_animation, export_view, settle
        settle(view)
        if view.uses_gl and not view.available:
            raise ExportError("the 3-D view needs an X display with OpenGL; run under xvfb-run or use "
                              "--view surface")
        if animated:
            out = export_animation(view, session, args.out, frames=args.frames or 60, fps=args.fps or 15,
                                   start=0, end=session.head, width=args.width or 1000)
        else:
            out = export_view(view, args.out, args.width or 1600)
    except (ExportError, ConfigError) as exc:
        raise UsageError(str(exc)) from None
    finally:
        if view is not None:
            view.shutdown()
        session.shutdown()
        app.processEvents()
    print(out)
    return 0
