"""The checks of a lesson's questions and tasks: pure functions of numbers read from the runs.

``measure(m, runs, cursor)`` reads one number (a loss, θ[i], the rate of an update, …) from the
engine's runs; ``check_choice``, ``check_number`` and ``check_task`` return a :class:`Verdict`:
whether the answer is right, the lesson's own feedback text, and a detail line saying what the
engine found.  The detail is an English template with its fields (``detail.format(**fields)``),
so an interface can show it in its own language; every template is in ``DETAILS``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass

import numpy as np

from .lesson_schema import Measure, Question, Texts, covers

# the detail templates (English; an interface translates them, then formats the fields)
CHOICE_WRONG = "The answer is: {answer}"
CHOICE_BY = "{quantity} at step {step}: {values}"
NUMBER_RIGHT = "The engine gives {truth}; you said {value} (right within ±{tol})."
NUMBER_WRONG = "The engine gives {truth}; you said {value} (allowed: ±{tol})."
NUMBER_NONE = "Type a number first."
CHOICE_NONE = "Pick one of the answers first."
NO_VALUE = ("run {run} has no {quantity} at step {step} (it diverged at step {diverged} or was not run "
            "that far)")
GOAL_MET = "{run}: {quantity} = {value} at step {step} ({op} {limit}) ✓"
GOAL_MISSED_AT = "{run}: {quantity} = {value} at step {step}, not {op} {limit}"
GOAL_MISSED_WITHIN = ("{run}: {quantity} never went {op} {limit} by step {step} (closest: {value} at step "
                      "{best})")
CHANGED = "You changed {setting} of run {run}; this task lets you change only {allowed}."
DETAILS = (CHOICE_WRONG, CHOICE_BY, NUMBER_RIGHT, NUMBER_WRONG, NUMBER_NONE, CHOICE_NONE, NO_VALUE, GOAL_MET,
           GOAL_MISSED_AT, GOAL_MISSED_WITHIN, CHANGED)
# how the quantities are named in the details (translated by the interface too)
QUANTITY_NAMES = {"loss": "loss", "total_loss": "loss + penalty", "penalty": "penalty", "theta": "θ[{index}]",
                  "ema": "shadow θ[{index}]", "ema_loss": "loss of the shadow θ", "lr": "rate of update",
                  "weights_sq": "Σw²", "accuracy": "accuracy", "diverged_at": "divergence step",
                  "parameters": "parameters", "layers": "layers"}
OPS = {"below": "below", "above": "above"}


@dataclass(frozen=True)
class Detail:
    template: str
    fields: dict = field(default_factory=dict)

    def text(self, translate=lambda s: s) -> str:
        """The line in a language: ``translate`` maps each English template and name."""
        values = dict(self.fields)
        for k in ("quantity", "op"):
            if k in values:
                values[k] = translate(values[k]).format(index=self.fields.get("index", 0))
        return translate(self.template).format(**values)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    feedback: Texts                     # the lesson's right or wrong text
    details: tuple = ()                 # Detail, …: what the engine found

    def detail_text(self, translate=lambda s: s) -> str:
        return "\n".join(d.text(translate) for d in self.details)


def fmt(x) -> str:
    """A number as a lesson shows it: 4 significant digits, whole numbers as such."""
    if x is None:
        return "—"
    x = float(x)
    if math.isfinite(x) and x == int(x) and abs(x) < 1e9:
        return f"{int(x):,}"
    return f"{x:.4g}"


def quantity_name(m: Measure) -> str:
    return QUANTITY_NAMES[m.of]


def _run(runs, label: str):
    for r in runs:
        if r.label == label:
            return r
    return None


def measure(m: Measure, runs, cursor: int) -> float | None:
    """The number ``m`` names, from the run labelled ``m.run`` at step ``m.at`` (None: ``cursor``);
    None when the run has no such step (it diverged before it, or was not trained that far)."""
    r = _run(runs, m.run)
    if r is None:
        return None
    if m.of == "diverged_at":
        return None if r.diverged_at is None else float(r.diverged_at)
    if m.of == "parameters":
        return float(r.problem.layout.size)
    if m.of == "layers":
        return float(r.problem.layout.layers)
    k = int(cursor if m.at is None else m.at)
    if k < 0 or k > r.step or (m.of == "lr" and k < 1):
        return None
    row = int(r.rows([k])[0])
    theta = r.theta_history[row]
    if m.of == "loss":
        return float(r.losses([k], exact=True)[0])
    if m.of == "total_loss":
        return float(r.losses([k], exact=True)[0] + r.penalties([k], exact=True)[0])
    if m.of == "penalty":
        return float(r.penalties([k])[0])
    if m.of == "theta":
        return float(theta[m.index])
    if m.of == "ema":
        return float(r.ema_history[row][m.index])
    if m.of == "ema_loss":
        return float(r.losses([k], ema=True, exact=True)[0])
    if m.of == "lr":
        return float(r.lr_history[row])
    if m.of == "weights_sq":
        w = theta[r.problem.layout.weight_mask]
        return float(w @ w)
    if m.of == "accuracy":
        from .explain import accuracy
        acc = accuracy(r.problem, r.problem.spec(r.config), theta)
        return None if acc is None else float(acc)
    raise ValueError(f"unknown quantity {m.of!r}")


def _name_fields(m: Measure) -> dict:
    return {"quantity": quantity_name(m), "index": m.index}


def _no_value(m: Measure, runs, cursor: int) -> Detail:
    r = _run(runs, m.run)
    return Detail(NO_VALUE, {"run": m.run, **_name_fields(m), "step": fmt(cursor if m.at is None else m.at),
                             "diverged": fmt(None if r is None else r.diverged_at)})


def right_choice(q: Question, runs, cursor: int) -> tuple[int | None, Detail | None]:
    """The index of the right choice (from the engine when the answer is least/most) and, then,
    the numbers it was decided by."""
    if not isinstance(q.answer, tuple):
        return int(q.answer), None
    rule, m = q.answer
    values = []
    for c in q.choices:
        values.append(measure(Measure(c.run, m.of, m.at, m.index), runs, cursor))
    known = [(v, i) for i, v in enumerate(values) if v is not None and math.isfinite(v)]
    if not known:
        return None, _no_value(m, runs, cursor)
    best = (min if rule == "least" else max)(known)[1]
    listing = ", ".join(f"{c.run} {fmt(v)}" for c, v in zip(q.choices, values))
    return best, Detail(CHOICE_BY, {**_name_fields(m), "step": fmt(cursor if m.at is None else m.at),
                                    "values": listing})


def check_choice(q: Question, chosen: int | None, runs, cursor: int, lang: str = "en") -> Verdict:
    """Multiple choice: ``chosen`` (an index) against the right choice."""
    best, why = right_choice(q, runs, cursor)
    ok = chosen is not None and best is not None and int(chosen) == best
    details = []
    if best is not None and not ok:
        details.append(Detail(CHOICE_WRONG, {"answer": q.choices[best].text.get(lang)}))
    if why is not None:
        details.append(why)
    return Verdict(ok, q.right if ok else q.wrong, tuple(details))


def true_number(q: Question, runs, cursor: int) -> float | None:
    return measure(q.answer, runs, cursor) if isinstance(q.answer, Measure) else float(q.answer)


def check_number(q: Question, value: float | None, runs, cursor: int) -> Verdict:
    """A number within the question's tolerance of the true value (the engine's, for a measure)."""
    if value is None or not math.isfinite(value):
        return Verdict(False, q.wrong, (Detail(NUMBER_NONE),))
    truth = true_number(q, runs, cursor)
    if truth is None:
        return Verdict(False, q.wrong, (_no_value(q.answer, runs, cursor),))
    tol = max(q.tolerance, q.relative * abs(truth))
    ok = abs(value - truth) <= tol * (1 + 1e-12)
    return Verdict(ok, q.right if ok else q.wrong,
                   (Detail(NUMBER_RIGHT if ok else NUMBER_WRONG,
                           {"truth": fmt(truth), "value": fmt(value), "tol": fmt(tol)}),))


def changed_settings(actual, expected, prefix: str = "") -> list[str]:
    """Dotted paths of the leaf settings where two Configs differ."""
    out = []
    for f in fields(actual):
        a, e = getattr(actual, f.name), getattr(expected, f.name)
        if is_dataclass(a):
            out += changed_settings(a, e, prefix + f.name + ".")
        elif a != e:
            out.append(prefix + f.name)
    return out


def check_task(q: Question, runs, expected: dict, cursor: int) -> Verdict:
    """A task: every goal met by the runs as they are (trained to the goals' steps), with no
    setting changed outside ``q.only`` (compared with ``expected``, {label: Config})."""
    details, ok = [], True
    if q.only is not None:
        for r in runs:
            want = expected.get(r.label)
            if want is None:
                continue
            for path in changed_settings(r.config, want):
                if path != "steps" and not covers(q.only, path):
                    ok = False
                    details.append(Detail(CHANGED, {"setting": path, "run": r.label,
                                                    "allowed": ", ".join(q.only)}))
    for g in q.goals:
        m = g.measure
        r = _run(runs, m.run)
        base = {"run": m.run, **_name_fields(m), "op": OPS[g.op], "limit": fmt(g.limit)}
        if g.within and m.of not in ("diverged_at", "parameters", "layers") and r is not None:
            last = min(m.at if m.at is not None else cursor, r.step)
            steps = np.unique(r.steps_history[r.steps_history <= last])
            values = np.array([measure(Measure(m.run, m.of, int(k), m.index), runs, cursor) for k in steps]) \
                if m.of not in ("loss", "ema_loss") else r.losses(steps, ema=m.of == "ema_loss")
            values = np.where(np.isfinite(values), values, np.inf if g.op == "below" else -np.inf)
            hit = np.flatnonzero(values < g.limit if g.op == "below" else values > g.limit)
            if hit.size:
                first = hit[0]
                details.append(Detail(GOAL_MET, {**base, "value": fmt(values[first]), "step": fmt(steps[first])}))
                continue
            ok = False
            best = int(np.argmin(values) if g.op == "below" else np.argmax(values))
            details.append(Detail(GOAL_MISSED_WITHIN, {**base, "step": fmt(m.at), "value": fmt(values[best]),
                                                       "best": fmt(steps[best])}))
            continue
        value = measure(m, runs, cursor)
        if value is None:
            ok = False
            details.append(_no_value(m, runs, cursor))
            continue
        met = value < g.limit if g.op == "below" else value > g.limit
        step = fmt(cursor if m.at is None else m.at)
        template = GOAL_MET if met else GOAL_MISSED_AT
        details.append(Detail(template, {**base, "value": fmt(value), "step": step}))
        ok = ok and met
    return Verdict(ok, q.right if ok else q.wrong, tuple(details))
