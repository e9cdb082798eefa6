"""A first launch that teaches (offscreen): the welcome card and its dismissal for good, the Help
menu's shortcut list and About, a tooltip on every row of the setup tree from the config's own
field docs, the Guide shown first and saying how far to run, with a button that runs there."""
from __future__ import annotations

from PySide6.QtCore import Qt

from engine import lesson_checks as C
from engine import presets as P
from gui import help_menu as H
from gui import welcome as W
from gui.guide_panel import SECTIONS
from gui.i18n import LANGUAGE, tr
from gui.lesson_menu import LESSON_KEYS
from gui.parameter_panel import LEAVES


def test_the_welcome_card_teaches_the_keys_and_goes_for_good(qtbot, window_on):
    window = window_on()
    assert W.show_if_first_launch(window)
    card = window.welcome
    assert card.isVisible()
    text = card.body.text()
    for key in ("Space", "→", "←", "Shift+→", "R"):
        assert f"<b>{key}</b>" in text
    assert "chapter" in text and card.start_button.text() == "Start lesson 4.1"
    qtbot.keyClick(window, Qt.Key.Key_Escape)          # Esc (or either button) closes it for good
    assert not card.isVisible() and W.dismissed()
    again = window_on()
    assert not W.show_if_first_launch(again) and not again.welcome.isVisible()
    again.action_welcome = again.help.welcome_action
    again.action_welcome.trigger()                     # Help → Welcome brings it back
    assert again.welcome.isVisible()
    again.welcome.start_button.click()
    assert not again.welcome.isVisible()
    assert again.lesson_runner.active and again.lesson_runner.lesson.section == "4.1"


def test_help_lists_the_keyboard_shortcuts_from_the_actions(window_on):
    window = window_on()
    keys = dict(H.shortcuts(window))
    for key, what in (("Space", "Play"), ("Right", "Step"), ("Left", "Step back"), ("Shift+Right", "Step ×N"),
                      ("R", "Reset"), ("F11", "Presenter mode"), ("PgDown", "Lesson: next step"),
                      ("F1", "Keyboard shortcuts"), ("1 … 9", "Lesson: pick an answer")):
        assert keys.get(key) == what, (key, keys)
    dialog = H.show_shortcuts(window)
    assert dialog.isVisible() and "Presenter mode" in dialog.label.text()
    LANGUAGE.set("zh")
    dialog.refresh()
    assert tr("Presenter mode") in dialog.label.text() and dialog.windowTitle() == tr("Keyboard shortcuts")
    dialog.close()


def test_about_names_the_version_the_licence_and_the_chapter(window_on):
    window = window_on()
    box = H.show_about(window)
    text = box.text()
    assert f"Descent {H.version()}" in text and H.version() not in ("", "?")
    assert "Licence:" in text and "chapter 4" in text and "神经网络优化" in text
    box.close()


def test_every_setting_row_has_its_field_doc_as_tooltip(window_on):
    window = window_on()
    for preset in ("opt4_1", "opt4_7", "opt4_8", "decay-stepped-vs-smooth"):
        window.session.load_preset(preset)
        panel = window.parameters
        rows = list(panel._walk(panel.root))
        assert rows
        for param in rows:
            tip = param.opts.get("tip", "")
            items = list(param.items)
            assert tip and items, param.name()
            for item in items:
                assert item.toolTip(0) == tip and item.toolTip(1) == tip
            path = param.name()
            if path in LEAVES:
                assert tip.startswith(tr(LEAVES[path].metadata["doc"]))
    lr = window.parameters.param_for("optimizer.lr", "gd")
    assert lr is None or "allowed: (0, 10000]" in lr.opts["tip"]


def test_the_guide_comes_first_and_runs_to_the_chapters_claim(qtbot, window_on):
    window = window_on("opt4_4")
    assert not window.guide_dock.visibleRegion().isEmpty()        # in front of the setup tab
    guide = window.guide
    assert "How far to run" in guide.browser.toPlainText()
    assert guide.run_button.isVisible() and guide.run_button.text() == "Run to step 40"
    guide.run_button.click()
    assert window.session.cursor == window.session.head == 40
    window.session.load_preset("opt4_7")
    assert guide.run_button.text() == "Run to step 40,000"
    assert "40,000" in guide.browser.toPlainText() and "3,000" in guide.browser.toPlainText()
    window.session.load_preset("opt4_6")                           # a scripted demo: nothing to run
    assert not guide.run_button.isVisible() and "Run the chapter's script" in guide.browser.toPlainText()
    LANGUAGE.set("zh")
    assert tr("How far to run") in guide.browser.toPlainText()


def test_the_data_driven_texts_have_chinese():
    """Texts translated from tables, which the tr() literal scan of test_i18n cannot see."""
    table = LANGUAGE.table("zh")
    texts = list(C.DETAILS) + list(C.QUANTITY_NAMES.values()) + list(C.OPS.values())
    texts += [what for _k, what in W.KEYS] + [text for _k, text in LESSON_KEYS] + [h for _k, h in SECTIONS]
    texts += ["Lesson"]
    missing = [t for t in texts if t not in table]
    assert not missing, missing
    assert all(p in P.all_presets() for p in ("opt4_1", "opt4_7"))
