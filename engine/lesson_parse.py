"""Parse and validate a lesson document: every problem is one ConfigError line
``lesson FILE, step N, field X: what is wrong (allowed: …)``.  Presets are looked up by name and
settings go through the engine's own ``Config.with_overrides`` and ``validate``."""
from __future__ import annotations

import math

from . import presets as P
from .config import Config, ConfigError, validate
from .lesson_schema import (CONTROLS, INDEXED, KINDS, LANGUAGES, MAX_STEP, NEEDS_CLASSES, NEEDS_EMA,
                            QUANTITIES, SCHEMA, STEP_KEYS, TOP_KEYS, VIEWS, Choice, Goal, Lesson, Measure,
                            Question, Step, Texts, covers)


class _Where:
    """Builds the one-line messages: ``lesson FILE, step N, field X: …``."""

    def __init__(self, source: str):
        self.source = source
        self.step: int | None = None

    def fail(self, fieldname: str, what: str):
        where = f"lesson {self.source}" + (f", step {self.step}" if self.step is not None else "")
        raise ConfigError(f"{where}, field {fieldname}: {what}")


def _plain(value) -> str:
    import json
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _texts(d, w: _Where, name: str, langs: tuple, required: bool = True, plain_ok: bool = False):
    if d is None:
        if required:
            w.fail(name, f"missing (give a text per language: {', '.join(langs)})")
        return None
    if plain_ok and isinstance(d, str):     # a formula may be the same in every language
        return Texts({lang: d for lang in langs})
    if not isinstance(d, dict):
        w.fail(name, f"expected an object of texts by language ({', '.join(langs)}), got {_plain(d)}")
    for lang in langs:
        if not isinstance(d.get(lang), str) or not d[lang].strip():
            w.fail(name, f"no {lang!r} text (the lesson's languages are {', '.join(langs)})")
    extra = sorted(set(d) - set(langs))
    if extra:
        w.fail(name, f"text in {extra[0]!r}, which is not one of the lesson's languages ({', '.join(langs)})")
    return Texts(dict(d))


def _int(v, w: _Where, name: str, lo: int = 0, hi: int = MAX_STEP) -> int:
    whole = isinstance(v, int) or (isinstance(v, float) and v.is_integer())
    if isinstance(v, bool) or not whole:
        w.fail(name, f"{_plain(v)} is not a whole number (allowed: {lo} to {hi:,})")
    if not lo <= int(v) <= hi:
        w.fail(name, f"{int(v)} is out of range (allowed: {lo} to {hi:,})")
    return int(v)


