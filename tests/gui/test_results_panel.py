"""The Results dock: one row per run with the engine's numbers (engine.results) after stepping;
Copy (button and Ctrl+C) puts the same numbers on the clipboard as TSV; Export all views writes
results.csv with them; while a thinned history can only be estimated the table says "≈" and the
exact figures come from a background job."""
import csv

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from engine import results as R
from gui import export as E
from gui.i18n import LANGUAGE


def shown_panel(qtbot, window):
    window.bring_forward(window.results_dock)
    qtbot.waitUntil(lambda: window.results.showing())
    return window.results


def test_one_row_per_run_with_the_engines_numbers_and_copy_gives_them_as_tsv(qtbot, window_on):
    window = window_on("opt4_1")
    s = window.session
    panel = shown_panel(qtbot, window)
    s.step(8000)
    engine_rows = R.results(s.runs)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 3 and bool(panel.rows) and panel.rows[0].steps == 8000)
    shown, _ = panel.cells(compact=True)        # on screen: the runs' common step is in the note
    col = {h: i for i, h in enumerate(shown)}
    assert "steps until\n‖θ−θ*‖∞\n< 0.001" in col and "engine\nµs / step" in col and "steps\ntrained" not in col
    assert [panel.table.horizontalHeaderItem(j).text() for j in range(panel.table.columnCount())] == shown
    assert "Every run at step 8000." in panel.note.text()
    for i, r in enumerate(engine_rows):
        assert panel.table.item(i, 0).text() == r.label == s.runs[i].label
        assert panel.table.item(i, col["loss"]).text() == f"{r.loss:.6g}"
        assert panel.table.item(i, col["‖θ−θ*‖∞"]).text() == f"{r.distance:.3g}"
        want = "not yet" if r.steps_to_tol is None else str(r.steps_to_tol)
        assert panel.table.item(i, col["steps until\n‖θ−θ*‖∞\n< 0.001"]).text() == want
    by = {r.label: r for r in engine_rows}
    assert by["momentum"].steps_to_tol == 3547 and by["gd"].steps_to_tol is None
    assert "θ* = [1.004309, 0.9948288] (least squares)" in panel.note.text()

    headers, cells = panel.cells()              # Copy: every column
    QApplication.clipboard().clear()
    qtbot.mouseClick(panel.copy_button, Qt.MouseButton.LeftButton)
    lines = QApplication.clipboard().text().splitlines()
    assert lines[0].split("\t") == [h.replace("\n", " ") for h in headers]
    assert [ln.split("\t") for ln in lines[1:]] == cells
    tsv = {h: [ln.split("\t")[j] for ln in lines[1:]] for j, h in enumerate(lines[0].split("\t"))}
    assert tsv["steps trained"] == ["8000"] * 3 and tsv["run"] == ["gd", "momentum", "adam"]
    assert tsv["steps until ‖θ−θ*‖∞ < 0.001"] == [str(r.steps_to_tol) if r.steps_to_tol else "not yet"
                                                   for r in engine_rows] == ["not yet", "3547", "5965"]
    assert tsv["loss"] == [f"{r.loss:.6g}" for r in engine_rows]
    assert tsv["loss stops falling at step"][1:] == [str(r.plateau_at) for r in engine_rows[1:]]

    QApplication.clipboard().clear()
    panel.table.setFocus()
    qtbot.waitUntil(panel.table.hasFocus)
    qtbot.keyClick(panel.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text().splitlines()[1:] == ["\t".join(c) for c in cells]


def test_export_all_views_writes_results_csv_with_the_same_numbers(qtbot, window_on, tmp_path):
    window = window_on("opt4_1")
    s = window.session
    s.step(6000)
    written, _skipped = E.export_all({"loss": window.views["loss"]}, tmp_path, session=s)
    assert tmp_path / "results.csv" in written
    with open(tmp_path / "results.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    engine_rows = R.results(s.runs)
    assert [r["label"] for r in rows] == ["gd", "momentum", "adam"]
    for got, r in zip(rows, engine_rows):
        assert int(got["steps"]) == r.steps == 6000
        assert float(got["loss"]) == r.loss
        assert got["steps_to_tol"] == ("" if r.steps_to_tol is None else str(r.steps_to_tol))
        assert got["plateau_at"] == ("" if r.plateau_at is None else str(r.plateau_at))
        np.testing.assert_array_equal([float(v) for v in got["theta_star"].split()], r.theta_star)
        assert float(got["us_per_step"]) == r.us_per_step and got["exact"] == "true"
    assert rows[1]["steps_to_tol"] == "3547"
    panel = shown_panel(qtbot, window)
    qtbot.waitUntil(lambda: bool(panel.rows) and panel.rows[0].steps == 6000)
    assert [c[0] for c in panel.cells()[1]] == [r["label"] for r in rows]


def test_a_thinned_history_is_estimated_then_made_exact_off_the_gui_thread(qtbot, window_on):
    window = window_on("opt4_7")
    s = window.session
    panel = shown_panel(qtbot, window)
    s.step(12000)
    assert all(r.thinned for r in s.runs)
    qtbot.waitUntil(lambda: bool(panel.rows) and panel.rows[0].steps == 12000 and all(r.exact for r in panel.rows),
                    timeout=20000)
    exact = R.results(s.runs)
    assert [R.as_dict(a) for a in panel.rows] == [R.as_dict(b) for b in exact]
    headers, cells = panel.cells()
    assert "loss +\npenalty" in headers and not any("‖θ" in h for h in headers)   # no θ* for a hidden layer
    assert "θ* is not known" in panel.note.text() and not any("≈" in c for row in cells for c in row)


def test_the_dock_is_listed_tabbed_with_the_views_and_translated(qtbot, window_on):
    window = window_on("opt4_1")
    dock = window.results_dock
    assert window.dockWidgetArea(dock) == window.dockWidgetArea(window.view_docks[2])
    assert dock in window.tabifiedDockWidgets(window.view_docks[2])
    assert dock.visibleRegion().isEmpty()                     # behind a tab at first
    assert "dock_results" in window.panel_actions
    assert dock.minimumSizeHint().width() <= 220
    LANGUAGE.set("zh")
    assert dock.windowTitle() == "结果" and window.panel_actions["dock_results"].text() == "结果"
    assert window.results.copy_button.text() == "复制表格"


def test_while_playing_the_table_follows_at_a_low_rate_from_the_kept_rows(qtbot, window_on, monkeypatch):
    window = window_on("opt4_1")
    s = window.session
    panel = shown_panel(qtbot, window)
    calls = []
    real = R.results

    def counted(runs, *args, **kwargs):
        calls.append(kwargs.get("budget"))
        return real(runs, *args, **kwargs)
    monkeypatch.setattr(R, "results", counted)
    s.play()
    qtbot.wait(2000)
    s.pause()
    assert s.head > 0
    qtbot.waitUntil(lambda: bool(panel.rows) and panel.rows[0].steps == s.head)
    played = calls[:-1]                                   # the last one: when play stopped
    assert 1 <= len(played) <= 6                          # ≤ 2 a second (the frames come at ~60 Hz)
    assert all(b == 0 for b in calls)                     # kept rows only (nothing thinned: exact anyway)
    assert all(r.exact for r in panel.rows)
