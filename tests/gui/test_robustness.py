"""Issue 7 in the window (offscreen): divergence never reaches pyqtgraph as NaN/Inf, out-of-range
settings are refused, bad session files leave the session untouched, exports fail with a message,
closing mid-play is quick and clean, unexpected exceptions go to a dialog and a log file, and the
numba cache notice reaches the status bar."""
from __future__ import annotations

import json
import threading
import time

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from engine import jit
from engine import session_file as SF
from engine.config import ConfigError
from gui import errors
from gui import export as E
from gui.main_window import MainWindow
from gui.session import MAX_SPEED, Session
from gui.session_menu import open_session, save_session
from gui.status_bar import StatusBar
from gui.views import VIEW_CLASSES

FLAT_KEYS = [k for k in VIEW_CLASSES if k != "surface3d"]   # the 3-D view needs GL (tests/gl)


def _state(s: Session):
    return (s.preset.name, s.cursor, s.head, [(r.label, r.step, r.theta.copy(), r.config) for r in s.runs])


def _same_state(a, b) -> bool:
    return (a[:3] == b[:3] and len(a[3]) == len(b[3])
            and all(x[0] == y[0] and x[1] == y[1] and np.array_equal(x[2], y[2]) and x[3] == y[3]
                    for x, y in zip(a[3], b[3])))


def _assert_drawable(view) -> int:
    """Every data item in the view's scenes holds finite data and every axis range is finite."""
    checked = 0
    for gv in view.findChildren(pg.GraphicsView):
        for it in gv.scene().items():
            if isinstance(it, (pg.PlotDataItem, pg.PlotCurveItem, pg.ScatterPlotItem)):
                x, y = it.getData()
                if x is not None and len(x):
                    assert np.all(np.isfinite(x)) and np.all(np.isfinite(y)), (type(view).__name__, it)
                    checked += 1
            elif isinstance(it, pg.ImageItem) and it.image is not None:
                assert np.all(np.isfinite(it.image)), (type(view).__name__, it)
                checked += 1
            elif isinstance(it, pg.ViewBox):
                assert np.all(np.isfinite(np.asarray(it.viewRange(), float))), (type(view).__name__, it)
    return checked


# --- 1. divergence ------------------------------------------------------------------------------------
@pytest.mark.parametrize("preset,label", [("opt4_4", "lr-1"), ("opt4_1", "gd"), ("opt4_7", "mse")])
def test_divergence_stops_one_run_and_every_view_stays_finite(qtbot, make_session, preset, label):
    s = make_session(preset)
    bar = StatusBar(s)
    qtbot.addWidget(bar)
    views = []
    for key in FLAT_KEYS:
        v = VIEW_CLASSES[key][1](s)
        qtbot.addWidget(v)
        v.resize(700, 450)
        v.show()
        views.append(v)
    s.step(3)
    assert s.set_value("optimizer.name", "gd", label=label)
    assert s.set_value("optimizer.lr", 5000.0, label=label)
    for _ in range(100):
        s.step(10)
        if s.comparison.run(label).diverged_at is not None:
            break
    bad = s.comparison.run(label)
    assert bad.diverged_at is not None, "the run should diverge at lr = 5000"
    others = [r for r in s.runs if r.label != label]
    before = {r.label: r.step for r in others}
    s.step(25)                                   # the other runs go on; the diverged one stays
    assert all(r.step == before[r.label] + 25 and r.diverged_at is None for r in others)
    assert bad.step < bad.diverged_at
    # the history ends at the last finite state
    assert np.all(np.isfinite(bad.theta_history)) and np.all(np.isfinite(bad.losses()))
    # named, with the step and the likely cause, sticky in the status bar
    assert bar.sticky_label.isVisibleTo(bar)
    text = bar.sticky_label.text()
    assert f"step {bad.diverged_at}" in text and "too large" in text and label in text
    checked = 0
    for k in (s.head, bad.step, bad.diverged_at, 0):
        s.set_cursor(k)
        for v in views:
            E.settle(v, 30.0)                    # throttled redraws and background surfaces done
            checked += _assert_drawable(v)
    assert checked > 4 * len(views)
    for v in views:
        if hasattr(v, "shutdown"):
            v.shutdown()


