"""Names of the built-in choices, and their integer codes inside the kernels.

Each registry is a plain dict (name -> entry) so combo boxes and the CLI fill themselves from its
keys.  The numeric code is what the numba kernels switch on.
"""
from __future__ import annotations

from dataclasses import dataclass


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

OPTIMIZERS: dict[str, Choice] = {
    "gd": Choice(0, "gradient descent", "θ ← θ − lr·g"),
    "momentum": Choice(1, "Momentum", "a ← m·a + g;  θ ← θ − lr·a"),
    "adam": Choice(2, "Adam", "m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  "
                              "θ ← θ − lr·√(1−β2^t)/(1−β1^t) · m/(√v + ε)"),
    "rmsprop": Choice(3, "RMSProp", "ms ← ρ·ms + (1−ρ)·g²;  mom ← μ·mom + lr·g/√(ms + ε);  θ ← θ − mom"),
    "adagrad": Choice(4, "Adagrad", "acc ← acc + g²;  θ ← θ − lr·g/√acc"),
}

# optimiser state ("slots") per parameter, in the order the kernel keeps them
SLOT_NAMES: dict[str, tuple[str, ...]] = {
    "gd": (),
    "momentum": ("accumulator",),
    "adam": ("m", "v"),
    "rmsprop": ("ms", "mom"),
    "adagrad": ("accumulator",),
}

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
