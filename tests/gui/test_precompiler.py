"""The window compiles the engine (on a first launch) and the fast fixed kernels in child processes
and never waits for them."""
import pytest

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


def test_a_first_launch_compiles_in_a_child_and_each_kernel_serves_as_it_lands(qtbot, monkeypatch, tmp_path):
    from engine import backend, warmup
    script = tmp_path / "fake_main.py"     # prints what `main.py precompile --engine` prints, and
    script.write_text("import sys, pathlib\n"   # marks each kernel as in the cache before saying so
                      "here = pathlib.Path(sys.argv[0])\n"
                      "here.with_suffix('.ran').write_text(' '.join(sys.argv[1:]))\n"
                      "print('a line from numba', flush=True)\n"
                      "for i, k in enumerate(['advance', 'losses_at'], 1):\n"
                      "    print(f'compiling {k} {i}/2', flush=True)\n"
                      "    (here.parent / (k + '.cached')).touch()\n"
                      "    print(f'compiled {k} {i}/2', flush=True)\n")
    monkeypatch.setattr(PC, "MAIN", script)

    def load_cached(names=warmup.ORDER, on_loaded=lambda n: None):   # the cache held all but two
        missing = []
        for n in names:
            if n in ("advance", "losses_at") and not (tmp_path / f"{n}.cached").exists():
                missing.append(n)
            else:
                on_loaded(n)
        return missing
    monkeypatch.setattr(warmup, "load_cached", load_cached)
    monkeypatch.setattr(warmup, "warm_up", lambda *a: pytest.fail("compiled in this process"))
    backend.serve_numpy()
    warm = PC.EngineWarmup()
    progress, loaded = [], []
    warm.progress.connect(lambda *a: progress.append(a))
    warm.loaded.connect(loaded.append)
    with qtbot.waitSignal(warm.finished, timeout=30000):
        warm.start()
    assert script.with_suffix(".ran").read_text() == "precompile --engine"
    assert progress == [("advance", 0, 2), ("advance", 1, 2), ("losses_at", 1, 2), ("losses_at", 2, 2)]
    assert loaded[-2:] == ["advance", "losses_at"] and set(loaded) == set(warmup.ORDER)
    assert not backend.serving_numpy()
