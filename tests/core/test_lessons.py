"""Lessons without a window: every shipped file validates, every question is answered right and
wrong through the engine's pure checks, the numbers the lessons and guides quote are the engine's,
and `lessons --check` refuses a broken file in one line naming the step and the field (exit 2)."""
import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import lesson_checks as C
from engine import lessons as L
from engine import presets as P
from engine.config import ConfigError
from engine.ema import effective_decay, run_script
from engine.explain import accuracy
from engine.run import Run
from tests.lesson_answers import answers, runs_for, solved_configs

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "resources" / "lessons").glob("*.json"))


def cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def question_steps():
    return [(lesson.name, step.number) for lesson in L.all_lessons().values() for step in lesson.steps
            if step.question is not None]


def step_of(name, number):
    return L.all_lessons()[name].steps[number - 1]


# --- the shipped lessons -------------------------------------------------------------------------
def test_one_lesson_per_section_in_both_languages():
    lessons = L.all_lessons()
    assert not L.SKIPPED
    assert [lesson.section for lesson in lessons.values()] == ["4.1", "4.2", "4.3", "4.4"]
    assert len(SHIPPED) == 4
    for lesson in lessons.values():
        assert len(lesson.steps) >= 5 and lesson.questions >= 4
        assert lesson.languages == ("en", "zh")
        kinds = {s.question.kind for s in lesson.steps if s.question}
        assert "task" in kinds and kinds & {"choice", "number"}
        for step in lesson.steps:          # parse checked every text has both languages
            assert step.text.by_lang["zh"] != step.text.by_lang["en"]


@pytest.mark.parametrize("name,number", question_steps())
def test_each_question_right_and_wrong(name, number):
    step = step_of(name, number)
    q = step.question
    a = answers(step)
    horizon = q.horizon or 0
    cursor = q.run_to if q.run_to is not None else horizon
    if q.kind == "task":
        fresh = runs_for(step.configs, horizon)
        no = C.check_task(q, fresh, step.configs, horizon)
        assert not no.ok and no.feedback == q.wrong and no.details
        yes = C.check_task(q, runs_for(solved_configs(step), horizon), step.configs, horizon)
        assert yes.ok and yes.feedback == q.right, yes.detail_text()
        assert all(d.template == C.GOAL_MET for d in yes.details)
        return
    runs = runs_for(step.configs, horizon) if step.configs else []
    check = C.check_choice if q.kind == "choice" else C.check_number
    right, wrong = check(q, a.right, runs, cursor), check(q, a.wrong, runs, cursor)
    assert right.ok and right.feedback == q.right
    assert not wrong.ok and wrong.feedback == q.wrong and wrong.details


def test_a_task_refuses_a_setting_it_does_not_allow():
    step = step_of("4.1-loss-functions", 3)          # GD by the learning rate only
    q = step.question
    configs = {label: cfg.with_overrides({"optimizer.name": "momentum"} if label == "gd" else {})
               for label, cfg in step.configs.items()}
    verdict = C.check_task(q, runs_for(configs, 2000), step.configs, 2000)
    assert not verdict.ok
    assert C.Detail(C.CHANGED, {"setting": "optimizer.name", "run": "gd", "allowed": "optimizer.lr"}) in verdict.details
    assert "GD" not in verdict.detail_text() and "optimizer.name of run gd" in verdict.detail_text()


# --- the numbers the lessons quote -----------------------------------------------------------------
def preset_runs(name, steps, **overrides):
    p = P.get(name)
    runs = [Run(label, p.run_config(label).with_overrides(overrides)) for label in p.run_labels()]
    for r in runs:
        r.advance(steps)
    return {r.label: r for r in runs}


def first_below(run, limit):
    idx = np.flatnonzero(run.losses() < limit)
    return int(idx[0]) if idx.size else None


def test_numbers_quoted_in_4_1():
    runs = preset_runs("opt4_1", 20000)
    least = runs["gd"].evaluate(runs["gd"].problem.least_squares())[0]
    assert runs["gd"].losses([20000])[0] / least == pytest.approx(1.16, abs=0.005)
    for label, k in (("momentum", 3222), ("adam", 5770)):
        assert first_below(runs[label], least * 1.001) == k
    fast = preset_runs("opt4_1", 2000, **{"optimizer.lr": 0.01})["gd"]
    assert first_below(fast, 1e-3) == 1686
    assert first_below(preset_runs("opt4_1", 20000)["gd"], 1e-3) == pytest.approx(1686 * 10, rel=0.01)
    assert preset_runs("opt4_1", 600, **{"optimizer.lr": 3.0})["gd"].diverged_at == 489
    assert preset_runs("opt4_2", 20000)["custom"].theta == pytest.approx([1.024, 1.049], abs=5e-4)
    assert preset_runs("opt4_3", 20000)["custom"].theta == pytest.approx([0.963, 0.978], abs=5e-4)
    ce = preset_runs("cross-entropy", 3000)
    accs = [accuracy(r.problem, r.problem.spec(r.config), r.theta) for r in ce.values()]
    assert accs[0] == accs[1] == pytest.approx(0.928, abs=5e-4)
    assert ce["softmax-ce"].losses([3000])[0] / ce["clipped-ce"].losses([3000])[0] == pytest.approx(3, rel=1e-3)
    clip = preset_runs("ce-clipping", 3000)
    got = {k: accuracy(r.problem, r.problem.spec(r.config), r.theta) for k, r in clip.items()}
    assert got == pytest.approx({"softmax-ce": 0.95, "clipped-ce": 0.722}, abs=5e-3)


