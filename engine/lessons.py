"""Lessons: a chapter section as a guided tour, one JSON file per section in ``resources/lessons/``.

A lesson is a list of steps.  A step sets the state (a preset and settings, the step to show,
which views show and which controls are hidden), shows its text and formula, and may ask a
question: predict-then-run (multiple choice, or a number with a tolerance) or a task checked
against the runs.  The schema is documented in README.md ("Lessons"); in short::

    {"schema": 1, "name": "4.2-learning-rate", "section": "4.2",
     "title": {"en": "…", "zh": "…"}, "languages": ["en", "zh"],
     "steps": [{"preset": "opt4_4", "set": {"optimizer.lr": 0.2}, "set_run": {"lr-1": {…}},
                "run_to": 40, "views": ["surface", "params"], "hide": ["inspector"],
                "settings": ["optimizer.lr"], "title": {…}, "text": {…}, "formula": "w ← w − lr·∇",
                "question": {"kind": "choice" | "number" | "task", …}}]}

A step that names ``preset``, ``set`` or ``set_run`` starts that preset afresh with those
settings (it looks the same however one arrives at it); a step without them continues from the
state the previous step left, the student's changes included, and keeps its ``hide`` and
``settings`` unless it names its own.  ``views`` absent: the views stay as they are.

Everything is validated when the file is read, with the engine's own rules (presets by name,
settings through ``Config.with_overrides`` and ``validate``): any problem is one ConfigError line
``lesson FILE, step N, field X: what is wrong (allowed: …)``.  The checks of the answers are pure
functions of the runs (``engine.lesson_checks``).  No Qt here.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from . import resources
from .config import ConfigError, read_json
from .lesson_parse import parse
from .lesson_schema import (CONTROLS, KINDS, LANGUAGES, QUANTITIES, SCHEMA, VIEWS, Choice, Goal, Lesson,  # noqa: F401
                            Measure, Question, Step, Texts)


def lesson_dir() -> Path:
    """Where the shipped lessons are (the one place that knows): the checkout's or the installed
    package's ``lessons/`` (engine.resources; a plain pip install ships them)."""
    return resources.folder("lessons") or resources.CHECKOUT / "lessons"



def load_file(path) -> Lesson:
    """A lesson file; any problem (missing, a folder, not JSON, invalid) is one ConfigError line."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"lesson {path}: is a folder, not a lesson file (give a .json file)")
    try:
        doc = read_json(path, "lesson")
    except ConfigError as exc:
        text = str(exc)
        raise ConfigError(text if text.startswith("lesson") else f"lesson {path.name}: {text}") from None
    return replace(parse(doc, path.name), path=str(path.resolve()))


_cache: dict[str, Lesson] | None = None
SKIPPED: list[str] = []    # one line per shipped lesson file that could not be used


def all_lessons() -> dict[str, Lesson]:
    """The shipped lessons by name, in section order; a broken file is skipped (see SKIPPED)."""
    global _cache
    if _cache is None:
        found = []
        SKIPPED.clear()
        for path in sorted(lesson_dir().glob("*.json")):
            try:
                found.append(load_file(path))
            except ConfigError as exc:
                SKIPPED.append(f"lesson file skipped: {exc}")
        found.sort(key=lambda lesson: (lesson.section, lesson.name))
        _cache = {lesson.name: lesson for lesson in found}
    return _cache


def find(name: str) -> Lesson:
    """A shipped lesson by name or section ("4.2"), or a lesson file by path."""
    lessons = all_lessons()
    if name in lessons:
        return lessons[name]
    by_section = [lesson for lesson in lessons.values() if lesson.section == name]
    if by_section:
        return by_section[0]
    if name.endswith(".json") or Path(name).exists():
        return load_file(name)
    allowed = ", ".join(f"{n} ({lesson.section})" for n, lesson in lessons.items()) or "none found"
    raise ConfigError(f"unknown lesson {name!r} (allowed: {allowed}, or a lesson file path)")
