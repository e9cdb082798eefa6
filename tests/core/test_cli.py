"""The headless CLI: output formats and one-line errors with exit status 2."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_presets_lists_every_preset_with_a_description():
    res = cli("presets")
    assert res.returncode == 0
    lines = res.stdout.strip().splitlines()
    names = [ln.split("\t")[0] for ln in lines]
    assert names[:8] == [f"opt4_{i}" for i in range(1, 9)]
    assert all(len(ln.split("\t")) == 2 and ln.split("\t")[1] for ln in lines)


def test_run_json_opt4_1_gd():
    res = cli("run", "--preset", "opt4_1", "--run", "gd", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["preset"] == "opt4_1" and doc["steps"] == 20000
    (run,) = doc["runs"]
    assert run["label"] == "gd" and run["optimizer"] == "gd"
    assert run["params"] == pytest.approx([0.98019385, 1.0159807], abs=1e-5)
    assert run["lr"] == 0.001 and run["ema_params"] is None and run["diverged_at"] is None
    assert (run["layers"], run["parameters"]) == (1, 2)
    assert doc["engine_seconds"] >= 0


def test_run_divergent_json_has_nulls_not_nan():
    res = cli("run", "--preset", "opt4_4", "--run", "lr-1", "--lr", "5000", "--steps", "200", "--json")
    assert res.returncode == 0, res.stderr
    assert "NaN" not in res.stdout and "Infinity" not in res.stdout
    run = json.loads(res.stdout)["runs"][0]
    assert isinstance(run["diverged_at"], int)


def test_opt4_6_prints_the_sequence():
    doc = json.loads(cli("run", "--preset", "opt4_6", "--json").stdout)
    assert doc["preset"] == "opt4_6"
    flat = [v for pair in doc["sequence"][:4] for v in pair]
    assert flat == pytest.approx([0, 0, 1, 0.9, 10, 1.6445453, 10, 2.3281732], rel=1e-6)


def test_csv_history(tmp_path):
    out = tmp_path / "h.csv"
    res = cli("run", "--preset", "opt4_1", "--steps", "50", "--csv", str(out))
    assert res.returncode == 0, res.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["run", "step", "lr", "batch_loss", "loss", "theta_0", "theta_1"]
    assert len(rows) == 1 + 3 * 51
    assert rows[1][:5] == ["gd", "0", "", "", rows[1][4]] and float(rows[1][4]) > 0
    assert rows[2][0:3] == ["gd", "1", "0.001"]


def test_csv_with_ema_has_ema_columns(tmp_path):
    out = tmp_path / "h.csv"
    res = cli("run", "--preset", "opt4_1", "--run", "gd", "--steps", "5", "--csv", str(out))
    assert res.returncode == 0
    header = out.open().readline().strip().split(",")
    assert "ema_0" not in header


@pytest.mark.parametrize("args,needle", [
    (["run", "--preset", "nope"], "unknown preset"),
    (["run", "--preset", "opt4_1", "--run", "sgd"], "no run 'sgd'"),
    (["run", "--preset", "opt4_1", "--optimizer", "lbfgs"], "optimizer.name = lbfgs is unknown (allowed: gd, "),
    (["run", "--preset", "opt4_1", "--lr", "-1"], "optimizer.lr = -1 is out of range (allowed: (0, 10000])"),
    (["run", "--preset", "opt4_1", "--lr", "fast"], "not a number"),
    (["run", "--preset", "opt4_1", "--init", "1,2,3"], "3 values"),
    (["run", "--preset", "opt4_1", "--csv", "/nonexistent-folder/x.csv"], "does not exist"),
    (["run", "--preset", "opt4_1", "--batch", "100"], "larger than the data"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle):
    res = cli(*args)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], res.stderr
    assert "Traceback" not in res.stderr


def test_engine_imports_no_qt():
    code = ("import sys, engine, engine.run, engine.cli, engine.cli_args, engine.history_io, engine.surface, "
            "engine.presets, engine.bench, "
            "engine.ema, engine.warmup; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph', 'shiboken'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
