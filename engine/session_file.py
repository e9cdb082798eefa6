"""Session files: a whole comparison saved as JSON and reopened exactly.

A session holds the preset name, each run's full configuration, the start point, the step the
user was looking at, the settings changed mid-run (with the step they were applied at) and the
window's view settings.  Training is deterministic, so reopening replays the runs to the same θ.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path


from . import presets as P
from .config import MAX_STEPS, Config, ConfigError, parse_one_line, read_json, validate

FORMAT = "descent-session"
VERSION = 1


@dataclass
class SessionDoc:
    preset: str
    base: Config
    runs: list                      # [(label, Config)]
    step: int = 0
    changes: list = field(default_factory=list)   # [{"step", "label" (or ""), "path", "value"}]
    view: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"format": FORMAT, "version": VERSION, "preset": self.preset, "base": self.base.to_dict(),
                "runs": [{"label": lab, "config": cfg.to_dict()} for lab, cfg in self.runs],
                "step": int(self.step), "changes": list(self.changes), "view": dict(self.view)}

    def run_overrides(self) -> list[tuple[str, dict]]:
        """Each run as (label, overrides of every group) — what Comparison takes."""
        return [(lab, cfg.to_dict()) for lab, cfg in self.runs]

    def initial_runs(self) -> list[tuple[str, dict]]:
        """Runs with the settings they started with (mid-run changes undone, replayed later)."""
        out = []
        for lab, cfg in self.runs:
            d = cfg.to_dict()
            for ch in reversed(self.changes):
                if ch.get("label") in ("", lab) and "old" in ch:
                    _set(d, ch["path"], ch["old"])
            out.append((lab, d))
        return out

    def build(self):
        """The comparison replayed to ``step`` with the recorded changes applied where they were."""
        from .run import Comparison
        comp = Comparison(self.preset, self.base, self.initial_runs())
        for ch in sorted(self.changes, key=lambda c: c["step"]):
            for r in comp.runs:
                if r.step < ch["step"]:
                    r.advance(ch["step"] - r.step)
                if ch.get("label") in ("", r.label):
                    r.set_config(r.config.with_overrides({ch["path"]: ch["value"]}))
        for r in comp.runs:
            if r.step < self.step:
                r.advance(self.step - r.step)
        return comp


def _set(d: dict, path: str, value) -> None:
    parts = path.split(".")
    for p in parts[:-1]:
        d = d[p]
    d[parts[-1]] = value


def parse(doc, source: str = "session") -> SessionDoc:
    """The document as a SessionDoc, or ConfigError (one line, naming ``source``) — also for
    shapes the checks below do not foresee, so a bad file never escapes as a traceback."""
    return parse_one_line(_parse, doc, source, "Descent session")


def _parse(doc, source: str) -> SessionDoc:
    if not isinstance(doc, dict):
        raise ConfigError(f"{source}: not a Descent session (expected a JSON object)")
    if doc.get("format") != FORMAT:
        raise ConfigError(f"{source}: not a Descent session file (no \"format\": \"{FORMAT}\")")
    version = doc.get("version")
    if not _whole(version, 1):
        raise ConfigError(f"{source}: the session has no valid version number (a whole number ≥ 1, not {version!r})")
    if version > VERSION:
        raise ConfigError(f"{source} was written by a newer Descent (format {version}; this version reads {VERSION})")
    name = doc.get("preset")
    if not isinstance(name, str):
        raise ConfigError(f"{source}: the session names no preset")
    P.get(name)  # unknown preset → ConfigError naming the allowed ones
    base = validate(Config.from_dict(_settings(doc.get("base", {}), "'base'", source)))
    runs = []
    if not isinstance(doc.get("runs", []), list):
        raise ConfigError(f"{source}: 'runs' must be a list of {{label, config}}")
    for r in doc.get("runs", []):
        if not isinstance(r, dict) or not isinstance(r.get("label"), str):
            raise ConfigError(f"{source}: each run needs a text label")
        if any(r["label"] == lab for lab, _ in runs):
            raise ConfigError(f"{source}: two runs are labelled {r['label']!r} (each run's label must be its own)")
        config = _settings(r.get("config", {}), f"run {r['label']!r}: 'config'", source)
        runs.append((r["label"], validate(Config.from_dict(config))))
    if not runs and P.get(name).kind == "race":
        raise ConfigError(f"{source}: the session has no runs")
    step = doc.get("step", 0)
    if not _whole(step, 0, MAX_STEPS):
        raise ConfigError(f"{source}: step must be a whole number from 0 to {MAX_STEPS}, not {step!r}")
    changes = doc.get("changes", [])
    if not isinstance(changes, list) or not all(isinstance(c, dict) and isinstance(c.get("path"), str)
                                               for c in changes):
        raise ConfigError(f"{source}: 'changes' must be a list of {{step, label, path, value}}")
    labels = [lab for lab, _ in runs]
    for c in changes:
        if not _whole(c.get("step"), 0, MAX_STEPS):
            raise ConfigError(f"{source}: a change's step must be a whole number from 0 to {MAX_STEPS}, "
                              f"not {c.get('step')!r}")
        if not isinstance(c.get("label", ""), str) or c.get("label", "") not in ["", *labels]:
            raise ConfigError(f"{source}: a change's label must name a run (allowed: {', '.join(labels)}; "
                              f"\"\" for every run), not {c.get('label')!r}")
    for c in changes:   # the path and the values must be valid settings
        validate(base.with_overrides({c["path"]: c["value"]}))
        if "old" in c:
            validate(base.with_overrides({c["path"]: c["old"]}))
    view = doc.get("view", {})
    if not isinstance(view, dict):
        raise ConfigError(f"{source}: 'view' must be an object")
    return SessionDoc(name, base, runs, step, changes, view)


def _whole(v, lo: int, hi: int | None = None) -> bool:
    """An int (not a bool, which JSON's true would pass as) in [lo, hi]."""
    return type(v) is int and v >= lo and (hi is None or v <= hi)


def _settings(d, what: str, source: str) -> dict:
    if not isinstance(d, dict):
        raise ConfigError(f"{source}: {what} must be an object of settings, not {type(d).__name__}")
    return d


def load(path) -> SessionDoc:
    path = Path(path)
    return parse(read_json(path, "session file"), path.name)


def save(doc: SessionDoc, path) -> None:
    """Write atomically: a temporary file in the same folder, then a rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(doc.to_dict(), indent=1, allow_nan=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot save session to {path}: {exc.strerror}") from None


def from_comparison(comp, step: int, changes=(), view=None) -> SessionDoc:
    return SessionDoc(comp.name, comp.base, [(r.label, r.config) for r in comp.runs], int(step),
                      list(changes), dict(view or {}))
