"""The window keeps its shape and its pictures stay readable: status texts elide, the tree hands
the keyboard back, legends and labels never show empty, fit view after a divergence, the view CSV
holds every recorded step, one step convention."""
import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit

from gui import export as E
from gui.views.legend import AutoLegend


@pytest.fixture
def window(qtbot, make_session):
    from gui.main_window import MainWindow

    def make(preset="opt4_1"):
        s = make_session(preset)
        w = MainWindow(s)
        qtbot.addWidget(w)
        w.resize(1366, 768)
        w.show()
        qtbot.waitExposed(w)
        return w
    return make


def test_long_messages_and_many_runs_do_not_widen_the_window(window):
    w = window("optimizer-zoo")
    before = w.minimumSizeHint().width()
    w.session.message.emit("error", "a very long message " * 40)
    w.session.step(500)
    w.status.refresh()
    assert w.minimumSizeHint().width() <= max(before, 1280)
    assert w.minimumSizeHint().width() <= 1280 and w.minimumSizeHint().height() <= 720
    assert w.status.message_label.toolTip().startswith("a very long message")
    assert w.messages.texts()[-1].startswith("a very long message")     # the log keeps it whole
    assert len(w.status.runs_label.segments()) == len(w.session.runs)


def test_an_edit_in_the_tree_hands_the_keyboard_back(qtbot, window):
    w = window("opt4_1")
    param = w.parameters.param_for("optimizer.lr", "gd")
    row = next(iter(param.items))
    row.showEditor()                                    # as a click on the row does
    editor = row.widget
    assert isinstance(editor, QAbstractSpinBox)
    w.activateWindow()
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    editor.findChild(QLineEdit).selectAll()
    qtbot.keyClicks(editor, "0.002")            # typed into the focused spin box
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not editor.hasFocus() and w.hasFocus(), timeout=2000)
    assert w.session.run_config("gd").optimizer.lr == pytest.approx(0.002)
    qtbot.keyClick(w, Qt.Key.Key_Space)                      # Space plays again
    qtbot.waitUntil(lambda: w.session.playing, timeout=2000)
    w.session.pause()


def _text_items(view):
    for gv in view.findChildren(pg.GraphicsView):
        for it in gv.scene().items():
            yield it


def test_no_legend_or_label_item_without_text(qtbot, window):
    w = window("opt4_7")
    w.session.step(200)
    for view in w.views.values():
        if hasattr(view, "runner"):
            view.runner.wait(5000)
    QApplication.processEvents()
    for key, view in w.views.items():
        for it in _text_items(view):
            if isinstance(it, pg.LegendItem) and it.isVisible():
                assert it.items, f"{key}: an empty legend is shown"
            if isinstance(it, pg.TextItem) and it.isVisible() and it.opacity() > 0:
                assert it.toPlainText().strip(), f"{key}: a label without text is shown"
    # a view with nothing to draw says so, with no plot or legend showing
    demo = window("opt4_6")
    loss = demo.views["loss"]
    assert loss.empty_text and loss.message.isVisibleTo(loss)
    assert not any(gv.isVisibleTo(loss) for gv in loss.findChildren(pg.GraphicsView))


def test_fit_view_after_a_divergence_frames_the_runs_that_behave(qtbot, window):
    w = window("lr-too-large")
    s = w.session
    s.step(60)
    assert s.comparison.run("lr-1000").diverged_at == 47
    surface = w.views["surface"]
    qtbot.waitUntil(lambda: not surface.runner.busy)
    (x0, x1), (y0, y1) = surface.pi.vb.viewRange()
    assert -10 < x0 and x1 < 10 and y1 < 100            # the ping-pong run's range, not 1e14
    surface.pi.vb.scaleBy((100, 100))                   # the user zooms far out …
    surface._on_range_changed_manually()
    s.step_back(1)
    assert surface.pi.vb.viewRange()[0][1] > 100        # … and the view stays where they put it
    w.fit_views()                                       # F
    qtbot.waitUntil(lambda: not surface.runner.busy)
    (x0, x1), _ = surface.pi.vb.viewRange()
    assert -10 < x0 and x1 < 10
    labels = [lab for lab in surface._div_labels if lab.isVisible()]
    assert len(labels) == 1 and "lr-1000" in labels[0].toPlainText() and "47" in labels[0].toPlainText()
    loss = w.views["loss"]
    loss.pi.vb.scaleBy((50, 50))
    loss._on_range_changed_manually()
    loss.fit_view()
    (lx0, lx1), (ly0, ly1) = loss.pi.vb.viewRange()
    assert ly1 < 1e3                                    # the diverged run's 1e300 left out
    menu = surface.pi.vb.menu
    assert any(a.text().startswith("Fit view") for a in menu.actions())


def test_view_csv_holds_every_recorded_step(tmp_path, window):
    w = window("opt4_1")
    w.session.step(2000)
    for key in ("loss", "params", "lr", "surface"):
        path = E.export_csv(w.views[key], tmp_path / f"{key}.csv")
        rows = path.read_text().splitlines()
        header = rows[0].split(",")
        body = [r.split(",") for r in rows[1:]]
        for run in w.session.runs:
            col = header.index(f"{run.label}_step")
            steps = [int(r[col]) for r in body if r[col] != ""]
            first = 1 if key == "lr" else 0                  # the rate belongs to an update
            assert steps == list(range(first, 2001)), (key, run.label)


def test_one_step_convention_in_every_readout(qtbot, window):
    w = window("opt4_1")
    s = w.session
    s.step(3)
    w.inspector.refresh(force=True)
    w.status.refresh()
    assert "3" in w.transport.step_label.text()
    assert "step 3" in w.inspector.summary.text() and "after update 3" in w.inspector.summary.text()
    assert "update 3 (global_step 2)" in w.views["lr"].formula.text()
    assert all("step 3" in t for _c, t in w.status.runs_label.segments())
    s.set_cursor(1)
    w.inspector.refresh(force=True)
    assert "update 1 (global_step 0)" in w.views["lr"].formula.text()
    assert "step 1 " in w.inspector.summary.text()


def test_legends_move_out_of_the_datas_way(qtbot, window):
    w = window("opt4_1")
    w.session.step(4000)
    loss = w.views["loss"]
    leg = loss.legend
    assert isinstance(leg, AutoLegend) and leg.isVisible()
    from gui.views.legend import data_pixels
    xs, ys = data_pixels(loss.pi.vb, exclude=leg)
    counts = leg.covered(xs, ys)
    assert counts[leg.corner] == min(counts.values())


def test_decision_maps_fill_the_panel_and_span_the_data(qtbot, window):
    w = window("opt4_7")
    view = w.views["decision"]
    w.bring_forward(w.docks["view_decision"][0])
    w.session.step(50)
    view.wait_for_maps()
    X = w.session.runs[0].problem.X
    for items in view._plots:
        (x0, x1), (y0, y1) = items["pi"].vb.viewRange()
        assert x0 < X[:, 0].min() and x1 > X[:, 0].max() and x1 - x0 < 1.4 * np.ptp(X[:, 0])
        assert y0 < X[:, 1].min() and y1 > X[:, 1].max() and y1 - y0 < 1.4 * np.ptp(X[:, 1])
    assert view.bar is not None and view.bar.axis.labelText
