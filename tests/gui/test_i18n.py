"""Every interface string has its Chinese text, and switching the language at run time changes the
texts already on screen: controls, axes, legends, titles, messages, range errors (naming the field
as the panel labels it, with the value typed), and Qt's own dialogs."""
import ast
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest

from engine import presets as P
from engine.config import Config
from engine.registry import ACTIVATIONS, LOSSES, OPTIMIZERS, REGULARIZERS
from engine.session import TEMPLATES as SESSION_TEMPLATES
from gui.field_names import SECTIONS, TITLES
from gui.i18n import LANGUAGE, install_qt_translation, tr

GUI = Path(__file__).resolve().parents[2] / "gui"
TEMPLATES = ("{field} = {value} is out of range (allowed: {allowed})",
             "{field}: unknown value {value} (allowed: {allowed})",
             "{field} = {value} is not a finite number", "{field}: {value} is not a valid {kind}")


def literals() -> dict[str, str]:
    """Every literal handed to tr() or a view's _text() in gui/, with the file it is in."""
    found = {}
    for path in GUI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            args = node.args[:1] if name == "tr" else node.args[1:3] if name == "_text" else []
            for a in args:
                if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value:
                    found.setdefault(a.value, path.name)
    return found


def dynamic_texts() -> list[str]:
    """Texts translated from data: setting names and docs, presets, registry labels, view and
    panel titles, the range-error templates."""
    from gui.views import VIEW_CLASSES
    out = list(TITLES.values()) + [t for _, t in SECTIONS] + list(TEMPLATES) + list(SESSION_TEMPLATES)
    out += [p.description for p in P.all_presets().values()]
    out += [c.label for reg in (ACTIVATIONS, LOSSES, OPTIMIZERS, REGULARIZERS) for c in reg.values()]
    out += [title for title, _ in VIEW_CLASSES.values()] + ["Setup", "Guide", "Inspector", "Messages"]

    def docs(obj):
        for f in fields(obj):
            value = getattr(obj, f.name)
            if is_dataclass(value):
                docs(value)
            elif f.metadata.get("doc"):
                out.append(f.metadata["doc"])
    docs(Config())
    return out


def test_every_interface_string_has_chinese():
    table = LANGUAGE.table("zh")
    found = literals()
    assert len(found) > 150
    missing = sorted(f"{where}: {text}" for text, where in found.items() if text not in table)
    missing += sorted(f"(data): {text}" for text in dynamic_texts() if text not in table)
    assert not missing, "\n".join(missing)


@pytest.fixture
def window(qtbot, make_session):
    from gui.main_window import MainWindow
    s = make_session("opt4_7")
    w = MainWindow(s)
    qtbot.addWidget(w)
    w.show()
    yield w
    LANGUAGE.set("en")
    w.close()


def test_switching_the_language_changes_what_is_on_screen(qtbot, window):
    s = window.session
    loss = window.views["loss"]
    s.step(20)
    assert loss.log_box.text() == "log y"
    LANGUAGE.set("zh")
    qtbot.wait(10)
    zh = LANGUAGE.table("zh")
    assert loss.log_box.text() == zh["log y"]
    assert loss.pi.getAxis("bottom").labelText == zh["step (updates)"]
    assert any(zh["{label} (data loss)"].format(label="l2") in text for text in loss.legend.labels())
    surface = window.views["surface"]
    assert surface.pi.getAxis("bottom").labelText == zh["α (1st principal direction)"]
    assert window.docks["view_loss"][0].windowTitle() == zh["Loss"]
    assert window.transport.action_play.text() == zh["Play"]
    decision = window.views["decision"]
    decision.wait_for_maps()
    qtbot.waitUntil(lambda: decision.shown is not None)
    assert "%" in decision._plots[0]["pi"].titleLabel.text
    assert "accuracy" not in decision._plots[0]["pi"].titleLabel.text


def test_a_refused_value_names_the_field_and_the_value_typed(qtbot, window):
    messages = []
    window.session.message.connect(lambda level, text: messages.append((level, text)))
    LANGUAGE.set("zh")
    param = window.parameters.param_for("optimizer.lr", "mse")
    param.setValue(-1.0)
    qtbot.wait(10)
    level, text = messages[-1]
    assert level == "error"
    assert text.startswith(tr("run “{label}”", label="mse") + " · " + tr("learning rate") + " = -1 ")
    assert "(0, 10000]" in text and "超出范围" in text
    assert window.session.run_config("mse").optimizer.lr == 0.0001     # nothing changed
    assert param.value() == pytest.approx(0.0001)                     # the panel shows the engine's value


def test_qt_dialogs_follow_the_language(qapp):
    from PySide6.QtCore import QCoreApplication
    assert install_qt_translation("zh")
    try:
        assert QCoreApplication.translate("QFileDialog", "&Open") != "&Open"
    finally:
        install_qt_translation("en")
    assert QCoreApplication.translate("QFileDialog", "&Open") == "&Open"
