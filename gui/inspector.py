"""The per-step inspector: for one run at the cursor step k, what update k did.

Learning rate of update k, the gradient it used (at θ after k − 1 updates, on its batch), the
update θ_k − θ_{k−1}, θ_k and the optimiser's state after it (Momentum's accumulator, Adam's m and
v, …), one table row per parameter.  Refreshes on ``frame`` only while visible, at most ~10 times
a second while playing.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from engine.registry import SLOT_NAMES
from gui.draw_rate import RefreshWhilePlaying
from gui.i18n import LANGUAGE, tr

MAX_ROWS = 60


def fmt(v: float) -> str:
    return "—" if not np.isfinite(v) else f"{v:.6g}"


class Inspector(RefreshWhilePlaying, QWidget):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.run_combo = QComboBox()
        self.run_combo.currentIndexChanged.connect(self._on_run_combo_changed)
        self.run_caption = QLabel()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        top = QHBoxLayout()
        top.addWidget(self.run_caption)
        top.addWidget(self.run_combo, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        self._last = 0.0
        self._shown_key = None
        session.rebuilt.connect(self._on_session_rebuilt)
        session.config_changed.connect(self._on_session_config_changed)
        self.follow(session)
        LANGUAGE.changed.connect(self._on_language_changed)
        self._fill_runs()
        self.retranslate()

    def retranslate(self) -> None:
        self.run_caption.setText(tr("Run"))
        self._shown_key = None
        self.refresh(force=True)

    def _fill_runs(self) -> None:
        current = self.run_combo.currentText()
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        for r in self.session.runs:
            self.run_combo.addItem(r.label)
        i = self.run_combo.findText(current)
        self.run_combo.setCurrentIndex(max(i, 0))
        self.run_combo.blockSignals(False)
        self._shown_key = None

    def selected_run(self):
        label = self.run_combo.currentText()
        return next((r for r in self.session.runs if r.label == label), None)

    @staticmethod
    def _clipping_text(run, k: int) -> str:
        """How many of update k+1's targets were predicted below the clip (zero gradient)."""
        clipped, total = run.clipped_targets(k)
        if clipped:
            return tr("{c} of the batch's {t} targets have p < 1e-12: clip_by_value holds their loss at "
                      "−log(1e-12) ≈ 27.6 and passes them no gradient", c=clipped, t=total)
        return tr("no target in this batch is predicted below the clip 1e-12: clipping changes nothing here")

    # --- drawing -------------------------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        if not force and not self.isVisible():
            return
        run = self.selected_run()
        s = self.session
        if run is None:
            self.summary.setText(tr("No runs in this preset."))
            self.table.setRowCount(0)
            return
        k = min(s.cursor, run.step)
        key = (run.label, k, run.step, run.config.optimizer.name, LANGUAGE.code, s.is_ready)
        if key == self._shown_key:
            return
        self._shown_key = key
        self._last = time.perf_counter()
        names = run.problem.layout.names
        n = min(len(names), MAX_ROWS)
        state = run.state_at(k)            # exact, also where the history kept only every n-th step
        theta = state.theta[:n]
        slot_names = SLOT_NAMES[run.config.optimizer.name]
        slots = state.slots[:, :n] if len(slot_names) and state.slots.shape[0] else np.zeros((len(slot_names), n))
        if k >= 1:
            update = theta - run.state_at(k - 1).theta[:n]
            grad = run.batch_gradient(k - 1)[:n] if s.is_ready else np.full(n, np.nan)
            lr = state.lr
            text = tr("step {k} of run “{label}”: the state after update {k} (learning rate {lr})",
                      k=f"{k:,}", label=run.label, lr=fmt(lr))
        else:
            update = grad = np.full(n, np.nan)
            text = tr("step 0 of run “{label}”: the start, before any update", label=run.label)
        if len(names) > n:
            text += "  " + tr("(first {n} of {total} parameters)", n=n, total=len(names))
        if k >= 1 and run.config.loss.name == "ce" and s.is_ready:
            text += "\n" + self._clipping_text(run, k - 1)
        self.summary.setText(text)
        headers = [tr("parameter"), "θ", tr("gradient"), tr("update")] + [tr(x) for x in slot_names]
        cols = [theta, grad, update] + [slots[i] for i in range(len(slot_names))]
        if self.table.columnCount() != len(headers):
            self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        if self.table.rowCount() != n:
            self.table.setRowCount(n)
        for row in range(n):
            self._set(row, 0, names[row])
            for c, col in enumerate(cols, start=1):
                self._set(row, c, fmt(float(col[row])))

    def _set(self, row: int, col: int, text: str) -> None:
        item = self.table.item(row, col)
        if item is None:
            self.table.setItem(row, col, QTableWidgetItem(text))
        elif item.text() != text:
            item.setText(text)

    # --- session -------------------------------------------------------------------------------
    def _on_session_rebuilt(self) -> None:
        self._fill_runs()
        self.refresh()

    def _on_session_config_changed(self, _label: str) -> None:
        self._shown_key = None
        self.refresh()

    def _on_run_combo_changed(self, _index: int) -> None:
        self._shown_key = None
        self.refresh()

    def _on_language_changed(self, _code: str) -> None:
        self.retranslate()
