"""The window's frame rate while playing a preset at full speed (``python main.py bench --window``).

Runs offscreen: builds the real window at 1600×1000, plays the preset's runs at the top speed with
the step target raised so play never stops, and records, for every frame, the time from one frame
to the next (training tick + view updates + paint).  Reports fps, the median and 95th-percentile
frame time, and the step the runs reached.  ``python -m gui.bench_gui PRESET [SECONDS]`` prints one
preset's figures as JSON (the benchmark runs each preset in its own process).
``python -m gui.bench_gui --memory PRESET STEPS``: the window's memory after playing every run to
STEPS updates (``memory``).
"""
from __future__ import annotations

import os
import time


def _window(preset: str, size):
    """(app, session, window): the real window on ``preset`` at ``size``, offscreen, with fresh
    settings (not shown yet)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow
    from gui.session import Session
    from gui.style import configure_pyqtgraph

    tmp = tempfile.mkdtemp(prefix="descent-bench-")
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tmp)
    app = QApplication.instance() or QApplication(["Descent"])
    configure_pyqtgraph()
    session = Session(preset)
    window = MainWindow(session)
    window.resize(*size)
    return app, session, window


def measure(preset: str = "opt4_1", seconds: float = 4.0, size=(1600, 1000), show3d: bool = False,
            speed: int | None = None) -> dict:
    """``show3d``: the 3-D panel in front of its tab group (needs a real X display with GL);
    ``speed``: updates per frame (default: as fast as the engine goes)."""
    from gui.session import MAX_SPEED
    app, session, window = _window(preset, size)
    window.show()
    session.warm_up_blocking()
    if show3d:
        dock = window.docks["view_surface3d"][0]
        window.bring_forward(dock)
        end = time.perf_counter() + 2.0      # the GL widget starts on its first paint on screen
        while time.perf_counter() < end:
            app.processEvents()
    if not session.runs:     # a scripted demo (opt4_6): nothing plays
        window.close()
        return {"demo": True}
    session.set_value("steps", 10 ** 8)
    session.speed = MAX_SPEED if speed is None else speed
    stamps: list[float] = []
    session.frame.connect(lambda: stamps.append(time.perf_counter()))
    # let the views draw the start once, then play
    for _ in range(5):
        app.processEvents()
    window.draw_turns.draws.clear()
    session.play()
    t0 = time.perf_counter()
    end = t0 + seconds
    while time.perf_counter() < end:
        app.processEvents()
    session.pause()
    played = time.perf_counter() - t0
    redraws = {name: n / played for name, n in window.draw_turns.draws.items()}
    steps = session.head
    window.close()
    app.processEvents()
    gaps = sorted(b - a for a, b in zip(stamps, stamps[1:]))
    if not gaps:
        return {"error": "no frames"}
    p95 = gaps[min(len(gaps) - 1, int(0.95 * len(gaps)))]
    return {"fps": len(gaps) / (stamps[-1] - stamps[0]), "p95_ms": 1000 * p95,
            "median_ms": 1000 * gaps[len(gaps) // 2], "frames": len(gaps), "steps_reached": steps,
            "redraws_per_s": redraws}


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process in MB."""
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open("/proc/self/status", encoding="ascii") as f:
        now = next((int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:")), float("nan"))
    return now, peak


def memory(preset: str = "opt4_1", steps: int = 10_000_000, limit_s: float = 600.0) -> dict:
    """Play the real window (offscreen, 1600×1000) at full speed until every run has ``steps``
    updates (or ``limit_s`` passed); the resident memory then and at its peak, in MB."""
    from gui.session import MAX_SPEED
    app, session, window = _window(preset, (1600, 1000))
    window.show()
    session.warm_up_blocking()
    start = _rss_mb()[0]
    session.set_value("steps", steps)
    session.speed = MAX_SPEED
    session.play()
    t0 = time.perf_counter()
    trace, next_at = [], t0
    while session.playing and time.perf_counter() - t0 < limit_s:
        app.processEvents()
        if time.perf_counter() >= next_at:          # (steps, MB) every 5 s
            next_at += 5.0
            trace.append((session.head, round(_rss_mb()[0], 1)))
    session.pause()
    played = time.perf_counter() - t0
    for _ in range(20):        # the views draw the last state
        app.processEvents()
    now, peak = _rss_mb()
    reached = min(r.step for r in session.runs)
    window.close()
    return {"preset": preset, "steps_per_run": reached, "runs": len(session.runs), "seconds": played,
            "rss_mb": now, "peak_rss_mb": peak, "rss_before_play_mb": start, "trace": trace}


if __name__ == "__main__":
    import json
    import sys
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--memory" in sys.argv:
        print(json.dumps(memory(args[0] if args else "opt4_1", int(args[1]) if len(args) > 1 else 10_000_000)))
        sys.stdout.flush()
        os._exit(0)
    name = args[0] if args else "opt4_1"
    secs = float(args[1]) if len(args) > 1 else 4.0
    speed = next((int(a.split("=")[1]) for a in sys.argv if a.startswith("--speed=")), None)
    print(json.dumps(measure(name, secs, show3d="--3d" in sys.argv, speed=speed)))
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of Qt objects
