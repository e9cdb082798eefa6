"""The results table: one row per run of a session or comparison (no Qt).

For each run, at its last step N (the updates applied so far):

- **loss**: the full-data loss without the regulariser; **EMA loss** at the EMA shadow θ (when the
  run has an EMA); **loss + penalty** (when it is regularised: λ·Σw²/2 or λ·Σ|w| over weights).
- **θ\\*** where it is known, and how (``known_minimum``): the least-squares solution of a model
  without hidden layers and an identity output under mse — with no regulariser, or the ridge
  solution with the L2 term as the engine defines it (λ·Σw²/2 on weights, biases free) — or the
  known minimum of an objective function without a regulariser.  Otherwise none.
- **steps to ‖θ − θ\\*‖∞ < tol** (tol = 1e-3), defined as *the first step from which the run stays
  within tol*: the smallest k such that ‖θ_j − θ\\*‖∞ < tol for every j = k … N.  None when θ_N
  itself is not within tol (or θ\\* is unknown).  It can only say "stays" for the steps trained.
- **loss stops falling at**: the first step k whose loss is within a relative ``rel`` (1e-6) of
  the lowest loss of the rest of the run: L_k − min_{j≥k} L_j ≤ rel·|min_{j≥k} L_j|.  From k on
  the loss never gets more than 0.0001 % lower.  None ("still falling") when that k is N > 0: the
  last update still lowered the loss by more than that.  With minibatches the full-data loss may
  wobble; the definition then picks the first step that comes within rel of the best still to come.
- **µs per step**: the engine's time in ``advance`` (``Run.engine_seconds``) over the steps (since the
  run last restarted; after a rewind the discarded updates' time still counts).  A window plays in
  small chunks (e.g. 50 updates a frame), so its figure includes each call's overhead, and the
  numpy engine's while the compiled kernels load.
- **diverged at** step k when the run stopped on a non-finite loss or θ (the table then describes
  the last finite state).

Both "steps to …" figures are exact also when the history is thinned (``engine.history``): the
kept rows give them to the nearest kept step, and the stretch the answer depends on is replayed
step by step (``engine.trajectory``, bit-equal to the original run).  ``budget`` caps the updates
replayed per run (the window while playing passes 0: kept rows only); beyond it the figure is the
kept-rows estimate and ``exact`` is False.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from . import trajectory

# how θ* is known (English templates: a window translates them with their fields)
LEAST_SQUARES = "least squares"
RIDGE = "ridge least squares (λ = {lam})"
KNOWN_MINIMUM = "known minimum of {name}"
TOL = 1e-3         # ‖θ − θ*‖∞ below this counts as there
REPLAY_BUDGET = 2_000_000   # updates a caller without time to spare lets a figure replay (run --results, the window)
REL = 1e-6         # the loss counts as no longer falling when within this relative gap of its best to come


@dataclass(frozen=True)
class Result:
    label: str
    optimizer: str
    steps: int                      # updates applied (the run's last step)
    loss: float                     # full-data loss at the last step, without the penalty
    ema_loss: float | None          # at the EMA shadow θ (None: no EMA)
    total_loss: float | None        # loss + penalty (None: not regularised)
    theta_star: np.ndarray | None
    theta_star_how: str             # English, e.g. "least squares" ("" when unknown)
    distance: float | None          # ‖θ_N − θ*‖∞
    steps_to_tol: int | None        # first step from which ‖θ − θ*‖∞ < tol stays (None: not there)
    plateau_at: int | None          # first step from which the loss stops falling (None: still falling)
    us_per_step: float | None       # engine µs per update (None before any)
    diverged_at: int | None
    exact: bool = True              # False: a thinned history needed more replay than the budget
    tol: float = TOL
    rel: float = REL
    how: tuple = ("", {})           # theta_star_how as (English template, its fields)


# --- θ* -------------------------------------------------------------------------------------------
def known_minimum(run) -> tuple[np.ndarray | None, str]:
    """(θ*, how it is known) for the run's loss as trained (with its regulariser), or (None, "")."""
    star, (template, fields) = _known_minimum(run)
    return star, template.format(**fields)


def _known_minimum(run) -> tuple[np.ndarray | None, tuple[str, dict]]:
    p, cfg = run.problem, run.config
    reg = cfg.reg.kind if cfg.reg.lam > 0 else "none"
    if p.objective:
        m = p.minimum() if reg == "none" else None
        return (None, ("", {})) if m is None else (m, (KNOWN_MINIMUM, {"name": cfg.data.name}))
    lay = p.layout
    if lay.layers != 1 or lay.activations[0] != "identity" or cfg.loss.name != "mse" or reg not in ("none", "l2"):
        return None, ("", {})
    return least_squares(p.X, p.Y, lay.bias, cfg.reg.lam if reg == "l2" else 0.0), \
        ((LEAST_SQUARES, {}) if reg == "none" else (RIDGE, {"lam": f"{cfg.reg.lam:g}"}))


