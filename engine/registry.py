"""Names of the built-in choices, and their integer codes inside the kernels.

Each registry is a plain dict (name -> entry) so combo boxes and the CLI fill themselves from its
keys.  The numeric code is what the numba kernels switch on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Choice:
    code: int
    label: str          # human name, English (the GUI translates)
    formula: str = ""   # plain-text formula for guides and explorers


ACTIVATIONS: dict[str, Choice] = {
    "identity": Choice(0, "identity", "f(z) = z"),
    "relu": Choice(1, "ReLU", "f(z) = max(0, z)"),
    "sigmoid": Choice(2, "sigmoid", "f(z) = 1 / (1 + e^(−z))"),
    "tanh": Choice(3, "tanh", "f(z) = (e^z − e^(−z)) / (e^z + e^(−z))"),
    "leaky_relu": Choice(4, "leaky ReLU", "f(z) = max(αz, z), α = 0.2"),
    "softplus": Choice(5, "softplus", "f(z) = ln(1 + e^z)"),
    "softmax": Choice(6, "softmax (output layer)", "p_i = e^(z_i) / Σ_j e^(z_j)"),
}

LOSSES: dict[str, Choice] = {
    "mse": Choice(0, "mean squared error", "loss = mean((y_ − y)²)"),
    "custom": Choice(1, "custom cost/profit", "loss = Σ (y > y_ ? COST·(y − y_) : PROFIT·(y_ − y))"),
    "ce": Choice(2, "cross entropy (clipped probabilities)", "ce = −mean(y_ · log(clip(y, 1e-12, 1)))"),
    "softmax_ce": Choice(3, "softmax cross entropy with logits", "ce = mean(log Σ e^(z_j) − z_label)"),
}

# --- optimisers -------------------------------------------------------------------------------
# One entry per optimiser: its kernel code, the state ("slots") it keeps per parameter and their
# start values, the OptimizerSpec fields it reads (the parameter panel and the CLI show these), the
# formula the window shows, and ``update``: its numpy reference (TensorFlow 1.x semantics), used by
# engine.reference and by the numpy twin of the kernels.  ``update(θ, slots, g, lr, t, o)`` changes
# θ and slots in place; t is the 1-based update count (Adam's bias correction); o has the
# OptimizerSpec attribute names.
def _gd(th, sl, g, lr, t, o):
    th -= lr * g


def _momentum(th, sl, g, lr, t, o):
    sl[0] = o.momentum * sl[0] + g
    th -= lr * (g + o.momentum * sl[0]) if o.nesterov else lr * sl[0]


def _adam(th, sl, g, lr, t, o):
    lr_t = lr * math.sqrt(1.0 - o.beta2 ** t) / (1.0 - o.beta1 ** t)
    sl[0] = o.beta1 * sl[0] + (1.0 - o.beta1) * g
    sl[1] = o.beta2 * sl[1] + (1.0 - o.beta2) * g * g
    th -= lr_t * sl[0] / (np.sqrt(sl[1]) + o.epsilon)


def _rmsprop(th, sl, g, lr, t, o):
    sl[0] = o.rho * sl[0] + (1.0 - o.rho) * g * g
    if o.centered:                       # TF: (ms − mg²) + ε
        sl[2] = o.rho * sl[2] + (1.0 - o.rho) * g
        denom = (sl[0] - sl[2] * sl[2]) + o.rms_epsilon
    else:
        denom = sl[0] + o.rms_epsilon
    sl[1] = o.rms_momentum * sl[1] + lr * g / np.sqrt(denom)
    th -= sl[1]


def _adagrad(th, sl, g, lr, t, o):
    sl[0] = sl[0] + g * g
    th -= lr * g / np.sqrt(sl[0])


def _adadelta(th, sl, g, lr, t, o):
    rho, eps = o.adadelta_rho, o.adadelta_epsilon
    sl[0] = rho * sl[0] + (1.0 - rho) * g * g
    upd = np.sqrt(sl[1] + eps) / np.sqrt(sl[0] + eps) * g
    th -= lr * upd
    sl[1] = rho * sl[1] + (1.0 - rho) * upd * upd


@dataclass(frozen=True)
class Optimizer(Choice):
    slots: tuple = ()           # names of the per-parameter state, in kernel order
    fields: tuple = ()          # OptimizerSpec fields it reads besides name and lr
    start: tuple = ()           # per slot: a float, or the name of the OptimizerSpec field holding it
    update: object = None       # numpy reference update (above)

    def start_values(self, o) -> list[float]:
        return [float(getattr(o, v)) if isinstance(v, str) else float(v) for v in self.start]


OPTIMIZERS: dict[str, Optimizer] = {
    "gd": Optimizer(0, "gradient descent", "θ ← θ − lr·g", update=_gd),
    "momentum": Optimizer(1, "Momentum", "a ← m·a + g;  θ ← θ − lr·a  (Nesterov: θ ← θ − lr·(g + m·a))",
                          ("accumulator",), ("momentum", "nesterov"), (0.0,), _momentum),
    "adam": Optimizer(2, "Adam", "m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  "
                                 "θ ← θ − lr·√(1−β2^t)/(1−β1^t) · m/(√v + ε)",
                      ("m", "v"), ("beta1", "beta2", "epsilon"), (0.0, 0.0), _adam),
    "rmsprop": Optimizer(3, "RMSProp", "ms ← ρ·ms + (1−ρ)·g²;  mom ← μ·mom + lr·g/√(ms + ε);  θ ← θ − mom  "
                                       "(centered: mg ← ρ·mg + (1−ρ)·g, √(ms − mg² + ε))",
                         ("ms", "mom", "mg"), ("rho", "rms_momentum", "rms_epsilon", "centered"),
                         (1.0, 0.0, 0.0), _rmsprop),     # TF1 starts the mean square at ones
    "adagrad": Optimizer(4, "Adagrad", "acc ← acc + g²;  θ ← θ − lr·g/√acc", ("accumulator",),
                         ("initial_accumulator",), ("initial_accumulator",), _adagrad),
    "adadelta": Optimizer(5, "Adadelta", "acc ← ρ·acc + (1−ρ)·g²;  u ← √(accu + ε)/√(acc + ε)·g;  θ ← θ − lr·u;  "
                                         "accu ← ρ·accu + (1−ρ)·u²",
                          ("accumulator", "accumulator_update"), ("adadelta_rho", "adadelta_epsilon"),
                          (0.0, 0.0), _adadelta),
}

# optimiser state ("slots") per parameter, in the order the kernel keeps them
SLOT_NAMES: dict[str, tuple[str, ...]] = {name: o.slots for name, o in OPTIMIZERS.items()}

REGULARIZERS: dict[str, Choice] = {
    "none": Choice(0, "none", ""),
    "l2": Choice(1, "L2", "loss_total = loss + λ·Σw²/2"),
    "l1": Choice(2, "L1", "loss_total = loss + λ·Σ|w|"),
}

REDUCTIONS: dict[str, Choice] = {
    "sum": Choice(0, "sum", "reduce_sum"),
    "mean": Choice(1, "mean", "reduce_mean"),
}

# objectives without data: the loss is a function of θ itself
OBJECTIVES: dict[str, Choice] = {
    "wplus1": Choice(0, "(w + 1)²", "loss = (w + 1)²"),
    "bowl": Choice(1, "quadratic bowl", "loss = x² + 10·y²"),
    "rosenbrock": Choice(2, "Rosenbrock", "loss = (1 − x)² + 100·(y − x²)²"),
    "beale": Choice(3, "Beale", "loss = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²"),
    "saddle": Choice(4, "saddle", "loss = x² − y²"),
}
OBJECTIVE_DIM = {"wplus1": 1, "bowl": 2, "rosenbrock": 2, "beale": 2, "saddle": 2}
OBJECTIVE_MINIMUM = {"wplus1": (-1.0,), "bowl": (0.0, 0.0), "rosenbrock": (1.0, 1.0),
                     "beale": (3.0, 0.5), "saddle": None}
