"""Descent — entry point.  The window by default; subcommands run headless.

    python main.py [gui] [--preset NAME] [--session FILE]   the window
    python main.py presets                                  list presets
    python main.py lessons [--json] [--check FILE]          list lessons, or validate a lesson file
    python main.py --lesson NAME                            the window, on a lesson
    python main.py run --preset NAME [...] [--json]         train headless
    python main.py export --preset NAME --view V --out F    draw a view to a file, offscreen
    python main.py precompile [--preset NAME]               compile the fast fixed kernels
    python main.py bench [--json] [--no-gui|--window]       throughput (engine; window frame rates)
"""
from __future__ import annotations

import sys

HEADLESS = ("presets", "lessons", "run", "precompile", "bench")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "bench" and "--no-gui" not in argv:
        # the window's figures too (engine/ starts no GUI code)
        from gui.bench_cli import main as bench_main
        return bench_main(argv)
    if argv and argv[0] in HEADLESS:
        from engine.cli import main as cli_main
        from engine.cli_args import quiet_on_broken_pipe
        return quiet_on_broken_pipe(cli_main, argv)      # `run --json | head`: no traceback
    if argv and argv[0] == "export":
        from engine.cli_args import quiet_on_broken_pipe
        from gui.export_cli import main as export_main
        return quiet_on_broken_pipe(export_main, argv[1:])
    if argv and argv[0] == "gui":
        argv = argv[1:]
    from gui.app import main as gui_main
    return gui_main(argv)


if __name__ == "__main__":
    sys.exit(main())
