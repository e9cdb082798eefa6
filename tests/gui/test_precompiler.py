"""The window compiles the fast fixed kernels in a child process and never waits for them."""
from engine import kernels as K
from gui import precompiler as PC


def test_a_compile_runs_in_a_child_process_and_the_engine_looks_again(qtbot, monkeypatch, tmp_path, make_session):
    script = tmp_path / "fake_main.py"
    script.write_text("import sys, pathlib\npathlib.Path(sys.argv[0]).with_suffix('.ran').write_text(' '.join(sys.argv[1:]))\n")
    monkeypatch.setattr(PC, "MAIN", script)
    monkeypatch.setenv("DESCENT_PRECOMPILE", "1")
    s = make_session("opt4_1")
    monkeypatch.setattr(type(s.runs[0]), "fixed_kernel_ready", lambda self: False)
    K._NOT_READY.add(("marker",))
    pc = PC.Precompiler()
    with qtbot.waitSignal(pc.finished, timeout=20000) as sig:
        assert pc.request("opt4_1", s.runs)
        assert not pc.request("opt4_1", s.runs)          # already in progress: not twice
    assert sig.args == ["opt4_1"]
    assert script.with_suffix(".ran").read_text() == "precompile --preset opt4_1"
    assert ("marker",) not in K._NOT_READY and not pc.busy


def test_nothing_starts_when_ready_or_disabled(monkeypatch, make_session):
    s = make_session("opt4_1")
    pc = PC.Precompiler()
    monkeypatch.setenv("DESCENT_PRECOMPILE", "0")
    assert not pc.request("opt4_1", s.runs)
    monkeypatch.setenv("DESCENT_PRECOMPILE", "1")
    monkeypatch.setattr(type(s.runs[0]), "fixed_kernel_ready", lambda self: True)
    assert not pc.request("opt4_1", s.runs) and not pc.busy
