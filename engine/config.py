"""A run's configuration: one frozen dataclass tree, saved and loaded as JSON.

Each numeric field carries its allowed range in the field metadata (``lo``, ``hi``, and whether
the ends are open); :func:`validate` checks them and the CLI and the parameter panel use the same
ranges.  Presets and session files are this dataclass as JSON.
"""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any

from .registry import ACTIVATIONS, LOSSES, OBJECTIVES, OPTIMIZERS, REDUCTIONS, REGULARIZERS


class ConfigError(ValueError):
    """A setting that is out of range or unknown.  ``str(err)`` is a one-line message.

    Errors about one field's value also carry ``template`` (the English message with
    ``{field}``, ``{value}``, ``{allowed}`` left open) and ``fields``, so an interface can say
    the same in its own language and name the field as its panel labels it."""

    def __init__(self, message: str, template: str = "", **fields):
        super().__init__(message)
        self.template = template
        self.fields = fields


def read_json(path, what: str):
    """The JSON in ``path``; any problem becomes a one-line ConfigError naming ``what`` and the file
    (missing, a folder, unreadable, binary, empty, corrupt or truncated, nested too deeply)."""
    import json
    from pathlib import Path
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder, not a {what}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{what} {path.name} is not a text file (binary data: not a Descent {what})") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if not text.strip():
        raise ConfigError(f"{what} {path.name} is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{what} {path.name} is not valid JSON: corrupt or truncated (line {exc.lineno}: "
                          f"{exc.msg})") from None
    except RecursionError:
        raise ConfigError(f"{what} {path.name} is corrupt (nested too deeply)") from None


def parse_one_line(parse, doc, source: str, what: str):
    """``parse(doc, source)``, with every failure — a ConfigError or a shape the checks did not
    foresee — turned into one ConfigError line that names ``source``."""
    try:
        return parse(doc, source)
    except ConfigError as exc:
        text = str(exc)
        raise ConfigError(text if text.startswith(source) else f"{source}: {text}") from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        raise ConfigError(f"{source}: not a valid {what} ({type(exc).__name__}: {exc})") from None


def num(default, lo=None, hi=None, *, lo_open=False, hi_open=False, doc=""):
    return field(default=default, metadata=dict(lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open, doc=doc))


def choice(default, options, doc=""):
    return field(default=default, metadata=dict(options=options, doc=doc))


# the most updates one command or session may ask for: opt4_1's GD runs ~10 M steps/s, opt4_7's
# Adam ~1 M, so this is seconds to a few minutes, not a process that runs until it is killed
MAX_STEPS = 100_000_000

DATA_NAMES = ("sales", "circle", "blobs3", "csv") + tuple(OBJECTIVES)


@dataclass(frozen=True)
class DataSpec:
    name: str = choice("sales", DATA_NAMES, "data set or objective function")
    path: str = field(default="", metadata=dict(doc="CSV file (name = csv)"))


@dataclass(frozen=True)
class ModelSpec:
    hidden: tuple = field(default=(), metadata=dict(doc="hidden layer sizes, e.g. 11", lo=1, hi=4096, ints=True,
                                                    each="each hidden layer needs {lo} to {hi} units"))
    activation: str = choice("relu", tuple(a for a in ACTIVATIONS if a != "softmax"), "hidden activation")
    output: str = choice("identity", tuple(ACTIVATIONS), "output activation")
    bias: bool = field(default=True, metadata=dict(doc="layers have biases"))


@dataclass(frozen=True)
class LossSpec:
    name: str = choice("mse", tuple(LOSSES), "loss function")
    cost: float = num(1.0, 0.0, 1e6, doc="COST per unit over-predicted")
    profit: float = num(1.0, 0.0, 1e6, doc="PROFIT lost per unit under-predicted")
    reduction: str = choice("sum", tuple(REDUCTIONS), "custom loss: reduce_sum or reduce_mean")


@dataclass(frozen=True)
class RegSpec:
    kind: str = choice("none", tuple(REGULARIZERS), "regulariser")
    lam: float = num(0.0, 0.0, 1e3, doc="λ, the regularisation weight")


