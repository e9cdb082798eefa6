"""Lessons in the window (offscreen): each shipped lesson driven from its first to its last step
through the panel, every question answered wrong and then right, and the feedback checked; the
layout comes back when the lesson ends; a broken file is a message, never a traceback."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from engine import lesson_checks as C
from engine import lessons as L
from gui.i18n import LANGUAGE, tr
from gui.lesson_menu import LESSON_KEYS, open_lesson
from tests.lesson_answers import answers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def win(window_on):
    return window_on("opt4_1")


def layout(window) -> list:
    """What a user sees of the dock layout: each panel's area, whether it is hidden or floating,
    the panels tabbed with it, and the size of each one on screen (saveState's bytes also keep
    stale sizes of hidden panels, which a restored layout does not reproduce)."""
    from PySide6.QtWidgets import QDockWidget
    out = []
    for d in sorted(window.findChildren(QDockWidget), key=lambda d: d.objectName()):
        on_screen = d.isVisible() and not d.visibleRegion().isEmpty()
        out.append((d.objectName(), window.dockWidgetArea(d).name, d.isHidden(), d.isFloating(),
                    sorted(t.objectName() for t in window.tabifiedDockWidgets(d)),
                    (d.width(), d.height()) if on_screen else None))
    return out


def plain(html: str) -> str:
    from PySide6.QtGui import QTextDocumentFragment
    return QTextDocumentFragment.fromHtml(html).toPlainText()


def feedback(window) -> str:
    return plain(window.lesson_panel.feedback.text())


def shown_text(texts) -> str:
    """A lesson text as the panel shows it (x^{2} raised): plain text."""
    from gui.lesson_panel import scripts_html
    return plain(scripts_html(texts.get("en")))


def answer_wrong_then_right(qtbot, window, step):
    """Answer through the panel's widgets; returns after checking the right answer."""
    panel, q, a = window.lesson_panel, step.question, answers(step)
    if q.kind == "task":
        panel.check_button.click()                       # the settings as the step left them: not done
        assert "✗" in feedback(window) and shown_text(q.wrong) in feedback(window)
        assert panel.solution_button.isVisible()
        panel.solution_button.click()
        panel.check_button.click()
    else:
        if q.kind == "choice":
            panel.choose(a.wrong)
        else:
            panel.number.setText(f"{a.wrong:.10g}")
        panel.check_button.click()
        assert "✗" in feedback(window) and shown_text(q.wrong) in feedback(window), feedback(window)
        if q.kind == "choice":                          # the keyboard: 1…9 picks, Ctrl+Return checks
            qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + a.right))
            assert panel.choice_buttons[a.right].isChecked()
        else:
            panel.number.setText(f"{a.right:.10g}")
        qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.lesson_runner.verdict.ok, window.lesson_runner.verdict.detail_text()
    assert "✓" in feedback(window) and shown_text(q.right) in feedback(window)
    if q.run_to is not None and q.kind != "task":
        assert window.session.cursor == q.run_to          # predict, then run


def check_state(window, step):
    s = window.session
    assert s.preset.name == step.preset
    if step.fresh:
        for path, value in step.settings.items():
            assert s.base.get(path) == value
        for label, values in step.run_settings.items():
            for path, value in values.items():
                assert s.run_config(label).get(path) == value
        if s.runs:
            assert s.cursor == (step.run_to or 0)
    if step.views is not None:
        shown = {k for k in L.VIEWS if not window.docks[f"view_{k}"][0].isHidden()}
        assert shown == set(step.views)
    controls = window.lesson_runner._controls()
    for name in step.hide:
        assert controls[name].isHidden(), name
    if step.shown_settings is not None and s.runs:
        paths = {path for path, _label in window.parameters._bindings.values()}
        assert paths and all(C.covers(step.shown_settings, p) for p in paths)


@pytest.mark.parametrize("name", list(L.all_lessons()))
def test_each_lesson_from_first_to_last_step(qtbot, win, name):
    lesson = L.all_lessons()[name]
    before = layout(win)
    assert open_lesson(win, name)
    panel, runner = win.lesson_panel, win.lesson_runner
    assert win.lesson_dock.isVisible()
    for i, step in enumerate(lesson.steps):
        assert runner.index == i
        assert f"Step {i + 1} of {len(lesson.steps)}" in plain(panel.header.text())
        assert step.text.get("en")[:40] in plain(panel.body.text())
        check_state(win, step)
        if step.question is not None:
            assert panel.question.isVisible()
            answer_wrong_then_right(qtbot, win, step)
        else:
            assert not panel.question.isVisible()
        if i + 1 < len(lesson.steps):
            panel.next_button.click()
    assert not panel.next_button.isEnabled()
    panel.back_button.click()
    assert runner.index == len(lesson.steps) - 2
    panel.close_button.click()
    assert not runner.active and win.lesson_dock.isHidden()
    qtbot.wait(1)
    assert layout(win) == before                       # the layout as it was


