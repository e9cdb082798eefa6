"""Which compiled kernel serves: the dispatcher behind each function of the kernel API, and the
training kernels fixed to one network structure (``fixed_advance``), used once they are compiled
in this process or found in numba's disk cache (``ready_advance``), never compiled unasked."""
from __future__ import annotations

import functools

import numba

from .evaluate import activation_curve, grads_at, loss_curve, losses_at, outputs_at
from .loop import _make_advance, advance


@functools.lru_cache(maxsize=None)
def fixed_advance(shape: tuple[int, ...], full: bool):
    """``advance`` compiled for one network structure (see ``structure``): the same loop with
    the layer sizes, codes and batch length as constants, about twice as fast for small nets.
    Each structure is compiled once (seconds) and kept in numba's disk cache."""
    return _make_advance(shape, full)


# the compiled function behind each function of the kernel API (engine.backend.KERNELS)
COMPILED = {"advance": advance, "losses_at": losses_at, "grads_at": grads_at, "outputs_at": outputs_at,
            "loss_curve": loss_curve, "activation_curve": activation_curve}

_NOT_READY: set = set()


def ready_advance(key: tuple, args: tuple, compile: bool = False):
    """The kernel to train with: the fixed kernel for this structure (``key``, from ``structure``)
    when it is already compiled in this process or found in numba's disk cache (or ``compile``
    asks to build it now), else the generic ``advance``.  Never compiles unasked, so a new network
    shape costs no wait."""
    fixed = fixed_advance(*key)
    if fixed.overloads:
        return fixed
    if key in _NOT_READY and not compile:
        return advance
    sig = tuple(numba.typeof(a) for a in args)
    if compile:
        fixed.compile(sig)
    else:
        try:
            cached = fixed._cache.load_overload(sig, fixed.targetctx)
        except Exception:  # noqa: BLE001 — a cache that cannot be read means "not ready"
            cached = None
        if cached is None:
            _NOT_READY.add(key)
            return advance
        fixed.compile(sig)   # a cache hit: loads what is on disk
    _NOT_READY.discard(key)
    return fixed


def forget_not_ready() -> None:
    """Look again for fixed kernels (another process may have compiled them since)."""
    _NOT_READY.clear()