@dataclass(frozen=True)
class OptimizerSpec:
    name: str = choice("gd", tuple(OPTIMIZERS), "optimiser")
    lr: float = num(0.001, 0.0, 1e4, lo_open=True, doc="learning rate (base rate of the schedule)")
    momentum: float = num(0.9, 0.0, 1.0, hi_open=True, doc="Momentum m")
    nesterov: bool = field(default=False, metadata=dict(doc="Nesterov momentum"))
    beta1: float = num(0.9, 0.0, 1.0, hi_open=True, doc="Adam β1")
    beta2: float = num(0.999, 0.0, 1.0, hi_open=True, doc="Adam β2")
    epsilon: float = num(1e-8, 0.0, 1.0, lo_open=True, doc="Adam ε")
    rho: float = num(0.9, 0.0, 1.0, hi_open=True, doc="RMSProp decay ρ")
    rms_epsilon: float = num(1e-10, 0.0, 1.0, lo_open=True, doc="RMSProp ε")
    rms_momentum: float = num(0.0, 0.0, 1.0, hi_open=True, doc="RMSProp momentum (TF1's default 0)")
    centered: bool = field(default=False, metadata=dict(doc="RMSProp centered (divide by the variance)"))
    adadelta_rho: float = num(0.95, 0.0, 1.0, hi_open=True, doc="Adadelta decay ρ")
    adadelta_epsilon: float = num(1e-8, 0.0, 1.0, lo_open=True, doc="Adadelta ε")
    initial_accumulator: float = num(0.1, 0.0, 1e6, lo_open=True, doc="Adagrad initial accumulator")


@dataclass(frozen=True)
class ScheduleSpec:
    name: str = choice("constant", ("constant", "exponential", "inverse_time", "natural_exp", "polynomial",
                                    "cosine", "cosine_restarts", "linear_cosine", "piecewise"),
                       "learning-rate schedule")
    decay: float = num(0.99, 0.0, 1.0, lo_open=True, doc="decay rate (exponential: in (0, 1])")
    decay_steps: float = num(1.0, 0.0, 1e9, lo_open=True, doc="steps per decay period")
    staircase: bool = field(default=False, metadata=dict(doc="floor step/decay_steps (stepped curve)"))
    end_lr: float = num(0.0001, 0.0, 1e4, doc="polynomial: final rate")
    power: float = num(1.0, 0.0, 100.0, lo_open=True, doc="polynomial: power")
    cycle: bool = field(default=False, metadata=dict(doc="polynomial: restart after decay_steps"))
    alpha: float = num(0.0, 0.0, 1.0, doc="cosine: final fraction of the rate")
    t_mul: float = num(2.0, 0.0, 100.0, lo_open=True, doc="cosine restarts: each period this many times longer")
    m_mul: float = num(1.0, 0.0, 1.0, doc="cosine restarts: each restart's rate this fraction of the last")
    num_periods: float = num(0.5, 0.0, 1e6, doc="linear cosine: periods of the cosine")
    beta: float = num(0.001, 0.0, 1.0, doc="linear cosine: rate floor added")
    boundaries: tuple = field(default=(), metadata=dict(doc="piecewise: step boundaries"))
    values: tuple = field(default=(), metadata=dict(doc="piecewise: rates (one more than boundaries)"))
    advance_global_step: bool = field(default=True, metadata=dict(
        doc="global_step counts the updates (off: opt4_8 as shipped, the rate never decays)"))


@dataclass(frozen=True)
class EmaSpec:
    enabled: bool = field(default=False, metadata=dict(doc="keep a moving average of θ"))
    decay: float = num(0.99, 0.0, 1.0, doc="MOVING_AVERAGE_DECAY")
    num_updates: bool = field(default=True, metadata=dict(doc="d = min(decay, (1+n)/(10+n))"))


@dataclass(frozen=True)
class InitSpec:
    kind: str = choice("normal", ("normal", "xavier", "he"), "weight initialisation")
    stddev: float = num(1.0, 0.0, 1e3, doc="normal: standard deviation (TF random_normal)")
    seed: int = num(1, 0, 2**31 - 1, doc="random seed")
    bias: float = num(0.01, -1e3, 1e3, doc="initial bias value (tf.constant)")
    start: tuple = field(default=(), metadata=dict(doc="explicit start θ (empty: drawn)"))


