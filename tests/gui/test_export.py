"""Export (PNG/SVG/CSV/GIF/MP4, history CSV), the export command, session files and the menus (offscreen)."""
import csv
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from engine.config import ConfigError  # noqa: E402
from engine.history_io import history_table  # noqa: E402
from gui import export as E  # noqa: E402
from gui.session import Session  # noqa: E402
from gui.session_menu import open_session, save_session  # noqa: E402
from gui.views import VIEW_CLASSES  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# a preset where the view has something to show (the decision map needs a classifier, the EMA
# explorer its own demo); every other view draws opt4_1
VIEW_PRESET = {"decision": "opt4_7", "ema": "opt4_6"}
FLAT_KEYS = [k for k in VIEW_CLASSES if k != "surface3d"]


@pytest.fixture
def make_session(qtbot):
    made = []

    def make(preset="opt4_1", steps=30):
        s = Session(preset)
        s.warm_up_blocking()
        if s.runs and steps:
            s.step(steps)
        made.append(s)
        return s
    yield make
    for s in made:
        s.shutdown()


@pytest.fixture
def make_view(qtbot):
    made = []

    def make(key, session):
        v = VIEW_CLASSES[key][1](session)
        v.export_name = key
        qtbot.addWidget(v)
        v.resize(1000, 625)
        v.show()
        E.settle(v)
        made.append(v)
        return v
    yield make
    for v in made:
        if hasattr(v, "shutdown"):
            v.shutdown()


def no_leftovers(folder: Path) -> bool:
    return not any(p.name.startswith(".") and ".part-" in p.name for p in folder.iterdir())


@pytest.mark.parametrize("key", FLAT_KEYS)
def test_view_png_svg_csv(qtbot, make_session, make_view, tmp_path, key):
    s = make_session(VIEW_PRESET.get(key, "opt4_1"))
    v = make_view(key, s)

    png = E.export_view(v, tmp_path / f"{key}.png")
    im = Image.open(png)
    assert im.width >= 1600
    assert len(im.convert("RGB").getcolors(1 << 24)) > 20        # not blank

    svg = E.export_view(v, tmp_path / f"{key}.svg")
    root = ET.parse(svg).getroot()
    texts = [el for el in root.iter() if el.tag.endswith("text")]
    assert texts, "SVG keeps text as text"

    out = E.export_view(v, tmp_path / f"{key}.csv")
    data = v.view_data()
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(data)
    assert len(rows) - 1 == max(len(c) for c in data.values())
    assert all(len(r) == len(rows[0]) for r in rows)
    assert no_leftovers(tmp_path)


def test_png_width_choice(qtbot, make_session, make_view, tmp_path):
    v = make_view("loss", make_session())
    assert Image.open(E.export_png(v, tmp_path / "a.png", width=2400)).width == 2400


def test_gif_frames(qtbot, make_session, make_view, tmp_path):
    s = make_session(steps=200)
    v = make_view("surface", s)
    s.set_cursor(120)
    seen = []
    out = E.export_animation(v, s, tmp_path / "a.gif", frames=5, fps=10, start=0, end=200,
                             progress=lambda done, total: seen.append((done, total)), width=400)
    im = Image.open(out)
    assert im.n_frames == 5
    assert im.info["loop"] == 0 and im.info["duration"] == 100
    assert seen[-1] == (5, 5)
    assert s.cursor == 120                 # put back where it was
    assert no_leftovers(tmp_path)


def test_cancelled_animation_leaves_no_file(qtbot, make_session, make_view, tmp_path):
    s = make_session(steps=50)
    v = make_view("loss", s)
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 2
    with pytest.raises(E.ExportCancelled):
        E.export_animation(v, s, tmp_path / "a.gif", frames=10, fps=10, cancelled=cancelled, width=300)
    assert list(tmp_path.iterdir()) == []


def _without_ffmpeg_on_path(monkeypatch, tmp_path) -> dict:
    """PATH with every folder that holds an ffmpeg left out (as on a bare machine); the env."""
    keep = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and not (Path(d) / "ffmpeg").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(keep))
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE", raising=False)
    assert shutil.which("ffmpeg") is None
    return dict(os.environ)


def _mp4_frames(path) -> tuple[dict, list[np.ndarray]]:
    """Decode an MP4 back (imageio-ffmpeg's reader): its metadata and every frame as RGB."""
    import imageio_ffmpeg
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    w, h = meta["size"]
    return meta, [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in reader]


def test_mp4_without_ffmpeg_on_path_plays_back(qtbot, make_session, make_view, tmp_path, monkeypatch):
    _without_ffmpeg_on_path(monkeypatch, tmp_path)
    s = make_session(steps=400)
    v = make_view("surface", s)
    out = E.export_animation(v, s, tmp_path / "a.mp4", frames=6, fps=10, width=400)
    meta, frames = _mp4_frames(out)
    assert len(frames) == 6 and meta["fps"] == 10 and meta["size"][0] == 400
    assert np.abs(frames[0].astype(int) - frames[-1]).mean() > 0.5      # the paths grow: it moves
    assert no_leftovers(tmp_path)


