"""The generated command line (issue 14): every configuration field reachable by ``--set`` and by
its alias, values typed as text and checked against the field metadata, negative numbers, and
refusals in one line with exit status 2 and nothing written."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import cli
from engine.cli_args import LEAVES, UsageError, alias_names, allowed_text, kind_of, overrides
from engine.config import Config, describe_range, leaf_fields, validate

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def parse(*argv):
    """The run overrides the command line makes (no training)."""
    args = cli.build_parser().parse_args(cli.attach_negative_values(["run", "--preset", "opt4_1", *argv]))
    return overrides(args.settings)


def sample(path):
    """A valid value for the field at ``path`` that is not its default, as text and as the value."""
    f = LEAVES[path]
    meta, kind, default = f.metadata, kind_of(f), Config().get(path)
    if "options" in meta:
        other = next(o for o in meta["options"] if o != default)
        return other, other
    if kind == "bool":
        return ("false", False) if default else ("true", True)
    if kind == "tuple":
        return ("11,3", (11, 3)) if meta.get("ints") else ("-0.8,1.4", (-0.8, 1.4))
    if kind == "str":
        return "my data.csv", "my data.csv"
    lo, hi = meta["lo"], meta["hi"]
    v = (lo + hi) / 2 if hi - lo < 10 else lo + 3
    v = int(v) if kind == "int" else v
    assert v != default
    return str(v), v


def test_the_aliases_are_unique_and_cover_every_field():
    names = [n for ns in alias_names().values() for n in ns]
    assert len(names) == len(set(names))
    assert set(alias_names()) == set(LEAVES) == {p for p, _ in leaf_fields()}
    familiar = {"--lr": "optimizer.lr", "--optimizer": "optimizer.name", "--momentum": "optimizer.momentum",
                "--beta1": "optimizer.beta1", "--beta2": "optimizer.beta2", "--epsilon": "optimizer.epsilon",
                "--rho": "optimizer.rho", "--rms-momentum": "optimizer.rms_momentum",
                "--centered": "optimizer.centered", "--precision": "precision", "--batch": "batch",
                "--decay": "schedule.decay", "--decay-steps": "schedule.decay_steps", "--hidden": "model.hidden",
                "--init": "init.start", "--seed": "init.seed", "--steps": "steps", "--schedule": "schedule.name"}
    for name, path in familiar.items():
        assert name in alias_names()[path], (name, alias_names()[path])


@pytest.mark.parametrize("path", list(LEAVES))
def test_every_field_is_reachable_by_set_and_by_its_alias(path):
    text, value = sample(path)
    for argv in (["--set", f"{path}={text}"], [alias_names()[path][-1], text]):
        got = parse(*argv)
        assert got[path] == value, (argv, got)
        assert Config().with_overrides(got).get(path) == value


@pytest.mark.parametrize("path", [p for p, f in LEAVES.items() if kind_of(f) in ("int", "float")])
def test_every_numeric_field_refuses_a_value_above_its_range(path, capsys, tmp_path):
    meta = LEAVES[path].metadata
    typed = str(meta["hi"] * 2 + 1)
    out = tmp_path / "h.csv"
    assert cli.main(["run", "--preset", "opt4_1", "--set", f"{path}={typed}", "--csv", str(out)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"error: --set: {path} = {typed} is out of range (allowed: {allowed_text(LEAVES[path])})"]
    assert describe_range(meta) in lines[0] and not out.exists()


def test_choices_bools_and_numbers_refused_in_one_line_naming_field_value_and_allowed(capsys):
    cases = {("--optimizer", "lbfgs"): "optimizer.name = lbfgs is unknown (allowed: gd, momentum, adam, rmsprop",
             ("--set", "precision=float16"): "precision = float16 is unknown (allowed: float64, float32)",
             ("--set", "schedule.name=natural"): "schedule.name = natural is unknown (allowed: constant, exponential",
             ("--centered", "maybe"): "optimizer.centered = maybe is not true or false",
             ("--beta1", "1"): "optimizer.beta1 = 1 is out of range (allowed: [0, 1))",
             ("--seed", "1.5"): "init.seed = 1.5 is not a whole number (allowed: whole numbers in [0, 2147483647])",
             ("--lr", "inf"): "optimizer.lr = inf is not a finite number",
             ("--set", "optimizer.beta=0.5"): "unknown setting optimizer.beta (did you mean optimizer.beta",
             ("--set", "optimizer=adam"): "optimizer is a group of settings; set one of",
             ("--set", "lr"): "give PATH=VALUE"}
    for argv, needle in cases.items():
        assert cli.main(["run", "--preset", "opt4_1", *argv]) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], (argv, lines)


def test_set_names_a_schedule_and_a_precision_and_the_last_value_wins():
    got = parse("--set", "schedule.name=natural_exp", "--precision", "float32", "--lr", "0.5",
                "--set", "optimizer.lr=0.25", "--set", "optimizer.beta1=0.8")
    assert got == {"schedule.name": "natural_exp", "precision": "float32", "optimizer.lr": 0.25,
                   "optimizer.beta1": 0.8}
    cfg = validate(Config().with_overrides(got))
    assert (cfg.schedule.name, cfg.precision, cfg.optimizer.lr, cfg.optimizer.beta1) == \
        ("natural_exp", "float32", 0.25, 0.8)


def test_bool_aliases_alone_mean_true():
    assert parse("--centered", "--nesterov", "--ema") == {"optimizer.centered": True,
                                                          "optimizer.nesterov": True, "ema.enabled": True}
    assert parse("--centered", "off") == {"optimizer.centered": False}


def test_a_seed_draws_theta_instead_of_the_fixed_start():
    assert parse("--seed", "3") == {"init.seed": 3, "init.start": ()}
    assert parse("--seed", "3", "--init", "1,2") == {"init.seed": 3, "init.start": (1.0, 2.0)}


def test_negative_values_and_lists_are_taken_as_values():
    assert parse("--init", "-0.8,1.4") == {"init.start": (-0.8, 1.4)}
    assert parse("--init-bias", "-0.5", "--set", "init.bias=-0.25") == {"init.bias": -0.25}
    assert parse("--init", "-1e-3,-2") == {"init.start": (-0.001, -2.0)}
    assert parse("--set", "init.start=-0.8,1.4", "--init-bias", "-.5") == {"init.start": (-0.8, 1.4),
                                                                          "init.bias": -0.5}
    with pytest.raises(UsageError, match="init.bias = -2000 is out of range"):
        parse("--init-bias", "-2000")


def test_negative_start_end_to_end():
    res = run_cli("run", "--preset", "opt4_1", "--run", "gd", "--init", "-0.8,1.4", "--steps", "0", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["runs"][0]["params"] == [-0.8, 1.4]


def test_settings_reach_the_runs_end_to_end():
    res = run_cli("run", "--preset", "opt4_1", "--set", "optimizer.name=momentum", "--lr", "0.01",
                  "--set", "steps=7", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["steps"] == 7
    assert [(r["optimizer"], r["lr"], r["step"]) for r in doc["runs"]] == [("momentum", 0.01, 7)] * 3


def test_out_of_range_end_to_end_is_one_line_exit_2_and_writes_nothing(tmp_path):
    out = tmp_path / "h.csv"
    res = run_cli("run", "--preset", "opt4_1", "--set", "optimizer.beta1=1.5", "--csv", str(out))
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.strip().splitlines() == ["error: --set: optimizer.beta1 = 1.5 is out of range (allowed: [0, 1))"]
    assert not out.exists()


def test_a_session_run_refuses_settings_it_would_ignore(tmp_path, capsys):
    assert cli.main(["run", "--session", str(tmp_path / "none.json"), "--lr", "0.1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--session replays the saved settings: optimizer.lr" in err[0]
