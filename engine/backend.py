"""Which implementation serves each kernel of the engine: the compiled numba kernel
(``engine.kernels``) or its vectorised numpy twin (``engine.numpy_kernels``, same arguments and
results).

Headless commands use the compiled kernels from the start: the first call compiles (tens of
seconds on a new machine), later processes load numba's disk cache.  The window cannot wait for
that on a first launch: it calls ``serve_numpy()`` before it computes anything, has the kernels
compiled in the background (``engine.warmup``) and calls ``serve_compiled(name)`` as each one is
loaded.  A run's state and history are plain arrays, the same for both, so a run switches from
one to the other between two calls and keeps its history; the numbers agree to rounding.

Nothing here imports numba until a compiled kernel is asked for, so the window can draw its
first frame before numba is loaded.
"""
from __future__ import annotations

KERNELS = ("advance", "losses_at", "grads_at", "outputs_at", "loss_curve", "activation_curve")
_numpy: set[str] = set()       # the kernels numpy serves now (empty: every one is compiled)


def serve_numpy(names=KERNELS) -> None:
    """Serve these kernels with numpy until ``serve_compiled`` says the compiled one is loaded."""
    _numpy.update(names)


def serve_compiled(name: str | None = None) -> None:
    """From now on the compiled kernel ``name`` (None: every kernel) serves its calls."""
    if name is None:
        _numpy.clear()
    else:
        _numpy.discard(name)


def serving_numpy(name: str | None = None) -> bool:
    """Whether numpy serves kernel ``name`` (None: any kernel) now."""
    return bool(_numpy) if name is None else name in _numpy


def loaded(name: str | None = None) -> bool:
    """Whether the compiled kernel ``name`` is in memory in this process (None: whether numba's
    kernels are imported at all).  Looks without importing numba."""
    import sys
    kernels = sys.modules.get(__package__ + ".kernels")
    if kernels is None or name is None:
        return kernels is not None
    return bool(kernels.COMPILED[name].overloads)


def compiled():
    """The numba kernels module (importing it loads numba; nothing is compiled here)."""
    from . import kernels
    return kernels


def impl(name: str):
    """The module whose function ``name`` serves the next call."""
    if name in _numpy:
        from . import numpy_kernels
        return numpy_kernels
    return compiled()


def losses_at(thetas, data, rows, spec, with_penalty, out) -> None:
    impl("losses_at").losses_at(thetas, data, rows, spec, with_penalty, out)


def grads_at(thetas, data, rows, spec, with_penalty, out) -> None:
    impl("grads_at").grads_at(thetas, data, rows, spec, with_penalty, out)


def outputs_at(theta, XT, spec, out) -> None:
    impl("outputs_at").outputs_at(theta, XT, spec, out)


def loss_curve(spec, preds, target, out, dout) -> None:
    impl("loss_curve").loss_curve(spec, preds, target, out, dout)


def activation_curve(code, z, out, dout) -> None:
    impl("activation_curve").activation_curve(code, z, out, dout)