def test_mp4_with_no_ffmpeg_at_all_says_so(qtbot, make_session, make_view, tmp_path, monkeypatch):
    s = make_session()
    v = make_view("loss", s)
    from gui import export_animation
    monkeypatch.setattr(export_animation, "ffmpeg_exe", lambda: None)
    with pytest.raises(E.ExportError, match="needs ffmpeg"):
        E.export_animation(v, s, tmp_path / "a.mp4", frames=3, fps=10)
    assert list(tmp_path.iterdir()) == []


def test_bad_targets(qtbot, make_session, make_view, tmp_path):
    v = make_view("loss", make_session())
    with pytest.raises(E.ExportError, match="folder does not exist"):
        E.export_view(v, tmp_path / "nope" / "x.png")
    with pytest.raises(E.ExportError, match="allowed: .png"):
        E.export_view(v, tmp_path / "x.jpg")
    (tmp_path / "d.png").mkdir()
    with pytest.raises(E.ExportError, match="is a folder"):
        E.export_view(v, tmp_path / "d.png")
    assert [p.name for p in tmp_path.iterdir()] == ["d.png"]
    with pytest.raises(E.ExportError, match="folder does not exist"):
        E.export_history_csv(v.session, tmp_path / "nope" / "h.csv")


def test_history_csv_matches_run_csv(qtbot, make_session, tmp_path):
    s = make_session(steps=0)
    s.step(25)
    ours = E.export_history_csv(s, tmp_path / "ours.csv")
    theirs = tmp_path / "theirs.csv"
    subprocess.run([sys.executable, "main.py", "run", "--preset", "opt4_1", "--steps", "25", "--csv", str(theirs)],
                   cwd=ROOT, check=True, capture_output=True)
    a = ours.read_text().splitlines()
    b = theirs.read_text().splitlines()
    assert a[0] == b[0] == ",".join(history_table(s.runs)[0])
    assert len(a) - 1 == sum(r.step + 1 for r in s.runs) == 3 * 26
    assert a == b                          # training is deterministic: the very same numbers


def test_export_all(qtbot, make_session, make_view, tmp_path):
    s = make_session()
    views = {k: make_view(k, s) for k in ("surface", "loss")}
    written, skipped = E.export_all(views, tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{k}{e}" for k in views for e in (".png", ".svg", ".csv"))
    assert not skipped


# --- sessions -------------------------------------------------------------------------------------
def test_session_round_trip(qtbot, make_session, tmp_path):
    s = make_session(steps=137)
    path = save_session(s, tmp_path / "a.json")
    fresh = make_session("opt4_4", steps=5)
    doc = open_session(fresh, path)
    assert doc.step == 137 and fresh.preset.name == "opt4_1" and fresh.cursor == 137
    assert [r.label for r in fresh.runs] == [r.label for r in s.runs]
    for a, b in zip(s.runs, fresh.runs):
        assert b.step == 137
        np.testing.assert_array_equal(a.theta, b.theta)


def test_session_round_trip_at_earlier_cursor(qtbot, make_session, tmp_path):
    s = make_session(steps=137)
    s.set_cursor(60)
    path = save_session(s, tmp_path / "a.json")
    fresh = make_session("opt4_1", steps=0)
    open_session(fresh, path)
    assert fresh.cursor == 60
    for a, b in zip(s.runs, fresh.runs):
        np.testing.assert_array_equal(a.theta_history[60], b.theta)


@pytest.mark.parametrize("content, message", [
    ("", "empty"),
    ('{"format": "descent-session", "version": 1, "preset": "opt4_1", "ba', "corrupt or truncated"),
    ("[1, 2]", "not a Descent session"),
    ('{"format": "descent-session", "version": 99, "preset": "opt4_1"}', "newer"),
    ('{"format": "descent-session", "version": 1, "preset": "no-such-preset", "runs": []}', "no-such-preset"),
])
def test_bad_session_refused(qtbot, make_session, tmp_path, content, message):
    s = make_session(steps=40)
    before = [r.theta.copy() for r in s.runs]
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message) as info:
        open_session(s, path)
    assert "\n" not in str(info.value)
    assert s.preset.name == "opt4_1" and s.cursor == 40
    for r, th in zip(s.runs, before):
        np.testing.assert_array_equal(r.theta, th)


