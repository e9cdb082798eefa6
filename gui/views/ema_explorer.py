"""Moving average (EMA) explorer.  For the opt4_6 preset: set w1 and global_step by hand, press
"Apply (ema_op)" and watch the shadow follow; or replay the chapter's script.  The numbers come
from ``engine.ema.EmaDemo`` (the engine's rule): 0 → 0.9 → 1.6445453 → 2.3281732 …

For a training preset with EMA on it shows the first parameter's raw value and its shadow against
the step; otherwise a note.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDoubleSpinBox, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSpinBox, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from engine.ema import EmaDemo, effective_decay
from gui.i18n import tr
from gui.style import FONT_PT, run_colour
from gui.views.common import ViewBase, legend, path_rows, set_labels, style_plot

W_COLOUR, SHADOW_COLOUR = "#0072B2", "#D55E00"
NO_EMA = "EMA is off for this preset: turn it on under EMA in the settings, or open the opt4_6 preset."


def decay_text(decay: float, n: int | None) -> str:
    """The effective decay with its live numbers, e.g. d = min(0.99, (1+100)/(10+100)) = 0.9182."""
    d = effective_decay(decay, n)
    if n is None:
        return f"d = decay = {d:.4g}"
    return f"d = min({decay:g}, (1+{n})/(10+{n})) = {d:.4f}"


class EmaExplorer(ViewBase):
    key, title = "ema", "EMA"   # (gui.view_protocol)
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.demo = EmaDemo()
        self.w1_spin = QDoubleSpinBox()
        self.w1_spin.setRange(-1e4, 1e4)
        self.w1_spin.setDecimals(3)
        self.w1_spin.setKeyboardTracking(False)
        self.w1_spin.valueChanged.connect(self._on_w1_changed)
        self.step_spin = QSpinBox()
        self.step_spin.setRange(0, 10 ** 6)
        self.step_spin.setKeyboardTracking(False)
        self.step_spin.valueChanged.connect(self._on_step_changed)
        self.apply_button = self._text(QPushButton(), "Apply (ema_op)")
        self.apply_button.clicked.connect(self._on_apply_clicked)
        self.script_button = self._text(QPushButton(), "Run the chapter's script")
        self.script_button.clicked.connect(self._on_script_clicked)
        self.reset_button = self._text(QPushButton(), "Reset")
        self.reset_button.clicked.connect(self._on_reset_clicked)
        self._finish_toolbar()
        self.formula = QLabel("")
        self.formula.setTextFormat(Qt.RichText)
        self.formula.setWordWrap(True)
        self.formula.setContentsMargins(6, 2, 6, 2)
        f = self.formula.font()
        f.setPointSize(FONT_PT)
        self.formula.setFont(f)
        self.layout().addWidget(self.formula)
        # left: the inputs, the buttons and the table, stacked (the dock can stay narrow); right: the plot
        self.controls = QWidget()
        col = QVBoxLayout(self.controls)
        col.setContentsMargins(4, 0, 0, 0)
        grid = QGridLayout()
        grid.addWidget(QLabel("w1"), 0, 0)
        grid.addWidget(self.w1_spin, 0, 1)
        grid.addWidget(QLabel("global_step"), 1, 0)
        grid.addWidget(self.step_spin, 1, 1)
        col.addLayout(grid)
        for b in (self.apply_button, self.script_button, self.reset_button):
            col.addWidget(b)
        self.plot = pg.PlotWidget()
        self.pi = self.plot.getPlotItem()
        style_plot(self.pi)
        self.legend = legend(self.pi)
        self.legend.setOffset((-10, -40))   # bottom right: w1 runs along the top
        self.w_item = pg.PlotDataItem(pen=pg.mkPen(W_COLOUR, width=2), symbol="o", symbolSize=8,
                                      symbolBrush=W_COLOUR)
        self.shadow_item = pg.PlotDataItem(pen=pg.mkPen(SHADOW_COLOUR, width=2.5, style=Qt.DashLine),
                                           symbol="s", symbolSize=8, symbolBrush=SHADOW_COLOUR)
        self.pi.addItem(self.w_item)
        self.pi.addItem(self.shadow_item)
        self.table = QTableWidget(0, 6)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.setMinimumWidth(160)
        col.addWidget(self.table, 1)
        body = QHBoxLayout()
        body.addWidget(self.controls, 2)
        body.addWidget(self.plot, 3)
        self.layout().addLayout(body, 1)
        self._columns: dict[str, np.ndarray] = {}
        self._mode = "demo"
        self._retranslate()
        self._connect()

    def _retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels(["#", tr("operation"), "w1", tr("shadow"), "global_step", "d"])

    # --- structure ----------------------------------------------------------------------------
    def _on_session_rebuilt(self) -> None:
        s = self.session
        self.legend.clear()
        if s.is_demo:
            self._mode = "demo"
            set_labels(self.pi, tr("applies of ema_op"), tr("value"))
            self.legend.addItem(self.w_item, "w1")
            self.legend.addItem(self.shadow_item, tr("shadow (moving average of w1)"))
            self._reset_demo()
        else:
            run = next((r for r in s.runs if r.config.ema.enabled), None)
            self._mode = "run" if run is not None else "none"
            if run is not None:
                name = run.problem.layout.names[0]
                set_labels(self.pi, tr("step (updates)"), name)
                self.legend.addItem(self.w_item, tr("{label}: {name} (raw)", label=run.label, name=name))
                self.legend.addItem(self.shadow_item, tr("{label}: {name} (shadow)", label=run.label, name=name))
        self.controls.setVisible(self._mode == "demo")
        self.formula.setVisible(self._mode != "none")
        self.show_empty(tr(NO_EMA) if self._mode == "none" else "")
        self._refresh()

    def _draw_frame(self) -> None:
        if self._mode == "run":
            self._refresh()

    # --- the demonstration --------------------------------------------------------------------
    def _reset_demo(self) -> None:
        ema = self.session.preset.config.ema
        self.demo = EmaDemo(decay=ema.decay, use_num_updates=ema.num_updates)
        self._show_inputs()

    def _show_inputs(self) -> None:
        for spin, v in ((self.w1_spin, self.demo.w1), (self.step_spin, self.demo.global_step)):
            spin.blockSignals(True)
            spin.setValue(v)
            spin.blockSignals(False)

    def _on_w1_changed(self, v: float) -> None:
        if v != self.demo.w1:
            self.demo.assign("w1", v)
            self._refresh()

    def _on_step_changed(self, v: int) -> None:
        if v != self.demo.global_step:
            self.demo.assign("global_step", v)
            self._refresh()

    def _on_apply_clicked(self) -> None:
        self.demo.apply()
        self._refresh()

    def _on_reset_clicked(self) -> None:
        self._reset_demo()
        self._refresh()

    def _on_script_clicked(self) -> None:
        """Replay the preset's script from a fresh state (the same ops the chapter runs)."""
        self._reset_demo()
        for op in self.session.preset.script:
            if op[0] == "assign":
                self.demo.assign(op[1], op[2])
            elif op[0] == "apply":
                self.demo.apply()
        self._show_inputs()
        self._refresh()

    def sequence(self) -> list[list[float]]:
        """[w1, shadow] at the start and after each apply (what the chapter's script prints)."""
        seq = [[0.0, 0.0]]
        seq += [[w, sh] for op, w, sh, _n, _d in self.demo.trace if op == "apply"]
        return seq

    # --- drawing ------------------------------------------------------------------------------
    def _refresh(self) -> None:
        if self._mode == "demo":
            self._draw_demo()
        elif self._mode == "run" and self.session.is_ready:
            self._draw_run()

    def _draw_demo(self) -> None:
        seq = np.array(self.sequence(), dtype=np.float64)
        n = np.arange(len(seq), dtype=np.float64)
        self._set_xy(self.w_item, n, seq[:, 0])
        self._set_xy(self.shadow_item, n, seq[:, 1])
        self._columns = {"apply": n, "w1": seq[:, 0], "shadow": seq[:, 1]}
        trace = self.demo.trace
        self.table.setRowCount(len(trace))
        for i, (op, w, sh, g, d) in enumerate(trace):
            vals = [str(i + 1), op, f"{w:.7g}", f"{sh:.7g}", str(g), "" if d is None else f"{d:.4f}"]
            for j, v in enumerate(vals):
                item = QTableWidgetItem(v)
                item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                self.table.setItem(i, j, item)
        if trace:
            self.table.scrollToBottom()
        dm = self.demo
        n_upd = dm.global_step if dm.use_num_updates else None
        d = effective_decay(dm.decay, n_upd)
        nxt = dm.shadow - (dm.shadow - dm.w1) * (1 - d)
        self.formula.setText(
            tr("next apply: {d}", d=f"<b>{decay_text(dm.decay, n_upd)}</b>") + "<br>" +
            f"shadow ← shadow − (shadow − w1)·(1 − d) = {dm.shadow:.7g} − ({dm.shadow:.7g} − {dm.w1:g})·"
            f"(1 − {d:.4f}) = <b>{nxt:.7g}</b>")
        self.pi.enableAutoRange()

    def _draw_run(self) -> None:
        run = next((r for r in self.session.runs if r.config.ema.enabled), None)
        if run is None:
            return
        k = min(self.session.cursor, run.step)
        rows = path_rows(int(run.rows([k])[0]))          # rows, not steps: the history may be thinned
        steps = run.steps_history[rows]
        raw = run.theta_history[rows][:, 0]
        shadow = run.ema_history[rows][:, 0]
        i = self.session.runs.index(run)
        self.w_item.setPen(pg.mkPen(run_colour(i), width=2))
        self.w_item.setSymbol(None)
        self.shadow_item.setSymbol(None)
        self._set_xy(self.w_item, steps, raw)
        self._set_xy(self.shadow_item, steps, shadow)
        self._columns = {"step": steps.astype(np.float64), "raw": raw, "shadow": shadow}
        cfg = run.config.ema
        self.formula.setText(tr("update {k}: {d}", k=k, d=decay_text(cfg.decay, k if cfg.num_updates else None)))

    # --- export -------------------------------------------------------------------------------
    def export_items(self):
        return self.pi

    def view_data(self) -> dict[str, np.ndarray]:
        return dict(self._columns)
