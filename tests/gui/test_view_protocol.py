"""Every view is a gui.view_protocol.View, named by its own key and title; the export asks views
only through it (no attribute probing), and no gui file reads private engine names."""
import ast
from pathlib import Path

import pytest

from gui.view_protocol import View, is_view
from gui.views import VIEW_CLASSES, VIEWS

GUI = Path(__file__).resolve().parents[2] / "gui"


def test_the_registry_is_built_from_the_classes():
    assert list(VIEW_CLASSES) == [cls.key for cls in VIEWS]
    assert all(VIEW_CLASSES[cls.key] == (cls.title, cls) for cls in VIEWS)
    assert len(set(VIEW_CLASSES)) == len(VIEWS) and all(cls.title for cls in VIEWS)


@pytest.mark.parametrize("key", [k for k in VIEW_CLASSES if k != "surface3d"])
def test_every_view_is_a_view(qtbot, make_session, key):
    v = VIEW_CLASSES[key][1](make_session("opt4_7"))
    qtbot.addWidget(v)
    assert is_view(v) and isinstance(v, View)
    assert v.key == key and not v.uses_gl and v.available
    v.draw()
    qtbot.waitUntil(lambda: not v.busy, timeout=30000)
    assert isinstance(v.view_data(), dict) and isinstance(v.empty_text, str)
    v.fit_view()
    v.shutdown()


def test_a_label_is_no_view(qtbot):
    from PySide6.QtWidgets import QLabel
    assert not is_view(QLabel("x"))


def test_no_gui_file_reads_private_engine_names_or_the_kernels():
    bad = []
    for path in GUI.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names]
                mod = node.module if isinstance(node, ast.ImportFrom) else ""
                if mod in ("engine.kernels", "engine.codes") or "engine.kernels" in names or \
                        (mod == "engine" and {"kernels", "codes"} & set(names)):
                    bad.append(f"{path.name}: imports {mod or names}")
                if mod and mod.startswith("engine") and any(n.startswith("_") for n in names):
                    bad.append(f"{path.name}: imports a private name from {mod}")
            if isinstance(node, ast.Attribute) and node.attr in ("_spec", "_h", "_advance_all", "_interrupt"):
                bad.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert not bad, "\n".join(bad)


def test_the_export_does_not_probe_views():
    text = (GUI / "export.py").read_text(encoding="utf-8")
    assert "getattr(view" not in text and "_later" not in text and "runner" not in text
