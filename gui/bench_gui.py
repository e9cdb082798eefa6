"""The window's frame rate while playing a preset at full speed (``python main.py bench --window``).

Runs offscreen: builds the real window at 1600×1000, plays the preset's runs at the top speed with
the step target raised so play never stops, and records, for every frame, the time from one frame
to the next (training tick + view updates + paint).  Reports fps, the median and 95th-percentile
frame time, and the step the runs reached.  ``python -m gui.bench_gui PRESET [SECONDS]`` prints one
preset's figures as JSON (the benchmark runs each preset in its own process).
"""
from __future__ import annotations

import os
import time


def measure(preset: str = "opt4_1", seconds: float = 4.0, size=(1600, 1000), show3d: bool = False,
            speed: int | None = None) -> dict:
    """``show3d``: the 3-D panel in front of its tab group (needs a real X display with GL);
    ``speed``: updates per frame (default: as fast as the engine goes)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow
    from gui.session import MAX_SPEED, Session
    from gui.style import configure_pyqtgraph

    tmp = tempfile.mkdtemp(prefix="descent-bench-")
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tmp)
    app = QApplication.instance() or QApplication(["Descent"])
    configure_pyqtgraph()
    session = Session(preset)
    window = MainWindow(session)
    window.resize(*size)
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


if __name__ == "__main__":
    import json
    import sys
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    name = args[0] if args else "opt4_1"
    secs = float(args[1]) if len(args) > 1 else 4.0
    speed = next((int(a.split("=")[1]) for a in sys.argv if a.startswith("--speed=")), None)
    print(json.dumps(measure(name, secs, show3d="--3d" in sys.argv, speed=speed)))
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown of Qt objects