@dataclass(frozen=True)
class Config:
    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    loss: LossSpec = field(default_factory=LossSpec)
    reg: RegSpec = field(default_factory=RegSpec)
    optimizer: OptimizerSpec = field(default_factory=OptimizerSpec)
    schedule: ScheduleSpec = field(default_factory=ScheduleSpec)
    ema: EmaSpec = field(default_factory=EmaSpec)
    init: InitSpec = field(default_factory=InitSpec)
    precision: str = choice("float64", ("float64", "float32"),
                            "arithmetic: float64, or TensorFlow 1.x's float32 in its operation order")
    batch: int = num(8, 1, 10**6, doc="BATCH_SIZE")
    steps: int = num(20000, 0, MAX_STEPS, doc="STEPS")

    # --- conversions -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return _to_dict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> "Config":
        return _from_dict(cls, {} if d is None else d, "")

    def with_overrides(self, overrides: dict[str, Any]) -> "Config":
        """A copy with dotted-path fields replaced: ``{"optimizer.lr": 0.2, "steps": 40}``."""
        cfg = self
        for path, value in overrides.items():
            cfg = _set_path(cfg, path.split("."), value, path)
        return cfg

    def get(self, path: str):
        obj = self
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj


def _to_dict(obj):
    if is_dataclass(obj):
        return {f.name: _to_dict(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, tuple):
        return [_to_dict(v) for v in obj]
    return obj


def _coerce(f: dataclasses.Field, value, where: str):
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
    try:
        if kind == "bool":
            if isinstance(value, str):
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError
            if not isinstance(value, (bool, int)):
                raise ValueError
            return bool(value)
        if kind == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if kind == "float":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if kind == "str":
            if not isinstance(value, str):
                raise ValueError
            return value
        if kind == "tuple":
            items = value
            if isinstance(value, str):     # "11, 3" or "11 3"; "" is empty; "11,,3" is refused
                items = re.split(r"\s*,\s*|\s+", value.strip()) if value.strip() else []
                if "" in items:
                    raise ValueError
            if not isinstance(items, (list, tuple)):
                raise ValueError
            cast = int if f.metadata.get("ints") else float
            out = []
            for v in items:
                if cast is int and float(v) != int(float(v)):
                    raise ValueError
                out.append(cast(float(v)) if cast is int else float(v))
            return tuple(out)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{where}: {value!r} is not a valid {kind}", "{field}: {value} is not a valid {kind}",
                          path=where, value=repr(value), kind=kind) from None
    return value


def _from_dict(cls, d: dict, prefix: str):
    if not isinstance(d, dict):
        raise ConfigError(f"{prefix.rstrip('.') or 'config'}: expected an object, got {type(d).__name__}")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(d) - set(known))
    if unknown:
        raise ConfigError(f"unknown setting {prefix}{unknown[0]} (allowed: {', '.join(known)})")
    kwargs = {}
    for name, value in d.items():
        f = known[name]
        sub = f.default_factory if f.default_factory is not dataclasses.MISSING else None
        if sub is not None and is_dataclass(sub):
            kwargs[name] = _from_dict(sub, value, f"{prefix}{name}.")
        else:
            kwargs[name] = _coerce(f, value, prefix + name)
    return cls(**kwargs)


def _set_path(obj, parts: list[str], value, full: str):
    if not is_dataclass(obj):   # a path that goes on past a plain value, e.g. optimizer.lr.x
        raise ConfigError(f"unknown setting {full}")
    known = {f.name: f for f in fields(obj)}
    head = parts[0]
    if head not in known:
        raise ConfigError(f"unknown setting {full} (allowed at this level: {', '.join(known)})")
    if len(parts) == 1:
        if is_dataclass(getattr(obj, head)):
            return replace(obj, **{head: _from_dict(type(getattr(obj, head)), value, full + ".")})
        return replace(obj, **{head: _coerce(known[head], value, full)})
    return replace(obj, **{head: _set_path(getattr(obj, head), parts[1:], value, full)})