def test_saved_session_is_the_engine_format(qtbot, make_session, tmp_path):
    s = make_session(steps=10)
    doc = json.loads(save_session(s, tmp_path / "a.json").read_text())
    assert doc["format"] == "descent-session" and doc["preset"] == "opt4_1" and doc["step"] == 10
    out = subprocess.run([sys.executable, "main.py", "run", "--session", str(tmp_path / "a.json"), "--json"],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    runs = json.loads(out.stdout)["runs"]
    for r, mine in zip(runs, s.runs):
        np.testing.assert_array_equal(r["params"], mine.theta)


# --- menus ----------------------------------------------------------------------------------------
def test_menus_installed(qtbot, make_session, make_view, tmp_path):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QApplication, QMainWindow

    from gui.export_menu import install_export_menu
    from gui.session_menu import install_session_menu, recent_paths
    s = make_session()
    w = QMainWindow()
    qtbot.addWidget(w)
    w.file_menu = w.menuBar().addMenu("&File")
    w.action_quit = QAction("Quit", w)
    w.file_menu.addAction(w.action_quit)
    views = {"loss": make_view("loss", s)}
    sm = install_session_menu(w, s)
    em = install_export_menu(w, s, views)
    texts = [a.text() for a in w.file_menu.actions() if not a.isSeparator()]
    assert texts[:4] == ["Open session…", "Save session", "Save session as…", "Recent sessions"]
    assert texts[4:9] == ["Export view…", "Export all views…", "Export history CSV…", "Export animation…",
                          "Copy view to clipboard"]
    assert texts[-1] == "Quit"
    scene = views["loss"].export_items().scene()
    assert [a.text() for a in scene.contextMenu] == ["Export…", "Copy to clipboard"]
    em.copy_view("loss")
    assert QApplication.clipboard().image().width() >= 1600
    assert sm.save_to(tmp_path / "s.json") and recent_paths()[0] == str((tmp_path / "s.json").resolve())
    assert sm.open_path(tmp_path / "s.json") and s.cursor == 30


# --- the command line -----------------------------------------------------------------------------
def _export(*args):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run([sys.executable, "main.py", "export", *args], cwd=ROOT, capture_output=True,
                          text=True, env=env, timeout=120)


def test_cli_png(tmp_path):
    out = tmp_path / "X.png"
    r = _export("--preset", "opt4_1", "--steps", "200", "--view", "surface", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(out)
    im = Image.open(out)
    assert im.width == 1600 and len(im.convert("RGB").getcolors(1 << 24)) > 20
    assert no_leftovers(tmp_path)


def test_cli_bad_view(tmp_path):
    r = _export("--preset", "opt4_1", "--view", "nope", "--out", str(tmp_path / "X.png"))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope" in lines[0] and "surface" in lines[0] and "loss" in lines[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("out, message", [("nope/X.png", "folder does not exist"), ("X.bmp", "allowed")])
def test_cli_bad_path(tmp_path, out, message):
    r = _export("--preset", "opt4_1", "--view", "loss", "--out", str(tmp_path / out))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and message in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_mp4_without_ffmpeg_on_path(tmp_path, monkeypatch):
    _without_ffmpeg_on_path(monkeypatch, tmp_path)
    out = tmp_path / "X.mp4"
    r = _export("--preset", "opt4_1", "--steps", "300", "--view", "loss", "--out", str(out), "--frames", "3",
                "--width", "320")
    assert r.returncode == 0, r.stderr
    meta, frames = _mp4_frames(out)
    assert len(frames) == 3 and meta["size"][0] == 320
    assert no_leftovers(tmp_path)


def test_cli_mp4_with_a_broken_ffmpeg_setting_says_so(tmp_path, monkeypatch):
    _without_ffmpeg_on_path(monkeypatch, tmp_path)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(tmp_path / "no-such-ffmpeg"))
    r = _export("--preset", "opt4_1", "--view", "loss", "--out", str(tmp_path / "X.mp4"), "--frames", "3")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "ffmpeg" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_surface3d_without_display(tmp_path):
    r = _export("--preset", "opt4_1", "--view", "surface3d", "--out", str(tmp_path / "X.png"))
    assert r.returncode == 2 and "xvfb-run" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_cli_precision_and_at(tmp_path):
    """export --precision float32 --at K draws the state after K float32 updates; a K past the
    run is one line, exit 2, no file."""
    out = tmp_path / "params.csv"
    r = _export("--preset", "opt4_1", "--run", "gd", "--precision", "float32", "--steps", "600", "--at", "500",
                "--view", "surface", "--out", str(out))
    assert r.returncode == 0, r.stderr
    header, *rows = out.read_text().splitlines()
    tf = json.loads((ROOT / "tests" / "data" / "tf1_chapter.json").read_text())["runs"]["opt4_1_gd"]
    assert rows[500].split(",")[1:] == [repr(float(v)) for v in tf["theta_every_500"][1]]   # TF's float32 θ
    bad = tmp_path / "bad.png"
    r = _export("--preset", "opt4_1", "--steps", "100", "--at", "101", "--view", "surface", "--out", str(bad))
    assert r.returncode == 2 and "--at 101 is past" in r.stderr and not bad.exists()