def _number(v, w: _Where, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        w.fail(name, f"{_plain(v)} is not a finite number")
    return float(v)


def _names(v, w: _Where, name: str, allowed: tuple) -> tuple:
    if not isinstance(v, list):
        w.fail(name, f"expected a list of names (allowed: {', '.join(allowed)})")
    for i, item in enumerate(v):
        if item not in allowed:
            w.fail(f"{name}[{i}]", f"unknown name {_plain(item)} (allowed: {', '.join(allowed)})")
    return tuple(v)


def _setting_paths(v, w: _Where, name: str) -> tuple:
    """A list of dotted settings or sections of Config (e.g. optimizer.lr, schedule)."""
    if not isinstance(v, list):
        w.fail(name, "expected a list of settings such as \"optimizer.lr\" or \"schedule\"")
    out = []
    for i, path in enumerate(v):
        if not isinstance(path, str):
            w.fail(f"{name}[{i}]", f"{_plain(path)} is not a setting name")
        try:
            Config().get(path)
        except AttributeError:
            top = ", ".join(f.name for f in Config.__dataclass_fields__.values())
            w.fail(f"{name}[{i}]", f"unknown setting {path!r} (sections and settings of the setup: {top}, "
                                   f"e.g. optimizer.lr)")
        out.append(path)
    return tuple(out)


def _applied(cfg: Config, label: str, settings: dict, run_settings: dict, w: _Where, prefix: str = "",
             only=None) -> Config:
    """``cfg`` with a step's (or a solution's) settings for every run and for run ``label``,
    validated by the engine's rules; a bad one fails naming its field."""
    from .model import Problem
    for kind, src in (("set", settings), (f"set_run.{label}", run_settings.get(label, {}))):
        for path, value in src.items():
            if not covers(only, path):
                w.fail(f"{prefix}{kind}.{path}", f"the task lets the student change only {', '.join(only)}")
            try:
                cfg = cfg.with_overrides({path: value})
            except ConfigError as exc:
                w.fail(f"{prefix}{kind}.{path}", str(exc))
    try:
        problem = Problem(cfg)
        validate(cfg, None if problem.objective else problem.n)
    except ConfigError as exc:
        named = list(settings) + list(run_settings.get(label, {}))
        bad = next((p for p in named if p in str(exc)), None)
        w.fail(f"{prefix}set.{bad}" if bad else f"{prefix}set", f"run {label}: {exc}")
    return cfg


def _configs(preset: P.Preset, settings: dict, run_settings: dict, w: _Where) -> dict:
    """{label: Config} of a preset with the step's settings."""
    if preset.kind != "race":
        if settings or run_settings:
            w.fail("set" if settings else "set_run",
                   f"preset {preset.name} is a scripted demo: it has no runs to take settings")
        return {}
    labels = preset.run_labels()
    for label in run_settings:
        if label not in labels:
            w.fail(f"set_run.{label}", f"preset {preset.name} has no run {label!r} "
                                       f"(allowed: {', '.join(labels)})")
    return {label: _applied(preset.run_config(label), label, settings, run_settings, w) for label in labels}


def _settings(d, w: _Where, name: str) -> dict:
    if d is None:
        return {}
    if not isinstance(d, dict):
        w.fail(name, f"expected an object of settings, e.g. {{\"optimizer.lr\": 0.2}}, got {_plain(d)}")
    return dict(d)


def _measure(d, w: _Where, name: str, configs: dict, at_key: str = "at") -> Measure:
    if not isinstance(d, dict):
        w.fail(name, "expected an object {\"run\": LABEL, \"of\": QUANTITY, \"at\": STEP}")
    unknown = sorted(set(d) - {"run", "of", "at", "within", "index", "below", "above"})
    if unknown:
        w.fail(f"{name}.{unknown[0]}", "unknown field (allowed: run, of, at, index)")
    if not configs:
        w.fail(name, "this step's preset is a scripted demo without runs: give the answer as a number")
    label = d.get("run")
    if label not in configs:
        w.fail(f"{name}.run", f"no run {_plain(label)} in this step (allowed: {', '.join(configs)})")
    of = d.get("of")
    if of not in QUANTITIES:
        w.fail(f"{name}.of", f"unknown quantity {_plain(of)} (allowed: {', '.join(QUANTITIES)})")
    cfg = configs[label]
    if of in NEEDS_EMA and not cfg.ema.enabled:
        w.fail(f"{name}.of", f"run {label} keeps no moving average here (set \"ema.enabled\": true)")
    if of in NEEDS_CLASSES:
        from .model import Problem
        problem = Problem(cfg)
        if problem.objective or problem.dataset.kind == "regression":
            w.fail(f"{name}.of", f"accuracy needs a classification data set; run {label} has "
                                 f"{cfg.data.name}")
    at = d.get(at_key)
    at = None if at is None else _int(at, w, f"{name}.{at_key}", 1 if of == "lr" else 0)
    index = 0
    if "index" in d:
        if of not in INDEXED:
            w.fail(f"{name}.index", f"only {', '.join(INDEXED)} take an index")
        from .model import Problem
        size = Problem(cfg).layout.size
        index = _int(d["index"], w, f"{name}.index", 0, size - 1)
    return Measure(label, of, at, index)


def _solution(d, w: _Where, configs: dict, only) -> tuple | None:
    """A task's worked solution: {"set": {…}, "set_run": {label: {…}}}, applied to this step's
    state and validated like a step's settings; it may change only what the task allows."""
    if d is None:
        return None
    if not isinstance(d, dict) or set(d) - {"set", "set_run"}:
        w.fail("question.solution", "expected an object {\"set\": {…}, \"set_run\": {LABEL: {…}}}")
    settings = _settings(d.get("set"), w, "question.solution.set")
    run_settings = _settings(d.get("set_run"), w, "question.solution.set_run")
    for label, values in run_settings.items():
        if label not in configs:
            w.fail(f"question.solution.set_run.{label}", f"no run {label!r} in this step "
                                                         f"(allowed: {', '.join(configs)})")
        _settings(values, w, f"question.solution.set_run.{label}")
    for label, cfg in configs.items():
        _applied(cfg, label, settings, run_settings, w, "question.solution.", only)
    return settings, {k: dict(v) for k, v in run_settings.items()}


def _question(d, w: _Where, langs: tuple, configs: dict) -> Question:
    if not isinstance(d, dict):
        w.fail("question", "expected an object with kind, prompt, right, wrong")
    known = {"kind", "prompt", "right", "wrong", "run_to", "choices", "answer", "tolerance", "relative",
             "goals", "only", "solution"}
    unknown = sorted(set(d) - known)
    if unknown:
        w.fail(f"question.{unknown[0]}", f"unknown field (allowed: {', '.join(sorted(known))})")
    kind = d.get("kind")
    if kind not in KINDS:
        w.fail("question.kind", f"{_plain(kind)} is not a question kind (allowed: {', '.join(KINDS)})")
    prompt = _texts(d.get("prompt"), w, "question.prompt", langs)
    right = _texts(d.get("right"), w, "question.right", langs)
    wrong = _texts(d.get("wrong"), w, "question.wrong", langs)
    run_to = None if d.get("run_to") is None else _int(d["run_to"], w, "question.run_to")
    if run_to is not None and not configs:
        w.fail("question.run_to", "this step's preset is a scripted demo: there are no runs to run")
    q = dict(kind=kind, prompt=prompt, right=right, wrong=wrong, run_to=run_to)
    if kind == "choice":
        raw = d.get("choices")
        if not isinstance(raw, list) or len(raw) < 2:
            w.fail("question.choices", "a multiple-choice question needs a list of at least 2 choices")
        choices = []
        for i, c in enumerate(raw):
            if not isinstance(c, dict):
                w.fail(f"question.choices[{i}]", "expected an object {\"text\": {…}, \"run\": LABEL} "
                                                 "(run is optional)")
            run = c.get("run")
            if run is not None and run not in configs:
                w.fail(f"question.choices[{i}].run", f"no run {_plain(run)} in this step "
                                                     f"(allowed: {', '.join(configs) or 'none'})")
            choices.append(Choice(_texts(c.get("text"), w, f"question.choices[{i}].text", langs), run))
        answer = d.get("answer")
        if isinstance(answer, dict):      # the engine decides: the choice whose run has the least/most
            rule = [k for k in ("least", "most") if k in answer]
            if len(rule) != 1:
                w.fail("question.answer", "give a choice index, or "
                                          "{\"least\"|\"most\": QUANTITY, \"at\": STEP}")
            if any(c.run is None for c in choices):
                w.fail("question.answer", "a least/most answer needs every choice to name its run")
            where = {k: v for k, v in answer.items() if k in ("at", "index")}
            m = _measure({"run": choices[0].run, "of": answer[rule[0]], **where}, w, "question.answer", configs)
            answer = (rule[0], m)
        else:
            answer = _int(answer, w, "question.answer", 0, len(choices) - 1)
        q.update(choices=tuple(choices), answer=answer)
    elif kind == "number":
        answer = d.get("answer")
        answer = _measure(answer, w, "question.answer", configs) if isinstance(answer, dict) \
            else _number(answer, w, "question.answer")
        tol = _number(d.get("tolerance", 0.0), w, "question.tolerance")
        rel = _number(d.get("relative", 0.0), w, "question.relative")
        if tol < 0 or rel < 0 or (tol == 0 and rel == 0):
            w.fail("question.tolerance", "a number question needs a tolerance > 0 (absolute \"tolerance\" "
                                         "or \"relative\", a fraction of the answer)")
        q.update(answer=answer, tolerance=tol, relative=rel)
    else:
        raw = d.get("goals")
        if not isinstance(raw, list) or not raw:
            w.fail("question.goals", "a task needs a list of goals, e.g. [{\"run\": \"gd\", \"of\": \"loss\", "
                                     "\"below\": 0.001, \"within\": 2000}]")
        goals = []
        for i, g in enumerate(raw):
            name = f"question.goals[{i}]"
            if not isinstance(g, dict):
                w.fail(name, "expected an object {run, of, below|above, at|within}")
            ops = [k for k in ("below", "above") if k in g]
            if len(ops) != 1:
                w.fail(name, "give exactly one of below, above")
            horizons = [k for k in ("at", "within") if k in g]
            if len(horizons) != 1:
                w.fail(name, "give exactly one of at (that step) or within (some step up to it)")
            m = _measure(g, w, name, configs, horizons[0])
            goals.append(Goal(m, ops[0], _number(g[ops[0]], w, f"{name}.{ops[0]}"), horizons[0] == "within"))
        only = None if d.get("only") is None else _setting_paths(d["only"], w, "question.only")
        q.update(goals=tuple(goals), only=only, solution=_solution(d.get("solution"), w, configs, only))
    return Question(**q)


def parse(doc, source: str) -> Lesson:
    """A lesson from its JSON document, or one ConfigError line naming ``source``, the step, the field."""
    try:
        return _parse(doc, source)
    except ConfigError:
        raise
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        raise ConfigError(f"lesson {source}: not a valid lesson ({type(exc).__name__}: {exc})") from None


def _parse(doc, source: str) -> Lesson:
    w = _Where(source)
    if not isinstance(doc, dict):
        raise ConfigError(f"lesson {source}: expected a JSON object with schema, name, section, title, "
                          f"languages and steps")
    unknown = sorted(set(doc) - set(TOP_KEYS))
    if unknown:
        w.fail(unknown[0], f"unknown field (allowed: {', '.join(TOP_KEYS)})")
    if doc.get("schema") != SCHEMA:
        w.fail("schema", f"{_plain(doc.get('schema'))} is not a lesson schema this Descent reads "
                         f"(allowed: {SCHEMA})")
    for key in ("name", "section"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            w.fail(key, "missing or empty (a short text)")
    langs = doc.get("languages")
    if not isinstance(langs, list) or not langs:
        w.fail("languages", f"expected a list of language codes (allowed: {', '.join(LANGUAGES)})")
    for i, lang in enumerate(langs):
        if lang not in LANGUAGES:
            w.fail(f"languages[{i}]", f"unknown language {_plain(lang)} (allowed: {', '.join(LANGUAGES)})")
    langs = tuple(dict.fromkeys(langs))
    title = _texts(doc.get("title"), w, "title", langs)
    summary = _texts(doc.get("summary"), w, "summary", langs, required=False)
    raw_steps = doc.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        w.fail("steps", "expected a non-empty list of steps")
    steps = []
    preset_name, configs = None, {}
    for n, s in enumerate(raw_steps, start=1):
        w.step = n
        if not isinstance(s, dict):
            w.fail("step", "expected an object with at least text (and preset in the first step)")
        unknown = sorted(set(s) - set(STEP_KEYS))
        if unknown:
            w.fail(unknown[0], f"unknown field (allowed: {', '.join(STEP_KEYS)})")
        fresh = any(k in s for k in ("preset", "set", "set_run"))
        if "preset" in s:
            if not isinstance(s["preset"], str):
                w.fail("preset", f"{_plain(s['preset'])} is not a preset name")
            try:
                P.get(s["preset"])
            except ConfigError as exc:
                w.fail("preset", str(exc))
            preset_name = s["preset"]
        elif preset_name is None:
            w.fail("preset", "the first step must name a preset (python main.py presets lists them)")
        preset = P.get(preset_name)
        settings = _settings(s.get("set"), w, "set")
        run_settings = _settings(s.get("set_run"), w, "set_run")
        for label, d in run_settings.items():
            _settings(d, w, f"set_run.{label}")
        if fresh:
            configs = _configs(preset, settings, run_settings, w)
        views = None if s.get("views") is None else _names(s["views"], w, "views", VIEWS)
        before = steps[-1] if steps and not fresh else None      # a continuing step keeps these
        hide = _names(s["hide"], w, "hide", CONTROLS) if s.get("hide") is not None else \
            before.hide if before else ()
        shown = _setting_paths(s["settings"], w, "settings") if s.get("settings") is not None else \
            before.shown_settings if before else None
        run_to = None if s.get("run_to") is None else _int(s["run_to"], w, "run_to")
        if run_to is not None and not configs:
            w.fail("run_to", f"preset {preset_name} is a scripted demo: there are no runs to run")
        question = None if s.get("question") is None else _question(s["question"], w, langs, configs)
        steps.append(Step(number=n, text=_texts(s.get("text"), w, "text", langs), preset=preset_name,
                          fresh=fresh,
                          settings=settings, run_settings={k: dict(v) for k, v in run_settings.items()},
                          title=_texts(s.get("title"), w, "title", langs, required=False),
                          formula=_texts(s.get("formula"), w, "formula", langs, required=False,
                                         plain_ok=True),
                          run_to=run_to, views=views, hide=hide, shown_settings=shown, question=question,
                          configs=dict(configs)))
    return Lesson(doc["name"], doc["section"], title, langs, tuple(steps), source, summary)