# --- 2. settings ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("preset,path,value,needle", [
    ("opt4_1", "optimizer.lr", -0.5, "out of range"),
    ("opt4_1", "optimizer.lr", 0.0, "out of range"),
    ("opt4_1", "schedule.end_lr", -1.0, "out of range"),
    ("opt4_5", "schedule.decay", 0.0, "(0, 1]"),
    ("opt4_5", "schedule.decay", 1.5, "(0, 1]"),
    ("opt4_5", "schedule.decay_steps", 0, "out of range"),
    ("opt4_1", "batch", 1000, "larger than the data"),
    ("opt4_1", "batch", 0, "out of range"),
    ("opt4_7", "model.hidden", [0], "1 to 4096 units"),
    ("opt4_7", "model.hidden", [11, 0], "1 to 4096 units"),
    ("opt4_1", "optimizer.momentum", 1.0, "out of range"),
    ("opt4_1", "ema.decay", 1.5, "out of range"),
    ("opt4_1", "optimizer.lr", float("nan"), "not a finite number"),
    ("opt4_1", "optimizer.lr", "fast", "not a valid float"),
])
def test_out_of_range_settings_are_refused_and_nothing_changes(qtbot, make_session, preset, path, value, needle):
    s = make_session(preset)
    s.step(5)
    before = _state(s)
    said = []
    s.message.connect(lambda level, text: said.append((level, text)))
    assert s.set_value(path, value) is False
    assert said and said[-1][0] == "error" and needle in said[-1][1], said
    assert "\n" not in said[-1][1]
    assert _same_state(before, _state(s))