def test_numbers_quoted_in_4_2():
    step = step_of("4.2-learning-rate", 4)
    q = step.question
    for lr, ok in ((0.07, True), (0.5, True), (0.93, True), (0.05, False), (0.95, False)):
        configs = {k: c.with_overrides({"optimizer.lr": lr} if k == "lr-0.0001" else {})
                   for k, c in step.configs.items()}
        assert C.check_task(q, runs_for(configs, 40), step.configs, 40).ok == ok, lr
    big = preset_runs("lr-too-large", 60)
    w = big["lr-1.1"].theta_history[:4, 0]
    assert w == pytest.approx([5, -8.2, 7.64, -11.368])
    assert big["lr-1.1"].theta[0] == pytest.approx(338084, rel=1e-4)
    assert big["lr-1000"].diverged_at == 47
    stairs = preset_runs("decay-stepped-vs-smooth", 150)
    assert stairs["stepped"].losses([150])[0] < stairs["smooth"].losses([150])[0]


def test_numbers_quoted_in_4_3():
    seq, _ = run_script([list(op) for op in P.get("opt4_6").script], 0.99, True)
    shadows = [s for _w, s in seq]
    assert shadows[1:5] == pytest.approx([0.9, 1.6445, 2.3282, 2.9559], abs=1e-4)
    assert step_of("4.3-moving-average", 2).question.answer == pytest.approx(shadows[1])
    assert step_of("4.3-moving-average", 3).question.answer == pytest.approx(effective_decay(0.99, 100))
    assert step_of("4.3-moving-average", 4).question.answer == pytest.approx(shadows[2])
    ripple = preset_runs("opt4_4", 1000, **{"ema.enabled": True, "ema.decay": 0.9})["lr-1"].ema_history[:, 0]
    assert abs(ripple[1000] + 1) == pytest.approx(6 * 0.1 / 1.9, rel=0.01)     # "±0.3"


def test_numbers_quoted_in_4_4_and_the_guides():
    runs = preset_runs("opt4_7", 40000)

    def wsq(r, k):
        w = r.theta_history[r.rows([k])[0]][r.problem.layout.weight_mask]
        return float(w @ w)
    assert wsq(runs["l2"], 0) == pytest.approx(31.8, abs=0.05)
    assert wsq(runs["l2"], 40000) == pytest.approx(7.4, abs=0.05)
    assert wsq(runs["mse"], 40000) == pytest.approx(28.4, abs=0.05)
    assert abs(wsq(runs["l2"], 3000) - wsq(runs["mse"], 3000)) < 0.5      # alike at 3,000
    assert runs["mse"].problem.layout.size == 45 and runs["mse"].problem.layout.layers == 2
    step = step_of("4.4-regularisation", 4)
    for lam, ok in ((0.01, False), (0.1, True), (0.5, False)):
        configs = {k: c.with_overrides({"reg.lam": lam} if k == "l2" else {}) for k, c in step.configs.items()}
        assert C.check_task(step.question, runs_for(configs, 10000), step.configs, 10000).ok == ok, lam
    shipped = preset_runs("opt4_8", 40000)
    assert shipped["as-shipped"].lr_history[-1] == pytest.approx(0.001)
    assert shipped["decaying"].lr_history[-1] == pytest.approx(1.83e-5, rel=1e-3)


def test_every_guide_says_how_far_to_run():
    guides = json.loads((ROOT / "resources" / "guides.json").read_text(encoding="utf-8"))
    for name, preset in P.all_presets().items():
        g = guides[name]
        assert g["en"]["how_far"] and g["zh"]["how_far"], name
        if preset.kind == "race":
            assert isinstance(g["run_to"], int) and 0 < g["run_to"] <= 100000, name
            assert f"{g['run_to']:,}" in g["en"]["how_far"], name
    assert guides["opt4_7"]["run_to"] == 40000


