"""A data set of the user's own from a CSV file; malformed files are refused with a reason."""
import numpy as np
import pytest

from gui.main_window import MainWindow
from gui.session import Session


@pytest.fixture
def window(qtbot, settings_tmp):
    s = Session("opt4_7")
    s.warm_up_blocking()
    w = MainWindow(s)
    qtbot.addWidget(w)
    yield w
    s.shutdown()


def test_loading_a_csv_trains_on_it(window, tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randn(50, 2)
    y = (X[:, 0] > X[:, 1]).astype(int)
    path = tmp_path / "mine.csv"
    path.write_text("a,b,label\n" + "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, y)))
    assert window.load_data(str(path))
    s = window.session
    assert all(r.problem.n == 50 and r.problem.dataset.kind == "binary" for r in s.runs)
    s.step(20)
    assert all(r.step == 20 for r in s.runs)


@pytest.mark.parametrize("text,needle", [("", "at least 2 data rows"), ("1,2\n3,4\n", "expected 3 numbers"),
                                         ("1,2,3\n1,2,x\n4,5,6\n", "expected 3 numbers"),
                                         ("1,2,nan\n3,4,1\n", "non-finite")])
def test_a_malformed_csv_is_refused_and_the_data_kept(window, tmp_path, text, needle):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    messages = []
    window.session.message.connect(lambda level, t: messages.append(t))
    assert not window.load_data(str(path))
    assert any(needle in m for m in messages), messages
    assert all(r.problem.dataset.name == "circle" for r in window.session.runs)


def test_inspector_shows_where_clipping_zeroes_the_gradient(qtbot, settings_tmp):
    from engine import explain
    s = Session("ce-clipping")
    s.warm_up_blocking()
    w = MainWindow(s)
    qtbot.addWidget(w)
    w.show()
    w.inspector_dock.raise_()
    w.inspector.run_combo.setCurrentText("clipped-ce")
    s.step(1)
    w.inspector.refresh(force=True)
    run = s.comparison.run("clipped-ce")
    clipped, total = explain.clipped_targets(run.problem, run._spec, run.theta_history[0], (0, 30))
    assert clipped > 0
    assert f"{clipped} of the batch's {total} targets have p < 1e-12" in w.inspector.summary.text()
    s.shutdown()
