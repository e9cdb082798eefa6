"""Presets: named configurations stored as JSON in ``resources/presets/`` (see engine.resources).

A preset file holds ``name``, ``description`` (one line), ``kind`` (``race`` or ``ema_demo``),
``config`` (an :class:`engine.config.Config` as JSON, the settings every run shares) and ``runs``:
a list of ``{"label", "set": {dotted.field: value}}`` — what makes each run different.  An
``ema_demo`` preset has a ``script`` of opt4_6 operations instead of runs.  ``guide`` holds the
chapter's text for the window, per language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import resources
from .config import Config, ConfigError, parse_one_line, read_json

PRESET_DIR: Path | None = resources.folder("presets")     # None: no presets found anywhere
ORDER = ("opt4_1", "opt4_2", "opt4_3", "opt4_4", "opt4_5", "opt4_6", "opt4_7", "opt4_8")


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    kind: str
    config: Config
    runs: tuple = ()                 # ((label, {path: value}), …)
    script: tuple = ()               # opt4_6 operations
    guide: dict = field(default_factory=dict)
    view: dict = field(default_factory=dict)

    def run_labels(self) -> list[str]:
        return [label for label, _ in self.runs]

    def run_config(self, label: str) -> Config:
        for lab, overrides in self.runs:
            if lab == label:
                return self.config.with_overrides(overrides)
        raise ConfigError(f"preset {self.name} has no run {label!r} (allowed: {', '.join(self.run_labels())})")


def parse(d: dict, source: str = "preset") -> Preset:
    """The preset, or ConfigError (one line naming ``source``) for any malformed content."""
    return parse_one_line(_parse, d, source, "preset")


def _parse(d: dict, source: str) -> Preset:
    if not isinstance(d, dict):
        raise ConfigError(f"{source}: expected a JSON object")
    for key in ("name", "description", "kind"):
        if not isinstance(d.get(key), str):
            raise ConfigError(f"{source}: missing or non-text field {key!r}")
    if d["kind"] not in ("race", "ema_demo"):
        raise ConfigError(f"{source}: kind {d['kind']!r} is not one of race, ema_demo")
    cfg = Config.from_dict(d.get("config", {}))
    runs = []
    for r in d.get("runs", []):
        if not isinstance(r, dict) or not isinstance(r.get("label"), str):
            raise ConfigError(f"{source}: each run needs a text label")
        overrides = r.get("set", {})
        cfg.with_overrides(overrides)  # validates the paths now
        runs.append((r["label"], dict(overrides)))
    if d["kind"] == "race" and not runs:
        raise ConfigError(f"{source}: a race needs at least one run")
    return Preset(d["name"], d["description"], d["kind"], cfg, tuple(runs),
                  tuple(tuple(op) for op in d.get("script", [])), d.get("guide", {}), d.get("view", {}))


def load_file(path) -> Preset:
    path = Path(path)
    return parse(read_json(path, "preset"), path.name)


_cache: dict[str, Preset] | None = None
SKIPPED: list[str] = []   # one line per preset file that could not be used (the others still load)


def all_presets() -> dict[str, Preset]:
    """Every shipped preset, the chapter's opt4_1 … opt4_8 first, then the topic presets."""
    global _cache
    if _cache is None:
        found = {}
        SKIPPED.clear()
        for p in sorted(PRESET_DIR.glob("*.json")) if PRESET_DIR is not None else []:
            try:
                preset = load_file(p)
            except ConfigError as exc:   # a broken file must not take every other preset down
                SKIPPED.append(f"preset file skipped: {exc}")
                continue
            found[preset.name] = preset
        names = [n for n in ORDER if n in found] + sorted(n for n in found if n not in ORDER)
        _cache = {n: found[n] for n in names}
    return _cache


def get(name: str) -> Preset:
    presets = all_presets()
    if not presets:
        raise ConfigError(f"unknown preset {name!r}: no presets found (looked in {searched()})")
    if name not in presets:
        raise ConfigError(f"unknown preset {name!r} (allowed: {', '.join(presets)})")
    return presets[name]


def searched() -> str:
    """Where presets were looked for (for the error when there are none)."""
    return str(PRESET_DIR) if PRESET_DIR is not None else resources.where("presets")
