"""``run --at`` / ``--precision float32`` on the command line: the chapter's printouts from a shell."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = json.loads((ROOT / "tests" / "data" / "tf1_chapter.json").read_text())["runs"]


def cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_momentum_float32_every_500_steps_is_tensorflows():
    res = cli("run", "--preset", "opt4_1", "--run", "momentum", "--precision", "float32", "--at", "0:20000:500",
              "--json")
    assert res.returncode == 0, res.stderr
    (run,) = json.loads(res.stdout)["runs"]
    assert run["precision"] == "float32"
    at = run["at"]
    assert [a["step"] for a in at] == list(range(0, 20001, 500))
    want = CHAPTER["opt4_1_momentum"]["theta_every_500"]
    f32 = lambda v: float(str(np.float32(v)))   # noqa: E731 - TF's float32 as the shortest repr
    assert [a["params"] for a in at] == [[f32(v) for v in row] for row in want]
    # written as TF prints float32: the shortest repr (json gives 1.0043069, not 1.0043069124221802)
    assert '"params": [1.0043069, 0.9948299]' in res.stdout
    assert at[13]["params"] == at[-1]["params"] != at[12]["params"]      # converged after 6500 steps
    assert set(at[1]["slots"]) == {"accumulator"} and at[0]["lr"] is None and at[1]["lr"] == 0.001


def test_at_rows_in_the_csv(tmp_path):
    out = tmp_path / "at.csv"
    res = cli("run", "--preset", "opt4_1", "--at", "0,7,100", "--steps", "100", "--csv", str(out))
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(out.open()))
    assert [(r["run"], r["step"]) for r in rows] == [(lab, s) for lab in ("gd", "momentum", "adam")
                                                     for s in ("0", "7", "100")]
    assert rows[8]["m_0"] != "" and rows[0]["lr"] == ""


def test_bad_at_is_one_line_and_exit_2(tmp_path):
    for at in ("5,abc", "30000", "10:0:5", "1,,2"):
        res = cli("run", "--preset", "opt4_1", "--at", at, "--csv", str(tmp_path / "x.csv"))
        assert res.returncode == 2 and res.stderr.count("\n") == 1 and "--at" in res.stderr, (at, res.stderr)
        assert not (tmp_path / "x.csv").exists()


def test_opt4_6_float32_prints_tensorflows_sequence():
    res = cli("run", "--preset", "opt4_6", "--precision", "float32", "--json")
    assert res.returncode == 0, res.stderr
    seq = json.loads(res.stdout)["sequence"]
    assert seq == [[float(a), float(b)] for a, b in CHAPTER["opt4_6"]["printout"]]
