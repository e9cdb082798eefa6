"""The moving average of the weights, as ``tf.train.ExponentialMovingAverage`` applies it.

``shadow -= (shadow − w)·(1 − d)`` with ``d = min(decay, (1 + n)/(10 + n))`` when num_updates n
is given (else ``d = decay``).  The training kernel applies the same rule after every update;
this module drives the chapter's opt4_6 demonstration, where w1 and global_step are set by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, field


def effective_decay(decay: float, num_updates: int | None) -> float:
    if num_updates is None:
        return decay
    return min(decay, (1.0 + num_updates) / (10.0 + num_updates))


def ema_update(shadow: float, value: float, decay: float, num_updates: int | None) -> float:
    d = effective_decay(decay, num_updates)
    return shadow - (shadow - value) * (1.0 - d)


@dataclass
class EmaDemo:
    """w1, its shadow and global_step, changed by assignments and ``apply`` (TF's ema_op)."""
    decay: float = 0.99
    use_num_updates: bool = True
    w1: float = 0.0
    shadow: float = 0.0
    global_step: int = 0
    trace: list = field(default_factory=list)   # (op, w1, shadow, global_step, d)

    def assign(self, name: str, value) -> None:
        if name == "w1":
            self.w1 = float(value)
        elif name == "global_step":
            if int(value) < 0:
                raise ValueError("global_step must be ≥ 0")
            self.global_step = int(value)
        else:
            raise ValueError(f"unknown variable {name!r} (allowed: w1, global_step)")
        self.trace.append((f"assign {name} = {value:g}", self.w1, self.shadow, self.global_step, None))

    def apply(self) -> float:
        n = self.global_step if self.use_num_updates else None
        d = effective_decay(self.decay, n)
        self.shadow = ema_update(self.shadow, self.w1, self.decay, n)
        self.trace.append(("apply", self.w1, self.shadow, self.global_step, d))
        return self.shadow


def run_script(script: list, decay: float = 0.99, use_num_updates: bool = True) -> tuple[list, EmaDemo]:
    """Run opt4_6-style ops: ``["assign", name, value]`` or ``["apply"]``.

    Returns the printed sequence the chapter's script shows — ``[w1, shadow]`` at the start and
    after each apply — and the demo (whose ``trace`` has every operation).
    """
    demo = EmaDemo(decay=decay, use_num_updates=use_num_updates)
    seq = [[demo.w1, demo.shadow]]
    for op in script:
        if op[0] == "assign":
            demo.assign(op[1], op[2])
        elif op[0] == "apply":
            demo.apply()
            seq.append([demo.w1, demo.shadow])
        else:
            raise ValueError(f"unknown EMA operation {op[0]!r} (allowed: assign, apply)")
    return seq, demo
