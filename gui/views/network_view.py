"""The network: neurons layer by layer and one edge per weight, its colour the weight's sign and its
width ∝ |w| (normalised per frame), at the cursor's θ of a chosen run.  Biases shade the neurons.
The title counts complexity as the chapter does: layers (the input not counted) and parameters."""
from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QLabel

from gui.i18n import tr
from gui.style import FONT_PT, TITLE_PT
from gui.views.common import ViewBase, legend

POSITIVE, NEGATIVE = "#2166AC", "#B2182B"      # blue: w > 0, red: w < 0
MAX_WIDTH = 7.0
MIN_WIDTH = 0.6
LABEL_EDGES = 6            # label each edge with its value when the net has at most this many
NODE_SIZE = 26


def node_positions(sizes) -> list[np.ndarray]:
    """(n, 2) positions per layer: x = layer index, y centred around 0, spacing 1."""
    return [np.column_stack([np.full(n, float(l)), (n - 1) / 2.0 - np.arange(n, dtype=float)])
            for l, n in enumerate(sizes)]


def edge_widths(w: np.ndarray) -> np.ndarray:
    a = np.abs(np.where(np.isfinite(w), w, 0.0))
    top = float(a.max()) if a.size else 0.0
    return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * (a / top if top > 0 else a)


def node_names(sizes) -> list[list[str]]:
    names = [[f"x{i + 1}" for i in range(sizes[0])]]
    for n in sizes[1:-1]:
        names.append([""] * n)
    out = sizes[-1]
    names.append(["y"] if out == 1 else [f"y{j + 1}" for j in range(out)])
    return names