# --- lessons --check ---------------------------------------------------------------------------------
def test_lessons_lists_json():
    res = cli("lessons", "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert [e["section"] for e in doc["lessons"]] == ["4.1", "4.2", "4.3", "4.4"]
    for e in doc["lessons"]:
        assert set(e) == {"name", "section", "title", "steps", "questions", "languages", "file"}
        assert e["languages"] == ["en", "zh"] and e["steps"] >= 5 and Path(e["file"]).is_file()
    plain = cli("lessons").stdout.strip().splitlines()
    assert len(plain) == 4 and plain[1].split("\t")[:2] == ["4.2-learning-rate", "4.2"]


def test_check_accepts_every_shipped_file():
    res = cli("lessons", "--check", *map(str, SHIPPED))
    assert res.returncode == 0, res.stderr
    assert len(res.stdout.strip().splitlines()) == len(SHIPPED)
    assert all(line.startswith("ok: lesson") for line in res.stdout.splitlines())


def broken(tmp_path):
    """(file, what the one line must say) for lessons broken in each way a teacher might."""
    doc = json.loads((ROOT / "resources" / "lessons" / "4.2-learning-rate.json").read_text(encoding="utf-8"))
    cases = {
        "bad-preset": (lambda d: d["steps"][4].update(preset="opt9"), "step 5, field preset: unknown preset 'opt9'"),
        "bad-field": (lambda d: d["steps"][3].update(set={"optimizer.lrr": 0.1}),
                      "step 4, field set.optimizer.lrr: unknown setting optimizer.lrr"),
        "bad-value": (lambda d: d["steps"][3].update(set={"optimizer.lr": -1}),
                      "step 4, field set.optimizer.lr: run lr-0.2: optimizer.lr = -1 is out of range (allowed: (0, 10000])"),
        "no-zh": (lambda d: d["steps"][2]["text"].pop("zh"), "step 3, field text: no 'zh' text"),
        "no-zh-choice": (lambda d: d["steps"][2]["question"]["choices"][1]["text"].pop("zh"),
                         "step 3, field question.choices[1].text: no 'zh' text"),
        "bad-run": (lambda d: d["steps"][2]["question"]["choices"][0].update(run="lr-9"),
                    "step 3, field question.choices[0].run: no run \"lr-9\""),
        "bad-view": (lambda d: d["steps"][0].update(views=["surfac"]), "step 1, field views[0]: unknown name"),
        "bad-key": (lambda d: d["steps"][0].update(vews=["surface"]), "step 1, field vews: unknown field"),
        "bad-quantity": (lambda d: d["steps"][5]["question"]["answer"].update(of="speed"),
                         "step 6, field question.answer.of: unknown quantity \"speed\""),
        "bad-solution": (lambda d: d["steps"][3]["question"]["solution"]["set_run"]["lr-0.0001"].update(
            {"optimizer.momentum": 0.5}), "step 4, field question.solution.set_run.lr-0.0001.optimizer.momentum"),
        "no-tolerance": (lambda d: d["steps"][1]["question"].update(tolerance=0),
                         "step 2, field question.tolerance: a number question needs a tolerance > 0"),
        "bad-language": (lambda d: d.update(languages=["en", "fr"]), "field languages[1]: unknown language \"fr\""),
        "bad-schema": (lambda d: d.update(schema=2), "field schema: 2 is not a lesson schema"),
    }
    out = []
    for name, (mutate, needle) in cases.items():
        d = copy.deepcopy(doc)
        mutate(d)
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
        out.append((path, f"lesson {path.name}, {needle}"))
    (tmp_path / "not-json.json").write_text("{ steps: [", encoding="utf-8")
    out.append((tmp_path / "not-json.json", "lesson not-json.json is not valid JSON"))
    (tmp_path / "a-folder.json").mkdir()
    out.append((tmp_path / "a-folder.json", "is a folder, not a lesson file"))
    out.append((tmp_path / "missing.json", "missing.json does not exist"))
    return out


def test_check_refuses_broken_files_in_one_line_each(tmp_path):
    cases = broken(tmp_path)
    for path, needle in cases:                      # the same lines as the command prints
        with pytest.raises(ConfigError) as err:
            L.load_file(path)
        assert needle in str(err.value) and "\n" not in str(err.value), (str(err.value), needle)
    res = cli("lessons", "--check", *(str(p) for p, _ in cases))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == len(cases)
    for line, (_p, needle) in zip(lines, cases):
        assert line.startswith("error: ") and needle in line, (line, needle)


@pytest.mark.parametrize("which", [0, 3, 14])     # a bad preset, a missing language, not JSON
def test_check_of_one_broken_file_is_one_line_and_exit_2(tmp_path, which):
    path, needle = broken(tmp_path)[which]
    res = cli("lessons", "--check", str(path))
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.count("\n") == 1 and needle in res.stderr and "Traceback" not in res.stderr