def test_keys_step_through_a_lesson_and_it_opens_in_chinese(qtbot, win):
    LANGUAGE.set("zh")
    assert open_lesson(win, "4.2")
    panel = win.lesson_panel
    lesson = win.lesson_runner.lesson
    assert "学习率" in plain(panel.header.text()) and lesson.steps[0].text.get("zh")[:20] in plain(panel.body.text())
    assert panel.next_button.text() == tr("Next ▶") != "Next ▶"
    qtbot.keyClick(win, LESSON_KEYS[0][0])            # Page Down
    assert win.lesson_runner.index == 1
    assert lesson.steps[1].question.prompt.get("zh") in plain(panel.prompt.text())
    panel.number.setText("−7")                         # a typographic minus is a minus
    panel.check()
    assert "✓" in feedback(win) and "引擎给出 -7" in feedback(win)
    LANGUAGE.set("en")                                  # switching keeps the answer, in the new language
    assert "The engine gives -7" in feedback(win)
    qtbot.keyClick(win, LESSON_KEYS[1][0])            # Page Up
    assert win.lesson_runner.index == 0


def test_a_broken_lesson_file_is_a_message_not_a_traceback(win, tmp_path):
    doc = json.loads((ROOT / "resources/lessons/4.2-learning-rate.json").read_text(encoding="utf-8"))
    doc["steps"][1]["preset"] = "opt9"
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    messages = []
    win.session.message.connect(lambda level, text: messages.append((level, text)))
    assert not open_lesson(win, str(path))
    assert messages == [("error", messages[0][1])] and "lesson mine.json, step 2, field preset" in messages[0][1]
    assert not win.lesson_runner.active


def test_a_lesson_opens_from_the_menu_and_a_teachers_file(win, tmp_path):
    entries = [a for a in win.lessons_menu.actions() if a.text()[:3] in ("4.1", "4.2", "4.3", "4.4")]
    assert [a.text().split()[0] for a in entries] == ["4.1", "4.2", "4.3", "4.4"]
    entries[3].trigger()
    assert win.lesson_runner.lesson.section == "4.4" and win.session.preset.name == "opt4_7"
    mine = tmp_path / "my-lesson.json"
    mine.write_text((ROOT / "resources/lessons/4.3-moving-average.json").read_text(encoding="utf-8"), encoding="utf-8")
    assert open_lesson(win, str(mine))
    assert win.lesson_runner.lesson.path == str(mine.resolve())
    win.action_close_lesson.trigger()
    assert not win.lesson_runner.active


def test_tasks_show_only_the_settings_they_allow(win):
    open_lesson(win, "4.2")
    win.lesson_runner.enter(3)
    params = win.parameters
    assert params.param_for("optimizer.lr", "lr-0.0001") is not None
    assert params.param_for("optimizer.name", "lr-0.0001") is None and params.param_for("steps") is None
    params.param_for("optimizer.lr", "lr-0.0001").setValue(0.5)     # the student's edit, in the tree
    win.lesson_panel.check()
    assert win.lesson_runner.verdict.ok
    win.lesson_runner.stop()
    assert params.param_for("optimizer.name", "lr-0.0001") is not None   # the whole tree again


def test_command_line_lesson_errors_are_one_line(tmp_path):
    res = subprocess.run([sys.executable, str(ROOT / "main.py"), "--lesson", "4.9"], capture_output=True,
                         text=True, cwd=ROOT, timeout=120, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "unknown lesson '4.9'" in res.stderr
    assert "Traceback" not in res.stderr


def test_views_and_controls_a_lesson_may_name_are_the_windows(win):
    from gui.views import VIEW_CLASSES
    assert set(L.VIEWS) == set(VIEW_CLASSES)
    open_lesson(win, "4.1")
    assert set(win.lesson_runner._controls()) == set(L.CONTROLS)


def test_a_decision_view_resized_mid_preset_switch_has_a_shape():
    """Moving docks while a preset without runs loads resized the decision view with no runs:
    grid_shape(0, …) divided by zero inside resizeEvent, which took PySide down."""
    from gui.views.decision_view import grid_shape
    assert grid_shape(0, 300, 300) == (1, 1)


def test_checking_before_answering_says_what_to_do_and_runs_nothing(win):
    open_lesson(win, "4.2")
    panel, runner = win.lesson_panel, win.lesson_runner
    runner.enter(1)                                     # a number, predict-then-run
    panel.number.setText("  ")
    panel.check()
    q = runner.step.question
    assert win.session.cursor == 0 and not runner.verdict.ok
    assert feedback(win) == "Type a number first." and q.wrong.get("en") not in feedback(win)
    runner.enter(2)                                     # a choice, none picked
    panel.check()
    assert feedback(win) == "Pick one of the answers first." and win.session.cursor == 0
