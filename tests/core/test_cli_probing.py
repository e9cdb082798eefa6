"""What probing the command line found (issue 14), each refused in one line with exit status 2 and
nothing written: unbounded frames and steps, malformed hidden layers, session fields of the wrong
type, data CSVs with a byte-order mark or gaps in their class labels; and `run --json | head`."""
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import datasets
from engine import session_file as SF
from engine.config import MAX_STEPS, Config, ConfigError, field_range

ROOT = Path(__file__).resolve().parents[2]


def cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def one_line_exit_2(res, needle):
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], res.stderr
    assert res.stdout == ""


def test_export_frames_and_width_are_bounded(tmp_path):
    from gui.export import MAX_WIDTH
    from gui.export_animation import MAX_FRAMES
    assert MAX_FRAMES == 1000 and MAX_WIDTH == 20000
    out = tmp_path / "a.gif"
    one_line_exit_2(cli("export", "--preset", "opt4_1", "--view", "loss", "--out", str(out), "--frames", "100000"),
                    "100000 is not allowed (frames of an animation: 1 to 1000)")
    one_line_exit_2(cli("export", "--preset", "opt4_1", "--view", "loss", "--out", str(out), "--width", "100000"),
                    "100000 is not allowed (width in px: 16 to 20000)")
    one_line_exit_2(cli("export", "--preset", "opt4_1", "--view", "loss", "--out", str(out), "--steps", "1e12"),
                    f"--steps: steps = 1e12 is out of range (allowed: whole numbers in [0, {MAX_STEPS}])")
    assert list(tmp_path.iterdir()) == []


def test_steps_have_an_upper_bound_in_the_config_metadata(tmp_path):
    assert MAX_STEPS == 100_000_000 and field_range(Config, "steps")["hi"] == MAX_STEPS
    out = tmp_path / "h.csv"
    one_line_exit_2(cli("run", "--preset", "opt4_1", "--steps", "1000000000000", "--csv", str(out)),
                    "--steps: steps = 1000000000000 is out of range (allowed: whole numbers in [0, 100000000])")
    assert not out.exists()


@pytest.mark.parametrize("typed, needle", [
    ("11,,3", "model.hidden = 11,,3 has an empty item between commas"),
    ("", "model.hidden = '' is empty (allowed: whole numbers in [1, 4096] separated by commas"),
    ("11,x", "model.hidden = 11,x is not a list of whole numbers"),
    ("11,0", "each hidden layer needs 1 to 4096 units"),
])
def test_hidden_layers_must_be_whole_numbers_without_gaps(typed, needle):
    one_line_exit_2(cli("run", "--preset", "opt4_7", "--steps", "1", "--hidden", typed), needle)


def test_hidden_none_is_the_way_to_say_no_hidden_layer():
    from engine.cli import build_parser
    from engine.cli_args import overrides
    args = build_parser().parse_args(["run", "--preset", "opt4_7", "--hidden", "none"])
    assert overrides(args.settings) == {"model.hidden": ()}


def test_a_text_list_with_an_empty_item_is_refused_everywhere():
    with pytest.raises(ConfigError, match="'11,,3' is not a valid tuple"):
        Config().with_overrides({"model.hidden": "11,,3"})
    assert Config().with_overrides({"model.hidden": "11, 3"}).model.hidden == (11, 3)


def _good_session() -> dict:
    from engine import presets as P
    from engine.run import Comparison
    p = P.get("opt4_1")
    return SF.from_comparison(Comparison("opt4_1", p.config, list(p.runs)), 5,
                              changes=[{"step": 2, "label": "gd", "path": "optimizer.lr", "value": 0.01,
                                        "old": 0.001}]).to_dict()


def _with(doc, change: dict):
    d = copy.deepcopy(doc)
    for key, value in change.items():
        target, _, name = key.rpartition("__")
        obj = d
        for part in filter(None, target.split("__")):
            obj = obj[int(part)] if part.isdigit() else obj[part]
        obj[name] = value
    return d


