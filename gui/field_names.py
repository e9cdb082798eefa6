"""How the interface names the settings (the parameter panel's groups and rows), shared by the
panel and by the messages that name a setting."""
from __future__ import annotations

from gui.i18n import tr

# (config section, group title); "optimizer" is always per run
SECTIONS = [("data", "Data"), ("model", "Model"), ("loss", "Loss"), ("schedule", "Schedule"),
            ("ema", "EMA"), ("reg", "Regularisation"), ("init", "Initialisation")]
TOP_LEVEL = [("batch", "batch"), ("steps", "steps"), ("precision", "arithmetic")]
# how a choice reads in the panel where it is not its own name
OPTION_TITLES = {"precision": {"float64": "float64", "float32": "TensorFlow float32"}}
TITLES = {
    "name": "name", "path": "CSV file", "hidden": "hidden layers", "activation": "activation",
    "output": "output", "bias": "bias", "cost": "COST", "profit": "PROFIT", "reduction": "reduction",
    "kind": "kind", "lam": "λ", "lr": "learning rate", "momentum": "momentum", "nesterov": "Nesterov",
    "beta1": "β1", "beta2": "β2", "epsilon": "ε", "rho": "ρ", "rms_epsilon": "RMSProp ε",
    "initial_accumulator": "initial accumulator", "decay": "decay", "decay_steps": "decay steps",
    "staircase": "staircase", "end_lr": "final rate", "power": "power", "cycle": "cycle",
    "alpha": "α", "boundaries": "boundaries", "values": "values",
    "advance_global_step": "advance global_step", "enabled": "enabled", "num_updates": "num_updates",
    "stddev": "stddev", "seed": "seed", "start": "start θ", "batch": "batch", "steps": "steps",
    "rms_momentum": "RMSProp momentum", "centered": "centered", "adadelta_rho": "Adadelta ρ",
    "adadelta_epsilon": "Adadelta ε", "t_mul": "period ×", "m_mul": "restart rate ×",
    "num_periods": "periods", "beta": "β (floor)", "precision": "arithmetic",
}


def field_label(path: str, run: str | None = None) -> str:
    """A dotted setting as the panel labels it, in the interface language:
    "learning rate", "run “gd” · learning rate", "Schedule · decay"."""
    section, _, name = path.rpartition(".")
    title = tr(TITLES.get(name, name))
    if section and section != "optimizer":
        title = tr(dict(SECTIONS).get(section, section)) + " · " + title
    return tr("run “{label}”", label=run) + " · " + title if run else title


def error_text(exc, run: str | None = None) -> str:
    """A ConfigError in the interface language, naming its field as the panel does."""
    template = getattr(exc, "template", "")
    if not template:
        return tr(str(exc))
    fields = dict(getattr(exc, "fields", {}))
    path = fields.pop("path", "")
    return tr(template).format(field=field_label(path, run) if path else "", **fields)
