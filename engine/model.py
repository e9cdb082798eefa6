"""The parameter layout and the compiled problem a run trains on.

θ is one flat float64 vector.  For a network with layer sizes n0 → n1 → … → nL it holds, in order,
``w1`` (n0×n1, row-major, as TF's ``tf.matmul(x, w1)``), ``b1`` (n1, when biases are on), ``w2``,
``b2``, …  For an objective without data θ is the point itself (``w``, or ``x``, ``y``).
Complexity is counted as the chapter does: layers = weight layers (the input is not counted),
parameters = weights + biases (2-11-1 → 2 layers, 45 parameters).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import codes as C, datasets
from .config import Config, ConfigError, validate
from .registry import ACTIVATIONS, LOSSES, OBJECTIVE_DIM, OBJECTIVES, OPTIMIZERS, REDUCTIONS, REGULARIZERS

OBJECTIVE_START = {"wplus1": (5.0,), "bowl": (-4.0, 1.5), "rosenbrock": (-1.5, 2.0),
                   "beale": (1.0, 1.4), "saddle": (-1.5, 0.02)}


@dataclass(frozen=True)
class Block:
    name: str          # "w1", "b1", …
    offset: int
    shape: tuple       # (nin, nout) for weights, (nout,) for biases
    is_weight: bool


@dataclass(frozen=True)
class Layout:
    sizes: tuple           # (n0, n1, …, nL); () for objectives
    activations: tuple     # per weight layer
    bias: bool
    blocks: tuple          # Block, in θ order
    size: int

    @property
    def layers(self) -> int:
        return max(len(self.sizes) - 1, 0)

    @property
    def names(self) -> list[str]:
        """One readable name per θ entry: w1[0], w1[1] for a 2→1 layer; w1[0,3], b1[3] otherwise."""
        out = []
        for b in self.blocks:
            if len(b.shape) == 2 and b.shape[1] == 1:
                out += [f"{b.name}[{i}]" for i in range(b.shape[0])]
            elif len(b.shape) == 2:
                out += [f"{b.name}[{i},{j}]" for i in range(b.shape[0]) for j in range(b.shape[1])]
            elif not self.sizes:  # an objective's coordinates: w, or x and y
                out.append(b.name)
            else:
                out += [f"{b.name}[{i}]" for i in range(b.shape[0])]
        return out

    @property
    def weight_mask(self) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        for b in self.blocks:
            if b.is_weight:
                mask[b.offset:b.offset + int(np.prod(b.shape))] = True
        return mask


def network_layout(sizes, activations, bias) -> Layout:
    blocks, off = [], 0
    for l in range(len(sizes) - 1):
        nin, nout = sizes[l], sizes[l + 1]
        blocks.append(Block(f"w{l + 1}", off, (nin, nout), True))
        off += nin * nout
        if bias:
            blocks.append(Block(f"b{l + 1}", off, (nout,), False))
            off += nout
    return Layout(tuple(sizes), tuple(activations), bias, tuple(blocks), off)


def objective_layout(name: str) -> Layout:
    dim = OBJECTIVE_DIM[name]
    names = ("w",) if dim == 1 else ("x", "y")
    blocks = tuple(Block(n, i, (1,), True) for i, n in enumerate(names))
    return Layout((), (), False, blocks, dim)


class Problem:
    """Data, model, loss and regulariser compiled into the kernels' arrays.  Shared by the runs
    of a comparison; the optimiser part of ``net``/``hyper`` is filled per run by :meth:`spec`."""

    def __init__(self, cfg: Config):
        self.objective = cfg.data.name in OBJECTIVES
        if self.objective:
            self.dataset = None
            self.X = np.zeros((0, 2))
            self.Y = np.zeros((0, 1))
            self.layout = objective_layout(cfg.data.name)
        else:
            self.dataset = datasets.get(cfg.data.name, cfg.data.path)
            self.X = np.ascontiguousarray(self.dataset.X, dtype=np.float64)
            self.Y = np.ascontiguousarray(self.dataset.Y, dtype=np.float64)
            sizes = (self.X.shape[1],) + tuple(cfg.model.hidden) + (self.Y.shape[1],)
            acts = (cfg.model.activation,) * len(cfg.model.hidden) + (cfg.model.output,)
            self.layout = network_layout(sizes, acts, cfg.model.bias)
        validate(cfg, None if self.objective else self.X.shape[0])
        self.config = cfg
        # the kernels take the data transposed: one contiguous row per feature / output
        self.data = (np.ascontiguousarray(self.X.T), np.ascontiguousarray(self.Y.T))
        self.n = self.X.shape[0]

    @property
    def kind(self) -> str:
        return "objective" if self.objective else self.dataset.kind

    def spec(self, cfg: Config, t0: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(net, hyper) for the kernels, from this problem and a run's configuration."""
        lay = self.layout
        L = lay.layers
        net = np.zeros(C.N_HEAD + C.NL * L, dtype=np.int64)
        net[C.N_KIND] = C.KIND_OBJECTIVE if self.objective else C.KIND_NETWORK
        net[C.N_OBJ] = OBJECTIVES[cfg.data.name].code if self.objective else -1
        net[C.N_LOSS] = LOSSES[cfg.loss.name].code
        net[C.N_RED] = REDUCTIONS[cfg.loss.reduction].code
        net[C.N_REG] = REGULARIZERS[cfg.reg.kind].code
        net[C.N_OPT] = OPTIMIZERS[cfg.optimizer.name].code
        net[C.N_NESTEROV] = int(cfg.optimizer.nesterov)
        net[C.N_CENTERED] = int(cfg.optimizer.centered)
        net[C.N_EMA] = (C.EMA_OFF if not cfg.ema.enabled else
                        C.EMA_NUM_UPDATES if cfg.ema.num_updates else C.EMA_FIXED)
        net[C.N_BATCH] = cfg.batch
        net[C.N_T0] = t0
        net[C.N_LAYERS] = L
        net[C.N_UNITS] = sum(lay.sizes)
        uin = 0
        weights = [b for b in lay.blocks if b.is_weight]
        biases = {b.name[1:]: b for b in lay.blocks if not b.is_weight}
        for l in range(L):
            b = C.N_HEAD + C.NL * l
            net[b + C.L_NIN], net[b + C.L_NOUT] = lay.sizes[l], lay.sizes[l + 1]
            net[b + C.L_ACT] = ACTIVATIONS[lay.activations[l]].code
            bias = biases.get(str(l + 1))
            net[b + C.L_BIAS] = int(bias is not None)
            net[b + C.L_WOFF] = weights[l].offset
            net[b + C.L_BOFF] = bias.offset if bias is not None else 0
            net[b + C.L_UIN] = uin
            uin += lay.sizes[l]
        o = cfg.optimizer
        hyper = np.zeros(C.N_HYPER)
        for index, name in C.HYPER_FIELDS.items():      # the optimiser's settings, by field name
            hyper[index] = getattr(o, name)
        hyper[C.H_COST], hyper[C.H_PROFIT] = cfg.loss.cost, cfg.loss.profit
        hyper[C.H_LAM] = cfg.reg.lam if cfg.reg.kind != "none" else 0.0
        hyper[C.H_EMA_DECAY] = cfg.ema.decay
        hyper[C.H_LEAKY] = 0.2  # tf.nn.leaky_relu's default alpha
        return net, hyper

    def initial_theta(self, cfg: Config) -> np.ndarray:
        """The start point: ``init.start`` when given, else drawn with ``init.seed``.

        Weights are drawn layer by layer from one RandomState(seed): normal(0, stddev) as TF's
        random_normal, Xavier (Glorot uniform, TF's xavier_initializer) or He (normal with
        stddev √(2/fan_in)); biases are the constant ``init.bias``.
        """
        init, lay = cfg.init, self.layout
        if init.start:
            if len(init.start) != lay.size:
                raise ConfigError(f"init.start has {len(init.start)} values; this model has "
                                  f"{lay.size} parameters ({', '.join(lay.names[:6])}{', …' if lay.size > 6 else ''})")
            theta = np.array(init.start, dtype=np.float64)
            if not np.all(np.isfinite(theta)):
                raise ConfigError("init.start must be finite numbers")
            return theta
        if self.objective:
            return np.array(OBJECTIVE_START[cfg.data.name], dtype=np.float64)
        rdm = np.random.RandomState(init.seed)
        theta = np.empty(lay.size)
        for b in lay.blocks:
            n = int(np.prod(b.shape))
            if not b.is_weight:
                theta[b.offset:b.offset + n] = init.bias
            elif init.kind == "normal":
                theta[b.offset:b.offset + n] = rdm.normal(0.0, init.stddev, n)
            elif init.kind == "xavier":
                lim = np.sqrt(6.0 / (b.shape[0] + b.shape[1]))
                theta[b.offset:b.offset + n] = rdm.uniform(-lim, lim, n)
            else:
                theta[b.offset:b.offset + n] = rdm.normal(0.0, np.sqrt(2.0 / b.shape[0]), n)
        return theta

    def least_squares(self) -> np.ndarray | None:
        """The exact minimiser for a linear model without bias under mse (opt4_1's marked minimum)."""
        lay = self.layout
        if self.objective or lay.layers != 1 or lay.bias or lay.activations[0] != "identity":
            return None
        if self.config.loss.name != "mse" or self.config.reg.kind != "none":
            return None
        sol, *_ = np.linalg.lstsq(self.X, self.Y, rcond=None)
        return sol.ravel()

    def minimum(self) -> np.ndarray | None:
        """A known minimiser to mark on the surface, when there is one."""
        if self.objective:
            from .registry import OBJECTIVE_MINIMUM
            m = OBJECTIVE_MINIMUM[self.config.data.name]
            return None if m is None else np.array(m, dtype=np.float64)
        return self.least_squares()
