"""Slow motion: one update of one run played phase by phase (engine.phases), each phase's TF 1.x
formula and the same formula with the run's live numbers for the parameter picked.

"." shows the next phase; after the last one it applies the update (the session's step(1), or
moves the cursor on when the update is already recorded) and starts the next update's phases.
"," goes back a phase (from the first, to the last phase of the update before).  The panel follows
the session's cursor: any other move of it starts that update's phases from the first.

While the user steps through phases here the views follow them (``phase_shown``, drawn by
``gui.views.phase_overlay``); playing, hiding the panel or moving the cursor by other means
leaves slow motion and the views' arrows and rings go.
"""
from __future__ import annotations

import html
import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from engine.phases import PhaseError, phases
from gui.draw_rate import RefreshWhilePlaying
from gui.i18n import LANGUAGE, tr
from gui.slow_motion_batch import batch_strip, batch_table
from gui.views.phase_overlay import install_phase_overlay
from gui.widgets import FlowLayout

MONO = "font-family: 'DejaVu Sans Mono', monospace; white-space: pre-wrap;"


class SlowMotion(RefreshWhilePlaying, QWidget):
    phase_shown = Signal(object)   # (run, its index, engine.phases.Update, phase key), or None: views follow nothing

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.engaged = False             # the user is stepping phases here: the views follow them
        self._own_move = False           # the cursor is being moved by "." / ","
        self._emitted = None
        self.on_screen = True            # its dock is not behind another tab (the dock's visibilityChanged)
        self.index = 0                   # the phase shown, 0-based
        self.update_shown = None         # engine.phases.Update on screen (None: nothing to show)
        self._k = None                   # the step whose next update is shown
        self._cache_key = None
        self._shown_key = None
        self._pending_index = None       # where "," wants to land once the cursor has moved back
        self.run_caption, self.param_caption = QLabel(), QLabel()
        self.run_combo, self.param_combo = QComboBox(), QComboBox()
        self.run_combo.currentIndexChanged.connect(self._on_run_combo_changed)
        self.param_combo.currentIndexChanged.connect(self._on_param_combo_changed)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.position = QLabel()
        self.prev_button, self.next_button = QPushButton(), QPushButton()
        for b in (self.prev_button, self.next_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)     # the keys stay with the window
        self.prev_button.clicked.connect(self.previous_phase)
        self.next_button.clicked.connect(self.next_phase)
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # rows that wrap when the column is narrow: the panel never widens the left column
        pick = FlowLayout()
        for w in (self.run_caption, self.run_combo, self.param_caption, self.param_combo):
            pick.addWidget(w)
        nav = FlowLayout()
        for w in (self.prev_button, self.position, self.next_button):
            nav.addWidget(w)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(pick)
        lay.addWidget(self.header)
        lay.addLayout(nav)
        lay.addWidget(self.view, 1)
        self.action_next = self._key(Qt.Key.Key_Period, self.next_phase)
        self.action_previous = self._key(Qt.Key.Key_Comma, self.previous_phase)
        session.rebuilt.connect(self._on_session_rebuilt)
        session.config_changed.connect(self._on_session_config_changed)
        self.follow(session)
        LANGUAGE.changed.connect(self._on_language_changed)
        self._fill_runs()
        self.retranslate()

    def _key(self, key, slot) -> QAction:
        """A window-wide key (the window adds the action; a text field with the keyboard keeps it)."""
        a = QAction(self)
        a.setShortcut(QKeySequence(key))
        a.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)   # as the transport keys
        a.triggered.connect(slot)
        return a

    def retranslate(self) -> None:
        self.run_caption.setText(tr("Run"))
        self.param_caption.setText(tr("parameter"))
        self.prev_button.setText("◀ " + tr("Previous phase") + " (,)")
        self.next_button.setText(tr("Next phase") + " (.) ▶")
        self.action_next.setText(tr("Slow motion: next phase"))
        self.action_previous.setText(tr("Slow motion: previous phase"))
        self._shown_key = None
        self.refresh()            # (only when shown: a hidden panel computes nothing at launch)

    # --- runs and parameters -------------------------------------------------------------------
    def _fill_runs(self) -> None:
        current = self.run_combo.currentText()
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        for r in self.session.runs:
            self.run_combo.addItem(r.label)
        self.run_combo.setCurrentIndex(max(self.run_combo.findText(current), 0))
        self.run_combo.blockSignals(False)
        self._fill_params()

    def _fill_params(self) -> None:
        run = self.selected_run()
        names = run.problem.layout.names if run is not None else []
        if [self.param_combo.itemText(i) for i in range(self.param_combo.count())] == names:
            return
        current = self.param_combo.currentText()
        self.param_combo.blockSignals(True)
        self.param_combo.clear()
        self.param_combo.addItems(names)
        self.param_combo.setCurrentIndex(max(self.param_combo.findText(current), 0))
        self.param_combo.blockSignals(False)
        self._cache_key = self._shown_key = None

    def selected_run(self):
        label = self.run_combo.currentText()
        return next((r for r in self.session.runs if r.label == label), None)

    # --- stepping ------------------------------------------------------------------------------
    @property
    def phase_count(self) -> int:
        return len(self.update_shown.phases) if self.update_shown is not None else 0

    def next_phase(self) -> None:
        """The next phase; after the last, apply the update and show the next one's first phase."""
        s = self.session
        if s.playing:
            s.pause()
        self.engaged = True
        self.refresh(force=True)
        if self.update_shown is None:
            return
        if self.index + 1 < self.phase_count:
            self.index += 1
            self._shown_key = None
            self.refresh(force=True)
            return
        self.index = 0
        self._own_move = True
        try:
            if s.cursor < s.head:
                s.set_cursor(s.cursor + 1)          # recorded already: no future is thrown away
            else:
                s.step(1)
        finally:
            self._own_move = False
        self._shown_key = None
        self.refresh(force=True)

    def previous_phase(self) -> None:
        """The phase before; from the first phase, the last phase of the update before."""
        s = self.session
        if s.playing:
            s.pause()
        self.engaged = True
        if self.index > 0:
            self.index -= 1
            self._shown_key = None
            self.refresh(force=True)
        elif s.cursor > 0:
            self._pending_index = -1
            self._own_move = True
            try:
                s.set_cursor(s.cursor - 1)
            finally:
                self._own_move = False
            self.refresh(force=True)
        else:
            self._emit()

    # --- drawing -------------------------------------------------------------------------------
    def _compute(self, run, k: int, p: int):
        key = (run.label, id(run), k, run.step, p, run.config, run.t0)
        if key != self._cache_key:
            self._cache_key = key
            self.update_shown = phases(run, k, p)
        return self.update_shown

    def refresh(self, force: bool = False) -> None:
        if not force and not self.isVisible():
            return
        self._last = time.perf_counter()
        try:
            self._refresh()
        finally:
            self._emit()

    def _refresh(self) -> None:
        run = self.selected_run()
        if run is None:
            self.update_shown, self._cache_key = None, None
            self._show_message(tr("No runs in this preset."))
            return
        if not self.session.is_ready:     # the kernels are loading (a first launch compiles them)
            self.update_shown, self._cache_key = None, None
            self._show_message(tr("Getting the engine ready…"))
            return
        k = min(self.session.cursor, run.step)
        if k != self._k:
            if self._k is not None and not self._own_move:
                self.engaged = False       # the cursor moved by other means: slow motion is left
            self._k = k
            self.index = 0
        p = max(self.param_combo.currentIndex(), 0)
        try:
            u = self._compute(run, k, p)
        except ValueError as exc:
            self.update_shown, self._cache_key = None, None
            why = tr(exc.template, **exc.fields) if isinstance(exc, PhaseError) else str(exc)
            self._show_message(tr("Slow motion cannot show this step: {e}", e=why))
            return
        if self._pending_index is not None:
            self.index = self._pending_index % len(u.phases)
            self._pending_index = None
        self.index = min(self.index, len(u.phases) - 1)
        key = (id(u), self.index, LANGUAGE.code)
        if key == self._shown_key:
            return
        self._shown_key = key
        text, fields = u.header
        self.header.setText(f"<b>{html.escape(tr(text, **fields))}</b> · {html.escape(run.label)}")
        self.position.setText(tr("phase {i} of {n}", i=self.index + 1, n=len(u.phases)))
        self.prev_button.setEnabled(self.index > 0 or self.session.cursor > 0)
        self.next_button.setEnabled(True)
        self.view.setHtml(self._html(run, u))

    def _emit(self) -> None:
        """Tell the views what to follow (only when it changed)."""
        u, run = self.update_shown, self.selected_run()
        shown = None
        showing = self.on_screen and self.isVisible()
        if self.engaged and u is not None and run is not None and showing and not self.session.playing:
            index = next((i for i, r in enumerate(self.session.runs) if r is run), None)
            if index is not None and 0 <= self.index < len(u.phases):
                shown = (run, index, u, u.phases[self.index].key)
        key = None if shown is None else (id(shown[0]), shown[1], id(u), shown[3])
        if key != self._emitted:
            self._emitted = key
            self.phase_shown.emit(shown)

    def leave(self) -> None:
        """Leave slow motion: the views drop what they drew for it."""
        self.engaged = False
        self._emit()

    def _show_message(self, text: str) -> None:
        self._shown_key = None
        self.header.setText("")
        self.position.setText("")
        self.prev_button.setEnabled(False)
        self.next_button.setEnabled(False)
        self.view.setHtml(f"<p>{html.escape(text)}</p>")

    def _html(self, run, u) -> str:
        ph = u.phases[self.index]
        esc = html.escape
        out = [f"<h3 style='margin-bottom:2px'>{self.index + 1}. {esc(tr(ph.title))}</h3>",
               f"<p style='color:#555; margin:2px 0'>{esc(tr('TensorFlow 1.x'))}</p>",
               f"<p style=\"{MONO} background:#F2F2F2; margin:2px 0\">{esc(ph.formula)}</p>",
               (f"<p style='color:#555; margin:6px 0 2px 0'>"
                f"{esc(tr('this run, parameter {name}', name=u.name))}</p>"),
               "".join(f"<p style=\"{MONO} background:#FFF7DD; margin:0 0 3px 0\"><b>{esc(x)}</b></p>"
                       for x in ph.live.split("\n"))]     # one block per line: a wrapped line reads as one
        for template, fields in ph.notes:
            out.append(f"<p style='margin:4px 0'>{esc(tr(template, **fields))}</p>")
        if ph.key == "batch" and "rows" in ph.values:
            out.append(batch_strip(run.problem.n, ph.values["rows"]))
            out.append(batch_table(ph))
        if ph.key == "forward" and "pred" in ph.values:
            out.append(batch_table(ph))
        if u.recorded is None:
            out.append(f"<p style='color:#806000'>{esc(tr('not yet applied: press “.” once more to apply it'))}"
                       "</p>" if self.index == len(u.phases) - 1 else "")
        elif u.record_error > 1e-9:
            out.append("<p style='color:#C00000'>" + esc(tr(
                "the recorded state differs from this recomputation (largest relative difference {e}): "
                "a setting changed after this step", e=f"{u.record_error:.1e}")) + "</p>")
        strip = []
        for i, other in enumerate(u.phases):
            title = esc(tr(other.title))
            strip.append(f"<b>{title}</b>" if i == self.index else
                         f"<span style='color:{'#333' if i < self.index else '#999'}'>{title}</span>")
        out.append("<p style='margin-top:8px'>" + " → ".join(strip) + "</p>")
        return "".join(out)

    # --- session -------------------------------------------------------------------------------
    def _on_session_rebuilt(self) -> None:
        self.leave()                 # new runs: the views drop what they drew for the old ones
        self._fill_runs()
        self._cache_key = self._shown_key = self._k = None
        self.refresh()

    def _on_session_config_changed(self, _label: str) -> None:
        self._fill_params()
        self._cache_key = self._shown_key = None
        self.refresh()

    def _on_run_combo_changed(self, _index: int) -> None:
        self.engaged = True          # the views follow the run picked
        self._fill_params()
        self._cache_key = self._shown_key = None
        self.refresh(force=True)

    def _on_param_combo_changed(self, _index: int) -> None:
        self._shown_key = None
        self.refresh(force=True)

    def _on_language_changed(self, _code: str) -> None:
        self.retranslate()

    def _on_session_playing_changed(self, playing: bool) -> None:
        if playing:
            self.leave()
        super()._on_session_playing_changed(playing)

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        """Tabbed behind another panel (Qt keeps it "visible" there) or back in front."""
        self.on_screen = visible
        if visible:
            self.refresh()
        else:
            self.leave()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        try:
            self.leave()                 # (a tab behind another, or the dock closed)
        except Exception:  # noqa: BLE001 - as showEvent
            pass