class NetworkView(ViewBase):
    key, title = "network", "Network"   # (gui.view_protocol)
    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self.run_combo = QComboBox()
        self.run_combo.activated.connect(self._on_run_activated)
        self._toolbar.addWidget(self._text(QLabel(), "run"))
        self._toolbar.addWidget(self.run_combo)
        self._finish_toolbar()
        self._add_message()
        self.plot = pg.PlotWidget()
        self.layout().addWidget(self.plot, 4)
        pi = self.pi = self.plot.getPlotItem()
        pi.hideAxis("left")
        pi.hideAxis("bottom")
        pi.setAspectLocked(False)
        pi.setMouseEnabled(False, False)
        pi.hideButtons()
        self.legend = legend(pi)
        self._legend_pos = pg.PlotDataItem(pen=pg.mkPen(POSITIVE, width=4))
        self._legend_neg = pg.PlotDataItem(pen=pg.mkPen(NEGATIVE, width=4))
        self.edges: list[pg.PlotCurveItem] = []
        self.edge_labels: list[pg.TextItem] = []
        self.nodes = pg.ScatterPlotItem(size=NODE_SIZE, pen=pg.mkPen("#202020", width=1.5))
        self.nodes.setZValue(10)
        pi.addItem(self.nodes)
        self.texts: list[pg.TextItem] = []
        self._segments: list[tuple[np.ndarray, np.ndarray]] = []
        self._label_names: list[str] = []
        self._edge_index = np.zeros(0, np.int64)
        self._weights = np.zeros(0)
        self._drawn = None
        session.config_changed.connect(self._on_session_config_changed)
        self._connect()

    # --- structure ----------------------------------------------------------------------------
    def _clear(self) -> None:
        for it in self.edges + self.edge_labels + self.texts:
            self.pi.removeItem(it)
        self.edges, self.edge_labels, self.texts, self._segments = [], [], [], []
        self._label_names: list[str] = []
        self.nodes.setData([], [])
        self.legend.clear()
        self._drawn = None

    def _show_message(self, text: str) -> None:
        self.show_empty(text)
        self.run_combo.setVisible(not text)

    def _run(self):
        runs = self.session.runs
        if not runs:
            return None
        return runs[min(max(self.run_combo.currentIndex(), 0), len(runs) - 1)]

    def _on_session_rebuilt(self) -> None:
        self._clear()
        runs = self.session.runs
        keep = self.run_combo.currentText()
        self.run_combo.clear()
        for r in runs:
            self.run_combo.addItem(r.label)
        if keep and keep in [r.label for r in runs]:
            self.run_combo.setCurrentText(keep)
        if not runs:
            self._show_message(tr("This preset has no training run, so there is no network to draw."))
            return
        if runs[0].problem.objective:
            self._show_message(tr("This preset minimises a function of θ directly: there is no network, "
                                  "only the point θ moving on the surface."))
            return
        self._show_message("")
        self._build(self._run())
        self._on_session_frame()

    def _build(self, run) -> None:
        lay = run.problem.layout
        sizes = lay.sizes
        pos = node_positions(sizes)
        self._pos = pos
        weights = [b for b in lay.blocks if b.is_weight]
        self._segments = []
        offsets = []
        for l, b in enumerate(weights):
            nin, nout = b.shape
            for i in range(nin):
                for j in range(nout):
                    self._segments.append((pos[l][i], pos[l + 1][j]))
                    offsets.append(b.offset + i * nout + j)     # row-major w[l][i, j]
        self._edge_index = np.array(offsets, dtype=np.int64)
        for _ in self._segments:
            e = pg.PlotCurveItem()
            self.pi.addItem(e)
            self.edges.append(e)
        if len(self._segments) <= LABEL_EDGES:
            names = lay.names
            for k, (a, c) in enumerate(self._segments):
                t = pg.TextItem("", color="#202020", anchor=(0.5, 1.1), fill=pg.mkBrush(255, 255, 255, 220))
                t.setFont(self._font(FONT_PT))
                t.setPos(*(a + 0.55 * (c - a)))
                t.setZValue(12)
                self.pi.addItem(t)
                self.edge_labels.append(t)
                self._label_names.append(names[self._edge_index[k]])
        xy = np.vstack(pos)
        self.nodes.setData(xy[:, 0], xy[:, 1])
        for l, names in enumerate(node_names(sizes)):
            for i, name in enumerate(names):
                if name:
                    t = pg.TextItem(name, color="#202020", anchor=(0.5, 0.5))
                    t.setFont(self._font(FONT_PT, bold=True))
                    t.setPos(*pos[l][i])
                    t.setZValue(15)
                    self.pi.addItem(t)
                    self.texts.append(t)
        bottom = -max(sizes) / 2.0 - 0.3
        for l in range(len(sizes)):
            text = tr("input") if l == 0 else tr("output ({act})", act=lay.activations[l - 1]) \
                if l == len(sizes) - 1 else tr("hidden {k} ({act})", k=l, act=lay.activations[l - 1])
            t = pg.TextItem(text, color="#404040", anchor=(0.5, 0))
            t.setFont(self._font(FONT_PT))
            t.setPos(float(l), bottom)
            self.pi.addItem(t)
            self.texts.append(t)
        self.legend.addItem(self._legend_pos, html.escape(tr("weight > 0")))   # legend labels are HTML
        self.legend.addItem(self._legend_neg, html.escape(tr("weight < 0")))
        layers = lay.layers
        self.pi.setTitle(tr("{n} layers, {p} parameters", n=layers, p=lay.size) if layers != 1
                         else tr("{n} layer, {p} parameters", n=layers, p=lay.size),
                         size=f"{TITLE_PT}pt", color="#202020")
        half = max(sizes) / 2.0
        self.pi.setRange(xRange=(-0.4, len(sizes) - 0.6), yRange=(bottom - 0.6, half + 0.2), padding=0.02)

    @staticmethod
    def _font(pt: int, bold: bool = False):
        from PySide6.QtGui import QFont
        f = QFont()
        f.setPointSize(pt)
        f.setBold(bold)
        return f

    def _on_run_activated(self, _i: int) -> None:
        self._on_session_rebuilt()

    def _on_session_config_changed(self, _label: str) -> None:
        self._drawn = None
        self._on_session_frame()

    # --- per frame ----------------------------------------------------------------------------
    def _draw_frame(self) -> None:
        run = self._run()
        if run is None or not self.edges or run.problem.objective:
            return
        k = min(self.session.cursor, run.step)
        if self._drawn == (run.label, k, run.step):
            return
        self._drawn = (run.label, k, run.step)
        theta = run.theta_history[run.rows([k])[0]]     # the row of step k (history may be thinned)
        w = theta[self._edge_index]
        self._weights = w
        widths = edge_widths(w)
        for e, (a, c), wk, wd in zip(self.edges, self._segments, w, widths):
            col = POSITIVE if wk >= 0 or not np.isfinite(wk) else NEGATIVE
            e.setData([a[0], c[0]], [a[1], c[1]], pen=pg.mkPen(col, width=float(wd)))
        for t, name, wk in zip(self.edge_labels, self._label_names, w):
            t.setText(f"{name} = {wk:.4g}" if np.isfinite(wk) else f"{name} = —")
        self._shade_nodes(run, theta)
        biased = run.problem.layout.bias
        parts = [tr("step {k}", k=k)]
        if np.isfinite(w).any():
            parts.append(tr("edge width ∝ |w|, max |w| = {m}", m=f"{np.nanmax(np.abs(w)):.3g}"))
        if biased:
            parts.append(tr("neuron colour: its bias"))
        self.readout.setText(" — ".join(parts))

    def _shade_nodes(self, run, theta: np.ndarray) -> None:
        """Input nodes grey; other nodes white, tinted by their bias's sign and size."""
        lay = run.problem.layout
        sizes = lay.sizes
        biases = {int(b.name[1:]): theta[b.offset:b.offset + b.shape[0]] for b in lay.blocks if not b.is_weight}
        allb = np.concatenate(list(biases.values())) if biases else np.zeros(0)
        allb = allb[np.isfinite(allb)]
        top = float(np.abs(allb).max()) if allb.size else 0.0
        brushes = [pg.mkBrush("#DDDDDD")] * sizes[0]
        for l in range(1, len(sizes)):
            b = biases.get(l)
            for j in range(sizes[l]):
                if b is None or top == 0 or not np.isfinite(b[j]):
                    brushes.append(pg.mkBrush("w"))
                    continue
                c = np.array(pg.mkColor(POSITIVE if b[j] >= 0 else NEGATIVE).getRgb()[:3], float)
                t = 0.1 + 0.7 * abs(b[j]) / top         # opaque: the colour mixed with white
                brushes.append(pg.mkBrush(*(255 - t * (255 - c)).astype(int)))
        self.nodes.setBrush(brushes)

    # --- export -------------------------------------------------------------------------------
    def export_items(self):
        return self.pi

    def view_data(self) -> dict[str, np.ndarray]:
        if not self.edges:
            return {}
        a = np.array([s[0] for s in self._segments])
        c = np.array([s[1] for s in self._segments])
        return {"from_layer": a[:, 0], "from_y": a[:, 1], "to_layer": c[:, 0], "to_y": c[:, 1],
                "theta_index": self._edge_index.astype(np.float64), "weight": np.asarray(self._weights)}
