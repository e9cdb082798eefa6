"""Draw rate for panels that are not plot views (inspector, status bar): refresh on every frame
while stepping or scrubbing, at most every ``PLAYING_INTERVAL_S`` while playing, once when play
stops.  Plot views get the same policy, plus staggering and hidden-tab skipping, from ViewBase."""
from __future__ import annotations

import time

PLAYING_INTERVAL_S = 0.1


class RefreshWhilePlaying:
    """Mixin for a widget with ``session`` and ``refresh()``; ``refresh`` must set ``_last`` to
    ``time.perf_counter()`` when it redraws.  Connect the session's frame and playing_changed
    signals to the two slots below."""

    _last = 0.0

    def _on_session_frame(self) -> None:
        if self.session.playing and time.perf_counter() - self._last < PLAYING_INTERVAL_S:
            return
        self.refresh()

    def _on_session_playing_changed(self, playing: bool) -> None:
        if not playing:
            self.refresh()
