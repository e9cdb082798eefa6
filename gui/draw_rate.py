"""Draw rate while playing.  Panels that are not plot views (inspector, status bar, the step
counter, the rate view's formula: every readout that prints the step) refresh on every frame
while stepping or scrubbing, together at most every ``PLAYING_INTERVAL_S`` while playing, once
when play stops — all in the same frame, so every number on screen names the same step.  Plot
views get the same policy from ViewBase, plus hidden-tab skipping and turns (``DrawTurns``): the
featured view draws in every frame a secondary view does not take; panels refresh in frames
where no secondary view sets its data.

The window owns the one ``DrawTurns`` (``adopt`` hands it to each view and panel, as
``draw_turns``) and dispatches it on the session's ``ticked``; a view or panel without one (on its
own, as in a test) draws in every frame."""
from __future__ import annotations

import time
import weakref

PLAYING_INTERVAL_S = 0.1
SECONDARY_EVERY_S = 0.025   # a secondary view takes at most every other frame (15 ms ticks)
CHEAP_S = 0.0015            # a secondary update this quick paints in its own frame


class Scheduled:
    """Something that draws while playing: ``draw_turns`` is the window's DrawTurns (set by
    ``DrawTurns.adopt``, which also adopts the readouts in ``scheduled_parts``); None: it draws in
    every frame."""

    draw_turns: DrawTurns | None = None
    scheduled_parts: tuple = ()


class OnScreen:
    """Mixin for a QWidget: ``showing()``, whether anything of it is on screen."""

    def showing(self) -> bool:
        """Shown and not entirely covered (a dock behind another dock's tab is "visible" to Qt
        but has nothing to paint on)."""
        return self.isVisible() and not self.visibleRegion().isEmpty()


class DrawTurns:
    """Which plot views draw in a frame while playing.

    Every view marks itself wanted when a frame arrives; after the frame (the session's
    ``ticked``) the window calls ``dispatch``.  The featured view (``primary``) draws in every frame.  A secondary view that is
    due (on screen, its own ``play_hz`` interval passed; the longest-waiting first, at most every
    other frame) sets its data in a frame beside it and paints in the next frame, which it has
    alone (the featured view waits a frame).  So no frame pays for two plots: measured here, the
    surface cost ~9 ms to update and paint and a curve view 7–10 ms (before the backdrop and
    cheaper markers), and both in one frame missed the 16 ms budget.  Panels refresh in frames
    where no secondary view sets its data.  A view that did not draw stays dirty and draws when
    play stops or it is shown."""

    clock = staticmethod(time.perf_counter)      # the time source (the tests give a fake one)

    def __init__(self):
        self._wanting: weakref.WeakValueDictionary[int, object] = weakref.WeakValueDictionary()
        self._panels: weakref.WeakValueDictionary[int, object] = weakref.WeakValueDictionary()
        self._last_secondary = float("-inf")
        self._last_panels = float("-inf")
        self._held = None                        # a secondary view updated with its paint held
        self.draws: dict[str, int] = {}          # per view class, while playing (the benchmark reads it)

    def adopt(self, obj) -> None:
        """``obj`` (a view, a panel, a Scheduled widget) and its readouts draw in turns from now on."""
        obj.draw_turns = self
        for part in obj.scheduled_parts:
            self.adopt(part)

    def want(self, view) -> None:
        self._wanting[id(view)] = view

    def want_panel(self, panel) -> None:
        """A panel (``RefreshWhilePlaying``) with news to show; refreshed by ``dispatch``."""
        self._panels[id(panel)] = panel

    def clear(self) -> None:
        self._wanting.clear()
        self._panels.clear()
        self._release_held()

    def _refresh_panel(self, now: float) -> None:
        """Every panel with news refreshes, all in this frame (so the readouts agree on the
        step), at most every PLAYING_INTERVAL_S (together they cost ~2–3 ms)."""
        if now - self._last_panels < PLAYING_INTERVAL_S:
            return
        due = [p for p in list(self._panels.values()) if _showing(p)]
        if not due:
            return
        self._last_panels = now
        for p in due:
            self._panels.pop(id(p), None)
            try:
                p.refresh()
            except RuntimeError:      # its widget is gone
                pass

    def _release_held(self) -> bool:
        """Let the view whose paint was held paint now; False when there was none."""
        held, self._held = self._held, None
        if held is None:
            return False
        try:
            held._release_paint()
        except RuntimeError:      # its widget is gone
            pass
        return True

    def dispatch(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        views = []
        for key, v in list(self._wanting.items()):
            try:
                if v.showing():          # not a view behind another tab
                    views.append(v)
            except RuntimeError:          # its widget is gone
                self._wanting.pop(key, None)
        if self._release_held():      # last frame set its data with painting held: it paints now, alone
            self._refresh_panel(now)
            return
        due = [v for v in views if not v.primary and now - v._last_draw >= 1.0 / v.play_hz]
        if due and now - self._last_secondary >= SECONDARY_EVERY_S:
            # its data now, beside the featured view; its paint next frame, alone — unless the
            # update was cheap (a static or message-only view): then it paints in this frame
            v = min(due, key=lambda v: v._last_draw)
            self._last_secondary = now
            t = self.clock()
            self._draw(v, now, hold=True)
            if self.clock() - t < CHEAP_S:
                v._release_paint()
            else:
                self._held = v
        else:
            self._refresh_panel(now)
        for v in views:
            if v.primary:
                self._draw(v, now)

    def _draw(self, v, now: float, hold: bool = False) -> None:
        self._wanting.pop(id(v), None)
        name = type(v).__name__
        self.draws[name] = self.draws.get(name, 0) + 1
        v._draw_playing(now, hold)


def _showing(widget) -> bool:
    try:
        return widget.showing()
    except RuntimeError:       # its widget is gone
        return False


class RefreshWhilePlaying(Scheduled, OnScreen):
    """Mixin for a widget with ``session`` and ``refresh()``; ``refresh`` must set ``_last`` to
    ``time.perf_counter()`` when it redraws.  ``follow(session)`` connects the session's frame
    and playing_changed signals (and ready) to the two slots below; a panel refreshes when shown."""

    _last = 0.0

    def follow(self, session, ready: bool = True) -> None:
        session.frame.connect(self._on_session_frame)
        if ready:
            session.ready.connect(self._on_session_frame)
        session.playing_changed.connect(self._on_session_playing_changed)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override (the panels are QWidgets)
        super().showEvent(event)
        try:
            self.refresh()
        except Exception:  # noqa: BLE001 - an exception here would take the window down
            pass

    def _on_session_frame(self) -> None:
        if self.session.playing and self.draw_turns is not None:   # refreshed in a light frame
            self.draw_turns.want_panel(self)
            return
        self.refresh()

    def _on_session_playing_changed(self, playing: bool) -> None:
        if not playing:
            self.refresh()


class Readout(RefreshWhilePlaying):
    """A readout that prints the step, refreshed as a panel (with every other readout, in the
    same frame, while playing): ``fn`` sets the text; ``widget`` is the one on screen."""

    def __init__(self, session, widget, fn):
        self.session, self._widget, self._fn = session, widget, fn
        self.follow(session, ready=False)

    def showing(self) -> bool:
        return self._widget.isVisible() and not self._widget.visibleRegion().isEmpty()

    def refresh(self) -> None:
        import time
        self._last = time.perf_counter()
        self._fn()