# --- 4. files -------------------------------------------------------------------------------------------
def _bad_session_files(folder, good: dict) -> dict:
    text = json.dumps(good)
    future = dict(good, version=SF.VERSION + 1)
    neg = json.loads(text)
    neg["runs"][0]["config"]["optimizer"]["lr"] = -1
    files = {
        "empty": b"",
        "truncated": text[: len(text) // 2].encode(),
        "corrupt": text.replace(":", ";", 2).encode(),
        "list": b"[1, 2, 3]",
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "future": json.dumps(future).encode(),
        "unknown-preset": json.dumps(dict(good, preset="opt9_9")).encode(),
        "runs-not-a-list": json.dumps(dict(good, runs=5)).encode(),
        "negative-rate": json.dumps(neg).encode(),
        "bad-change-path": json.dumps(dict(good, changes=[{"step": 1, "label": "", "path": "optimizer.lr.x",
                                                           "value": 1}])).encode(),
    }
    paths = {}
    for name, data in files.items():
        p = folder / f"{name}.json"
        p.write_bytes(data)
        paths[name] = p
    return paths


def test_bad_session_files_leave_the_session_untouched(qtbot, make_session, tmp_path):
    s = make_session("opt4_1")
    s.step(12)
    good = tmp_path / "good.json"
    save_session(s, good)
    s.set_value("optimizer.lr", 0.002)
    s.step(7)
    s.set_cursor(9)
    before = _state(s)
    rebuilt = []
    s.rebuilt.connect(lambda: rebuilt.append(1))
    for name, path in _bad_session_files(tmp_path, json.loads(good.read_text())).items():
        with pytest.raises(ConfigError) as info:
            open_session(s, path)
        msg = str(info.value)
        assert msg and "\n" not in msg and "Traceback" not in msg, (name, msg)
        assert _same_state(before, _state(s)), name
        with pytest.raises(ConfigError):           # the controller's own entry point too
            s.adopt(SF.parse(json.loads(path.read_text()), path.name)) if name in (
                "future", "unknown-preset", "runs-not-a-list", "negative-rate", "bad-change-path") \
                else SF.load(path)
        assert _same_state(before, _state(s)), name
    assert not rebuilt
    open_session(s, good)                          # and a good file still opens
    assert s.cursor == 12


def test_export_to_an_unwritable_place_is_a_message(qtbot, make_session, tmp_path):
    s = make_session("opt4_1")
    s.step(10)
    v = VIEW_CLASSES["loss"][1](s)     # not shown: the failures come before anything is drawn
    qtbot.addWidget(v)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    (tmp_path / "folder.png").mkdir()
    for target in (blocker / "x.png", tmp_path / "missing" / "x.svg", tmp_path / "folder.png"):
        with pytest.raises(E.ExportError) as info:
            E.export_view(v, target)
        assert "\n" not in str(info.value)
    with pytest.raises(E.ExportError):
        E.export_history_csv(s, blocker / "h.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "folder.png"]   # no partial file


def test_a_failing_export_leaves_no_partial_file(qtbot, make_session, tmp_path, monkeypatch):
    s = make_session("opt4_1")
    s.step(10)
    v = VIEW_CLASSES["loss"][1](s)
    qtbot.addWidget(v)
    target = tmp_path / "fig.csv"
    target.write_text("old contents")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(E.os, "replace", broken_replace)
    with pytest.raises(E.ExportError, match="No space left"):
        E.export_view(v, target)
    assert target.read_text() == "old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.csv"]


# --- 5. lifecycle -----------------------------------------------------------------------------------------
def _trainer_threads():
    return [t for t in threading.enumerate() if t.name == "descent-trainer" and t.is_alive()]


@pytest.mark.parametrize("preset", ["opt4_1", "opt4_7"])
def test_closing_the_window_at_max_speed_is_quick_and_clean(qtbot, settings_tmp, capfd, preset):
    session = Session(preset)
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    session.warm_up_blocking()
    session.set_value("steps", 10 ** 8)
    session.speed = MAX_SPEED
    session.play()
    qtbot.waitUntil(lambda: session._trainer is not None and session.head > 200, timeout=30000)
    # a background surface job in flight as the window closes (as when the path has just moved)
    window.views["surface"].runner.submit(lambda: time.sleep(0.05))
    window.close()
    # close stopped and joined the trainer: its kernel looks at an interrupt flag every 256
    # updates (tests/core: an interrupted advance stops at once), so it never waits out a chunk
    assert not _trainer_threads()
    assert not session.playing and not session._timer.isActive()
    assert not window.status.message_timer.isActive()
    timers = [tm for tm in window.findChildren(QTimer) + session.findChildren(QTimer) if tm.isActive()]
    assert not timers, timers
    for v in window.views.values():
        runner = getattr(v, "runner", None)
        if runner is not None:
            assert runner.wait(0)
    out, err = capfd.readouterr()
    assert "Traceback" not in err and "Error" not in err, err


class _Emitter(QObject):
    fired = Signal()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_and_shown_and_the_app_goes_on(qtbot, tmp_path, monkeypatch, capfd):
    log = tmp_path / "data" / "descent.log"
    monkeypatch.setenv(errors.LOG_ENV, str(log))
    errors.install()
    try:
        emitter = _Emitter()
        after = []

        def bad_slot():
            raise ZeroDivisionError("slot went wrong")
        emitter.fired.connect(bad_slot)
        emitter.fired.connect(lambda: after.append(1))
        emitter.fired.emit()
        qtbot.waitUntil(lambda: errors._reporter.box is not None, timeout=30000)
        box = errors._reporter.box
        assert isinstance(box, QMessageBox) and box.isVisible() and not box.isModal()
        assert "slot went wrong" in box.text()
        assert "ZeroDivisionError" in box.detailedText() and "bad_slot" in box.detailedText()
        assert "slot went wrong" in log.read_text() and "Traceback" in log.read_text()
        emitter.fired.emit()                     # while the box is open: logged and counted only
        qtbot.waitUntil(lambda: log.read_text().count("ZeroDivisionError: slot went wrong") == 2)
        assert errors._reporter.box is box and log.read_text().count("ZeroDivisionError: slot went wrong") == 2
        assert after == [1, 1]                   # the app (and the other slots) kept running
        # a worker thread's exception takes the same way
        t = threading.Thread(target=lambda: 1 / 0, name="worker-x")
        t.start()
        t.join()
        assert "worker-x" in log.read_text()
        err = capfd.readouterr().err
        assert err.count("error: unexpected ZeroDivisionError") == 3
        box.close()
    finally:
        errors.uninstall()


# --- 7. the numba cache notice ------------------------------------------------------------------------------
def test_cache_notice_reaches_the_status_bar(qtbot, monkeypatch):
    notice = "numba cache at /x is not writable (Not a directory); compiling in memory"
    monkeypatch.setattr(jit, "CACHE_NOTICE", notice)
    s = Session("opt4_1")
    bar = StatusBar(s)
    qtbot.addWidget(bar)
    said = []
    s.message.connect(lambda level, text: said.append(text))
    s.warm_up_blocking()
    assert notice in said and bar.message_label.text() == notice
    s.shutdown()
    bar.stop()
    QApplication.processEvents()
