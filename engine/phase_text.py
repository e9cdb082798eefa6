"""Formula text for the slow-motion phases (``engine.phases``): numbers as the panel shows them, and
each optimiser's state update and step as (TF 1.x symbol, the same with numbers, result) lines.

Plain text with Unicode math (−, ×, √, ², ←); words are kept out of these lines so they read the
same in every interface language (the phase titles and notes are translated by the window).
"""
from __future__ import annotations

import math

DIGITS = 6          # significant digits of most numbers shown
STATE_DIGITS = 8    # θ and the EMA shadow: enough that a small update shows
# each optimiser's state as its formulas write it (the registry's slot names are TF's words:
# "accumulator" would stay English in every interface language)
SLOT_SYMBOLS = {"momentum": ("a",), "adam": ("m", "v"), "rmsprop": ("ms", "mom", "mg"),
                "adagrad": ("acc",), "adadelta": ("acc", "accu")}


def fmt(v: float, digits: int = DIGITS) -> str:
    """A number as the panel shows it: ``digits`` significant digits, the Unicode minus."""
    v = float(v)
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("∞" if v > 0 else "−∞")
    if v == 0.0:
        return "0"
    s = f"{v:.{digits}g}"
    if "e" in s:                      # 1e-08 → 1e−8
        mant, exp = s.split("e")
        s = f"{mant}e{int(exp)}"
    return s.replace("-", "−")


def par(v: float, digits: int = DIGITS) -> str:
    """``fmt`` as an operand: a negative number in parentheses, ``(−0.0123)``."""
    s = fmt(v, digits)
    return f"({s})" if s.startswith("−") else s


def line(sym: str, num: str, result: float, digits: int = DIGITS) -> str:
    """``sym = num = result`` (the middle left out when it says nothing new)."""
    res = fmt(result, digits)
    if not num or num == res:
        return f"{sym} = {res}"
    return f"{sym} = {num} = {res}"


def slot_lines(name: str, o, q) -> list[tuple[str, str, float]]:
    """The optimiser's state update for one parameter: (symbol, with numbers, result) per line.
    ``q`` holds that parameter's numbers: g, lr, t, alpha, s0 (slots before), s1 (after), u."""
    g, lr = q["g"], q["lr"]
    s0, s1 = q["s0"], q["s1"]
    if name == "momentum":
        return [("a ← m·a + g", f"{fmt(o.momentum)} × {par(s0[0])} + {par(g)}", s1[0])]
    if name == "adam":
        b1, b2 = o.beta1, o.beta2
        return [("m ← β1·m + (1−β1)·g", f"{fmt(b1)} × {par(s0[0])} + {fmt(1 - b1)} × {par(g)}", s1[0]),
                ("v ← β2·v + (1−β2)·g²", f"{fmt(b2)} × {par(s0[1])} + {fmt(1 - b2)} × {par(g)}²", s1[1]),
                ("α = lr·√(1−β2^t)/(1−β1^t)",
                 f"{fmt(lr)} × √(1 − {fmt(b2)}^{q['t']}) / (1 − {fmt(b1)}^{q['t']})", q["alpha"])]
    if name == "rmsprop":
        rho = o.rho
        out = [("ms ← ρ·ms + (1−ρ)·g²", f"{fmt(rho)} × {par(s0[0])} + {fmt(1 - rho)} × {par(g)}²", s1[0])]
        if o.centered:
            out.append(("mg ← ρ·mg + (1−ρ)·g", f"{fmt(rho)} × {par(s0[2])} + {fmt(1 - rho)} × {par(g)}", s1[2]))
            root = f"√({fmt(s1[0])} − {par(s1[2])}² + {fmt(o.rms_epsilon)})"
            sym = "mom ← μ·mom + lr·g/√(ms − mg² + ε)"
        else:
            root = f"√({fmt(s1[0])} + {fmt(o.rms_epsilon)})"
            sym = "mom ← μ·mom + lr·g/√(ms + ε)"
        out.append((sym, f"{fmt(o.rms_momentum)} × {par(s0[1])} + {fmt(lr)} × {par(g)} / {root}", s1[1]))
        return out
    if name == "adagrad":
        return [("acc ← acc + g²", f"{fmt(s0[0])} + {par(g)}²", s1[0])]
    if name == "adadelta":
        rho, eps = o.adadelta_rho, o.adadelta_epsilon
        return [("acc ← ρ·acc + (1−ρ)·g²", f"{fmt(rho)} × {par(s0[0])} + {fmt(1 - rho)} × {par(g)}²", s1[0]),
                ("u = √(accu + ε)/√(acc + ε)·g",
                 f"√({fmt(s0[1])} + {fmt(eps)}) / √({fmt(s1[0])} + {fmt(eps)}) × {par(g)}", q["u"]),
                ("accu ← ρ·accu + (1−ρ)·u²", f"{fmt(rho)} × {par(s0[1])} + {fmt(1 - rho)} × {par(q['u'])}²", s1[1])]
    return []


def step_terms(name: str, o, q) -> tuple[str, str]:
    """What the optimiser subtracts from θ, as a symbol and with one parameter's numbers
    (Δθ = −symbol): ``("lr·a", "0.001 × (−0.0123)")``."""
    g, lr, s1 = q["g"], q["lr"], q["s1"]
    if name == "momentum":
        if o.nesterov:
            return "lr·(g + m·a)", f"{fmt(lr)} × ({fmt(g)} + {fmt(o.momentum)} × {par(s1[0])})"
        return "lr·a", f"{fmt(lr)} × {par(s1[0])}"
    if name == "adam":
        return "α·m/(√v + ε)", f"{fmt(q['alpha'])} × {par(s1[0])} / (√{fmt(s1[1])} + {fmt(o.epsilon)})"
    if name == "rmsprop":
        return "mom", par(s1[1])
    if name == "adagrad":
        return "lr·g/√acc", f"{fmt(lr)} × {par(g)} / √{fmt(s1[0])}"
    if name == "adadelta":
        return "lr·u", f"{fmt(lr)} × {par(q['u'])}"
    return "lr·g", f"{fmt(lr)} × {par(g)}"


def schedule_line(spec, base: float, step: int, lr: float) -> str:
    """The schedule's formula with this update's numbers (the common ones written out)."""
    from .schedules import FORMULAS
    sym = FORMULAS.get(spec.name, "lr")
    e = f"⌊{step}/{fmt(spec.decay_steps)}⌋" if spec.staircase else f"{step}/{fmt(spec.decay_steps)}"
    if spec.name == "constant":
        return f"lr = base = {fmt(lr)}"
    if spec.name == "exponential":
        return f"{sym} = {fmt(base)} × {fmt(spec.decay)}^({e}) = {fmt(lr)}"
    if spec.name == "inverse_time":
        return f"{sym} = {fmt(base)} / (1 + {fmt(spec.decay)} × {e}) = {fmt(lr)}"
    if spec.name == "natural_exp":
        return f"{sym} = {fmt(base)} × e^(−{fmt(spec.decay)} × {e}) = {fmt(lr)}"
    return f"{sym} = {fmt(lr)}   (step = {step})"