def install_slow_motion(window) -> None:
    """The Slow motion dock (tabbed behind the Inspector), its View-menu entry and the "." / ","
    keys of one window.  Sets window.slow_motion and window.slow_motion_dock."""
    from gui.main_window import STATE_VERSION    # (main_window imports this module)
    panel = SlowMotion(window.session)
    dock = window._dock("dock_slow_motion", "Slow motion", panel)
    window.tabifyDockWidget(window.inspector_dock, dock)
    window.guide_dock.raise_()          # tabifying made it current: a first launch opens on the guide
    window._default_state = window.saveState(STATE_VERSION)   # View → Reset layout includes it
    window.slow_motion, window.slow_motion_dock = panel, dock
    dock.visibilityChanged.connect(panel._on_dock_visibility_changed)
    install_phase_overlay(window, panel)         # sets window.phase_overlay: the views follow the phases
    entry = QAction(window)
    entry.triggered.connect(lambda _=False: window.bring_forward(dock))
    window.panel_actions["dock_slow_motion"] = entry
    separator = next((a for a in window.view_menu.actions() if a.isSeparator()), None)
    window.view_menu.insertAction(separator, entry)
    entry.setText(tr("Slow motion"))
    for a in (panel.action_next, panel.action_previous):
        a.triggered.connect(lambda _=False: window.bring_forward(dock) if dock.visibleRegion().isEmpty() else None)
        window.addAction(a)
