"""The transport bar: reset, step back, step, step ×N, play/pause, speed, run to K, timeline.

Every control calls the session; the bar follows the session back (``frame``, ``playing_changed``,
``ready``).  The actions carry the keyboard shortcuts (application-wide), so the keys work
wherever the focus is.
"""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QLabel, QPushButton, QSlider, QSpinBox, QStyle, QToolBar, QWidget,
                               QWidgetAction)

from gui.draw_rate import Readout, Scheduled
from gui.i18n import LANGUAGE, tr
from gui.session import MAX_SPEED

SPEED_TICKS = 50          # slider positions below "max": speed = 10^(pos/10), 1 … ~80000 per frame
MAX_STEPS_SPIN = 10 ** 9


def speed_at(pos: int) -> int:
    """Updates per frame at a speed-slider position (the top position is MAX_SPEED)."""
    return MAX_SPEED if pos >= SPEED_TICKS else max(1, int(round(10 ** (pos / 10))))


def position_of(speed: int) -> int:
    if speed >= MAX_SPEED:
        return SPEED_TICKS
    return int(min(SPEED_TICKS - 1, max(0, round(10 * math.log10(max(1, speed))))))


def speed_text(speed: int) -> str:
    return tr("max") if speed >= MAX_SPEED else tr("{n}/frame", n=f"{speed:,}")


