"""The window's "arithmetic" setting: TensorFlow float32 in the parameter tree retrains every run
in TF 1.x's float32, and the numbers the student reads are TF's own printout."""
from engine.tf32_setup import shortest


def test_tensorflow_float32_from_the_tree(window_on, qtbot):
    window = window_on("opt4_1")
    s, panel = window.session, window.parameters
    row = next(p for p in panel._walk(panel.root) if p.name() == "precision")
    assert row.opts["limits"] == {"float64": "float64", "TensorFlow float32": "float32"}
    row.setValue("float32")
    qtbot.waitUntil(lambda: all(r.config.precision == "float32" for r in s.runs), timeout=5000)
    assert all(r.step == 0 for r in s.runs)            # a change of arithmetic starts the runs again
    s.step(20000)
    qtbot.waitUntil(lambda: all(r.step == 20000 for r in s.runs), timeout=60000)
    final = {r.label: [shortest(v) for v in r.theta] for r in s.runs}
    assert final["gd"] == ["0.98019385", "1.0159807"]
    assert final["momentum"] == ["1.0043069", "0.9948299"]
    assert final["adam"] == ["1.0043191", "0.9948099"]
