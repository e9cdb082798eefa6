"""Compile (or load from the cache) every kernel once, on tiny problems."""
from __future__ import annotations

import numpy as np


def warm_up() -> float:
    """Returns the seconds it took."""
    import time

    from .config import Config
    from .run import Run
    from .surface import exact_plane, grid_gradients, grid_losses

    t = time.perf_counter()
    cfg = Config.from_dict({"data": {"name": "sales"}, "model": {"hidden": [], "output": "identity",
                                                              "bias": False}, "steps": 2})
    run = Run("warm", cfg)
    run.advance(2)
    run.losses()
    run.batch_gradient(0)
    plane = exact_plane(2)
    a = np.linspace(-1, 1, 3)
    grid_losses(run.problem, run._spec, plane, a, a)
    grid_gradients(run.problem, run._spec, plane, a, a)
    from . import kernels as K
    out = np.empty((2, 1))
    K.outputs_at(run.theta, np.ascontiguousarray(run.problem.X[:2].T), run._spec, out)
    return time.perf_counter() - t