class TransportBar(Scheduled, QToolBar):
    focus_released = Signal()   # an editor finished: give the keyboard back to the window

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("transport")
        self.setMovable(False)
        self.session = session
        st = self.style()

        def action(icon, slot, key=None):
            a = QAction(st.standardIcon(icon), "", self)
            if key is not None:
                a.setShortcut(QKeySequence(key))
                a.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            a.triggered.connect(slot)
            return a

        SP = QStyle.StandardPixmap
        self.action_reset = action(SP.SP_BrowserReload, self._on_reset_triggered, Qt.Key.Key_R)
        self.action_back = action(SP.SP_MediaSeekBackward, self._on_back_triggered, Qt.Key.Key_Left)
        self.action_step = action(SP.SP_MediaSkipForward, self._on_step_triggered, Qt.Key.Key_Right)
        self.action_step_n = action(SP.SP_MediaSeekForward, self._on_step_n_triggered,
                                    QKeySequence(Qt.Modifier.SHIFT | Qt.Key.Key_Right))
        self.action_play = action(SP.SP_MediaPlay, self._on_play_triggered, Qt.Key.Key_Space)
        self.action_home = action(SP.SP_MediaSkipBackward, self._on_home_triggered, Qt.Key.Key_Home)
        self.action_end = action(SP.SP_MediaSkipForward, self._on_end_triggered, Qt.Key.Key_End)

        self.addAction(self.action_reset)
        self.addAction(self.action_back)
        self.addAction(self.action_play)
        self.addAction(self.action_step)
        self.addAction(self.action_step_n)
        self.n_spin = self._spin(1, 1_000_000, session.step_n, self._on_n_spin_changed)
        self.addWidget(self.n_spin)
        self.addSeparator()

        self.speed_caption = QLabel()
        self.addWidget(self.speed_caption)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, SPEED_TICKS)
        self.speed_slider.setFixedWidth(120)
        self.speed_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_slider.setValue(position_of(session.speed))
        self.speed_slider.valueChanged.connect(self._on_speed_slider_changed)
        self.addWidget(self.speed_slider)
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(90)
        self.addWidget(self.speed_label)
        self.addSeparator()

        self.run_to_spin = self._spin(0, MAX_STEPS_SPIN, 1000, None)
        self.addWidget(self.run_to_spin)
        self.run_to_button = QPushButton()
        self.run_to_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.run_to_button.clicked.connect(self._on_run_to_clicked)
        self.addWidget(self.run_to_button)
        self.addSeparator()

        self.timeline = QSlider(Qt.Orientation.Horizontal)
        self.timeline.setMinimumWidth(200)
        self.timeline.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.timeline.setRange(0, 0)
        self.timeline.valueChanged.connect(self._on_timeline_changed)
        timeline_action = QWidgetAction(self)
        timeline_action.setDefaultWidget(self.timeline)
        self.addAction(timeline_action)
        self.step_label = QLabel()
        self.step_label.setMinimumWidth(150)
        self.addWidget(self.step_label)

        session.frame.connect(self._on_session_frame)
        self._step_readout = Readout(session, self.step_label, self._update_step_label)
        self.scheduled_parts = (self._step_readout,)     # refreshed with the other readouts
        session.playing_changed.connect(self._on_session_playing_changed)
        session.ready.connect(self._on_session_ready)
        LANGUAGE.changed.connect(self._on_language_changed)
        self._on_speed_slider_changed(self.speed_slider.value())
        self.set_enabled(session.is_ready)
        self.retranslate()
        self._on_session_frame()

    def _spin(self, lo, hi, value, slot) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(lo, hi)
        spin.setValue(value)
        spin.setGroupSeparatorShown(True)
        spin.setMinimumWidth(90)
        spin.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        if slot is not None:
            spin.valueChanged.connect(slot)
        spin.editingFinished.connect(self.focus_released)
        return spin

    @property
    def transport_actions(self) -> list[QAction]:
        return [self.action_reset, self.action_back, self.action_step, self.action_step_n,
                self.action_play, self.action_home, self.action_end]

    def set_enabled(self, on: bool) -> None:
        for a in self.transport_actions:
            a.setEnabled(on)
        for w in (self.run_to_button, self.timeline):
            w.setEnabled(on)

    # --- texts ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(tr("Transport"))
        texts = [(self.action_reset, tr("Reset"), tr("Every run back to its start (R)")),
                 (self.action_back, tr("Step back"), tr("Show the previous step (←)")),
                 (self.action_step, tr("Step"), tr("One update forward (→)")),
                 (self.action_step_n, tr("Step ×N"), tr("N updates forward (Shift+→)")),
                 (self.action_home, tr("First step"), tr("Show step 0 (Home)")),
                 (self.action_end, tr("Last step"), tr("Show the newest step (End)"))]
        for a, text, tip in texts:
            a.setText(text)
            a.setToolTip(tip)
        self.n_spin.setPrefix("N = ")
        self.n_spin.setToolTip(tr("How many updates Step ×N takes"))
        self.speed_caption.setText(tr("Speed"))
        self.speed_slider.setToolTip(tr("Updates per frame while playing (logarithmic; right end: as fast as the engine goes)"))
        self.run_to_button.setText(tr("Run to step"))
        self.run_to_spin.setToolTip(tr("Train (or scrub) to this step"))
        self.timeline.setToolTip(tr("Scrub through the recorded history"))
        self._on_session_playing_changed(self.session.playing)
        self._on_speed_slider_changed(self.speed_slider.value())
        self._update_step_label()

    def _on_language_changed(self, _code: str) -> None:
        self.retranslate()

    # --- controls → session --------------------------------------------------------------------
    def _on_reset_triggered(self) -> None:
        self.session.reset()

    def _on_back_triggered(self) -> None:
        self.session.pause()
        self.session.step_back()

    def _on_step_triggered(self) -> None:
        self.session.pause()
        self.session.step(1)

    def _on_step_n_triggered(self) -> None:
        self.session.pause()
        self.session.step(self.n_spin.value())

    def _on_play_triggered(self) -> None:
        self.session.toggle_play()

    def _on_home_triggered(self) -> None:
        self.session.pause()
        self.session.set_cursor(0)

    def _on_end_triggered(self) -> None:
        self.session.set_cursor(self.session.head)

    def _on_n_spin_changed(self, n: int) -> None:
        self.session.step_n = n

    def _on_speed_slider_changed(self, pos: int) -> None:
        self.session.speed = speed_at(pos)
        self.speed_label.setText(speed_text(self.session.speed))

    def _on_run_to_clicked(self) -> None:
        self.session.pause()
        self.session.run_to(self.run_to_spin.value())

    def _on_timeline_changed(self, k: int) -> None:
        if self.session.cursor != k:
            self.session.pause()
            self.session.set_cursor(k)

    # --- session → controls --------------------------------------------------------------------
    def _on_session_frame(self) -> None:
        s = self.session
        self.timeline.blockSignals(True)
        self.timeline.setMaximum(s.head)
        self.timeline.setValue(s.cursor)
        self.timeline.setPageStep(max(1, s.head // 20))
        self.timeline.blockSignals(False)      # (the step label is a Readout: with the other readouts)

    def _update_step_label(self) -> None:
        text = tr("step {k} / {head}", k=f"{self.session.cursor:,}", head=f"{self.session.head:,}")
        stride = max((r.thin_stride for r in self.session.runs), default=1)
        if stride > 1:   # long runs keep the recent steps and every stride-th older one
            text += " · " + tr("older steps thinned: every {n}th kept", n=stride)
            self.step_label.setToolTip(tr("To bound memory, history before the most recent stretch keeps "
                                          "one step in {n}; scrubbing there snaps to a kept step.", n=stride))
        else:
            self.step_label.setToolTip("")
        self.step_label.setText(text)

    def _on_session_playing_changed(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.action_play.setIcon(self.style().standardIcon(icon))
        self.action_play.setText(tr("Pause") if playing else tr("Play"))
        self.action_play.setToolTip(tr("Pause (Space)") if playing else tr("Play (Space)"))

    def _on_session_ready(self) -> None:
        self.set_enabled(True)