def least_squares(X: np.ndarray, Y: np.ndarray, bias: bool, lam: float = 0.0) -> np.ndarray:
    """θ minimising mean((XW + b − Y)²) + λ/2·Σ W² (mse averages over rows and outputs; the bias
    is not penalised), in the engine's layout: W row-major (inputs × outputs), then b."""
    n, C = Y.shape
    A = np.hstack([X, np.ones((n, 1))]) if bias else X
    if lam == 0.0:
        sol, *_ = np.linalg.lstsq(A, Y, rcond=None)
    else:      # ∇ = 2/(nC)·Aᵀ(AW − Y) + λ·D·W = 0  →  (AᵀA + nCλ/2·D) W = AᵀY, D = 1 on weight rows
        D = np.eye(A.shape[1])
        if bias:
            D[-1, -1] = 0.0
        sol = np.linalg.solve(A.T @ A + 0.5 * n * C * lam * D, A.T @ Y)
    w = sol[:X.shape[1]].ravel()
    return np.concatenate([w, sol[X.shape[1]]]) if bias else w


# --- the scans --------------------------------------------------------------------------------------
def _full_tail(steps: np.ndarray) -> int:
    """Index of the first kept row from which every later step is kept."""
    gaps = np.flatnonzero(np.diff(steps) != 1)
    return 0 if gaps.size == 0 else int(gaps[-1]) + 1


def _linf(thetas: np.ndarray, star: np.ndarray) -> np.ndarray:
    """‖θ_i − θ*‖∞ of each row, column by column (a max over a short axis of many rows is ~10×
    slower in numpy); NaN where a θ is not finite."""
    d = np.abs(thetas[:, 0] - star[0])
    for j in range(1, star.size):
        np.maximum(d, np.abs(thetas[:, j] - star[j]), out=d)     # (NaN propagates)
    return d


def steps_to_tol(run, theta_star, tol: float = TOL, budget: float = math.inf) -> tuple[int | None, bool]:
    """(the first step from which ‖θ − θ*‖∞ < tol holds to the end, whether exact)."""
    steps = run.steps_history
    d = _linf(run.theta_history, theta_star)
    bad = ~(d < tol)                           # NaN counts as not within
    if bad[-1]:
        return None, True
    last_bad = np.flatnonzero(bad)
    r = int(last_bad[-1]) if last_bad.size else -1
    coarse = int(steps[r + 1])
    tail = _full_tail(steps)
    if tail == 0 or r >= tail:                 # every step after the last bad kept row is kept
        return coarse, True
    start_row = max(r, 0)
    stop = int(steps[tail])
    if stop - int(steps[start_row]) > budget:
        return coarse, False
    worst = int(steps[r]) if r >= 0 else -1     # the last step known not to be within tol
    try:
        for ks, th in trajectory.thetas(run, start_row, stop):
            far = np.flatnonzero(~(_linf(th, theta_star) < tol))
            if far.size:
                worst = max(worst, int(ks[far[-1]]))
    except ValueError:          # steps before an optimiser switch whose slots were not kept
        return coarse, False
    return worst + 1, True


def plateau_step(run, rel: float = REL, budget: float = math.inf) -> tuple[int | None, bool]:
    """(the first step whose loss is within ``rel`` of the lowest loss still to come, whether
    exact); None for the step when it is the last step (> 0): the loss is still falling.
    A thinned stretch is replayed twice, a chunk at a time (its chunks' minima first, then the
    answer), so memory stays at a chunk however long the stretch."""
    steps = run.steps_history
    kept = run.losses()
    tail = _full_tail(steps)
    if tail > 0 and int(steps[tail]) <= budget:
        try:
            at = _plateau_replayed(run, kept[tail:], steps[tail:], int(steps[tail]) - 1, rel)
        except ValueError:      # steps before an optimiser switch whose slots were not kept
            at = int(steps[_first_within_best_to_come(kept, rel)])
            return (None if at == run.step and at > 0 else at), False
        return (None if at == run.step and at > 0 else at), True
    at = int(steps[_first_within_best_to_come(kept, rel)])
    return (None if at == run.step and at > 0 else at), tail == 0


def _finite_or_inf(losses: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(losses), losses, np.inf)


def _plateau_replayed(run, tail_losses, tail_steps, stop: int, rel: float) -> int:
    """``_first_within_best_to_come`` over the losses of steps 0 … stop (replayed) followed by
    the kept ``tail_losses``, without holding the replayed ones: pass one keeps each chunk's
    minimum, pass two finds the first step within ``rel`` of the minimum still to come."""
    def chunks():
        for ks, th in trajectory.thetas(run, 0, stop):
            yield ks, _finite_or_inf(run.evaluate(th))
    tail = _finite_or_inf(tail_losses)
    mins = [float(ls.min()) for _ks, ls in chunks()]
    after = np.minimum.accumulate(np.array(mins[1:] + [float(tail.min())])[::-1])[::-1]
    for (ks, ls), later in zip(chunks(), after):
        best = np.minimum(np.minimum.accumulate(ls[::-1])[::-1], later)
        ok = ls - best <= rel * np.abs(best)
        if ok.any():
            return int(ks[int(np.argmax(ok))])
    return int(tail_steps[_first_within_best_to_come(tail_losses, rel)])


