"""The status bar: step, loss and rate per run, the engine's steps per second, messages, and the
first-launch progress while the kernels compile in the background (which kernel, how many done).

Nothing in it sets a width from its text: every label elides (the whole text is its tooltip), so
neither many runs nor a long message widen the window.  Every message is also kept in ``log``
(the Messages panel lists them); clicking the message asks for that panel (``log_requested``)."""
from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QProgressBar, QStatusBar, QWidget

from gui.draw_rate import RefreshWhilePlaying
from gui.i18n import LANGUAGE, tr
from gui.style import run_colour
from gui.widgets import ElidedLabel, SegmentsLabel

MESSAGE_MS = 6000
LEVEL_COLOURS = {"error": "#C00000", "warning": "#B35900", "diverged": "#B35900", "info": "#202020"}


class StatusBar(RefreshWhilePlaying, QStatusBar):
    logged = Signal(str, str)        # (level, text): a message was added to the log
    log_requested = Signal()         # the message label was clicked: show the Messages panel

    def __init__(self, session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.log: list[tuple[float, str, str]] = []    # (time.time(), level, text), every message
        self.runs_label = SegmentsLabel()
        self.rate_label = ElidedLabel()
        self.sticky_label = ElidedLabel()     # divergence: stays until the runs restart
        self.sticky_label.setStyleSheet(f"color: {LEVEL_COLOURS['warning']};")
        self.sticky_label.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)          # indeterminate
        self.progress.setMaximumWidth(120)
        self.progress_label = ElidedLabel()
        self.message_label = ElidedLabel()
        self.message_label.mousePressEvent = lambda _e: self.log_requested.emit()
        self.message_timer = QTimer(self)
        self.message_timer.setSingleShot(True)
        self.message_timer.setInterval(MESSAGE_MS)
        self.message_timer.timeout.connect(self._on_message_timer_timeout)
        self.addWidget(self.runs_label, 5)
        self.addPermanentWidget(self.message_label, 3)
        self.addPermanentWidget(self.sticky_label, 3)
        self.addPermanentWidget(self.progress_label, 2)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.rate_label, 1)
        self._last = 0.0
        session.frame.connect(self._on_session_frame)
        session.message.connect(self._on_session_message)
        session.ready.connect(self._on_session_ready)
        session.compile_progress.connect(self._on_session_compile_progress)
        session.compiled.connect(self._on_session_compiled)
        self._compiling: tuple[str, int, int] | None = None   # (kernel, done, total) while compiling
        session.rebuilt.connect(self._on_session_rebuilt)
        session.playing_changed.connect(self._on_session_playing_changed)
        LANGUAGE.changed.connect(self._on_language_changed)
        self._show_progress()
        self.refresh()

    def _show_progress(self) -> None:
        on = self._compiling is not None
        self.progress.setVisible(on)
        self.progress_label.setVisible(on)
        if on:
            kernel, done, total = self._compiling
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress_label.setText(tr("First launch: compiling the engine ({done}/{total}: {kernel})",
                                           kernel=kernel, done=done, total=total))
            self.progress_label.setToolTip(tr("numba compiles the engine's kernels once, in the background; until "
                                              "each is ready, numpy trains and draws (same numbers, slower)"))

    def refresh(self) -> None:
        s = self.session
        self._last = time.perf_counter()
        parts: list[tuple[str | None, str]] = []
        for i, r in enumerate(s.runs):
            k = min(s.cursor, r.step)
            text = tr("{label}: step {k}", label=r.label, k=f"{k:,}")
            if s.is_ready:
                loss = float(r.losses([k])[0])
                text += " · " + tr("loss {loss}", loss=f"{loss:.5g}")
            if k >= 1:
                text += " · " + tr("lr {lr}", lr=f"{float(r.lr_history[r.rows([k])[0]]):.4g}")
            parts.append((run_colour(i), text))
        if not parts:
            parts.append((None, tr("step {k}", k=s.cursor)))
        self.runs_label.set_segments(parts)
        self.rate_label.setText(tr("{rate} steps/s", rate=f"{s.steps_per_second:,.0f}"))
        if not any(r.diverged_at is not None for r in s.runs):
            self.sticky_label.hide()

    def show_text(self, level: str, text: str) -> None:
        self._log(level, text)
        colour = LEVEL_COLOURS.get(level, LEVEL_COLOURS["info"])
        self.message_label.setStyleSheet(f"color: {colour};")
        self.message_label.setText(text)
        self.message_label.setToolTip(text + "\n" + tr("(click: every message)"))
        self.message_timer.start()

    def _log(self, level: str, text: str) -> None:
        self.log.append((time.time(), level, text))
        self.logged.emit(level, text)

    def stop(self) -> None:
        self.message_timer.stop()

    def _on_message_timer_timeout(self) -> None:
        self.message_label.clear()

    # --- session -------------------------------------------------------------------------------
    def _on_session_message(self, level: str, text: str) -> None:
        if level == "diverged":
            self._log(level, text)
            self.sticky_label.setText(text)
            self.sticky_label.show()
        else:
            self.show_text(level, text)

    def _on_session_ready(self) -> None:
        self.refresh()

    def _on_session_compile_progress(self, kernel: str, done: int, total: int) -> None:
        self._compiling = (kernel, done, total)
        self._show_progress()

    def _on_session_compiled(self) -> None:
        self._compiling = None
        self._show_progress()

    def _on_session_rebuilt(self) -> None:
        self.sticky_label.hide()

    def _on_language_changed(self, _code: str) -> None:
        self._show_progress()
        self.refresh()
