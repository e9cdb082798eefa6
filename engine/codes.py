"""The layout of the kernels' argument arrays and the codes they switch on, shared by the numba
kernels (``engine.kernels``) and their numpy twin (``engine.numpy_kernels``).  Plain Python:
importing it loads no numba, so the window can train before the compiled kernels exist.

``net``   int64 array describing the problem and the model (indices ``N_*``, per layer ``L_*``),
``hyper`` float64 array of hyper-parameters (indices ``H_*``).

numba freezes these values into the compiled kernels, and its disk cache by itself knows only
when a kernel's own file changes; every kernel's cache is therefore also keyed on this file and on
the codes' values (``engine.jit.SOURCES_STAMP``): a changed value here or in the registry
recompiles them, nothing needs touching (tests/core/test_kernel_cache.py).
"""
from __future__ import annotations

# --- net: header indices --------------------------------------------------------------------
(N_KIND, N_OBJ, N_LOSS, N_RED, N_REG, N_OPT, N_NESTEROV, N_EMA, N_BATCH, N_T0, N_LAYERS, N_UNITS,
 N_CENTERED) = range(13)
N_HEAD = 13
# per layer, at N_HEAD + NL*l:
L_NIN, L_NOUT, L_ACT, L_BIAS, L_WOFF, L_BOFF, L_UIN = range(7)
NL = 7
KIND_NETWORK, KIND_OBJECTIVE = 0, 1
EMA_OFF, EMA_NUM_UPDATES, EMA_FIXED = 0, 1, 2
DIV_LOSS, DIV_THETA, INTERRUPTED = 1, 2, 3

# --- hyper indices ----------------------------------------------------------------------------
(H_MOMENTUM, H_BETA1, H_BETA2, H_EPS, H_RHO, H_RMS_EPS, H_COST, H_PROFIT, H_LAM, H_EMA_DECAY, H_LEAKY,
 H_RMS_MOMENTUM, H_ADADELTA_RHO, H_ADADELTA_EPS) = range(14)
N_HYPER = 14
# the OptimizerSpec field behind each optimiser hyper-parameter slot (model.spec fills them)
HYPER_FIELDS = {H_MOMENTUM: "momentum", H_BETA1: "beta1", H_BETA2: "beta2", H_EPS: "epsilon", H_RHO: "rho",
                H_RMS_EPS: "rms_epsilon", H_RMS_MOMENTUM: "rms_momentum", H_ADADELTA_RHO: "adadelta_rho",
                H_ADADELTA_EPS: "adadelta_epsilon"}

# codes: taken from the registry entries (one place; tests/core/test_registry.py checks each
# kernel against the entry's numpy reference)
from .registry import ACTIVATIONS as _acts, LOSSES as _losses, OBJECTIVES as _objs, OPTIMIZERS as _opts  # noqa: E402
from .registry import REDUCTIONS as _reds, REGULARIZERS as _regs  # noqa: E402

A_IDENTITY, A_RELU, A_SIGMOID, A_TANH = (_acts[n].code for n in ("identity", "relu", "sigmoid", "tanh"))
A_LEAKY, A_SOFTPLUS, A_SOFTMAX = (_acts[n].code for n in ("leaky_relu", "softplus", "softmax"))
LOSS_MSE, LOSS_CUSTOM, LOSS_CE, LOSS_SOFTMAX_CE = (_losses[n].code for n in ("mse", "custom", "ce", "softmax_ce"))
RED_SUM, RED_MEAN = _reds["sum"].code, _reds["mean"].code
REG_NONE, REG_L2, REG_L1 = (_regs[n].code for n in ("none", "l2", "l1"))
OPT_GD, OPT_MOMENTUM, OPT_ADAM, OPT_RMSPROP, OPT_ADAGRAD, OPT_ADADELTA = (
    _opts[n].code for n in ("gd", "momentum", "adam", "rmsprop", "adagrad", "adadelta"))
OBJ_WPLUS1, OBJ_BOWL, OBJ_ROSENBROCK, OBJ_BEALE, OBJ_SADDLE = (
    _objs[n].code for n in ("wplus1", "bowl", "rosenbrock", "beale", "saddle"))
CE_CLIP_LO = 1e-12


def batch_rows(net, n, k):
    """Rows fed to update k+1 (k updates already applied): [(k·B) mod n, +B), as numpy slices do.
    (The numba kernels compile this same function inline.)"""
    if net[N_KIND] == KIND_OBJECTIVE:
        return 0, 0
    B = net[N_BATCH]
    r0 = (k * B) % n
    return r0, min(r0 + B, n)


def next_recorded(step0, every):
    """The first global step after ``step0`` that is a multiple of ``every``: the next one a
    training kernel records (``engine.kernels.record``; the kernels compile this inline)."""
    return (step0 // every + 1) * every


def recorded_rows(step0: int, done: int, every: int) -> int:
    """Rows a training-kernel call that applied ``done`` updates after ``step0`` wrote: the
    multiples of ``every`` in step0+1 … step0+done, and step0+done itself when it is not one."""
    if done <= 0:
        return 0
    end = step0 + done
    return end // every - step0 // every + (0 if end % every == 0 else 1)


def structure(net, n: int) -> tuple[tuple[int, ...], bool]:
    """The part of a run's ``net`` array that a fixed kernel freezes in (everything but Adam's
    t0, which changes when the optimiser is switched mid-run), and whether every batch is full."""
    key = [int(v) for v in net]
    key[N_T0] = 0
    full = key[N_KIND] == KIND_NETWORK and n % max(key[N_BATCH], 1) == 0
    return tuple(key), bool(full)
