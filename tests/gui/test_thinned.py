"""Every view and panel keeps working once a long run's older history has been thinned."""
import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

import engine.run as R
from gui.views import VIEW_CLASSES


@pytest.fixture
def thin_session(monkeypatch, make_session):
    """make(preset) -> a ready Session whose runs thin their history after 600 rows."""
    monkeypatch.setattr(R, "MIN_ROWS", 600)
    monkeypatch.setattr("gui.session.HISTORY_BYTES", 1)
    return make_session


@pytest.mark.parametrize("preset", ["opt4_1", "opt4_7"])
def test_views_follow_a_thinned_history(qtbot, thin_session, preset):
    session = thin_session(preset)
    views = {k: cls(session) for k, (_t, cls) in VIEW_CLASSES.items() if k != "surface3d"}
    for v in views.values():
        qtbot.addWidget(v)
    session.step(3000)
    assert all(r.thinned for r in session.runs)
    session.set_cursor(1234)      # inside the thinned part
    session.set_cursor(session.head - 3)
    for v in views.values():
        data = v.view_data()
        for key, col in data.items():
            col = np.asarray(col)
            if col.dtype.kind == "f":
                assert np.all(np.isfinite(col) | np.isnan(col)), key


def test_window_panels_follow_a_thinned_history(qtbot, thin_session, settings_tmp):
    from gui.main_window import MainWindow
    session = thin_session("opt4_1")
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    window.inspector_dock.raise_()
    session.step(3000)
    for k in (1234, 2999, session.head):
        session.set_cursor(k)
        QApplication.processEvents()
    assert window.inspector.table.rowCount() == 2
    window.close()


def test_timeline_says_when_steps_are_thinned(qtbot, thin_session, settings_tmp):
    from gui.transport import TransportBar
    session = thin_session("opt4_1")
    bar = TransportBar(session)
    qtbot.addWidget(bar)
    session.step(100)
    assert "thinned" not in bar.step_label.text()
    session.step(3000)
    stride = session.runs[0].thin_stride
    assert stride > 1 and f"every {stride}th kept" in bar.step_label.text()


def test_inspector_is_exact_at_a_thinned_away_step(qtbot, thin_session, settings_tmp):
    """Scrubbed to a step the history no longer holds, the Inspector shows the exact state there
    (replayed from the last kept row), not the nearest recorded one."""
    from engine.run import Comparison
    from gui.inspector import Inspector, fmt
    session = thin_session("opt4_1")
    inspector = Inspector(session)
    qtbot.addWidget(inspector)
    session.step(3000)
    run = session.runs[0]
    k = next(s for s in range(1001, 1100) if s not in set(run.steps_history.tolist()))
    session.set_cursor(k)
    inspector.refresh(force=True)
    pre = session.preset
    direct = Comparison(pre.name, session.base, [(run.label, dict(pre.runs)[run.label])]).runs[0]
    direct.advance(k)
    shown = [inspector.table.item(i, 1).text() for i in range(inspector.table.rowCount())]
    assert shown == [fmt(v) for v in direct.theta]
    assert f"step {k:,}" in inspector.summary.text()
