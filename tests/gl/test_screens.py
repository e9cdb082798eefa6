"""Every preset in a real X window on a laptop screen (1366×768) and a large one (1920×1080): after
2 s of play the window is still inside the screen's available geometry, and every plot on screen
is at least 200×150 px (or the view says in words why it has nothing to draw).  Each screen is
a screen of one Xvfb display (xvfb-run), with a window each on one session, probed by
tests/gl/screen_probe.py."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gl,
              pytest.mark.skipif(os.environ.get("DESCENT_GL_TESTS") != "1",
                                 reason="needs DESCENT_GL_TESTS=1 and an X server with GL"),
              pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run")]

PROBE = Path(__file__).with_name("screen_probe.py")
SCREENS = ((1366, 768), (1920, 1080))
MIN_PLOT = (200, 150)


@pytest.fixture(scope="module")
def probes():
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", DESCENT_PRECOMPILE="0")
    screens = " ".join(f"-screen {i} {w}x{h}x24" for i, (w, h) in enumerate(SCREENS))
    p = subprocess.run(["xvfb-run", "-a", "-s", screens, sys.executable, str(PROBE)], env=env,
                       capture_output=True, text=True, timeout=600)
    rows = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    assert rows, f"the probe printed nothing: {p.stderr[-2000:]}"
    out = {size: [r for r in rows if tuple(r["screen"]) == size] for size in SCREENS}
    assert all(out.values()), f"a screen is missing: {sorted({tuple(r['screen']) for r in rows})}"
    return out


@pytest.mark.parametrize("size", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_preset_fits_the_screen_and_its_plots_are_readable(probes, size):
    from engine import presets as P
    rows = probes[size]
    assert [r["preset"] for r in rows] == list(P.all_presets())
    for r in rows:
        x, y, w, h = r["frame"]
        ax, ay, aw, ah = r["available"]
        assert (aw, ah) == size or (aw <= size[0] and ah <= size[1])
        for key in ("opened", "frame"):
            x, y, w, h = r[key]
            assert ax <= x and ay <= y and x + w <= ax + aw and y + h <= ay + ah, (r["preset"], key, r[key], size)
        assert r["minimum"][0] <= 1280 and r["minimum"][1] <= 720, r
        shown = [p for p in r["plots"] if "w" in p]
        assert shown, f"{r['preset']}: no plot on screen at {size}"
        for p in shown:
            assert p["w"] >= MIN_PLOT[0] and p["h"] >= MIN_PLOT[1], (r["preset"], size, p)
        for p in r["plots"]:
            assert "w" in p or p["empty"].strip(), p
        if P.get(r["preset"]).kind == "race":
            assert r["step"] > 0, f"{r['preset']} did not play"