def leaf_fields(obj=None, prefix: str = "") -> list[tuple[str, dataclasses.Field]]:
    """(dotted path, dataclass field) of every leaf setting under ``obj`` (a Config by default)."""
    obj = Config() if obj is None else obj
    out = []
    for f in fields(obj):
        value = getattr(obj, f.name)
        if is_dataclass(value):
            out += leaf_fields(value, prefix + f.name + ".")
        else:
            out.append((prefix + f.name, f))
    return out


def field_range(cls, name: str) -> dict:
    """The metadata (range, options, doc) of one field."""
    return dict(next(f for f in fields(cls) if f.name == name).metadata)


def describe_range(meta: dict) -> str:
    lo, hi = meta.get("lo"), meta.get("hi")
    left = "(" if meta.get("lo_open") else "["
    right = ")" if meta.get("hi_open") else "]"
    def show(v):
        return str(v) if isinstance(v, int) else f"{v:g}"
    return f"{left}{show(lo)}, {show(hi)}{right}"


def check_value(meta: dict, value, where: str) -> None:
    """Raise ConfigError if ``value`` is outside the range or options in ``meta``."""
    if "options" in meta and value not in meta["options"]:
        allowed = ", ".join(meta["options"])
        raise ConfigError(f"{where}: unknown value {value!r} (allowed: {allowed})",
                          "{field}: unknown value {value} (allowed: {allowed})",
                          path=where, value=repr(value), allowed=allowed)
    lo, hi = meta.get("lo"), meta.get("hi")
    if isinstance(value, tuple):
        _check_items(meta, value, where)
        return
    if lo is None and hi is None:
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where} = {value} is not a finite number", "{field} = {value} is not a finite number",
                          path=where, value=str(value), allowed="")
    bad = ((lo is not None and (value < lo or (meta.get("lo_open") and value == lo)))
           or (hi is not None and (value > hi or (meta.get("hi_open") and value == hi))))
    if bad:
        raise ConfigError(f"{where} = {value:g} is out of range (allowed: {describe_range(meta)})",
                          "{field} = {value} is out of range (allowed: {allowed})",
                          path=where, value=f"{value:g}", allowed=describe_range(meta))


def _check_items(meta: dict, value: tuple, where: str) -> None:
    """A list setting: finite numbers; whole numbers and within [lo, hi] where ``meta`` says so."""
    lo, hi = meta.get("lo"), meta.get("hi")
    bad = [v for v in value if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v)
           or (meta.get("ints") and not isinstance(v, int))
           or (lo is not None and v < lo) or (hi is not None and v > hi)]
    if bad:
        rule = meta.get("each", "each value must be in [{lo}, {hi}]") if lo is not None else \
            "each value must be a finite number"
        raise ConfigError(f"{where} = {list(value)}: {rule.format(lo=lo, hi=hi)}")


def validate(cfg: Config, n_rows: int | None = None) -> Config:
    """Check every field's range and the cross-field rules; return ``cfg`` or raise ConfigError."""
    def walk(obj, prefix):
        for f in fields(obj):
            value = getattr(obj, f.name)
            if is_dataclass(value):
                walk(value, prefix + f.name + ".")
            else:
                check_value(f.metadata, value, prefix + f.name)
    walk(cfg, "")
    if cfg.model.output == "softmax" and cfg.loss.name != "ce":
        raise ConfigError("model.output = softmax is only for the clipped cross entropy (loss.name = ce)")
    if cfg.loss.name == "softmax_ce" and cfg.model.output != "identity":
        raise ConfigError("loss.name = softmax_ce takes logits: model.output must be identity")
    sch = cfg.schedule
    if sch.name == "piecewise":
        if len(sch.values) != len(sch.boundaries) + 1 or not sch.values:
            raise ConfigError("schedule: piecewise needs one more value than boundaries")
        if list(sch.boundaries) != sorted(sch.boundaries):
            raise ConfigError("schedule.boundaries must be increasing")
        if any(v < 0 for v in sch.values):
            raise ConfigError("schedule.values must be ≥ 0")
    if n_rows is not None and cfg.data.name not in OBJECTIVES and cfg.batch > n_rows:
        raise ConfigError(f"batch = {cfg.batch} is larger than the data ({n_rows} rows; allowed: 1..{n_rows})")
    return cfg