BAD_SESSIONS = {
    "version true": ({"version": True}, "no valid version number (a whole number ≥ 1, not True)"),
    "version -1": ({"version": -1}, "no valid version number"),
    "base list": ({"base": []}, "'base' must be an object of settings, not list"),
    "run config list": ({"runs__0__config": []}, "run 'gd': 'config' must be an object of settings, not list"),
    "step true": ({"step": True}, "step must be a whole number from 0 to 100000000, not True"),
    "step 1e30": ({"step": 1e30}, "step must be a whole number from 0 to 100000000, not 1e+30"),
    "step 10**30": ({"step": 10 ** 30}, "step must be a whole number from 0 to 100000000"),
    "change label 5": ({"changes__0__label": 5}, "a change's label must name a run"),
    "change label unknown": ({"changes__0__label": "sgd"}, "a change's label must name a run (allowed: gd,"),
    "change step -5": ({"changes__0__step": -5}, "a change's step must be a whole number from 0 to"),
    "change step true": ({"changes__0__step": True}, "a change's step must be a whole number"),
    "duplicate labels": ({"runs__1__label": "gd"}, "two runs are labelled 'gd'"),
}


def test_the_good_session_parses():
    doc = SF.parse(_good_session(), "good.json")
    assert doc.step == 5 and [lab for lab, _ in doc.runs] == ["gd", "momentum", "adam"]


@pytest.mark.parametrize("name", list(BAD_SESSIONS))
def test_session_fields_of_the_wrong_type_are_refused(name):
    change, needle = BAD_SESSIONS[name]
    with pytest.raises(ConfigError) as err:
        SF.parse(_with(_good_session(), change), "s.json")
    assert needle in str(err.value) and "\n" not in str(err.value) and str(err.value).startswith("s.json")


def test_a_bad_session_through_the_command_line(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(_with(_good_session(), {"step": 10 ** 30})))
    one_line_exit_2(cli("run", "--session", str(path), "--json"), "step must be a whole number from 0 to")


def test_a_data_csv_with_a_byte_order_mark_keeps_its_first_row(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff0.1,0.2,1\n0.3,0.4,0\n0.5,0.6,1\n".encode("utf-8"))
    ds = datasets.load_csv(str(path))
    assert ds.n == 3 and ds.X[0].tolist() == [0.1, 0.2] and ds.kind == "binary"
    path.write_bytes("\ufeffx1,x2,label\n0.1,0.2,1\n0.3,0.4,0\n".encode("utf-8"))
    assert datasets.load_csv(str(path)).n == 2          # a header after the mark is still a header


def test_gaps_in_class_labels_are_refused_with_the_rule(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("0,0,0\n1,1,1\n2,2,2\n3,3,7\n")
    with pytest.raises(ConfigError) as err:
        datasets.load_csv(str(path))
    msg = str(err.value)
    assert "class labels must be 0, 1, …, k−1 with every class present" in msg
    assert "found 0, 1, 2, 7; missing 3, 4, 5, 6" in msg
    path.write_text("0,0,0\n1,1,1\n2,2,2\n3,3,3\n")
    assert datasets.load_csv(str(path)).Y.shape == (4, 4)
    bad = tmp_path / "bad.csv"
    bad.write_text("0,0,0\n1,1,1\n2,2,7\n")
    one_line_exit_2(cli("run", "--preset", "opt4_7", "--data", "csv", "--path", str(bad), "--steps", "1"),
                    "(found 0, 1, 7; missing 2, 3, 4, 5, 6)")


@pytest.mark.parametrize("argv", [["run", "--preset", "opt4_6", "--json"], ["presets"]])
def test_a_closed_stdout_ends_quietly(argv):
    p = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *argv], cwd=ROOT, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdout.close()                         # the reader is gone before anything is written (`| head`)
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 1
    assert err == "", err
