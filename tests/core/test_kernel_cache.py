"""numba's disk cache never serves a stale kernel.  numba keys a function's cache on its own file
alone, but a kernel inlines helpers from the other files of engine/kernels/ and freezes the codes
of engine/codes.py (taken from engine/registry.py) into its code; so every kernel's cache is also
keyed on engine.jit.SOURCES_STAMP, a hash of those files, the jit flags and the codes' values."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from numba.core.dispatcher import Dispatcher

import engine.kernels
from engine import codes, jit, kernels as K, presets, tf32
from engine.run import Run

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine"


def test_the_stamp_covers_every_kernel_module_the_codes_and_the_flags():
    stamped = {p.relative_to(ENGINE).as_posix() for p in jit.stamped_sources()}
    modules = {f"kernels/{p.name}" for p in (ENGINE / "kernels").glob("*.py")}
    assert modules >= {"kernels/__init__.py", "kernels/network.py", "kernels/loop.py"}
    assert stamped == {"jit.py", "codes.py"} | modules
    assert jit.sources_stamp(jit.stamped_sources(), jit._codes()) == jit.SOURCES_STAMP


def test_a_changed_code_or_source_changes_the_stamp(tmp_path):
    paths = jit.stamped_sources()
    moved = dict(jit._codes(), A_RELU=codes.A_RELU + 100)
    assert jit.sources_stamp(paths, moved) != jit.SOURCES_STAMP
    copies = []
    for p in paths:
        copies.append(tmp_path / p.name)
        copies[-1].write_bytes(p.read_bytes())
    assert jit.sources_stamp(copies, jit._codes()) == jit.SOURCES_STAMP     # names and text, not places
    copies[-1].write_bytes(copies[-1].read_bytes() + b"\n")
    assert jit.sources_stamp(copies, jit._codes()) != jit.SOURCES_STAMP


def test_no_engine_module_compiles_without_the_project_flags():
    """Every kernel goes through engine.jit (its flags and its stamp), none through numba directly."""
    direct = re.compile(r"numba\.(njit|jit|vectorize|guvectorize|cfunc)\b|from numba import .*\b(njit|jit)\b")
    offenders = [p.relative_to(ROOT).as_posix() for p in ENGINE.rglob("*.py")
                 if p.name != "jit.py" and direct.search(p.read_text())]
    assert offenders == []


def _dispatchers():
    modules = [tf32] + [getattr(engine.kernels, m) for m in
                        ("network", "losses", "objectives", "optimisers", "loop", "evaluate", "cache")]
    found = {id(v): v for m in modules for v in vars(m).values() if isinstance(v, Dispatcher)}
    run = Run("m", presets.get("opt4_1").run_config("momentum"))
    fixed = K.fixed_advance(*K.structure(run._spec[0], run.problem.n))   # made, not compiled
    return list(found.values()) + [fixed]


@pytest.mark.skipif(not jit.FLAGS["cache"], reason="no numba cache here: kernels compile in memory")
def test_every_kernel_keys_its_cache_on_the_stamp():
    kernels = _dispatchers()
    assert len(kernels) > 20 and set(K.COMPILED.values()) <= set(kernels)
    for kernel in kernels:
        stamp = kernel._cache._cache_file._source_stamp
        assert isinstance(stamp, tuple) and stamp[1] == jit.SOURCES_STAMP, kernel


# one process: is the relu curve in the cache, and what does the kernel compute for K.A_RELU
PROBE = ("import numpy as np\nfrom engine import kernels as K, warmup\n"
         "cached = warmup.load_cached(['activation_curve']) == []\n"
         "z, out, d = np.array([-1.0, 2.0]), np.empty(2), np.empty(2)\n"
         "K.activation_curve(K.A_RELU, z, out, d)\n"
         "print(cached, K.A_RELU, out.tolist())")


@pytest.mark.slow
def test_a_changed_code_or_kernel_module_compiles_again_and_nothing_else_does(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ENGINE, src / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))

    def probe():
        res = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=src,
                             env=env, timeout=300)
        assert res.returncode == 0, res.stderr
        cached, code, out = res.stdout.split(maxsplit=2)
        return cached == "True", int(code), out.strip()

    def edit(name, old, new):
        path = src / "engine" / name
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))

    relu = "[0.0, 2.0]"
    assert probe() == (False, codes.A_RELU, relu)         # an empty cache: compiled, and saved
    assert probe() == (True, codes.A_RELU, relu)          # loaded from the cache
    edit("registry.py", '"ReLU", "f(z)', '"rectifier", "f(z)')
    assert probe()[0]                                     # a label is not compiled in: still cached
    edit("registry.py", '"relu": Choice(1,', '"relu": Choice(7,')
    assert probe() == (False, 7, relu)                    # a stale kernel would treat 7 as identity
    assert probe() == (True, 7, relu)
    edit("kernels/network.py", "    return z\n", "    return z   # (an edit of an inlined helper)\n")
    assert probe() == (False, 7, relu)                    # the curve's own file is unchanged


def test_loading_the_kernels_imports_no_scipy_linalg_and_leaves_it_importable():
    """numba's numpy support would import scipy.linalg for its BLAS (~0.8 s, ~20 MB per process)
    though no kernel calls it: engine.jit loads that support with scipy.linalg held back."""
    pytest.importorskip("scipy")
    code = ("import sys; from engine import presets; from engine.run import Run; "
            "r = Run('gd', presets.get('opt4_1').run_config('gd')); r.advance(10); "
            "held = 'scipy.linalg' in sys.modules; import scipy.linalg; "
            "print(held, float(scipy.linalg.solve([[2.0]], [4.0])[0]), r.step)")
    out = subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "2.0", "10"]
