"""The chapter's explanatory views draw the engine's numbers (offscreen): decision map, EMA shadow
path, loss shapes, activations, the opt4_6 explorer, the network diagram; nothing non-finite
reaches pyqtgraph after a divergent run."""
import numpy as np
import pyqtgraph as pg
import pytest

from engine import explain as E
from gui.export import settle
from gui.views import VIEW_CLASSES
from gui.views.activation_view import ActivationView
from gui.views.decision_view import DecisionView
from gui.views.ema_explorer import EmaExplorer
from gui.views.loss_shape_view import LossShapeView
from gui.views.loss_view import LossView
from gui.views.network_view import NetworkView
from gui.views.surface2d import Surface2DView

NEW_VIEWS = ["decision", "ema", "loss-shape", "activations", "network"]


def make_view(qtbot, cls, session):
    v = cls(session)
    qtbot.addWidget(v)
    v.resize(900, 500)
    v.show()
    return v


def finite_items(items):
    for it in items:
        if isinstance(it, (pg.PlotDataItem, pg.ScatterPlotItem, pg.PlotCurveItem)):
            x, y = it.getData()
            if x is not None and len(x):
                assert np.all(np.isfinite(x)) and np.all(np.isfinite(y)), it
        elif isinstance(it, pg.ImageItem) and it.image is not None:
            assert np.all(np.isfinite(it.image)), it


@pytest.mark.parametrize("preset", ["opt4_1", "opt4_4", "opt4_6", "opt4_7", "cross-entropy"])
@pytest.mark.parametrize("key", NEW_VIEWS)
def test_new_views_build(qtbot, make_session, preset, key):
    s = make_session(preset)
    v = make_view(qtbot, VIEW_CLASSES[key][1], s)
    s.step(20)
    assert v.export_items() is not None
    assert isinstance(v.view_data(), dict)
    if hasattr(v, "shutdown"):
        v.shutdown()


def test_decision_map_is_the_engines(qtbot, make_session):
    s = make_session("opt4_7")
    v = make_view(qtbot, DecisionView, s)
    s.step(300)
    s.set_cursor(150)
    qtbot.waitUntil(lambda: v.shown is not None and v.shown[0] == 150, timeout=30000)  # throttled, off-thread
    assert len(v._plots) == 2
    for run, items in zip(s.runs, v._plots):
        want = E.decision_map(run.problem, run._spec, run.theta_history[150], v.xs, v.ys)
        np.testing.assert_allclose(items["image"].image, want, rtol=0, atol=0)
        np.testing.assert_allclose(v.maps[run.label], want)
        acc = E.accuracy(run.problem, run._spec, run.theta_history[150])
        assert f"{100 * acc:.1f}" in items["pi"].titleLabel.text
    levels = [items["image"].levels for items in v._plots]
    assert all(np.allclose(lv, levels[0]) for lv in levels)   # one colour scale for all runs


def test_decision_view_multiclass_and_message(qtbot, make_session):
    s = make_session("cross-entropy")
    v = make_view(qtbot, DecisionView, s)
    s.step(50)
    qtbot.waitUntil(lambda: v.shown is not None and v.shown[0] == 50, timeout=30000)
    run = s.runs[0]
    want = E.decision_map(run.problem, run._spec, run.theta_history[s.cursor], v.xs, v.ys)
    np.testing.assert_allclose(v.maps[run.label], want)
    assert v._plots[0]["image"].image.shape == (v.ys.size, v.xs.size, 3)
    s.load_preset("opt4_1")
    assert v.message.isVisibleTo(v) and "classification" in v.message.text()


def test_surface_shadow_path_is_ema_history(qtbot, make_session):
    s = make_session("opt4_1")
    assert s.set_value("ema.enabled", True)
    v = make_view(qtbot, Surface2DView, s)
    s.step(400)
    for run, items in zip(s.runs, v._run_items):
        x, y = items["ema"].getData()
        np.testing.assert_allclose(x, run.ema_history[:401, 0])
        np.testing.assert_allclose(y, run.ema_history[:401, 1])
        cx, cy = items["ema_current"].getData()
        np.testing.assert_allclose([cx[0], cy[0]], run.ema_history[400])
    v.shutdown()


def test_surface_with_penalty_follows_lambda(qtbot, make_session):
    s = make_session("opt4_7")
    v = make_view(qtbot, Surface2DView, s)
    s.step(100)
    qtbot.waitUntil(lambda: v.surface is not None and not v.runner.busy, timeout=30000)
    v.penalty_box.setChecked(True)
    qtbot.waitUntil(lambda: v._surface_reg == ("l2", 0.01) and not v.runner.busy, timeout=30000)
    s.set_value("reg.lam", 0.5, "l2")
    qtbot.waitUntil(lambda: v._surface_reg == ("l2", 0.5) and v.surface is not None and not v.runner.busy,
                    timeout=10000)
    v.shutdown()


