"""The Results panel: one table row per run (engine.results) — steps, final losses, ‖θ − θ*‖∞ and
the step from which it stays below 1e-3 where θ* is known, the step the loss stops falling, the
engine's µs per step, the step a run diverged at.  Copy (the button or Ctrl+C) puts the table on
the clipboard as tab-separated text; File → Export all views writes it as results.csv.

While playing it refreshes at most every ``PLAYING_EVERY_S`` from the kept history rows only (the
losses are cached: cheap).  When play stops, a figure that a thinned history can only estimate
(shown "≈") is made exact off the GUI thread: a copy of the runs (``engine.results.snapshot``) is
replayed in a background job (up to ``engine.results.REPLAY_BUDGET`` updates a figure) and the
table shows the exact figures when it is done.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QHeaderView, QLabel, QPushButton, QSizePolicy, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from engine import results as R
from gui.draw_rate import RefreshWhilePlaying
from gui.i18n import LANGUAGE, tr
from gui.views.jobs import JobRunner
from gui.widgets import FlowLayout

PLAYING_EVERY_S = 0.5     # the table while playing: at most twice a second
COLUMN_MARGIN = 10        # px beside a column's widest text


def fmt_number(v, digits: int = 6) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{v:.{digits}g}"


def fmt_us(v) -> str:
    """µs per step: 0.438, 6.16, 700, 1470 (no exponent)."""
    return "—" if v is None or not np.isfinite(v) else f"{v:.0f}" if v >= 100 else f"{v:.3g}"


class ResultsPanel(RefreshWhilePlaying, QWidget):
    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.rows: list[R.Result] = []       # what the table shows
        self._key = None                     # the runs' state the rows describe
        self._exact_key = None               # the state an exact job was asked for
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        # a fixed three lines (the whole note in its tooltip): a note that wraps to another line
        # must not resize the dock, and with it the views above (a lesson's layout moved by 5 px)
        self.note.setFixedHeight(3 * self.note.fontMetrics().lineSpacing() + 4)
        self.note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton()
        self.copy_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)       # the keys stay with the window
        self.copy_button.clicked.connect(self.copy)
        self.table = QTableWidget(0, 0)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setMinimumSize(120, 60)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)     # compact rows
        self.action_copy = QAction(self)
        self.action_copy.setShortcut(QKeySequence.StandardKey.Copy)
        self.action_copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.action_copy.triggered.connect(self.copy)
        self.addAction(self.action_copy)
        top = FlowLayout()          # wraps when narrow: the panel never widens its column
        top.addWidget(self.copy_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)
        self.jobs = JobRunner(self)
        self.jobs.finished.connect(self._on_jobs_finished)
        session.rebuilt.connect(self._on_session_changed)
        session.config_changed.connect(self._on_session_changed)
        self.follow(session)
        LANGUAGE.changed.connect(self._on_language_changed)
        self.retranslate()

    # --- texts ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.copy_button.setText(tr("Copy table"))
        self.copy_button.setToolTip(tr("Copy the table as tab-separated text (Ctrl+C)"))
        self.action_copy.setText(tr("Copy results table"))
        self._show()

    def _on_language_changed(self, _code: str) -> None:
        self.retranslate()

    # --- computing -----------------------------------------------------------------------------
    def _state_key(self):
        return tuple((id(r), r.step, r.config, r.diverged_at, len(r.steps_history)) for r in self.session.runs)

    def refresh(self, force: bool = False) -> None:
        if not force and not self.showing():      # (behind another dock's tab: nothing computed)
            return
        s = self.session
        now = time.perf_counter()
        if s.playing and not force and now - self._last < PLAYING_EVERY_S:
            return
        self._last = now
        if not s.runs or not s.is_ready:
            self.rows, self._key = [], None
            self._show()
            return
        key = self._state_key()
        if key == self._key and (s.playing or all(r.exact for r in self.rows)):
            return
        if key != self._key:
            self.rows = R.results(s.runs, budget=0)        # the kept rows only: cheap
            self._key = key
            self._show()
        if not s.playing and not all(r.exact for r in self.rows) and self._exact_key != key:
            self._exact_key = key
            snaps = [R.snapshot(r) for r in s.runs]
            self.jobs.submit(lambda snaps=snaps, key=key: (key, R.results(snaps, budget=R.REPLAY_BUDGET)))

    def _on_jobs_finished(self, result) -> None:
        key, rows = result
        if key == self._key:
            self.rows = rows
            self._show()

    # --- the table -----------------------------------------------------------------------------
    def columns(self, compact: bool = False) -> list[tuple[str, object, str]]:
        """(header, function of a Result giving the cell's text, header tooltip) for the columns
        that apply; ``compact`` (the table on screen) leaves out the steps when every run is at
        the same step (the note says it), so the columns fit beside the surface at 1366×768."""
        rows = self.rows
        cols = [(tr("run"), lambda r: r.label, "")]
        if not (compact and self.same_step() is not None):
            cols.append((tr("steps\ntrained"), lambda r: str(r.steps), tr("updates applied so far")))
        cols += [(tr("loss"), lambda r: fmt_number(r.loss), tr("full-data loss at the last step (without the penalty)"))]
        if any(r.ema_loss is not None for r in rows):
            cols.append((tr("EMA loss"), lambda r: fmt_number(r.ema_loss), tr("full-data loss at the EMA shadow θ")))
        if any(r.total_loss is not None for r in rows):
            cols.append((tr("loss +\npenalty"), lambda r: fmt_number(r.total_loss),
                         tr("the loss the optimiser minimises: full-data loss plus the regulariser")))
        if any(r.theta_star is not None for r in rows):
            tol = f"{rows[0].tol:g}"
            cols.append(("‖θ−θ*‖∞", lambda r: fmt_number(r.distance, 3),
                         tr("largest distance of a parameter from θ* at the last step")))
            cols.append((tr("steps until\n‖θ−θ*‖∞\n< {tol}", tol=tol), self._steps_to_tol,
                         tr("the first step from which every later step has ‖θ − θ*‖∞ < {tol}", tol=tol)))
        cols.append((tr("loss stops\nfalling\nat step"), self._plateau,
                     tr("the first step whose full-data loss is within a relative {rel:g} of the lowest loss "
                        "still to come", rel=R.REL)))
        cols.append((tr("engine\nµs / step"), lambda r: fmt_us(r.us_per_step),
                     tr("the engine's time per update, in microseconds")))
        if any(r.diverged_at is not None for r in rows):
            cols.append((tr("diverged\nat step"), lambda r: "—" if r.diverged_at is None else str(r.diverged_at),
                         tr("the update that made the loss or θ non-finite")))
        return cols

    @staticmethod
    def _approx(r: R.Result, text: str) -> str:
        return text if r.exact else "≈ " + text

    def _steps_to_tol(self, r: R.Result) -> str:
        if r.theta_star is None:
            return "—"
        return self._approx(r, tr("not yet") if r.steps_to_tol is None else str(r.steps_to_tol))

    def _plateau(self, r: R.Result) -> str:
        if r.steps == 0:
            return "—"
        return self._approx(r, tr("still falling") if r.plateau_at is None else str(r.plateau_at))

    def same_step(self) -> int | None:
        """The step every run is at, when they all are at the same one."""
        steps = {r.steps for r in self.rows}
        return steps.pop() if len(steps) == 1 else None

    def cells(self, compact: bool = False) -> tuple[list[str], list[list[str]]]:
        """(headers, rows of cell texts): every column (Copy), or ``compact`` as the table shows them."""
        cols = self.columns(compact)
        return [h for h, _, _ in cols], [[f(r) for _, f, _ in cols] for r in self.rows]

    def _show(self) -> None:
        cols = self.columns(compact=True)
        headers, cells = self.cells(compact=True)
        t = self.table
        if t.columnCount() != len(headers):
            t.setColumnCount(len(headers))
        for j, (head, _, tip) in enumerate(cols):
            item = QTableWidgetItem(head)
            item.setToolTip(tip)
            t.setHorizontalHeaderItem(j, item)
        if t.rowCount() != len(cells):
            t.setRowCount(len(cells))
        for i, row in enumerate(cells):
            for j, text in enumerate(row):
                item = t.item(i, j)
                if item is None:
                    item = QTableWidgetItem(text)
                    if j > 0:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    t.setItem(i, j, item)
                elif item.text() != text:
                    item.setText(text)
        self._fit_columns(headers, cells)
        note = self._note_text()
        self.note.setText(note)
        self.note.setToolTip(note)

    def _fit_columns(self, headers: list[str], cells: list[list[str]]) -> None:
        """Each column as wide as its widest line plus a small margin (Qt's own fit adds ~25 px
        a column: with them the table no longer fits beside the surface at 1366×768)."""
        fm, hfm = self.table.fontMetrics(), self.table.horizontalHeader().fontMetrics()
        for j, head in enumerate(headers):
            w = max([hfm.horizontalAdvance(line) for line in head.split("\n")]
                    + [fm.horizontalAdvance(row[j]) for row in cells])
            self.table.setColumnWidth(j, w + COLUMN_MARGIN)

    def _note_text(self) -> str:
        s = self.session
        if not s.runs:
            return tr("No runs in this preset.")
        if not s.is_ready:
            return tr("Getting the engine ready…")
        parts = []
        if self.same_step() is not None:
            parts.append(tr("Every run at step {k}.", k=self.same_step()))
        star = next((r for r in self.rows if r.theta_star is not None), None)
        if star is not None:
            vals = ", ".join(f"{v:.7g}" for v in star.theta_star)
            template, fields = star.how
            parts.append(tr("θ* = [{v}] ({how}).", v=vals, how=tr(template, **fields)))
        else:
            parts.append(tr("θ* is not known for this model: the loss tells when training stops helping."))
        if any(not r.exact for r in self.rows):
            if s.playing or self.jobs.busy:
                parts.append(tr("≈: estimated from the kept history rows; exact when play stops."))
            else:
                parts.append(tr("≈: estimated from the kept history rows: the exact figure would replay more "
                                "than {n} steps.", n=f"{R.REPLAY_BUDGET:,}"))
        return " ".join(parts)

    # --- copy ----------------------------------------------------------------------------------
    def tsv(self) -> str:
        headers, cells = self.cells()
        lines = ["\t".join(h.replace("\n", " ") for h in headers)]
        lines += ["\t".join(row) for row in cells]
        return "\n".join(lines) + "\n"

    def copy(self) -> None:
        self.refresh(force=True)
        QApplication.clipboard().setText(self.tsv())

    # --- session -------------------------------------------------------------------------------
    def _on_session_changed(self, *_args) -> None:
        self._key = self._exact_key = None
        self.jobs.cancel()
        self.refresh()

    def shutdown(self) -> None:
        self.jobs.cancel()
        self.jobs.wait(5000)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override (the window's events)
        try:
            if event.type() == QEvent.Type.Close:
                self.shutdown()
        except Exception:  # noqa: BLE001 - an exception here would take the window down
            pass
        return False


def install_results(window) -> None:
    """The Results dock (tabbed with the views under the loss curve), its View-menu entry and
    its draw turns.  Sets window.results and window.results_dock."""
    from gui.main_window import STATE_VERSION    # (main_window imports this module)
    panel = ResultsPanel(window.session)
    dock = window._dock("dock_results", "Results", panel)
    dock.setMinimumSize(160, 120)
    group = window.view_docks[2:3] or window.view_docks[-1:]     # the views tabbed under the loss curve
    if group:
        window.tabifyDockWidget(group[0], dock)
        group[0].raise_()               # tabifying made it current: the views' front tab stays
    else:
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    window._default_state = window.saveState(STATE_VERSION)   # View → Reset layout includes it
    window.results, window.results_dock = panel, dock
    dock.visibilityChanged.connect(lambda shown: shown and panel.refresh())   # its tab brought forward
    window.draw_turns.adopt(panel)
    entry = QAction(window)
    entry.triggered.connect(lambda _=False: window.bring_forward(dock))
    window.panel_actions["dock_results"] = entry
    separator = next((a for a in window.view_menu.actions() if a.isSeparator()), None)
    window.view_menu.insertAction(separator, entry)
    entry.setText(tr("Results"))
    window.installEventFilter(panel)     # the window closing: the background job is waited for

