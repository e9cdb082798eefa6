"""``--at``: the exact states of a run at chosen steps (``run --at``, ``export --at``).

``K[,K…]`` lists steps; ``A:B:S`` is every S-th step from A to B, both ends included (``0:20000:500``
is 0, 500, …, 20000: the chapter's printout points — its scripts print after running a step, so
their "After i training steps" is step i + 1 here).  Step k is the state after k updates.
"""
from __future__ import annotations

import numpy as np

from .config import ConfigError
from .registry import SLOT_NAMES

MAX_STATES = 100_000      # states one --at may ask for (each is a row of the JSON / CSV)
RULE = "steps K[,K…] or ranges A:B:S (from A to B every S, e.g. 0:20000:500)"


def parse_at(text: str) -> list[int]:
    """The sorted distinct steps of an ``--at`` value; a ConfigError says what was wrong."""
    steps: set[int] = set()
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            raise ConfigError(f"--at {text!r}: an empty item (allowed: {RULE})")
        bits = part.split(":")
        try:
            nums = [int(b) for b in bits]
        except ValueError:
            raise ConfigError(f"--at {text!r}: {part!r} is not a whole number or A:B:S (allowed: {RULE})") from None
        if any(n < 0 for n in nums):
            raise ConfigError(f"--at {text!r}: steps are ≥ 0 (allowed: {RULE})")
        if len(nums) == 1:
            steps.add(nums[0])
        elif len(nums) == 3 and nums[2] > 0 and nums[0] <= nums[1]:
            a, b, s = nums
            if (b - a) // s + 1 + len(steps) > MAX_STATES:
                raise ConfigError(f"--at {text!r} asks for more than {MAX_STATES:,} states")
            steps.update(range(a, b + 1, s))
        else:
            raise ConfigError(f"--at {text!r}: {part!r} is not A:B:S with A ≤ B and S > 0 (allowed: {RULE})")
        if len(steps) > MAX_STATES:
            raise ConfigError(f"--at {text!r} asks for more than {MAX_STATES:,} states")
    return sorted(steps)


def check_reach(steps: list[int], total: int) -> None:
    """Refuse steps past the run's length (one line naming the first such step)."""
    if steps and steps[-1] > total:
        raise ConfigError(f"--at {steps[-1]} is past the run's {total} steps (allowed: 0…{total}, or more --steps)")


def states_at(run, steps: list[int], number=float) -> list[dict]:
    """``[{"step", "params", "loss", "lr", "batch_loss", "slots", ["ema"]}…]``: the exact state after
    each step's updates (``lr``/``batch_loss`` describe the update that led there; None at step 0).
    ``number`` writes each value (float, or float32's shortest repr for a float32 run)."""
    out = []
    names = SLOT_NAMES[run.config.optimizer.name]
    for k in steps:
        if k > run.step:          # a diverged run stops early
            break
        st = run.state_at(k)
        loss = float(run.evaluate(st.theta)[0])
        entry = {"step": k, "params": [number(v) for v in st.theta], "loss": loss,
                 "lr": None if k == 0 else number(st.lr),
                 "batch_loss": None if k == 0 else number(st.batch_loss),
                 "slots": {name: [number(v) for v in st.slots[i]] for i, name in enumerate(names)}}
        if st.ema is not None:
            entry["ema"] = [number(v) for v in st.ema]
        out.append(entry)
    return out


def float32_number(v) -> float:
    """A float32 as the float whose repr is its shortest float32 repr (reads back the same)."""
    return float(str(np.float32(v)))
