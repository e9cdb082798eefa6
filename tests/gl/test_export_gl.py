"""The 3-D view exports PNG under a real X server with OpenGL (DESCENT_GL_TESTS=1, xvfb-run, xcb)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gl,
              pytest.mark.skipif(os.environ.get("DESCENT_GL_TESTS") != "1",
                                 reason="needs DESCENT_GL_TESTS=1 and an X server with GL")]
ROOT = Path(__file__).resolve().parents[2]


def test_surface3d_png(qtbot, tmp_path):
    from PIL import Image

    from gui import export as E
    from gui.session import Session
    from gui.views.surface3d import Surface3DView
    s = Session("opt4_1")
    s.warm_up_blocking()
    s.step(100)
    v = Surface3DView(s)
    qtbot.addWidget(v)
    v.resize(800, 500)
    v.show()
    qtbot.waitExposed(v)
    qtbot.waitUntil(lambda: not v.available or (v.gl is not None and v.gl.context() is not None
                                                and v.gl.context().isValid()), timeout=30000)
    assert v.available, v.note.text()
    out = E.export_view(v, tmp_path / "s3.png")
    im = Image.open(out)
    assert im.width >= 1600 and len(im.convert("RGB").getcolors(1 << 24)) > 20
    with pytest.raises(E.ExportError, match="PNG only"):
        E.export_view(v, tmp_path / "s3.svg")
    v.shutdown()
    s.shutdown()


def test_cli_surface3d(tmp_path):
    out = tmp_path / "s3.png"
    r = subprocess.run([sys.executable, "main.py", "export", "--preset", "opt4_1", "--steps", "100",
                        "--view", "surface3d", "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 1000