def test_loss_view_draws_penalty(qtbot, make_session):
    s = make_session("opt4_7")
    v = make_view(qtbot, LossView, s)
    s.step(200)
    l2 = s.runs[1]
    assert "penalty" in v._items[1] and "penalty" not in v._items[0]
    np.testing.assert_allclose(v.view_data()["l2_penalty"], l2.penalties(v.view_data()["l2_step"]))
    acc = E.accuracy(l2.problem, l2._spec, l2.theta_history[200])
    assert f"l2 {100 * acc:.1f} %" in v.readout.text()      # classifiers: accuracy beside the loss


def test_loss_shapes_are_the_engines(qtbot, make_session):
    s = make_session("opt4_2")
    v = make_view(qtbot, LossShapeView, s)
    v.deriv_box.setChecked(True)
    v.target_spin.setValue(1.3)
    cfg = s.runs[0].config
    for name, xs, t in (("mse", "y", 1.3), ("custom", "y", 1.3), ("ce", "p", v.ce_spin.value())):
        loss, dloss = E.loss_shape(cfg, name, v.data[xs], t)
        x, y = v.curves[name].getData()
        np.testing.assert_allclose(y, loss)
        np.testing.assert_allclose(x, v.data[xs])
        if name != "ce":
            np.testing.assert_allclose(v.curves[f"d_{name}"].getData()[1], dloss)
    assert "COST = 1" in v.cost_text.toPlainText() and "PROFIT = 9" in v.profit_text.toPlainText()
    assert "optimum moves up" in v.caption.text()
    v.logx_box.setChecked(True)
    assert v.data["p"].min() < 1e-12


def test_activation_curves_are_the_engines(qtbot, make_session):
    s = make_session("opt4_1")
    v = make_view(qtbot, ActivationView, s)
    v.set_checked(["relu", "sigmoid", "tanh", "leaky_relu", "softplus"])
    for name in ("relu", "sigmoid", "tanh", "leaky_relu", "softplus"):
        f, df = E.activation(name, v.data["z"])
        np.testing.assert_allclose(v.curves[name][0].getData()[1], f)
        np.testing.assert_allclose(v.curves[name][1].getData()[1], df)
    v.list.setCurrentRow(2)
    assert "sigmoid" in v.formula.text() and "<sup>" in v.formula.text()


def test_ema_explorer_reproduces_opt4_6_by_hand(qtbot, make_session):
    s = make_session("opt4_6")
    v = make_view(qtbot, EmaExplorer, s)
    v.w1_spin.setValue(1.0)
    v.apply_button.click()
    v.step_spin.setValue(100)
    v.w1_spin.setValue(10.0)
    assert "min(0.99, (1+100)/(10+100)) = 0.9182" in v.formula.text()
    v.apply_button.click()
    v.apply_button.click()
    shadow = [row[1] for row in v.sequence()]
    np.testing.assert_allclose(shadow, [0.0, 0.9, 1.6445453, 2.3281732], rtol=1e-6)
    np.testing.assert_allclose(v.shadow_item.getData()[1], shadow)
    v.script_button.click()
    from engine.ema import run_script
    want, _ = run_script(list(s.preset.script), 0.99, True)
    np.testing.assert_allclose(v.sequence(), want)
    assert v.table.rowCount() == len(s.preset.script)


def test_network_edges_are_the_weights(qtbot, make_session):
    s = make_session("opt4_7")
    v = make_view(qtbot, NetworkView, s)
    s.step(100)
    lay = s.runs[0].problem.layout
    n_weights = int(lay.weight_mask.sum())
    assert len(v.edges) == n_weights == 2 * 11 + 11
    np.testing.assert_allclose(v.view_data()["weight"], s.runs[0].theta_history[100][lay.weight_mask])
    assert "2 layers, 45 parameters" in v.pi.titleLabel.text
    s.load_preset("opt4_1")
    assert len(v.edges) == 2 and len(v.edge_labels) == 2
    assert "w1[0]" in v.edge_labels[0].toPlainText()


def test_no_nan_after_divergence(qtbot, make_session):
    s = make_session("opt4_7")
    views = [make_view(qtbot, cls, s) for cls in (DecisionView, NetworkView, LossView, Surface2DView)]
    s.set_value("optimizer.name", "gd")
    s.set_value("optimizer.lr", 10.0)          # diverges within a few updates
    s.step(200)
    assert any(r.diverged_at is not None for r in s.runs)
    s.set_cursor(s.head)
    for v in views:
        settle(v, 30.0)                         # the throttled decision-map redraw, surface jobs
    for v in views:
        items = []
        if hasattr(v, "pi"):
            items += list(v.pi.items)
        for d in getattr(v, "_plots", []):
            items += list(d["pi"].items)
        finite_items(items)
        if hasattr(v, "shutdown"):
            v.shutdown()
