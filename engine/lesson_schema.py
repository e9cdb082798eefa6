"""The lesson schema: frozen dataclasses, and the names a lesson may use (views, controls,
question kinds, quantities).  Read by ``engine.lesson_parse``; documented in README.md ("Lessons")."""
from __future__ import annotations

from dataclasses import dataclass, field

SCHEMA = 1
LANGUAGES = ("en", "zh")
# the window's views and the controls a step may hide (the GUI checks it knows every one)
VIEWS = ("surface", "surface3d", "loss", "params", "lr", "decision", "ema", "loss-shape", "activations",
         "network")
CONTROLS = ("setup", "presets", "parameters", "guide", "inspector", "messages", "transport")
KINDS = ("choice", "number", "task")
# quantities a question or task reads from a run (see engine.lesson_checks.measure)
QUANTITIES = ("loss", "total_loss", "penalty", "theta", "ema", "ema_loss", "lr", "weights_sq", "accuracy",
              "diverged_at", "parameters", "layers")
INDEXED = ("theta", "ema")
NEEDS_EMA = ("ema", "ema_loss")
NEEDS_CLASSES = ("accuracy",)
STEP_KEYS = ("title", "text", "formula", "preset", "set", "set_run", "run_to", "views", "hide", "settings",
             "question")
TOP_KEYS = ("schema", "name", "section", "title", "summary", "languages", "steps")
MAX_STEP = 10 ** 7


def covers(paths, path: str) -> bool:
    """Whether setting ``path`` is one of ``paths`` or inside one of them (a section such as "reg");
    ``paths`` None covers every setting."""
    return paths is None or any(path == p or path.startswith(p + ".") for p in paths)


@dataclass(frozen=True)
class Texts:
    """One text in several languages; ``get`` falls back to English, then to any language."""
    by_lang: dict

    def get(self, lang: str) -> str:
        return self.by_lang.get(lang) or self.by_lang.get("en") or next(iter(self.by_lang.values()), "")


@dataclass(frozen=True)
class Measure:
    """A number read from one run: ``of`` at step ``at`` (None: the step shown), θ index ``index``."""
    run: str
    of: str
    at: int | None = None
    index: int = 0


@dataclass(frozen=True)
class Goal:
    """A task's condition: ``measure`` below/above ``limit``, at step ``measure.at`` or, with
    ``within``, at some recorded step up to it."""
    measure: Measure
    op: str            # "below" | "above"
    limit: float
    within: bool


@dataclass(frozen=True)
class Choice:
    text: Texts
    run: str | None = None


@dataclass(frozen=True)
class Question:
    kind: str                           # choice | number | task
    prompt: Texts
    right: Texts
    wrong: Texts
    run_to: int | None = None           # predict-then-run: show this step once answered
    choices: tuple = ()                 # choice: Choice, …
    answer: object = None               # choice: index or ("least"|"most", Measure); number: float or Measure
    tolerance: float = 0.0              # number: absolute
    relative: float = 0.0               # number: relative (of the true value)
    goals: tuple = ()                   # task: Goal, …
    only: tuple | None = None           # task: the setting paths the student may change (None: any)
    solution: tuple | None = None       # task: ({path: value}, {label: {path: value}}) that meets the goals

    @property
    def horizon(self) -> int | None:
        """The step the question needs the runs trained to (None: as they are)."""
        steps = [g.measure.at for g in self.goals if g.measure.at is not None]
        if isinstance(self.answer, Measure) and self.answer.at is not None:
            steps.append(self.answer.at)
        if isinstance(self.answer, tuple) and self.answer[1].at is not None:
            steps.append(self.answer[1].at)
        if self.run_to is not None:
            steps.append(self.run_to)
        return max(steps) if steps else None


@dataclass(frozen=True)
class Step:
    number: int                         # 1-based
    text: Texts
    preset: str
    fresh: bool                         # starts the preset afresh with ``settings`` (else continues)
    settings: dict                      # {path: value} for every run
    run_settings: dict                  # {label: {path: value}}
    title: Texts | None = None
    formula: Texts | None = None
    run_to: int | None = None
    views: tuple | None = None          # None: the views stay as they are
    hide: tuple = ()
    shown_settings: tuple | None = None  # None: the whole setup tree
    question: Question | None = None
    configs: dict = field(default_factory=dict)   # {label: Config} this step expects (fresh or inherited)


@dataclass(frozen=True)
class Lesson:
    name: str
    section: str
    title: Texts
    languages: tuple
    steps: tuple
    file: str                           # the file's name (as the messages name it)
    summary: Texts | None = None
    path: str = ""                      # where it was read from

    @property
    def questions(self) -> int:
        return sum(1 for s in self.steps if s.question is not None)

    def listing(self) -> dict:
        """The entry ``python main.py lessons --json`` prints."""
        return {"name": self.name, "section": self.section, "title": self.title.get("en"),
                "steps": len(self.steps), "questions": self.questions, "languages": list(self.languages),
                "file": self.path or self.file}

