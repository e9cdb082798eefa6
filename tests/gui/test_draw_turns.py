"""DrawTurns: while playing, the featured view draws in every frame but the one in which a slow
secondary view paints (it set its data the frame before); a quick secondary paints at once.
The clock is a fake one that a draw advances by its cost, so no outcome depends on the machine."""
from gui.draw_rate import DrawTurns


class Clock:
    t = 100.0

    def __call__(self):
        return self.t


CLOCK = Clock()


def _turns() -> DrawTurns:
    turns = DrawTurns()
    turns.clock = CLOCK
    return turns


class FakeView:
    def __init__(self, name, primary, cost_s=0.0):
        self.name, self.primary, self.cost_s = name, primary, cost_s
        self.play_hz = 60.0 if primary else 20.0
        self._last_draw = 0.0
        self.log = []

    def showing(self):
        return True

    def _draw_playing(self, now, hold=False):
        self._last_draw = now
        CLOCK.t += self.cost_s
        self.log.append("data+held" if hold else "draw")

    def _release_paint(self):
        self.log.append("paint")


def _frame(turns, views, now):
    for v in views:
        turns.want(v)
    turns.dispatch(now)


def test_a_slow_secondary_sets_data_beside_the_surface_and_paints_alone_next_frame():
    surface, loss = FakeView("surface", True), FakeView("loss", False, cost_s=0.003)
    turns = _turns()
    _frame(turns, [surface, loss], 10.0)
    assert loss.log == ["data+held"] and surface.log == ["draw"]
    _frame(turns, [surface, loss], 10.015)
    assert loss.log == ["data+held", "paint"] and surface.log == ["draw"]      # the surface waits
    _frame(turns, [surface, loss], 10.030)
    assert surface.log == ["draw", "draw"] and loss.log[-1] == "paint"         # loss not due yet


def test_a_quick_secondary_paints_in_its_own_frame():
    surface, net = FakeView("surface", True), FakeView("network", False)
    turns = _turns()
    _frame(turns, [surface, net], 5.0)
    assert net.log == ["data+held", "paint"] and surface.log == ["draw"]
    _frame(turns, [surface, net], 5.015)
    assert surface.log == ["draw", "draw"]


def test_stopping_play_releases_a_held_paint():
    surface, loss = FakeView("surface", True), FakeView("loss", False, cost_s=0.003)
    turns = _turns()
    _frame(turns, [surface, loss], 1.0)
    turns.clear()
    assert loss.log == ["data+held", "paint"]


class FakePanel:
    def __init__(self):
        self._last = 0.0
        self.refreshes = 0

    def refresh(self):
        self._last = CLOCK()
        self.refreshes += 1

    def showing(self):
        return self.on_screen

    on_screen = True


def test_panels_refresh_together_and_not_beside_a_secondary_setting_its_data():
    """Every readout of a frame names the same step: the panels refresh in one frame, together."""
    surface, loss = FakeView("surface", True), FakeView("loss", False, cost_s=0.003)
    status, inspector = FakePanel(), FakePanel()
    turns = _turns()
    for p in (status, inspector):
        turns.want_panel(p)
    _frame(turns, [surface, loss], CLOCK())       # loss sets its data: no panel
    assert loss.log == ["data+held"] and status.refreshes + inspector.refreshes == 0
    _frame(turns, [surface], CLOCK())                   # loss paints alone: both panels
    assert status.refreshes == inspector.refreshes == 1
    turns.want_panel(status)
    turns.want_panel(inspector)
    _frame(turns, [surface], CLOCK())                   # refreshed < 0.1 s ago: not yet
    assert status.refreshes == inspector.refreshes == 1


def test_a_view_or_panel_behind_another_tab_waits():
    surface, params = FakeView("surface", True), FakeView("params", False, cost_s=0.003)
    params.showing = lambda: False
    inspector = FakePanel()
    inspector.on_screen = False
    turns = _turns()
    for _ in range(3):
        turns.want_panel(inspector)
        _frame(turns, [surface, params], CLOCK())
    assert params.log == [] and inspector.refreshes == 0 and surface.log == ["draw"] * 3
