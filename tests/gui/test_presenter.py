"""Presenter mode (offscreen): F11 hides the setup and the secondary panels, menus and toolbars,
enlarges the type, shows a big step counter, and the keyboard keeps driving the runs and the
lesson; F11 or Esc gives back the exact layout."""
from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from gui.lesson_menu import open_lesson
from tests.gui.test_lessons_window import layout


@pytest.fixture
def win(window_on):
    return window_on("opt4_4")


def shell(window) -> tuple:
    return (layout(window), window.menuBar().isHidden(), window.transport.isHidden(), window.statusBar().isHidden(),
            window.isFullScreen(), window.geometry().getRect())


def tick_size(window) -> int:
    axes = [i for v in window.findChildren(pg.GraphicsView) if v.scene() is not None
            for i in v.scene().items() if isinstance(i, pg.AxisItem) and i.isVisible()]
    fonts = [a.style.get("tickFont") for a in axes]
    return max((f.pointSize() for f in fonts if f is not None), default=0)


def test_f11_presents_and_esc_gives_the_layout_back(qtbot, win):
    before, small = shell(win), tick_size(win)
    qtbot.keyClick(win, Qt.Key.Key_F11)
    p = win.presenter
    assert p.active and win.isFullScreen()
    assert win.setup_dock.isHidden() and win.guide_dock.isHidden() and win.inspector_dock.isHidden()
    assert win.menuBar().isHidden() and win.transport.isHidden() and win.statusBar().isHidden()
    shown = [d for d in win.view_docks if not d.isHidden()]
    assert 1 <= len(shown) <= 2 and win.view_docks[0] in shown
    assert tick_size(win) > small                                  # large type
    assert p.counter.isVisible() and "step 0" in p.counter.text()
    qtbot.keyClick(win, Qt.Key.Key_Right)                          # the keys still drive the runs
    qtbot.keyClick(win, Qt.Key.Key_Right)
    assert win.session.cursor == 2 and "step 2" in p.counter.text() and "lr-1: loss 36" in p.counter.text()
    qtbot.keyClick(win, Qt.Key.Key_Escape)
    assert not p.active and not p.counter.isVisible()
    qtbot.wait(1)
    assert shell(win) == before and tick_size(win) == small        # exactly as it was
    win.view_menu.actions()[-1].trigger()                          # the View menu's entry does the same
    assert p.active and p.action.isChecked()
    qtbot.keyClick(win, Qt.Key.Key_F11)
    assert not p.active and shell(win) == before


def test_presenting_a_lesson_keeps_the_lesson_and_its_keys(qtbot, win):
    assert open_lesson(win, "4.2")
    qtbot.wait(1)                                    # the lesson's layout settles
    before = shell(win)
    win.presenter.enter()
    assert win.lesson_dock.isVisible() and win.setup_dock.isHidden()
    assert win.lesson_panel.scale > 1
    qtbot.keyClick(win, Qt.Key.Key_PageDown)
    assert win.lesson_runner.index == 1
    qtbot.keyClick(win, Qt.Key.Key_PageUp)
    assert win.lesson_runner.index == 0
    win.presenter.leave()
    qtbot.wait(1)
    assert shell(win) == before and win.lesson_panel.scale == 1.0


def test_closing_while_presenting_saves_the_users_layout(window_on, win):
    before = layout(win)
    win.presenter.enter()
    win.close()
    assert not win.presenter.active
    again = window_on("opt4_4")
    assert not again.setup_dock.isHidden() and not again.menuBar().isHidden()
    assert [row[:5] for row in layout(again)] == [row[:5] for row in before]
