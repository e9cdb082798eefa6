"""The command line's settings, generated from the configuration's metadata (no Qt here).

Every leaf of :class:`engine.config.Config` is reachable as ``--set PATH=VALUE`` and has an alias
made from its name: ``--<field>`` when the field's name is unique in the tree (``--lr``, ``--beta1``,
``--rms-momentum``), ``--<group>`` for a group's ``name``/``enabled`` (``--optimizer``, ``--ema``)
and ``--<group>-<field>`` otherwise (``--ema-decay``, ``--init-bias``); ``--decay`` and ``--init``
are kept from the hand-written CLI.  Types, ranges and choices come from the field metadata and
:func:`engine.config.check_value`, so a value is refused in one line naming the option, the field,
the value as typed and what is allowed.
"""
from __future__ import annotations

import argparse
import difflib
import math
import os
import re
import sys
from collections import Counter

from .config import Config, ConfigError, check_value, describe_range, leaf_fields


class UsageError(Exception):
    """A one-line complaint about the command line."""


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one UsageError line, not the usage block (every headless command)."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


def count_arg(lo: int, hi: int | None = None, what: str = ""):
    """An argparse type: a whole number in [lo, hi] (shared by the headless commands)."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if v < lo or (hi is not None and v > hi):
            allowed = f"≥ {lo}" if hi is None else f"{lo} to {hi}"
            raise argparse.ArgumentTypeError(f"{v} is not allowed ({what}{' ' if what else ''}{allowed})")
        return v
    return parse


# --- values ---------------------------------------------------------------------------------------
LEAVES = dict(leaf_fields(Config()))
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
FAMILIAR = {"schedule.decay": "--decay", "init.start": "--init"}   # names from before the CLI was generated
PRIMARY = ("name", "enabled")        # a group's main field is the group's own option: --optimizer


def kind_of(f) -> str:
    return f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")


def allowed_text(f) -> str:
    """What a field accepts, in words, from its metadata."""
    meta, kind = f.metadata, kind_of(f)
    if "options" in meta:
        return ", ".join(meta["options"])
    if kind == "bool":
        return "true or false"
    if kind == "int":
        return f"whole numbers in {describe_range(meta)}"
    if kind == "float":
        return describe_range(meta)
    if kind == "tuple":
        if meta.get("ints"):
            each = f" in [{meta['lo']}, {meta['hi']}]" if meta.get("lo") is not None else ""
            return f"whole numbers{each} separated by commas, e.g. 11 or 8,4; none for an empty list"
        return "numbers separated by commas, e.g. -0.8,1.4; none for an empty list"
    return "any text"


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        v = float(text)             # 1e6 is a whole number too
        if not (math.isfinite(v) and v.is_integer()):
            raise ValueError(text) from None
        return int(v)


def parse_value(flag: str, path: str, text: str):
    """``text`` as typed for the field at ``path``, checked against its metadata; else UsageError."""
    f = LEAVES[path]
    meta, kind = f.metadata, kind_of(f)
    shown = text if text and not text.isspace() and text == text.strip() else repr(text)

    def refuse(problem: str):
        raise UsageError(f"{flag}: {path} = {shown} {problem} (allowed: {allowed_text(f)})")

    if "options" in meta:
        value = text.strip()
        if value not in meta["options"]:
            refuse("is unknown")
    elif kind == "bool":
        low = text.strip().lower()
        if low not in TRUE + FALSE:
            refuse("is not true or false")
        value = low in TRUE
    elif kind == "int":
        try:
            value = _whole(text.strip())
        except ValueError:
            refuse("is not a whole number")
    elif kind == "float":
        try:
            value = float(text)
        except ValueError:
            refuse("is not a number")
        if not math.isfinite(value):
            refuse("is not a finite number")
    elif kind == "tuple":
        value = _parse_list(text, bool(meta.get("ints")), refuse)
    else:
        value = text
    try:
        check_value(meta, value, path)
    except ConfigError as exc:
        rule = str(exc).partition(": ")[2] if isinstance(value, tuple) else ""
        refuse(f"is out of range{': ' + rule if rule else ''}")
    return value


def _parse_list(text: str, ints: bool, refuse) -> tuple:
    t = text.strip()
    if t.lower() == "none":
        return ()
    if not t:
        refuse("is empty")
    items = [s.strip() for s in t.split(",")]
    if "" in items:
        refuse("has an empty item between commas")
    try:
        vals = tuple(_whole(s) if ints else float(s) for s in items)
    except ValueError:
        refuse("is not a list of " + ("whole numbers" if ints else "numbers"))
    if not all(math.isfinite(v) for v in vals):
        refuse("has a number that is not finite")
    return vals


# --- options ------------------------------------------------------------------------------------
def alias_names() -> dict[str, list[str]]:
    """Each leaf path → its option strings (the familiar name first, where there is one)."""
    counts = Counter(p.rpartition(".")[2] for p in LEAVES)
    out = {}
    for path in LEAVES:
        group, _, leaf = path.rpartition(".")
        name = group if group and leaf in PRIMARY else leaf if counts[leaf] == 1 else f"{group}-{leaf}"
        names = ["--" + name.replace("_", "-")]
        out[path] = ([FAMILIAR[path]] if path in FAMILIAR else []) + names
    return out


class _Setting(argparse.Action):
    """``--set PATH=VALUE`` or an alias: appends (path, value) to ``args.settings``, in order."""

    def __init__(self, option_strings, dest, path=None, **kw):
        super().__init__(option_strings, dest, **kw)
        self.path = path

    def __call__(self, parser, namespace, values, option_string=None):
        path, text = self.path, values
        if path is None:
            path, text = _split_set(values)
        settings = list(getattr(namespace, "settings", None) or [])
        settings.append((path, parse_value(option_string if self.path else "--set", path, text)))
        namespace.settings = settings


def _split_set(text: str) -> tuple[str, str]:
    path, eq, value = text.partition("=")
    path = path.strip()
    if not eq or not path:
        raise UsageError(f"--set {text}: give PATH=VALUE, e.g. --set optimizer.beta1=0.8")
    if path not in LEAVES:
        inside = sorted(p for p in LEAVES if p.startswith(path + "."))
        if inside:
            raise UsageError(f"--set {text}: {path} is a group of settings; set one of {', '.join(inside)}")
        near = difflib.get_close_matches(path, list(LEAVES), n=3, cutoff=0.6)
        hint = f"did you mean {', '.join(near)}?" if near else "the paths are listed by --help"
        raise UsageError(f"--set {text}: unknown setting {path} ({hint})")
    return path, value


def add_settings(parser: argparse.ArgumentParser, skip: tuple = ()) -> None:
    """``--set`` and one alias per configuration field (except ``skip``) on ``parser``."""
    group = parser.add_argument_group("settings", "every setting of a run (applied to every run; the "
                                                  "last one given wins)")
    group.add_argument("--set", action=_Setting, dest="settings", metavar="PATH=VALUE",
                       help="any setting by its path (repeatable): " + ", ".join(LEAVES))
    for path, names in alias_names().items():
        if path in skip:
            continue
        f = LEAVES[path]
        help_ = f"{f.metadata.get('doc', path)}; {allowed_text(f)} (= --set {path}=…)".replace("%", "%%")
        extra = {"nargs": "?", "const": "true", "metavar": "true|false"} if kind_of(f) == "bool" else \
            {"metavar": path.rpartition(".")[2].upper()}
        group.add_argument(*names, action=_Setting, dest="settings", path=path, help=help_, **extra)


def overrides(settings) -> dict:
    """The (path, value) pairs as a Config override dict; a seed without a start draws θ."""
    out = {}
    for path, value in settings or ():
        out.pop(path, None)
        out[path] = value
    if "init.seed" in out and "init.start" not in out:
        out["init.start"] = ()
    return out


def field_type(path: str, flag: str):
    """An argparse ``type`` for one field (an option that is not a setting, e.g. export's --steps)."""
    return lambda text: parse_value(flag, path, text)


# --- argv and stdout ------------------------------------------------------------------------------
_NEGATIVE = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)


def attach_negative_values(argv: list[str]) -> list[str]:
    """``--init -0.8,1.4`` → ``--init=-0.8,1.4``: argparse takes a word starting with ``-`` that is
    not a plain number for an option ("expected one argument"); no option here starts with a digit."""
    out: list[str] = []
    for word in argv:
        if out and _NEGATIVE.match(word) and out[-1].startswith("--") and "=" not in out[-1] and out[-1] != "--":
            out[-1] = f"{out[-1]}={word}"
        else:
            out.append(word)
    return out


def quiet_on_broken_pipe(main, argv) -> int:
    """``main(argv)``; if the reader of stdout is gone (``run --json | head``), exit 1 quietly
    (no BrokenPipeError traceback, none at interpreter exit either)."""
    try:
        rc = main(argv)
        sys.stdout.flush()
        return rc
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
