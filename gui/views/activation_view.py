"""Activation functions (the chapter's figure 4-3): relu, sigmoid, tanh and the engine's extra ones,
each with its derivative (dashed), from the kernels' own code (``engine.explain.activation``);
a list to pick which; the selected one's formula shown."""
from __future__ import annotations

import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem

from engine import explain as E
from engine.registry import ACTIVATIONS
from gui.i18n import tr
from gui.style import FONT_PT, run_colour
from gui.views.common import ViewBase, legend, set_labels, style_plot

NAMES = [n for n in ACTIVATIONS if n != "softmax"]      # softmax acts on a vector, not one z
DEFAULT_ON = ("relu", "sigmoid", "tanh")
Z = np.linspace(-5.0, 5.0, 501)
DERIVATIVES = {   # display text only; the curves come from the kernels
    "identity": "f′(z) = 1",
    "relu": "f′(z) = 1 if z > 0 else 0",
    "sigmoid": "f′(z) = f(z)·(1 − f(z))",
    "tanh": "f′(z) = 1 − f(z)²",
    "leaky_relu": "f′(z) = 1 if z > 0 else α",
    "softplus": "f′(z) = 1 / (1 + e^(−z)) (the sigmoid)",
}


def rich(formula: str) -> str:
    """Plain registry formula → rich text: ``e^(−z)`` → e<sup>−z</sup>, ``e^z`` → e<sup>z</sup>."""
    text = formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"\^\(([^()]*)\)", r"<sup>\1</sup>", text)
    return re.sub(r"\^([\w.]+)", r"<sup>\1</sup>", text)


class ActivationView(ViewBase):
    key, title = "activations", "Activation functions"   # (gui.view_protocol)
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.deriv_box = self._text(QCheckBox(), "derivatives (dashed)")
        self.deriv_box.setChecked(True)
        self.deriv_box.toggled.connect(self._on_deriv_toggled)
        self._toolbar.addWidget(self.deriv_box)
        self._finish_toolbar()
        self.formula = QLabel("")
        self.formula.setTextFormat(Qt.RichText)
        self.formula.setContentsMargins(6, 2, 6, 2)
        self.formula.setWordWrap(True)
        f = self.formula.font()
        f.setPointSize(FONT_PT + 1)
        self.formula.setFont(f)
        self.layout().addWidget(self.formula)
        body = QHBoxLayout()
        self.list = QListWidget()
        self.list.setMaximumWidth(150)
        self.list.setMinimumWidth(90)
        for name in NAMES:
            item = QListWidgetItem(tr(ACTIVATIONS[name].label))
            item.setData(Qt.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if name in DEFAULT_ON else Qt.Unchecked)
            self.list.addItem(item)
        self.list.itemChanged.connect(self._on_list_changed)
        self.list.currentItemChanged.connect(self._on_list_current)
        body.addWidget(self.list)
        self.plot = pg.PlotWidget()
        self.pi = self.plot.getPlotItem()
        style_plot(self.pi)
        set_labels(self.pi, "z", "f(z),  f′(z)")
        self.legend = legend(self.pi)
        self.legend.setOffset((10, 10))      # top left: the curves rise to the right
        self.curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        for i, name in enumerate(NAMES):
            c = run_colour(i)
            fi = pg.PlotDataItem(pen=pg.mkPen(c, width=2.8))
            di = pg.PlotDataItem(pen=pg.mkPen(c, width=1.8, style=Qt.DashLine))
            self.pi.addItem(fi)
            self.pi.addItem(di)
            self.curves[name] = (fi, di)
        body.addWidget(self.plot, 1)
        self.layout().addLayout(body, 1)
        self.data: dict[str, np.ndarray] = {}
        self.list.setCurrentRow(NAMES.index("relu"))
        self._connect()

    def checked(self) -> list[str]:
        out = []
        for i in range(self.list.count()):
            it = self.list.item(i)
            if it.checkState() == Qt.Checked:
                out.append(it.data(Qt.UserRole))
        return out

    def set_checked(self, names) -> None:
        for i in range(self.list.count()):
            it = self.list.item(i)
            it.setCheckState(Qt.Checked if it.data(Qt.UserRole) in names else Qt.Unchecked)

    def _on_session_rebuilt(self) -> None:
        self._redraw()

    def _retranslate(self) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setText(tr(ACTIVATIONS[item.data(Qt.UserRole)].label))

    def _draw_frame(self) -> None:
        pass  # independent of training

    def _on_deriv_toggled(self, _on: bool) -> None:
        self._redraw()

    def _on_list_changed(self, _item) -> None:
        self._redraw()

    def _on_list_current(self, current, _previous) -> None:
        if current is None:
            return
        name = current.data(Qt.UserRole)
        self.formula.setText(f"<b>{tr(ACTIVATIONS[name].label)}</b>:&nbsp; {rich(ACTIVATIONS[name].formula)}"
                             f"&nbsp;&nbsp;&nbsp; {rich(DERIVATIVES.get(name, ''))}")
        for n, (fi, di) in self.curves.items():
            w = 4.0 if n == name else 2.8
            fi.setPen(pg.mkPen(fi.opts["pen"].color(), width=w))

    def _redraw(self) -> None:
        if not self.session.is_ready:
            return
        on = set(self.checked())
        self.legend.clear()
        self.data = {"z": Z}
        for name, (fi, di) in self.curves.items():
            if name not in on:
                fi.setData([], [])
                di.setData([], [])
                continue
            f, df = E.activation(name, Z)
            self.data[name], self.data[f"d_{name}"] = f, df
            self._set_xy(fi, Z, f)
            self.legend.addItem(fi, tr(ACTIVATIONS[name].label))
            if self.deriv_box.isChecked():
                self._set_xy(di, Z, df)
                self.legend.addItem(di, tr("{name}′ (derivative)", name=tr(ACTIVATIONS[name].label)))
            else:
                di.setData([], [])
        self.pi.setYRange(-1.5, 3.0)

    def export_items(self):
        return self.pi

    def view_data(self) -> dict[str, np.ndarray]:
        return dict(self.data)