def _first_within_best_to_come(losses: np.ndarray, rel: float) -> int:
    """Index of the first loss within ``rel`` of the minimum of itself and every later loss."""
    l = np.where(np.isfinite(losses), losses, np.inf)
    best = np.minimum.accumulate(l[::-1])[::-1]
    ok = l - best <= rel * np.abs(best)
    return int(np.argmax(ok))          # the last index always qualifies


# --- rows -----------------------------------------------------------------------------------------
def run_result(run, tol: float = TOL, rel: float = REL, budget: float = math.inf) -> Result:
    """The results row of one run (``budget``: most updates replayed for each exact figure)."""
    k = run.step
    loss = float(run.losses([k])[0])
    ema = float(run.losses([k], ema=True)[0]) if run.config.ema.enabled else None
    total = loss + float(run.penalties([k])[0]) if run.regularised else None
    star, how = _known_minimum(run)
    dist = to_tol = None
    exact = True
    if star is not None and star.shape == run.theta.shape:
        dist = float(_linf(run.theta_history[-1:], star)[0])
        to_tol, exact = steps_to_tol(run, star, tol, budget)
    else:
        star, how = None, ("", {})
    plateau, plateau_exact = plateau_step(run, rel, budget)
    us = run.engine_seconds / k * 1e6 if k > 0 else None
    return Result(run.label, run.config.optimizer.name, k, loss, ema, total, star, how[0].format(**how[1]), dist,
                  to_tol, plateau, us, run.diverged_at, exact and plateau_exact, tol, rel, how)


def results(runs, tol: float = TOL, rel: float = REL, budget: float = math.inf) -> list[Result]:
    """One ``Result`` per run, in order."""
    return [run_result(r, tol, rel, budget) for r in runs]


def snapshot(run):
    """A copy of the run that reads like it (history, settings, segments) and stays as it is
    when the run trains on: ``run_result`` of it may run on another thread.  The history rows
    are copied (opt4_7's 16 MB budget: a few ms)."""
    snap = copy.copy(run)
    n = run._len
    snap._h = {key: arr[:n].copy() for key, arr in run._h.items()}
    snap._cap = n
    snap._segments = list(run._segments)
    snap._spec = (run._spec[0].copy(), run._spec[1].copy())
    snap.theta, snap.slots, snap.ema = run.theta.copy(), run.slots.copy(), run.ema.copy()
    return snap


def as_dict(r: Result) -> dict:
    """A row as plain JSON-able data (``run --json``'s "results")."""
    return {"label": r.label, "optimizer": r.optimizer, "steps": r.steps, "loss": r.loss,
            "ema_loss": r.ema_loss, "total_loss": r.total_loss,
            "theta_star": None if r.theta_star is None else [float(v) for v in r.theta_star],
            "theta_star_how": r.theta_star_how or None, "distance": r.distance, "tol": r.tol,
            "steps_to_tol": r.steps_to_tol, "plateau_at": r.plateau_at, "rel": r.rel,
            "us_per_step": r.us_per_step, "diverged_at": r.diverged_at, "exact": r.exact}


def results_line(d: dict) -> str:
    """One line of ``as_dict``'s figures for the text output of ``run --results``."""
    parts = []
    if d["theta_star"] is not None:
        near = (f"from step {d['steps_to_tol']}" if d["steps_to_tol"] is not None else
                f"not reached (now {d['distance']:.3g})")
        parts.append(f"θ* ({d['theta_star_how']}) = [{', '.join(f'{v:.7g}' for v in d['theta_star'])}]"
                     f", ‖θ − θ*‖∞ < {d['tol']:g} {near}")
    parts.append("loss still falling" if d["plateau_at"] is None else f"loss stops falling at step {d['plateau_at']}")
    if d["us_per_step"] is not None:
        parts.append(f"{d['us_per_step']:.3g} µs/step")
    if not d["exact"]:
        parts.append("(estimated from the kept history rows)")
    return "; ".join(parts)


CSV_COLUMNS = ("label", "optimizer", "steps", "loss", "ema_loss", "total_loss", "theta_star", "theta_star_how",
               "distance", "tol", "steps_to_tol", "plateau_at", "rel", "us_per_step", "diverged_at", "exact")


def csv_rows(rows: list[Result]) -> list[list[str]]:
    """The table as CSV rows (a header, then one row per run): numbers in full (repr), an empty
    cell for "none", θ* as its values separated by spaces."""
    def cell(v) -> str:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return " ".join(repr(float(x)) for x in v)
        if isinstance(v, float):
            return repr(v) if math.isfinite(v) else ""
        return str(v)
    out = [list(CSV_COLUMNS)]
    for r in rows:
        d = as_dict(r)
        out.append([cell(d[c]) for c in CSV_COLUMNS])
    return out
