"""Runs a lesson in the window: enters its steps (the state through the public Session API, the
views and controls through the window's docks) and checks the answers with the engine's pure
checks (``engine.lesson_checks``).  The panel (``gui.lesson_panel``) shows what this holds.

The window's layout is saved when a lesson starts and put back exactly when it ends; a step's
views are placed one big and the rest beside it, the views it does not name are hidden.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QObject, Qt, Signal

from engine import lesson_checks as C
from engine.lessons import Lesson, Step, Texts
from gui.i18n import LANGUAGE, tr

LESSON_STATE_VERSION = 17
MAIN_SHARE = 0.6          # of the views' width: the first view a step names


def parse_number(text: str) -> float | None:
    """A typed number: "−7", "1,000", "1.8e-5", "0.09 " (None when it is not one)."""
    t = (text or "").strip().replace("−", "-").replace(",", "").replace(" ", "")
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


class LessonRunner(QObject):
    entered = Signal(int)         # step index
    checked = Signal(object)      # engine.lesson_checks.Verdict
    stopped = Signal()

    def __init__(self, window, session, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.session = session
        self.lesson: Lesson | None = None
        self.index = 0
        self.verdict: C.Verdict | None = None
        self._saved = None               # the window's layout before the lesson
        self._visible: dict[str, bool] = {}
        self._pending_run: int | None = None
        ready = getattr(session, "ready", None)
        if ready is not None:
            ready.connect(self._on_session_ready)

    # --- lesson ---------------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.lesson is not None

    @property
    def step(self) -> Step | None:
        return self.lesson.steps[self.index] if self.lesson else None

    def start(self, lesson: Lesson, index: int = 0) -> None:
        if self.lesson is None:
            self._saved = self.window.saveState(LESSON_STATE_VERSION)
            self._visible = {name: not w.isHidden() for name, w in self._controls().items()}
        self.lesson = lesson
        self.enter(index)

    def stop(self) -> None:
        """Leave the lesson: every control back, the layout as it was before it."""
        if self.lesson is None:
            return
        self.lesson = None
        self.verdict = None
        self._pending_run = None
        self.window.parameters.set_only(None)
        for name, w in self._controls().items():
            w.setVisible(self._visible.get(name, True))
        if self._saved is not None:
            self.window.restoreState(self._saved, LESSON_STATE_VERSION)
        self._saved = None
        self.stopped.emit()

    def next(self) -> None:
        if self.lesson and self.index + 1 < len(self.lesson.steps):
            self.enter(self.index + 1)

    def back(self) -> None:
        if self.lesson and self.index > 0:
            self.enter(self.index - 1)

    def enter(self, index: int) -> None:
        """Step ``index``: its state (a fresh preset with its settings, or the state as it is), the
        step it shows, its views and hidden controls."""
        self.index = max(0, min(int(index), len(self.lesson.steps) - 1))
        self.verdict = None
        step = self.step
        s = self.session
        s.pause()
        if step.fresh:
            s.load_preset(step.preset)
            for path, value in step.settings.items():
                s.set_value(path, value)
            for label, values in step.run_settings.items():
                for path, value in values.items():
                    s.set_value(path, value, label)
            self._run_to(step.run_to or 0)
        elif step.run_to is not None:
            self._run_to(step.run_to)
        self.apply_layout()
        self.entered.emit(self.index)

    # --- layout ---------------------------------------------------------------------------------
    def _controls(self) -> dict:
        w = self.window
        out = {"setup": w.setup_dock, "presets": w.picker, "parameters": w.parameters, "guide": w.guide_dock,
               "inspector": w.inspector_dock, "messages": w.messages_dock, "transport": w.transport}
        return {k: v for k, v in out.items() if v is not None}

    def apply_layout(self) -> None:
        """The current step's views and controls (again after presenter mode, for one)."""
        step = self.step
        if step is None:
            return
        presenting = getattr(getattr(self.window, "presenter", None), "active", False)
        for name, w in self._controls().items():
            keep_hidden = presenting and name in ("setup", "guide", "inspector", "messages", "transport")
            w.setVisible(self._visible.get(name, True) and name not in step.hide and not keep_hidden)
        self.window.parameters.set_only(step.shown_settings)
        if step.views is not None:
            self.arrange_views(step.views)

    def arrange_views(self, keys) -> None:
        """The views ``keys`` on screen (the first big, the others stacked beside it); the rest hidden."""
        w = self.window
        docks = [w.docks[f"view_{k}"][0] for k in keys if f"view_{k}" in w.docks]
        for dock in w.view_docks:
            if dock not in docks:
                dock.hide()
        if not docks:
            return
        for dock in docks:
            dock.setFloating(False)
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, docks[0])
        docks[0].show()
        prev = docks[0]
        for i, dock in enumerate(docks[1:]):
            w.splitDockWidget(prev, dock, Qt.Orientation.Horizontal if i == 0 else Qt.Orientation.Vertical)
            dock.show()
            prev = dock
        if len(docks) > 1:
            room = max(w.width() - (w.lesson_dock.width() if hasattr(w, "lesson_dock") else 0), 400)
            w.resizeDocks([docks[0], docks[1]], [int(room * MAIN_SHARE), int(room * (1 - MAIN_SHARE))],
                          Qt.Orientation.Horizontal)
        for dock in docks:
            dock.raise_()

    # --- running --------------------------------------------------------------------------------
    def _ready(self) -> bool:
        return bool(getattr(self.session, "is_ready", True))

    def _run_to(self, k: int) -> None:
        if not self.session.runs:
            return
        if not self._ready():          # the kernels are compiling: train once they are there
            self._pending_run = k
            return
        self._pending_run = None
        self.session.run_to(int(k))

    def _on_session_ready(self) -> None:
        if self._pending_run is not None and self.lesson is not None:
            k, self._pending_run = self._pending_run, None
            self.session.run_to(k)

    def check(self, answer=None) -> C.Verdict | None:
        """Check the current question: a choice index, a number (or its text), or nothing for a
        task.  Predict-then-run questions run to their step first; a task starts the runs again
        with the student's settings and trains them to its goals' steps."""
        step = self.step
        q = step.question if step else None
        if q is None:
            return None
        s = self.session
        if q.kind == "number" and isinstance(answer, str):
            answer = parse_number(answer)
        if q.kind != "task" and answer is None:    # nothing answered yet: say so, run nothing
            verdict = C.Verdict(False, Texts({}), (C.Detail(C.NUMBER_NONE if q.kind == "number" else C.CHOICE_NONE),))
            self.verdict = verdict
            self.checked.emit(verdict)
            return verdict
        if s.runs and not self._ready():
            s.message.emit("info", tr("The engine is still compiling (first launch only); check again in a "
                                      "moment."))
            return None
        s.pause()
        if q.kind == "task":
            s.reset()
            s.run_to(q.horizon or 0)
            verdict = C.check_task(q, s.runs, step.configs, s.cursor)
        else:
            if s.runs and q.horizon is not None and (q.run_to is not None or s.head < q.horizon):
                s.run_to(q.horizon)
                if q.run_to is not None:
                    s.set_cursor(q.run_to)
            if q.kind == "choice":
                verdict = C.check_choice(q, answer, s.runs, s.cursor, self.language())
            else:
                verdict = C.check_number(q, answer, s.runs, s.cursor)
        self.verdict = verdict
        self.checked.emit(verdict)
        return verdict

    def apply_solution(self) -> bool:
        """A task's worked solution into the settings (the student presses Check to see it pass)."""
        q = self.step.question if self.step else None
        if q is None or q.solution is None:
            return False
        settings, run_settings = q.solution
        changes = [(path, value, None) for path, value in settings.items()]
        changes += [(path, value, label) for label, values in run_settings.items() for path, value in values.items()]
        return all([self.session.set_value(path, value, label) for path, value, label in changes])

    def language(self) -> str:
        langs = self.lesson.languages if self.lesson else ("en",)
        return LANGUAGE.code if LANGUAGE.code in langs else langs[0]

    def text(self, texts) -> str:
        return texts.get(self.language()) if texts is not None else ""
