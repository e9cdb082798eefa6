"""The layout of the kernels' argument arrays and the codes they switch on, shared by the numba
kernels (``engine.kernels``) and their numpy twin (``engine.numpy_kernels``).  Plain Python:
importing it loads no numba, so the window can train before the compiled kernels exist.

``net``   int64 array describing the problem and the model (indices ``N_*``, per layer ``L_*``),
``hyper`` float64 array of hyper-parameters (indices ``H_*``).

numba's disk cache knows only when engine/kernels.py changes: after changing a value here, touch
kernels.py too (a stale cache shows as the numpy twin and the compiled kernels disagreeing in
tests/core/test_numpy_kernels.py).
"""
from __future__ import annotations

# --- net: header indices --------------------------------------------------------------------
N_KIND, N_OBJ, N_LOSS, N_RED, N_REG, N_OPT, N_NESTEROV, N_EMA, N_BATCH, N_T0, N_LAYERS, N_UNITS = range(12)
N_HEAD = 12
# per layer, at N_HEAD + NL*l:
L_NIN, L_NOUT, L_ACT, L_BIAS, L_WOFF, L_BOFF, L_UIN = range(7)
NL = 7
KIND_NETWORK, KIND_OBJECTIVE = 0, 1
EMA_OFF, EMA_NUM_UPDATES, EMA_FIXED = 0, 1, 2
DIV_LOSS, DIV_THETA, INTERRUPTED = 1, 2, 3

# --- hyper indices ----------------------------------------------------------------------------
H_MOMENTUM, H_BETA1, H_BETA2, H_EPS, H_RHO, H_RMS_EPS, H_COST, H_PROFIT, H_LAM, H_EMA_DECAY, H_LEAKY = range(11)
N_HYPER = 11

# codes (must match engine.registry)
A_IDENTITY, A_RELU, A_SIGMOID, A_TANH, A_LEAKY, A_SOFTPLUS, A_SOFTMAX = range(7)
LOSS_MSE, LOSS_CUSTOM, LOSS_CE, LOSS_SOFTMAX_CE = range(4)
RED_SUM, RED_MEAN = range(2)
REG_NONE, REG_L2, REG_L1 = range(3)
OPT_GD, OPT_MOMENTUM, OPT_ADAM, OPT_RMSPROP, OPT_ADAGRAD = range(5)
OBJ_WPLUS1, OBJ_BOWL, OBJ_ROSENBROCK, OBJ_BEALE, OBJ_SADDLE = range(5)
CE_CLIP_LO = 1e-12


def batch_rows(net, n, k):
    """Rows fed to update k+1 (k updates already applied): [(k·B) mod n, +B), as numpy slices do.
    (The numba kernels compile this same function inline.)"""
    if net[N_KIND] == KIND_OBJECTIVE:
        return 0, 0
    B = net[N_BATCH]
    r0 = (k * B) % n
    return r0, min(r0 + B, n)


def structure(net, n: int) -> tuple[tuple[int, ...], bool]:
    """The part of a run's ``net`` array that a fixed kernel freezes in (everything but Adam's
    t0, which changes when the optimiser is switched mid-run), and whether every batch is full."""
    key = [int(v) for v in net]
    key[N_T0] = 0
    full = key[N_KIND] == KIND_NETWORK and n % max(key[N_BATCH], 1) == 0
    return tuple(key), bool(full)
