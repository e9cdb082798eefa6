"""The public read API of a run: what a window or a script may ask of a run besides its history.

``Run`` inherits ``RunReadout``; its methods read the run's current settings (``config``), its
problem (data, model) and the kernels' description of both, which stays private to the engine.
``run.evaluator()`` hands out an ``Evaluator``: a copy of that description, so it keeps giving
the same numbers after the run's settings change and may be used off the GUI thread — a loss
surface on a plane, a decision map on a grid, the accuracy, the loss at any θ.  Nothing here
trains or changes a run.
"""
from __future__ import annotations

import numpy as np

from . import backend
from . import codes as C
from . import explain as E
from . import surface as S


class Evaluator:
    """A run's loss, model and data frozen as they were when it was made; optionally with the
    regulariser (kind and λ) of another run added to the loss (``with_penalty``)."""

    def __init__(self, problem, spec, penalty: tuple[str, float] | None = None):
        self.problem = problem
        self._spec = (spec[0].copy(), spec[1].copy())
        self.penalty = penalty                     # (regulariser kind, λ) the losses include, or None

    @property
    def with_penalty(self) -> bool:
        return self.penalty is not None

    # --- losses ---------------------------------------------------------------------------------
    def losses(self, thetas) -> np.ndarray:
        """Full-data loss at each θ row (the penalty included when ``with_penalty``)."""
        thetas = np.ascontiguousarray(np.atleast_2d(thetas), dtype=np.float64)
        out = np.empty(thetas.shape[0])
        backend.losses_at(thetas, self.problem.data, (0, self.problem.n), self._spec, self.with_penalty, out)
        return out

    def grid_losses(self, plane: S.Plane, a, b) -> np.ndarray:
        """The loss on the plane at centre + a_i·d1 + b_j·d2, shape (len(b), len(a))."""
        return S.grid_losses(self.problem, self._spec, plane, a, b, with_penalty=self.with_penalty)

    def grid_gradients(self, plane: S.Plane, a, b) -> tuple[np.ndarray, np.ndarray]:
        """The full-data gradient on the plane's grid, projected onto d1 and d2."""
        return S.grid_gradients(self.problem, self._spec, plane, a, b, with_penalty=self.with_penalty)

    def curve_losses(self, w) -> np.ndarray:
        """1-parameter problems: the loss at each w."""
        return S.curve_losses(self.problem, self._spec, w, with_penalty=self.with_penalty)

    # --- a classifier ---------------------------------------------------------------------------
    def decision_map(self, theta, xs, ys) -> np.ndarray:
        """The network's output at θ over the grid xs × ys: (len(ys), len(xs)), or (…, k) outputs."""
        return E.decision_map(self.problem, self._spec, theta, xs, ys)

    def accuracy(self, theta) -> float | None:
        """Fraction of the data classified correctly at θ; None for regression and objectives."""
        return E.accuracy(self.problem, self._spec, theta)

    def clipped_targets(self, theta, rows: tuple[int, int]) -> tuple[int, int]:
        """(targets of data rows r0..r1 predicted below the cross entropy's clip, targets)."""
        return E.clipped_targets(self.problem, self._spec, theta, rows)


class RunReadout:
    """Mixin of ``engine.run.Run``: public reads (uses ``_spec``, ``problem``, ``config`` and the
    history properties of the run)."""

    def evaluator(self, penalty_from=None) -> Evaluator:
        """The run's loss as it is now, as a copy.  ``penalty_from``: a run (of the same data and
        model, e.g. this one) whose regulariser the losses then include."""
        if penalty_from is None:
            return Evaluator(self.problem, self._spec)
        net, hyper = self._spec[0].copy(), self._spec[1].copy()
        net[C.N_REG] = penalty_from._spec[0][C.N_REG]
        hyper[C.H_LAM] = penalty_from._spec[1][C.H_LAM]
        reg = penalty_from.config.reg
        return Evaluator(self.problem, (net, hyper), (reg.kind, reg.lam))

    @property
    def regularised(self) -> bool:
        """Whether the run's loss has a penalty term (a regulariser with λ > 0)."""
        return self.config.reg.kind != "none" and self.config.reg.lam > 0

    def batch_rows(self, k: int) -> tuple[int, int]:
        """The data rows [r0, r1) that update k+1 uses (k updates applied); (0, 0) for an objective."""
        r0, r1 = C.batch_rows(self._spec[0], self.problem.n, int(k))
        return int(r0), int(r1)

    def accuracy(self, k: int) -> float | None:
        """Accuracy after k updates (the recorded row of step k); None for regression, objectives
        and a non-finite θ."""
        theta = self.theta_history[int(self.rows([k])[0])]
        if not np.all(np.isfinite(theta)):
            return None
        return E.accuracy(self.problem, self._spec, theta)

    def clipped_targets(self, k: int) -> tuple[int, int]:
        """How many of update k+1's batch targets the model, after k updates, predicts below the
        cross entropy's clip 1e-12 (their gradient is 0), and how many targets the batch has."""
        theta = self.theta_history[int(self.rows([k])[0])]
        return E.clipped_targets(self.problem, self._spec, theta, self.batch_rows(k))
