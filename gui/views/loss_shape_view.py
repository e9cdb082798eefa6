"""Loss shapes: each loss as a function of one prediction y for a chosen target y_, from the
training kernels (``engine.explain.loss_shape``), with optional derivative curves.

Left: mse and the custom loss with the current run's COST/PROFIT (an asymmetric V; its two slopes
labelled).  Right: cross entropy −y_·log(clip(y, 1e-12, 1)) over y in (0, 1.2], flat where the clip
holds (below 1e-12 and above 1), with a log-x option that shows the flat region.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QHBoxLayout, QLabel

from engine import explain as E
from gui.i18n import tr
from gui.style import FONT_PT, TITLE_PT
from gui.views.common import ViewBase, drawable, free_title_width, legend, set_labels, style_plot

N = 401
CLIP = 1e-12
CE_FLOOR = -30.0      # the ce derivative (−y_/y, −1e12 at the clip) is drawn down to this
COLOURS = {"mse": "#0072B2", "custom": "#D55E00", "ce": "#009E73"}


def caption(cost: float, profit: float) -> str:
    if profit > cost:
        return tr("PROFIT > COST: under-predicting costs more, so the optimum moves up (opt4_2)")
    if cost > profit:
        return tr("COST > PROFIT: over-predicting costs more, so the optimum moves down (opt4_3)")
    return tr("COST = PROFIT: the V is symmetric, the optimum is the target itself")


def ce_points(log_x: bool) -> np.ndarray:
    if log_x:
        return np.logspace(-16, np.log10(1.2), N)
    return np.linspace(1e-3, 1.2, N)


class LossShapeView(ViewBase):
    key, title = "loss-shape", "Loss shapes"   # (gui.view_protocol)
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.target_spin = QDoubleSpinBox()
        self.target_spin.setRange(-1e3, 1e3)
        self.target_spin.setDecimals(3)
        self.target_spin.setSingleStep(0.1)
        self.target_spin.setValue(1.0)
        self._text(self.target_spin, "", "target y_ for mse and the custom loss")
        self.target_spin.valueChanged.connect(self._on_value_changed)
        self.ce_spin = QDoubleSpinBox()
        self.ce_spin.setRange(0.0, 1.0)
        self.ce_spin.setDecimals(2)
        self.ce_spin.setSingleStep(0.1)
        self.ce_spin.setValue(1.0)
        self._text(self.ce_spin, "", "target y_ for cross entropy (the true class's share)")
        self.ce_spin.valueChanged.connect(self._on_value_changed)
        self.deriv_box = self._text(QCheckBox(), "derivatives")
        self.deriv_box.toggled.connect(self._on_value_changed)
        self.logx_box = self._text(QCheckBox(), "log x (cross entropy)")
        self.logx_box.toggled.connect(self._on_logx_toggled)
        for w in (QLabel("y_"), self.target_spin, self._text(QLabel(), "y_ (ce)"), self.ce_spin):
            self._toolbar.addWidget(w)
        self._finish_toolbar()
        row = QHBoxLayout()                 # a second row keeps the dock narrow
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(self.deriv_box)
        row.addWidget(self.logx_box)
        row.addStretch(1)
        self.layout().addLayout(row)
        self.glw = pg.GraphicsLayoutWidget()
        self.layout().addWidget(self.glw, 1)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.caption.setContentsMargins(6, 2, 6, 4)
        f = self.caption.font()
        f.setPointSize(FONT_PT)
        self.caption.setFont(f)
        self.layout().addWidget(self.caption)
        self.left = self.glw.addPlot(row=0, col=0)
        self.right = self.glw.addPlot(row=0, col=1)
        for pi in (self.left, self.right):
            style_plot(pi)
            free_title_width(pi)
        self._retranslate()
        self.leg_left, self.leg_right = legend(self.left), legend(self.right)
        self.leg_right.setOffset((-10, -40))
        self.curves: dict[str, pg.PlotDataItem] = {}
        for name, pi, style in (("mse", self.left, Qt.SolidLine), ("custom", self.left, Qt.SolidLine),
                                ("ce", self.right, Qt.SolidLine), ("d_mse", self.left, Qt.DashLine),
                                ("d_custom", self.left, Qt.DashLine), ("d_ce", self.right, Qt.DashLine)):
            c = COLOURS[name.removeprefix("d_")]
            self.curves[name] = pg.PlotDataItem(pen=pg.mkPen(c, width=2.5 if style == Qt.SolidLine else 1.8,
                                                             style=style))
            pi.addItem(self.curves[name])
        self.target_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#777777", width=1.2, style=Qt.DotLine))
        self.left.addItem(self.target_line, ignoreBounds=True)
        self.clip_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#777777", width=1.2, style=Qt.DotLine),
                                         label="1e-12", labelOpts=dict(position=0.9, color="#404040"))
        self.right.addItem(self.clip_line, ignoreBounds=True)
        self.cost_text = pg.TextItem("", color="#202020", anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 200))
        self.profit_text = pg.TextItem("", color="#202020", anchor=(1, 1), fill=pg.mkBrush(255, 255, 255, 200))
        self.clip_text = pg.TextItem("", color="#202020", anchor=(0, 0), fill=pg.mkBrush(255, 255, 255, 200))
        font = self.caption.font()
        font.setPointSize(FONT_PT - 1)
        for t in (self.cost_text, self.profit_text, self.clip_text):
            t.setFont(font)
        for t in (self.cost_text, self.profit_text):
            self.left.addItem(t, ignoreBounds=True)
        self.right.addItem(self.clip_text, ignoreBounds=True)
        self.data: dict[str, np.ndarray] = {}
        self._typical = 1.0
        session.config_changed.connect(self._on_session_config_changed)
        self._connect()

    def _retranslate(self) -> None:
        for pi, title in ((self.left, tr("mse and the custom loss")), (self.right, tr("cross entropy (clipped)"))):
            pi.setTitle(title, size=f"{TITLE_PT}pt", color="#202020")
        set_labels(self.left, tr("prediction y"), tr("loss of one prediction"))
        set_labels(self.right, tr("predicted probability y"), tr("loss of one prediction"))

    # --- inputs -------------------------------------------------------------------------------
    def _config(self):
        runs = self.session.runs
        return runs[0].config if runs else self.session.base

    def _on_session_rebuilt(self) -> None:
        runs = self.session.runs
        t = 1.0
        if runs and not runs[0].problem.objective and runs[0].problem.dataset.kind == "regression":
            t = float(np.round(np.median(runs[0].problem.Y[:, 0]), 2))
        self.target_spin.blockSignals(True)
        self.target_spin.setValue(t)
        self.target_spin.blockSignals(False)
        self._redraw()

    def _draw_frame(self) -> None:
        pass  # the shapes depend on the settings, not on the step

    def _on_session_config_changed(self, _label: str) -> None:
        self._redraw()

    def _on_value_changed(self, *_args) -> None:
        self._redraw()

    def _on_logx_toggled(self, on: bool) -> None:
        self.right.setLogMode(x=on)
        self._redraw()
        self.right.enableAutoRange()

    # --- curves -------------------------------------------------------------------------------
    def _redraw(self) -> None:
        if not self.session.is_ready:
            return
        cfg = self._config()
        cost, profit = cfg.loss.cost, cfg.loss.profit
        t = self.target_spin.value()
        y = np.linspace(t - 2.0, t + 2.0, N)
        p = ce_points(self.logx_box.isChecked())
        deriv = self.deriv_box.isChecked()
        self.data = {"y": y, "p": p}
        for name, x, target in (("mse", y, t), ("custom", y, t), ("ce", p, self.ce_spin.value())):
            loss, dloss = E.loss_shape(cfg, name, x, target)
            self.data[name], self.data[f"d_{name}"] = loss, dloss
            self._set_xy(self.curves[name], x, loss)
            if deriv:
                shown = np.maximum(dloss, CE_FLOOR) if name == "ce" else dloss
                self._set_xy(self.curves[f"d_{name}"], x, shown)
            else:
                self.curves[f"d_{name}"].setData([], [])
        self._legends(cost, profit, deriv)
        self.target_line.setValue(t)
        self.cost_text.setText(f"COST = {cost:g}")
        self.cost_text.setPos(t + 1.0, cost * 1.0)        # on the right arm, slope COST
        self.profit_text.setText(f"PROFIT = {profit:g}")
        self.profit_text.setPos(t - 1.0, profit * 1.0)    # on the left arm, slope PROFIT
        logx = self.logx_box.isChecked()
        self.clip_line.setValue(np.log10(CLIP) if logx else CLIP)
        self.clip_line.setVisible(logx)
        top = float(np.max(self.data["ce"][drawable(self.data["ce"])], initial=0.0))
        self.clip_text.setText(tr("y < 1e-12 is clipped: loss stays {v}, gradient 0", v=f"{top:.1f}") if logx
                               else tr("below 1e-12 the clip holds the loss at {v} (log x shows it)",
                                       v=f"{-np.log(CLIP):.1f}"))
        self.clip_text.setPos(-15.5 if logx else 0.2, top * (0.55 if logx else 0.6) if top > 0 else 1.0)
        self.caption.setText(caption(cost, profit) + "  " + tr(
            "Cross entropy: the loss grows like −log y as the predicted probability of the true class "
            "falls; the clip keeps it finite."))

    def _legends(self, cost: float, profit: float, deriv: bool) -> None:
        self.leg_left.clear()
        self.leg_right.clear()
        self.leg_left.addItem(self.curves["mse"], "mse: (y_ − y)²")
        self.leg_left.addItem(self.curves["custom"], tr("custom (COST {c}, PROFIT {p})", c=f"{cost:g}", p=f"{profit:g}"))
        self.leg_right.addItem(self.curves["ce"], "−y_·log(clip(y, 1e-12, 1))")
        if deriv:
            self.leg_left.addItem(self.curves["d_mse"], tr("d loss / dy (mse)"))
            self.leg_left.addItem(self.curves["d_custom"], tr("d loss / dy (custom)"))
            self.leg_right.addItem(self.curves["d_ce"], tr("d loss / dy (ce), drawn down to {f}", f=f"{CE_FLOOR:g}"))

    # --- export -------------------------------------------------------------------------------
    def export_items(self):
        return self.glw.ci

    def view_data(self) -> dict[str, np.ndarray]:
        return dict(self.data)
