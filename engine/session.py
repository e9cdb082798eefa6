"""The session: the comparison (the runs), the cursor (the step every view shows), the change log
and the one setting policy — no Qt.  ``gui.session`` adapts it to signals, a play timer and a
trainer thread; a script or a test can drive it as it is.

Setting policy, in one place (``propose``): a value is applied to a copy of each target run's
configuration, derived defaults follow (``with_derived_defaults``), and the result is validated
against the run's data once; an edit to a group in ``engine.run.RESTART_GROUPS`` (data, model,
loss, regulariser, init, EMA, batch) restarts the runs, any other (rates, optimiser, schedule,
steps) applies from the cursor on and is logged in ``changes`` (so a saved session replays it).

What the session tells its owner goes through two hooks an owner overrides: ``_notify(event,
*args)`` with event "rebuilt" (runs replaced), "frame" (new state to show) or "config_changed"
(a run label, "" = all), and ``_tell(message)`` with a ``Message`` (plain data: a level, an English
template and its fields, so the owner can translate it).  Headless, messages collect in ``messages``.

A trainer thread may advance the runs: it does so under ``lock`` and stops early when
``interrupt[0]`` is set (``locked_now``).  The session has no play state of its own: ``playing``
is False and ``pause()`` does nothing; the Qt adapter overrides both.

Nothing is discarded unseen (``engine.branches``): a future past the cursor that stepping, playing
or a setting would discard becomes a ghost branch; a reset or restart can be undone (``undo``).
"""
from __future__ import annotations

import contextlib
import math
import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np

from . import branches as B
from . import presets as P
from . import session_file as SF
from .config import Config, ConfigError, validate
from .run import Comparison, Run

HISTORY_BYTES = 8 * 2 ** 20   # for all runs together; older history is thinned beyond it (every step stays exact)

# the session's own messages (English templates; an owner may translate them)
DEMO_FIXED = "{preset} is a scripted demo: its settings are fixed"
ALL_FINISHED = "every run has reached its step count; raise 'steps' or press R to reset"
DIVERGED = ("run '{label}' diverged at step {k}: the loss or θ became non-finite — the learning rate "
            "({lr} at step {k}) is likely too large for this problem")
TEMPLATES = (DEMO_FIXED, ALL_FINISHED, DIVERGED) + B.TEMPLATES


@dataclass(frozen=True)
class Message:
    """One line for the user: ``level`` info | warning | error | diverged; ``template`` in English
    with ``fields``; ``error``: the ConfigError of a refused value (its field is named by the
    owner, for the run ``label``)."""
    level: str
    template: str
    fields: dict = field(default_factory=dict)
    error: ConfigError | None = None
    label: str | None = None

    @property
    def text(self) -> str:
        """The message in English."""
        return str(self.error) if self.error is not None else self.template.format(**self.fields)

    @classmethod
    def refused(cls, exc: ConfigError, label: str | None = None) -> Message:
        return cls("error", getattr(exc, "template", "") or str(exc), dict(getattr(exc, "fields", {})),
                   exc, label)


# --- the setting policy ----------------------------------------------------------------------------
def with_derived_defaults(run: Run, cfg: Config, path: str) -> Config:
    """Switching from a constant rate to a decaying schedule starts decay_steps at the chapter's
    LEARNING_RATE_STEP = number of samples / BATCH_SIZE (when the problem has data)."""
    if (path == "schedule.name" and run.config.schedule.name == "constant" and cfg.schedule.name != "constant"
            and not run.problem.objective):
        return cfg.with_overrides({"schedule.decay_steps": max(run.problem.n / cfg.batch, 1.0)})
    return cfg


def propose(run: Run, path: str, value) -> Config:
    """The configuration ``run`` would have with ``path`` set to ``value``: the override, its derived
    defaults, validated against the run's data (ConfigError, one line, when refused)."""
    cfg = with_derived_defaults(run, run.config.with_overrides({path: value}), path)
    return validate(cfg, None if run.problem.objective else run.problem.n)


