"""The right (and a wrong) answer to each lesson question, computed by the engine on runs of its own
(not the window's): the lesson tests answer with these."""
from __future__ import annotations

from dataclasses import dataclass

from engine import lesson_checks as C
from engine.lessons import Measure
from engine.run import Run


def runs_for(configs: dict, steps: int) -> list[Run]:
    """Fresh runs of a step's configurations, trained ``steps`` updates."""
    runs = [Run(label, cfg) for label, cfg in configs.items()]
    for r in runs:
        r.advance(steps)
    return runs


def solved_configs(step) -> dict:
    """A task step's configurations with its worked solution applied."""
    settings, run_settings = step.question.solution
    return {label: cfg.with_overrides({**settings, **run_settings.get(label, {})})
            for label, cfg in step.configs.items()}


@dataclass
class Answers:
    right: object        # a choice index, a number, or the settings that solve a task
    wrong: object


def answers(step) -> Answers:
    q = step.question
    horizon = q.horizon or 0
    runs = runs_for(step.configs, horizon) if step.configs else []
    cursor = q.run_to if q.run_to is not None else horizon
    if q.kind == "choice":
        if isinstance(q.answer, tuple):
            rule, m = q.answer
            values = [C.measure(Measure(c.run, m.of, m.at, m.index), runs, cursor) for c in q.choices]
            right = values.index(min(values) if rule == "least" else max(values))
        else:
            right = q.answer
        return Answers(right, (right + 1) % len(q.choices))
    if q.kind == "number":
        truth = C.measure(q.answer, runs, cursor) if isinstance(q.answer, Measure) else q.answer
        tol = max(q.tolerance, q.relative * abs(truth))
        return Answers(truth, truth + 10 * tol + 1)
    return Answers(q.solution, None)
