"""The numba kernels, one concept per module:

  ``network``     activations, the forward pass and backpropagation,
  ``losses``      the data loss of a batch, the loss of a problem with dL/dθ, the weight penalty,
  ``objectives``  the objective functions without data,
  ``optimisers``  the optimiser updates (TensorFlow 1.x rules),
  ``loop``        the training loop that advances a run many steps in one call,
  ``evaluate``    losses, gradients, outputs and curves for the views,
  ``record``      the history rows the training loops write (every update, or sparsely),
  ``cache``       which compiled kernel serves, and the kernels fixed to one network structure.

Arguments are grouped so no kernel takes a long positional list:
  ``net``   int64 array describing the problem and the model (indices ``N_*``, per layer ``L_*``),
  ``hyper`` float64 array of hyper-parameters (indices ``H_*``),
  ``state`` (θ, EMA θ, optimiser slots), ``data`` (X, Y), ``spec`` (net, hyper),
  ``hist``  (θ, EMA θ, slots, lr, batch loss, running sum of batch losses, step) history rows.
Each history row holds the state after the updates its ``step`` says.  The public wrappers that validate and
allocate live in ``engine.run`` and ``engine.surface``.

This module re-exports what the engine and the tests read as ``kernels.X``: the kernels, and the
codes and layout of ``engine.codes``.  numba's disk cache of every kernel is also keyed on these
files and the codes (``engine.jit.SOURCES_STAMP``), so a change in any of them recompiles.
"""
from ..codes import (A_IDENTITY, A_LEAKY, A_RELU, A_SIGMOID, A_SOFTMAX, A_SOFTPLUS, A_TANH,  # noqa: F401
    CE_CLIP_LO, DIV_LOSS, DIV_THETA, EMA_FIXED, EMA_NUM_UPDATES, EMA_OFF, HYPER_FIELDS, H_ADADELTA_EPS,
    H_ADADELTA_RHO, H_BETA1, H_BETA2, H_COST, H_EMA_DECAY, H_EPS, H_LAM, H_LEAKY, H_MOMENTUM, H_PROFIT, H_RHO,
    H_RMS_EPS, H_RMS_MOMENTUM, INTERRUPTED, KIND_NETWORK, KIND_OBJECTIVE, LOSS_CE, LOSS_CUSTOM, LOSS_MSE,
    LOSS_SOFTMAX_CE, L_ACT, L_BIAS, L_BOFF, L_NIN, L_NOUT, L_UIN, L_WOFF, NL, N_BATCH, N_CENTERED, N_EMA,
    N_HEAD, N_HYPER, N_KIND, N_LAYERS, N_LOSS, N_NESTEROV, N_OBJ, N_OPT, N_RED, N_REG, N_T0, N_UNITS,
    OBJ_BEALE, OBJ_BOWL, OBJ_ROSENBROCK, OBJ_SADDLE, OBJ_WPLUS1, OPT_ADADELTA, OPT_ADAGRAD, OPT_ADAM, OPT_GD,
    OPT_MOMENTUM, OPT_RMSPROP, RED_MEAN, RED_SUM, REG_L1, REG_L2, REG_NONE, structure)
from .cache import COMPILED, _NOT_READY, fixed_advance, forget_not_ready, ready_advance  # noqa: F401
from .evaluate import activation_curve, grads_at, loss_curve, losses_at, outputs_at  # noqa: F401
from .loop import advance, batch_rows, next_recorded  # noqa: F401
from .record import record_row  # noqa: F401 - tf32's kernel records its rows with it
from .optimisers import _opt_step  # noqa: F401 - tests/core/test_registry.py runs one update
