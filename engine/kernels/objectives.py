"""Objective functions without data, for optimiser studies: the loss is a function of θ itself
((w + 1)², the quadratic bowl, Rosenbrock, Beale, the saddle).  A helper, inlined."""
from __future__ import annotations

from ..codes import OBJ_BEALE, OBJ_BOWL, OBJ_ROSENBROCK, OBJ_WPLUS1
from ..jit import njit


@njit(inline="always")
def _objective(code, th, grad, want_grad):
    if code == OBJ_WPLUS1:
        w = th[0]
        if want_grad:
            grad[0] += 2.0 * (w + 1.0)
        return (w + 1.0) * (w + 1.0)
    x, y = th[0], th[1]
    if code == OBJ_BOWL:
        f, gx, gy = x * x + 10.0 * y * y, 2.0 * x, 20.0 * y
    elif code == OBJ_ROSENBROCK:
        r = y - x * x
        f, gx, gy = (1.0 - x) ** 2 + 100.0 * r * r, -2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r
    elif code == OBJ_BEALE:
        t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y * y, 2.625 - x + x * y ** 3
        f = t1 * t1 + t2 * t2 + t3 * t3
        gx = 2.0 * t1 * (y - 1.0) + 2.0 * t2 * (y * y - 1.0) + 2.0 * t3 * (y ** 3 - 1.0)
        gy = 2.0 * t1 * x + 4.0 * t2 * x * y + 6.0 * t3 * x * y * y
    else:  # saddle
        f, gx, gy = x * x - y * y, 2.0 * x, -2.0 * y
    if want_grad:
        grad[0] += gx
        grad[1] += gy
    return f

