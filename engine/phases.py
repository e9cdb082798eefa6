"""One update in slow motion: update k+1 of a run (from the state after k updates), phase by phase.

``phases(run, k, p)`` recomputes the update with the engine's own pieces — the batch rows
(``codes.batch_rows``), the gradient (``Run.batch_gradient``, the penalty included, and the same
kernel without it), the schedule's rate, the registry's numpy update of the optimiser
(``OPTIMIZERS[name].update``) and the kernel's EMA rule — and returns each phase with its TF 1.x
formula, the same formula with parameter p's live numbers, and vector norms.

Where the run has recorded update k+1, ``Update.recorded`` holds that state and
``Update.record_error`` how far the recomputation is from it (relative, largest over θ, slots,
EMA, relative to each array's largest entry; ~1e-16 for float64 runs: the kernel is compiled with fastmath, so bit equality is not
promised).  At the head of the run (k = run.step) the phases show the update about to be applied.

Titles and notes are English templates (``NOTE_TEMPLATES``); the window translates them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import backend
from . import codes as C
from .history import penalty
from .phase_text import (DIGITS, SLOT_SYMBOLS, STATE_DIGITS, fmt, line, par, schedule_line, slot_lines,
                         step_terms)
from .registry import LOSSES, OPTIMIZERS

HEADER = "update {u}: step {k} → step {k1}"
TITLES = {
    "batch": "The batch fed",
    "forward": "Predictions and batch loss",
    "gradient": "The gradient",
    "reg": "The regularisation term",
    "lr": "The learning rate",
    "slots": "The optimiser state",
    "update": "The update vector",
    "theta": "The new θ",
    "ema": "The EMA shadow",
}
NOTE_TEMPLATES = (
    "rows {r0} … {r1} of {n} ({b} rows)",
    "first rows of the batch:",
    "{name} is a bias: the penalty leaves it alone",
    "the penalty is on the weights only, not the biases",
    "the gradient of this batch's loss",
    "no state: plain gradient descent",
    "global_step = {step} (updates already applied)",
    "Adam's step t = {t} (updates since the optimiser started)",
    "the recorded state differs from this recomputation (largest relative difference {e}): a setting changed after this step",
    "not yet applied: press “.” once more to apply it",
    "the shadow starts at θ and is drawn beside the raw path",
    HEADER,
)
OUTSIDE = "step {k} is outside the run (0 … {head})"
BEFORE_CHANGE = "step {k} is before the optimiser changed (at step {t0})"
ERROR_TEMPLATES = (OUTSIDE, BEFORE_CHANGE)


class PhaseError(ValueError):
    """Why an update cannot be shown: an English template and its fields (the window translates)."""

    def __init__(self, template: str, **fields):
        super().__init__(template.format(**fields))
        self.template, self.fields = template, fields


@dataclass(frozen=True)
class Phase:
    key: str
    title: str                       # English; the window translates it
    formula: str                     # TF 1.x's formula, lines separated by "\n"
    live: str                        # the same with this run's numbers for parameter p
    notes: tuple = ()                # (English template, fields) — the window translates them
    values: dict = field(default_factory=dict)   # whole vectors and scalars this phase computed

    def note_text(self) -> list[str]:
        return [t.format(**f) for t, f in self.notes]


@dataclass(frozen=True)
class Update:
    k: int                      # the state before: after k updates
    p: int                      # the parameter the live numbers are for
    name: str                   # its name (w1[0], b1[3], …)
    phases: tuple
    before: dict                # theta, slots, ema (after k updates)
    after: dict                 # theta, slots, ema, lr, loss: this recomputation of update k+1
    recorded: dict | None       # the run's own state after k+1 updates (None: not applied yet)
    record_error: float         # largest relative difference of after and recorded (0 if none)

    @property
    def header(self) -> tuple[str, dict]:
        return HEADER, dict(u=f"{self.k + 1:,}", k=f"{self.k:,}", k1=f"{self.k + 1:,}")

    def phase(self, key: str) -> Phase:
        return next(ph for ph in self.phases if ph.key == key)

    @property
    def keys(self) -> list[str]:
        return [ph.key for ph in self.phases]


def norm(v) -> str:
    return fmt(float(np.linalg.norm(np.asarray(v, dtype=np.float64))))


def phases(run, k: int, p: int = 0) -> Update:
    """Update k+1 of ``run`` phase by phase, the live numbers for parameter ``p`` (0 ≤ k ≤ run.step)."""
    k, P = int(k), run.problem.layout.size
    if not 0 <= k <= run.step:
        raise PhaseError(OUTSIDE, k=k, head=run.step)
    if k < run.t0:
        raise PhaseError(BEFORE_CHANGE, k=k, t0=run.t0)
    p = int(np.clip(p, 0, P - 1))
    cfg, o, net = run.config, run.config.optimizer, run._spec[0]
    name = run.problem.layout.names[p]
    before = run.state_at(k)        # exact, also where the history kept only every n-th step
    th0, sl0, em0 = before.theta, before.slots, before.ema
    recorded = None
    if k < run.step:
        after = run.state_at(k + 1)
        recorded = dict(theta=after.theta, slots=after.slots, ema=after.ema, lr=after.lr, loss=after.batch_loss)
    out: list[Phase] = []

    # 1. the batch, 2. predictions and its loss
    rows = C.batch_rows(net, run.problem.n, k)
    loss = np.empty(1)
    backend.losses_at(th0[None, :], run.problem.data, rows, run._spec, False, loss)
    loss = float(loss[0])
    pen = float(penalty(run.problem, cfg, th0)[0])
    if not run.problem.objective:
        r0, r1_ = rows
        XT = np.ascontiguousarray(run.problem.data[0][:, r0:r1_])
        preds = np.empty((r1_ - r0, run.problem.Y.shape[1]))
        backend.outputs_at(th0, XT, run._spec, preds)
        out.append(Phase("batch", TITLES["batch"], "start = (k·B) mod n;  x = X[start : start + B]",
                         f"start = ({k} × {cfg.batch}) mod {run.problem.n} = {r0}",
                         (("rows {r0} … {r1} of {n} ({b} rows)", dict(r0=r0, r1=r1_ - 1, n=run.problem.n,
                                                                    b=r1_ - r0)),),
                         dict(rows=rows, X=run.problem.X[r0:r1_], target=run.problem.Y[r0:r1_])))
        fwd = "y = f(x; θ);  " + LOSSES[cfg.loss.name].formula
        live = [line("loss", "", loss)]
        vals = dict(rows=rows, X=run.problem.X[r0:r1_], pred=preds, target=run.problem.Y[r0:r1_], loss=loss)
        notes = (("first rows of the batch:", {}),)
    else:
        fwd, live, vals, notes = "loss = f(θ)", [line("loss", "", loss)], dict(loss=loss), ()
    if cfg.reg.kind != "none":
        term_sym = "λ·Σw²/2" if cfg.reg.kind == "l2" else "λ·Σ|w|"
        fwd += f";  loss_total = loss + {term_sym}"
        live.append(line(f"loss + {term_sym}", f"{fmt(loss)} + {fmt(pen)}", loss + pen))
        vals["penalty"] = pen
    out.append(Phase("forward", TITLES["forward"], fwd, "\n".join(live), notes, vals))

    # 3. the gradient (of the data loss), 4. the penalty's term
    g = run.batch_gradient(k)
    g_data = np.empty((1, P))
    backend.grads_at(np.ascontiguousarray(th0[None, :]), run.problem.data, rows, run._spec, False, g_data)
    g_data = g_data[0]
    out.append(Phase("gradient", TITLES["gradient"], "g = ∂loss/∂θ = tf.gradients(loss, θ)",
                     f"g[{name}] = ∂loss/∂{name} = {fmt(g_data[p])}\n‖g‖ = {norm(g_data)}",
                     () if run.problem.objective else (("the gradient of this batch's loss", {}),),
                     dict(grad_data=g_data)))
    if cfg.reg.kind != "none":
        weight = bool(run.problem.layout.weight_mask[p])
        lam = cfg.reg.lam
        if cfg.reg.kind == "l2":
            formula = "loss_total = loss + λ·Σw²/2  ⇒  g ← g + λ·w"
            term = lam * th0[p]
            num = f"{fmt(g_data[p])} + {fmt(lam)} × {par(th0[p])}"
        else:
            formula = "loss_total = loss + λ·Σ|w|  ⇒  g ← g + λ·sign(w)"
            term = lam * np.sign(th0[p])
            num = f"{fmt(g_data[p])} + {fmt(lam)} × {par(np.sign(th0[p]))}"
        live = line(f"g[{name}]", num if weight else "", g[p]) + f"\n‖g‖ = {norm(g)}"
        notes = ((("the penalty is on the weights only, not the biases", {}),) if weight else
                 (("{name} is a bias: the penalty leaves it alone", dict(name=name)),))
        out.append(Phase("reg", TITLES["reg"], formula, live, notes,
                         dict(grad=g, term=term if weight else 0.0)))

    # 5. the learning rate
    gstep = k if cfg.schedule.advance_global_step else 0
    lr = recorded["lr"] if recorded is not None else float(run.learning_rate(np.array([k]))[0])
    out.append(Phase("lr", TITLES["lr"], _schedule_formula(cfg.schedule.name),
                     schedule_line(cfg.schedule, o.lr, gstep, lr),
                     (("global_step = {step} (updates already applied)", dict(step=gstep)),), dict(lr=lr)))

    # 6. the optimiser's state, 7. the update, 8. the new θ — with the registry's numpy update
    t = k + 1 - run.t0
    entry = OPTIMIZERS[o.name]
    th1, sl1 = th0.copy(), sl0.copy()
    entry.update(th1, sl1, g.copy(), lr, t, o)
    alpha = lr * np.sqrt(1.0 - o.beta2 ** t) / (1.0 - o.beta1 ** t) if o.name == "adam" else None
    u = None
    if o.name == "adadelta":
        eps = o.adadelta_epsilon
        u = np.sqrt(sl0[1] + eps) / np.sqrt(sl1[0] + eps) * g
    q = dict(g=g[p], lr=lr, t=t, alpha=alpha, s0=sl0[:, p], s1=sl1[:, p], u=None if u is None else u[p])
    lines = slot_lines(o.name, o, q)
    if lines:
        notes = (("Adam's step t = {t} (updates since the optimiser started)", dict(t=t)),) if o.name == "adam" else ()
        symbols = SLOT_SYMBOLS.get(o.name, entry.slots)     # as the formulas write them
        norms = "   ".join(f"‖{s}‖ = {norm(sl1[i])}" for i, s in enumerate(symbols)
                           if not (o.name == "rmsprop" and s == "mg" and not o.centered))
        out.append(Phase("slots", TITLES["slots"], "\n".join(s for s, _, _ in lines),
                         "\n".join(line(s, n, v) for s, n, v in lines) + "\n" + norms, notes,
                         dict(slots_before=sl0, slots_after=sl1, alpha=alpha, u=u, t=t)))
    sym, num = step_terms(o.name, o, q)
    delta = th1 - th0
    out.append(Phase("update", TITLES["update"], f"Δθ = −{sym}",
                     f"Δθ[{name}] = −{num} = {fmt(delta[p])}\n‖Δθ‖ = {norm(delta)}", (),
                     dict(delta=delta)))
    out.append(Phase("theta", TITLES["theta"], f"θ ← θ − {sym}",
                     f"{name} ← {name} − {sym} = {fmt(th0[p], STATE_DIGITS)} − {num} = "
                     f"{fmt(th1[p], STATE_DIGITS)}\n‖θ‖ = {norm(th1)}", (), dict(theta=th1)))

    # 9. the EMA shadow
    em1 = None
    if cfg.ema.enabled:
        n = k + 1
        d = min(cfg.ema.decay, (1.0 + n) / (10.0 + n)) if cfg.ema.num_updates else cfg.ema.decay
        em1 = em0 - (em0 - th1) * (1.0 - d)
        if cfg.ema.num_updates:
            dline = line("d = min(decay, (1 + n)/(10 + n))", f"min({fmt(cfg.ema.decay)}, {1 + n}/{10 + n})", d)
            dsym = "d = min(decay, (1 + n)/(10 + n)),  n = global_step"
        else:
            dline, dsym = line("d = decay", "", d), "d = decay"
        s0, s1 = fmt(em0[p], STATE_DIGITS), fmt(em1[p], STATE_DIGITS)
        out.append(Phase("ema", TITLES["ema"], dsym + "\nshadow ← shadow − (shadow − θ)·(1 − d)",
                         f"{dline}\nshadow ← shadow − (shadow − θ)·(1 − d) = {s0} − ({s0} − "
                         f"{par(th1[p], STATE_DIGITS)}) × {fmt(1.0 - d)} = {s1}\n‖shadow − θ‖ = {norm(em1 - th1)}",
                         (("the shadow starts at θ and is drawn beside the raw path", {}),), dict(ema=em1, decay=d)))

    after = dict(theta=th1, slots=sl1, ema=em1, lr=lr, loss=loss)
    err = _record_error(after, recorded) if recorded is not None else 0.0
    return Update(k, p, name, tuple(out), dict(theta=th0, slots=sl0, ema=em0), after, recorded, err)


def _schedule_formula(name: str) -> str:
    from .schedules import FORMULAS
    return FORMULAS.get(name, "lr") + ",  step = global_step"


def _record_error(after: dict, rec: dict) -> float:
    """Largest |after − recorded| over θ, slots and EMA, relative to each array's largest entry
    (an entry passing through zero has no useful relative error of its own)."""
    worst = 0.0
    for key in ("theta", "slots", "ema"):
        a, b = after[key], rec[key]
        if a is None or b is None or a.size == 0:
            continue
        scale = max(float(np.max(np.abs(b))), 1e-300)
        worst = max(worst, float(np.max(np.abs(a - b))) / scale)
    return worst


__all__ = [
    "DIGITS",
    "ERROR_TEMPLATES",
    "HEADER",
    "NOTE_TEMPLATES",
    "PhaseError",
    "STATE_DIGITS",
    "TITLES",
    "Phase",
    "Update",
    "fmt",
    "par",
    "phases",
]
