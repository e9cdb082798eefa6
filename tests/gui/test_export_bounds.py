"""Animation exports are bounded (issue 14): at most MAX_FRAMES frames, and a GIF, which holds every
frame in memory, at most GIF_MAX_PIXELS pixels; refused in one line, nothing written."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from gui import export as E  # noqa: E402
from gui import export_animation as A  # noqa: E402
from gui.session import Session  # noqa: E402
from gui.views import VIEW_CLASSES  # noqa: E402


@pytest.fixture
def loss_view(qtbot):
    s = Session("opt4_1")
    s.warm_up_blocking()
    s.step(20)
    v = VIEW_CLASSES["loss"][1](s)
    qtbot.addWidget(v)
    v.resize(1000, 625)
    v.show()
    E.settle(v)
    yield v, s
    s.shutdown()


def test_more_frames_than_the_maximum_are_refused(loss_view, tmp_path):
    v, s = loss_view
    with pytest.raises(E.ExportError, match=f"frames must be 1 to {A.MAX_FRAMES}, not {A.MAX_FRAMES + 1}"):
        E.export_animation(v, s, tmp_path / "a.gif", frames=A.MAX_FRAMES + 1, fps=10)
    assert list(tmp_path.iterdir()) == []


def test_a_gif_too_large_for_memory_is_refused_before_the_frames_are_drawn(loss_view, tmp_path, monkeypatch):
    v, s = loss_view
    monkeypatch.setattr(A, "GIF_MAX_PIXELS", 4 * 200 * 50)     # 4 frames of 200 px wide, under 50 px tall
    s.set_cursor(10)
    with pytest.raises(E.ExportError, match=r"a GIF of 4 frames of 200×\d+ px is too large") as err:
        E.export_animation(v, s, tmp_path / "a.gif", frames=4, fps=10, width=200)
    assert "\n" not in str(err.value) and ".mp4" in str(err.value)
    assert list(tmp_path.iterdir()) == [] and s.cursor == 10