def restarts(run: Run, cfg: Config) -> bool:
    """Whether giving ``run`` the configuration ``cfg`` restarts it (else it applies from the cursor)."""
    return run.needs_restart(cfg)


def divergence_message(r: Run) -> Message:
    k = r.diverged_at
    lr = float(r.learning_rate(np.array([k - 1]))[0])
    return Message("diverged", DIVERGED, {"label": r.label, "k": k, "lr": f"{lr:g}"})


def _plain(value):
    """A setting's value as JSON can hold it (tuples become lists)."""
    return list(value) if isinstance(value, tuple) else value


class Session(B.Branching):   # forks, ghost branches and the undo: engine.branches
    """The runs a window (or a script) shows, the step it shows, and how settings change."""

    def __init__(self, preset: str = "opt4_1", history_bytes: int | None = HISTORY_BYTES):
        self.preset: P.Preset = P.get(preset)
        self.history_bytes = history_bytes   # for all runs together (None: each run's default)
        self.comparison: Comparison | None = None
        self.cursor = 0
        self.changes: list[dict] = []   # settings changed mid-run: {step, label, path, value, old}
        self.steps_per_second = 0.0
        self.messages: list[Message] = []
        self.lock = threading.RLock()
        self.interrupt = np.zeros(1, np.int64)   # set: a training kernel stops early (locked_now)
        self._reported: dict[str, int] = {}
        self.branches: list[B.Branch] = []   # ghost branches (engine.branches)
        self._build()

    # --- what the owner hears (overridden by gui.session) -----------------------------------------
    def _notify(self, event: str, *args) -> None:
        """"rebuilt" | "frame" | "config_changed" (label) | "branches_changed"; headless: nothing."""

    def _tell(self, message: Message) -> None:
        self.messages.append(message)

    @property
    def playing(self) -> bool:
        return False

    def pause(self) -> None:
        """(An owner that plays stops here before the runs change.)"""

    # --- the lock ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked_now(self):
        """The session lock, taken from a training thread within ~256 updates: its kernel looks at
        ``interrupt`` and returns early, instead of the caller waiting out a whole chunk."""
        self.interrupt[0] = 1
        try:
            with self.lock:
                self.interrupt[0] = 0
                yield
        finally:
            self.interrupt[0] = 0

    def reading(self):
        """A context in which the runs' histories may be read outside a frame (a hover read-out,
        a background result arriving): a training thread is held meanwhile."""
        return self.locked_now()

    # --- structure --------------------------------------------------------------------------------
    @property
    def runs(self) -> list[Run]:
        return self.comparison.runs if self.comparison else []

    @property
    def head(self) -> int:
        return max((r.step for r in self.runs), default=0)

    @property
    def is_demo(self) -> bool:
        return self.preset.kind == "ema_demo"

    @property
    def base(self) -> Config:
        return self.comparison.base if self.comparison else self.preset.config

    def run(self, label: str) -> Run:
        """The run called ``label`` (KeyError when there is none)."""
        if self.comparison is None:
            raise KeyError(label)
        return self.comparison.run(label)

    def run_config(self, label: str) -> Config:
        return self.comparison.run(label).config

    def _build(self, base: Config | None = None, runs=None, history_bytes: int | None = -1) -> None:
        self.pause()
        base = base if base is not None else self.preset.config
        runs = runs if runs is not None else list(self.preset.runs)
        total = self.history_bytes if history_bytes == -1 else history_bytes
        per_run = None if total is None else total // max(len(runs), 1)
        self.changes = []
        self.forget_branches()
        self.comparison = Comparison(self.preset.name, base, runs, per_run) if self.preset.kind == "race" else None
        self.cursor = 0
        self._notify("rebuilt")
        self._notify("frame")

    def load_preset(self, name: str) -> bool:
        """Every run of preset ``name`` at step 0; False (and a message) for an unknown name."""
        try:
            preset = P.get(name)
        except ConfigError as exc:
            self._tell(Message.refused(exc))
            return False
        self.preset = preset
        self._build()
        self._notify("config_changed", "")
        return True

    def keep_only(self, label: str) -> None:
        """Run selection: the preset's run ``label`` alone, from step 0 (ConfigError naming the
        allowed labels when the preset has no such run).  Its history has a run's own budget."""
        runs = [(lab, o) for lab, o in self.preset.runs if lab == label]
        if self.comparison is None or not runs:
            allowed = ", ".join(self.preset.run_labels()) or "none: this preset has no runs"
            raise ConfigError(f"preset {self.preset.name} has no run {label!r} (allowed: {allowed})")
        self._build(self.base, runs, history_bytes=None)

    def reset(self) -> None:
        """Every run back to its start (settings kept)."""
        self.pause()
        self.keep_discarded("reset")
        for r in self.runs:
            r.truncate(0)
        self.cursor = 0
        self.changes = [c for c in self.changes if c["step"] == 0]
        self._notify("frame")

    def set_start(self, theta) -> None:
        """A new start point for every run (they restart from it)."""
        try:
            theta = np.asarray(theta, dtype=np.float64)
            for r in self.runs:
                if theta.shape != r.theta0.shape:
                    raise ConfigError(f"start point needs {r.theta0.size} values")
            if self.comparison is None:
                return
            self.pause()
            self.keep_discarded("restart")
            base = replace(self.base, init=replace(self.base.init, start=tuple(map(float, theta))))
            for r in self.runs:
                r.config = replace(r.config, init=base.init)
                r.restart(theta)
            self.comparison.base = base
            self.changes = []
        except ConfigError as exc:
            self._tell(Message.refused(exc))
            return
        self.cursor = 0
        self._notify("rebuilt")
        self._notify("frame")

    def set_value(self, path: str, value, label: str | None = None) -> bool:
        """Change one setting for one run (``label``) or for all of them (``propose``: validated
        once).  Rates and optimiser/schedule settings apply from the current step on; data, model,
        loss, regulariser, EMA, batch and initialisation changes restart the runs.  On a bad value
        the message says why and nothing changes.  Returns whether the value was taken."""
        if self.comparison is None:
            self._tell(Message("error", DEMO_FIXED, {"preset": self.preset.name}))
            return False
        targets = [self.comparison.run(label)] if label else list(self.runs)
        try:
            new = [propose(r, path, value) for r in targets]
        except ConfigError as exc:
            self._tell(Message.refused(exc, label))
            return False
        restart = any(restarts(r, cfg) for r, cfg in zip(targets, new))
        old = targets[0].config.get(path) if targets else None
        with self.lock:    # a trainer may be training: change settings between its chunks
            if restart:
                self.keep_discarded("restart")
            elif self.cursor < self.head and not self.playing:   # the future becomes a ghost branch
                self.set_aside("setting", path=path, label=label or "", old=_plain(old), new=_plain(value))
            try:
                for r, cfg in zip(targets, new):
                    r.set_config(cfg)
            except ConfigError as exc:     # e.g. a data file that cannot be read
                self._tell(Message.refused(exc, label))
                return False
        if not label:
            self.comparison.base = self.comparison.base.with_overrides({path: value})
        if restart:
            self.changes = []
            self.pause()
            self.cursor = 0
            self._notify("rebuilt")
        else:
            self.changes = [c for c in self.changes if c["step"] <= self.cursor]
            self.changes.append({"step": int(self.cursor), "label": label or "", "path": path,
                                 "value": _plain(value), "old": _plain(old)})
        self._notify("config_changed", label or "")
        self._notify("frame")
        return True

    # --- session files ----------------------------------------------------------------------------
    def to_doc(self, view: dict | None = None) -> SF.SessionDoc:
        """The session as a document: every run's configuration, the cursor, the change log and
        ``view`` (the window's own settings)."""
        if self.comparison is None:          # a preset without training runs (the EMA demo)
            return SF.SessionDoc(self.preset.name, self.preset.config, [], 0, [], dict(view or {}))
        with self.lock:
            return SF.from_comparison(self.comparison, self.cursor, list(self.changes), view)

    def adopt(self, doc: SF.SessionDoc) -> None:
        """A loaded session: its runs replayed to its step.  The replay happens first; on
        ConfigError the current session is untouched."""
        preset = P.get(doc.preset)
        comparison = doc.build() if preset.kind == "race" else None
        self.pause()
        with self.lock:
            self.preset = preset
            self.comparison = comparison
            self.cursor = min(int(doc.step), self.head)
            self.changes = list(doc.changes)
            self.forget_branches()
        self._notify("rebuilt")
        self._notify("config_changed", "")
        self._notify("frame")

    # --- stepping ---------------------------------------------------------------------------------
    def truncate_to_cursor(self) -> None:
        """Forget every run's future past the cursor (and a divergence at it)."""
        self.changes = [c for c in self.changes if c["step"] <= self.cursor]
        for r in self.runs:
            if r.step > self.cursor:
                r.truncate(self.cursor)
            elif r.diverged_at is not None and r.step == self.cursor:
                r.truncate(self.cursor)

    def step(self, n: int = 1) -> None:
        """n updates forward for every run, continuing from the cursor (discarding any future)."""
        if not self.runs or n <= 0:
            return
        self.pause()
        self.set_aside("stepped")
        self.advance_all(n)
        self.cursor = self.head
        self.report_divergences()
        self._notify("frame")

    def step_back(self, n: int = 1) -> None:
        self.set_cursor(self.cursor - n)

    def set_cursor(self, k: int) -> None:
        k = int(np.clip(k, 0, self.head))
        if k != self.cursor:
            self.cursor = k
            self._notify("frame")

    def run_to(self, k: int) -> None:
        """Show step k, training up to it if it has not been reached."""
        if k <= self.head:
            self.set_cursor(k)
        else:
            self.cursor = self.head
            self.step(k - self.head)

    def advance_all(self, n: int, interrupt=None, thin_until: float = math.inf, play: bool = False) -> int:
        """Every run to n updates past the one furthest behind (may run on a training thread:
        notifies nothing); ``play``: not past a run's step count.  Fewer when ``interrupt`` is set
        (the owner wants the lock) or where a run's history is full after ``thin_until`` (a
        perf_counter time: thinning it then could hold up the next frame): a run left behind
        catches up in the next call, so the race stays in step.  Returns the updates applied."""
        t = time.perf_counter()
        done = 0
        runs = [r for r in self.runs if not (r.finished if play else r.diverged_at is not None)]
        target = min((r.step for r in runs), default=0) + n
        for r in runs:
            done += r.advance(min(target, r.config.steps if play else target) - r.step, interrupt,
                              thin=time.perf_counter() < thin_until)
        dt = time.perf_counter() - t
        if dt > 0 and done:
            rate = done / dt
            self.steps_per_second = rate if self.steps_per_second == 0 else 0.7 * self.steps_per_second + 0.3 * rate
        return done

    def report_divergences(self) -> None:
        """A message for each run that diverged since the last report."""
        for r in self.runs:
            if r.diverged_at is not None and self._reported.get(r.label) != r.diverged_at:
                self._reported[r.label] = r.diverged_at
                self._tell(divergence_message(r))
            elif r.diverged_at is None:
                self._reported.pop(r.label, None)

    # --- play (the owner's timer drives it) -------------------------------------------------------
    def may_play(self) -> bool:
        """Whether there is anything to play (says why not when every run is done)."""
        if not self.runs:
            return False
        if all(r.finished for r in self.runs) and self.cursor >= self.head:
            self._tell(Message("info", ALL_FINISHED))
            return False
        return True

    def catch_up(self) -> None:
        """After play: a run a trainer's last chunk left behind catches up, the cursor goes to the
        head, and divergences are reported."""
        with self.lock:
            behind = [r.step for r in self.runs if not r.finished]
            if behind:
                self.advance_all(self.head - min(behind), play=True)
            self.cursor = self.head
        self.report_divergences()
