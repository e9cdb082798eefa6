"""Issue 7 on the command line: divergence named in --json, out-of-range settings refused in one
line with exit 2, bad session and preset files refused, no display, xcb libraries, numba cache."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import presets as P
from engine.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, env=None):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, env=env)


def one_line_exit_2(res, needle):
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], res.stderr
    assert "Traceback" not in res.stderr


def test_divergence_in_json_names_step_and_cause():
    res = cli("run", "--preset", "opt4_4", "--lr", "5000", "--steps", "200", "--json")
    assert res.returncode == 0, res.stderr
    runs = {r["label"]: r for r in json.loads(res.stdout)["runs"]}
    bad = runs["lr-1"]
    assert isinstance(bad["diverged_at"], int) and bad["step"] < bad["diverged_at"]
    assert f"step {bad['diverged_at']}" in bad["diverged_reason"] and "too large" in bad["diverged_reason"]
    assert all(r["diverged_reason"] is None for r in runs.values() if r["diverged_at"] is None)


@pytest.mark.parametrize("args,needle", [
    (["--lr", "-1"], "optimizer.lr = -1 is out of range (allowed: (0, 10000])"),
    (["--batch", "1000"], "larger than the data"),
    (["--decay", "0"], "schedule.decay = 0 is out of range (allowed: (0, 1])"),
    (["--decay", "1.5"], "schedule.decay = 1.5 is out of range"),
    (["--decay-steps", "0"], "schedule.decay_steps = 0 is out of range"),
    (["--hidden", "0"], "each hidden layer needs 1 to 4096 units"),
    (["--hidden", "11,0"], "each hidden layer needs 1 to 4096 units"),
])
def test_out_of_range_settings_are_one_line_and_exit_2(args, needle):
    one_line_exit_2(cli("run", "--preset", "opt4_7", "--steps", "5", *args), needle)


def _session_files(folder: Path) -> dict:
    good = folder / "good.json"
    res = subprocess.run([sys.executable, "-c", (
        "import sys; from engine import presets as P, session_file as SF; from engine.run import Comparison; "
        "p = P.get('opt4_1'); SF.save(SF.from_comparison(Comparison('opt4_1', p.config, list(p.runs)), 5), "
        "sys.argv[1])"), str(good)], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    doc = json.loads(good.read_text())
    text = good.read_text()
    files = {
        "empty": (b"", "is empty"),
        "truncated": (text[: len(text) // 3].encode(), "corrupt or truncated"),
        "list": (b"[1, 2]", "not a Descent session"),
        "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not a text file"),
        "future": (json.dumps(dict(doc, version=99)).encode(), "newer Descent"),
        "unknown-preset": (json.dumps(dict(doc, preset="nope")).encode(), "unknown preset 'nope'"),
        "wrong-type-runs": (json.dumps(dict(doc, runs=5)).encode(), "'runs' must be a list"),
    }
    out = {}
    for name, (data, needle) in files.items():
        p = folder / f"{name}.json"
        p.write_bytes(data)
        out[name] = (p, needle)
    out["missing"] = (folder / "missing.json", "does not exist")
    return out


def test_bad_session_files_through_run_session(tmp_path):
    for name, (path, needle) in _session_files(tmp_path).items():
        res = cli("run", "--session", str(path), "--json")
        one_line_exit_2(res, needle)
        assert res.stdout == "", name


def test_broken_preset_files_are_refused_with_one_line(tmp_path, monkeypatch):
    cases = {"empty.json": ("", "is empty"), "corrupt.json": ('{"name": "x", ', "not valid JSON"),
             "list.json": ("[1]", "expected a JSON object"),
             "runs.json": ('{"name": "x", "description": "d", "kind": "race", "runs": 3}', "not a valid preset"),
             "range.json": ('{"name": "x", "description": "d", "kind": "race", "config": {"batch": 0}, '
                            '"runs": [{"label": "a", "set": {}}]}', None),
             "set.json": ('{"name": "x", "description": "d", "kind": "race", '
                          '"runs": [{"label": "a", "set": {"optimizer.lr.q": 1}}]}', "unknown setting")}
    for name, (text, needle) in cases.items():
        (tmp_path / name).write_text(text)
        try:
            P.load_file(tmp_path / name)
            assert needle is None, name        # ranges are checked when the runs are built
        except ConfigError as exc:
            assert needle in str(exc) and "\n" not in str(exc), (name, str(exc))
    (tmp_path / "picture.json").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ConfigError, match="not a text file"):
        P.load_file(tmp_path / "picture.json")
    # a broken file among the shipped ones is skipped with a note; the others still load
    shutil.copy(P.PRESET_DIR / "opt4_1.json", tmp_path / "opt4_1.json")
    monkeypatch.setattr(P, "PRESET_DIR", tmp_path)
    monkeypatch.setattr(P, "_cache", None)
    try:
        assert "opt4_1" in P.all_presets()
        assert any("corrupt.json" in s for s in P.SKIPPED)
    finally:
        P._cache = None


def _env_without_display(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(extra)
    return env


def test_no_display_says_so_in_one_line():
    res = cli(env=_env_without_display())
    one_line_exit_2(res, "no display")
    assert "`python main.py run`" in res.stderr and "`python main.py export`" in res.stderr


def test_missing_xcb_library_names_the_debian_packages(monkeypatch, capsys):
    import ctypes.util

    from gui import app
    real = ctypes.util.find_library
    monkeypatch.setattr(ctypes.util, "find_library", lambda n: None if n == "xcb-cursor" else real(n))
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert app.main([]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "libxcb-cursor" in err[0]
    assert "apt-get install " + app.XCB_PACKAGES in err[0]
    readme = (ROOT / "README.md").read_text()
    assert all(pkg in readme for pkg in app.XCB_PACKAGES.split())
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert app.xcb_problem() == ""


def test_unwritable_numba_cache_compiles_in_memory_with_a_notice(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(blocker / "cache"))
    res = cli("run", "--preset", "opt4_6", "--json", env=env)      # (the EMA demo calls no kernel)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["preset"] == "opt4_6"
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("notice: numba cache at") and "compiling in memory" in lines[0]
    # the kernels compile in memory with the cache off (the smallest one: a whole run would compile
    # for ~20 s on every call, as it would for a user here)
    code = ("from engine import jit, warmup; assert not jit.FLAGS['cache']; "
            "warmup.warm_up(['activation_curve']); print('compiled')")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert res.returncode == 0 and res.stdout.strip() == "compiled", res.stderr
    assert not blocker.is_dir()
